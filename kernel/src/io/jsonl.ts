/**
 * JSON lines (one JSON value per line) and JSON as Python writes it. Pure: takes text; the
 * file name is only for messages.
 */
import { DataFormatError } from "../errors";

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
}

/**
 * Parses JSON lines; blank lines are skipped. A line that is not JSON throws a DataFormatError
 * naming file and line, except a cut last line when allowed.
 */
export function jsonLinesFromText(text: string, file: string, opts: JsonLinesOptions): { lines: JsonLine[]; cut: string | null } {
  const raw = text.split("\n");
  const lines: JsonLine[] = [];
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
      throw new DataFormatError(`${file}:${i + 1}: not valid JSON (${(e as Error).message}); expected ${opts.expected}`);
    }
  }
  return { lines, cut };
}
