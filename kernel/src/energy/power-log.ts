/**
 * The GPU power-log reader: `nvidia-smi --query-gpu=timestamp,index,power.draw,… --format=csv`
 * (with or without units; the meter's and the Slurm jobs' logs are of this kind), the MIT
 * Supercloud GPU time series (`timestamp,gpu_index,…,power_draw_W,…`), and any
 * `timestamp,power[,gpu]` series. Large files are streamed in chunks.
 * Bad cells give a DataFormatError naming file, line and column (or, with `skipBadRows`, a note
 * and the row is skipped); `[N/A]` samples are skipped and counted. Timestamps follow the one rule of ./time (zone-less date-times are local time).
 */
import { createReadStream, promises as fsp } from "fs";
import { DataFormatError, throwIfAborted } from "../errors";
import { csvCellsFromLine } from "../io/csv";
import { isNotAvailable } from "./nvidia-smi";
import { spreadWholeSeconds, type DeviceSeries } from "./series";
import { timestampMs } from "./time";

export type PowerLogFormat = "nvidia-smi" | "supercloud-gpu" | "timestamp-power";

/**
 * A power log split by GPU: one power series per GPU (device label: the GPU column's value, "0"
 * without one), in ms since the Unix epoch (or since 0 for relative seconds).
 */
export interface PowerLog {
  file: string;
  format: PowerLogFormat;
  series: DeviceSeries[];
  /** Samples kept and samples skipped ([N/A], blank power). */
  samples: number;
  skipped: number;
  notes: string[];
}

interface Columns {
  format: PowerLogFormat;
  time: number;
  power: number;
  gpu: number;
  width: number;
  powerName: string;
  /** Watts per unit of the power column (1 for W, 1e-3 for mW, 1e3 for kW). */
  scale: number;
}

const TIME_NAMES = ["timestamp", "time", "t", "time_s", "t_s", "epoch_s", "unix_time"];
const POWER_NAMES = ["power", "power_w", "power_draw_w", "power.draw", "power.draw [w]", "watts", "power_watts", "power [w]"];
const GPU_NAMES = ["gpu", "gpu_index", "index", "device", "gpu_id"];

function detectColumns(cells: string[], file: string, line: number): Columns {
  const c = detectColumnsLoose(cells, file, line);
  if (c.time < 0) {
    throw new DataFormatError(`${file}:${line}: no timestamp column in this ${c.format} log; energy needs times (found ${cells.map((x) => x.trim()).join(",")})`);
  }
  return c;
}

function detectColumnsLoose(cells: string[], file: string, line: number): Columns {
  const names = cells.map((c) => c.trim());
  const lower = names.map((n) => n.toLowerCase());
  const found = names.join(",");
  const find = (cands: string[]) => lower.findIndex((n) => cands.includes(n));
  const time = find(TIME_NAMES);
  if (names.includes("gpu_index") && names.includes("power_draw_W")) {
    return { format: "supercloud-gpu", time: names.indexOf("timestamp"), power: names.indexOf("power_draw_W"), gpu: names.indexOf("gpu_index"), width: names.length, powerName: "power_draw_W", scale: 1 };
  }
  const smiPower = lower.findIndex((n) => n.startsWith("power.draw"));
  if (smiPower >= 0) {
    let gpu = lower.indexOf("index");
    if (gpu < 0) gpu = lower.findIndex((n) => n === "pci.bus_id" || n === "uuid");
    return { format: "nvidia-smi", time, power: smiPower, gpu, width: names.length, powerName: names[smiPower], scale: 1 };
  }
  let power = find(POWER_NAMES);
  let scale = 1;
  if (power < 0) {
    power = lower.findIndex((n) => n === "power_mw" || n === "power [mw]");
    scale = 1e-3;
  }
  if (power < 0) {
    power = lower.findIndex((n) => n === "power_kw" || n === "power [kw]");
    scale = 1e3;
  }
  if (power < 0 || time < 0) {
    const what = power < 0 ? "power column" : "timestamp column";
    throw new DataFormatError(
      `${file}:${line}: no ${what}; expected an nvidia-smi CSV (timestamp, index, power.draw [W]), a Supercloud GPU series ` +
        `(timestamp,gpu_index,…,power_draw_W,…) or timestamp,power[,gpu] (power in W), found ${found}`,
    );
  }
  return { format: "timestamp-power", time, power, gpu: find(GPU_NAMES), width: names.length, powerName: names[power], scale };
}

const POWER_CELL = /^(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|-?\.\d+)\s*(mW|kW|W)?$/;
const UNIT_W: Record<string, number> = { mW: 1e-3, W: 1, kW: 1e3 };

/**
 * Watts of a power cell (`43.2`, `43.2 W`, `1.2 kW`; a bare number is in the column's unit,
 * `scale` W each); null when not available; undefined when malformed.
 */
function powerCellW(text: string, scale: number): number | null | undefined {
  const t = text.trim();
  if (t === "" || isNotAvailable(t)) return null;
  const m = POWER_CELL.exec(t);
  return m ? Number(m[1]) * (m[2] ? UNIT_W[m[2]] : scale) : undefined;
}

export interface PowerLogOptions {
  /**
   * Skip a bad row (wrong field count, bad power or time cell) with a note `file:line: why`
   * and keep the rest, instead of failing the whole log. Default false: a bad row is an error.
   */
  skipBadRows?: boolean;
}

/** Bad rows noted one by one when skipped; the rest are counted in one note. */
const MAX_BAD_ROW_NOTES = 20;

/** Accumulates rows of one power log; feed it lines, or chunks of text. */
export class PowerLogBuilder {
  private cols: Columns | null = null;
  private readonly byGpu = new Map<string, { t: number[]; p: number[] }>();
  private skipped = 0;
  private samples = 0;
  private lastLine = 0;
  private lineNo = 0;
  private pending = "";
  private badRows = 0;
  private readonly notes: string[] = [];
  private readonly skipBadRows: boolean;

  constructor(
    readonly file: string,
    opts: PowerLogOptions = {},
  ) {
    this.skipBadRows = opts.skipBadRows ?? false;
  }

  /** Feeds a chunk of text; complete lines are read, a trailing partial line waits for more. */
  push(chunk: string): void {
    const parts = (this.pending + chunk).split("\n");
    this.pending = parts.pop() ?? "";
    for (const p of parts) this.line(p, ++this.lineNo);
  }

  /**
   * Ends the text. A last line without a newline is read when it is a whole row; a row cut
   * short (fewer fields than the header, or an open quote: a logger killed mid-write) is
   * dropped with a note instead of failing the log. A whole but bad last row is an error.
   */
  end(): PowerLog {
    const rest = this.pending;
    this.pending = "";
    if (rest.trim() !== "") {
      const n = ++this.lineNo;
      const cut = this.cols ? this.cutShort(rest) : null;
      if (cut) this.notes.push(`${this.file}:${n}: cut last line dropped (${cut})`);
      else this.line(rest, n);
    }
    return this.finish();
  }

  /** Why a last line is a row cut short, or null when it is whole. */
  private cutShort(text: string): string | null {
    let cells: string[];
    try {
      cells = csvCellsFromLine(text.replace(/\r$/, ""), this.file, this.lineNo);
    } catch {
      return "unclosed double quote";
    }
    const width = this.cols!.width;
    return cells.length < width ? `row has ${cells.length} fields but the header has ${width}` : null;
  }

  /** Feeds one line (1-based number); blank lines are ignored. */
  line(text: string, line: number): void {
    const raw = line === 1 ? text.replace(/^\uFEFF/, "") : text;
    if (raw.trim() === "") return;
    if (!this.cols) {
      this.cols = detectColumns(csvCellsFromLine(raw.replace(/\r$/, ""), this.file, line), this.file, line);
      this.lastLine = line;
      return;
    }
    if (!this.skipBadRows) return this.row(raw, line);
    try {
      this.row(raw, line);
    } catch (e) {
      if (!(e instanceof DataFormatError)) throw e;
      if (++this.badRows <= MAX_BAD_ROW_NOTES) this.notes.push(e.message);
    }
  }

  /** Reads one data row; a bad row throws a DataFormatError naming file, line (and column). */
  private row(raw: string, line: number): void {
    const c = this.cols!;
    const cells = csvCellsFromLine(raw.replace(/\r$/, ""), this.file, line);
    if (cells.length !== c.width) {
      throw new DataFormatError(`${this.file}:${line}: row has ${cells.length} fields but the header has ${c.width}; check for a missing or extra comma`);
    }
    const p = powerCellW(cells[c.power], c.scale);
    if (p === undefined) {
      throw new DataFormatError(`${this.file}:${line}:${c.power + 1}: column "${c.powerName}" expects watts (e.g. 43.2 or "43.2 W") but got ${JSON.stringify(cells[c.power].trim().slice(0, 40))}`);
    }
    this.lastLine = line;
    if (p === null) {
      this.skipped++;
      return;
    }
    const tText = cells[c.time];
    const t = timestampMs(tText);
    if (!Number.isFinite(t)) {
      throw new DataFormatError(
        `${this.file}:${line}:${c.time + 1}: column "timestamp" expects a time (YYYY/MM/DD HH:MM:SS.mmm, ISO 8601 or seconds) but got ${JSON.stringify(tText.trim().slice(0, 40))}`,
      );
    }
    const gpu = c.gpu >= 0 ? cells[c.gpu].trim() : "0";
    let s = this.byGpu.get(gpu);
    if (!s) this.byGpu.set(gpu, (s = { t: [], p: [] }));
    s.t.push(t);
    s.p.push(p);
    this.samples++;
  }

  /** Sorts each GPU's samples by time (stable), spreads whole-second stamps, and returns the log. */
  finish(): PowerLog {
    if (!this.cols) throw new DataFormatError(`${this.file}: empty file; expected a header line such as "timestamp, index, power.draw [W]"`);
    if (this.samples === 0) {
      throw new DataFormatError(`${this.file}:${this.lastLine}: no usable power samples (${this.skipped} skipped as N/A or blank)`);
    }
    const notes = [...this.notes];
    const series: DeviceSeries[] = [];
    let spread = false;
    for (const [gpu, s] of [...this.byGpu].sort((a, b) => a[0].localeCompare(b[0], undefined, { numeric: true }))) {
      const order = s.t.map((_, i) => i);
      order.sort((a, b) => s.t[a] - s.t[b] || a - b);
      // Whole-second stamps (Supercloud): row order is sub-second order, so spread each second's rows over it.
      const sp = spreadWholeSeconds(order.map((i) => s.t[i]));
      spread ||= sp.spread;
      series.push({ device: gpu, kind: "power", t_ms: sp.t_ms, values: order.map((i) => s.p[i]) });
    }
    if (spread) notes.push(`${this.file}: whole-second timestamps with several samples per second; spread evenly within each second`);
    if (this.skipped) notes.push(`${this.file}: ${this.skipped} samples without a power value skipped`);
    if (this.badRows > MAX_BAD_ROW_NOTES) notes.push(`${this.file}: ${this.badRows - MAX_BAD_ROW_NOTES} more bad rows skipped`);
    return { file: this.file, format: this.cols.format, series, samples: this.samples, skipped: this.skipped, notes };
  }
}

/** Parses a power log held in memory. */
export function powerLogFromText(text: string, file: string, opts: PowerLogOptions = {}): PowerLog {
  const b = new PowerLogBuilder(file, opts);
  b.push(text);
  return b.end();
}

/** Streams a power log from disk. */
export async function powerLogFromFile(file: string, signal?: AbortSignal): Promise<PowerLog> {
  try {
    const st = await fsp.stat(file);
    if (st.isDirectory()) throw new DataFormatError(`${file}: is a folder, expected a power log file`);
  } catch (e) {
    if (e instanceof DataFormatError) throw e;
    throw new DataFormatError(`${file}: no such file`);
  }
  const b = new PowerLogBuilder(file);
  const stream = createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) {
      throwIfAborted(signal);
      b.push(chunk as string);
    }
  } finally {
    stream.destroy();
  }
  return b.end();
}
