/**
 * Turns what went wrong in a cell into Jupyter's error triple (ename, evalue, traceback).
 * tslab reports problems through the console it is given; the kernel hands it a collector.
 */
import { GreenaiError, UsageError } from "../errors";

export interface CellError {
  ename: string;
  evalue: string;
  traceback: string[];
}

const INTERRUPT_MESSAGES = ["Interrupted asynchronously", "Script execution was interrupted by `SIGINT`"];

/** Error triple for any thrown value. */
export function cellErrorFrom(e: unknown): CellError {
  if (e instanceof UsageError) {
    return { ename: e.name, evalue: e.message, traceback: [`${e.name}: ${e.message}`, ...(e.usage ? ["", ...e.usage.split("\n")] : [])] };
  }
  if (e instanceof GreenaiError) return { ename: e.name, evalue: e.message, traceback: [`${e.name}: ${e.message}`] };
  if (e instanceof Error) {
    if (INTERRUPT_MESSAGES.some((m) => e.message.includes(m))) {
      return { ename: "InterruptedError", evalue: "interrupted by the user", traceback: ["InterruptedError: interrupted by the user"] };
    }
    const name = e.name || "Error";
    return { ename: name, evalue: e.message, traceback: (e.stack ?? `${name}: ${e.message}`).split("\n") };
  }
  const text = typeof e === "string" ? e : JSON.stringify(e) ?? String(e);
  return { ename: "Error", evalue: text, traceback: [`Thrown: ${text}`] };
}

/**
 * The console handed to tslab's executor: `log` passes through, `error` is collected
 * (type-check diagnostics become one TSError; a runtime error keeps its name).
 */
export class ErrorCollector {
  private diagnostics: string[] = [];
  private runtime?: CellError;
  /** Added to diagnostic line numbers: the chunk's first line within the cell. */
  lineOffset = 0;

  readonly console = {
    log: (...args: unknown[]) => console.log(...args),
    error: (...args: unknown[]) => this.record(args),
  };

  private record(args: unknown[]): void {
    if (args[0] === "%s%d:%d - %s" && args.length === 5) {
      const [, file, line, col, msg] = args as [string, string, number, number, string];
      this.diagnostics.push(`${file}${line + this.lineOffset}:${col} - ${msg}`);
    } else if (!this.runtime) {
      this.runtime = cellErrorFrom(args.length === 1 ? args[0] : args.map(String).join(" "));
    }
  }

  /** The error of the last failed execution, then clears. */
  take(): CellError | undefined {
    let out: CellError | undefined = this.runtime;
    if (this.diagnostics.length) {
      const n = this.diagnostics.length;
      out = {
        ename: "TSError",
        evalue: n === 1 ? this.diagnostics[0] : `${n} type errors; first: ${this.diagnostics[0]}`,
        traceback: this.diagnostics.map((d) => `TSError: ${d}`),
      };
    }
    this.diagnostics = [];
    this.runtime = undefined;
    return out;
  }
}
