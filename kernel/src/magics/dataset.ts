/**
 * `%dataset` (load, jobs, job, sql, index, generate) and `%data` (list, fetch): the MIT
 * Supercloud data in notebooks and on the shell (`greenai dataset …`, `greenai data …`).
 */
import * as path from "path";
import { Table } from "apache-arrow";
import { escapeHtml, makeBundle } from "../display/bundle";
import { presentJobList, presentLoadedTable, presentQueryResult } from "../display/dataset";
import { presentJobReport } from "../display/timeseries";
import { UsageError, throwIfAborted } from "../errors";
import { SupercloudSql } from "../datasets/duckdb";
import { loadSupercloudTable, type LoadEngine } from "../datasets/load";
import { describeSchema, type ReadMode } from "../datasets/reader";
import type { SupercloudTableName } from "../datasets/schemas";
import { jobReport, listJobs } from "../datasets/jobs";
import { tableRowsJson } from "../datasets/series";
import { jobIdText, openSupercloud, type DatasetQuery } from "../datasets/supercloud";
import { writeArrowFile, writeSlurmLog, writeSupercloudSample } from "../datasets/write";
import { SCHEDULER_LOG_NAMES } from "../datasets/supercloud";
import { checkOutputFile, overwriteNote, type OutputTarget, type OutputWrite } from "../io/output-file";
import type {
  DatasetColumn,
  DatasetGenerateResult,
  DatasetIndexResult,
  DatasetJobResult,
  DatasetJobsResult,
  DatasetLoadResult,
  DatasetSqlResult,
} from "./dataset-results";
import type { FlagSpec, ParsedArgs } from "./options";
import type { Magic, MagicContext, MagicResult } from "./types";

export type {
  DatasetColumn,
  DatasetLoadResult,
  DatasetJobSummary,
  DatasetJobsResult,
  DatasetJobResult,
  DatasetSqlResult,
  DatasetIndexResult,
  DatasetGenerateResult,
  DataListResult,
  DataFetchResult,
} from "./dataset-results";

// ---------------------------------------------------------------------------
// Flags.

const TABLES: readonly SupercloudTableName[] = ["slurm", "cpu", "cpu-summary", "gpu", "node", "labels", "label-stats"];

const PATH_FLAG: FlagSpec = { name: "path", type: "string", metavar: "DIR", required: true, help: "release folder holding slurm-log.csv (or scheduler-log.csv), cpu/ and gpu/" };
const LENIENT_FLAG: FlagSpec = { name: "lenient", type: "boolean", help: "skip malformed rows and count them (default: stop at the first, naming file, line and column)" };
const FROM_FLAG: FlagSpec = { name: "from", type: "string", metavar: "TIME", help: "start of the time range: ISO date/time (UTC unless a zone is given) or epoch seconds" };
const TO_FLAG: FlagSpec = { name: "to", type: "string", metavar: "TIME", help: "end of the time range (inclusive), like --from" };
const GPU_ONLY_FLAG: FlagSpec = { name: "gpu-only", type: "boolean", help: "only jobs that request GPUs (log: tres_req has 1001/1002; series: jobs with GPU files)" };
const LABELLED_FLAG: FlagSpec = { name: "labelled-only", type: "boolean", help: "only jobs listed in labelled_jobids.csv" };
const ARROW_FLAG: FlagSpec = { name: "arrow", type: "string", metavar: "FILE", help: "also write the table as an Arrow IPC file (pandas: pyarrow.ipc.open_file(FILE).read_pandas()); never over a file the command reads; an existing FILE is replaced whole, and the result says so" };
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

/** What a %dataset command may read under a release folder: an --arrow file may not be one of these. */
function supercloudInputs(root: string): string[] {
  return [...SCHEDULER_LOG_NAMES, "labelled_jobids.csv", "node-data.csv", "labelled_job_stats.csv", "cpu", "gpu"].map((n) => path.join(root, n));
}

/** The --arrow target of a command reading the release folder `root`, checked before any work (undefined without --arrow). */
function arrowTarget(ctx: MagicContext, file: string | undefined, root: string): OutputTarget | undefined {
  if (!file) return undefined;
  const target: OutputTarget = { flag: "--arrow", file, cwd: ctx.cwd, inputs: supercloudInputs(root) };
  checkOutputFile(target);
  return target;
}

async function maybeWriteArrow(t: Table, target: OutputTarget | undefined): Promise<OutputWrite | null> {
  return target ? writeArrowFile(t, target) : null;
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
  const arrow = arrowTarget(ctx, f.arrow as string | undefined, root);
  const engine = f.engine as LoadEngine;
  if (engine === "duckdb" && q.mode === "lenient") throw new UsageError("--lenient works with --engine arrow only (DuckDB does not report lines)");
  if (engine === "duckdb" && q.decode === false) throw new UsageError("--no-decode works with --engine arrow only");
  const { table: t, report } = await loadSupercloudTable(root, table, q, engine);
  throwIfAborted(ctx.signal);
  const columns = columnsOf(t);
  const head = tableRowsJson(t, f.head as number);
  const arrow_file = await maybeWriteArrow(t, arrow);
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
    (arrow_file ? `; Arrow file ${arrow_file.path} (${arrow_file.bytes} bytes)${overwriteNote(arrow_file)}` : "");
  return { value, typeName: "DatasetLoadResult", ...presentLoadedTable({ summary, head, columns }, report.issues) };
}

// ---------------------------------------------------------------------------
// %dataset jobs

async function runJobs(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<DatasetJobsResult>> {
  const t0 = performance.now();
  const f = args.flags;
  const root = resolvePath(ctx, f.path as string);
  const limit = f.limit as number;
  const list = await listJobs(await openSupercloud(root), query(args, ctx), { limit, energy: f.energy === true, signal: ctx.signal, onProgress: (m, x) => ctx.progress(m, x) });
  const value: DatasetJobsResult = { path: root, rows: list.rows, jobs: list.jobs, gpu_series_jobs: list.gpuSeriesJobs, labelled_jobs: list.labelledJobs, seconds: seconds(t0) };
  return { value, typeName: "DatasetJobsResult", ...presentJobList(list, { energy: f.energy === true, maxRows: limit }) };
}

// ---------------------------------------------------------------------------
// %dataset job ID

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
  const arrow = arrowTarget(ctx, f.arrow as string | undefined, root);
  const r = await jobReport(await openSupercloud(root), id, { mode: q.mode, signal: ctx.signal, fromMs: q.fromMs, toMs: q.toMs, maxGapS: f["max-gap"] as number, maxPoints: f["max-points"] as number });
  const gpuTable = r.view.gpu;
  const arrow_file = gpuTable ? await maybeWriteArrow(gpuTable, arrow) : null;
  if (f.arrow && !gpuTable) throw new UsageError(`job ${id} has no GPU series to write to ${f.arrow}`);
  const value: DatasetJobResult = { id_job: id, path: root, record: r.record, label: r.view.label, files: r.view.files, cpu: r.cpu, gpu: r.gpu, energy: r.energy, arrow_file };
  return { value, typeName: "DatasetJobResult", ...presentJobReport(r) };
}

// ---------------------------------------------------------------------------
// %dataset sql

async function runSql(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<DatasetSqlResult>> {
  const t0 = performance.now();
  const f = args.flags;
  const sqlText = (ctx.body ?? args.positionals.join(" ")).trim();
  if (!sqlText) throw new UsageError('%dataset sql needs a query: %dataset sql --path DIR "SELECT count(*) FROM slurm", or %%dataset sql --path DIR with the query below');
  const root = resolvePath(ctx, f.path as string);
  const arrow = arrowTarget(ctx, f.arrow as string | undefined, root);
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
  const arrow_file = await maybeWriteArrow(t, arrow);
  const value: DatasetSqlResult = { path: root, sql: sqlText, rows: t.numRows, truncated, columns, head, arrow_file, seconds: seconds(t0) };
  const summary = `${t.numRows} row(s)${truncated ? ` (stopped at --limit ${f.limit})` : ""} × ${columns.length} column(s)${arrow_file ? `; Arrow file ${arrow_file.path}${overwriteNote(arrow_file)}` : ""}`;
  return { value, typeName: "DatasetSqlResult", ...presentQueryResult({ summary, head, columns }) };
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
    const w = await writeSlurmLog(path.join(out, "slurm-log.csv"), rows, seed, ctx.signal);
    value = { out, seed, files: 1, bytes: w.bytes, overwritten_files: w.overwritten ? 1 : 0, slurm_rows: rows };
  } else {
    const r = await writeSupercloudSample(out, { seed, jobs: f.jobs as number }, ctx.signal);
    value = { out, seed, files: r.files.length, bytes: r.files.reduce((a, x) => a + x.bytes, 0), overwritten_files: r.overwritten, summary: r.summary };
  }
  const text = `wrote ${value.files} file(s), ${value.bytes} bytes, to ${out} (seed ${seed})${value.overwritten_files ? `; ${value.overwritten_files} existing file(s) replaced` : ""}`;
  return { value, typeName: "DatasetGenerateResult", text, bundle: makeBundle({ text, html: `<p>${escapeHtml(text)}</p>` }) };
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
          { name: "max-points", type: "int", default: 20000, min: 3, max: 5_000_000, help: "points per plotted series at most (min/max decimation)" },
          { name: "max-gap", type: "number", default: 60, min: 0.001, help: "seconds: longer gaps between power samples are not integrated" },
          { name: "arrow", type: "string", metavar: "FILE", help: "write the job's GPU series as an Arrow IPC file (never over a file the command reads; an existing FILE is replaced whole, and the result says so)" },
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
          { name: "out", type: "string", metavar: "DIR", required: true, help: "folder to write (existing files of the same names are replaced, each whole; the result counts them)" },
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
