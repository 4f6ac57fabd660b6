/**
 * Jobs of a Supercloud release: the job list of the scheduler log (with series flags, labels and,
 * on request, GPU energy) and one job joined into a report with its time-series payload.
 */
import type { TimeseriesPayload } from "greenai-common";
import type { Table } from "apache-arrow";
import { throwIfAborted } from "../errors";
import type { JobEnergy } from "./energy";
import type { ReadMode } from "./reader";
import { numberColumn, tableRowsJson, textColumn, timeseriesPayload } from "./series";
import { energyOfGpuTable, type DatasetQuery, type JobView, type SupercloudDataset } from "./supercloud";

/** One job of the scheduler log, as `%dataset jobs` lists it. */
export interface JobSummary {
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
  /** GPU energy in J (with `energy`, for jobs with GPU series). */
  energy_j?: number | null;
}

export interface JobList {
  /** Jobs matching the query. */
  rows: number;
  /** The first `limit` of them. */
  jobs: JobSummary[];
  gpuSeriesJobs: number;
  labelledJobs: number;
}

export interface JobListOptions {
  limit: number;
  /** Also integrate each listed job's GPU power series. */
  energy?: boolean;
  signal?: AbortSignal;
  onProgress?: (message: string, fraction: number) => void;
}

/** Lists the jobs of the scheduler log matching `q`; with `energy`, the listed jobs' GPU energy too. */
export async function listJobs(ds: SupercloudDataset, q: DatasetQuery, opts: JobListOptions): Promise<JobList> {
  const { table: log } = await ds.table("slurm", q);
  const labels = await ds.labels(q.mode);
  const idx = (await ds.index({ signal: opts.signal })).index;
  const ids = textColumn(log, "id_job");
  const state = textColumn(log, "state_name");
  const part = textColumn(log, "partition");
  const jt = textColumn(log, "job_type");
  const nodes = numberColumn(log, "nodes_alloc");
  const gpus = numberColumn(log, "gpus_req");
  const start = numberColumn(log, "time_start");
  const end = numberColumn(log, "time_end");
  const all: JobSummary[] = ids.map((id, i) => {
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
  const shown = all.slice(0, opts.limit);
  if (opts.energy) {
    let k = 0;
    const withGpu = shown.filter((j) => j.gpu_series).length;
    for (const j of shown) {
      if (!j.gpu_series) {
        j.energy_j = null;
        continue;
      }
      throwIfAborted(opts.signal);
      opts.onProgress?.(`energy of job ${j.id_job}`, k++ / Math.max(1, withGpu));
      // Only this job's GPU files are read (through the index), not the log again.
      const { table: gpu } = await ds.table("gpu", { jobIds: [j.id_job], mode: q.mode, signal: opts.signal });
      j.energy_j = gpu.numRows ? energyOfGpuTable(j.id_job, gpu).energy_j : null;
    }
  }
  return { rows: all.length, jobs: shown, gpuSeriesJobs: all.filter((j) => j.gpu_series).length, labelledJobs: all.filter((j) => j.label !== null).length };
}

export interface JobReportOptions {
  mode?: ReadMode;
  signal?: AbortSignal;
  fromMs?: number;
  toMs?: number;
  /** Seconds: longer gaps between power samples are not integrated. */
  maxGapS: number;
  /** Points per plotted series at most (min/max decimation). */
  maxPoints: number;
}

/** One job joined: record, series overview, energy, headline facts and the time-series payload. */
export interface JobReport {
  id_job: string;
  /** The raw join (tables), e.g. to write the GPU series as Arrow. */
  view: JobView;
  /** The scheduler-log row; null if the job is not in the log. */
  record: Record<string, unknown> | null;
  cpu: { rows: number; nodes: string[]; steps: string[] } | null;
  gpu: { rows: number; devices: string[]; timestamps: "ms" | "whole-second" | "mixed" } | null;
  energy: JobEnergy | null;
  /** Headline facts (state, duration, GPUs, model, energy), also in the payload. */
  facts: Record<string, string | number>;
  payload: TimeseriesPayload;
}

function distinct(xs: readonly (string | null)[]): string[] {
  return [...new Set(xs.filter((x): x is string => x !== null))];
}

/** Joins one job and builds its report. */
export async function jobReport(ds: SupercloudDataset, id: string, opts: JobReportOptions): Promise<JobReport> {
  const job = await ds.job(id, { mode: opts.mode, signal: opts.signal, fromMs: opts.fromMs, toMs: opts.toMs, energy: { maxGapS: opts.maxGapS } });
  const record = job.record.numRows ? tableRowsJson(job.record, 1)[0] : null;
  const cpu = job.cpu ? { rows: job.cpu.numRows, nodes: distinct(textColumn(job.cpu, "Node")), steps: distinct(textColumn(job.cpu, "Step")) } : null;
  // one entry per (node, GPU) of the series: the energy's per-GPU list (present whenever job.gpu is)
  const devices = (job.energy?.per_gpu ?? []).map((g) => `gpu${g.gpu_index}@${g.node}`).sort();
  const stamps = new Set(job.energy?.per_gpu.map((g) => g.timestamps));
  const gpu = job.gpu ? { rows: job.gpu.numRows, devices, timestamps: (stamps.size === 1 ? [...stamps][0] : "mixed") as "ms" | "whole-second" | "mixed" } : null;
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
    gpu: job.gpu ? gpuColumns(job.gpu) : undefined,
    cpu: job.cpu ? cpuColumns(job.cpu) : undefined,
    facts,
    maxPoints: opts.maxPoints,
  });
  return { id_job: id, view: job, record, cpu, gpu, energy: job.energy, facts, payload };
}

function gpuColumns(gpu: Table) {
  return {
    tMs: numberColumn(gpu, "timestamp") as number[],
    gpuIndex: numberColumn(gpu, "gpu_index") as number[],
    node: textColumn(gpu, "node"),
    metrics: Object.fromEntries(["utilization_gpu_pct", "utilization_memory_pct", "power_draw_W", "memory_used_MiB", "temperature_gpu"].map((c) => [c, numberColumn(gpu, c)])),
  };
}

function cpuColumns(cpu: Table) {
  return {
    tMs: numberColumn(cpu, "EpochTime") as number[],
    step: textColumn(cpu, "Step"),
    node: textColumn(cpu, "Node"),
    series: numberColumn(cpu, "Series"),
    cpuUtilizationPct: numberColumn(cpu, "CPUUtilization"),
    rssKB: numberColumn(cpu, "RSS"),
  };
}
