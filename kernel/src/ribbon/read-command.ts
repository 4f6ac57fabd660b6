/**
 * An evaluator that runs a user's shell command to measure a real pool (deploy, replay load,
 * report). The command gets the pool as `{pool}` (`c1,c2,c3`), `{c1}`…`{cN}` and `{types}` in
 * its text and as $RIBBON_POOL / $RIBBON_TYPES in its environment, and prints either the QoS
 * rate in % (last line) or a JSON object `{"rate": …, "p99_ms": …}` (the whole output; the
 * output of `greenai ribbon simulate --json` qualifies).
 */
import { spawn } from "child_process";
import { InterruptedError } from "../errors";
import type { Pool } from "./catalogue";
import { formatPool } from "./catalogue";
import { EvaluatorError, measurementFromValue, type PoolEvaluator, type PoolMeasurement } from "./evaluators";

export interface CommandEvaluatorOptions {
  /** Working directory of the command. */
  cwd: string;
  /** Instance types in pool order (for {types} and $RIBBON_TYPES). */
  types: readonly string[];
  /** Kill the command after this many ms (default: one hour). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Fills `{pool}`, `{types}` and `{c1}`…`{cN}` in a command template. */
export function commandForPool(template: string, pool: Pool, types: readonly string[]): string {
  let out = template.split("{pool}").join(pool.join(",")).split("{types}").join(types.join(","));
  pool.forEach((c, j) => {
    out = out.split(`{c${j + 1}}`).join(String(c));
  });
  return out;
}

/** Reads a command's output: a JSON object or number (whole output), else a JSON object or number on the last non-empty line. */
export function measurementFromOutput(stdout: string, what: string): PoolMeasurement {
  const text = stdout.trim();
  if (text === "") throw new EvaluatorError(`${what} printed nothing; it must print the QoS rate in % or {"rate": …, "p99_ms": …}`);
  try {
    return measurementFromValue(JSON.parse(text), what);
  } catch (err) {
    if (err instanceof EvaluatorError) throw err;
  }
  const last = text.split(/\r?\n/).filter((l) => l.trim() !== "").pop() as string;
  if (last.trim().startsWith("{")) {
    try {
      return measurementFromValue(JSON.parse(last), what);
    } catch (err) {
      if (err instanceof EvaluatorError) throw err;
    }
  }
  const x = Number(last.trim().replace(/%$/, ""));
  if (last.trim() === "" || !Number.isFinite(x)) {
    throw new EvaluatorError(`${what}: the last line of its output, ${JSON.stringify(last.slice(0, 80))}, is not a QoS rate in % (or print one JSON object {"rate": …})`);
  }
  return measurementFromValue(x, what);
}

export class CommandEvaluator implements PoolEvaluator {
  readonly kind = "command";
  readonly description: string;

  constructor(
    readonly template: string,
    readonly options: CommandEvaluatorOptions,
  ) {
    if (template.trim() === "") throw new RangeError("the evaluation command is empty");
    this.description = `command ${JSON.stringify(template)}`;
  }

  evaluate(pool: Pool): Promise<PoolMeasurement> {
    const cmd = commandForPool(this.template, pool, this.options.types);
    const what = `command for pool ${formatPool(pool)} (${cmd})`;
    const signal = this.options.signal;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new InterruptedError());
      const child = spawn("sh", ["-c", cmd], {
        cwd: this.options.cwd,
        env: { ...process.env, RIBBON_POOL: pool.join(","), RIBBON_TYPES: this.options.types.join(",") },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
      child.stderr.on("data", (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
      const timeoutMs = this.options.timeoutMs ?? 3_600_000;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGTERM");
      }, timeoutMs);
      const onAbort = () => child.kill("SIGTERM");
      signal?.addEventListener("abort", onAbort, { once: true });
      child.on("error", (err) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        reject(new EvaluatorError(`${what} could not start: ${err.message}`));
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (signal?.aborted) return reject(new InterruptedError());
        if (timedOut) return reject(new EvaluatorError(`${what} ran longer than ${timeoutMs / 1000} s and was stopped`));
        if (code !== 0) {
          return reject(new EvaluatorError(`${what} failed with exit code ${code}${stderr.trim() ? `: ${stderr.trim().split(/\r?\n/).slice(-3).join(" | ")}` : ""}`));
        }
        try {
          resolve(measurementFromOutput(stdout, what));
        } catch (err) {
          reject(err);
        }
      });
    });
  }
}
