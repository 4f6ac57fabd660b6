/**
 * Writers at the edge: the synthetic sample onto disk, a generated scheduler log, and Arrow
 * IPC files (which pandas reads with `pyarrow.ipc.open_file(path).read_pandas()` or
 * `pandas.read_feather(path)`).
 */
import * as fs from "fs";
import * as path from "path";
import { RecordBatchFileWriter, Table } from "apache-arrow";
import { GreenaiError } from "../errors";
import { generateSupercloudSample, slurmLogChunks, type SampleOptions, type SampleSummary } from "./generate";

/** Writes the synthetic sample under `dir` (created); returns what was written. */
export async function writeSupercloudSample(dir: string, opts: SampleOptions = {}): Promise<{ summary: SampleSummary; files: { path: string; bytes: number }[] }> {
  const { files, summary } = generateSupercloudSample(opts);
  const out: { path: string; bytes: number }[] = [];
  for (const f of files) {
    const p = path.join(dir, ...f.path.split("/"));
    await fs.promises.mkdir(path.dirname(p), { recursive: true });
    await fs.promises.writeFile(p, f.text);
    out.push({ path: f.path, bytes: Buffer.byteLength(f.text) });
  }
  return { summary, files: out };
}

/** Writes a generated scheduler log of `rows` rows (the benchmark input); returns its size in bytes. */
export async function writeSlurmLog(file: string, rows: number, seed = 1): Promise<number> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const fh = await fs.promises.open(file, "w");
  let bytes = 0;
  try {
    for (const chunk of slurmLogChunks(rows, seed)) {
      const b = Buffer.from(chunk);
      await fh.write(b);
      bytes += b.length;
    }
  } finally {
    await fh.close();
  }
  return bytes;
}

/** Writes a table as an Arrow IPC file (the "Feather v2" format); returns its size in bytes. */
export async function writeArrowFile(table: Table, file: string): Promise<number> {
  try {
    await fs.promises.mkdir(path.dirname(path.resolve(file)), { recursive: true });
    const writer = RecordBatchFileWriter.writeAll(table);
    const bytes = await writer.toUint8Array();
    await fs.promises.writeFile(file, bytes);
    return bytes.length;
  } catch (err) {
    throw new GreenaiError(`cannot write the Arrow file ${file}: ${(err as Error).message}`);
  }
}
