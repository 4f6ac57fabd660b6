/**
 * Text arriving in chunks (a child's stdout, a growing log) cut into lines. Pure.
 */

/** Splits a text stream into lines, calling `onLine` per complete line (a trailing `\r` dropped); flush() emits the rest. */
export class LineSplitter {
  private buf = "";
  constructor(private readonly onLine: (line: string) => void) {}

  push(text: string): void {
    const parts = (this.buf + text).split("\n");
    this.buf = parts.pop() ?? "";
    for (const p of parts) this.onLine(p.replace(/\r$/, ""));
  }

  /** Emits a last line that has no newline, if any. */
  flush(): void {
    if (this.buf !== "") this.onLine(this.buf);
    this.buf = "";
  }

  /** The unterminated text held back so far (a line still being written). */
  get pending(): string {
    return this.buf;
  }
}
