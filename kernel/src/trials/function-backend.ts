/**
 * In-process backend for trials written as TypeScript functions (async generators of
 * records). Hold pauses between records; stop aborts the signal and ends the generator.
 * Records are written to the stdout log as JSON lines, errors to the stderr log.
 */
import * as fs from "fs";
import { within } from "./proc";
import type { RunningTrial, TrialBackend, TrialCallbacks, TrialExit, TrialLaunch } from "./backend";

function jsonLine(rec: object): string {
  // NaN and ±Infinity are written as Python's json module does, so they read back as divergence
  return JSON.stringify(rec, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? `\u0000${v}` : v)).replace(/"\\u0000(NaN|Infinity|-Infinity)"/g, "$1");
}

export class FunctionBackend implements TrialBackend {
  readonly name = "function";

  async start(launch: TrialLaunch, cb: TrialCallbacks): Promise<RunningTrial> {
    const fn = launch.fn;
    if (!fn) throw new RangeError(`trial ${launch.id}: the function backend needs fn`);
    const out = fs.openSync(launch.stdoutPath, "w");
    const err = fs.openSync(launch.stderrPath, "w");
    const ac = new AbortController();
    let held = false;
    let release: () => void = () => undefined;
    let gate: Promise<void> = Promise.resolve();
    let stopped = false;
    cb.onRunning(Date.now());
    const exited: Promise<TrialExit> = (async () => {
      let code = 0;
      let signal: string | null = null;
      try {
        const it = fn(launch.params, { signal: ac.signal });
        const iter = Symbol.asyncIterator in it ? (it as AsyncIterable<object>)[Symbol.asyncIterator]() : (it as Iterable<object>)[Symbol.iterator]();
        for (;;) {
          if (held) await gate;
          if (stopped) {
            await iter.return?.();
            signal = "SIGTERM";
            break;
          }
          const r = await iter.next();
          if (r.done) break;
          const line = jsonLine(r.value);
          fs.writeSync(out, line + "\n");
          cb.onLine(line, Date.now());
        }
      } catch (e) {
        if (stopped) signal = "SIGTERM";
        else {
          code = 1;
          fs.writeSync(err, `${(e as Error)?.stack ?? String(e)}\n`);
        }
      } finally {
        fs.closeSync(out);
        fs.closeSync(err);
      }
      return { code: signal ? null : code, signal, t_ms: Date.now() };
    })();
    let ended = false;
    void exited.then(() => (ended = true));
    return {
      label: "in-process function",
      handle: {},
      async hold() {
        if (held || ended) return;
        held = true;
        gate = new Promise((r) => (release = r));
      },
      async resume() {
        if (!held) return;
        held = false;
        release();
      },
      async stop(graceMs: number) {
        stopped = true;
        ac.abort();
        if (held) {
          held = false;
          release();
        }
        // a function cannot be killed: wait for it to notice, at most the grace period
        await within(exited, graceMs);
      },
      exited,
      async livePids() {
        return [];
      },
    };
  }

  /** A function dies with its session: nothing is left to end. */
  async reap(): Promise<void> {
    /* nothing outlives the session */
  }

  async close(): Promise<void> {
    /* nothing held */
  }
}
