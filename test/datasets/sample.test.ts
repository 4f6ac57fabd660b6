/**
 * The generator and the shipped sample (data/supercloud-sample): reproducible from its seed,
 * in the release layout, with the documented quirks, loading cleanly in strict mode.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Table } from "apache-arrow";
import { generateSupercloudSample, slurmLogChunks } from "../../kernel/src/datasets/generate";
import { SupercloudDataset } from "../../kernel/src/datasets/supercloud";
import { tableFromCsvText } from "../../kernel/src/datasets/reader";
import { CPU_SPEC, CPU_SUMMARY_SPEC, SLURM_SPEC } from "../../kernel/src/datasets/schemas";

const SAMPLE = path.resolve(__dirname, "../../data/supercloud-sample");

function listFiles(dir: string, rel = ""): string[] {
  return fs
    .readdirSync(path.join(dir, rel), { withFileTypes: true })
    .flatMap((d) => (d.isDirectory() ? listFiles(dir, path.posix.join(rel, d.name)) : [path.posix.join(rel, d.name)]))
    .sort();
}
const sha = (s: string | Buffer) => crypto.createHash("sha256").update(s).digest("hex");

describe("generator", () => {
  const a = generateSupercloudSample();

  it("is deterministic for a seed and differs between seeds", () => {
    const b = generateSupercloudSample();
    expect(b.files.map((f) => [f.path, sha(f.text)])).toEqual(a.files.map((f) => [f.path, sha(f.text)]));
    const c = generateSupercloudSample({ seed: 1 });
    expect(sha(c.files.find((f) => f.path === "slurm-log.csv")!.text)).not.toBe(sha(a.files.find((f) => f.path === "slurm-log.csv")!.text));
  });

  it("writes exactly the shipped sample (regenerate with `greenai dataset generate --out data/supercloud-sample`)", () => {
    const shipped = listFiles(SAMPLE);
    expect(shipped).toEqual(a.files.map((f) => f.path));
    for (const f of a.files) expect([f.path, sha(fs.readFileSync(path.join(SAMPLE, f.path)))]).toEqual([f.path, sha(f.text)]);
  });

  it("keeps the sample a few MB", () => {
    const bytes = a.files.reduce((s, f) => s + Buffer.byteLength(f.text), 0);
    expect(bytes).toBeLessThan(4_000_000);
  });

  it("lays files out as the release does", () => {
    const paths = a.files.map((f) => f.path);
    for (const p of ["slurm-log.csv", "labelled_jobids.csv", "labelled_job_stats.csv", "tres-mapping.txt", "node-data.csv", "README.md", "LICENSE"]) expect(paths).toContain(p);
    const series = paths.filter((p) => p.startsWith("cpu/") || p.startsWith("gpu/"));
    expect(series.length).toBeGreaterThan(20);
    for (const p of series) expect(p).toMatch(/^(cpu|gpu)\/\d{4}\/\d+-(timeseries|summary|r\d{6,7}-n\d+)\.csv$/);
  });

  it("rejects impossible options", () => {
    expect(() => generateSupercloudSample({ jobs: 5 })).toThrow(/jobs must be at least/);
    expect(() => generateSupercloudSample({ seed: 1.5 })).toThrow(/seed must be an integer/);
  });

  it("writes a scheduler log of any size for the benchmark", () => {
    const text = [...slurmLogChunks(1000, 3, 64)].join("");
    const { table, report } = tableFromCsvText(SLURM_SPEC, text, "bench.csv");
    expect(report.skippedRows).toBe(0);
    expect(table.numRows).toBe(1000);
  });
});

describe("the shipped sample, loaded in strict mode", () => {
  let ds: SupercloudDataset;
  let slurm: Table;
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-cache-"));
  beforeAll(async () => {
    ds = await SupercloudDataset.open(SAMPLE, { cacheDir });
    slurm = (await ds.table("slurm")).table;
  });
  afterAll(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  it("loads every table with no skipped row", async () => {
    for (const name of ["slurm", "cpu", "cpu-summary", "gpu", "node", "labels", "label-stats"] as const) {
      const { table, report } = await ds.table(name);
      expect([name, report.skippedRows, report.issues]).toEqual([name, 0, []]);
      expect(table.numRows).toBeGreaterThan(0);
    }
  });

  it("has the scheduler-log quirks", () => {
    const col = (n: string) => [...slurm.getChild(n)!];
    const text = fs.readFileSync(path.join(SAMPLE, "slurm-log.csv"), "utf8");
    expect(col("mem_per_cpu")).toContain(true);
    expect(col("mem_per_cpu")).toContain(false);
    expect(text).toMatch(/,3=18446744073709551614,/);
    expect(text).toMatch(/,\\N,/);
    expect(text).toMatch(/,"\['r\d+-n\d+', 'r\d+-n\d+'/);
    expect(text).toMatch(/,\['r\d+-n\d+'\],/);
    expect(text).toMatch(/,\[\],/);
    expect(col("id_array_task")).toContain(4294967294);
    expect(col("array_task_id").some((v) => v !== null)).toBe(true);
    expect(col("timelimit")).toContain(4294967295);
    expect(col("state").some((s) => ((s as number) & 1024) !== 0)).toBe(true);
    expect(col("time_start")).toContain(null);
    expect(new Set(col("partition"))).toEqual(new Set(["normal", "gaia", "xeon-p8", "test"].filter((p) => col("partition").includes(p))));
    expect(col("gpu_job").filter(Boolean).length).toBeGreaterThan(50);
  });

  it("has Step -1, -4 and batch, partial last intervals, and pandas re-saved number text", async () => {
    const { table } = await ds.table("cpu");
    const steps = new Set([...table.getChild("Step")!]);
    expect(steps).toEqual(new Set(["-1", "-4", "batch"]));
    const files = listFiles(SAMPLE).filter((p) => p.endsWith("-timeseries.csv"));
    const texts = files.map((f) => fs.readFileSync(path.join(SAMPLE, f), "utf8"));
    expect(texts.some((t) => /,0\.0,/.test(t))).toBe(true);
    expect(texts.some((t) => /\d\.\d{15,}/.test(t))).toBe(true);
    // A partial last interval: the last batch ElapsedTime of some job is not a multiple of 10.
    let partial = 0;
    for (const t of texts) {
      const batch = t.split("\n").filter((l) => l.startsWith("batch,"));
      const last = Number(batch[batch.length - 1].split(",")[3]);
      if (last % 10 !== 0) partial++;
    }
    expect(partial).toBeGreaterThan(0);
  });

  it("derives every CPU summary from its series (Min/Max/Sum exact, Avg to 6 dp)", () => {
    const files = listFiles(SAMPLE).filter((p) => p.endsWith("-summary.csv"));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const sum = tableFromCsvText(CPU_SUMMARY_SPEC, fs.readFileSync(path.join(SAMPLE, f)), f).table;
      const ser = tableFromCsvText(CPU_SPEC, fs.readFileSync(path.join(SAMPLE, f.replace("-summary", "-timeseries"))), f).table;
      for (let r = 0; r < sum.numRows; r++) {
        const step = sum.getChild("Step")!.get(r);
        const node = sum.getChild("Node")!.get(r);
        const rows = [...Array(ser.numRows).keys()].filter((i) => ser.getChild("Step")!.get(i) === step && ser.getChild("Node")!.get(i) === node);
        expect(rows.length).toBeGreaterThan(0);
        for (const m of ["EpochTime", "RSS", "Pages", "CPUTime", "ReadMB"]) {
          // EpochTime columns are timestamps (Arrow gives ms); Sum/Avg are plain seconds.
          const scale = m === "EpochTime" ? 1000 : 1;
          const xs = rows.map((i) => Number(ser.getChild(m)!.get(i)) / scale);
          const num = (c: string) => Number(sum.getChild(`${c}_${m}`)!.get(r)) / (m === "EpochTime" && (c === "Min" || c === "Max") ? scale : 1);
          // Exact, up to the one-ulp noise of pandas re-saved series files.
          const near = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));
          near(num("Min"), Math.min(...xs));
          near(num("Max"), Math.max(...xs));
          const exactSum = xs.reduce((a, b) => a + b, 0);
          expect(Math.abs(num("Sum") - exactSum)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(exactSum)));
          expect(Math.abs(num("Avg") - num("Sum") / xs.length)).toBeLessThanOrEqual(5.0001e-7 * Math.max(1, Math.abs(num("Avg"))));
        }
        expect(sum.getChild("ElapsedTime")!.get(r)).toBe(ser.getChild("ElapsedTime")!.get(rows[rows.length - 1]));
      }
    }
  });

  it("has GPU files with whole-second and ms timestamps, N/A, free + used = 32510 MiB, and ≥ 540 samples per GPU", async () => {
    const files = listFiles(SAMPLE).filter((p) => p.startsWith("gpu/"));
    const texts = files.map((f) => fs.readFileSync(path.join(SAMPLE, f), "utf8"));
    expect(texts.some((t) => /\n\d{10},/.test(t))).toBe(true);
    expect(texts.some((t) => /\n\d{10}\.\d+,/.test(t))).toBe(true);
    expect(texts.some((t) => /N\/A/.test(t))).toBe(true);
    const { table } = await ds.table("gpu");
    const free = table.getChild("memory_free_MiB")!;
    const used = table.getChild("memory_used_MiB")!;
    for (let i = 0; i < table.numRows; i++) expect(free.get(i)! + used.get(i)!).toBe(32510);
    const perGpu = new Map<string, number>();
    const id = table.getChild("id_job")!;
    const node = table.getChild("node")!;
    const g = table.getChild("gpu_index")!;
    for (let i = 0; i < table.numRows; i++) {
      const k = `${id.get(i)}/${node.get(i)}/${g.get(i)}`;
      perGpu.set(k, (perGpu.get(k) ?? 0) + 1);
    }
    expect(Math.min(...perGpu.values())).toBeGreaterThanOrEqual(540);
  });

  it("labels GPU jobs of the log, some with series, with fine-grained model names; the stats file counts them", async () => {
    const labels = await ds.labels();
    expect(labels.size).toBe(20);
    const gpuJobs = new Set<string>();
    for (let i = 0; i < slurm.numRows; i++) if (slurm.getChild("gpu_job")!.get(i)) gpuJobs.add(String(slurm.getChild("id_job")!.get(i)));
    for (const id of labels.keys()) expect(gpuJobs.has(id)).toBe(true);
    const idx = (await ds.index()).index;
    const withSeries = [...labels.keys()].filter((id) => idx.jobs[id]?.gpu);
    expect(withSeries.length).toBe(10);
    for (const m of labels.values()) expect(m).toMatch(/^(vgg\d+|resnet\d+|inception\d|U\d-\d+|bert|distilbert|dimenet|schnet|pna|nnconv)$/);
    const stats = (await ds.table("label-stats")).table;
    const total = [...stats.getChild("count")!].reduce((a, c) => a + Number(c), 0);
    expect(total).toBe(labels.size);
  });

  it("puts a job's CPU and GPU files in different shards", async () => {
    const idx = (await ds.index()).index;
    let both = 0;
    for (const j of Object.values(idx.jobs)) {
      if (j.cpu?.timeseries && j.gpu?.length) {
        both++;
        expect(j.cpu.timeseries.slice(0, 8).replace("cpu", "")).not.toBe(j.gpu[0].file.slice(0, 8).replace("gpu", ""));
      }
    }
    expect(both).toBeGreaterThan(3);
  });
});
