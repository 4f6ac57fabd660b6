/**
 * Writers at the edge: the synthetic sample onto disk, a generated scheduler log, and Arrow
 * IPC files (which pandas reads with `pyarrow.ipc.open_file(path).read_pandas()` or
 * `pandas.read_feather(path)`).
 */
import * as path from "path";
import { RecordBatchFileWriter, Table } from "apache-arrow";
import { checkpoint } from "../errors";
import { writeAtomically, writeOutputFile, type OutputTarget, type OutputWrite } from "../io/output-file";
import { finishStepsInterruptibly, rethrowInterrupted } from "../io/steps";
import { generateSupercloudSampleSteps, slurmLogChunks, type SampleOptions, type SampleSummary } from "./generate";

/**
 * Writes the synthetic sample under `dir` (created), each file through io/output-file (a
 * temporary file and a rename); returns what was written and how many files were replaced.
 * When `signal` aborts: InterruptedError saying how many files had been written.
 */
export async function writeSupercloudSample(
  dir: string,
  opts: SampleOptions = {},
  signal?: AbortSignal,
): Promise<{ summary: SampleSummary; files: { path: string; bytes: number }[]; overwritten: number }> {
  const { files, summary } = await finishStepsInterruptibly(generateSupercloudSampleSteps(opts), signal).catch(
    rethrowInterrupted(() => `interrupted while generating the sample; nothing written to ${dir}`),
  );
  const out: { path: string; bytes: number }[] = [];
  let overwritten = 0;
  for (const f of files) {
    await checkpoint(signal).catch(rethrowInterrupted(() => `interrupted after writing ${out.length} of ${files.length} files to ${dir}`));
    const w = await writeOutputFile({ flag: "--out", file: path.join(dir, ...f.path.split("/")), inputs: [] }, f.text);
    if (w.overwritten) overwritten++;
    out.push({ path: f.path, bytes: w.bytes });
  }
  return { summary, files: out, overwritten };
}

/**
 * Writes a generated scheduler log of `rows` rows (the benchmark input), through a temporary file
 * and a rename. When `signal` aborts: InterruptedError saying how many rows were made, nothing written.
 */
export async function writeSlurmLog(file: string, rows: number, seed = 1, signal?: AbortSignal): Promise<OutputWrite> {
  let made = 0;
  return writeAtomically("--out", path.resolve(file), async (fh) => {
    let bytes = 0;
    for (const chunk of slurmLogChunks(rows, seed)) {
      await checkpoint(signal);
      const b = Buffer.from(chunk);
      await fh.write(b);
      bytes += b.length;
      made += chunk === "" ? 0 : countLines(chunk);
    }
    return bytes;
  }).catch(rethrowInterrupted(() => `interrupted after ${Math.max(0, made - 1).toLocaleString("en-US")} of ${rows.toLocaleString("en-US")} rows; nothing written to ${file}`));
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/**
 * Writes a table as an Arrow IPC file (the "Feather v2" format) through io/output-file: never
 * over one of `target.inputs`, atomically; returns the path, size and whether a file was replaced.
 */
export async function writeArrowFile(table: Table, target: OutputTarget): Promise<OutputWrite> {
  const bytes = await RecordBatchFileWriter.writeAll(table).toUint8Array();
  return writeOutputFile(target, bytes);
}
