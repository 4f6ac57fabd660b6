/**
 * Streaming parser for `nvidia-smi --query-gpu=… --format=csv[,noheader][,nounits] -lms N`
 * output, and the writer of the Supercloud GPU time-series format (10 columns). Pure:
 * the meter (meters.ts) feeds it chunks of text as they arrive. It keeps every queried field
 * (the meter writes them all); recorded logs are read by power-log.ts. Both read timestamps
 * with ./time's one rule and `[N/A]`-like cells with isNotAvailable, so a log gives the same
 * instants and watts either way (test/energy/one-reader.test.ts).
 */
import { DataFormatError } from "../errors";
import type { DeviceSeries } from "./series";
import { dateTimeMs } from "./time";

/** The query fields, in the order of the Supercloud GPU time-series columns. */
export const NVIDIA_SMI_FIELDS = [
  "timestamp",
  "index",
  "utilization.gpu",
  "utilization.memory",
  "memory.free",
  "memory.used",
  "temperature.gpu",
  "temperature.memory",
  "power.draw",
  "pcie.link.width.current",
] as const;

/** Supercloud GPU time-series column names, aligned with NVIDIA_SMI_FIELDS. */
export const SUPERCLOUD_GPU_COLUMNS = [
  "timestamp",
  "gpu_index",
  "utilization_gpu_pct",
  "utilization_memory_pct",
  "memory_free_MiB",
  "memory_used_MiB",
  "temperature_gpu",
  "temperature_memory",
  "power_draw_W",
  "pcie_link_width_current",
] as const;

/** One parsed row: the time, the GPU index and every other queried field (null for `[N/A]`). */
export interface GpuSample {
  t_ms: number;
  gpu_index: number;
  /** Field name as queried (e.g. "power.draw") → value without unit; null when not available. */
  values: Record<string, number | null>;
}

export interface ParseIssue {
  /** 1-based line number in the stream. */
  line: number;
  /** 1-based column (field position) where known. */
  column?: number;
  message: string;
}

export interface NvidiaSmiParserOptions {
  /**
   * Query fields in order, used when the stream has no header (`noheader`) and to check
   * the header when it has one. Default: NVIDIA_SMI_FIELDS.
   */
  fields?: readonly string[];
  /** Throw DataFormatError on a malformed complete line instead of recording an issue. */
  strict?: boolean;
  /** Name shown in messages (file name). */
  source?: string;
}

const NOT_AVAILABLE = /^\[?(N\/A|Not Supported|Unknown Error|GPU is lost|Insufficient Permissions|Requested functionality has been deprecated)\]?$/i;

/** True for nvidia-smi's "no value" cells: `[N/A]`, `[Not Supported]`, `[GPU is lost]`, … (trimmed). */
export function isNotAvailable(cell: string): boolean {
  return NOT_AVAILABLE.test(cell);
}

/** Header cell → field name: strips spaces and a unit suffix like " [W]". */
function headerField(cell: string): string {
  return cell.trim().replace(/\s*\[[^\]]*\]$/, "");
}

/** Parses a value cell like ` 231.40 W`, `87 %`, `[N/A]`; undefined when malformed. */
export function parseNvidiaSmiValue(cell: string): number | null | undefined {
  const t = cell.trim();
  if (t === "" || NOT_AVAILABLE.test(t)) return null;
  const m = /^(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?:\s*(?:W|%|MiB|MHz|C|GB\/s|x))?$/.exec(t);
  if (!m) return undefined;
  return Number(m[1]);
}

/**
 * Incremental parser: push text chunks as they arrive and get the complete rows back.
 * A trailing line without newline is held until more text comes; at end() it is dropped
 * and reported as truncated (a cut-off number would parse as a wrong value).
 */
export class NvidiaSmiStreamParser {
  private readonly opts: NvidiaSmiParserOptions;
  private fields: string[];
  private pending = "";
  private lineNo = 0;
  private sawHeader = false;
  readonly issues: ParseIssue[] = [];
  /** Rows parsed so far. */
  rows = 0;

  constructor(opts: NvidiaSmiParserOptions = {}) {
    this.opts = opts;
    this.fields = [...(opts.fields ?? NVIDIA_SMI_FIELDS)];
    if (!this.fields.includes("timestamp") || !this.fields.includes("index")) {
      throw new RangeError(`query fields must include "timestamp" and "index" but got ${this.fields.join(",")}`);
    }
  }

  /** Field names in column order (from the header once seen). */
  get columns(): readonly string[] {
    return this.fields;
  }

  push(chunk: string): GpuSample[] {
    const text = this.pending + chunk;
    const lines = text.split("\n");
    this.pending = lines.pop() ?? "";
    const out: GpuSample[] = [];
    for (const line of lines) {
      const s = this.parseLine(line.replace(/\r$/, ""));
      if (s) out.push(s);
    }
    return out;
  }

  /** Ends the stream; an unterminated last line is reported and dropped. */
  end(): GpuSample[] {
    if (this.pending.trim() !== "") {
      this.lineNo++;
      this.issues.push({ line: this.lineNo, message: `truncated last line dropped (no newline): ${JSON.stringify(this.pending.slice(0, 80))}` });
    }
    this.pending = "";
    return [];
  }

  private fail(message: string, column?: number): null {
    const issue: ParseIssue = { line: this.lineNo, column, message };
    if (this.opts.strict) {
      const where = `${this.opts.source ?? "nvidia-smi output"}:${issue.line}${column ? `:${column}` : ""}`;
      throw new DataFormatError(`${where}: ${message}`);
    }
    this.issues.push(issue);
    return null;
  }

  private parseLine(line: string): GpuSample | null {
    this.lineNo++;
    if (line.trim() === "") return null;
    const cells = line.split(",");
    if (!this.sawHeader && this.rows === 0 && cells[0].trim() === "timestamp") {
      this.fields = cells.map(headerField);
      this.sawHeader = true;
      if (!this.fields.includes("index")) return this.fail(`header lacks the "index" field; query it: --query-gpu=timestamp,index,…`);
      return null;
    }
    if (cells[0].trim() === "timestamp") return null; // a repeated header (nvidia-smi restarted)
    if (cells.length !== this.fields.length) {
      return this.fail(`expected ${this.fields.length} comma-separated fields (${this.fields.join(", ")}) but found ${cells.length}`);
    }
    let t: number | null = null;
    let gpu: number | null = null;
    const values: Record<string, number | null> = {};
    for (let i = 0; i < cells.length; i++) {
      const f = this.fields[i];
      if (f === "timestamp") {
        t = dateTimeMs(cells[i]);
        if (t === null) return this.fail(`timestamp ${JSON.stringify(cells[i].trim())} is not YYYY/MM/DD HH:MM:SS.mmm`, i + 1);
        continue;
      }
      const v = parseNvidiaSmiValue(cells[i]);
      if (v === undefined) return this.fail(`field "${f}" has ${JSON.stringify(cells[i].trim())}; expected a number, optionally with its unit, or [N/A]`, i + 1);
      if (f === "index") {
        if (v === null || !Number.isInteger(v) || v < 0) return this.fail(`GPU index ${JSON.stringify(cells[i].trim())} is not a non-negative integer`, i + 1);
        gpu = v;
        continue;
      }
      values[f] = v;
    }
    this.rows++;
    return { t_ms: t as number, gpu_index: gpu as number, values };
  }
}

/** Parses a whole recorded nvidia-smi CSV text (strict unless told otherwise). */
export function gpuSamplesFromNvidiaSmiCsv(text: string, opts: NvidiaSmiParserOptions = {}): { samples: GpuSample[]; issues: ParseIssue[] } {
  const p = new NvidiaSmiStreamParser({ strict: true, ...opts });
  const samples = p.push(text);
  p.end();
  return { samples, issues: p.issues };
}

/** Formats a number as the Supercloud files do: at most 2 decimals, trailing zeros dropped. */
function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "";
  return String(Number(v.toFixed(2)));
}

/** The Supercloud GPU time-series header line (no newline). */
export function supercloudGpuHeader(): string {
  return SUPERCLOUD_GPU_COLUMNS.join(",");
}

/**
 * One Supercloud GPU time-series row (no newline): epoch seconds with milliseconds,
 * gpu_index, then the eight metrics; unavailable values are empty cells.
 */
export function supercloudGpuRow(s: GpuSample): string {
  const cells = [(s.t_ms / 1000).toFixed(3), String(s.gpu_index)];
  for (const f of NVIDIA_SMI_FIELDS.slice(2)) cells.push(fmt(s.values[f]));
  return cells.join(",");
}

/** Power series per GPU from samples (device label `gpu<index>` plus `@<node>` when given). */
export function powerSeriesFromGpuSamples(samples: readonly GpuSample[], node?: string): DeviceSeries[] {
  const by = new Map<number, DeviceSeries>();
  for (const s of samples) {
    let d = by.get(s.gpu_index);
    if (!d) {
      d = { device: `gpu${s.gpu_index}${node ? `@${node}` : ""}`, kind: "power", t_ms: [], values: [] };
      by.set(s.gpu_index, d);
    }
    d.t_ms.push(s.t_ms);
    d.values.push(s.values["power.draw"] ?? null);
  }
  return [...by.keys()].sort((a, b) => a - b).map((k) => by.get(k) as DeviceSeries);
}
