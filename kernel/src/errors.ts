/** The greenai error family: every message says what went wrong, where, and what to do. */
export class GreenaiError extends Error {
  override name = "GreenaiError";
}

/** Bad use of a magic or CLI command: unknown flag, wrong type, missing argument. */
export class UsageError extends GreenaiError {
  override name = "UsageError";
  /** Usage text of the command, shown under the message. */
  readonly usage?: string;
  constructor(message: string, usage?: string) {
    super(message);
    this.usage = usage;
  }
}

/** Input data that does not match its documented format (file, line, column). */
export class DataFormatError extends GreenaiError {
  override name = "DataFormatError";
}

/** Work stopped by the user (kernel interrupt, Ctrl-C). */
export class InterruptedError extends GreenaiError {
  override name = "InterruptedError";
  constructor(message = "interrupted by the user") {
    super(message);
  }
}

/** Throws InterruptedError when the signal has been aborted; call it in long loops. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new InterruptedError();
}

/** How long a synchronous stretch of work may run before `checkpoint` yields to the event loop. */
const CHECKPOINT_SLICE_MS = 50;
let sliceStart = Date.now();

/**
 * Call often inside long loops: every ~50 ms it yields to the event loop, so that a kernel
 * interrupt (SIGINT handler, abort of `signal`) can run, then throws InterruptedError if
 * `signal` was aborted. Cheap between yields (one clock read).
 */
export async function checkpoint(signal: AbortSignal | undefined): Promise<void> {
  if (Date.now() - sliceStart < CHECKPOINT_SLICE_MS) {
    throwIfAborted(signal);
    return;
  }
  await new Promise<void>((resolve) => setImmediate(resolve));
  sliceStart = Date.now();
  throwIfAborted(signal);
}

/**
 * A public data set that is neither prepared locally, nor cached, nor downloadable here, or a
 * prepared copy that lacks a file the work needs. The message names the data set and the
 * command that fetches it.
 */
export class DataUnavailableError extends GreenaiError {
  override name = "DataUnavailableError";
}
