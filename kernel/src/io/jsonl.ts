/**
 * JSON lines (one JSON value per line) and JSON as Python writes it. Reading is pure (takes
 * text; the file name is only for messages); JsonLinesAppender is the one writer that appends
 * to a JSON-lines file a crash may have cut.
 */
import * as fs from "fs";
import { DataFormatError, GreenaiError } from "../errors";

// Sentinels no real JSON string can hold (a NUL first), revived into numbers after parsing.
const NAN = "\u0000NaN";
const POS_INF = "\u0000+Inf";
const NEG_INF = "\u0000-Inf";
const SENTINEL: Record<string, string> = { NaN: NAN, Infinity: POS_INF, "-Infinity": NEG_INF };
const BARE_TOKEN = /^(-?Infinity|NaN)(?![A-Za-z0-9_])/;

/** Replaces bare NaN/Infinity/-Infinity tokens outside strings by sentinel strings JSON.parse accepts. */
function protectNonFinite(text: string): string {
  let out = "";
  let inStr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inStr) {
      out += c;
      if (c === "\\") out += text[++i] ?? "";
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') {
      inStr = true;
      out += c;
      continue;
    }
    // A token, not the tail of a word or number (e.g. `xNaN`, `1.NaN` stay as written and fail).
    const m = (c === "N" || c === "I" || c === "-") && !/[A-Za-z0-9_.]/.test(text[i - 1] ?? "") ? BARE_TOKEN.exec(text.slice(i, i + 10)) : null;
    if (m) {
      out += JSON.stringify(SENTINEL[m[1]]);
      i += m[1].length - 1;
    } else out += c;
  }
  return out;
}

function revive(_k: string, v: unknown): unknown {
  if (v === NAN) return NaN;
  if (v === POS_INF) return Infinity;
  if (v === NEG_INF) return -Infinity;
  return v;
}

/**
 * JSON.parse that also reads Python's bare `NaN`, `Infinity` and `-Infinity` (what `json.dumps`
 * writes for non-finite floats) as numbers. Throws SyntaxError like JSON.parse.
 */
export function parsePythonJson(text: string): unknown {
  // Most lines hold no such token: skip the character scan for them.
  if (text.indexOf("NaN") < 0 && text.indexOf("Infinity") < 0) return JSON.parse(text);
  return JSON.parse(protectNonFinite(text), revive);
}

/** One parsed line with its 1-based line number. */
export interface JsonLine {
  line: number;
  value: unknown;
}

export interface JsonLinesOptions {
  /** What each line should hold, for the error message, e.g. "one JSON object per line". */
  expected: string;
  /** Read bare NaN/Infinity as Python writes them (default false: strict JSON). */
  python?: boolean;
  /**
   * Skip an unparsable last line (a write cut short by a crash) and report it in `cut`,
   * instead of failing. Default false.
   */
  allowCutLastLine?: boolean;
  /**
   * Skip every other line that is not JSON and report it in `skipped` (its line number and
   * "file:line: why"), instead of failing. Default false.
   */
  skipBadLines?: boolean;
}

/**
 * Parses JSON lines; blank lines are skipped. A line that is not JSON throws a DataFormatError
 * naming file and line, except a cut last line or any bad line when allowed.
 */
export function jsonLinesFromText(text: string, file: string, opts: JsonLinesOptions): { lines: JsonLine[]; cut: string | null; skipped: { line: number; message: string }[] } {
  const raw = text.split("\n");
  const lines: JsonLine[] = [];
  const skipped: { line: number; message: string }[] = [];
  let cut: string | null = null;
  const parse = opts.python ? parsePythonJson : JSON.parse;
  // Index of the last line holding text: only it may be a cut write.
  let last = raw.length - 1;
  while (last >= 0 && raw[last].trim() === "") last--;
  for (let i = 0; i <= last; i++) {
    const t = raw[i].trim();
    if (t === "") continue;
    try {
      lines.push({ line: i + 1, value: parse(i === 0 ? t.replace(/^\uFEFF/, "") : t) });
    } catch (e) {
      if (opts.allowCutLastLine && i === last) {
        cut = `${file}:${i + 1}: cut last line skipped`;
        break;
      }
      const why = `${file}:${i + 1}: not valid JSON (${(e as Error).message}); expected ${opts.expected}`;
      if (!opts.skipBadLines) throw new DataFormatError(why);
      skipped.push({ line: i + 1, message: `${why}; skipped` });
    }
  }
  return { lines, cut, skipped };
}

const NEWLINE = 0x0a;

/** 1-based number of the line starting at byte `start` of `buf`. */
function lineNumberAt(buf: Buffer, start: number): number {
  let n = 1;
  for (let i = buf.indexOf(NEWLINE); i >= 0 && i < start; i = buf.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

/**
 * Appends JSON values, one per line, to a file that a crash may have cut in the middle of a
 * line. Before the first append (and again after a write that failed part way) it repairs the
 * tail: an unterminated last line that is whole JSON gets its newline, a line cut short is
 * removed. So a new line never merges with a cut one. Edge: writes the file.
 */
export class JsonLinesAppender {
  /** What repairing did ("file:line: what"), for the caller's notes; empty while the file was sound. */
  readonly repairs: string[] = [];
  private sound = false;

  constructor(readonly file: string) {}

  /** Appends each value as one JSON line (nothing for an empty list). */
  append(values: readonly unknown[]): void {
    if (values.length === 0) return;
    if (!this.sound) this.repair();
    const text = values.map((v) => JSON.stringify(v)).join("\n") + "\n";
    // a write that fails part way (disk full) leaves a cut line: repair again before the next one
    this.sound = false;
    try {
      fs.appendFileSync(this.file, text);
    } catch (e) {
      throw new GreenaiError(`${this.file}: cannot append (${(e as Error).message}); free space or fix its permissions, then try again`);
    }
    this.sound = true;
  }

  /** Cuts the file back to its last complete line (or ends a whole last line); a missing file is sound. */
  repair(): void {
    let buf: Buffer;
    try {
      buf = fs.readFileSync(this.file);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === "ENOENT") {
        this.sound = true;
        return;
      }
      throw new GreenaiError(`${this.file}: cannot read before appending (${err.message}); fix the path or its permissions`);
    }
    const start = buf.lastIndexOf(NEWLINE) + 1;
    if (start < buf.length) {
      const tail = buf.subarray(start).toString("utf8");
      const where = `${this.file}:${lineNumberAt(buf, start)}`;
      let whole = false;
      try {
        JSON.parse(tail);
        whole = true;
      } catch {
        /* cut short */
      }
      if (whole) {
        fs.appendFileSync(this.file, "\n");
        this.repairs.push(`${where}: the last line had no newline; one was added before appending`);
      } else {
        fs.truncateSync(this.file, start);
        const preview = tail.length > 60 ? `${tail.slice(0, 60)}…` : tail;
        this.repairs.push(`${where}: a line cut short (a crash while writing) was removed before appending: ${JSON.stringify(preview)}`);
      }
    }
    this.sound = true;
  }
}
