/**
 * Long ribbon computations (drawing a trace, simulating a pool, tabulating a grid) are written
 * once, as generators that yield between chunks of work. `finishSteps` runs one straight through
 * (the synchronous form, as fast as a plain loop); `finishStepsInterruptibly` awaits
 * `checkpoint(signal)` at every yield, so a kernel interrupt or Ctrl-C can stop it within ~50 ms.
 */
import { checkpoint } from "../errors";

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
