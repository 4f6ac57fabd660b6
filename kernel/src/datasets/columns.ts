/**
 * Typed Arrow column builders that parse CSV fields straight from bytes. Pure.
 *
 * Every builder appends one value per row (or null), can roll back to an earlier length
 * (a row that fails later is dropped whole), and finishes into an Arrow `Data` batch.
 * 64-bit integers are parsed exactly into two 32-bit words: never through a lossy double.
 */
import {
  Bool,
  Data,
  DataType,
  Dictionary,
  Field,
  Float64,
  Int32,
  Int64,
  List,
  Map_,
  Struct,
  TimestampMillisecond,
  TimestampSecond,
  Uint32,
  Uint64,
  Utf8,
  Vector,
  makeData,
  makeVector,
} from "apache-arrow";
import { FIELD_ESCAPED, fieldText } from "./csv";

const TWO32 = 4294967296;
const BACKSLASH = 0x5c;

/** `\N` (MySQL NULL), an empty field and `N/A` are null in every Supercloud file. */
export function isNullField(buf: Uint8Array, s: number, e: number): boolean {
  const len = e - s;
  if (len === 0) return true;
  if (len === 2) return buf[s] === BACKSLASH && buf[s + 1] === 0x4e;
  if (len === 3) return buf[s] === 0x4e && buf[s + 1] === 0x2f && buf[s + 2] === 0x41;
  return false;
}

function trimStart(buf: Uint8Array, s: number, e: number): number {
  while (s < e && (buf[s] === 0x20 || buf[s] === 0x09)) s++;
  return s;
}
function trimEnd(buf: Uint8Array, s: number, e: number): number {
  while (e > s && (buf[e - 1] === 0x20 || buf[e - 1] === 0x09)) e--;
  return e;
}

/** Shows a field in an error message: quoted, shortened. */
export function showField(buf: Uint8Array, s: number, e: number, flags = 0): string {
  const t = fieldText(buf, s, Math.min(e, s + 60), flags);
  return JSON.stringify(e - s > 60 ? `${t}…` : t);
}

// ---------------------------------------------------------------------------
// Exact integer and float parsing from bytes.

/** Result words of parseUint64 / parseInt64: [lo, hi] as unsigned 32-bit numbers. */
export const parsedWords = new Float64Array(2);
/** Words of Int64Builder.wordsAt. */
export const rowWords = new Float64Array(2);

export const enum IntParse {
  Ok = 0,
  NotANumber = 1,
  Overflow = 2,
  Fraction = 3,
}

/**
 * Parses an unsigned decimal integer exactly into parsedWords (lo, hi). Accepts surrounding
 * blanks, a leading `+` and an all-zero fraction (`4.0`, as pandas writes re-saved integers).
 */
export function parseUint64(buf: Uint8Array, s: number, e: number): IntParse {
  // Fast path: only digits, at most 15 of them (exact in a double).
  const n = e - s;
  if (n > 0 && n <= 15) {
    let v = 0;
    let i = s;
    for (; i < e; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
    }
    if (i === e) {
      if (v < TWO32) {
        parsedWords[0] = v;
        parsedWords[1] = 0;
      } else {
        const lo = v % TWO32;
        parsedWords[0] = lo;
        parsedWords[1] = (v - lo) / TWO32;
      }
      return IntParse.Ok;
    }
  }
  return parseUint64General(buf, s, e);
}

/** 10^k for k ≤ 5, the tail of a 16–20 digit number. */
const SMALL_POW10 = [1, 10, 100, 1000, 10000, 100000];

function parseUint64General(buf: Uint8Array, s: number, e: number): IntParse {
  s = trimStart(buf, s, e);
  e = trimEnd(buf, s, e);
  if (s < e && buf[s] === 0x2b) s++;
  if (s >= e) return IntParse.NotANumber;
  let v = 0;
  let i = s;
  // Up to 15 digits fit a double exactly.
  const fastEnd = Math.min(e, s + 15);
  for (; i < fastEnd; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
  }
  let lo = v % TWO32;
  let hi = (v - lo) / TWO32;
  if (i < e && buf[i] >= 0x30 && buf[i] <= 0x39) {
    // The remaining (up to 5) digits at once: v·10^k + tail, in two words.
    let tail = 0;
    const ts = i;
    for (; i < e && i - ts < 6; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) break;
      tail = tail * 10 + d;
    }
    const k = i - ts;
    if (k > 5 || (i < e && buf[i] >= 0x30 && buf[i] <= 0x39)) return IntParse.Overflow;
    const p = SMALL_POW10[k];
    lo = lo * p + tail;
    const carry = Math.floor(lo / TWO32);
    lo -= carry * TWO32;
    hi = hi * p + carry;
    if (hi >= TWO32) return IntParse.Overflow;
  }
  if (i === s) return IntParse.NotANumber;
  if (i < e) {
    if (buf[i] !== 0x2e) return IntParse.NotANumber;
    i++;
    let nonZero = false;
    for (; i < e; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) return IntParse.NotANumber;
      if (d !== 0) nonZero = true;
    }
    if (nonZero) return IntParse.Fraction;
  }
  parsedWords[0] = lo;
  parsedWords[1] = hi;
  return IntParse.Ok;
}

/** Parses a signed 64-bit decimal integer exactly into parsedWords (two's complement words). */
export function parseInt64(buf: Uint8Array, s: number, e: number): IntParse {
  s = trimStart(buf, s, e);
  let neg = false;
  if (s < e && buf[s] === 0x2d) {
    neg = true;
    s++;
  }
  const r = parseUint64(buf, s, e);
  if (r !== IntParse.Ok) return r;
  let lo = parsedWords[0];
  let hi = parsedWords[1];
  if (!neg) {
    if (hi >= 0x80000000) return IntParse.Overflow;
    return IntParse.Ok;
  }
  if (hi > 0x80000000 || (hi === 0x80000000 && lo !== 0)) return IntParse.Overflow;
  // Two's complement negation.
  lo = (TWO32 - lo) % TWO32;
  hi = (TWO32 - hi - (parsedWords[0] === 0 ? 0 : 1)) % TWO32;
  parsedWords[0] = lo;
  parsedWords[1] = hi;
  return IntParse.Ok;
}

/** Parses a decimal integer that fits a double exactly (|v| < 2^53); NaN when not one. */
export function parseSmallInt(buf: Uint8Array, s: number, e: number): number {
  // Fast path: only digits, at most 15.
  const n = e - s;
  if (n > 0 && n <= 15) {
    let v = 0;
    let i = s;
    for (; i < e; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
    }
    if (i === e) return v;
  }
  s = trimStart(buf, s, e);
  let neg = false;
  if (s < e && (buf[s] === 0x2d || buf[s] === 0x2b)) {
    neg = buf[s] === 0x2d;
    s++;
  }
  if (parseUint64(buf, s, e) !== IntParse.Ok) return NaN;
  const hi = parsedWords[1];
  if (hi >= 0x200000) return NaN;
  const v = hi * TWO32 + parsedWords[0];
  return neg ? -v : v;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** Whether the last parseFloat64 call saw a valid number. */
export let floatOk = false;

/**
 * Parses a decimal float correctly rounded (as Number() would). Fast path: ≤ 15 significant
 * digits and a power of ten ≤ 22, one exact IEEE operation; otherwise Number() on the text.
 * Accepts `nan`, `inf`, `-inf`, `infinity` in any case. Sets floatOk.
 */
export function parseFloat64(buf: Uint8Array, s: number, e: number): number {
  s = trimStart(buf, s, e);
  e = trimEnd(buf, s, e);
  floatOk = false;
  let i = s;
  let neg = false;
  if (i < e && (buf[i] === 0x2d || buf[i] === 0x2b)) {
    neg = buf[i] === 0x2d;
    i++;
  }
  let mant = 0;
  let sig = 0;
  let exp10 = 0;
  let digits = 0;
  for (; i < e; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) break;
    digits++;
    if (mant === 0 && d === 0) continue;
    if (sig < 15) {
      mant = mant * 10 + d;
      sig++;
    } else {
      sig++;
      exp10++;
    }
  }
  if (i < e && buf[i] === 0x2e) {
    i++;
    for (; i < e; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) break;
      digits++;
      if (mant === 0 && d === 0) {
        exp10--;
        continue;
      }
      if (sig < 15) {
        mant = mant * 10 + d;
        exp10--;
      }
      sig++;
    }
  }
  if (digits === 0) return specialFloat(buf, s, e);
  if (i < e && (buf[i] === 0x65 || buf[i] === 0x45)) {
    i++;
    let eneg = false;
    if (i < e && (buf[i] === 0x2d || buf[i] === 0x2b)) {
      eneg = buf[i] === 0x2d;
      i++;
    }
    const es = i;
    let ev = 0;
    for (; i < e; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) break;
      if (ev < 100000) ev = ev * 10 + d;
    }
    if (i === es) return NaN;
    exp10 += eneg ? -ev : ev;
  }
  if (i !== e) return NaN;
  floatOk = true;
  if (sig <= 15 && exp10 >= -22 && exp10 <= 22) {
    const v = exp10 < 0 ? mant / POW10[-exp10] : mant * POW10[exp10];
    return neg ? -v : v;
  }
  return Number(fieldText(buf, s, e));
}

function specialFloat(buf: Uint8Array, s: number, e: number): number {
  const t = fieldText(buf, s, e).toLowerCase();
  floatOk = true;
  if (t === "nan" || t === "+nan" || t === "-nan") return NaN;
  if (t === "inf" || t === "+inf" || t === "infinity" || t === "+infinity") return Infinity;
  if (t === "-inf" || t === "-infinity") return -Infinity;
  floatOk = false;
  return NaN;
}

// ---------------------------------------------------------------------------
// Builders.

/** Field positions of a block of records: field f of row r is at index bases[r] + f. */
export interface RowBlock {
  buf: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  flags: Uint8Array;
  bases: Int32Array;
}

/** What the reader needs from every builder. */
export abstract class ColumnBuilder {
  length = 0;
  nullCount = 0;
  /** Message of the last failed append: what was expected and what was found. */
  error = "";
  protected valid = new Uint8Array(1024);

  constructor(
    readonly name: string,
    readonly type: DataType,
    /** Whether nulls are allowed; a null in a non-nullable column is an error. */
    readonly nullable = true,
  ) {}

  get field(): Field {
    return new Field(this.name, this.type, this.nullable);
  }

  /** Parses one field and appends it; false (with `error` set) when it is not a valid value. */
  abstract append(buf: Uint8Array, s: number, e: number, flags: number): boolean;

  /**
   * Appends field `field` of the block rows listed in rows[0..count). Returns count, or the
   * position k of the first row that failed (rows before it are appended; `error` is set).
   * Each builder class has its own copy of this loop so its append() call stays monomorphic:
   * one shared loop here made the decoded 400,000-row scheduler-log load slower, best of 5
   * 1.89 s → 2.19 s (bench/datasets.bench.js `--child ours-table`, 2026-11-26).
   */
  abstract appendRows(b: RowBlock, field: number, rows: Int32Array, count: number): number;

  /** Appends a null; false when the column may not hold one. */
  appendNull(): boolean {
    if (!this.nullable) {
      this.error = "missing value (empty, \\N or N/A) where one is required";
      return false;
    }
    this.grow(this.length + 1);
    this.valid[this.length] = 0;
    this.nullCount++;
    this.pushNullValue();
    this.length++;
    return true;
  }

  /** Drops rows from `len` on. */
  truncate(len: number): void {
    for (let i = len; i < this.length; i++) if (this.valid[i] === 0) this.nullCount--;
    this.length = len;
    this.truncateValues(len);
  }

  /** The row's value as a number (for filters); NaN for null. */
  numberAt(_row: number): number {
    return NaN;
  }

  /** Finishes the rows so far into one Data and starts empty. */
  finish(): Data {
    const d = this.finishData(this.length, this.nullCount, this.nullCount > 0 ? packBits(this.valid, this.length) : undefined);
    this.length = 0;
    this.nullCount = 0;
    return d;
  }

  protected grow(n: number): void {
    if (n > this.valid.length) {
      const v = new Uint8Array(Math.max(n, this.valid.length * 2));
      v.set(this.valid);
      this.valid = v;
    }
  }

  /** Marks the row about to be appended valid. */
  protected markValid(): void {
    if (this.length >= this.valid.length) this.grow(this.length + 1);
    this.valid[this.length] = 1;
  }

  protected abstract pushNullValue(): void;
  protected truncateValues(_len: number): void {}
  protected abstract finishData(length: number, nullCount: number, nullBitmap: Uint8Array | undefined): Data;
}

/** Packs one byte per row into an Arrow validity bitmap. */
export function packBits(bytes: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(((n + 63) >> 6) << 3);
  for (let i = 0; i < n; i++) if (bytes[i]) out[i >> 3] |= 1 << (i & 7);
  return out;
}

function growTyped<T extends Float64Array | Int32Array | Uint32Array | Uint8Array>(a: T, n: number, make: (n: number) => T): T {
  if (n <= a.length) return a;
  const b = make(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

/** Options for 32-bit integer columns. */
export interface Int32Options {
  /** Values that mean "not set" (Slurm NO_VAL, INFINITE): stored as null. */
  nullValues?: readonly number[];
  /** A transform of the parsed value, e.g. `state & 0xFF`. */
  map?: (v: number) => number;
}

/** Int32 or UInt32 column (values kept in an Int32Array; UInt32 reinterprets its bits). */
export class Int32Builder extends ColumnBuilder {
  private data = new Int32Array(1024);
  private readonly min: number;
  private readonly max: number;
  private readonly unsigned: boolean;
  private readonly null1: number;
  private readonly null2: number;
  private readonly map: ((v: number) => number) | undefined;

  constructor(name: string, unsigned: boolean, nullable = true, opts: Int32Options = {}) {
    super(name, unsigned ? new Uint32() : new Int32(), nullable);
    this.unsigned = unsigned;
    this.min = unsigned ? 0 : -2147483648;
    this.max = unsigned ? 4294967295 : 2147483647;
    const nv = opts.nullValues ?? [];
    if (nv.length > 2) throw new RangeError(`at most 2 nullValues are supported but got ${nv.length}`);
    this.null1 = nv[0] ?? NaN;
    this.null2 = nv[1] ?? NaN;
    this.map = opts.map;
  }

  appendRows(b: RowBlock, field: number, rows: Int32Array, count: number): number {
    const { buf, starts, ends, flags, bases } = b;
    for (let k = 0; k < count; k++) {
      const i = bases[rows[k]] + field;
      if (!this.append(buf, starts[i], ends[i], flags[i])) return k;
    }
    return count;
  }

  append(buf: Uint8Array, s: number, e: number, _flags?: number): boolean {
    // Fast path: 1–9 plain digits.
    const n = e - s;
    if (n > 0 && n <= 9) {
      let v = 0;
      let i = s;
      for (; i < e; i++) {
        const d = buf[i] - 48;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
      }
      if (i === e && v !== this.null1 && v !== this.null2 && this.map === undefined) {
        const len = this.length;
        if (len >= this.data.length) this.growData();
        if (len >= this.valid.length) this.grow(len + 1);
        this.valid[len] = 1;
        this.data[len] = v;
        this.length = len + 1;
        return true;
      }
    }
    return this.appendSlow(buf, s, e);
  }

  private appendSlow(buf: Uint8Array, s: number, e: number): boolean {
    if (isNullField(buf, s, e)) return this.appendNull();
    let v = parseSmallInt(buf, s, e);
    if (!(v >= this.min && v <= this.max)) {
      const what = this.unsigned ? "an unsigned 32-bit integer" : "a 32-bit integer";
      this.error = `expected ${what} but got ${showField(buf, s, e)}`;
      return false;
    }
    if (v === this.null1 || v === this.null2) return this.appendNull();
    if (this.map !== undefined) v = this.map(v);
    this.markValid();
    if (this.length >= this.data.length) this.growData();
    this.data[this.length++] = v | 0;
    return true;
  }

  override numberAt(row: number): number {
    if (!this.valid[row]) return NaN;
    return this.unsigned ? this.data[row] >>> 0 : this.data[row];
  }

  /** Appends a value already known to be in range. */
  appendInt(v: number): void {
    this.markValid();
    if (this.length >= this.data.length) this.growData();
    this.data[this.length++] = v | 0;
  }

  private growData(): void {
    const d = new Int32Array(this.data.length * 2);
    d.set(this.data);
    this.data = d;
  }

  protected pushNullValue(): void {
    if (this.length >= this.data.length) this.growData();
    this.data[this.length] = 0;
  }

  protected finishData(length: number, nullCount: number, nullBitmap?: Uint8Array): Data {
    const d = this.data.slice(0, length);
    const data = this.unsigned ? new Uint32Array(d.buffer) : d;
    return makeData({ type: this.type as Int32, length, nullCount, nullBitmap, data: data as Int32Array });
  }
}

/** How a 64-bit column reads its text. */
export type Int64Kind =
  /** Signed decimal (Int64). */
  | "int64"
  /** Unsigned decimal (UInt64). */
  | "uint64"
  /** Epoch seconds as an integer (Timestamp(s, UTC)). */
  | "epoch-s"
  /** Epoch seconds with an optional fraction, rounded to ms (Timestamp(ms, UTC)). */
  | "epoch-s-to-ms";

export interface Int64Options {
  /** epoch kinds: 0 means "unset" and is stored as null (Slurm's convention). */
  zeroIsNull?: boolean;
  /** uint64: values ≥ 2^64 − 2 (NO_VAL64, INFINITE64) are stored as null. */
  noVal64IsNull?: boolean;
  /** uint64: keep only the low 63 bits (mem_req without its MEM_PER_CPU flag). */
  low63?: boolean;
}

/** Int64, UInt64 and Timestamp columns, stored as exact 32-bit word pairs. */
export class Int64Builder extends ColumnBuilder {
  private words = new Uint32Array(2048);
  /** Rows the words and validity arrays hold. */
  private capacity = 1024;
  private readonly zeroIsNull: boolean;
  private readonly msFromS: boolean;

  constructor(name: string, readonly kind: Int64Kind, nullable = true, private readonly opts: Int64Options = {}) {
    super(
      name,
      kind === "int64" ? new Int64() : kind === "uint64" ? new Uint64() : kind === "epoch-s" ? new TimestampSecond("UTC") : new TimestampMillisecond("UTC"),
      nullable,
    );
    this.zeroIsNull = (kind === "epoch-s" || kind === "epoch-s-to-ms") && opts.zeroIsNull === true;
    this.msFromS = kind === "epoch-s-to-ms";
  }

  private growTo(n: number): void {
    this.ensure(n);
    this.grow(n);
    this.capacity = Math.min(this.words.length >> 1, this.valid.length);
  }

  appendRows(b: RowBlock, field: number, rows: Int32Array, count: number): number {
    const { buf, starts, ends, flags, bases } = b;
    for (let k = 0; k < count; k++) {
      const i = bases[rows[k]] + field;
      if (!this.append(buf, starts[i], ends[i], flags[i])) return k;
    }
    return count;
  }

  append(buf: Uint8Array, s: number, e: number, _flags?: number): boolean {
    // Fast path: 1–15 plain digits (ids, epoch seconds, most values), exact in a double.
    const n = e - s;
    if (n > 0 && n <= 15) {
      let v = 0;
      let i = s;
      for (; i < e; i++) {
        const d = buf[i] - 48;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
      }
      if (i === e) {
        if (v === 0 && this.zeroIsNull) return this.appendNull();
        if (this.msFromS) {
          if (v >= 9e12) return this.appendSlow(buf, s, e);
          v *= 1000;
        }
        const len = this.length;
        if (len >= this.capacity) this.growTo(len + 1);
        this.valid[len] = 1;
        const hi = Math.floor(v / TWO32);
        this.words[2 * len] = v - hi * TWO32;
        this.words[2 * len + 1] = hi;
        this.length = len + 1;
        return true;
      }
    }
    return this.appendSlow(buf, s, e);
  }

  private appendSlow(buf: Uint8Array, s: number, e: number): boolean {
    if (isNullField(buf, s, e)) return this.appendNull();
    let lo: number;
    let hi: number;
    if (this.kind === "epoch-s-to-ms") {
      const ms = parseEpochMs(buf, s, e);
      if (Number.isNaN(ms)) {
        this.error = `expected epoch seconds (e.g. 1626100901 or 1626100901.217) but got ${showField(buf, s, e)}`;
        return false;
      }
      if (ms === 0 && this.opts.zeroIsNull) return this.appendNull();
      lo = ((ms % TWO32) + TWO32) % TWO32;
      hi = (ms - lo) / TWO32;
      if (hi < 0) hi += TWO32;
    } else {
      const r = this.kind === "uint64" ? parseUint64(buf, s, e) : parseInt64(buf, s, e);
      if (r !== IntParse.Ok) {
        const what =
          this.kind === "uint64" ? "an unsigned 64-bit integer" : this.kind === "int64" ? "a 64-bit integer" : "epoch seconds as an integer";
        const why = r === IntParse.Overflow ? " (out of range)" : r === IntParse.Fraction ? " (has a fraction)" : "";
        this.error = `expected ${what} but got ${showField(buf, s, e)}${why}`;
        return false;
      }
      lo = parsedWords[0];
      hi = parsedWords[1];
      if (this.kind === "uint64") {
        if (this.opts.noVal64IsNull && hi === 0xffffffff && lo >= 0xfffffffe) return this.appendNull();
        if (this.opts.low63) hi = hi & 0x7fffffff;
      } else if (this.kind === "epoch-s" && this.opts.zeroIsNull && lo === 0 && hi === 0) {
        return this.appendNull();
      }
    }
    this.markValid();
    this.ensure(this.length + 1);
    this.words[2 * this.length] = lo;
    this.words[2 * this.length + 1] = hi;
    this.length++;
    return true;
  }

  /** Puts row's words in rowWords ([lo, hi]); false for null. */
  wordsAt(row: number): boolean {
    if (!this.valid[row]) return false;
    rowWords[0] = this.words[2 * row];
    rowWords[1] = this.words[2 * row + 1];
    return true;
  }

  /** Appends a value as two unsigned 32-bit words. */
  appendWords(lo: number, hi: number): void {
    this.markValid();
    this.ensure(this.length + 1);
    this.words[2 * this.length] = lo;
    this.words[2 * this.length + 1] = hi;
    this.length++;
  }

  /** Appends a value given as a bigint (constant columns, tests). */
  appendBigInt(v: bigint): void {
    const u = BigInt.asUintN(64, v);
    this.markValid();
    this.ensure(this.length + 1);
    this.words[2 * this.length] = Number(u & 0xffffffffn);
    this.words[2 * this.length + 1] = Number(u >> 32n);
    this.length++;
  }

  override numberAt(row: number): number {
    if (!this.valid[row]) return NaN;
    const lo = this.words[2 * row];
    const hi = this.words[2 * row + 1];
    if (this.kind !== "uint64" && hi >= 0x80000000) return (hi - TWO32) * TWO32 + lo;
    return hi * TWO32 + lo;
  }

  private ensure(n: number): void {
    if (2 * n > this.words.length) {
      const w = new Uint32Array(Math.max(2 * n, this.words.length * 2));
      w.set(this.words);
      this.words = w;
    }
  }

  protected pushNullValue(): void {
    this.ensure(this.length + 1);
    this.words[2 * this.length] = 0;
    this.words[2 * this.length + 1] = 0;
  }

  protected finishData(length: number, nullCount: number, nullBitmap?: Uint8Array): Data {
    const w = this.words.slice(0, 2 * length);
    const data = this.kind === "uint64" ? new BigUint64Array(w.buffer) : new BigInt64Array(w.buffer);
    return makeData({ type: this.type as Int64, length, nullCount, nullBitmap, data: data as BigInt64Array });
  }
}

/** Epoch seconds text (integer or decimal) to integer milliseconds, rounded half up; NaN if not a number. */
export function parseEpochMs(buf: Uint8Array, s: number, e: number): number {
  s = trimStart(buf, s, e);
  e = trimEnd(buf, s, e);
  let i = s;
  let sec = 0;
  let nd = 0;
  for (; i < e && nd < 15; i++, nd++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) break;
    sec = sec * 10 + d;
  }
  if (nd === 0 || (i < e && buf[i] >= 0x30 && buf[i] <= 0x39)) return fallbackMs(buf, s, e);
  if (i === e) return sec * 1000;
  if (buf[i] !== 0x2e) return fallbackMs(buf, s, e);
  i++;
  let ms = 0;
  let k = 0;
  let roundUp = false;
  for (; i < e; i++, k++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return fallbackMs(buf, s, e);
    if (k < 3) ms = ms * 10 + d;
    else if (k === 3) roundUp = d >= 5;
  }
  for (; k < 3; k++) ms *= 10;
  return sec * 1000 + ms + (roundUp ? 1 : 0);
}

function fallbackMs(buf: Uint8Array, s: number, e: number): number {
  const v = parseFloat64(buf, s, e);
  if (!floatOk || !Number.isFinite(v) || Math.abs(v) > 9e12) return NaN;
  return Math.round(v * 1000);
}

/** Float64 column. */
export class Float64Builder extends ColumnBuilder {
  private data = new Float64Array(1024);

  constructor(name: string, nullable = true) {
    super(name, new Float64(), nullable);
  }

  appendRows(b: RowBlock, field: number, rows: Int32Array, count: number): number {
    const { buf, starts, ends, flags, bases } = b;
    for (let k = 0; k < count; k++) {
      const i = bases[rows[k]] + field;
      if (!this.append(buf, starts[i], ends[i], flags[i])) return k;
    }
    return count;
  }

  append(buf: Uint8Array, s: number, e: number, _flags?: number): boolean {
    if (isNullField(buf, s, e)) return this.appendNull();
    const v = parseFloat64(buf, s, e);
    if (!floatOk) {
      this.error = `expected a number but got ${showField(buf, s, e)}`;
      return false;
    }
    this.markValid();
    if (this.length >= this.data.length) this.data = growTyped(this.data, this.length + 1, (n) => new Float64Array(n));
    this.data[this.length++] = v;
    return true;
  }

  override numberAt(row: number): number {
    return this.valid[row] ? this.data[row] : NaN;
  }

  protected pushNullValue(): void {
    if (this.length >= this.data.length) this.data = growTyped(this.data, this.length + 1, (n) => new Float64Array(n));
    this.data[this.length] = NaN;
  }

  protected finishData(length: number, nullCount: number, nullBitmap?: Uint8Array): Data {
    return makeData({ type: this.type as Float64, length, nullCount, nullBitmap, data: this.data.slice(0, length) });
  }
}

/** Growable UTF-8 bytes with offsets: the storage of Utf8 columns, dictionaries and list items. */
export class Utf8Store {
  bytes = new Uint8Array(16384);
  offsets = new Int32Array(1025);
  count = 0;

  push(buf: Uint8Array, s: number, e: number, flags: number): void {
    const start = this.offsets[this.count];
    const need = start + (e - s);
    if (need > this.bytes.length) {
      const b = new Uint8Array(Math.max(need, this.bytes.length * 2));
      b.set(this.bytes.subarray(0, start));
      this.bytes = b;
    }
    let end: number;
    if (flags & FIELD_ESCAPED) {
      end = start;
      for (let i = s; i < e; i++) {
        this.bytes[end++] = buf[i];
        if (buf[i] === 0x22 && i + 1 < e && buf[i + 1] === 0x22) i++;
      }
    } else if (e - s <= 48) {
      const b = this.bytes;
      for (let i = s, k = start; i < e; i++, k++) b[k] = buf[i];
      end = need;
    } else {
      this.bytes.set(buf.subarray(s, e), start);
      end = need;
    }
    this.pushEnd(end);
  }

  pushEmpty(): void {
    this.pushEnd(this.offsets[this.count]);
  }

  private pushEnd(end: number): void {
    if (this.count + 2 > this.offsets.length) {
      const o = new Int32Array(this.offsets.length * 2);
      o.set(this.offsets);
      this.offsets = o;
    }
    this.offsets[++this.count] = end;
  }

  truncate(n: number): void {
    this.count = n;
  }

  text(i: number): string {
    return fieldText(this.bytes, this.offsets[i], this.offsets[i + 1]);
  }

  /** Data for items [from, count), offsets rebased to 0; does not reset. */
  data(from = 0): Data<Utf8> {
    const base = this.offsets[from];
    const offs = this.offsets.slice(from, this.count + 1);
    if (base !== 0) for (let i = 0; i < offs.length; i++) offs[i] -= base;
    return makeData({ type: new Utf8(), length: this.count - from, nullCount: 0, valueOffsets: offs, data: this.bytes.slice(base, this.offsets[this.count]) });
  }

  reset(): void {
    this.count = 0;
  }
}

/** Utf8 column. */
export class Utf8Builder extends ColumnBuilder {
  private store = new Utf8Store();

  constructor(name: string, nullable = true) {
    super(name, new Utf8(), nullable);
  }

  appendRows(b: RowBlock, field: number, rows: Int32Array, count: number): number {
    const { buf, starts, ends, flags, bases } = b;
    for (let k = 0; k < count; k++) {
      const i = bases[rows[k]] + field;
      if (!this.append(buf, starts[i], ends[i], flags[i])) return k;
    }
    return count;
  }

  append(buf: Uint8Array, s: number, e: number, flags: number): boolean {
    if (e - s <= 3 && isNullField(buf, s, e)) return this.appendNull();
    const len = this.length;
    if (len >= this.valid.length) this.grow(len + 1);
    this.valid[len] = 1;
    this.store.push(buf, s, e, flags);
    this.length = len + 1;
    return true;
  }

  /** Appends a JS string (constant columns, tests). */
  appendText(t: string): void {
    const b = new TextEncoder().encode(t);
    this.markValid();
    this.store.push(b, 0, b.length, 0);
    this.length++;
  }

  textAt(row: number): string | null {
    return this.valid[row] ? this.store.text(row) : null;
  }

  protected pushNullValue(): void {
    this.store.pushEmpty();
  }

  protected override truncateValues(len: number): void {
    this.store.truncate(len);
  }

  protected finishData(length: number, nullCount: number, nullBitmap?: Uint8Array): Data {
    const d = this.store.data();
    this.store.reset();
    return makeData({ type: d.type, length, nullCount, nullBitmap, valueOffsets: d.valueOffsets, data: d.values });
  }
}

/**
 * Dictionary<Utf8, Int32> column for low-cardinality text (partition, job_type). The
 * dictionary only grows, so every batch's dictionary is a prefix of the final one.
 */
export class DictUtf8Builder extends ColumnBuilder {
  private indices = new Int32Array(1024);
  private readonly dict = new Utf8Store();
  private readonly lookup = new Map<string, number>();
  private dictVector: Vector<Utf8> | undefined;
  private dictVectorSize = -1;
  private readonly enc = new TextEncoder();

  constructor(name: string, nullable = true, id = 0) {
    super(name, new Dictionary(new Utf8(), new Int32(), id), nullable);
  }

  appendRows(b: RowBlock, field: number, rows: Int32Array, count: number): number {
    const { buf, starts, ends, flags, bases } = b;
    for (let k = 0; k < count; k++) {
      const i = bases[rows[k]] + field;
      if (!this.append(buf, starts[i], ends[i], flags[i])) return k;
    }
    return count;
  }

  append(buf: Uint8Array, s: number, e: number, flags: number): boolean {
    if (isNullField(buf, s, e)) return this.appendNull();
    let idx = -1;
    const len = e - s;
    const n = this.dict.count;
    if (!(flags & FIELD_ESCAPED) && n <= 64) {
      // Small dictionaries: compare bytes, no string made.
      const offs = this.dict.offsets;
      const bytes = this.dict.bytes;
      for (let k = 0; k < n && idx < 0; k++) {
        const o = offs[k];
        if (offs[k + 1] - o !== len) continue;
        let same = true;
        for (let i = 0; i < len; i++) if (buf[s + i] !== bytes[o + i]) { same = false; break; }
        if (same) idx = k;
      }
      if (idx < 0) idx = this.intern(buf, s, e, flags);
    } else idx = this.intern(buf, s, e, flags);
    this.pushIndex(idx);
    return true;
  }

  /** Appends a JS string value. */
  appendString(t: string): void {
    let idx = this.lookup.get(t);
    if (idx === undefined) {
      const b = this.enc.encode(t);
      idx = this.intern(b, 0, b.length, 0);
    }
    this.pushIndex(idx);
  }

  private intern(buf: Uint8Array, s: number, e: number, flags: number): number {
    const t = fieldText(buf, s, e, flags);
    let idx = this.lookup.get(t);
    if (idx === undefined) {
      idx = this.dict.count;
      this.dict.push(buf, s, e, flags);
      this.lookup.set(t, idx);
    }
    return idx;
  }

  private pushIndex(idx: number): void {
    this.markValid();
    if (this.length >= this.indices.length) this.growIndices();
    this.indices[this.length++] = idx;
  }

  private growIndices(): void {
    const d = new Int32Array(this.indices.length * 2);
    d.set(this.indices);
    this.indices = d;
  }

  /** The dictionary so far (values of all batches finished up to now). */
  dictionary(): Vector<Utf8> {
    if (!this.dictVector || this.dictVectorSize !== this.dict.count) {
      this.dictVector = makeVector(this.dict.data());
      this.dictVectorSize = this.dict.count;
    }
    return this.dictVector;
  }

  textAt(row: number): string | null {
    return this.valid[row] ? this.dict.text(this.indices[row]) : null;
  }

  protected pushNullValue(): void {
    if (this.length >= this.indices.length) this.growIndices();
    this.indices[this.length] = 0;
  }

  protected finishData(length: number, nullCount: number, nullBitmap?: Uint8Array): Data {
    return makeData({ type: this.type as Dictionary<Utf8, Int32>, length, nullCount, nullBitmap, data: this.indices.slice(0, length), dictionary: this.dictionary() });
  }
}

/** A value computed from a field's bytes: a number, null, or undefined when the text is invalid. */
export type FieldFn<T> = (buf: Uint8Array, s: number, e: number, flags: number) => T | null | undefined;

/** Bool column computed from a field (or appended with appendBool). */
export class BoolBuilder extends ColumnBuilder {
  private data = new Uint8Array(1024);

  constructor(name: string, private readonly fn: FieldFn<boolean> = () => undefined, private readonly expect = "true or false", nullable = true) {
    super(name, new Bool(), nullable);
  }

  appendBool(v: boolean): void {
    this.markValid();
    if (this.length >= this.data.length) this.data = growTyped(this.data, this.length + 1, (n) => new Uint8Array(n));
    this.data[this.length++] = v ? 1 : 0;
  }

  appendRows(b: RowBlock, field: number, rows: Int32Array, count: number): number {
    const { buf, starts, ends, flags, bases } = b;
    for (let k = 0; k < count; k++) {
      const i = bases[rows[k]] + field;
      if (!this.append(buf, starts[i], ends[i], flags[i])) return k;
    }
    return count;
  }

  append(buf: Uint8Array, s: number, e: number, flags: number): boolean {
    const v = this.fn(buf, s, e, flags);
    if (v === undefined) {
      this.error = `expected ${this.expect} but got ${showField(buf, s, e, flags)}`;
      return false;
    }
    if (v === null) return this.appendNull();
    this.markValid();
    if (this.length >= this.data.length) this.data = growTyped(this.data, this.length + 1, (n) => new Uint8Array(n));
    this.data[this.length++] = v ? 1 : 0;
    return true;
  }

  override numberAt(row: number): number {
    return this.valid[row] ? this.data[row] : NaN;
  }

  protected pushNullValue(): void {
    if (this.length >= this.data.length) this.data = growTyped(this.data, this.length + 1, (n) => new Uint8Array(n));
    this.data[this.length] = 0;
  }

  protected finishData(length: number, nullCount: number, nullBitmap?: Uint8Array): Data {
    return makeData({ type: this.type as Bool, length, nullCount, nullBitmap, data: packBits(this.data, length) });
  }
}

/**
 * Parses a Python list literal of strings (`['a', 'b']`, `[]`, also bare items `[a, b]`)
 * into items; undefined when the text is not a list.
 */
export function parsePyStringList(buf: Uint8Array, s: number, e: number, each: (bytes: Uint8Array, s: number, e: number) => void): boolean {
  s = trimStart(buf, s, e);
  e = trimEnd(buf, s, e);
  if (e - s < 2 || buf[s] !== 0x5b || buf[e - 1] !== 0x5d) return false;
  let i = s + 1;
  const end = e - 1;
  i = trimStart(buf, i, end);
  if (i === end) return true;
  for (;;) {
    i = trimStart(buf, i, end);
    if (i >= end) return false;
    const q = buf[i];
    if (q === 0x27 || q === 0x22) {
      // Quoted item with Python backslash escapes.
      let j = i + 1;
      let escaped = false;
      while (j < end && buf[j] !== q) {
        if (buf[j] === BACKSLASH) {
          escaped = true;
          j++;
        }
        j++;
      }
      if (j >= end) return false;
      if (escaped) {
        const out: number[] = [];
        for (let k = i + 1; k < j; k++) {
          if (buf[k] === BACKSLASH && k + 1 < j) k++;
          out.push(buf[k]);
        }
        const b = Uint8Array.from(out);
        each(b, 0, b.length);
      } else each(buf, i + 1, j);
      i = trimStart(buf, j + 1, end);
    } else {
      let j = i;
      while (j < end && buf[j] !== 0x2c) j++;
      const je = trimEnd(buf, i, j);
      if (je === i) return false;
      each(buf, i, je);
      i = j;
    }
    if (i >= end) return true;
    if (buf[i] !== 0x2c) return false;
    i++;
  }
}

/** List<Utf8> column from a Python list literal (the nodelist). */
export class PyListBuilder extends ColumnBuilder {
  private readonly items = new Utf8Store();
  private offsets = new Int32Array(1025);
  private readonly pushItem = (b: Uint8Array, s: number, e: number) => this.items.push(b, s, e, 0);

  constructor(name: string) {
    super(name, new List(new Field("item", new Utf8(), false)), true);
  }

  appendRows(b: RowBlock, field: number, rows: Int32Array, count: number): number {
    const { buf, starts, ends, flags, bases } = b;
    for (let k = 0; k < count; k++) {
      const i = bases[rows[k]] + field;
      if (!this.append(buf, starts[i], ends[i], flags[i])) return k;
    }
    return count;
  }

  append(buf: Uint8Array, s: number, e: number, flags: number): boolean {
    if (isNullField(buf, s, e)) return this.appendNull();
    const before = this.items.count;
    let src = buf;
    let ss = s;
    let ee = e;
    if (flags & FIELD_ESCAPED) {
      src = new TextEncoder().encode(fieldText(buf, s, e, flags));
      ss = 0;
      ee = src.length;
    }
    if (!parsePyStringList(src, ss, ee, this.pushItem)) {
      this.items.truncate(before);
      this.error = `expected a Python list literal like ['r1-n2', 'r3-n4'] but got ${showField(buf, s, e, flags)}`;
      return false;
    }
    this.markValid();
    this.setOffset(this.length + 1, this.items.count);
    this.length++;
    return true;
  }

  private setOffset(i: number, v: number): void {
    if (i >= this.offsets.length) this.offsets = growTyped(this.offsets, i + 1, (n) => new Int32Array(n));
    this.offsets[i] = v;
  }

  protected pushNullValue(): void {
    this.setOffset(this.length + 1, this.items.count);
  }

  protected override truncateValues(len: number): void {
    this.items.truncate(this.offsets[len]);
  }

  protected finishData(length: number, nullCount: number, nullBitmap?: Uint8Array): Data {
    const child = this.items.data();
    const data = makeData({ type: this.type as List<Utf8>, length, nullCount, nullBitmap, valueOffsets: this.offsets.slice(0, length + 1), child });
    this.items.reset();
    this.offsets[0] = 0;
    return data;
  }
}

function nextComma(buf: Uint8Array, i: number, e: number): number {
  while (i < e && buf[i] !== 0x2c) i++;
  return i;
}

/** Map<UInt32, UInt64> column from Slurm TRES text `1=40,2=160000,1002=2`; NO_VAL64 values are null. */
export class TresMapBuilder extends ColumnBuilder {
  private offsets = new Int32Array(1025);
  private keys = new Uint32Array(4096);
  private vals = new Uint32Array(8192);
  private valValid = new Uint8Array(4096);
  private entries = 0;
  static readonly entriesType = new Struct([new Field("key", new Uint32(), false), new Field("value", new Uint64(), true)]);

  constructor(name: string) {
    super(name, new Map_(new Field("entries", TresMapBuilder.entriesType, false)), true);
  }

  appendRows(b: RowBlock, field: number, rows: Int32Array, count: number): number {
    const { buf, starts, ends, flags, bases } = b;
    for (let k = 0; k < count; k++) {
      const i = bases[rows[k]] + field;
      if (!this.append(buf, starts[i], ends[i], flags[i])) return k;
    }
    return count;
  }

  append(buf: Uint8Array, s: number, e: number, flags: number): boolean {
    if (isNullField(buf, s, e)) return this.appendNull();
    const start = this.entries;
    let i = s;
    while (i < e) {
      // key: digits up to '='
      let key = 0;
      const ks = i;
      while (i < e) {
        const d = buf[i] - 48;
        if (d < 0 || d > 9) break;
        key = key * 10 + d;
        i++;
      }
      if (i === ks || i - ks > 10 || key > 4294967295 || i >= e || buf[i] !== 0x3d) return this.fail(buf, s, e, flags, start);
      i++;
      // value: up to 20 digits, exact in two words
      const vs = i;
      let lo = 0;
      let hi = 0;
      while (i < e && i - vs < 15) {
        const d = buf[i] - 48;
        if (d < 0 || d > 9) break;
        lo = lo * 10 + d;
        i++;
      }
      if (i < e && buf[i] >= 0x30 && buf[i] <= 0x39) {
        if (parseUint64(buf, vs, nextComma(buf, i, e)) !== IntParse.Ok) return this.fail(buf, s, e, flags, start);
        lo = parsedWords[0];
        hi = parsedWords[1];
        i = nextComma(buf, i, e);
      } else if (lo >= TWO32) {
        const l = lo % TWO32;
        hi = (lo - l) / TWO32;
        lo = l;
      }
      if (i === vs || (i < e && buf[i] !== 0x2c)) return this.fail(buf, s, e, flags, start);
      this.pushEntry(key, lo, hi);
      i++;
    }
    this.markValid();
    this.setOffset(this.length + 1, this.entries);
    this.length++;
    return true;
  }

  /** Largest non-null value among the given keys in a row; 0 if none; NaN for a null map. */
  maxOfKeys(row: number, keys: readonly number[]): number {
    if (!this.valid[row]) return NaN;
    let best = 0;
    for (let k = this.offsets[row]; k < this.offsets[row + 1]; k++) {
      if (this.valValid[k] && keys.includes(this.keys[k])) best = Math.max(best, this.vals[2 * k + 1] * TWO32 + this.vals[2 * k]);
    }
    return best;
  }

  private fail(buf: Uint8Array, s: number, e: number, flags: number, start: number): false {
    this.entries = start;
    this.error = `expected TRES text like 1=40,2=160000,1002=2 but got ${showField(buf, s, e, flags)}`;
    return false;
  }

  private pushEntry(key: number, lo: number, hi: number): void {
    const k = this.entries;
    if (k >= this.keys.length) {
      this.keys = growTyped(this.keys, k + 1, (n) => new Uint32Array(n));
      this.valValid = growTyped(this.valValid, k + 1, (n) => new Uint8Array(n));
      this.vals = growTyped(this.vals, 2 * (k + 1), (n) => new Uint32Array(n));
    }
    this.keys[k] = key;
    const noVal = hi === 0xffffffff && lo >= 0xfffffffe;
    this.valValid[k] = noVal ? 0 : 1;
    this.vals[2 * k] = noVal ? 0 : lo;
    this.vals[2 * k + 1] = noVal ? 0 : hi;
    this.entries++;
  }

  private setOffset(i: number, v: number): void {
    if (i >= this.offsets.length) this.offsets = growTyped(this.offsets, i + 1, (n) => new Int32Array(n));
    this.offsets[i] = v;
  }

  protected pushNullValue(): void {
    this.setOffset(this.length + 1, this.entries);
  }

  protected override truncateValues(len: number): void {
    this.entries = this.offsets[len];
  }

  protected finishData(length: number, nullCount: number, nullBitmap?: Uint8Array): Data {
    const n = this.entries;
    let valNulls = 0;
    for (let i = 0; i < n; i++) if (!this.valValid[i]) valNulls++;
    const keys = makeData({ type: new Uint32(), length: n, nullCount: 0, data: this.keys.slice(0, n) });
    const vals = makeData({
      type: new Uint64(),
      length: n,
      nullCount: valNulls,
      nullBitmap: valNulls ? packBits(this.valValid, n) : undefined,
      data: new BigUint64Array(this.vals.slice(0, 2 * n).buffer),
    });
    const child = makeData({ type: TresMapBuilder.entriesType, length: n, nullCount: 0, children: [keys, vals] });
    const data = makeData({ type: this.type as Map_, length, nullCount, nullBitmap, valueOffsets: this.offsets.slice(0, length + 1), child });
    this.entries = 0;
    this.offsets[0] = 0;
    return data;
  }
}
