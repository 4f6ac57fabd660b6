/** The JSON results of `%dataset` and `%data` commands (`--json`, `--as`): the contract the CLI and notebooks read. */
import type { JobEnergy } from "../datasets/energy";
import type { DatasetCopy } from "../datasets/data-path";
import type { JobFiles } from "../datasets/file-index";
import type { SampleSummary } from "../datasets/generate";
import type { JobSummary } from "../datasets/jobs";
import type { ReadIssue } from "../datasets/reader";
import type { SupercloudTableName } from "../datasets/schemas";
import type { OutputWrite } from "../io/output-file";


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
  /** The --arrow file written (overwritten: a file of that name was replaced); null without --arrow. */
  arrow_file: OutputWrite | null;
  seconds: number;
}

/** One job of `%dataset jobs` (datasets/jobs.ts builds it). */
export type DatasetJobSummary = JobSummary;

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
  /** The --arrow file written (overwritten: a file of that name was replaced); null without --arrow. */
  arrow_file: OutputWrite | null;
}

export interface DatasetSqlResult {
  path: string;
  sql: string;
  rows: number;
  truncated: boolean;
  columns: DatasetColumn[];
  head: Record<string, unknown>[];
  /** The --arrow file written (overwritten: a file of that name was replaced); null without --arrow. */
  arrow_file: OutputWrite | null;
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
  /** Files of the same name that were there before and were replaced. */
  overwritten_files: number;
  /** Sample summary; absent with --slurm-rows (the scheduler log alone). */
  summary?: SampleSummary;
  slurm_rows?: number;
}

export interface DataListResult {
  manifest: string;
  /** $GREENAI_DATA_DIR, or null when unset. */
  data_dir: string | null;
  /** Folder of prepared data sets in the cache. */
  cache: string;
  datasets: {
    name: string;
    title: string;
    /** Bytes to download, when known. */
    total_bytes: number | null;
    homepage: string;
    citation: string;
    licence: string;
    /** The downloads, each pinned to a commit or release. */
    files: { path: string; url: string; bytes: number | null; sha256: string | null }[];
    notes: string[];
    /** local: $GREENAI_DATA_DIR/NAME exists; cached: a prepared copy is in the cache; absent: neither. */
    status: "local" | "cached" | "absent";
    location: string | null;
  }[];
}

/** `%data fetch`: the downloads (downloaded, resumed or present) and the prepared files. */
export type DataFetchResult = DatasetCopy;
