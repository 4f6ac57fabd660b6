/**
 * The inputs of this kernel session, for history_request (JupyterLab's console and notebook
 * recall earlier inputs with it). Outputs are not kept: tslab prints values as streams, so
 * an `output: true` request gets null in place of each output.
 */

/** One kernel process is one history session; earlier sessions are not stored. */
export const HISTORY_SESSION = 1;

export interface HistoryRequest {
  output?: boolean;
  raw?: boolean;
  hist_access_type?: "range" | "tail" | "search";
  session?: number;
  start?: number;
  stop?: number | null;
  n?: number | null;
  pattern?: string;
  unique?: boolean;
}

type Entry = [session: number, line: number, input: string | [string, null]];

export class InputHistory {
  private readonly lines: { line: number; input: string }[] = [];

  add(line: number, input: string): void {
    this.lines.push({ line, input });
  }

  /** The history_reply content for a request (messaging spec 5.3). */
  reply(req: HistoryRequest): { status: "ok"; history: Entry[] } {
    const entry = (e: { line: number; input: string }): Entry => [HISTORY_SESSION, e.line, req.output ? [e.input, null] : e.input];
    return { status: "ok", history: this.select(req).map(entry) };
  }

  private select(req: HistoryRequest): { line: number; input: string }[] {
    switch (req.hist_access_type) {
      case "range": {
        // session 0 (or a negative offset of 0) is the current one, as in IPython
        const s = req.session ?? 0;
        if (s !== 0 && s !== HISTORY_SESSION) return [];
        const start = req.start ?? 1;
        const stop = req.stop ?? Infinity; // exclusive
        return this.lines.filter((e) => e.line >= start && e.line < stop);
      }
      case "search": {
        const re = globToRegExp(req.pattern ?? "*");
        let hits = this.lines.filter((e) => re.test(e.input));
        if (req.unique) {
          // keep the latest of equal inputs
          const seen = new Set<string>();
          hits = hits.reverse().filter((e) => !seen.has(e.input) && seen.add(e.input)).reverse();
        }
        return last(hits, req.n);
      }
      default: // "tail", the common case
        return last(this.lines, req.n ?? 10);
    }
  }
}

function last<T>(xs: T[], n: number | null | undefined): T[] {
  return n === undefined || n === null ? xs : n <= 0 ? [] : xs.slice(-n);
}

/** IPython's history patterns: shell globs (`*` any run, `?` one character), whole input. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]");
  return new RegExp(`^${body}$`);
}
