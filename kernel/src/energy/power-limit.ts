/**
 * Reading, setting and restoring a GPU's power limit with `nvidia-smi` (edge module: runs it).
 * `holdPowerLimit` is the one way to put work under a limit: the hold restores the limit it found
 * on release and on SIGTERM/SIGHUP/SIGINT of this process; `withPowerLimit` wraps a piece of work
 * in one (return, throw, abort). The tuner (per probe) and power-capped trials (per run,
 * trials/runner.ts) share them; a trial's supervisor restores with `setPowerLimitArgv` when the
 * runner died holding a limit (kernel/bin/supervise.js).
 */
import { execFile, spawnSync } from "child_process";
import { GreenaiError } from "../errors";

export interface PowerLimitOptions {
  /** GPU index (nvidia-smi -i). Default 0. */
  gpu?: number;
  /** Command to run instead of `nvidia-smi` (argv; the arguments are appended). */
  command?: readonly string[];
}

export interface WithPowerLimitOptions extends PowerLimitOptions {
  /** Called first when this process is signalled: stop the work (e.g. abort its controller, which kills its process group). */
  onSignal?: () => void;
}

/** nvidia-smi refused to set the limit: no permission, or the GPU does not support it. */
export class PowerLimitError extends GreenaiError {
  override name = "PowerLimitError";
  constructor(
    message: string,
    /** What nvidia-smi printed (empty when it did not run). */
    readonly output = "",
    /** Whether the refusal reads as a missing permission. */
    readonly denied = false,
  ) {
    super(message);
  }
}

function run(argv: readonly string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    // env passed on purpose: the environment this module sees (a test runner may give it its own PATH)
    execFile(argv[0], argv.slice(1), { timeout: 30_000, env: process.env }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
      if (e && e.code === "ENOENT") return reject(new PowerLimitError(`${argv[0]} not found on PATH: power limits need the NVIDIA driver tools`));
      resolve({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, out: `${stdout}${stderr}`.trim() });
    });
  });
}

const smi = (o: PowerLimitOptions) => [...(o.command ?? ["nvidia-smi"]), "-i", String(o.gpu ?? 0)];

/** The GPU's current power limit, W. */
export async function readPowerLimit(opts: PowerLimitOptions = {}): Promise<number> {
  const argv = [...smi(opts), "--query-gpu=power.limit", "--format=csv,noheader,nounits"];
  const { code, out } = await run(argv);
  const w = Number(out.split("\n")[0]?.trim());
  if (code !== 0 || !(w > 0)) throw new PowerLimitError(`${argv.join(" ")} gave ${code !== 0 ? `exit code ${code}: ` : ""}${JSON.stringify(out.slice(0, 200))}; expected the limit in watts`);
  return w;
}

/** What to do when setting a limit is not permitted (the callers add their own way out). */
export const POWER_LIMIT_PERMISSION_HELP =
  "setting a GPU power limit needs root: run as root (or have an administrator allow `nvidia-smi -pl`, e.g. with a sudoers rule), " +
  "with persistence mode on (`nvidia-smi -pm 1`, as root) so that the driver keeps the limit";

function refusal(argv: readonly string[], code: number, out: string): PowerLimitError {
  const denied = /permission|not permitted|root/i.test(out);
  // every line nvidia-smi printed (the reason is often on the second: "Insufficient Permissions"), on one line
  const said = out.split("\n").map((l) => l.trim()).filter(Boolean).slice(0, 6).join(" / ").slice(0, 400) || "no message";
  return new PowerLimitError(
    `${argv.join(" ")} failed (exit code ${code}): ${said}` +
      (denied ? `; ${POWER_LIMIT_PERMISSION_HELP}` : "; check the limit is within the GPU's range (nvidia-smi -q -d POWER lists it)"),
    out,
    denied,
  );
}

/** The argv that sets GPU `gpu`'s limit to `watts` (for a process that must restore it on its own, e.g. a trial's supervisor). */
export function setPowerLimitArgv(watts: number, opts: PowerLimitOptions = {}): string[] {
  return [...smi(opts), "-pl", String(watts)];
}

/** Sets the GPU's power limit, W; a refusal (e.g. no permission) is a PowerLimitError saying what to do. */
export async function setPowerLimit(watts: number, opts: PowerLimitOptions = {}): Promise<void> {
  if (!(Number.isFinite(watts) && watts > 0)) throw new RangeError(`power limit must be positive watts but got ${watts}`);
  const argv = setPowerLimitArgv(watts, opts);
  const { code, out } = await run(argv);
  if (code !== 0) throw refusal(argv, code, out);
}

const SIGNALS = ["SIGTERM", "SIGHUP", "SIGINT"] as const;

export interface HoldPowerLimitOptions extends WithPowerLimitOptions {
  /**
   * The limit to put back, W, instead of the one read now: a resumed run whose earlier session
   * ended without restoring (the GPU still holds that session's cap) gives the one it recorded.
   */
  original?: number;
  /** Called once the original is back (from a signal handler: synchronous work only). */
  onRestored?: (r: { original: number; how: "release" | "signal"; error?: PowerLimitError }) => void;
}

/** A limit in force until `release()`; the original comes back on release or when this process is signalled. */
export interface PowerLimitHold {
  gpu: number;
  /** The limit set, W. */
  limit: number;
  /** The limit found before (or given as `original`), W: what is put back. */
  original: number;
  /** Whether the original is back. */
  readonly restored: boolean;
  /** Puts the original back (once; later calls do nothing); a refusal is a PowerLimitError. */
  release(): Promise<void>;
}

/**
 * Caps the GPU at `watts` and returns a hold that puts back the limit found before. Until it is
 * released, SIGTERM/SIGHUP/SIGINT of this process restore the limit synchronously before the
 * signal takes its course (a kernel interrupt arrives as an abort of the work instead). When
 * the limit cannot be set, nothing was changed: the PowerLimitError is thrown and nothing is
 * left to restore.
 */
export async function holdPowerLimit(watts: number, opts: HoldPowerLimitOptions = {}): Promise<PowerLimitHold> {
  const original = opts.original ?? (await readPowerLimit(opts));
  const restoreArgv = setPowerLimitArgv(original, opts);
  let restored = false;
  const onSignal = (sig: NodeJS.Signals) => {
    opts.onSignal?.();
    if (!restored) {
      restored = true;
      const r = spawnSync(restoreArgv[0], restoreArgv.slice(1), { timeout: 30_000, env: process.env, encoding: "utf8" });
      const code = r.status ?? 1;
      opts.onRestored?.({ original, how: "signal", ...(code !== 0 ? { error: refusal(restoreArgv, code, `${r.stdout ?? ""}${r.stderr ?? ""}`.trim()) } : {}) });
    }
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    // someone else listens (the CLI's or kernel's interrupt): let them handle it; else end as the signal would
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  };
  await setPowerLimit(watts, opts);
  for (const s of SIGNALS) process.on(s, onSignal);
  return {
    gpu: opts.gpu ?? 0,
    limit: watts,
    original,
    get restored() {
      return restored;
    },
    async release() {
      for (const s of SIGNALS) process.removeListener(s, onSignal);
      if (restored) return;
      restored = true;
      const { code, out } = await run(restoreArgv);
      const error = code !== 0 ? refusal(restoreArgv, code, out) : undefined;
      opts.onRestored?.({ original, how: "release", ...(error ? { error } : {}) });
      if (error) throw error;
    },
  };
}

/**
 * Runs `work` with the GPU capped at `watts` and puts back the limit found before, whatever
 * happens (see holdPowerLimit: return, throw, abort, and signals of this process).
 */
export async function withPowerLimit<T>(watts: number, work: () => Promise<T>, opts: WithPowerLimitOptions = {}): Promise<T> {
  const hold = await holdPowerLimit(watts, opts);
  try {
    return await work();
  } finally {
    await hold.release();
  }
}
