/**
 * Long computations of the pure cores (drawing a query trace, simulating a pool, tabulating a
 * grid, scoring trials) are written once, as generators that yield between chunks of work. `finishSteps` runs one straight through
 * (the synchronous form, as fast as a plain loop); `finishStepsInterruptibly` awaits
 * `checkpoint(signal)` at every yield, so a kernel interrupt or Ctrl-C can stop it within ~50 ms.
 */
import { checkpoint, InterruptedError } from "../errors";

/** A computation that yields between chunks of work and returns T. */
export type Steps<T> = Generator<void, T, void>;

/** Queries (or trace entries) per chunk: a few ms of work, so yields cost nothing measurable. */
export const STEP_QUERIES = 1 << 16;

/** Runs every step at once. */
export function finishSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Runs the steps, letting the event loop in between; InterruptedError once `signal` aborts. */
export async function finishStepsInterruptibly<T>(steps: Steps<T>, signal: AbortSignal | undefined): Promise<T> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await checkpoint(signal);
  }
}

/**
 * For `.catch` after interruptible work: an InterruptedError is replaced by one whose message
 * `say`s what had been done (and what was not written); other errors pass unchanged.
 */
export function rethrowInterrupted(say: (e: InterruptedError) => string): (e: unknown) => never {
  return (e) => {
    if (e instanceof InterruptedError) throw new InterruptedError(say(e));
    throw e;
  };
}
