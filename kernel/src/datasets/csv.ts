/**
 * A streaming RFC 4180 CSV tokenizer over bytes. Pure: it is handed chunks and calls a sink
 * once per record with the field byte ranges, so callers parse values straight from the bytes
 * (no string per field). Memory is bounded by the chunk size plus the longest record.
 *
 * @example
 * const tok = new CsvTokenizer(sink, { quotedNewlines: false });
 * for await (const chunk of stream) tok.push(chunk);
 * tok.end();
 */

/** Field flag: the field was quoted. */
export const FIELD_QUOTED = 1;
/** Field flag: the quoted field contains doubled quotes (`""`) that stand for one `"`. */
export const FIELD_ESCAPED = 2;

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

export interface CsvRecord {
  /** Bytes the ranges point into; valid only during the sink call. */
  buf: Uint8Array;
  /** Field i spans buf[starts[base + i], ends[base + i]) (quotes excluded). */
  starts: Int32Array;
  ends: Int32Array;
  /** FIELD_QUOTED / FIELD_ESCAPED bits per field. */
  flags: Uint8Array;
  /** Offset of field 0 in starts/ends/flags. */
  base: number;
  /** Number of fields. */
  count: number;
  /** 1-based line number where the record starts. */
  line: number;
}

/** A syntax problem: where it is (1-based line, field and character) and what was expected. */
export interface CsvSyntaxIssue {
  line: number;
  /** 1-based field number the problem is in. */
  field: number;
  /** 1-based character (byte) position in the line. */
  char: number;
  message: string;
}

/**
 * Receives records and syntax problems. After a problem the tokenizer resumes on the line
 * after the one where the bad record (or its unclosed quote) started, so one stray quote
 * costs one row, not the rest of the file.
 */
export interface CsvSink {
  /**
   * One record. May return the offset where the next record's fields should be written
   * (so a caller can gather many records without copying); default 0. The arrays may be
   * replaced by larger ones between records: always use the ones passed in.
   */
  record(rec: CsvRecord): number | void;
  /** Called after the records of one push()/end(): the bytes they point into change after it. */
  flush?(): void;
  /** A record that could not be tokenized; the tokenizer resumes at the next line. */
  syntax(issue: CsvSyntaxIssue): void;
}

export interface CsvTokenizerOptions {
  /** Field separator byte; default `,`. */
  delimiter?: number;
  /**
   * Whether a quoted field may span lines (full RFC 4180). No Supercloud file has such
   * fields, so the loaders turn this off: a newline inside quotes is then an unclosed quote
   * on that line, reported there instead of swallowing the rest of the file. Default true.
   */
  quotedNewlines?: boolean;
  /** Longest record accepted, in bytes; longer ones are reported and skipped. Default 64 MiB. */
  maxRecordBytes?: number;
  /** Most fields per record; default 4096. */
  maxFields?: number;
}

/** Streaming tokenizer; push() chunks, then end(). */
export class CsvTokenizer {
  private readonly delim: number;
  private readonly quotedNewlines: boolean;
  private readonly maxRecordBytes: number;
  private readonly maxFields: number;
  private pending: Uint8Array = new Uint8Array(0);
  private line = 1;
  private first = true;
  /** Where the next record's fields go in starts/ends/flags (the sink may ask to keep records side by side). */
  private base = 0;
  /** One record object, refilled for each record (valid only during the sink call). */
  private readonly rec: CsvRecord = { buf: new Uint8Array(0), starts: new Int32Array(0), ends: new Int32Array(0), flags: new Uint8Array(0), base: 0, count: 0, line: 0 };
  private starts = new Int32Array(64);
  private ends = new Int32Array(64);
  private flags = new Uint8Array(64);
  /** Set while skipping the rest of an over-long record. */
  private skippingLong = false;
  private ended = false;

  constructor(private readonly sink: CsvSink, opts: CsvTokenizerOptions = {}) {
    this.delim = opts.delimiter ?? 0x2c;
    this.quotedNewlines = opts.quotedNewlines ?? true;
    this.maxRecordBytes = opts.maxRecordBytes ?? 64 * 1024 * 1024;
    this.maxFields = opts.maxFields ?? 4096;
    if (!(this.maxRecordBytes > 0)) throw new RangeError(`maxRecordBytes must be > 0 but got ${this.maxRecordBytes}`);
  }

  /** Lines consumed so far (the next record starts on this line). */
  get currentLine(): number {
    return this.line;
  }

  push(chunk: Uint8Array): void {
    if (this.ended) throw new Error("CsvTokenizer.push after end()");
    if (chunk.length === 0) return;
    let buf: Uint8Array;
    if (this.pending.length === 0) buf = chunk;
    else {
      buf = new Uint8Array(this.pending.length + chunk.length);
      buf.set(this.pending, 0);
      buf.set(chunk, this.pending.length);
    }
    if (this.first) {
      this.first = false;
      if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    const used = this.scan(buf, false);
    this.sink.flush?.();
    this.base = 0;
    const rest = buf.length - used;
    if (rest > this.maxRecordBytes) {
      this.sink.syntax({ line: this.line, field: 1, char: 1, message: `record longer than ${this.maxRecordBytes} bytes; skipped up to the next line` });
      this.skippingLong = true;
      this.pending = new Uint8Array(0);
      return;
    }
    // Copy: the caller may reuse its chunk buffer.
    this.pending = rest === 0 ? new Uint8Array(0) : buf.slice(used);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.pending.length > 0) this.scan(this.pending, true);
    this.sink.flush?.();
    this.base = 0;
    this.pending = new Uint8Array(0);
  }

  /** Tokenizes whole records in buf; returns the number of bytes consumed. */
  private scan(buf: Uint8Array, final: boolean): number {
    const n = buf.length;
    const delim = this.delim;
    const maxFields = this.maxFields;
    let p = 0;
    if (this.skippingLong) {
      const nl = buf.indexOf(LF);
      if (nl < 0) return n;
      this.skippingLong = false;
      this.line++;
      p = nl + 1;
    }
    outer: while (p < n) {
      const recStart = p;
      const recLine = this.line;
      let lines = 0;
      let nf = 0;
      // Blank line (LF or CRLF): skip.
      if (buf[p] === LF) {
        this.line++;
        p++;
        continue;
      }
      if (buf[p] === CR && (p + 1 < n ? buf[p + 1] === LF : final)) {
        this.line++;
        p += p + 1 < n ? 2 : 1;
        continue;
      }
      let starts = this.starts;
      let ends = this.ends;
      let fflags = this.flags;
      const base = this.base;
      for (;;) {
        if (base + nf === starts.length) {
          this.grow();
          starts = this.starts;
          ends = this.ends;
          fflags = this.flags;
        }
        if (nf >= maxFields) {
          const nl = buf.indexOf(LF, p);
          if (nl < 0 && !final) return recStart;
          this.sink.syntax({ line: recLine, field: nf + 1, char: p - recStart + 1, message: `more than ${this.maxFields} fields` });
          this.line += 1 + lines;
          p = nl < 0 ? n : nl + 1;
          continue outer;
        }
        if (p < n && buf[p] === QUOTE) {
          // Quoted field.
          const openAt = p;
          let q = p + 1;
          let fl = FIELD_QUOTED;
          let closed = false;
          let bad = "";
          while (q < n) {
            const c = buf[q];
            if (c === QUOTE) {
              if (q + 1 < n && buf[q + 1] === QUOTE) {
                fl |= FIELD_ESCAPED;
                q += 2;
                continue;
              }
              if (q + 1 >= n && !final) return recStart; // need the next byte to decide
              closed = true;
              break;
            }
            if (c === LF) {
              if (!this.quotedNewlines) {
                bad = "unclosed quote: the quoted field runs to the end of the line; close it with \"";
                break;
              }
              lines++;
            }
            q++;
          }
          if (!closed && !bad) {
            if (!final) return recStart;
            bad = "unclosed quote: the quoted field runs to the end of the file; close it with \"";
          }
          if (bad) {
            this.sink.syntax({ line: recLine + countLf(buf, recStart, openAt), field: nf + 1, char: openAt - lineStart(buf, recStart, openAt) + 1, message: bad });
            // Resume after the line the quote opened on.
            const nl = buf.indexOf(LF, openAt);
            if (nl < 0) {
              this.line += 1;
              return n;
            }
            this.line += 1 + countLf(buf, recStart, openAt);
            p = nl + 1;
            continue outer;
          }
          starts[base + nf] = p + 1;
          ends[base + nf] = q;
          fflags[base + nf] = fl;
          nf++;
          p = q + 1;
          if (p >= n) {
            if (!final) return recStart;
            break;
          }
          const c = buf[p];
          if (c === delim) {
            p++;
            continue;
          }
          if (c === LF) {
            p++;
            lines++;
            break;
          }
          if (c === CR && (p + 1 >= n || buf[p + 1] === LF)) {
            if (p + 1 >= n && !final) return recStart;
            p += p + 1 < n ? 2 : 1;
            lines++;
            break;
          }
          const nl = buf.indexOf(LF, p);
          if (nl < 0 && !final) return recStart;
          this.sink.syntax({
            line: recLine + countLf(buf, recStart, p),
            field: nf,
            char: p - lineStart(buf, recStart, p) + 1,
            message: `unexpected character ${JSON.stringify(String.fromCharCode(c))} after a closing quote; expected a delimiter or the end of the line`,
          });
          this.line += 1 + countLf(buf, recStart, p);
          p = nl < 0 ? n : nl + 1;
          continue outer;
        }
        // Unquoted field: up to the delimiter or the end of the line.
        let q = p;
        while (q < n) {
          const c = buf[q];
          if (c === delim || c === LF) break;
          q++;
        }
        if (q >= n && !final) return recStart;
        let e = q;
        const atEol = q >= n || buf[q] === LF;
        if (atEol && e > p && buf[e - 1] === CR) e--;
        starts[base + nf] = p;
        ends[base + nf] = e;
        fflags[base + nf] = 0;
        nf++;
        if (q >= n) {
          p = n;
          break;
        }
        p = q + 1;
        if (atEol) {
          lines++;
          break;
        }
        if (p >= n) {
          // Trailing delimiter at the end of the data: one more empty field.
          if (!final) return recStart;
          if (base + nf === this.starts.length) this.grow();
          this.starts[base + nf] = p;
          this.ends[base + nf] = p;
          this.flags[base + nf] = 0;
          nf++;
          break;
        }
      }
      this.line += lines === 0 ? 1 : lines;
      const rec = this.rec;
      rec.buf = buf;
      rec.starts = this.starts;
      rec.ends = this.ends;
      rec.flags = this.flags;
      rec.base = base;
      rec.count = nf;
      rec.line = recLine;
      const next = this.sink.record(rec);
      this.base = next === undefined ? 0 : next;
    }
    return n;
  }

  /** Makes room for `n` field slots (the sink gathers records side by side). */
  reserve(n: number): void {
    while (this.starts.length < n) this.grow();
  }

  private grow(): void {
    const m = this.starts.length * 2;
    const s = new Int32Array(m);
    s.set(this.starts);
    const e = new Int32Array(m);
    e.set(this.ends);
    const f = new Uint8Array(m);
    f.set(this.flags);
    this.starts = s;
    this.ends = e;
    this.flags = f;
  }
}

function countLf(buf: Uint8Array, from: number, to: number): number {
  let k = 0;
  for (let i = from; i < to; i++) if (buf[i] === LF) k++;
  return k;
}

/** Offset of the first byte of the line containing `at` (not before `from`). */
function lineStart(buf: Uint8Array, from: number, at: number): number {
  for (let i = at - 1; i >= from; i--) if (buf[i] === LF) return i + 1;
  return from;
}

/** Copies a field's bytes, turning each `""` of an escaped quoted field into `"`. */
export function unescapeField(buf: Uint8Array, s: number, e: number, flags: number): Uint8Array {
  if (!(flags & FIELD_ESCAPED)) return buf.subarray(s, e);
  const out = new Uint8Array(e - s);
  let k = 0;
  for (let i = s; i < e; i++) {
    out[k++] = buf[i];
    if (buf[i] === QUOTE && i + 1 < e && buf[i + 1] === QUOTE) i++;
  }
  return out.subarray(0, k);
}

const utf8 = new TextDecoder("utf-8");

/** A field as a JS string (UTF-8 decoded, quotes unescaped). */
export function fieldText(buf: Uint8Array, s: number, e: number, flags = 0): string {
  if (!(flags & FIELD_ESCAPED)) {
    // Short ASCII fields are common: decode them without TextDecoder.
    if (e - s <= 32) {
      let ascii = true;
      for (let i = s; i < e; i++) if (buf[i] > 0x7f) { ascii = false; break; }
      if (ascii) return String.fromCharCode.apply(null, buf.subarray(s, e) as unknown as number[]);
    }
    return utf8.decode(buf.subarray(s, e));
  }
  return utf8.decode(unescapeField(buf, s, e, flags));
}

/** Tokenizes a whole string or byte array at once; for tests and small files. */
export function tokenizeAll(input: string | Uint8Array, opts: CsvTokenizerOptions = {}): { records: { line: number; fields: string[] }[]; issues: CsvSyntaxIssue[] } {
  const records: { line: number; fields: string[] }[] = [];
  const issues: CsvSyntaxIssue[] = [];
  const tok = new CsvTokenizer(
    {
      record(r) {
        const fields: string[] = [];
        for (let i = 0; i < r.count; i++) fields.push(fieldText(r.buf, r.starts[r.base + i], r.ends[r.base + i], r.flags[r.base + i]));
        records.push({ line: r.line, fields });
      },
      syntax(i) {
        issues.push(i);
      },
    },
    opts,
  );
  tok.push(typeof input === "string" ? new TextEncoder().encode(input) : input);
  tok.end();
  return { records, issues };
}
