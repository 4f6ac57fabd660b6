/**
 * Energy meters behind one interface (edge module: spawns nvidia-smi, reads sysfs and /proc).
 * - NvidiaSmiMeter: one long-running `nvidia-smi --query-gpu=… --format=csv,nounits -lms N`,
 *   parsed as it streams, optionally written as a Supercloud GPU time-series file.
 * - RaplMeter: CPU package (and DRAM) energy counters from /sys/class/powercap.
 * - EstimateMeter: CPU utilisation from /proc/stat × a power model, labelled as an estimate.
 * openMeter() starts what it can and says why the others could not start.
 */
import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import { GreenaiError } from "../errors";
import {
  NVIDIA_SMI_FIELDS,
  NvidiaSmiStreamParser,
  supercloudGpuHeader,
  supercloudGpuRow,
  type GpuSample,
  type ParseIssue,
} from "./nvidia-smi";
import { checkPowerModel, cpuTimesFromProcStat, cpuUtilization, defaultCpuPowerModel, estimatePowerW, type CpuTimes, type DevicePowerModel } from "./power-model";
import { DEFAULT_POWERCAP_ROOT, listRaplZones, RaplAccumulator, readRaplEnergyUj, type RaplZone } from "./rapl";
import type { DeviceSeries, SeriesKind } from "./series";

export type MeterKind = "nvidia-smi" | "rapl" | "estimate";
/** "auto": nvidia-smi and RAPL where they work, else the estimate. */
export type MeterChoice = "auto" | MeterKind;

/** One reading as it arrives (for streaming to a run folder). */
export interface MeterSample {
  device: string;
  kind: SeriesKind;
  t_ms: number;
  /** W for "power", cumulative J for "energy-counter". */
  value: number | null;
  estimated: boolean;
}

export interface EnergyMeter {
  readonly kind: MeterKind;
  /** True for sensor readings, false for model estimates. */
  readonly measured: boolean;
  /** Human-readable description, e.g. "measured: nvidia-smi power.draw every 100 ms". */
  readonly source: string;
  /** Starts sampling; throws MeterUnavailableError saying why it cannot. */
  start(): Promise<void>;
  /** Stops sampling (idempotent). */
  stop(): Promise<void>;
  /** A copy of every series collected so far. */
  series(): DeviceSeries[];
}

/** A meter that cannot run here; the message says why. */
export class MeterUnavailableError extends GreenaiError {
  override name = "MeterUnavailableError";
}

type Sink = (s: MeterSample) => void;

class SeriesStore {
  private readonly map = new Map<string, DeviceSeries>();
  /** `retain` false: readings only go to the sink (a meter that runs for days keeps no history). */
  constructor(private readonly sink?: Sink, private readonly retain = true) {}
  add(device: string, kind: SeriesKind, t: number, v: number | null, estimated: boolean): void {
    this.sink?.({ device, kind, t_ms: t, value: v, estimated });
    if (!this.retain) return;
    let s = this.map.get(device);
    if (!s) {
      s = { device, kind, t_ms: [], values: [], estimated };
      this.map.set(device, s);
    }
    s.t_ms.push(t);
    s.values.push(v);
  }
  snapshot(): DeviceSeries[] {
    return [...this.map.values()].map((s) => ({ ...s, t_ms: [...s.t_ms], values: [...s.values] }));
  }
}

export interface NvidiaSmiMeterOptions {
  /** Sampling period, ms (nvidia-smi -lms). Default 100. */
  intervalMs?: number;
  /** Command to run instead of `nvidia-smi` (argv; the query arguments are appended). */
  command?: readonly string[];
  /** GPU indices to query (nvidia-smi -i). Default: all. */
  gpus?: readonly number[];
  /** Write every row to this file in the Supercloud GPU time-series format. */
  logFile?: string;
  /** Node name for device labels (gpu0@node). */
  node?: string;
  /** How long to wait for the first row before giving up, ms. Default 5000. */
  startTimeoutMs?: number;
  onSample?: Sink;
  /** Keep every reading for series() and `samples` (default true); false: only onSample sees them. */
  retain?: boolean;
}

/** Streams `nvidia-smi --query-gpu=… --format=csv,nounits -lms N` and parses it as it arrives. */
export class NvidiaSmiMeter implements EnergyMeter {
  readonly kind = "nvidia-smi" as const;
  readonly measured = true;
  readonly source: string;
  private readonly opts: NvidiaSmiMeterOptions;
  private readonly store: SeriesStore;
  private readonly parser = new NvidiaSmiStreamParser();
  private proc?: ChildProcess;
  private log?: fs.WriteStream;
  private exited?: Promise<void>;
  /** Every row parsed, with all queried fields. */
  readonly samples: GpuSample[] = [];
  stderr = "";

  constructor(opts: NvidiaSmiMeterOptions = {}) {
    this.opts = opts;
    this.store = new SeriesStore(opts.onSample, opts.retain ?? true);
    this.source = `measured: nvidia-smi power.draw every ${opts.intervalMs ?? 100} ms`;
  }

  get issues(): readonly ParseIssue[] {
    return this.parser.issues;
  }

  private onRows(rows: GpuSample[]): void {
    for (const r of rows) {
      if (this.opts.retain ?? true) this.samples.push(r);
      this.store.add(`gpu${r.gpu_index}${this.opts.node ? `@${this.opts.node}` : ""}`, "power", r.t_ms, r.values["power.draw"] ?? null, false);
      this.log?.write(supercloudGpuRow(r) + "\n");
    }
  }

  async start(): Promise<void> {
    const interval = Math.max(1, Math.round(this.opts.intervalMs ?? 100));
    const [cmd, ...pre] = this.opts.command ?? ["nvidia-smi"];
    const args = [...pre, `--query-gpu=${NVIDIA_SMI_FIELDS.join(",")}`, "--format=csv,nounits", "-lms", String(interval)];
    if (this.opts.gpus?.length) args.push("-i", this.opts.gpus.join(","));
    const proc = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    this.proc = proc;
    if (this.opts.logFile) {
      this.log = fs.createWriteStream(this.opts.logFile, { flags: "w" });
      this.log.write(supercloudGpuHeader() + "\n");
    }
    proc.stdout!.setEncoding("utf8");
    proc.stderr!.setEncoding("utf8");
    proc.stderr!.on("data", (d: string) => {
      if (this.stderr.length < 4000) this.stderr += d;
    });
    let first: () => void = () => undefined;
    const gotRow = new Promise<void>((resolve) => (first = resolve));
    proc.stdout!.on("data", (d: string) => {
      const rows = this.parser.push(d);
      if (rows.length) {
        this.onRows(rows);
        first();
      }
    });
    this.exited = new Promise<void>((resolve) => {
      proc.on("close", () => {
        this.onRows(this.parser.end());
        resolve();
      });
    });
    const failed = new Promise<string>((resolve) => {
      proc.on("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ENOENT" ? `${cmd} not found on PATH (no NVIDIA driver tools)` : `${cmd} could not start: ${e.message}`));
      proc.on("exit", (code, sig) => resolve(`${cmd} exited (${sig ?? `code ${code}`}) before printing a row: ${this.stderr.trim().split("\n")[0] || "no message"}`));
    });
    const timeoutMs = this.opts.startTimeoutMs ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`${cmd} printed no row within ${timeoutMs} ms`), timeoutMs);
    });
    const outcome = await Promise.race([gotRow.then(() => null), failed, timeout]);
    clearTimeout(timer);
    if (outcome !== null) {
      await this.stop();
      throw new MeterUnavailableError(outcome);
    }
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) p.kill("SIGTERM");
    if (this.exited) await this.exited;
    if (this.log) {
      const log = this.log;
      this.log = undefined;
      await new Promise<void>((resolve) => log.end(resolve));
    }
  }

  series(): DeviceSeries[] {
    return this.store.snapshot();
  }
}

/** What every polling meter takes. */
export interface PollingOptions {
  /** Polling period, ms. Default 200. */
  intervalMs?: number;
  onSample?: Sink;
  /** Keep every reading for series() (default true); false: only onSample sees them. */
  retain?: boolean;
  /** Clock for sample times, ms. Default Date.now (tests pass their own). */
  now?: () => number;
}

/** A meter that reads its devices on a timer: once at start, every period, once more at stop. */
abstract class PollingMeter {
  protected readonly store: SeriesStore;
  private timer?: NodeJS.Timeout;

  constructor(private readonly polling: PollingOptions) {
    this.store = new SeriesStore(polling.onSample, polling.retain ?? true);
  }

  /** Reads every device once, now. */
  abstract sample(): void;

  protected now(): number {
    return (this.polling.now ?? Date.now)();
  }

  protected startPolling(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.polling.intervalMs ?? 200);
  }

  async stop(): Promise<void> {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.sample();
    }
  }

  series(): DeviceSeries[] {
    return this.store.snapshot();
  }
}

export interface RaplMeterOptions extends PollingOptions {
  /** Default /sys/class/powercap. */
  root?: string;
}

/** Polls RAPL energy counters into cumulative-joule series (one per zone). */
export class RaplMeter extends PollingMeter implements EnergyMeter {
  readonly kind = "rapl" as const;
  readonly measured = true;
  source = "measured: RAPL";
  private zones: { zone: RaplZone; acc: RaplAccumulator }[] = [];
  problems: string[] = [];

  constructor(private readonly opts: RaplMeterOptions = {}) {
    super(opts);
  }

  sample(): void {
    const t = this.now();
    for (const z of this.zones) {
      let v: number | null = null;
      try {
        v = z.acc.add(readRaplEnergyUj(z.zone));
      } catch {
        v = null;
      }
      this.store.add(z.zone.device, "energy-counter", t, v, false);
    }
  }

  async start(): Promise<void> {
    const root = this.opts.root ?? DEFAULT_POWERCAP_ROOT;
    const { zones, problems } = listRaplZones(root);
    this.problems = problems;
    if (zones.length === 0) throw new MeterUnavailableError(problems.join("; ") || `no readable RAPL zone under ${root}`);
    this.zones = zones.map((zone) => ({ zone, acc: new RaplAccumulator(zone.maxRangeUj) }));
    const ms = this.opts.intervalMs ?? 200;
    this.source = `measured: RAPL ${zones.map((z) => z.name).join(" + ")} energy counters every ${ms} ms`;
    this.startPolling();
  }
}

export interface EstimateMeterOptions extends PollingOptions {
  model?: DevicePowerModel;
  /** Default /proc/stat. */
  procStat?: string;
  /** Device label. Default "cpu". */
  device?: string;
}

/**
 * Estimates CPU power from utilisation (/proc/stat) × a power model. Each sample is the mean
 * power of the interval that ends at it. Without /proc/stat it assumes full utilisation.
 */
export class EstimateMeter extends PollingMeter implements EnergyMeter {
  readonly kind = "estimate" as const;
  readonly measured = false;
  readonly source: string;
  readonly model: DevicePowerModel;
  private prev: CpuTimes | null = null;
  private procStatOk = true;

  constructor(private readonly opts: EstimateMeterOptions = {}) {
    super(opts);
    this.model = checkPowerModel(opts.model ?? defaultCpuPowerModel(os.cpus().length));
    this.source = `estimated: CPU utilisation (/proc/stat) × power model ${this.model.name}: ${this.model.idle_w} W idle, ${this.model.max_w} W busy`;
  }

  private read(): CpuTimes | null {
    try {
      return cpuTimesFromProcStat(fs.readFileSync(this.opts.procStat ?? "/proc/stat", "utf8"));
    } catch {
      return null;
    }
  }

  sample(): void {
    const t = this.now();
    const cur = this.read();
    const device = this.opts.device ?? "cpu";
    if (cur === null) {
      this.procStatOk = false;
      this.store.add(device, "power", t, this.model.max_w, true);
      return;
    }
    if (this.prev === null) {
      this.prev = cur;
      // the first sample has no interval yet: start at idle power
      this.store.add(device, "power", t, this.model.idle_w, true);
      return;
    }
    const u = cpuUtilization(this.prev, cur);
    this.prev = cur;
    if (u === null) return;
    this.store.add(device, "power", t, estimatePowerW(this.model, u), true);
  }

  async start(): Promise<void> {
    this.startPolling();
  }

  /** False when /proc/stat was unreadable and full utilisation was assumed. */
  get utilizationKnown(): boolean {
    return this.procStatOk;
  }
}

export interface OpenMeterOptions {
  meter?: MeterChoice;
  /** Sampling period for every meter, ms. Default 200 (nvidia-smi: 100). */
  intervalMs?: number;
  nvidiaSmi?: Omit<NvidiaSmiMeterOptions, "onSample" | "intervalMs" | "retain">;
  rapl?: Omit<RaplMeterOptions, "onSample" | "intervalMs" | "retain">;
  estimate?: Omit<EstimateMeterOptions, "onSample" | "intervalMs" | "retain">;
  onSample?: Sink;
  /**
   * Keep every reading for series() (default true). Meters that run for hours or days and only
   * stream (the kernel's live meter, `energy serve`) pass false: about 200 B of heap per reading.
   */
  retain?: boolean;
}

/** Several meters run together (GPUs by nvidia-smi and CPU packages by RAPL), or the estimate. */
export class MeterSet implements EnergyMeter {
  readonly kind: MeterKind;
  readonly measured: boolean;
  readonly source: string;
  constructor(
    readonly meters: readonly EnergyMeter[],
    /** Why a meter did not start and which fallback is used; empty when all asked for run. */
    readonly notes: readonly string[],
  ) {
    if (meters.length === 0) throw new RangeError("a MeterSet needs at least one meter");
    this.kind = meters[0].kind;
    this.measured = meters.every((m) => m.measured);
    this.source = meters.map((m) => m.source).join(" + ");
  }
  async start(): Promise<void> {
    /* the members are started by openMeter */
  }
  async stop(): Promise<void> {
    await Promise.all(this.meters.map((m) => m.stop()));
  }
  series(): DeviceSeries[] {
    return this.meters.flatMap((m) => m.series());
  }
}

/**
 * Starts the meters asked for: "auto" tries nvidia-smi and RAPL and uses both where they work;
 * when nothing measured can start (or the one asked for cannot), it falls back to the estimate
 * and `notes` say why.
 */
export async function openMeter(opts: OpenMeterOptions = {}): Promise<MeterSet> {
  const choice = opts.meter ?? "auto";
  const notes: string[] = [];
  const started: EnergyMeter[] = [];
  if (choice === "auto" || choice === "nvidia-smi") {
    const m = new NvidiaSmiMeter({ ...opts.nvidiaSmi, intervalMs: opts.intervalMs ?? 100, onSample: opts.onSample, retain: opts.retain });
    try {
      await m.start();
      started.push(m);
    } catch (e) {
      notes.push(`nvidia-smi meter unavailable: ${(e as Error).message}`);
    }
  }
  if (choice === "auto" || choice === "rapl") {
    const m = new RaplMeter({ ...opts.rapl, intervalMs: opts.intervalMs, onSample: opts.onSample, retain: opts.retain });
    try {
      await m.start();
      started.push(m);
      if (m.problems.length) notes.push(`RAPL: ${m.problems.join("; ")}`);
    } catch (e) {
      notes.push(`RAPL meter unavailable: ${(e as Error).message}`);
    }
  }
  if (started.length === 0) {
    const m = new EstimateMeter({ ...opts.estimate, intervalMs: opts.intervalMs, onSample: opts.onSample, retain: opts.retain });
    await m.start();
    started.push(m);
    if (choice !== "estimate") notes.push(`no measuring meter could start; using the estimate (${m.source})`);
    if (!m.utilizationKnown) notes.push("/proc/stat is not readable: the estimate assumes full utilisation");
  }
  return new MeterSet(started, notes);
}
