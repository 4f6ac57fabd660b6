/**
 * `%dataset` (load, jobs, job, sql, index, generate) and `%data` (list, fetch): the MIT
 * Supercloud data in notebooks and on the shell (`greenai dataset …`, `greenai data …`).
 */
import * as path from "path";
import { Table } from "apache-arrow";
import type { TimeseriesPayload } from "greenai-common";
import { escapeHtml, htmlTable, makeBundle, textTable, type MimeBundle } from "../display/bundle";
import { UsageError, throwIfAborted } from "../errors";
import { SupercloudSql } from "../datasets/duckdb";
import type { JobEnergy } from "../datasets/energy";
import { fetchDataset, readManifest, defaultManifestPath, type FetchResult } from "../datasets/fetch";
import type { JobFiles } from "../datasets/file-index";
import { describeSchema, type ReadIssue, type ReadMode } from "../datasets/reader";
import type { SupercloudTableName } from "../datasets/schemas";
import { numberColumn, tableRowsJson, textColumn, timeseriesPayload } from "../datasets/series";
import { energyOfGpuTable, jobIdText, openSupercloud, type DatasetQuery } from "../datasets/supercloud";
import { writeArrowFile, writeSlurmLog, writeSupercloudSample } from "../datasets/write";
import type { SampleSummary } from "../datasets/generate";
import type { FlagSpec, ParsedArgs } from "./options";
import type { Magic, MagicContext, MagicResult } from "./types";

// ---------------------------------------------------------------------------
// Result types (what --json prints and --as binds).

export interface DatasetColumn {
  name: string;
  /** Arrow type, e.g. "Int64", "Uint64", "Timestamp<SECOND, UTC>", "List<Utf8>". */
  type: string;
  nullable: boolean;
}

export interface DatasetLoadResult {
  dataset: "supercloud";
  table: SupercloudTableName;
  path: string;
  engine: "arrow" | "duckdb";
  /** Rows loaded (after filters). */
  rows: number;
  columns: DatasetColumn[];
  /** Files read. */
  files: number;
  rows_read: number;
  filtered_rows: number;
  /** Malformed rows skipped (lenient mode). */
  skipped_rows: number;
  extra_columns: string[];
  missing_columns: string[];
  undecoded: Record<string, number>;
  /** First problems found (lenient mode). */
  issues: ReadIssue[];
  /** First rows as JSON (64-bit integers as numbers when exact, else text; times as ISO text). */
  head: Record<string, unknown>[];
  arrow_file: { path: string; bytes: number } | null;
  seconds: number;
}

export interface DatasetJobSummary {
  id_job: string;
  state: string | null;
  partition: string | null;
  job_type: string | null;
  nodes: number | null;
  gpus: number | null;
  start: string | null;
  end: string | null;
  duration_s: number | null;
  label: string | null;
  cpu_series: boolean;
  gpu_series: boolean;
  /** GPU energy in J (with --energy, for jobs with GPU series). */
  energy_j?: number | null;
}

export interface DatasetJobsResult {
  path: string;
  /** Jobs matching the filters. */
  rows: number;
  /** The first `limit` of them. */
  jobs: DatasetJobSummary[];
  gpu_series_jobs: number;
  labelled_jobs: number;
  seconds: number;
}

export interface DatasetJobResult {
  id_job: string;
  path: string;
  /** The scheduler-log row; null if the job is not in the log. */
  record: Record<string, unknown> | null;
  label: string | null;
  files: JobFiles;
  cpu: { rows: number; nodes: string[]; steps: string[] } | null;
  gpu: { rows: number; devices: string[]; timestamps: "ms" | "whole-second" | "mixed" } | null;
  /** GPU energy as TPE reads it (energy_j, unit, source, measured); null without GPU series. */
  energy: JobEnergy | null;
  arrow_file: { path: string; bytes: number } | null;
}

export interface DatasetSqlResult {
  path: string;
  sql: string;
  rows: number;
  truncated: boolean;
  columns: DatasetColumn[];
  head: Record<string, unknown>[];
  arrow_file: { path: string; bytes: number } | null;
  seconds: number;
}

export interface DatasetIndexResult {
  path: string;
  jobs: number;
  cpu_jobs: number;
  gpu_jobs: number;
  files: number;
  unmatched: number;
  from: "cache" | "built";
  cache_file: string;
}

export interface DatasetGenerateResult {
  out: string;
  seed: number;
  files: number;
  bytes: number;
  /** Sample summary; absent with --slurm-rows (the scheduler log alone). */
  summary?: SampleSummary;
  slurm_rows?: number;
}

export interface DataListResult {
  manifest: string;
  datasets: { name: string; title: string; files: number; total_bytes: number | null; homepage: string; citation: string; licence: string; notes: string[] }[];
}

export type DataFetchResult = FetchResult;

// ---------------------------------------------------------------------------
// Flags.

const TABLES: readonly SupercloudTableName[] = ["slurm", "cpu", "cpu-summary", "gpu", "node", "labels", "label-stats"];

const PATH_FLAG: FlagSpec = { name: "path", type: "string", metavar: "DIR", required: true, help: "release folder holding slurm-log.csv (or scheduler-log.csv), cpu/ and gpu/" };
const LENIENT_FLAG: FlagSpec = { name: "lenient", type: "boolean", help: "skip malformed rows and count them (default: stop at the first, naming file, line and column)" };
const FROM_FLAG: FlagSpec = { name: "from", type: "string", metavar: "TIME", help: "start of the time range: ISO date/time (UTC unless a zone is given) or epoch seconds" };
const TO_FLAG: FlagSpec = { name: "to", type: "string", metavar: "TIME", help: "end of the time range (inclusive), like --from" };
const GPU_ONLY_FLAG: FlagSpec = { name: "gpu-only", type: "boolean", help: "only jobs that request GPUs (log: tres_req has 1001/1002; series: jobs with GPU files)" };
const LABELLED_FLAG: FlagSpec = { name: "labelled-only", type: "boolean", help: "only jobs listed in labelled_jobids.csv" };
const ARROW_FLAG: FlagSpec = { name: "arrow", type: "string", metavar: "FILE", help: "also write the table as an Arrow IPC file (pandas: pyarrow.ipc.open_file(FILE).read_pandas())" };
const HEAD_FLAG: FlagSpec = { name: "head", type: "int", default: 10, min: 0, max: 1000, help: "rows to show and return in `head`" };

function resolvePath(ctx: MagicContext, p: string): string {
  return path.resolve(ctx.cwd, p);
}

/** ISO date/time (UTC unless it has a zone) or epoch seconds → ms. */
export function parseTimeArg(flag: string, v: string | undefined): number | undefined {
  if (v === undefined || v === "") return undefined;
  const t = v.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T00:00:00Z` : /[zZ]|[+-]\d{2}:?\d{2}$/.test(t) ? t : `${t}Z`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new UsageError(`--${flag} expects an ISO date/time (2021-07-12, 2021-07-12T14:00) or epoch seconds but got ${JSON.stringify(v)}`);
  return ms;
}

function query(args: ParsedArgs, ctx: MagicContext): DatasetQuery {
  const f = args.flags;
  const ids: string[] = [];
  for (const j of (f.jobs as string[] | undefined) ?? []) ids.push(j);
  if (typeof f.job === "string") ids.push(f.job);
  for (const id of ids) {
    try {
      jobIdText(id);
    } catch (err) {
      throw new UsageError(`--job/--jobs: ${(err as Error).message}`);
    }
  }
  const fromMs = parseTimeArg("from", f.from as string | undefined);
  const toMs = parseTimeArg("to", f.to as string | undefined);
  if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) throw new UsageError("--from must not be after --to");
  return {
    jobIds: ids.length ? ids : undefined,
    fromMs,
    toMs,
    gpuOnly: f["gpu-only"] === true || undefined,
    labelledOnly: f["labelled-only"] === true || undefined,
    nodes: (f.node as string[] | undefined)?.length ? (f.node as string[]) : undefined,
    mode: (f.lenient ? "lenient" : "strict") as ReadMode,
    decode: f.decode === false ? false : undefined,
    signal: ctx.signal,
    onProgress: (m, x) => ctx.progress(m, x),
  };
}

function columnsOf(t: Table): DatasetColumn[] {
  return describeSchema(t.schema);
}

async function maybeWriteArrow(ctx: MagicContext, t: Table, file: string | undefined): Promise<{ path: string; bytes: number } | null> {
  if (!file) return null;
  const p = resolvePath(ctx, file);
  return { path: p, bytes: await writeArrowFile(t, p) };
}

function headTable(head: Record<string, unknown>[], columns: DatasetColumn[]): { html: string; text: string } {
  const names = columns.map((c) => c.name);
  const rows = head.map((r) => names.map((n) => r[n]));
  return { html: htmlTable(names, rows, { maxRows: 1000 }), text: textTable(names, rows) };
}

function issuesHtml(issues: ReadIssue[]): string {
  if (!issues.length) return "";
  return `<details><summary>${issues.length} problem(s)</summary><ul>${issues.map((i) => `<li>${escapeHtml(`${i.file}, line ${i.line}${i.column ? `, column ${i.column}` : ""}: ${i.message}`)}</li>`).join("")}</ul></details>`;
}

function seconds(t0: number): number {
  return Math.round((performance.now() - t0) * 1000) / 1e6;
}

// ---------------------------------------------------------------------------
// %dataset load

async function runLoad(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<DatasetLoadResult>> {
  const t0 = performance.now();
  const [name] = args.positionals;
  if (name !== "supercloud") throw new UsageError(`unknown data set ${JSON.stringify(name)}; %dataset load knows: supercloud (the MIT Supercloud 202201 layout)`);
  const f = args.flags;
  const table = f.table as SupercloudTableName;
  const root = resolvePath(ctx, f.path as string);
  const q = query(args, ctx);
  const engine = f.engine as "arrow" | "duckdb";
  let t: Table;
  let report: { files: number; rowsRead: number; rowsFiltered: number; skippedRows: number; extraColumns: string[]; missingColumns: string[]; undecoded: Record<string, number>; issues: ReadIssue[] };
  if (engine === "duckdb") {
    if (q.mode === "lenient") throw new UsageError("--lenient works with --engine arrow only (DuckDB does not report lines)");
    if (q.decode === false) throw new UsageError("--no-decode works with --engine arrow only");
    const sql = await SupercloudSql.open(root);
    try {
      t = await sql.table(table, q);
    } finally {
      sql.close();
    }
    report = { files: 0, rowsRead: t.numRows, rowsFiltered: 0, skippedRows: 0, extraColumns: [], missingColumns: [], undecoded: {}, issues: [] };
  } else {
    const ds = await openSupercloud(root);
    const r = await ds.table(table, q);
    t = r.table;
    report = r.report;
  }
  throwIfAborted(ctx.signal);
  const columns = columnsOf(t);
  const head = tableRowsJson(t, f.head as number);
  const arrow_file = await maybeWriteArrow(ctx, t, f.arrow as string | undefined);
  const value: DatasetLoadResult = {
    dataset: "supercloud",
    table,
    path: root,
    engine,
    rows: t.numRows,
    columns,
    files: report.files,
    rows_read: report.rowsRead,
    filtered_rows: report.rowsFiltered,
    skipped_rows: report.skippedRows,
    extra_columns: report.extraColumns,
    missing_columns: report.missingColumns,
    undecoded: report.undecoded,
    issues: report.issues,
    head,
    arrow_file,
    seconds: seconds(t0),
  };
  const summary =
    `${table}: ${t.numRows} rows × ${columns.length} columns from ${engine === "duckdb" ? "DuckDB" : `${report.files} file(s)`}` +
    (report.skippedRows ? `, ${report.skippedRows} malformed row(s) skipped` : "") +
    (report.rowsFiltered ? `, ${report.rowsFiltered} filtered out` : "") +
    (arrow_file ? `; Arrow file ${arrow_file.path} (${arrow_file.bytes} bytes)` : "");
  const ht = headTable(head, columns);
  const typesTable = htmlTable(["column", "Arrow type"], columns.map((c) => [c.name, c.type]), { maxRows: 200 });
  const html = `<p>${escapeHtml(summary)}</p>${head.length ? ht.html : ""}<details><summary>column types</summary>${typesTable}</details>${issuesHtml(report.issues)}`;
  const text = head.length ? `${summary}\n${ht.text}` : summary;
  return { value, typeName: "DatasetLoadResult", text, bundle: makeBundle({ html, text: summary }) };
}

// ---------------------------------------------------------------------------
// %dataset jobs

async function runJobs(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<DatasetJobsResult>> {
  const t0 = performance.now();
  const f = args.flags;
  const root = resolvePath(ctx, f.path as string);
  const q = query(args, ctx);
  const ds = await openSupercloud(root);
  const { table: log } = await ds.table("slurm", q);
  const labels = await ds.labels(q.mode);
  const idx = (await ds.index({ signal: ctx.signal })).index;
  const limit = f.limit as number;
  const ids = textColumn(log, "id_job");
  const state = textColumn(log, "state_name");
  const part = textColumn(log, "partition");
  const jt = textColumn(log, "job_type");
  const nodes = numberColumn(log, "nodes_alloc");
  const gpus = numberColumn(log, "gpus_req");
  const start = numberColumn(log, "time_start");
  const end = numberColumn(log, "time_end");
  const all: DatasetJobSummary[] = ids.map((id, i) => {
    const files = idx.jobs[id ?? ""];
    return {
      id_job: id ?? "",
      state: state[i],
      partition: part[i],
      job_type: jt[i],
      nodes: nodes[i],
      gpus: gpus[i],
      start: start[i] === null ? null : new Date(start[i]!).toISOString(),
      end: end[i] === null ? null : new Date(end[i]!).toISOString(),
      duration_s: start[i] !== null && end[i] !== null ? (end[i]! - start[i]!) / 1000 : null,
      label: labels.get(id ?? "") ?? null,
      cpu_series: !!files?.cpu?.timeseries,
      gpu_series: !!files?.gpu?.length,
    };
  });
  const shown = all.slice(0, limit);
  if (f.energy) {
    let k = 0;
    const withGpu = shown.filter((j) => j.gpu_series);
    for (const j of shown) {
      if (!j.gpu_series) {
        j.energy_j = null;
        continue;
      }
      throwIfAborted(ctx.signal);
      ctx.progress(`energy of job ${j.id_job}`, k++ / Math.max(1, withGpu.length));
      // Only this job's GPU files are read (through the index), not the log again.
      const { table: gpu } = await ds.table("gpu", { jobIds: [j.id_job], mode: q.mode, signal: ctx.signal });
      j.energy_j = gpu.numRows ? energyOfGpuTable(j.id_job, gpu).energy_j : null;
    }
  }
  const value: DatasetJobsResult = {
    path: root,
    rows: all.length,
    jobs: shown,
    gpu_series_jobs: all.filter((j) => j.gpu_series).length,
    labelled_jobs: all.filter((j) => j.label !== null).length,
    seconds: seconds(t0),
  };
  const cols = ["id_job", "state", "partition", "job_type", "nodes", "gpus", "start", "duration_s", "label", "cpu_series", "gpu_series", ...(f.energy ? ["energy_j"] : [])];
  const rows = shown.map((j) => cols.map((c) => (j as unknown as Record<string, unknown>)[c]));
  const summary = `${all.length} job(s) (${value.gpu_series_jobs} with GPU series, ${value.labelled_jobs} labelled)${shown.length < all.length ? `; first ${shown.length} shown` : ""}`;
  return {
    value,
    typeName: "DatasetJobsResult",
    text: `${summary}\n${textTable(cols, rows)}`,
    bundle: makeBundle({ html: `<p>${escapeHtml(summary)}</p>${htmlTable(cols, rows, { maxRows: limit })}`, text: summary }),
  };
}

// ---------------------------------------------------------------------------
// %dataset job ID

function plotlyFromPayload(p: TimeseriesPayload): { data: unknown[]; layout: object } {
  const data = p.series
    .filter((s) => s.group === "utilization" || s.group === "power")
    .map((s) => ({
      type: "scattergl",
      mode: "lines",
      name: `${s.name} ${s.device ?? ""}`.trim(),
      x: s.t_ms.map((t) => new Date(t).toISOString()),
      y: s.values,
      yaxis: s.group === "power" ? "y2" : "y",
    }));
  return {
    data,
    layout: {
      title: { text: p.title },
      xaxis: { title: { text: "time (UTC)" }, rangeslider: { visible: true } },
      yaxis: { title: { text: "utilisation (%)" } },
      yaxis2: { title: { text: "power (W)" }, overlaying: "y", side: "right" },
      legend: { orientation: "h" },
    },
  };
}

async function runJob(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<DatasetJobResult>> {
  const f = args.flags;
  const root = resolvePath(ctx, f.path as string);
  let id: string;
  try {
    id = jobIdText(args.positionals[0]);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const q = query({ ...args, flags: { ...f, job: undefined, jobs: undefined } }, ctx);
  const ds = await openSupercloud(root);
  const job = await ds.job(id, { mode: q.mode, signal: ctx.signal, fromMs: q.fromMs, toMs: q.toMs, energy: { maxGapS: f["max-gap"] as number } });
  const record = job.record.numRows ? tableRowsJson(job.record, 1)[0] : null;
  const cpu = job.cpu
    ? { rows: job.cpu.numRows, nodes: [...new Set(textColumn(job.cpu, "Node").filter((x): x is string => x !== null))], steps: [...new Set(textColumn(job.cpu, "Step").filter((x): x is string => x !== null))] }
    : null;
  // one entry per (node, GPU) of the series: the energy's per-GPU list (present whenever job.gpu is)
  const devices = (job.energy?.per_gpu ?? []).map((g) => `gpu${g.gpu_index}@${g.node}`).sort();
  const stamps = new Set(job.energy?.per_gpu.map((g) => g.timestamps));
  const gpu = job.gpu ? { rows: job.gpu.numRows, devices, timestamps: (stamps.size === 1 ? [...stamps][0] : "mixed") as "ms" | "whole-second" | "mixed" } : null;
  const arrow_file = job.gpu ? await maybeWriteArrow(ctx, job.gpu, f.arrow as string | undefined) : null;
  if (f.arrow && !job.gpu) throw new UsageError(`job ${id} has no GPU series to write to ${f.arrow}`);
  const value: DatasetJobResult = { id_job: id, path: root, record, label: job.label, files: job.files, cpu, gpu, energy: job.energy, arrow_file };

  const facts: Record<string, string | number> = {};
  if (record) {
    if (record.state_name) facts.state = String(record.state_name);
    if (record.time_start && record.time_end) facts["duration (s)"] = (Date.parse(String(record.time_end)) - Date.parse(String(record.time_start))) / 1000;
    if (record.gpus_req !== null && record.gpus_req !== undefined) facts["GPUs requested"] = Number(record.gpus_req);
  }
  if (job.label) facts.model = job.label;
  if (job.energy) {
    facts["GPU energy (J)"] = Math.round(job.energy.energy_j);
    facts["GPU energy (Wh)"] = Math.round(job.energy.energy_wh * 100) / 100;
  }
  const payload = timeseriesPayload({
    title: `Job ${id}${job.label ? ` (${job.label})` : ""}`,
    jobId: id,
    gpu: job.gpu
      ? {
          tMs: numberColumn(job.gpu, "timestamp") as number[],
          gpuIndex: numberColumn(job.gpu, "gpu_index") as number[],
          node: textColumn(job.gpu, "node"),
          metrics: Object.fromEntries(["utilization_gpu_pct", "utilization_memory_pct", "power_draw_W", "memory_used_MiB", "temperature_gpu"].map((c) => [c, numberColumn(job.gpu!, c)])),
        }
      : undefined,
    cpu: job.cpu
      ? {
          tMs: numberColumn(job.cpu, "EpochTime") as number[],
          step: textColumn(job.cpu, "Step"),
          node: textColumn(job.cpu, "Node"),
          series: numberColumn(job.cpu, "Series"),
          cpuUtilizationPct: numberColumn(job.cpu, "CPUUtilization"),
          rssKB: numberColumn(job.cpu, "RSS"),
        }
      : undefined,
    facts,
    maxPoints: f["max-points"] as number,
  });
  const factRows = Object.entries(facts);
  const energyRows = (job.energy?.per_gpu ?? []).map((g) => [`gpu${g.gpu_index}@${g.node}`, Math.round(g.energy_j), g.mean_power_w === null ? null : Math.round(g.mean_power_w * 10) / 10, g.duration_s, g.samples, g.timestamps]);
  const summary =
    `job ${id}${job.label ? ` (${job.label})` : ""}: ` +
    [record ? `${record.state_name ?? "?"}` : "not in the log", cpu ? `CPU series ${cpu.rows} rows` : "no CPU series", gpu ? `GPU series ${gpu.rows} rows on ${devices.length} GPU(s)` : "no GPU series", job.energy ? `GPU energy ${Math.round(job.energy.energy_j)} J` : ""]
      .filter(Boolean)
      .join(", ");
  const html =
    `<p>${escapeHtml(summary)}</p>${htmlTable(["fact", "value"], factRows)}` +
    (energyRows.length ? htmlTable(["GPU", "energy (J)", "mean power (W)", "seconds", "samples", "timestamps"], energyRows, { caption: "GPU energy, trapezoidal per GPU" }) : "") +
    (record ? `<details><summary>scheduler record</summary>${htmlTable(["column", "value"], Object.entries(record).map(([k, v]) => [k, v]), { maxRows: 100 })}</details>` : "");
  const bundle: MimeBundle = makeBundle({
    payload: payload.series.length ? payload : undefined,
    plotly: payload.series.length ? plotlyFromPayload(payload) : undefined,
    html,
    text: summary,
  });
  return { value, typeName: "DatasetJobResult", text: summary, bundle };
}

// ---------------------------------------------------------------------------
// %dataset sql

async function runSql(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<DatasetSqlResult>> {
  const t0 = performance.now();
  const f = args.flags;
  const sqlText = (ctx.body ?? args.positionals.join(" ")).trim();
  if (!sqlText) throw new UsageError('%dataset sql needs a query: %dataset sql --path DIR "SELECT count(*) FROM slurm", or %%dataset sql --path DIR with the query below');
  const root = resolvePath(ctx, f.path as string);
  const db = await SupercloudSql.open(root);
  let t: Table;
  let truncated: boolean;
  try {
    ctx.progress("running the query", undefined);
    ({ table: t, truncated } = await db.query(sqlText, { maxRows: f.limit as number, signal: ctx.signal }));
  } finally {
    db.close();
  }
  const columns = columnsOf(t);
  const head = tableRowsJson(t, f.head as number);
  const arrow_file = await maybeWriteArrow(ctx, t, f.arrow as string | undefined);
  const value: DatasetSqlResult = { path: root, sql: sqlText, rows: t.numRows, truncated, columns, head, arrow_file, seconds: seconds(t0) };
  const summary = `${t.numRows} row(s)${truncated ? ` (stopped at --limit ${f.limit})` : ""} × ${columns.length} column(s)${arrow_file ? `; Arrow file ${arrow_file.path}` : ""}`;
  const ht = headTable(head, columns);
  return {
    value,
    typeName: "DatasetSqlResult",
    text: head.length ? `${summary}\n${ht.text}` : summary,
    bundle: makeBundle({ html: `<p>${escapeHtml(summary)}</p>${ht.html}`, text: summary }),
  };
}

// ---------------------------------------------------------------------------
// %dataset index, %dataset generate

async function runIndex(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<DatasetIndexResult>> {
  const root = resolvePath(ctx, args.flags.path as string);
  const ds = await openSupercloud(root);
  const { index, from, cacheFile } = await ds.index({ refresh: args.flags.refresh === true, signal: ctx.signal });
  const jobs = Object.values(index.jobs);
  const value: DatasetIndexResult = {
    path: root,
    jobs: jobs.length,
    cpu_jobs: jobs.filter((j) => j.cpu?.timeseries).length,
    gpu_jobs: jobs.filter((j) => j.gpu?.length).length,
    files: index.files,
    unmatched: index.unmatched,
    from,
    cache_file: cacheFile,
  };
  const text = `${value.jobs} jobs with series (${value.cpu_jobs} CPU, ${value.gpu_jobs} GPU) in ${value.files} files; index ${from === "cache" ? "read from" : "built and saved to"} ${cacheFile}`;
  return { value, typeName: "DatasetIndexResult", text, bundle: makeBundle({ text, html: `<p>${escapeHtml(text)}</p>` }) };
}

async function runGenerate(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<DatasetGenerateResult>> {
  const f = args.flags;
  const out = resolvePath(ctx, f.out as string);
  const seed = f.seed as number;
  let value: DatasetGenerateResult;
  if (f["slurm-rows"] !== undefined) {
    const rows = f["slurm-rows"] as number;
    ctx.progress(`writing ${rows} scheduler-log rows`, undefined);
    const bytes = await writeSlurmLog(path.join(out, "slurm-log.csv"), rows, seed);
    value = { out, seed, files: 1, bytes, slurm_rows: rows };
  } else {
    const r = await writeSupercloudSample(out, { seed, jobs: f.jobs as number });
    value = { out, seed, files: r.files.length, bytes: r.files.reduce((a, x) => a + x.bytes, 0), summary: r.summary };
  }
  const text = `wrote ${value.files} file(s), ${value.bytes} bytes, to ${out} (seed ${seed})`;
  return { value, typeName: "DatasetGenerateResult", text, bundle: makeBundle({ text, html: `<p>${escapeHtml(text)}</p>` }) };
}

// ---------------------------------------------------------------------------
// %data list, %data fetch

async function runList(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<DataListResult>> {
  const file = args.flags.manifest ? resolvePath(ctx, args.flags.manifest as string) : defaultManifestPath();
  const m = await readManifest(file);
  const value: DataListResult = {
    manifest: file,
    datasets: m.datasets.map((d) => ({ name: d.name, title: d.title, files: d.files.length, total_bytes: d.total_bytes, homepage: d.homepage, citation: d.citation, licence: d.licence, notes: d.notes })),
  };
  const rows = value.datasets.map((d) => [d.name, d.files, d.total_bytes, d.licence, d.title]);
  const cols = ["name", "files", "bytes", "licence", "title"];
  return {
    value,
    typeName: "DataListResult",
    text: textTable(cols, rows),
    bundle: makeBundle({ html: htmlTable(cols, rows), text: `${value.datasets.length} data set(s) in ${file}` }),
  };
}

async function runFetch(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<DataFetchResult>> {
  const f = args.flags;
  const name = args.positionals[0];
  const manifest = await readManifest(f.manifest ? resolvePath(ctx, f.manifest as string) : defaultManifestPath());
  const dest = resolvePath(ctx, (f.dest as string | undefined) ?? path.join("data", name));
  const value = await fetchDataset(name, {
    manifest,
    dest,
    force: f.force === true,
    only: (f.files as string[] | undefined)?.length ? (f.files as string[]) : undefined,
    signal: ctx.signal,
    onProgress: (m, x) => ctx.progress(m, x),
  });
  const rows = value.files.map((x) => [x.path, x.status, x.bytes, x.verified, x.sha256.slice(0, 16)]);
  const cols = ["file", "status", "bytes", "checked", "sha256"];
  const text = `${name} in ${value.dest}\n${textTable(cols, rows)}${value.notes.length ? `\n${value.notes.map((n) => `note: ${n}`).join("\n")}` : ""}`;
  return {
    value,
    typeName: "DataFetchResult",
    text,
    bundle: makeBundle({ html: `<p>${escapeHtml(`${name} in ${value.dest}`)}</p>${htmlTable(cols, rows)}${value.notes.map((n) => `<p>${escapeHtml(n)}</p>`).join("")}`, text }),
  };
}

// ---------------------------------------------------------------------------
// The magics.

export const datasetMagic: Magic = {
  name: "dataset",
  summary: "MIT Supercloud data as Arrow tables: load, jobs, job, sql, index, generate",
  commands: [
    {
      spec: {
        name: "dataset load",
        summary: "Load one table of a Supercloud release folder into Arrow, with filters applied while reading.",
        positionals: [{ name: "dataset", help: "data set layout: supercloud", required: true }],
        flags: [
          PATH_FLAG,
          { name: "table", type: "string", required: true, choices: TABLES, help: "which file(s): scheduler log, CPU series, CPU summaries, GPU series, node data, labels, label stats" },
          { name: "job", type: "string", metavar: "ID", help: "only this job (series are then read lazily from its files alone)" },
          { name: "jobs", type: "list", metavar: "IDS", help: "only these jobs, comma-separated" },
          FROM_FLAG,
          TO_FLAG,
          GPU_ONLY_FLAG,
          LABELLED_FLAG,
          { name: "node", type: "list", metavar: "NODES", help: "node data and GPU series: only these nodes, comma-separated" },
          LENIENT_FLAG,
          { name: "decode", type: "boolean", default: true, help: "add the decoded columns (sentinels as nulls, nodes list, TRES maps, gpu_job…); --no-decode gives the file's columns only" },
          { name: "engine", type: "string", default: "arrow", choices: ["arrow", "duckdb"], help: "arrow: the streaming loaders (exact errors); duckdb: SQL engine for data bigger than memory" },
          ARROW_FLAG,
          HEAD_FLAG,
        ],
        description:
          "Types are exact: UInt64 mem_req and TRES values, Int64 ids, Utf8 Step, UTC timestamps; `\\N`, empty and N/A are null; Slurm sentinels stay raw and get decoded columns (array_task_id, timelimit_minutes, mem_req_mb, mem_per_cpu, nodes, tres_*_map, gpus_req, gpu_job, state_name).",
        examples: [
          "%dataset load supercloud --path ../data/supercloud-sample --table slurm --gpu-only",
          "%dataset load supercloud --path DIR --table gpu --job 38215570926613 --arrow job.arrow",
          "greenai dataset load supercloud --path DIR --table slurm --json",
        ],
      },
      run: runLoad,
    },
    {
      spec: {
        name: "dataset jobs",
        summary: "List jobs of the scheduler log with their label and which series they have.",
        flags: [
          PATH_FLAG,
          FROM_FLAG,
          TO_FLAG,
          GPU_ONLY_FLAG,
          LABELLED_FLAG,
          { name: "jobs", type: "list", metavar: "IDS", help: "only these jobs, comma-separated" },
          { name: "energy", type: "boolean", help: "also compute each listed job's GPU energy (J) from its power series" },
          { name: "limit", type: "int", default: 50, min: 1, max: 100000, help: "jobs to list (the count covers all)" },
          LENIENT_FLAG,
        ],
        examples: ["%dataset jobs --path ../data/supercloud-sample --gpu-only --labelled-only --energy --as jobs"],
      },
      run: runJobs,
    },
    {
      spec: {
        name: "dataset job",
        summary: "One job joined: scheduler record, label, CPU and GPU series (interactive plot) and GPU energy.",
        positionals: [{ name: "id", help: "job id (id_job)", required: true }],
        flags: [
          PATH_FLAG,
          FROM_FLAG,
          TO_FLAG,
          { name: "max-points", type: "int", default: 20000, min: 2, max: 5_000_000, help: "points per plotted series at most (min/max decimation)" },
          { name: "max-gap", type: "number", default: 60, min: 0.001, help: "seconds: longer gaps between power samples are not integrated" },
          { name: "arrow", type: "string", metavar: "FILE", help: "write the job's GPU series as an Arrow IPC file" },
          LENIENT_FLAG,
        ],
        examples: ["%dataset job 38215570926613 --path ../data/supercloud-sample --as job", "greenai dataset job 38215570926613 --path DIR --json"],
      },
      run: runJob,
    },
    {
      spec: {
        name: "dataset sql",
        summary: "Query the release with DuckDB (views slurm, cpu, cpu_summary, gpu, node, labels, label_stats); the result as Arrow.",
        positionals: [{ name: "query", help: "SQL (or give it as the cell body of %%dataset sql)", variadic: true }],
        body: "optional",
        flags: [
          PATH_FLAG,
          { name: "limit", type: "int", default: 100000, min: 1, help: "rows to fetch at most" },
          ARROW_FLAG,
          HEAD_FLAG,
        ],
        examples: ['%dataset sql --path DIR "SELECT partition, count(*) FROM slurm GROUP BY partition"', "%%dataset sql --path DIR --arrow gpu-jobs.arrow"],
      },
      run: runSql,
    },
    {
      spec: {
        name: "dataset index",
        summary: "Build (or read from the cache) the per-job index of the cpu/ and gpu/ shard folders.",
        flags: [PATH_FLAG, { name: "refresh", type: "boolean", help: "walk the shards again even if the cache is current" }],
        examples: ["%dataset index --path DIR"],
      },
      run: runIndex,
    },
    {
      spec: {
        name: "dataset generate",
        summary: "Write the seeded synthetic sample in the release layout (or a scheduler log of N rows).",
        flags: [
          { name: "out", type: "string", metavar: "DIR", required: true, help: "folder to write" },
          { name: "seed", type: "int", default: 20210712, help: "random seed (the shipped sample uses 20210712)" },
          { name: "jobs", type: "int", default: 400, min: 34, max: 1_000_000, help: "jobs in the sample's scheduler log" },
          { name: "slurm-rows", type: "int", metavar: "N", min: 0, max: 100_000_000, help: "write only slurm-log.csv with N rows (benchmark input)" },
        ],
        examples: ["greenai dataset generate --out data/supercloud-sample", "greenai dataset generate --out /tmp/big --slurm-rows 400000"],
      },
      run: runGenerate,
    },
  ],
};

export const dataMagic: Magic = {
  name: "data",
  summary: "public data sets: list the manifest, fetch and check downloads",
  commands: [
    {
      spec: {
        name: "data list",
        summary: "List the public data sets of the manifest (data/datasets.json) with their sources.",
        flags: [{ name: "manifest", type: "string", metavar: "FILE", help: "another manifest file" }],
        examples: ["greenai data list"],
      },
      run: runList,
    },
    {
      spec: {
        name: "data fetch",
        summary: "Download a data set's files, checking size and SHA-256 where the manifest knows them; resumes cut downloads.",
        positionals: [{ name: "name", help: "data set name (see data list)", required: true }],
        flags: [
          { name: "dest", type: "string", metavar: "DIR", help: "folder to download into (default: data/NAME)" },
          { name: "manifest", type: "string", metavar: "FILE", help: "another manifest file" },
          { name: "files", type: "list", metavar: "PATHS", help: "only these files of the data set, comma-separated" },
          { name: "force", type: "boolean", help: "download again even when a checked copy is present" },
        ],
        examples: ["greenai data fetch zeus-nsdi23-traces", "greenai data fetch supercloud-202201 --files slurm-log.csv,labelled_jobids.csv --dest /data/supercloud"],
      },
      run: runFetch,
    },
  ],
};
