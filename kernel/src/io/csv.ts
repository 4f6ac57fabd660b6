/**
 * The text CSV splitter (RFC 4180 fields) and small strict cell helpers, with 1-based line and
 * column numbers in every error. Pure: they take text, the file name is only for messages.
 * Every reader of CSV text uses these; the big Supercloud loads use the streaming byte
 * tokenizer in datasets/csv.ts instead, which never builds a string per field.
 */
import { DataFormatError } from "../errors";

/** One record with the 1-based line it starts on. */
export interface CsvRecord {
  line: number;
  cells: string[];
}

/**
 * Splits CSV text into records. Quoted fields may hold commas, doubled quotes and newlines;
 * blank lines are skipped; a trailing `\r` is dropped. `firstLine` numbers the first line
 * (for a piece cut out of a longer file).
 */
export function csvRecordsFromText(text: string, file: string, firstLine = 1): CsvRecord[] {
  const out: CsvRecord[] = [];
  let cells: string[] = [];
  let cur = "";
  let line = firstLine;
  let recordLine = firstLine;
  let i = 0;
  let quoted = false;
  let fieldStarted = false;
  const n = text.length;
  const endRecord = () => {
    cells.push(cur);
    if (!(cells.length === 1 && cells[0] === "" && !fieldStarted)) out.push({ line: recordLine, cells });
    cells = [];
    cur = "";
    fieldStarted = false;
  };
  if (text.charCodeAt(0) === 0xfeff) i = 1; // byte-order mark
  while (i < n) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cur += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      if (c === "\n") line++;
      cur += c;
      i++;
      continue;
    }
    if (c === '"' && cur === "") {
      quoted = true;
      fieldStarted = true;
      i++;
    } else if (c === ",") {
      cells.push(cur);
      cur = "";
      fieldStarted = true;
      i++;
    } else if (c === "\n" || c === "\r") {
      endRecord();
      if (c === "\r" && text[i + 1] === "\n") i++;
      i++;
      line++;
      recordLine = line;
    } else {
      cur += c;
      i++;
    }
  }
  if (quoted) throw new DataFormatError(`${file}:${recordLine}: unclosed double quote; close the quoted field with "`);
  if (cur !== "" || cells.length > 0 || fieldStarted) endRecord();
  return out;
}

/**
 * Splits one CSV line (no newline in it) into cells, with the same rules as csvRecordsFromText;
 * `file` and `line` name the place in an error (an unclosed quote).
 */
export function csvCellsFromLine(text: string, file = "CSV text", line = 1): string[] {
  if (text.indexOf('"') < 0) return text.split(","); // the common case, and the fast one
  const records = csvRecordsFromText(text, file, line);
  return records.length ? records[0].cells : [""];
}

/** Maps header names (trimmed) to column indexes; lower-cased when `fold` is set. */
export function headerIndex(header: readonly string[], fold = false): Map<string, number> {
  const m = new Map<string, number>();
  header.forEach((h, i) => {
    const k = fold ? h.trim().toLowerCase() : h.trim();
    if (!m.has(k)) m.set(k, i);
  });
  return m;
}

/** Result of reading one numeric cell: a number (NaN/±Infinity allowed) or null for blank. */
export type Cell = number | null;

const NON_FINITE: Record<string, number> = {
  nan: NaN,
  "-nan": NaN,
  inf: Infinity,
  "+inf": Infinity,
  "-inf": -Infinity,
  infinity: Infinity,
  "+infinity": Infinity,
  "-infinity": -Infinity,
};

/**
 * Parses a numeric cell. Blank → null; `nan`, `inf`, `-inf`, `Infinity` (any case) → the
 * non-finite number (a diverged run, kept so it can be reported); anything else that is not
 * a number throws a DataFormatError naming file, line, column and header.
 */
export function numberCell(raw: string | undefined, at: { file: string; line: number; col: number; name: string }): Cell {
  const t = (raw ?? "").trim();
  if (t === "") return null;
  const x = Number(t);
  if (!Number.isNaN(x) || t.toLowerCase() === "nan") return Number.isNaN(x) ? NaN : x;
  const special = NON_FINITE[t.toLowerCase()];
  if (special !== undefined) return special;
  throw new DataFormatError(
    `${at.file}:${at.line}:${at.col}: column "${at.name}" expects a number (or nan/inf for a diverged run) but got ${JSON.stringify(t.length > 40 ? t.slice(0, 40) + "…" : t)}`,
  );
}
