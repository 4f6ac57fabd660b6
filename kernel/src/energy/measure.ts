/**
 * Metering a command or a piece of work (edge module: runs processes, opens meters).
 * Used by `%energy measure` and by notebooks: `await measureEnergy(async () => { … })`.
 */
import { spawn } from "child_process";
import type { TimeSeries, TimeseriesPayload } from "greenai-common";
import { InterruptedError } from "../errors";
import { LineSplitter } from "../io/lines";
import { openMeter, type OpenMeterOptions } from "./meters";
import { cleanSeries, meanPowerW, windowEnergy, type DeviceSeries } from "./series";

export interface DeviceEnergy {
  device: string;
  energy_j: number;
  /** null when no sample covered the run. */
  mean_power_w: number | null;
  estimated: boolean;
  /** Part of the run not covered by samples, s. */
  missing_s: number;
}

export interface EnergyMeasurement {
  /** The command metered (argv), or null for a function or a plain wait. */
  command: string[] | null;
  exit_code: number | null;
  signal: string | null;
  start_ms: number;
  end_ms: number;
  duration_s: number;
  /** Sum over devices, J. */
  energy_j: number;
  mean_power_w: number | null;
  devices: DeviceEnergy[];
  meter: { source: string; measured: boolean; notes: string[] };
  /** Every device series, for plots. */
  series: DeviceSeries[];
}

export interface MeasureOptions extends OpenMeterOptions {
  signal?: AbortSignal;
  /** Meter a little before and after the work so the edges are covered, ms. Default: one sampling interval. */
  marginMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function summarise(series: DeviceSeries[], startMs: number, endMs: number, maxGapMs: number): { devices: DeviceEnergy[]; energy: number } {
  const devices = series.map((s) => {
    const w = windowEnergy(s, startMs, endMs, { maxGapMs });
    return { device: s.device, energy_j: w.energy_j, mean_power_w: meanPowerW(w), estimated: s.estimated ?? false, missing_s: w.missing_ms / 1000 };
  });
  return { devices, energy: devices.reduce((a, d) => a + d.energy_j, 0) };
}

/**
 * Meters `work` (a function, or undefined to wait `waitMs`) from its start to its end.
 * The energy is the devices' whole energy in that window: other work on them counts too.
 */
export async function measureEnergy<T>(
  work: (() => Promise<T>) | undefined,
  opts: MeasureOptions & { waitMs?: number } = {},
): Promise<EnergyMeasurement & { result?: T }> {
  const meter = await openMeter(opts);
  const interval = opts.intervalMs ?? 200;
  const margin = opts.marginMs ?? interval;
  let result: T | undefined;
  let start = 0;
  let end = 0;
  try {
    await sleep(margin);
    start = Date.now();
    if (work) result = await work();
    else await waitAbortable(opts.waitMs ?? 0, opts.signal);
    end = Date.now();
    await sleep(margin);
  } finally {
    await meter.stop();
  }
  const series = meter.series();
  const { devices, energy } = summarise(series, start, end, Math.max(2000, 10 * interval));
  const dur = (end - start) / 1000;
  return {
    command: null,
    exit_code: null,
    signal: null,
    start_ms: start,
    end_ms: end,
    duration_s: dur,
    energy_j: energy,
    mean_power_w: dur > 0 ? energy / dur : null,
    devices,
    meter: { source: meter.source, measured: meter.measured, notes: [...meter.notes] },
    series,
    ...(work ? { result } : {}),
  };
}

async function waitAbortable(ms: number, signal?: AbortSignal): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (signal?.aborted) throw new InterruptedError();
    await sleep(Math.min(100, until - Date.now()));
  }
}

/**
 * Runs a command (argv array, no shell) to its end in its own process group; its stdout and
 * stderr lines go to the callbacks. An abort (also one that came before the start) stops the
 * group with SIGTERM and throws InterruptedError. The one way energy/ and its magics run a job.
 */
export function runCommand(
  argv: readonly string[],
  opts: { cwd?: string; signal?: AbortSignal; onStdout?: (line: string) => void; onStderr?: (line: string) => void } = {},
): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve, reject) => {
    // env passed on purpose: the environment this module sees (a test runner may give it its own)
    const child = spawn(argv[0], argv.slice(1), { cwd: opts.cwd, env: process.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let aborted = false;
    const onAbort = () => {
      aborted = true;
      try {
        process.kill(-(child.pid as number), "SIGTERM");
      } catch {
        /* gone */
      }
    };
    opts.signal?.addEventListener("abort", onAbort);
    if (opts.signal?.aborted && child.pid !== undefined) onAbort();
    // One splitter per stream, so a partial stdout line never joins a stderr chunk.
    const out = new LineSplitter((l) => opts.onStdout?.(l));
    const err = new LineSplitter((l) => opts.onStderr?.(l));
    child.stdout!.setEncoding("utf8").on("data", (d: string) => out.push(d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => err.push(d));
    child.on("error", (e) => {
      opts.signal?.removeEventListener("abort", onAbort);
      reject(new Error(`cannot run ${argv[0]}: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    });
    child.on("close", (code, sig) => {
      opts.signal?.removeEventListener("abort", onAbort);
      out.flush();
      err.flush();
      if (aborted) reject(new InterruptedError(`interrupted: ${argv[0]} was stopped`));
      else resolve({ code, signal: sig });
    });
  });
}

/**
 * Runs a command (argv array, no shell) under the meter; its output lines go to `onOutput`.
 * An abort stops the command (SIGTERM to its process group) and throws InterruptedError.
 */
export async function measureCommand(argv: readonly string[], opts: MeasureOptions & { cwd?: string; onOutput?: (line: string) => void } = {}): Promise<EnergyMeasurement> {
  let code: number | null = null;
  let sig: string | null = null;
  const m = await measureEnergy(async () => {
    ({ code, signal: sig } = await runCommand(argv, { cwd: opts.cwd, signal: opts.signal, onStdout: opts.onOutput, onStderr: opts.onOutput }));
  }, opts);
  return { ...m, command: [...argv], exit_code: code, signal: sig };
}

/** Power series for plots: power as is, energy counters differenced into mean power. */
export function powerTimeSeries(series: readonly DeviceSeries[]): TimeSeries[] {
  return series.map((s) => {
    const c = cleanSeries(s);
    if (c.kind === "power") return { name: `power ${s.device}`, unit: "W", group: "power", device: s.device, t_ms: c.t, values: c.v };
    const t: number[] = [];
    const v: number[] = [];
    for (let k = 1; k < c.t.length; k++) {
      const dt = (c.t[k] - c.t[k - 1]) / 1000;
      if (dt > 0) {
        t.push(c.t[k]);
        v.push((c.v[k] - c.v[k - 1]) / dt);
      }
    }
    return { name: `power ${s.device}`, unit: "W", group: "power", device: s.device, t_ms: t, values: v };
  });
}

/** The time-series payload of a measurement. */
export function measurementPayload(m: EnergyMeasurement, title: string): TimeseriesPayload {
  return {
    schema_version: 1,
    kind: "timeseries",
    title,
    series: powerTimeSeries(m.series),
    facts: {
      energy_J: Number(m.energy_j.toFixed(3)),
      duration_s: Number(m.duration_s.toFixed(3)),
      ...(m.mean_power_w !== null ? { mean_power_W: Number(m.mean_power_w.toFixed(2)) } : {}),
      source: m.meter.source,
      ...(m.meter.measured ? {} : { note: "estimate, not a measurement" }),
    },
  };
}
