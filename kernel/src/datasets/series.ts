/**
 * A job's CPU and GPU series as the `application/vnd.greenai.timeseries+json` payload, and
 * Arrow rows as JSON. Pure.
 */
import { DataType, Table, Type } from "apache-arrow";
import { decimateMinMax, type TimeSeries, type TimeseriesPayload } from "greenai-common";

/**
 * A time-sorted series in at most `maxPoints` points: as it is when it fits, else greenai-common's
 * min–max decimation over maxPoints/3 buckets (each keeps its minimum, maximum and, where samples
 * are missing, a gap marker), so peaks and gaps survive.
 */
function seriesWithin(tMs: number[], values: (number | null)[], maxPoints: number): { t_ms: number[]; values: (number | null)[] } {
  if (tMs.length <= maxPoints) return { t_ms: tMs, values };
  const d = decimateMinMax(tMs, values, 0, tMs.length, Math.floor(maxPoints / 3));
  return { t_ms: d.t, values: d.v };
}

/** Columns of a job's GPU table: timestamp (ms), gpu_index, metrics, node. */
export interface GpuColumns {
  tMs: ArrayLike<number>;
  gpuIndex: ArrayLike<number>;
  node: ArrayLike<string | null>;
  metrics: Record<string, ArrayLike<number | null>>;
}

/** Columns of a job's CPU table (batch step rows are drawn). */
export interface CpuColumns {
  tMs: ArrayLike<number>;
  step: ArrayLike<string | null>;
  node: ArrayLike<string | null>;
  series: ArrayLike<number | null>;
  cpuUtilizationPct: ArrayLike<number | null>;
  rssKB: ArrayLike<number | null>;
}

const GPU_SERIES: readonly { col: string; name: string; unit: string; group: TimeSeries["group"] }[] = [
  { col: "utilization_gpu_pct", name: "GPU utilisation", unit: "%", group: "utilization" },
  { col: "utilization_memory_pct", name: "GPU memory utilisation", unit: "%", group: "utilization" },
  { col: "power_draw_W", name: "GPU power", unit: "W", group: "power" },
  { col: "memory_used_MiB", name: "GPU memory used", unit: "MiB", group: "memory" },
  { col: "temperature_gpu", name: "GPU temperature", unit: "°C", group: "other" },
];

function num(v: number | null | undefined): number | null {
  return v === null || v === undefined || Number.isNaN(v) ? null : v;
}

/** Row indices grouped by device key, in key order; rows whose key is undefined are left out. */
function rowsByDevice(rowCount: number, deviceOf: (row: number) => string | undefined): [string, number[]][] {
  const groups = new Map<string, number[]>();
  for (let i = 0; i < rowCount; i++) {
    const device = deviceOf(i);
    if (device === undefined) continue;
    let rows = groups.get(device);
    if (!rows) groups.set(device, (rows = []));
    rows.push(i);
  }
  return [...groups.entries()].sort((a, b) => cmpText(a[0], b[0]));
}

/** Builds the time-series payload of one job. */
export function timeseriesPayload(opts: {
  title: string;
  jobId?: string;
  gpu?: GpuColumns;
  cpu?: CpuColumns;
  facts?: Record<string, string | number>;
  /** Points per series at most (min/max decimation); default 20,000. */
  maxPoints?: number;
}): TimeseriesPayload {
  const maxPoints = opts.maxPoints ?? 20000;
  if (!(Number.isInteger(maxPoints) && maxPoints >= 3)) throw new RangeError(`maxPoints must be an integer ≥ 3 but got ${maxPoints}`);
  const series: TimeSeries[] = [];
  const g = opts.gpu;
  if (g) {
    for (const [device, rows] of rowsByDevice(g.tMs.length, (i) => `gpu${g.gpuIndex[i]}@${g.node[i] ?? "?"}`)) {
      rows.sort((a, b) => g.tMs[a] - g.tMs[b] || a - b);
      for (const s of GPU_SERIES) {
        const col = g.metrics[s.col];
        if (!col) continue;
        const d = seriesWithin(
          rows.map((r) => g.tMs[r]),
          rows.map((r) => num(col[r])),
          maxPoints,
        );
        series.push({ name: s.name, unit: s.unit, group: s.group, device, t_ms: d.t_ms, values: d.values });
      }
    }
  }
  const c = opts.cpu;
  if (c) {
    // only the batch step is drawn
    const batchStep = (i: number) => (c.step[i] === "batch" ? `cpu${c.series[i] ?? 0}@${c.node[i] ?? "?"}` : undefined);
    for (const [device, rows] of rowsByDevice(c.tMs.length, batchStep)) {
      rows.sort((a, b) => c.tMs[a] - c.tMs[b]);
      const t = rows.map((r) => c.tMs[r]);
      const u = seriesWithin(t, rows.map((r) => num(c.cpuUtilizationPct[r])), maxPoints);
      series.push({ name: "CPU utilisation", unit: "% of one core", group: "utilization", device, t_ms: u.t_ms, values: u.values });
      const m = seriesWithin(
        t,
        rows.map((r) => {
          const v = num(c.rssKB[r]);
          return v === null ? null : v / 1024;
        }),
        maxPoints,
      );
      series.push({ name: "CPU resident memory", unit: "MiB", group: "memory", device, t_ms: m.t_ms, values: m.values });
    }
  }
  const p: TimeseriesPayload = { schema_version: 1, kind: "timeseries", title: opts.title, series };
  if (opts.jobId !== undefined) p.job_id = opts.jobId;
  if (opts.facts) p.facts = opts.facts;
  return p;
}

/** A JSON-safe cell: 64-bit integers as numbers when exact (|v| ≤ 2^53), else strings; timestamps as ISO text. */
export function jsonCell(v: unknown, type?: DataType): unknown {
  if (v === null || v === undefined) return null;
  if (type && DataType.isTimestamp(type) && typeof v === "number") return new Date(v).toISOString();
  if (typeof v === "bigint") return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  if (typeof v === "number") return Number.isFinite(v) ? v : String(v);
  if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, x]) => [String(k), jsonCell(x)]));
  if (typeof v === "object" && v !== null && "toArray" in v && typeof (v as { toArray: unknown }).toArray === "function") {
    if (type && type.typeId === Type.Map) return Object.fromEntries([...(v as unknown as Iterable<[unknown, unknown]>)].map(([k, x]) => [String(k), jsonCell(x)]));
    return Array.from(v as unknown as Iterable<unknown>, (x) => jsonCell(x));
  }
  if (typeof v === "object" && v !== null && "toJSON" in v) return jsonCell((v as { toJSON(): unknown }).toJSON());
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonCell(x)]));
  return v;
}

/** The first `limit` rows of a table as JSON objects (jsonCell per value). */
export function tableRowsJson(table: Table, limit = 10, offset = 0): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const fields = table.schema.fields;
  const cols = fields.map((f) => table.getChild(f.name));
  const end = Math.min(table.numRows, offset + limit);
  for (let i = offset; i < end; i++) {
    const row: Record<string, unknown> = {};
    fields.forEach((f, k) => {
      row[f.name] = jsonCell(cols[k]?.get(i), f.type);
    });
    out.push(row);
  }
  return out;
}

/** A column as a plain array: each value through `convert`; nulls, and every row of an absent column, as null. */
function columnValues<T>(table: Table, name: string, convert: (v: unknown) => T): (T | null)[] {
  const c = table.getChild(name);
  if (!c) return new Array(table.numRows).fill(null);
  const out: (T | null)[] = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    const v = c.get(i);
    out[i] = v === null || v === undefined ? null : convert(v);
  }
  return out;
}

/** A numeric column as a plain array (bigint → number, boolean → 0/1, nulls → null). */
export function numberColumn(table: Table, name: string): (number | null)[] {
  return columnValues(table, name, (v) => (typeof v === "bigint" ? Number(v) : typeof v === "boolean" ? (v ? 1 : 0) : (v as number)));
}

/** A text column as a plain array. */
export function textColumn(table: Table, name: string): (string | null)[] {
  return columnValues(table, name, String);
}

/** Code-point order (locale-independent, so output is the same everywhere). */
function cmpText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
