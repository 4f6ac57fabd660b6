/**
 * SupercloudDataset: the file index (walked once, cached, re-walked when shards change),
 * filters applied while reading, lazy per-job loads and the job join.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Table } from "apache-arrow";
import { buildIndex, loadIndex, parseSeriesPath } from "../../kernel/src/datasets/file-index";
import { SupercloudDataset, jobIdText } from "../../kernel/src/datasets/supercloud";
import { energyJFromPower } from "../../kernel/src/energy/series";

const SAMPLE = path.resolve(__dirname, "../../data/supercloud-sample");

function copyDir(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}
const ids = (t: Table) => [...t.getChild("id_job")!].map(String);

describe("parseSeriesPath", () => {
  it.each([
    ["cpu/0003/38215570926613-timeseries.csv", { kind: "cpu", shard: "0003", id_job: "38215570926613", rest: "timeseries" }],
    ["cpu/0099/1-summary.csv", { kind: "cpu", shard: "0099", id_job: "1", rest: "summary" }],
    ["gpu/0000/38215570926613-r5502311-n724019.csv", { kind: "gpu", shard: "0000", id_job: "38215570926613", rest: "r5502311-n724019" }],
  ])("%p", (p, want) => expect(parseSeriesPath(p)).toEqual(want));
  it.each(["gpu/000/1-r1-n2.csv", "gpu/0000/x-r1-n2.csv", "gpu/0000/1.csv", "other/0000/1-a.csv", "gpu/0000/1-a.txt"])("rejects %p", (p) => expect(parseSeriesPath(p)).toBeUndefined());
});

describe("the file index", () => {
  let dir: string;
  let cacheDir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-ds-"));
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-cache-"));
    copyDir(SAMPLE, dir);
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  it("walks every shard once, then comes from the cache", async () => {
    const first = await loadIndex(dir, { cacheDir });
    expect(first.from).toBe("built");
    expect(fs.existsSync(first.cacheFile)).toBe(true);
    const second = await loadIndex(dir, { cacheDir });
    expect(second.from).toBe("cache");
    expect(second.index.jobs).toEqual(first.index.jobs);
    const direct = await buildIndex(dir);
    expect(direct.files).toBe(first.index.files);
    expect(Object.keys(direct.shards)).toEqual(["cpu/0000", "cpu/0001", "cpu/0002", "cpu/0003", "gpu/0000", "gpu/0001", "gpu/0002", "gpu/0003"]);
  });

  it("re-walks when a shard folder changes, and ignores files that are not series", async () => {
    const first = await loadIndex(dir, { cacheDir });
    // A new job file in an existing shard (its folder's mtime changes).
    const later = new Date(Date.now() + 5000);
    fs.writeFileSync(path.join(dir, "gpu/0002/12345-r1000000-n1.csv"), "timestamp,gpu_index\n");
    fs.writeFileSync(path.join(dir, "gpu/0002/notes.txt"), "x");
    fs.utimesSync(path.join(dir, "gpu/0002"), later, later);
    const second = await loadIndex(dir, { cacheDir });
    expect(second.from).toBe("built");
    expect(second.index.jobs["12345"]).toEqual({ gpu: [{ node: "r1000000-n1", file: "gpu/0002/12345-r1000000-n1.csv" }] });
    expect(second.index.unmatched).toBe(first.index.unmatched + 1);
  });

  it("finds the scheduler log under either name", async () => {
    fs.renameSync(path.join(dir, "slurm-log.csv"), path.join(dir, "scheduler-log.csv"));
    const ds = await SupercloudDataset.open(dir, { cacheDir });
    expect(path.basename(ds.logFile!)).toBe("scheduler-log.csv");
    expect((await ds.table("slurm")).table.numRows).toBe(400);
  });

  it("says what is wrong with a folder that is not a release", async () => {
    await expect(SupercloudDataset.open(path.join(dir, "nope"))).rejects.toThrow(/does not exist/);
    await expect(SupercloudDataset.open(path.join(dir, "slurm-log.csv"))).rejects.toThrow(/is a file/);
    fs.rmSync(path.join(dir, "slurm-log.csv"));
    const ds = await SupercloudDataset.open(dir, { cacheDir });
    await expect(ds.table("slurm")).rejects.toThrow(/has no slurm-log\.csv or scheduler-log\.csv/);
  });
});

describe("queries", () => {
  let ds: SupercloudDataset;
  let all: Table;
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-cache-"));
  beforeAll(async () => {
    ds = await SupercloudDataset.open(SAMPLE, { cacheDir });
    all = (await ds.table("slurm")).table;
  });
  afterAll(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  it("filters the log by job ids while reading", async () => {
    const want = ids(all).slice(3, 6);
    const { table, report } = await ds.table("slurm", { jobIds: want });
    expect(ids(table).sort()).toEqual([...want].sort());
    expect(report.rowsFiltered).toBe(all.numRows - 3);
  });

  it("filters GPU jobs and labelled jobs", async () => {
    const gpu = await ds.table("slurm", { gpuOnly: true });
    const wantGpu = ids(all).filter((_, i) => all.getChild("gpu_job")!.get(i) === true);
    expect(ids(gpu.table)).toEqual(wantGpu);
    const labels = await ds.labels();
    const lab = await ds.table("slurm", { labelledOnly: true });
    expect(new Set(ids(lab.table))).toEqual(new Set(labels.keys()));
    const both = await ds.table("slurm", { labelledOnly: true, gpuOnly: true });
    expect(both.table.numRows).toBe(labels.size);
  });

  it("filters by time range: jobs overlapping it", async () => {
    const day = Date.UTC(2021, 6, 12);
    const from = day;
    const to = day + 86400e3;
    const { table } = await ds.table("slurm", { fromMs: from, toMs: to });
    const want: string[] = [];
    for (let i = 0; i < all.numRows; i++) {
      const start = all.getChild("time_start")!.get(i) ?? all.getChild("time_submit")!.get(i);
      const end = all.getChild("time_end")!.get(i) ?? Infinity;
      if (end >= from && start <= to) want.push(String(all.getChild("id_job")!.get(i)));
    }
    expect(ids(table)).toEqual(want);
    expect(want.length).toBeGreaterThan(10);
    expect(want.length).toBeLessThan(all.numRows);
  });

  it("loads series lazily per job, with id_job (and node) attached", async () => {
    const idx = (await ds.index()).index;
    const id = Object.keys(idx.jobs).find((k) => idx.jobs[k].gpu && idx.jobs[k].gpu!.length === 2)!;
    const { table, report } = await ds.table("gpu", { jobIds: [id] });
    expect(report.files).toBe(2);
    expect(new Set(ids(table))).toEqual(new Set([id]));
    expect(new Set([...table.getChild("node")!])).toEqual(new Set(idx.jobs[id].gpu!.map((g) => g.node)));
  });

  it("filters series rows by time while reading", async () => {
    const idx = (await ds.index()).index;
    const id = Object.keys(idx.jobs).find((k) => idx.jobs[k].gpu)!;
    const whole = (await ds.table("gpu", { jobIds: [id] })).table;
    const t = [...whole.getChild("timestamp")!] as number[];
    const mid = t[Math.floor(t.length / 2)];
    const part = await ds.table("gpu", { jobIds: [id], fromMs: mid, toMs: mid + 10_000 });
    const got = [...part.table.getChild("timestamp")!] as number[];
    expect(got.length).toBe(t.filter((x) => x >= mid && x <= mid + 10_000).length);
    expect(part.report.rowsFiltered).toBe(whole.numRows - got.length);
  });

  it("reads only labelled jobs' series", async () => {
    const labels = await ds.labels();
    const { table } = await ds.table("gpu", { labelledOnly: true });
    for (const id of new Set(ids(table))) expect(labels.has(id)).toBe(true);
  });

  it("filters node data by node and time", async () => {
    const { table: nodeAll } = await ds.table("node");
    const n = String(nodeAll.getChild("Node")!.get(0));
    const { table } = await ds.table("node", { nodes: [n], fromMs: Date.UTC(2021, 6, 12, 6), toMs: Date.UTC(2021, 6, 12, 7) });
    expect(table.numRows).toBe(13); // 06:00 … 07:00 every 5 minutes
    expect(new Set([...table.getChild("Node")!])).toEqual(new Set([n]));
  });

  it("joins a job: record, label, series and energy", async () => {
    const labels = await ds.labels();
    const idx = (await ds.index()).index;
    const id = [...labels.keys()].find((k) => idx.jobs[k]?.gpu && idx.jobs[k]?.cpu)!;
    const job = await ds.job(id);
    expect(job.record.numRows).toBe(1);
    expect(String(job.record.getChild("id_job")!.get(0))).toBe(id);
    expect(job.label).toBe(labels.get(id));
    expect(job.cpu!.numRows).toBeGreaterThan(0);
    expect(job.cpuSummary!.numRows).toBeGreaterThan(0);
    expect(job.gpu!.numRows).toBeGreaterThan(1000);
    // Energy = Σ per (node, GPU) of the trapezoids, checked against a direct computation.
    const g = job.gpu!;
    let want = 0;
    const keys = new Set<string>();
    for (let i = 0; i < g.numRows; i++) keys.add(`${g.getChild("node")!.get(i)}|${g.getChild("gpu_index")!.get(i)}`);
    for (const k of keys) {
      const rows = [...Array(g.numRows).keys()].filter((i) => `${g.getChild("node")!.get(i)}|${g.getChild("gpu_index")!.get(i)}` === k && g.getChild("power_draw_W")!.get(i) !== null);
      const t = rows.map((i) => (g.getChild("timestamp")!.get(i) as number) / 1000);
      const p = rows.map((i) => g.getChild("power_draw_W")!.get(i) as number);
      // Whole-second files: spread rows evenly over their second (as the loader does).
      const spread = t.slice();
      if (t.every(Number.isInteger)) {
        for (let a = 0; a < t.length; ) {
          let b = a;
          while (b < t.length && t[b] === t[a]) b++;
          for (let j = a; j < b; j++) spread[j] = t[a] + (j - a) / (b - a);
          a = b;
        }
      }
      want += energyJFromPower(spread, p, { maxGapS: 60 });
    }
    expect(job.energy!.energy_j).toBeCloseTo(want, 6);
    expect(job.energy!.per_gpu.length).toBe(keys.size);
    // Plausible: between idle (25 W) and 300 W per GPU over the job's duration.
    const durS = (job.record.getChild("time_end")!.get(0)! - job.record.getChild("time_start")!.get(0)!) / 1000;
    expect(job.energy!.energy_j).toBeGreaterThan(25 * durS * keys.size * 0.8);
    expect(job.energy!.energy_j).toBeLessThan(300 * durS * keys.size);
  });

  it("says so when a job is unknown", async () => {
    await expect(ds.job("123")).rejects.toThrow(/job 123 is not in slurm-log\.csv, has no series files and no label/);
    expect(() => jobIdText("12a")).toThrow(/a job id is a non-negative integer/);
    expect(jobIdText(" 007 ")).toBe("7");
  });
});
