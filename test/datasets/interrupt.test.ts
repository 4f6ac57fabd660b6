/**
 * `%dataset generate --slurm-rows N` (the benchmark input, ~250 bytes a row) stops within a fraction
 * of a second of an interrupt, says how many rows it had made, and leaves no file (not even its
 * temporary one). Without the check between chunks it wrote all N rows: the awaits let the abort
 * in, but nothing looked at the signal.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { InterruptedError } from "../../kernel/src/errors";
import { csvBatchesFromFile } from "../../kernel/src/datasets/read";
import { SLURM_SPEC } from "../../kernel/src/datasets/schemas";
import { writeSlurmLog, writeSupercloudSample } from "../../kernel/src/datasets/write";

describe("interrupting a generated scheduler log", () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-gen-interrupt-"))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("stops, names the rows made and writes nothing", async () => {
    const controller = new AbortController();
    let abortedAt = NaN;
    setTimeout(() => {
      abortedAt = Date.now();
      controller.abort();
    }, 500);
    const file = path.join(dir, "slurm-log.csv");
    const e = await writeSlurmLog(file, 5_000_000, 1, controller.signal).then(
      () => new Error("the log was written: the interrupt did not stop it"),
      (err: unknown) => err,
    );
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect(e).toBeInstanceOf(InterruptedError);
    expect((e as Error).message).toMatch(/^interrupted after [\d,]+ of 5,000,000 rows; nothing written to .*slurm-log\.csv$/);
    expect(fs.readdirSync(dir)).toEqual([]);
  }, 60000);

  it("stops a file read between chunks, naming how much of the file was read", async () => {
    const file = path.join(dir, "small", "slurm-log.csv");
    await writeSlurmLog(file, 2000, 3);
    const controller = new AbortController();
    const read = csvBatchesFromFile(SLURM_SPEC, file, { chunkBytes: 16384, batchRows: 100, signal: controller.signal, label: "small/slurm-log.csv" });
    let batches = 0;
    const e = await (async () => {
      for await (const _ of read.batches) {
        batches++;
        controller.abort(); // as the kernel's SIGINT handler would, between two chunks
      }
    })().then(
      () => new Error("the whole file was read: the interrupt did not stop it"),
      (err: unknown) => err,
    );
    expect(batches).toBeGreaterThan(0);
    expect(e).toBeInstanceOf(InterruptedError);
    expect((e as Error).message).toMatch(/^interrupted after reading 0\.\d MiB of 0\.\d MiB of small\/slurm-log\.csv$/);
  });

  it("stops generating a large sample before writing any file", async () => {
    const controller = new AbortController();
    let abortedAt = NaN;
    setTimeout(() => {
      abortedAt = Date.now();
      controller.abort();
    }, 300);
    const out = path.join(dir, "sample");
    const e = await writeSupercloudSample(out, { jobs: 60_000 }, controller.signal).then(
      () => new Error("the sample was written: the interrupt did not stop it"),
      (err: unknown) => err,
    );
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect(e).toBeInstanceOf(InterruptedError);
    expect((e as Error).message).toBe(`interrupted while generating the sample; nothing written to ${out}`);
    expect(fs.existsSync(out)).toBe(false);
  }, 60000);
});
