/**
 * File readers at the edge: stream a CSV file in fixed-size chunks through a TableReader,
 * yielding record batches as they fill, so memory stays bounded by the chunk size and one
 * batch whatever the file size.
 */
import * as fs from "fs";
import { RecordBatch, Schema, Table } from "apache-arrow";
import { GreenaiError, InterruptedError } from "../errors";
import { TableReader, tableFromBatches, type ReadReport, type ReaderOptions } from "./reader";
import type { TableSpec } from "./schemas";

export interface FileReadOptions extends ReaderOptions {
  /** Bytes read per chunk; default 1 MiB. */
  chunkBytes?: number;
  /** Checked between chunks; an aborted signal stops the read with InterruptedError. */
  signal?: AbortSignal;
  /** Called after each chunk with the bytes read so far and the file size. */
  onProgress?(bytesRead: number, totalBytes: number): void;
  /** Name used in messages; default the path as given. */
  label?: string;
}

/** A streaming read: iterate `batches`; `report` is complete once the iteration ends. */
export interface CsvFileRead {
  batches: AsyncIterable<RecordBatch>;
  report: ReadReport;
  /** The output schema, once the first batch (or the end) has been reached. */
  schema(): Schema | undefined;
}

/** Opens a file for reading, with a message that names it when it cannot be read. */
async function openFile(file: string, label: string): Promise<fs.promises.FileHandle> {
  try {
    return await fs.promises.open(file, "r");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new GreenaiError(`cannot read ${label}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a folder" : (err as Error).message}`);
  }
}

/**
 * Streams a CSV file as record batches of `batchRows` rows.
 * @example
 * const r = csvBatchesFromFile(SLURM_SPEC, "slurm-log.csv");
 * for await (const batch of r.batches) total += batch.numRows;
 * console.log(r.report.skippedRows);
 */
export function csvBatchesFromFile(spec: TableSpec, file: string, opts: FileReadOptions = {}): CsvFileRead {
  const label = opts.label ?? file;
  const reader = new TableReader(spec, label, opts);
  const chunkBytes = opts.chunkBytes ?? 1 << 20;
  if (!(Number.isInteger(chunkBytes) && chunkBytes > 0)) throw new RangeError(`chunkBytes must be a positive integer but got ${opts.chunkBytes}`);
  async function* run(): AsyncGenerator<RecordBatch> {
    const fh = await openFile(file, label);
    try {
      const total = (await fh.stat()).size;
      const buf = new Uint8Array(chunkBytes);
      let done = 0;
      for (;;) {
        if (opts.signal?.aborted) throw new InterruptedError(`interrupted after reading ${mib(done)} of ${mib(total)} of ${label}`);
        const { bytesRead } = await fh.read(buf, 0, chunkBytes, null);
        if (bytesRead === 0) break;
        done += bytesRead;
        reader.push(buf.subarray(0, bytesRead));
        opts.onProgress?.(done, total);
        for (const b of reader.takeBatches()) yield b;
      }
      reader.end();
      for (const b of reader.takeBatches()) yield b;
    } finally {
      await fh.close();
    }
  }
  return { batches: run(), report: reader.report, schema: () => reader.outputSchema };
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Reads a whole CSV file into a Table (streamed in chunks; the table holds all kept rows). */
export async function csvTableFromFile(spec: TableSpec, file: string, opts: FileReadOptions = {}): Promise<{ table: Table; report: ReadReport }> {
  const r = csvBatchesFromFile(spec, file, opts);
  const batches: RecordBatch[] = [];
  for await (const b of r.batches) batches.push(b);
  const schema = r.schema() ?? new Schema(spec.columns.map((c) => c.make().field));
  return { table: tableFromBatches(schema, batches), report: r.report };
}
