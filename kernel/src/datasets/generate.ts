/**
 * A seeded generator of synthetic Supercloud data in exactly the 202201 release layout and
 * formats (docs/supercloud-format.md), with its documented quirks: uint64 mem_req with the
 * MEM_PER_CPU bit, NO_VAL64 in TRES, `\N`, quoted and unquoted nodelists, Step -1/-4/batch,
 * partial last intervals, integer and ms-fractional GPU timestamps, stray `N/A`, and
 * pandas-re-saved number text. Pure: returns file texts; writing them is the caller's job.
 * All values are invented; no real Supercloud data is used.
 */
import { CPU_SUMMARY_METRICS, DEFAULT_TRES, JOB_REQUEUE_FLAG, NO_VAL } from "./schemas";
import { finishSteps, type Steps } from "../io/steps";

/** Small fast seeded PRNG (mulberry32). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer but got ${seed}`);
    this.s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  /** Normal(mean, sd) (Box-Muller). */
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  /** Picks by weight. */
  weighted<T>(xs: readonly (readonly [T, number])[]): T {
    const total = xs.reduce((a, x) => a + x[1], 0);
    let r = this.next() * total;
    for (const [x, w] of xs) if ((r -= w) < 0) return x;
    return xs[xs.length - 1][0];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** The 29 scheduler-log columns in order. */
export const SLURM_COLUMNS = [
  "id_job", "id_array_job", "id_array_task", "id_user", "kill_requid", "nodes_alloc", "nodelist", "cpus_req", "derived_ec", "exit_code",
  "gres_used", "array_max_tasks", "array_task_pending", "constraints", "flags", "mem_req", "partition", "priority", "state", "timelimit",
  "time_submit", "time_eligible", "time_start", "time_end", "time_suspended", "track_steps", "tres_alloc", "tres_req", "job_type",
] as const;

export const CPU_COLUMNS = ["Step", "Node", "Series", "ElapsedTime", "EpochTime", "CPUFrequency", "CPUTime", "CPUUtilization", "RSS", "VMSize", "Pages", "ReadMB", "WriteMB"] as const;

export const GPU_COLUMNS = [
  "timestamp", "gpu_index", "utilization_gpu_pct", "utilization_memory_pct", "memory_free_MiB", "memory_used_MiB",
  "temperature_gpu", "temperature_memory", "power_draw_W", "pcie_link_width_current",
] as const;

export const NODE_COLUMNS = ["Node", "Time", "UserPIDCount", "FSlatency", "LoadAvg", "MemoryFreeInactiveKB", "LustreRPCTotals"] as const;

/** V100-32GB memory: free + used. */
export const GPU_MEMORY_MIB = 32510;

/** Label models (fine-grained) by family, with the family's GPU behaviour. */
interface WorkloadProfile {
  family: string;
  models: readonly string[];
  util: number;
  utilSd: number;
  memUtil: number;
  memUsedMiB: number;
  powerW: number;
  powerSd: number;
  /** Seconds between dips (validation, data loading); 0 = none. */
  periodS: number;
}

export const WORKLOADS: readonly WorkloadProfile[] = [
  { family: "VGG", models: ["vgg11", "vgg16", "vgg19"], util: 96, utilSd: 2, memUtil: 55, memUsedMiB: 24500, powerW: 238, powerSd: 8, periodS: 0 },
  { family: "ResNet", models: ["resnet50", "resnet101", "resnet152"], util: 90, utilSd: 4, memUtil: 45, memUsedMiB: 21000, powerW: 218, powerSd: 12, periodS: 25 },
  { family: "Inception", models: ["inception3", "inception4"], util: 86, utilSd: 5, memUtil: 40, memUsedMiB: 19800, powerW: 204, powerSd: 12, periodS: 35 },
  { family: "U-Net", models: ["U1-32", "U2-32", "U3-32", "U3-64"], util: 68, utilSd: 12, memUtil: 30, memUsedMiB: 15200, powerW: 172, powerSd: 25, periodS: 8 },
  { family: "Bert", models: ["bert"], util: 94, utilSd: 3, memUtil: 62, memUsedMiB: 29800, powerW: 242, powerSd: 7, periodS: 0 },
  { family: "DistillBert", models: ["distilbert"], util: 82, utilSd: 5, memUtil: 48, memUsedMiB: 17400, powerW: 190, powerSd: 10, periodS: 0 },
  { family: "DimeNet", models: ["dimenet"], util: 38, utilSd: 15, memUtil: 12, memUsedMiB: 6100, powerW: 105, powerSd: 20, periodS: 3 },
  { family: "SchNet", models: ["schnet"], util: 30, utilSd: 12, memUtil: 9, memUsedMiB: 4300, powerW: 92, powerSd: 15, periodS: 2 },
  { family: "PNA", models: ["pna"], util: 45, utilSd: 15, memUtil: 15, memUsedMiB: 7800, powerW: 118, powerSd: 18, periodS: 4 },
  { family: "NNConv", models: ["nnconv"], util: 52, utilSd: 14, memUtil: 18, memUsedMiB: 9100, powerW: 126, powerSd: 16, periodS: 5 },
];

const PARTITIONS: readonly (readonly [string, number])[] = [["normal", 0.985], ["gaia", 0.006], ["xeon-p8", 0.006], ["test", 0.003]];
const JOB_TYPES: readonly (readonly [string, number])[] = [["LLSUB:BATCH", 0.55], ["OTHER", 0.3], ["LLSUB:INTERACTIVE", 0.1], ["LLMAPREDUCE:MAP", 0.05]];

/** 2021-01-01T00:00:00Z and 2021-10-01T00:00:00Z, the log's submit range. */
const T0 = 1609459200;
const T1 = 1633046400;
/** Slurm 20.11 (extern step -4) from this date on; -1 before. */
const SLURM_2011 = 1617235200;

/** One generated job: what the log row and the series files are made from. */
export interface JobPlan {
  id: number;
  arrayJob: number;
  arrayTask: number;
  user: number;
  killRequid: number;
  nodes: string[];
  cpusPerNode: number;
  gpusPerNode: number;
  state: number;
  exitCode: number;
  derivedEc: number;
  submit: number;
  eligible: number;
  start: number;
  end: number;
  timelimit: number;
  memReq: bigint;
  partition: string;
  constraints: string | null;
  flags: number;
  priority: number;
  jobType: string;
  trackSteps: number;
  model?: string;
  workload?: WorkloadProfile;
  gpuSeries: boolean;
  cpuSeries: boolean;
}

function uniqueId(rng: Rng, used: Set<number>): number {
  for (;;) {
    const digits = rng.int(11, 14);
    const id = rng.int(10 ** (digits - 1), 10 ** digits - 1);
    if (!used.has(id)) {
      used.add(id);
      return id;
    }
  }
}

function nodeName(rng: Rng): string {
  return `r${rng.int(100000, 9999999)}-n${rng.int(100000, 999999)}`;
}

/** CSV field: quoted when it holds a comma, quote or newline. */
function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Integer in units of 10^-dp as decimal text, trailing zeros dropped: (2104, 6) → "0.002104". */
export function fixedText(units: number | bigint, dp: number): string {
  const neg = units < 0;
  let u = BigInt(units);
  if (neg) u = -u;
  const scale = 10n ** BigInt(dp);
  const ip = u / scale;
  let fp = (u % scale).toString().padStart(dp, "0").replace(/0+$/, "");
  fp = fp === "" ? "" : `.${fp}`;
  return `${neg ? "-" : ""}${ip}${fp}`;
}

/** Text a pandas round trip leaves: integral floats as `12.0`, others off by one ulp, printed in full. */
function resavedText(units: number, dp: number): string {
  if (units % 10 ** dp === 0) return `${units / 10 ** dp}.0`;
  const v = units / 10 ** dp;
  const f = new Float64Array([v]);
  const b = new BigInt64Array(f.buffer);
  b[0] -= 1n;
  return String(f[0]);
}

/** Shared state of one generation: ids, users, nodes. */
class World {
  readonly usedIds = new Set<number>();
  readonly users: number[];
  readonly gpuNodes: string[];
  readonly cpuNodes: string[];
  /** id_array_job of non-array jobs: one hashed constant. */
  readonly nonArrayJob: number;
  /** kill_requid of jobs nobody killed: one hashed constant. */
  readonly noKiller: number;

  constructor(readonly rng: Rng, nUsers: number, nGpuNodes: number, nCpuNodes: number) {
    this.users = Array.from({ length: nUsers }, () => uniqueId(rng, this.usedIds));
    const names = new Set<string>();
    const fresh = () => {
      for (;;) {
        const n = nodeName(rng);
        if (!names.has(n)) {
          names.add(n);
          return n;
        }
      }
    };
    this.gpuNodes = Array.from({ length: nGpuNodes }, fresh);
    this.cpuNodes = Array.from({ length: nCpuNodes }, fresh);
    this.nonArrayJob = uniqueId(rng, this.usedIds);
    this.noKiller = uniqueId(rng, this.usedIds);
  }
}

interface JobShape {
  gpu: boolean;
  /** Force a started, completed job of this duration (s) at this start time. */
  startAt?: number;
  durationS?: number;
  model?: string;
  workload?: WorkloadProfile;
  gpuSeries?: boolean;
  cpuSeries?: boolean;
  array?: { job: number; task: number };
}

function planJob(w: World, shape: JobShape): JobPlan {
  const rng = w.rng;
  const id = uniqueId(rng, w.usedIds);
  const user = rng.pick(w.users);
  const gpu = shape.gpu;
  const forced = shape.startAt !== undefined;
  const state = forced
    ? 3
    : rng.weighted<number>([[3, 0.78], [4, 0.08], [5, 0.06], [6, 0.03], [11, 0.015], [0, 0.01], [1, 0.01], [7, 0.005], [3 | JOB_REQUEUE_FLAG, 0.01], [4 | JOB_REQUEUE_FLAG, 0.005]]);
  const base = state & 0xff;
  const neverStarted = base === 0 || (base === 4 && rng.chance(0.3));
  const nNodes = neverStarted ? 0 : gpu ? (rng.chance(0.75) ? 1 : 2) : rng.weighted<number>([[1, 0.8], [2, 0.12], [4, 0.08]]);
  const pool = gpu ? w.gpuNodes : w.cpuNodes;
  const nodes: string[] = [];
  while (nodes.length < nNodes) {
    const n = rng.pick(pool);
    if (!nodes.includes(n)) nodes.push(n);
  }
  const cpusPerNode = gpu ? rng.pick([20, 40]) : rng.pick([1, 1, 1, 2, 4, 8, 16, 20, 40, 48]);
  const gpusPerNode = gpu ? rng.pick([1, 2, 2]) : 0;
  const submit = forced ? shape.startAt! - rng.int(1, 90) : rng.int(T0, T1);
  const eligible = submit + (rng.chance(0.9) ? 0 : rng.int(1, 30));
  const wait = rng.chance(0.6) ? rng.int(0, 60) : rng.int(60, 7200);
  const start = neverStarted ? 0 : forced ? shape.startAt! : eligible + wait;
  const timelimit = rng.weighted<number>([[720, 0.4], [1440, 0.25], [60, 0.1], [4320, 0.1], [4294967295, 0.15]]);
  let duration = shape.durationS ?? Math.round(Math.exp(rng.normal(7.5, 1.6)));
  if (base === 6 && timelimit < 4294967295) duration = timelimit * 60 + rng.int(0, 90);
  if (timelimit < 4294967295 && base !== 6) duration = Math.min(duration, timelimit * 60 - 5);
  duration = Math.max(duration, 2);
  const end = base === 0 || base === 1 ? 0 : neverStarted ? eligible + rng.int(10, 3600) : start + duration;
  const exitCode = base === 5 ? rng.pick([1, 2, 127]) << 8 : base === 6 || base === 4 ? 15 : base === 11 ? 9 : base === 7 ? 0 : 0;
  const perCpu = rng.chance(0.6);
  const memMb = perCpu ? rng.pick([2000, 4000, 4000, 8000]) : rng.pick([32000, 64000, 160000, 262144, 380000]);
  const memReq = perCpu ? (1n << 63n) + BigInt(memMb) : BigInt(memMb);
  return {
    id,
    arrayJob: shape.array ? shape.array.job : w.nonArrayJob,
    arrayTask: shape.array ? shape.array.task : NO_VAL,
    user,
    killRequid: base === 4 ? user : w.noKiller,
    nodes,
    cpusPerNode,
    gpusPerNode,
    state,
    exitCode,
    derivedEc: base === 5 && rng.chance(0.5) ? exitCode : 0,
    submit,
    eligible,
    start,
    end,
    timelimit,
    memReq,
    partition: gpu ? "normal" : rng.weighted(PARTITIONS),
    constraints: gpu ? rng.weighted<string | null>([["xeon-g6", 0.75], [null, 0.25]]) : rng.weighted<string | null>([[null, 0.6], ["xeon-e5", 0.15], ["xeon-g6&6248", 0.15], ["xeon-p8", 0.1]]),
    flags: rng.pick([2, 4, 4, 8, 12]),
    priority: rng.int(1000, 200000),
    jobType: shape.workload ? "LLSUB:BATCH" : rng.weighted(JOB_TYPES),
    trackSteps: rng.chance(0.05) ? 1 : 0,
    model: shape.model,
    workload: shape.workload,
    gpuSeries: shape.gpuSeries ?? false,
    cpuSeries: shape.cpuSeries ?? false,
  };
}

function tresText(j: JobPlan, alloc: boolean): string {
  const n = Math.max(1, j.nodes.length);
  const cpus = j.cpusPerNode * n;
  const perCpu = (j.memReq >> 63n) === 1n;
  const mb = Number(j.memReq & ((1n << 63n) - 1n));
  const mem = perCpu ? mb * cpus : mb * n;
  const parts = [`1=${cpus}`, `2=${mem}`];
  if (alloc) parts.push("3=18446744073709551614");
  parts.push(`4=${n}`, `5=${cpus}`);
  if (j.gpusPerNode > 0) {
    // Mostly volta (1002); a few requests also name the tesla type (1001).
    if (alloc || j.id % 7 === 0) parts.push(`1001=${j.gpusPerNode * n}`);
    parts.push(`1002=${j.gpusPerNode * n}`);
  }
  return parts.join(",");
}

/** One scheduler-log row (with its newline). */
export function slurmRowText(j: JobPlan): string {
  const started = j.start !== 0;
  const nodelist = `[${j.nodes.map((n) => `'${n}'`).join(", ")}]`;
  const cols: string[] = [
    String(j.id),
    String(j.arrayJob),
    String(j.arrayTask),
    String(j.user),
    String(j.killRequid),
    String(j.nodes.length),
    csvField(nodelist),
    String(j.cpusPerNode * Math.max(1, j.nodes.length)),
    String(j.derivedEc),
    String(j.exitCode),
    "",
    "0",
    "0",
    j.constraints ?? "\\N",
    String(j.flags),
    j.memReq.toString(),
    j.partition,
    String(j.priority),
    String(j.state),
    String(j.timelimit),
    String(j.submit),
    String(j.eligible),
    String(j.start),
    String(j.end),
    "0",
    String(j.trackSteps),
    started ? csvField(tresText(j, true)) : "",
    csvField(tresText(j, false)),
    j.jobType,
  ];
  return cols.join(",") + "\n";
}

/**
 * The scheduler log alone, `rows` rows, as text chunks (header first): the benchmark input.
 * About 250 bytes per row.
 */
export function* slurmLogChunks(rows: number, seed: number, rowsPerChunk = 4096): Generator<string> {
  if (!(Number.isInteger(rows) && rows >= 0)) throw new RangeError(`rows must be a non-negative integer but got ${rows}`);
  const w = new World(new Rng(seed), Math.max(10, Math.ceil(rows / 40)), 224, 480);
  yield SLURM_COLUMNS.join(",") + "\n";
  let buf: string[] = [];
  for (let i = 0; i < rows; i++) {
    const gpu = w.rng.chance(0.25);
    const array = w.rng.chance(0.04) ? { job: uniqueId(w.rng, w.usedIds), task: w.rng.int(0, 50) } : undefined;
    buf.push(slurmRowText(planJob(w, { gpu, array })));
    if (buf.length >= rowsPerChunk) {
      yield buf.join("");
      buf = [];
    }
  }
  if (buf.length) yield buf.join("");
}

export interface SampleOptions {
  /** Default 20210712. */
  seed?: number;
  /** Jobs in the scheduler log; default 400. */
  jobs?: number;
  /** GPU jobs with GPU series (≥ 70 s each, so the 60 s / 540-sample window fits); default 12. */
  gpuSeriesJobs?: number;
  /** Of those, how many are labelled; default 10. */
  labelledWithSeries?: number;
  /** Labelled GPU jobs without series (coverage is sparse); default 10. */
  labelledWithoutSeries?: number;
  /** CPU-only jobs with CPU series; default 14. */
  cpuSeriesJobs?: number;
  /** Shard folders per kind (cpu/0000…); default 4. */
  shards?: number;
  /** Nodes in node-data.csv; default 12. */
  nodeDataNodes?: number;
}

export interface SampleFile {
  /** Path relative to the release root, with `/`. */
  path: string;
  text: string;
}

/** What was generated, for tests and the README. */
export interface SampleSummary {
  seed: number;
  jobs: number;
  gpuJobs: number;
  gpuSeriesJobs: number[];
  cpuSeriesJobs: number[];
  labelled: { id_job: number; model: string }[];
  /** The day (epoch s, UTC midnight) the series jobs ran and node data covers. */
  day: number;
}

/** Generates the whole sample. Deterministic for a given options object. */
export function generateSupercloudSample(opts: SampleOptions = {}): { files: SampleFile[]; summary: SampleSummary } {
  return finishSteps(generateSupercloudSampleSteps(opts));
}

/** `generateSupercloudSample` as steps (io/steps.ts): thousands of jobs take seconds. */
export function* generateSupercloudSampleSteps(opts: SampleOptions = {}): Steps<{ files: SampleFile[]; summary: SampleSummary }> {
  const seed = opts.seed ?? 20210712;
  const nJobs = opts.jobs ?? 400;
  const nGpuSeries = opts.gpuSeriesJobs ?? 12;
  const nLabelledSeries = Math.min(opts.labelledWithSeries ?? 10, nGpuSeries);
  const nLabelledNoSeries = opts.labelledWithoutSeries ?? 10;
  const nCpuSeries = opts.cpuSeriesJobs ?? 14;
  const shards = opts.shards ?? 4;
  const nNodeData = opts.nodeDataNodes ?? 12;
  const special = nGpuSeries + nLabelledNoSeries + nCpuSeries;
  if (nJobs < special) throw new RangeError(`jobs must be at least ${special} (the jobs with series or labels) but got ${nJobs}`);
  if (!(shards >= 1 && shards <= 100)) throw new RangeError(`shards must be in 1..100 but got ${shards}`);

  const rng = new Rng(seed);
  const w = new World(rng, 30, 16, 12);
  // The day the series jobs run: 2021-07-12, like the format note's examples.
  const day = 1626048000;
  const jobs: JobPlan[] = [];
  const workloadsInOrder = [...WORKLOADS];
  for (let i = 0; i < nGpuSeries; i++) {
    const wl = workloadsInOrder[i % workloadsInOrder.length];
    const labelled = i < nLabelledSeries;
    const startAt = day + 3600 + Math.floor((i * (20 * 3600)) / nGpuSeries) + rng.int(0, 600);
    jobs.push(
      planJob(w, {
        gpu: true,
        startAt,
        durationS: rng.int(72, 150),
        model: labelled ? rng.pick(wl.models) : undefined,
        workload: wl,
        gpuSeries: true,
        cpuSeries: i % 3 !== 2,
      }),
    );
  }
  for (let i = 0; i < nLabelledNoSeries; i++) {
    const wl = rng.pick(WORKLOADS);
    jobs.push(planJob(w, { gpu: true, startAt: rng.int(T0, T1 - 86400), durationS: rng.int(1800, 20000), model: rng.pick(wl.models), workload: wl }));
  }
  for (let i = 0; i < nCpuSeries; i++) {
    const startAt = i < nCpuSeries / 2 ? day + rng.int(0, 80000) : rng.int(T0, T1 - 86400);
    jobs.push(planJob(w, { gpu: false, startAt, durationS: rng.int(300, 2400), cpuSeries: true }));
  }
  // The rest of the log; a few array jobs among them.
  let arrayJob: { job: number; next: number; left: number } | undefined;
  while (jobs.length < nJobs) {
    if (jobs.length % 4096 === 0) yield;
    if (!arrayJob && rng.chance(0.02)) arrayJob = { job: uniqueId(rng, w.usedIds), next: 0, left: rng.int(3, 8) };
    if (arrayJob) {
      jobs.push(planJob(w, { gpu: false, array: { job: arrayJob.job, task: arrayJob.next++ } }));
      if (--arrayJob.left === 0) arrayJob = undefined;
    } else jobs.push(planJob(w, { gpu: rng.chance(0.25) }));
  }
  const log = [...jobs].sort((a, b) => a.submit - b.submit || a.id - b.id);

  const files: SampleFile[] = [];
  const rowTexts: string[] = [];
  for (const j of log) {
    if (rowTexts.length % 4096 === 0) yield;
    rowTexts.push(slurmRowText(j));
  }
  files.push({ path: "slurm-log.csv", text: SLURM_COLUMNS.join(",") + "\n" + rowTexts.join("") });

  const labelled = jobs.filter((j) => j.model).map((j) => ({ id_job: j.id, model: j.model! }));
  files.push({ path: "labelled_jobids.csv", text: "id_job,model\n" + labelled.map((l) => `${l.id_job},${l.model}`).join("\n") + "\n" });
  const counts = new Map<string, number>();
  for (const l of labelled) counts.set(l.model, (counts.get(l.model) ?? 0) + 1);
  files.push({
    path: "labelled_job_stats.csv",
    text: "model,count\n" + [...counts.entries()].sort((a, b) => cmpText(a[0], b[0])).map(([m, c]) => `${m},${c}`).join("\n") + "\n",
  });
  files.push({
    path: "tres-mapping.txt",
    text: Object.entries(DEFAULT_TRES).map(([id, name]) => `${id},${Number(id) > 1000 ? "gres/" : ""}${name}`).join("\n") + "\n",
  });

  // Per-job series, each file in a random shard; a job's CPU and GPU files in different shards.
  const shard = (k: number) => String(k).padStart(4, "0");
  for (const j of jobs) {
    if (j.cpuSeries || j.gpuSeries) yield;
    const gpuShard = rng.int(0, shards - 1);
    if (j.cpuSeries) {
      let cpuShard = rng.int(0, shards - 1);
      if (shards > 1 && j.gpuSeries && cpuShard === gpuShard) cpuShard = (cpuShard + 1) % shards;
      const resaved = rng.chance(0.25);
      const { series, summary } = cpuFiles(rng, j, resaved);
      files.push({ path: `cpu/${shard(cpuShard)}/${j.id}-timeseries.csv`, text: series });
      files.push({ path: `cpu/${shard(cpuShard)}/${j.id}-summary.csv`, text: summary });
    }
    if (j.gpuSeries) {
      const fractional = rng.chance(0.5);
      for (const node of j.nodes) {
        files.push({ path: `gpu/${shard(gpuShard)}/${j.id}-${node}.csv`, text: gpuFile(rng, j, fractional) });
      }
    }
  }
  files.push({ path: "node-data.csv", text: nodeData(rng, w, jobs, day, nNodeData) });

  const summary: SampleSummary = {
    seed,
    jobs: log.length,
    gpuJobs: log.filter((j) => j.gpusPerNode > 0).length,
    gpuSeriesJobs: jobs.filter((j) => j.gpuSeries).map((j) => j.id),
    cpuSeriesJobs: jobs.filter((j) => j.cpuSeries).map((j) => j.id),
    labelled,
    day,
  };
  files.push({ path: "README.md", text: readme(summary, opts) });
  files.push({ path: "LICENSE", text: LICENSE_TEXT });
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, summary };
}

/** CPU time series and its summary for one job. */
function cpuFiles(rng: Rng, j: JobPlan, resaved: boolean): { series: string; summary: string } {
  const extern = j.start < SLURM_2011 ? "-1" : "-4";
  const rows: string[] = [];
  const sums: string[] = [];
  const nodes = j.nodes.length ? j.nodes : ["r0000000-n000000"];
  const cpuText = (units: number, dp: number) => (resaved ? resavedText(units, dp) : fixedText(units, dp));
  const gpuJob = j.gpusPerNode > 0;
  for (const step of [extern, "batch"]) {
    const stepStart = step === "batch" ? j.start + rng.int(1, 6) : j.start;
    const stepDur = step === "batch" ? j.end - stepStart - rng.int(0, 3) : j.end - j.start;
    const freq = step === "batch" ? 0 : rng.int(900, 1200);
    for (const node of nodes) {
      const series = 0;
      // Elapsed 10, 20, … and the partial last interval at the step's end.
      const elapsed: number[] = [];
      for (let t = 10; t < stepDur; t += 10) elapsed.push(t);
      if (stepDur > 0) elapsed.push(stepDur);
      // Metric values as exact integers in the unit of their last decimal.
      const vals: Record<string, number[]> = { EpochTime: [], CPUFrequency: [], CPUTime: [], CPUUtilization: [], RSS: [], VMSize: [], Pages: [], ReadMB: [], WriteMB: [] };
      let prev = 0;
      let rss = step === "batch" ? rng.int(400000, 3000000) : rng.int(700, 900);
      const vms = step === "batch" ? rss * 3 + rng.int(100000, 900000) : rng.int(7000, 8000);
      const cores = Math.max(1, Math.min(j.cpusPerNode, gpuJob ? 8 : j.cpusPerNode));
      for (const el of elapsed) {
        const dt = el - prev;
        prev = el;
        const last = el === elapsed[elapsed.length - 1] && dt < 10;
        let cpuCenti = 0;
        if (step === "batch" && !last) cpuCenti = Math.max(0, Math.round(dt * 100 * cores * Math.min(1, Math.max(0.05, rng.normal(0.8, 0.15)))));
        // CPUUtilization = CPUTime / interval · 100, in hundredths of a percent.
        const utilCenti = dt > 0 ? Math.round((cpuCenti * 100) / dt) : 0;
        if (step === "batch") rss = Math.max(100000, rss + rng.int(-20000, 25000));
        vals.EpochTime.push(stepStart + el);
        vals.CPUFrequency.push(step === "batch" ? (last ? rng.int(5, 12) : rng.int(8, 40)) : freq);
        vals.CPUTime.push(cpuCenti);
        vals.CPUUtilization.push(utilCenti);
        vals.RSS.push(rss);
        vals.VMSize.push(vms);
        vals.Pages.push(step === "batch" && !last ? rng.int(0, 12) : 0);
        vals.ReadMB.push(step === "batch" ? (last ? 0 : rng.int(0, 900_000_000)) : rng.int(1000, 3000));
        vals.WriteMB.push(step === "batch" ? (last ? 0 : rng.int(0, 5_000_000)) : rng.int(500, 2000));
      }
      for (let k = 0; k < elapsed.length; k++) {
        rows.push(
          [
            step,
            node,
            series,
            elapsed[k],
            vals.EpochTime[k],
            vals.CPUFrequency[k],
            cpuText(vals.CPUTime[k], 2),
            cpuText(vals.CPUUtilization[k], 2),
            vals.RSS[k],
            vals.VMSize[k],
            vals.Pages[k],
            cpuText(vals.ReadMB[k], 6),
            cpuText(vals.WriteMB[k], 6),
          ].join(","),
        );
      }
      // Summary: Min/Max/Sum exact over the rows, Avg = Sum/n to 6 dp.
      const n = elapsed.length;
      const out: string[] = [step, node, String(series), String(elapsed[n - 1] ?? 0)];
      const dpOf: Record<string, number> = { CPUTime: 2, CPUUtilization: 2, ReadMB: 6, WriteMB: 6 };
      for (const m of CPU_SUMMARY_METRICS) {
        const xs = vals[m.name];
        const dp = dpOf[m.name] ?? 0;
        const min = Math.min(...xs);
        const max = Math.max(...xs);
        const sum = xs.reduce((a, b) => a + BigInt(b), 0n);
        // Avg in millionths: round(sum · 10^(6−dp) / n), half up.
        const scaled = sum * 10n ** BigInt(6 - dp);
        const avg = (2n * scaled + BigInt(n)) / (2n * BigInt(n));
        out.push(fixedText(min, dp), fixedText(max, dp), fixedText(sum, dp), fixedText(avg, 6));
      }
      sums.push(out.join(","));
    }
  }
  return { series: CPU_COLUMNS.join(",") + "\n" + rows.join("\n") + "\n", summary: summaryHeader() + "\n" + sums.join("\n") + "\n" };
}

function summaryHeader(): string {
  const cols = ["Step", "Node", "Series", "ElapsedTime"];
  for (const m of CPU_SUMMARY_METRICS) cols.push(`Min_${m.name}`, `Max_${m.name}`, `Sum_${m.name}`, `Avg_${m.name}`);
  return cols.join(",");
}

/** Seconds with a Python-float-like text: `1626100901.217`, `1626100901.2`, `1626100901.0`. */
function pyTimeText(ms: number): string {
  const s = Math.floor(ms / 1000);
  const frac = ms - s * 1000;
  const f = String(frac).padStart(3, "0").replace(/0+$/, "");
  return `${s}.${f === "" ? "0" : f}`;
}

/** One node's GPU file of a job: both GPUs, ~10 rows/s each, rows in time order. */
function gpuFile(rng: Rng, j: JobPlan, fractional: boolean): string {
  const wl = j.workload ?? WORKLOADS[0];
  const lines: string[] = [GPU_COLUMNS.join(",")];
  const startMs = j.start * 1000;
  const endMs = j.end * 1000;
  const warmMs = startMs + rng.int(4000, 9000);
  const coolMs = endMs - rng.int(1500, 3500);
  const strayNA = rng.chance(0.5);
  const temp = [rng.int(33, 40), rng.int(33, 40)];
  const phase = rng.next() * 10;
  const used = [0, 0];
  for (let t = startMs + rng.int(20, 120); t < endMs; t += rng.int(96, 104)) {
    for (let g = 0; g < 2; g++) {
      const busy = g < j.gpusPerNode && t >= warmMs && t < coolMs;
      let util = 0;
      let memUtil = 0;
      let power = rng.normal(42, 4);
      if (busy) {
        const dip = wl.periodS > 0 && ((t / 1000 + phase) % wl.periodS) < wl.periodS * 0.15;
        util = Math.round(Math.min(100, Math.max(0, rng.normal(dip ? wl.util * 0.3 : wl.util, wl.utilSd))));
        memUtil = Math.round(Math.min(100, Math.max(0, rng.normal(dip ? wl.memUtil * 0.3 : wl.memUtil, wl.utilSd / 2))));
        power = rng.normal(dip ? 0.55 * wl.powerW : wl.powerW, wl.powerSd);
        used[g] = Math.min(GPU_MEMORY_MIB - 10, wl.memUsedMiB + rng.int(-40, 40));
        temp[g] = Math.min(82, temp[g] + (power > 150 ? 0.05 : 0.01));
      } else {
        if (t >= coolMs) used[g] = 0;
        temp[g] = Math.max(32, temp[g] - 0.02);
      }
      power = Math.min(300, Math.max(24.5, power));
      const powerCenti = Math.round(power * 100);
      const ts = fractional ? pyTimeText(t) : String(Math.floor(t / 1000));
      const na = strayNA && rng.chance(0.002);
      lines.push(
        [
          ts,
          g,
          util,
          memUtil,
          GPU_MEMORY_MIB - used[g],
          used[g],
          Math.round(temp[g]),
          na ? "N/A" : Math.round(temp[g] + 2),
          strayNA && rng.chance(0.0005) ? "N/A" : fixedText(powerCenti, 2),
          16,
        ].join(","),
      );
    }
  }
  return lines.join("\n") + "\n";
}

/** node-data.csv: 5-minute samples of the sample's nodes over its day. */
function nodeData(rng: Rng, w: World, jobs: JobPlan[], day: number, nNodes: number): string {
  const seriesNodes = new Set(jobs.filter((j) => j.gpuSeries || j.cpuSeries).flatMap((j) => j.nodes));
  const nodes = [...seriesNodes, ...w.gpuNodes, ...w.cpuNodes].filter((n, i, a) => a.indexOf(n) === i).slice(0, nNodes);
  const lines: string[] = [NODE_COLUMNS.join(",")];
  for (const node of nodes) {
    let lustre = rng.int(1e6, 9e6);
    for (let t = day; t < day + 86400; t += 300) {
      const running = jobs.filter((j) => j.start > 0 && j.start <= t && t < j.end && j.nodes.includes(node));
      const pids = running.map((j) => `${j.user}:${rng.int(1, 3) * Math.max(1, j.cpusPerNode >> 2)}|`).join("");
      const root = `0:${rng.int(180, 260)}|`;
      const load = running.reduce((a, j) => a + Math.min(j.cpusPerNode, 8) * rng.next(), rng.next() * 0.5);
      lustre += rng.int(0, 5000) * (running.length + 1);
      lines.push(
        [
          node,
          String(t),
          root + pids,
          fixedText(rng.int(100, 9000), 6),
          fixedText(Math.round(load * 100), 2),
          fixedText(rng.int(360000, 390000), 3),
          String(lustre),
        ].join(","),
      );
    }
  }
  return lines.join("\n") + "\n";
}

function readme(s: SampleSummary, opts: SampleOptions): string {
  return `# Synthetic MIT Supercloud sample (greenai-lab)

**Synthetic data. No row comes from the MIT Supercloud Dataset.** It is generated by
greenai-lab's seeded generator in exactly the layout and formats of the Datacenter Challenge
release \`202201\`, with its documented quirks, so the loaders, notebooks and tests run
without the real 2.4 TB release.

Regenerate it (byte for byte): \`greenai dataset generate --out DIR --seed ${s.seed}\`${
    Object.keys(opts).some((k) => k !== "seed") ? ` with options ${JSON.stringify({ ...opts, seed: undefined })}` : ""
  }.

- \`slurm-log.csv\`: ${s.jobs} jobs (${s.gpuJobs} requesting GPUs), 29 columns, header row.
- \`cpu/NNNN/<id_job>-timeseries.csv\` and \`-summary.csv\`: ${s.cpuSeriesJobs.length} jobs; \`gpu/NNNN/<id_job>-<node>.csv\`: ${s.gpuSeriesJobs.length} jobs (2 GPUs per node, about 10 rows/s each).
- \`labelled_jobids.csv\`: ${s.labelled.length} labelled GPU jobs (fine-grained model names), some without series.
- \`node-data.csv\`: 5-minute samples of a few nodes over the day the series jobs ran.
- \`labelled_job_stats.csv\`, \`tres-mapping.txt\`: small files in plausible layouts (the real ones are unverified).

The real data set: Samsi et al., "The MIT Supercloud Dataset", IEEE HPEC 2021,
doi:10.1109/HPEC49654.2021.9622850; \`greenai data list\` shows where to download it.
`;
}

const LICENSE_TEXT = `This synthetic sample was generated by greenai-lab's seeded generator
(kernel/src/datasets/generate.ts). It contains no data from the MIT Supercloud Dataset.
It is distributed under the same licence as greenai-lab: Apache License 2.0.
`;

/** Code-point order (locale-independent, so output is the same everywhere). */
function cmpText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
