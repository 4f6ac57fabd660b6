/**
 * The kernel's live energy meter (main-thread side). A worker thread (live-meter-worker.ts)
 * samples power in the background; this class reads its samples from shared memory
 * (live-ring.ts), keeps the last ~10 minutes per device plus cumulative joules, and gives each
 * cell its energy (live-attribution.ts). Reading is synchronous, so a cell that blocked the event
 * loop still gets the samples taken while it ran.
 *
 * Configuration (environment of the kernel):
 * - GREENAI_ENERGY_METER: off | auto (default) | nvidia-smi | rapl | estimate. `off`: no thread,
 *   no reply metadata, no comm.
 * - GREENAI_ENERGY_METER_INTERVAL_MS: sampling period, default 500 ms (see DEFAULT_LIVE_INTERVAL_MS).
 * - GREENAI_NVIDIA_SMI: the nvidia-smi executable to run (e.g. a stand-in in tests).
 * - GREENAI_RAPL_ROOT: the powercap sysfs folder (default /sys/class/powercap).
 * - GREENAI_CELL_ENERGY_OUTPUT: 1 | 0 (default 0): each metered cell also gets its energy as an
 *   output (a table in nbconvert and on GitHub); `%energy meter --cell-output on|off` changes it.
 */
import type { CellEnergyPayload, LiveSnapshot, LiveSource } from "greenai-common";
import { carbonGFromJoules, intensityLabel } from "./carbon";
import { sessionIntensity } from "./carbon-table";
import * as fs from "fs";
import * as path from "path";
import { Worker } from "worker_threads";
import type { MeterChoice } from "./meters";
import { cellEnergyJ } from "./live-attribution";
import { createLiveBuffer, LiveRingReader, type LiveState, type RingSample } from "./live-ring";
import { windowEnergies, type DeviceSeries } from "./series";
import type { LiveWorkerData } from "./live-meter-worker";
import { booleanWord } from "../io/words";

/**
 * Default sampling period, ms. Its CPU cost, measured on the shared 2-core development machine
 * (no GPU, no RAPL: the estimate meter) as utime+stime from /proc/PID/stat of an idle kernel and
 * its children over 60 s, meter on against GREENAI_ENERGY_METER=off: 0.12 vs 0.04 CPU s, i.e.
 * 0.13% of one core for the meter (2026-12-03; no comm open; nvidia-smi's own cost not measured
 * here). Command: GREENAI_METER_COST_TEST=1 npx jest test/energy/live-meter-cost.test.ts --maxWorkers=1
 */
export const DEFAULT_LIVE_INTERVAL_MS = 500;
/** How much history the kernel keeps per device. */
export const LIVE_WINDOW_MS = 10 * 60_000;

export interface LiveMeterConfig {
  meter: MeterChoice;
  intervalMs: number;
  nvidiaSmi?: string[];
  raplRoot?: string;
}

const CHOICES = ["auto", "nvidia-smi", "rapl", "estimate"] as const;

/**
 * The meter configuration from the environment; null when GREENAI_ENERGY_METER=off.
 * Throws RangeError naming the variable on a bad value.
 */
export function liveMeterConfigFromEnv(env: NodeJS.ProcessEnv = process.env): LiveMeterConfig | null {
  const raw = (env.GREENAI_ENERGY_METER ?? "auto").trim().toLowerCase();
  if (raw === "off" || raw === "0" || raw === "false") return null;
  const choice = raw === "" || raw === "on" || raw === "1" ? "auto" : raw;
  if (!(CHOICES as readonly string[]).includes(choice)) {
    throw new RangeError(`GREENAI_ENERGY_METER=${env.GREENAI_ENERGY_METER}: expected off, auto, nvidia-smi, rapl or estimate`);
  }
  const ms = env.GREENAI_ENERGY_METER_INTERVAL_MS;
  const intervalMs = ms === undefined || ms.trim() === "" ? DEFAULT_LIVE_INTERVAL_MS : Number(ms);
  if (!(Number.isInteger(intervalMs) && intervalMs >= 50 && intervalMs <= 60_000)) {
    throw new RangeError(`GREENAI_ENERGY_METER_INTERVAL_MS=${ms}: expected whole milliseconds from 50 to 60000 (default ${DEFAULT_LIVE_INTERVAL_MS})`);
  }
  return {
    meter: choice as MeterChoice,
    intervalMs,
    ...(env.GREENAI_NVIDIA_SMI ? { nvidiaSmi: [env.GREENAI_NVIDIA_SMI] } : {}),
    ...(env.GREENAI_RAPL_ROOT ? { raplRoot: env.GREENAI_RAPL_ROOT } : {}),
  };
}

/**
 * GREENAI_CELL_ENERGY_OUTPUT: whether each metered cell gets an energy output (default off).
 * A value other than 1/0, on/off, true/false, yes/no leaves it off and says why (the meter still runs).
 */
export function cellOutputFromEnv(env: NodeJS.ProcessEnv = process.env): { on: boolean; problem?: string } {
  const raw = env.GREENAI_CELL_ENERGY_OUTPUT ?? "";
  const on = raw.trim() === "" ? false : booleanWord(raw.trim());
  if (on !== undefined) return { on };
  return { on: false, problem: `GREENAI_CELL_ENERGY_OUTPUT=${raw} is not 1 or 0 (on/off): cells get no energy output; set it to 1, or run %energy meter --cell-output on` };
}

// The wire types (execute_reply metadata and comm messages) live in greenai-common with the extension's readers.
export type { CellEnergyPayload, LiveSnapshot, LiveSource } from "greenai-common";

/** One executed cell of this session. */
export interface LiveCellRecord {
  key: string;
  cell_id?: string;
  execution_count?: number;
  start_ms: number;
  end_ms: number;
  joules: number;
  /** False while the cell's last instant is after the last sample (its tail holds the last reading). */
  final: boolean;
}

interface DeviceTrack {
  series: DeviceSeries;
  /** Cumulative energy since the meter's first sample of the device, J. */
  total_j: number;
}

/** CO2e of `joules` at the session's intensity; nothing when the shipped table cannot be read. */
function carbonOf(joules: number): { carbon_g: number; carbon_basis: string } | Record<string, never> {
  try {
    const i = sessionIntensity();
    return { carbon_g: carbonGFromJoules(joules, i.g_per_kwh), carbon_basis: `${Math.round(i.g_per_kwh)} g/kWh, ${intensityLabel(i)}` };
  } catch {
    return {};
  }
}

/** Most cells kept for `%energy meter`. */
const MAX_CELLS = 1000;

export class LiveMeter {
  readonly config: LiveMeterConfig;
  /** ms since the epoch when the meter was created (the kernel's start). */
  readonly sinceMs: number;
  private readonly sab: SharedArrayBuffer;
  private readonly reader: LiveRingReader;
  private worker?: Worker;
  private readonly tracks: DeviceTrack[] = [];
  private readonly cellList: LiveCellRecord[] = [];
  private cellsJ = 0;
  /** Energy of cells dropped from the list, J (kept so idle stays right). */
  private droppedCellsJ = 0;
  /** Last lines the worker wrote to stderr (diagnostics). */
  workerOutput = "";
  workerExit?: string;
  /** Whether each metered cell also gets its energy as an output (the kernel reads it after every cell). */
  cellOutput = false;
  /** Why GREENAI_CELL_ENERGY_OUTPUT was not understood (shown by `%energy meter`). */
  cellOutputProblem?: string;
  private seq = 0;

  constructor(config: LiveMeterConfig, opts: { nowMs?: number; sab?: SharedArrayBuffer } = {}) {
    this.config = config;
    this.sinceMs = opts.nowMs ?? Date.now();
    this.sab = opts.sab ?? createLiveBuffer();
    this.reader = new LiveRingReader(this.sab);
  }

  /** Starts the sampling thread (returns at once; samples arrive in the background). */
  start(workerFile: string = liveWorkerFile()): void {
    const data: LiveWorkerData = { sab: this.sab, meter: this.config.meter, intervalMs: this.config.intervalMs, nvidiaSmi: this.config.nvidiaSmi, raplRoot: this.config.raplRoot };
    const w = new Worker(workerFile, { workerData: data, stdout: true, stderr: true, resourceLimits: { maxOldGenerationSizeMb: 64 } });
    const keep = (d: Buffer) => (this.workerOutput = (this.workerOutput + d.toString()).slice(-2000));
    w.stdout.on("data", keep);
    w.stderr.on("data", keep);
    w.on("error", (e) => (this.workerExit = `the meter thread failed: ${e.message}`));
    w.on("exit", (code) => (this.workerExit ??= `the meter thread exited (code ${code})`));
    w.unref();
    this.worker = w;
  }

  /** Stops sampling (ends nvidia-smi); resolves once the thread is gone, or after `ms`. */
  async stop(ms = 3000): Promise<void> {
    const w = this.worker;
    if (!w) return;
    this.worker = undefined;
    const gone = new Promise<void>((resolve) => w.once("exit", () => resolve()));
    w.postMessage("stop");
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([gone, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
    if (this.workerExit === undefined) await w.terminate();
  }

  /** The meter thread's state (source, devices, errors). */
  state(): LiveState {
    return this.reader.getState();
  }

  /** Samples overwritten in the ring before the kernel read them. */
  get lostSamples(): number {
    return this.reader.lost;
  }

  /** Reads the samples taken since the last call (synchronous; cheap when there are none). */
  sync(): void {
    const samples = this.reader.take();
    if (samples.length) {
      const names = this.reader.getState().devices;
      for (const s of samples) this.add(s, names[s.device]?.name ?? `device${s.device}`);
      for (const tr of this.tracks) prune(tr.series, LIVE_WINDOW_MS);
    }
    this.finalizeCells();
  }

  /** Feeds one sample (the ring's reader calls it; tests may too). */
  add(s: RingSample, name: string): void {
    if (s.value === null || !Number.isFinite(s.value)) return;
    let tr = this.tracks[s.device];
    if (!tr) {
      tr = { series: { device: name, kind: s.counter ? "energy-counter" : "power", t_ms: [], values: [], estimated: s.estimated }, total_j: 0 };
      this.tracks[s.device] = tr;
    }
    const sr = tr.series;
    sr.device = name;
    const n = sr.t_ms.length;
    if (n && !(s.t_ms > sr.t_ms[n - 1])) return; // same or earlier instant: keep the first
    if (n) {
      const prev = sr.values[n - 1] as number;
      tr.total_j += sr.kind === "power" ? (0.5 * (prev + s.value) * (s.t_ms - sr.t_ms[n - 1])) / 1000 : Math.max(0, s.value - prev);
    }
    sr.t_ms.push(s.t_ms);
    sr.values.push(s.value);
  }

  /** The device series of the window kept (views, not copies: do not change them). */
  series(): DeviceSeries[] {
    return this.tracks.filter(Boolean).map((t) => t.series);
  }

  private source(): { source: LiveSource; estimate: boolean } {
    const st = this.reader.getState();
    const estimate = st.measured === undefined ? this.series().some((s) => s.estimated) : !st.measured;
    return { source: st.kind ?? (estimate ? "estimate" : "nvidia-smi"), estimate };
  }

  /** True once some device has a sample. */
  get hasSamples(): boolean {
    return this.tracks.some((t) => t && t.series.t_ms.length > 0);
  }

  /**
   * Records a cell that ran from startMs to endMs and returns its energy payload (after reading
   * the newest samples). Undefined when the meter has no sample yet.
   */
  endCell(startMs: number, endMs: number, info: { cellId?: string; executionCount?: number } = {}): CellEnergyPayload | undefined {
    this.sync();
    if (!this.hasSamples) return undefined;
    const key = `#${++this.seq}`;
    const e = this.cellEnergy(startMs, endMs);
    const final = endMs <= this.lastSampleMs();
    this.cellList.push({ key, cell_id: info.cellId, execution_count: info.executionCount, start_ms: startMs, end_ms: endMs, joules: e.joules, final });
    this.cellsJ += e.joules;
    if (this.cellList.length > MAX_CELLS) this.droppedCellsJ += this.cellList.shift()!.joules;
    const { source, estimate } = this.source();
    return {
      joules: e.joules,
      seconds: e.seconds,
      average_w: e.average_w,
      source,
      estimate,
      devices: this.series().map((s) => s.device),
      started: new Date(startMs).toISOString(),
      ...(info.cellId !== undefined ? { cell_id: info.cellId } : {}),
      ...carbonOf(e.joules),
    };
  }

  private cellEnergy(startMs: number, endMs: number): { joules: number; seconds: number; average_w: number } {
    const joules = cellEnergyJ(this.series().map((s) => sliceAround(s, startMs, endMs)), startMs, endMs, endMs, this.maxHoldMs());
    const seconds = (endMs - startMs) / 1000;
    return { joules, seconds, average_w: seconds > 0 ? joules / seconds : 0 };
  }

  /** How long after a device's last sample a cell may hold its reading: 3 periods, at least 2 s (longer: the meter stalled, the rest is missing). */
  private maxHoldMs(): number {
    return Math.max(3 * this.config.intervalMs, 2000);
  }

  /** Earliest of the devices' last sample times: every device has data up to here. */
  private lastSampleMs(): number {
    let t = Infinity;
    for (const tr of this.tracks) if (tr) t = Math.min(t, tr.series.t_ms.length ? tr.series.t_ms[tr.series.t_ms.length - 1] : -Infinity);
    return t === Infinity ? -Infinity : t;
  }

  /** Recomputes cells whose end is now sampled on every device (their tail no longer held). */
  private finalizeCells(): void {
    const upTo = this.lastSampleMs();
    for (let i = this.cellList.length - 1; i >= 0; i--) {
      const c = this.cellList[i];
      if (c.final) break;
      if (c.end_ms > upTo) continue;
      const e = this.cellEnergy(c.start_ms, c.end_ms);
      this.cellsJ += e.joules - c.joules;
      c.joules = e.joules;
      c.final = true;
    }
  }

  /** Cells of this session, oldest first (at most the last 1000). */
  cells(): readonly LiveCellRecord[] {
    return this.cellList;
  }

  /** Energy since the meter started, J, summed over devices. */
  totalJ(): number {
    return this.tracks.reduce((a, t) => a + (t ? t.total_j : 0), 0);
  }

  /** Energy while no cell ran: total − Σ cells, J. */
  idleJ(): number {
    return Math.max(0, this.totalJ() - this.cellsJ - this.droppedCellsJ);
  }

  /** Power now per device: the last reading (a counter: its rate over the last two readings), W. */
  powerNow(): { name: string; power_w: number }[] {
    return this.series().map((s) => {
      const n = s.t_ms.length;
      if (n === 0) return { name: s.device, power_w: 0 };
      if (s.kind === "power") return { name: s.device, power_w: s.values[n - 1] as number };
      if (n < 2) return { name: s.device, power_w: 0 };
      return { name: s.device, power_w: (1000 * ((s.values[n - 1] as number) - (s.values[n - 2] as number))) / (s.t_ms[n - 1] - s.t_ms[n - 2]) };
    });
  }

  /** The state for the status bar (after reading the newest samples). */
  snapshot(nowMs: number = Date.now()): LiveSnapshot {
    this.sync();
    const devices = this.powerNow();
    return {
      t: nowMs,
      power_w: devices.reduce((a, d) => a + d.power_w, 0),
      total_j: this.totalJ(),
      since: new Date(this.sinceMs).toISOString(),
      ...this.source(),
      devices,
      ...carbonOf(this.totalJ()),
    };
  }

  /**
   * Total power over the last `spanMs`, as [t_ms, W] points: the mean power of each of at most
   * `maxPoints` equal bins (from the one integrator), summed over devices; bins without samples are left out.
   */
  history(nowMs: number = Date.now(), spanMs = 5 * 60_000, maxPoints = 300): [number, number][] {
    this.sync();
    const all = this.series().filter((s) => s.t_ms.length >= 2);
    if (!all.length) return [];
    const first = Math.min(...all.map((s) => s.t_ms[0]));
    const from = Math.max(nowMs - spanMs, first);
    const bins = Math.max(1, Math.min(maxPoints, Math.ceil((nowMs - from) / Math.max(this.config.intervalMs, 1000))));
    const step = (nowMs - from) / bins;
    if (!(step > 0)) return [];
    const bounds = Array.from({ length: bins + 1 }, (_, i) => from + i * step);
    const watts = new Array<number>(bins).fill(0);
    const covered = new Array<boolean>(bins).fill(false);
    for (const s of all) {
      windowEnergies(s, bounds).forEach((w, i) => {
        if (w.covered_ms > 0) {
          watts[i] += (1000 * w.energy_j) / w.covered_ms;
          covered[i] = true;
        }
      });
    }
    const out: [number, number][] = [];
    for (let i = 0; i < bins; i++) if (covered[i]) out.push([Math.round(bounds[i + 1]), Math.round(watts[i] * 100) / 100]);
    return out;
  }
}

/** The samples of `s` from the last one at or before `fromMs` to the first at or after `toMs`. */
function sliceAround(s: DeviceSeries, fromMs: number, toMs: number): DeviceSeries {
  const t = s.t_ms;
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (t[mid] <= fromMs) lo = mid + 1;
    else hi = mid;
  }
  const a = Math.max(0, lo - 1);
  let b = a;
  while (b < t.length && t[b] < toMs) b++;
  return { ...s, t_ms: t.slice(a, b + 1), values: s.values.slice(a, b + 1) };
}

/** Drops samples older than `windowMs` before the newest (in chunks, so the cost per sample stays O(1)). */
function prune(s: DeviceSeries, windowMs: number): void {
  const n = s.t_ms.length;
  if (n < 64) return;
  const cutoff = s.t_ms[n - 1] - windowMs;
  let k = 0;
  while (k < n - 2 && s.t_ms[k + 1] < cutoff) k++;
  if (k >= 32) {
    s.t_ms.splice(0, k);
    s.values.splice(0, k);
  }
}

/** The worker's compiled file: beside this one in dist, or kernel/dist when running from sources (tests). */
export function liveWorkerFile(): string {
  const here = path.join(__dirname, "live-meter-worker.js");
  if (fs.existsSync(here)) return here;
  const dist = path.resolve(__dirname, "../../dist/energy/live-meter-worker.js");
  if (fs.existsSync(dist)) return dist;
  throw new Error(`the live meter's worker is not built (${here} or ${dist}); run npx tsc -p kernel/tsconfig.json`);
}

let kernelMeter: LiveMeter | undefined;

/** The kernel's meter, for `%energy meter`; undefined outside the kernel or with GREENAI_ENERGY_METER=off. */
export function kernelLiveMeter(): LiveMeter | undefined {
  return kernelMeter;
}

/** Set by the kernel when it starts its meter. */
export function setKernelLiveMeter(m: LiveMeter | undefined): void {
  kernelMeter = m;
}
