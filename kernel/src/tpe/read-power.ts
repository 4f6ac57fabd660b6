/**
 * Readers for GPU power logs: `nvidia-smi --query-gpu=timestamp,index,power.draw --format=csv`
 * (with or without units), the MIT Supercloud GPU time series (`timestamp,gpu_index,…,power_draw_W,…`),
 * and any `timestamp,power[,gpu]` series. Large files are streamed line by line.
 * Bad cells give a DataFormatError naming file, line and column; `[N/A]` samples are skipped and counted.
 */
import { createReadStream, promises as fsp } from "fs";
import * as readline from "readline";
import { DataFormatError, throwIfAborted } from "../errors";
import { csvCellsFromLine } from "./csv";
import type { PowerSeries } from "./energy";

export type PowerLogFormat = "nvidia-smi" | "supercloud-gpu" | "timestamp-power";

/** A power log split by GPU, times in seconds (Unix epoch for dated timestamps). */
export interface PowerLog {
  file: string;
  format: PowerLogFormat;
  series: PowerSeries[];
  /** Samples kept and samples skipped ([N/A], blank power). */
  samples: number;
  skipped: number;
  notes: string[];
}

const NA = /^\[?(n\/a|not supported|unknown error|gpu is lost)\]?$/i;

/** `YYYY/MM/DD HH:MM:SS(.fff)` (nvidia-smi) or ISO 8601, as UTC seconds; NaN when not a date. */
export function secondsFromTimestamp(text: string): number {
  const t = text.trim();
  const m = /^(\d{4})[/-](\d{2})[/-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(t);
  if (m) {
    const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
    let s = ms / 1000 + (m[7] ? Number(m[7]) : 0);
    if (m[8] && m[8] !== "Z") {
      const sign = m[8][0] === "-" ? -1 : 1;
      const digits = m[8].slice(1).replace(":", "");
      s -= sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2)) * 60);
    }
    return s;
  }
  if (/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(t)) return Number(t);
  return NaN;
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

/** Accumulates rows of one power log. */
export class PowerLogBuilder {
  private cols: Columns | null = null;
  private readonly byGpu = new Map<string, { t: number[]; p: number[] }>();
  private skipped = 0;
  private samples = 0;
  private lastLine = 0;
  private integerTimes = true;

  constructor(readonly file: string) {}

  /** Feeds one line (1-based number); blank lines are ignored. */
  line(text: string, line: number): void {
    const raw = line === 1 ? text.replace(/^\uFEFF/, "") : text;
    if (raw.trim() === "") return;
    this.lastLine = line;
    const cells = csvCellsFromLine(raw.replace(/\r$/, ""));
    if (!this.cols) {
      this.cols = detectColumns(cells, this.file, line);
      return;
    }
    const c = this.cols;
    if (cells.length !== c.width) {
      throw new DataFormatError(`${this.file}:${line}: row has ${cells.length} fields but the header has ${c.width}; check for a missing or extra comma`);
    }
    const pText = cells[c.power].trim().replace(/\s*[kKmM]?W$/, "");
    if (pText === "" || NA.test(pText)) {
      this.skipped++;
      return;
    }
    const p = Number(pText);
    if (!Number.isFinite(p)) {
      throw new DataFormatError(`${this.file}:${line}:${c.power + 1}: column "${c.powerName}" expects watts (e.g. 43.2 or "43.2 W") but got ${JSON.stringify(cells[c.power].trim().slice(0, 40))}`);
    }
    const tText = cells[c.time];
    const t = secondsFromTimestamp(tText);
    if (!Number.isFinite(t)) {
      throw new DataFormatError(
        `${this.file}:${line}:${c.time + 1}: column "timestamp" expects a time (YYYY/MM/DD HH:MM:SS.mmm, ISO 8601 or seconds) but got ${JSON.stringify(tText.trim().slice(0, 40))}`,
      );
    }
    if (!Number.isInteger(t)) this.integerTimes = false;
    const gpu = c.gpu >= 0 ? cells[c.gpu].trim() : "0";
    let s = this.byGpu.get(gpu);
    if (!s) this.byGpu.set(gpu, (s = { t: [], p: [] }));
    s.t.push(t);
    s.p.push(p * c.scale);
    this.samples++;
  }

  /** Sorts each GPU's samples by time (stable) and returns the log. */
  finish(): PowerLog {
    if (!this.cols) throw new DataFormatError(`${this.file}: empty file; expected a header line such as "timestamp, index, power.draw [W]"`);
    if (this.samples === 0) {
      throw new DataFormatError(`${this.file}:${this.lastLine}: no usable power samples (${this.skipped} skipped as N/A or blank)`);
    }
    const notes: string[] = [];
    const series: PowerSeries[] = [];
    let spread = false;
    for (const [gpu, s] of [...this.byGpu].sort((a, b) => a[0].localeCompare(b[0], undefined, { numeric: true }))) {
      const order = s.t.map((_, i) => i);
      order.sort((a, b) => s.t[a] - s.t[b] || a - b);
      const tS = Float64Array.from(order, (i) => s.t[i]);
      const powerW = Float64Array.from(order, (i) => s.p[i]);
      // Whole-second timestamps with several rows per second (Supercloud): row order is
      // sub-second order, so spread the rows of each second evenly over it.
      if (this.integerTimes) {
        let i = 0;
        while (i < tS.length) {
          let j = i;
          while (j + 1 < tS.length && tS[j + 1] === tS[i]) j++;
          const m = j - i + 1;
          if (m > 1) {
            spread = true;
            for (let q = 0; q < m; q++) tS[i + q] += q / m;
          }
          i = j + 1;
        }
      }
      series.push({ gpu, tS, powerW });
    }
    if (spread) notes.push(`${this.file}: whole-second timestamps with several samples per second; spread evenly within each second`);
    if (this.skipped) notes.push(`${this.file}: ${this.skipped} samples without a power value skipped`);
    return { file: this.file, format: this.cols.format, series, samples: this.samples, skipped: this.skipped, notes };
  }
}

/** Parses a power log held in memory. */
export function powerLogFromText(text: string, file: string): PowerLog {
  const b = new PowerLogBuilder(file);
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) b.line(lines[i], i + 1);
  return b.finish();
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
  const stream = createReadStream(file, { encoding: "utf8" });
  const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of rl) {
      n++;
      b.line(line, n);
      if (n % 10000 === 0) throwIfAborted(signal);
    }
  } finally {
    rl.close();
    stream.destroy();
  }
  return b.finish();
}
