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

/**
 * A public data set that is neither prepared locally, nor cached, nor downloadable here, or a
 * prepared copy that lacks a file the work needs. The message names the data set and the
 * command that fetches it.
 */
export class DataUnavailableError extends GreenaiError {
  override name = "DataUnavailableError";
}
