/**
 * Reading, setting and restoring a GPU's power limit with `nvidia-smi` (edge module: runs it).
 * `withPowerLimit` is the one way to run work under a limit: it restores the limit it found on
 * every exit path (return, throw, abort, and SIGTERM/SIGHUP/SIGINT of this process), so the
 * tuner and power-capped trials share it.
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

function refusal(argv: readonly string[], code: number, out: string): PowerLimitError {
  const denied = /permission|not permitted|root/i.test(out);
  return new PowerLimitError(
    `${argv.join(" ")} failed (exit code ${code}): ${out.split("\n")[0] || "no message"}` +
      (denied
        ? "; setting a GPU power limit needs root: run as root, or have an administrator allow `nvidia-smi -pl` (e.g. a sudoers rule), or give a CMD that sets the limit itself"
        : "; check the limit is within the GPU's range (nvidia-smi -q -d POWER lists it)"),
  );
}

/** Sets the GPU's power limit, W; a refusal (e.g. no permission) is a PowerLimitError saying what to do. */
export async function setPowerLimit(watts: number, opts: PowerLimitOptions = {}): Promise<void> {
  if (!(Number.isFinite(watts) && watts > 0)) throw new RangeError(`power limit must be positive watts but got ${watts}`);
  const argv = [...smi(opts), "-pl", String(watts)];
  const { code, out } = await run(argv);
  if (code !== 0) throw refusal(argv, code, out);
}

const SIGNALS = ["SIGTERM", "SIGHUP", "SIGINT"] as const;

/**
 * Runs `work` with the GPU capped at `watts` and puts back the limit found before, whatever
 * happens. If this process is signalled meanwhile, the limit is restored synchronously before
 * the signal takes its course (a kernel interrupt arrives as an abort of the work instead).
 */
export async function withPowerLimit<T>(watts: number, work: () => Promise<T>, opts: WithPowerLimitOptions = {}): Promise<T> {
  const original = await readPowerLimit(opts);
  const restoreArgv = [...smi(opts), "-pl", String(original)];
  let restored = false;
  const onSignal = (sig: NodeJS.Signals) => {
    opts.onSignal?.();
    if (!restored) spawnSync(restoreArgv[0], restoreArgv.slice(1), { timeout: 30_000, env: process.env });
    restored = true;
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    // someone else listens (the CLI's or kernel's interrupt): let them handle it; else end as the signal would
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  try {
    await setPowerLimit(watts, opts);
    return await work();
  } finally {
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    if (!restored) {
      restored = true;
      const { code, out } = await run(restoreArgv);
      if (code !== 0) throw refusal(restoreArgv, code, out);
    }
  }
}
