/**
 * A Supercloud release folder as a data set (edge): find its files, index the shards once,
 * load any table with filters applied while reading, and join one job's record, series,
 * label and energy.
 */
import * as fs from "fs";
import * as path from "path";
import { Field, Int64, RecordBatch, Schema, Table, Utf8 } from "apache-arrow";
import { GreenaiError, throwIfAborted } from "../errors";
import { gpuEnergies, jobEnergy, type EnergyOptions, type JobEnergy } from "./energy";
import { isIndexFresh, loadIndex, type DatasetIndex, type IndexLoad } from "./file-index";
import { csvBatchesFromFile, type FileReadOptions } from "./read";
import { emptyCounts, tableFromBatches, type ColumnLookup, type ReadCounts, type ReadMode, type ReadReport, type RowPredicate } from "./reader";
import { TABLE_SPECS, type SupercloudTableName } from "./schemas";
import { numberColumn, textColumn } from "./series";

/** Names the scheduler log goes by: the released object, and what the notebooks call it. */
export const SCHEDULER_LOG_NAMES = ["slurm-log.csv", "scheduler-log.csv"] as const;

/** Filters applied while reading; all optional, combined with AND. */
export interface DatasetQuery {
  /** Only these jobs (ids as numbers, bigints or decimal text). */
  jobIds?: readonly (number | bigint | string)[];
  /** Time range, ms since the epoch (UTC). Jobs overlapping it; series and node rows inside it. */
  fromMs?: number;
  toMs?: number;
  /** Scheduler log: jobs whose tres_req requests GPUs. Series: jobs that have GPU series files. */
  gpuOnly?: boolean;
  /** Only jobs in labelled_jobids.csv. */
  labelledOnly?: boolean;
  /** node-data / GPU series: only these nodes. */
  nodes?: readonly string[];
  /** Default "strict". */
  mode?: ReadMode;
  batchRows?: number;
  signal?: AbortSignal;
  /** Add the decoded columns (default true); false gives the file's columns only, faster. */
  decode?: boolean;
  /** Progress: fraction of files (series) or bytes (single files) read. */
  onProgress?: (message: string, fraction: number) => void;
}

/** Reading statistics over all files of a load. */
export interface LoadReport extends ReadCounts {
  table: SupercloudTableName;
  files: number;
}

export function emptyReport(table: SupercloudTableName): LoadReport {
  return { table, files: 0, ...emptyCounts() };
}

function mergeReport(into: LoadReport, r: ReadReport): void {
  into.files++;
  into.rowsRead += r.rowsRead;
  into.rowsKept += r.rowsKept;
  into.rowsFiltered += r.rowsFiltered;
  into.skippedRows += r.skippedRows;
  for (const c of r.extraColumns) if (!into.extraColumns.includes(c)) into.extraColumns.push(c);
  for (const c of r.missingColumns) if (!into.missingColumns.includes(c)) into.missingColumns.push(c);
  for (const [k, v] of Object.entries(r.undecoded)) into.undecoded[k] = (into.undecoded[k] ?? 0) + v;
  for (const i of r.issues) if (into.issues.length < 20) into.issues.push(i);
}

/** Parses a job id given as number, bigint or text; throws GreenaiError for anything else. */
export function jobIdText(id: number | bigint | string): string {
  const t = typeof id === "string" ? id.trim() : typeof id === "number" ? (Number.isSafeInteger(id) ? String(id) : "") : id.toString();
  if (!/^\d+$/.test(t)) throw new GreenaiError(`a job id is a non-negative integer (e.g. 38215570926613) but got ${JSON.stringify(String(id))}`);
  return t.replace(/^0+(?=\d)/, "");
}

/** One job joined: its scheduler record, label, series and energy. */
export interface JobView {
  id_job: string;
  /** The scheduler-log row as a one-row table (empty when the job is not in the log). */
  record: Table;
  label: string | null;
  files: { cpu?: { timeseries?: string; summary?: string }; gpu?: { node: string; file: string }[] };
  cpu: Table | null;
  cpuSummary: Table | null;
  gpu: Table | null;
  energy: JobEnergy | null;
  reports: LoadReport[];
}

/** An opened release folder. */
export class SupercloudDataset {
  private indexLoad: IndexLoad | undefined;
  private labelsCache: { mtimeMs: number; labels: Map<string, string> } | undefined;

  private constructor(
    readonly root: string,
    /** The scheduler log's path, or undefined if the folder has none. */
    readonly logFile: string | undefined,
    private readonly cacheDir: string | undefined,
  ) {}

  /** Opens a release folder (checks that it exists; finds the scheduler log under either name). */
  static async open(dir: string, opts: { cacheDir?: string } = {}): Promise<SupercloudDataset> {
    const root = path.resolve(dir);
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(root);
    } catch {
      throw new GreenaiError(`no Supercloud data set at ${dir}: the folder does not exist (try greenai dataset generate --out ${dir}, or greenai data fetch supercloud-202201)`);
    }
    if (!st.isDirectory()) throw new GreenaiError(`${dir} is a file; give the release folder (the one holding slurm-log.csv, cpu/ and gpu/)`);
    let log: string | undefined;
    for (const n of SCHEDULER_LOG_NAMES) {
      if (fs.existsSync(path.join(root, n))) {
        log = path.join(root, n);
        break;
      }
    }
    return new SupercloudDataset(root, log, opts.cacheDir);
  }

  /** The per-job file index (walked once, then cached; re-walked when a shard folder changed). */
  async index(opts: { refresh?: boolean; signal?: AbortSignal } = {}): Promise<IndexLoad> {
    if (!this.indexLoad || opts.refresh || !(await isIndexFresh(this.indexLoad.index))) {
      this.indexLoad = await loadIndex(this.root, { cacheDir: this.cacheDir, refresh: opts.refresh, signal: opts.signal });
    }
    return this.indexLoad;
  }

  private file(name: string): string {
    return path.join(this.root, name);
  }

  private rel(abs: string): string {
    return path.relative(this.root, abs).split(path.sep).join("/");
  }

  /** labelled_jobids.csv as id_job (text) → model; empty when the file is absent. */
  async labels(mode: ReadMode = "strict"): Promise<Map<string, string>> {
    const f = this.file("labelled_jobids.csv");
    const mtimeMs = fs.existsSync(f) ? fs.statSync(f).mtimeMs : -1;
    if (this.labelsCache && this.labelsCache.mtimeMs === mtimeMs) return this.labelsCache.labels;
    const m = new Map<string, string>();
    if (mtimeMs >= 0) {
      const r = csvBatchesFromFile(TABLE_SPECS.labels, f, { mode, label: "labelled_jobids.csv" });
      for await (const b of r.batches) {
        const ids = b.getChild("id_job")!;
        const models = b.getChild("model")!;
        for (let i = 0; i < b.numRows; i++) m.set(String(ids.get(i)), String(models.get(i)));
      }
    }
    this.labelsCache = { mtimeMs, labels: m };
    return m;
  }

  /** Streams a table as record batches with the query's filters applied while reading. */
  async *batches(name: SupercloudTableName, q: DatasetQuery = {}, report: LoadReport = emptyReport(name)): AsyncGenerator<RecordBatch> {
    const spec = TABLE_SPECS[name];
    const ids = q.jobIds ? new Set(q.jobIds.map(jobIdText)) : undefined;
    const labelled = q.labelledOnly ? await this.labels(q.mode) : undefined;
    const nodes = q.nodes ? new Set(q.nodes) : undefined;
    if (name === "slurm" && q.gpuOnly && q.decode === false) throw new GreenaiError("the GPU-jobs filter reads the decoded gpu_job column: drop --no-decode (decode: false) or filter afterwards");
    const base: FileReadOptions = { mode: q.mode, batchRows: q.batchRows, signal: q.signal, decode: q.decode };

    if (name === "slurm" || name === "labels" || name === "node" || name === "label-stats") {
      const fileName =
        name === "slurm" ? this.logFile : name === "labels" ? this.file("labelled_jobids.csv") : name === "node" ? this.file("node-data.csv") : this.file("labelled_job_stats.csv");
      if (!fileName || !fs.existsSync(fileName)) {
        const what = name === "slurm" ? SCHEDULER_LOG_NAMES.join(" or ") : path.basename(fileName ?? "");
        throw new GreenaiError(`${this.root} has no ${what}; is it a Supercloud release folder?`);
      }
      const filter = (col: ColumnLookup): RowPredicate | undefined => {
        const preds: RowPredicate[] = [];
        if (name === "slurm" || name === "labels") {
          const idCol = col("id_job")!;
          if (ids) preds.push((r) => ids.has(String(idCol.numberAt(r))));
          if (labelled) preds.push((r) => labelled.has(String(idCol.numberAt(r))));
        }
        if (name === "slurm") {
          if (q.gpuOnly) {
            const g = col("gpu_job")!;
            preds.push((r) => g.numberAt(r) === 1);
          }
          if (q.fromMs !== undefined || q.toMs !== undefined) {
            const from = q.fromMs ?? -Infinity;
            const to = q.toMs ?? Infinity;
            const sub = col("time_submit")!;
            const st = col("time_start")!;
            const en = col("time_end")!;
            // Timestamp(s) builders hold seconds.
            preds.push((r) => {
              const s = st.numberAt(r);
              const start = 1000 * (Number.isNaN(s) ? sub.numberAt(r) : s);
              const e = en.numberAt(r);
              const end = Number.isNaN(e) ? Infinity : 1000 * e;
              return end >= from && start <= to;
            });
          }
        }
        if (name === "node") {
          if (nodes) {
            const n = col("Node") as unknown as { textAt(r: number): string | null };
            preds.push((r) => nodes.has(n.textAt(r) ?? ""));
          }
          if (q.fromMs !== undefined || q.toMs !== undefined) {
            const t = col("timestamp")!;
            const from = q.fromMs ?? -Infinity;
            const to = q.toMs ?? Infinity;
            preds.push((r) => {
              const v = t.numberAt(r);
              return v >= from && v <= to;
            });
          }
        }
        if (preds.length === 0) return undefined;
        return (r) => preds.every((p) => p(r));
      };
      const r = csvBatchesFromFile(spec, fileName, {
        ...base,
        label: this.rel(fileName),
        filter,
        onProgress: q.onProgress ? (done, total) => q.onProgress!(`reading ${this.rel(fileName)}`, total > 0 ? done / total : 1) : undefined,
      });
      try {
        for await (const b of r.batches) yield b;
      } finally {
        mergeReport(report, r.report);
      }
      return;
    }

    // Per-job series: pick files from the index, read each with id_job (and node) attached.
    const idx = (await this.index({ signal: q.signal })).index;
    const jobs = selectJobs(idx, name, ids, labelled, q.gpuOnly);
    const files: { file: string; id: string; node?: string }[] = [];
    for (const id of jobs) {
      const jf = idx.jobs[id];
      if (name === "gpu") for (const g of jf.gpu ?? []) if (!nodes || nodes.has(g.node)) files.push({ file: g.file, id, node: g.node });
      if (name === "cpu" && jf.cpu?.timeseries) files.push({ file: jf.cpu.timeseries, id });
      if (name === "cpu-summary" && jf.cpu?.summary) files.push({ file: jf.cpu.summary, id });
    }
    const timeCol = name === "gpu" ? "timestamp" : name === "cpu" ? "EpochTime" : undefined;
    const unitMs = name === "gpu" ? 1 : 1000;
    for (let i = 0; i < files.length; i++) {
      throwIfAborted(q.signal);
      const f = files[i];
      q.onProgress?.(`reading ${f.file}`, i / Math.max(1, files.length));
      const constants: FileReadOptions["constants"] = [{ name: "id_job", int64: BigInt(f.id) }];
      const filter =
        timeCol && (q.fromMs !== undefined || q.toMs !== undefined)
          ? (col: ColumnLookup): RowPredicate => {
              const t = col(timeCol)!;
              const from = q.fromMs ?? -Infinity;
              const to = q.toMs ?? Infinity;
              return (r) => {
                const v = t.numberAt(r) * unitMs;
                return v >= from && v <= to;
              };
            }
          : undefined;
      const r = csvBatchesFromFile(spec, path.join(this.root, ...f.file.split("/")), {
        ...base,
        label: f.file,
        constants: f.node !== undefined ? [...constants, { name: "node", text: f.node }] : constants,
        keepExtraColumns: false,
        filter,
      });
      try {
        for await (const b of r.batches) yield b;
      } finally {
        mergeReport(report, r.report);
      }
    }
  }

  /** Loads a table into memory (streamed while reading; filters applied while reading). */
  async table(name: SupercloudTableName, q: DatasetQuery = {}): Promise<{ table: Table; report: LoadReport }> {
    const report = emptyReport(name);
    const batches: RecordBatch[] = [];
    for await (const b of this.batches(name, q, report)) batches.push(b);
    const schema = batches[0]?.schema ?? emptySchema(name, q.decode !== false);
    return { table: tableFromBatches(schema, batches), report };
  }

  /** One job joined: record, label, CPU and GPU series (loaded lazily through the index), energy. */
  async job(id: number | bigint | string, opts: { mode?: ReadMode; signal?: AbortSignal; energy?: EnergyOptions; fromMs?: number; toMs?: number } = {}): Promise<JobView> {
    const key = jobIdText(id);
    const reports: LoadReport[] = [];
    const q: DatasetQuery = { jobIds: [key], mode: opts.mode, signal: opts.signal };
    let record: Table = new Table(emptySchema("slurm"));
    if (this.logFile) {
      const r = await this.table("slurm", q);
      record = r.table;
      reports.push(r.report);
    }
    const label = (await this.labels(opts.mode)).get(key) ?? null;
    const idx = (await this.index({ signal: opts.signal })).index;
    const files = idx.jobs[key] ?? {};
    const range = { fromMs: opts.fromMs, toMs: opts.toMs };
    let cpu: Table | null = null;
    let cpuSummary: Table | null = null;
    let gpu: Table | null = null;
    if (files.cpu?.timeseries) {
      const r = await this.table("cpu", { ...q, ...range });
      cpu = r.table;
      reports.push(r.report);
    }
    if (files.cpu?.summary) {
      const r = await this.table("cpu-summary", q);
      cpuSummary = r.table;
      reports.push(r.report);
    }
    if (files.gpu?.length) {
      const r = await this.table("gpu", { ...q, ...range });
      gpu = r.table;
      reports.push(r.report);
    }
    const energy = gpu ? energyOfGpuTable(key, gpu, opts.energy) : null;
    if (record.numRows === 0 && !files.cpu && !files.gpu && label === null) {
      throw new GreenaiError(`job ${key} is not in ${this.logFile ? path.basename(this.logFile) : "this data set"}, has no series files and no label`);
    }
    return { id_job: key, record, label, files, cpu, cpuSummary, gpu, energy, reports };
  }
}

/** Job ids whose series a query needs, from the index. */
function selectJobs(idx: DatasetIndex, name: SupercloudTableName, ids?: Set<string>, labelled?: Map<string, string>, gpuOnly?: boolean): string[] {
  const all = ids ? [...ids].filter((id) => idx.jobs[id]) : Object.keys(idx.jobs);
  return all
    .filter((id) => !labelled || labelled.has(id))
    .filter((id) => !gpuOnly || (idx.jobs[id].gpu?.length ?? 0) > 0)
    .filter((id) => {
      const j = idx.jobs[id];
      return name === "gpu" ? !!j.gpu?.length : name === "cpu" ? !!j.cpu?.timeseries : !!j.cpu?.summary;
    })
    .sort();
}

/** The schema a table has when no file contributes a row. */
export function emptySchema(name: SupercloudTableName, decode = true): Schema {
  const spec = TABLE_SPECS[name];
  const fields = [...spec.columns.map((c) => c.make().field), ...(decode ? spec.derived : []).map((d) => d.make().field)];
  if (name === "cpu" || name === "cpu-summary" || name === "gpu") fields.push(new Field("id_job", new Int64(), false));
  if (name === "gpu") fields.push(new Field("node", new Utf8(), false));
  return new Schema(fields);
}

/** Energy of a job from its GPU table (timestamp ms, gpu_index, power_draw_W, node). */
export function energyOfGpuTable(jobId: string, gpu: Table, opts?: EnergyOptions): JobEnergy {
  const t = numberColumn(gpu, "timestamp") as number[];
  const g = numberColumn(gpu, "gpu_index") as number[];
  const p = numberColumn(gpu, "power_draw_W");
  const n = textColumn(gpu, "node");
  return jobEnergy(jobId, gpuEnergies({ tMs: t, gpuIndex: g, powerW: p, node: n }, opts));
}

const opened = new Map<string, SupercloudDataset>();

/** Opens a release folder once per process (the kernel keeps its index and labels between cells). */
export async function openSupercloud(dir: string, opts: { cacheDir?: string } = {}): Promise<SupercloudDataset> {
  const key = `${path.resolve(dir)}\u0000${opts.cacheDir ?? ""}`;
  const hit = opened.get(key);
  if (hit && fs.existsSync(hit.root)) return hit;
  const ds = await SupercloudDataset.open(dir, opts);
  opened.set(key, ds);
  return ds;
}
