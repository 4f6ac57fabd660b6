/**
 * Turns CSV records into typed Arrow record batches following a TableSpec. Pure: bytes in,
 * batches out; the file readers in read.ts feed it chunks.
 *
 * Strict mode (the default) stops at the first bad row with a DataFormatError naming the
 * file, line and column and what was expected. Lenient mode skips bad rows and counts them
 * (ReadReport.skippedRows, with the first issues kept as samples); a decoded column that
 * cannot be decoded becomes null and is counted, since its source column is kept.
 */
import { Data, DataType, Field, RecordBatch, Schema, Struct, Table, Utf8, Vector, makeData, vectorFromArray } from "apache-arrow";
import { DataFormatError } from "../errors";
import { CsvTokenizer, fieldText, type CsvRecord, type CsvSyntaxIssue } from "./csv";
import { ColumnBuilder, Int64Builder, Utf8Builder, type RowBlock } from "./columns";
import type { TableSpec } from "./schemas";

/** A bad input file: the message names the file, line and column. */
export class CsvFormatError extends DataFormatError {
  constructor(
    readonly file: string,
    /** 1-based line. */
    readonly line: number,
    /** 1-based column (field) number; 0 when the problem is not in one column. */
    readonly column: number,
    readonly columnName: string | undefined,
    readonly detail: string,
  ) {
    super(formatIssue({ file, line, column, columnName, message: detail }));
  }
}

/** `file, line 12, column 16 (mem_req): message`. */
export function formatIssue(i: ReadIssue): string {
  const col = i.column > 0 ? `, column ${i.column}${i.columnName ? ` (${i.columnName})` : ""}` : "";
  return `${i.file}, line ${i.line}${col}: ${i.message}`;
}

export interface ReadIssue {
  file: string;
  line: number;
  column: number;
  columnName?: string;
  message: string;
}

/** `strict`: the first bad row throws. `lenient`: bad rows are skipped and counted. */
export type ReadMode = "strict" | "lenient";

/** Looks up a column's builder by name, to compile a row filter. */
export type ColumnLookup = (name: string) => ColumnBuilder | undefined;
/** True to keep the row at builder index `row`. */
export type RowPredicate = (row: number) => boolean;

export interface ReaderOptions {
  /** Default "strict". */
  mode?: ReadMode;
  /** Rows per record batch; default 65,536. */
  batchRows?: number;
  /** Builds a row predicate from the columns (applied while reading, before a row is kept). */
  filter?: (col: ColumnLookup) => RowPredicate | undefined;
  /** Constant columns appended to every row (e.g. id_job and node taken from a file name). */
  constants?: readonly ({ name: string; int64: bigint } | { name: string; text: string })[];
  /** Unknown header columns: true keeps them as Utf8, false drops them (counted in the report). Default true. */
  keepExtraColumns?: boolean;
  /** Issues kept as samples in the report; default 20. */
  maxIssues?: number;
  /** Add the decoded columns of the spec (sentinels as nulls, nodelist as list, TRES maps…); default true. */
  decode?: boolean;
}

/** What reading counts: per file in a ReadReport, summed over a load's files in a LoadReport. */
export interface ReadCounts {
  /** Data rows seen (excluding the header and blank lines). */
  rowsRead: number;
  /** Rows in the output. */
  rowsKept: number;
  /** Rows dropped by the filter. */
  rowsFiltered: number;
  /** Rows skipped as malformed (lenient mode). */
  skippedRows: number;
  /** Unknown header columns (kept as Utf8, or dropped when keepExtraColumns is false). */
  extraColumns: string[];
  /** Spec columns absent from the header (filled with nulls; lenient mode or optional columns). */
  missingColumns: string[];
  /** Decoded-column values that could not be decoded and were set to null (lenient mode), by column. */
  undecoded: Record<string, number>;
  /** The first issues, for the user to inspect. */
  issues: ReadIssue[];
}

/** Zero counts, fresh lists. */
export function emptyCounts(): ReadCounts {
  return { rowsRead: 0, rowsKept: 0, rowsFiltered: 0, skippedRows: 0, extraColumns: [], missingColumns: [], undecoded: {}, issues: [] };
}

export interface ReadReport extends ReadCounts {
  file: string;
  /** Whether the file had a header row. */
  header: boolean;
}

interface Binding {
  /**
   * Field index in the record; -1 for a column absent from the file, -2 for a constant,
   * -3 for a column computed from another column's value (`derive`, `source`).
   */
  field: number;
  builder: ColumnBuilder;
  derived: boolean;
  name: string;
  source?: ColumnBuilder;
  sourceName?: string;
  derive?(src: ColumnBuilder, row: number, out: ColumnBuilder): void;
}

/** Lower-case names, for header matching. */
function norm(s: string): string {
  return s.trim().toLowerCase();
}

/**
 * Reads one CSV file's records into batches. Feed it with push()/end() (or a CsvTokenizer
 * made by tokenizer()), collect batches with takeBatches().
 */
export class TableReader {
  readonly report: ReadReport;
  private readonly mode: ReadMode;
  private readonly batchRows: number;
  private readonly maxIssues: number;
  private bindings: Binding[] = [];
  private ordered: ColumnBuilder[] = [];
  private nFields = 0;
  private headerNames: string[] = [];
  private started = false;
  private length = 0;
  private predicate: RowPredicate | undefined;
  private batches: RecordBatch[] = [];
  private schema: Schema | undefined;
  private readonly tok: CsvTokenizer;
  /** Rows per block: records are gathered, then each column is parsed over the block. */
  private readonly blockRows: number;
  private block: RowBlock & { lines: Int32Array; count: number } = {
    buf: new Uint8Array(0),
    starts: new Int32Array(0),
    ends: new Int32Array(0),
    flags: new Uint8Array(0),
    bases: new Int32Array(0),
    lines: new Int32Array(0),
    count: 0,
  };
  private identity = new Int32Array(0);
  private kept = new Int32Array(0);
  /** Bindings the filter reads (parsed first, so rejected rows cost little). */
  private filterBindings: Binding[] = [];
  private otherBindings: Binding[] = [];

  constructor(
    readonly spec: TableSpec,
    /** File name used in messages. */
    readonly file: string,
    private readonly opts: ReaderOptions = {},
  ) {
    this.mode = opts.mode ?? "strict";
    this.batchRows = opts.batchRows ?? 65536;
    if (!(Number.isInteger(this.batchRows) && this.batchRows > 0)) throw new RangeError(`batchRows must be a positive integer but got ${opts.batchRows}`);
    this.maxIssues = opts.maxIssues ?? 20;
    this.blockRows = Math.min(1024, this.batchRows);
    this.report = { file, header: false, ...emptyCounts() };
    this.tok = new CsvTokenizer(
      { record: (r) => this.record(r), syntax: (i) => this.syntax(i), flush: () => this.processBlock() },
      { quotedNewlines: spec.quotedNewlines },
    );
  }

  /** Feeds bytes. Throws CsvFormatError in strict mode. */
  push(chunk: Uint8Array): void {
    this.tok.push(chunk);
  }

  /** Ends the input: flushes the last rows; checks for an empty file. */
  end(): void {
    this.tok.end();
    if (!this.started) {
      const msg = `the file is empty; expected ${this.spec.header === "required" ? "a header row" : "a header row or data rows"} of the ${this.spec.title}`;
      this.problem(1, 1, undefined, msg);
      // Lenient: an empty table with the spec's columns.
      this.setupColumns(this.spec.columns.map((c) => c.name), false, 1);
    }
    this.flush();
  }

  /** Batches completed since the last call. */
  takeBatches(): RecordBatch[] {
    const b = this.batches;
    this.batches = [];
    return b;
  }

  /** The output schema (known after the first record). */
  get outputSchema(): Schema | undefined {
    return this.schema;
  }

  /** Rows waiting in the builders (not yet in a batch). */
  get pendingRows(): number {
    return this.length;
  }

  private syntax(i: CsvSyntaxIssue): void {
    this.processBlock();
    if (!this.started) {
      // Without a header we cannot name the column; still place the problem exactly.
      this.problem(i.line, i.field, undefined, `${i.message} (character ${i.char})`);
      return;
    }
    this.report.rowsRead++;
    this.problem(i.line, i.field, this.headerNames[i.field - 1], `${i.message} (character ${i.char})`);
  }

  /** Strict: throw. Lenient: count the skipped row and keep a sample. */
  private problem(line: number, column: number, columnName: string | undefined, message: string): void {
    if (this.mode === "strict") throw new CsvFormatError(this.file, line, column, columnName, message);
    if (this.started || line > 1) this.report.skippedRows++;
    if (this.report.issues.length < this.maxIssues) this.report.issues.push({ file: this.file, line, column, columnName, message });
  }

  private note(line: number, column: number, columnName: string | undefined, message: string): void {
    if (this.report.issues.length < this.maxIssues) this.report.issues.push({ file: this.file, line, column, columnName, message });
  }

  private record(r: CsvRecord): number {
    if (!this.started) return this.start(r);
    this.report.rowsRead++;
    return this.addToBlock(r);
  }

  private start(r: CsvRecord): number {
    const fields: string[] = [];
    for (let i = 0; i < r.count; i++) fields.push(fieldText(r.buf, r.starts[r.base + i], r.ends[r.base + i], r.flags[r.base + i]));
    const known = new Set(this.spec.columns.map((c) => norm(c.name)));
    const isHeader =
      this.spec.header === "required" ||
      (fields.some((f) => known.has(norm(f))) && fields.every((f) => f.trim() !== "" && !/^[-+]?[\d.]+$/.test(f.trim())));
    if (isHeader) {
      if (this.spec.header === "required" && this.spec.columns.length > 0 && !fields.some((f) => known.has(norm(f)))) {
        throw new CsvFormatError(
          this.file,
          r.line,
          1,
          undefined,
          `expected a header row naming the columns (${this.spec.columns.map((c) => c.name).join(", ")}) but got ${JSON.stringify(fields.slice(0, 4).join(","))}`,
        );
      }
      this.report.header = true;
      this.setupColumns(fields, true, r.line);
      return 0;
    }
    // No header: the columns are in the documented order.
    this.setupColumns(
      this.spec.columns.map((c) => c.name),
      false,
      r.line,
    );
    this.report.rowsRead++;
    return this.addToBlock(r);
  }

  private setupColumns(names: string[], fromHeader: boolean, line: number): void {
    this.started = true;
    this.headerNames = names;
    this.nFields = names.length;
    const byName = new Map<string, number>();
    names.forEach((n, i) => {
      const k = norm(n);
      if (byName.has(k)) throw new CsvFormatError(this.file, line, i + 1, n, `column ${JSON.stringify(n)} appears twice in the header (also column ${byName.get(k)! + 1})`);
      byName.set(k, i);
    });
    const bindings: Binding[] = [];
    const main: ColumnBuilder[] = [];
    const fieldOfSpec = new Map<string, number>();
    for (const c of this.spec.columns) {
      const idx = byName.get(norm(c.name));
      const b = c.make();
      if (idx === undefined) {
        const needed = c.key || (this.mode === "strict" && !c.optional);
        if (needed && fromHeader) {
          throw new CsvFormatError(
            this.file,
            line,
            0,
            undefined,
            `column ${JSON.stringify(c.name)} is missing from the header; the ${this.spec.title} needs ${this.spec.columns.map((x) => x.name).join(", ")}` +
              (c.key ? "" : " (lenient mode fills missing columns with nulls)"),
          );
        }
        this.report.missingColumns.push(c.name);
        bindings.push({ field: -1, builder: b, derived: false, name: c.name });
      } else {
        fieldOfSpec.set(c.name, idx);
        bindings.push({ field: idx, builder: b, derived: false, name: c.name });
      }
      main.push(b);
    }
    const extras: ColumnBuilder[] = [];
    const specNames = new Set(this.spec.columns.map((c) => norm(c.name)));
    names.forEach((n, i) => {
      if (specNames.has(norm(n))) return;
      const shown = n.trim() === "" ? `column_${i + 1}` : n;
      if (fromHeader && this.spec.extraColumns === "error") {
        if (this.mode === "strict") {
          throw new CsvFormatError(
            this.file,
            line,
            i + 1,
            shown,
            `unknown column ${JSON.stringify(shown)}: the ${this.spec.title} has the columns ${this.spec.columns.map((c) => c.name).join(", ")}; use lenient mode to read it as text`,
          );
        }
        this.note(line, i + 1, shown, `unknown column ${JSON.stringify(shown)} read as text`);
      }
      this.report.extraColumns.push(shown);
      if (this.opts.keepExtraColumns === false) return;
      const b = new Utf8Builder(shown);
      bindings.push({ field: i, builder: b, derived: false, name: shown });
      extras.push(b);
    });
    const derived: ColumnBuilder[] = [];
    for (const d of this.opts.decode === false ? [] : this.spec.derived) {
      const b = d.make();
      if (d.derive) {
        const src = bindings.find((x) => x.name === d.source);
        if (!src) throw new Error(`spec ${this.spec.name}: ${d.name} derives from unknown column ${d.source}`);
        bindings.push({ field: -3, builder: b, derived: true, name: d.name, source: src.builder, sourceName: d.source, derive: d.derive });
      } else {
        bindings.push({ field: fieldOfSpec.get(d.source) ?? -1, builder: b, derived: true, name: d.name });
      }
      derived.push(b);
    }
    const consts: ColumnBuilder[] = [];
    for (const c of this.opts.constants ?? []) {
      const b = "int64" in c ? new Int64Builder(c.name, "int64", false) : new Utf8Builder(c.name, false);
      bindings.push({ field: -2, builder: b, derived: false, name: c.name });
      consts.push(b);
    }
    this.bindings = bindings;
    this.ordered = [...main, ...extras, ...derived, ...consts];
    this.schema = new Schema(this.ordered.map((b) => b.field));
    const lookup = new Map(this.ordered.map((b) => [b.name, b]));
    const read = new Set<string>();
    this.predicate = this.opts.filter?.((n) => {
      read.add(n);
      return lookup.get(n);
    });
    // The filter's columns and, for computed ones, their sources.
    for (let again = true; again; ) {
      again = false;
      for (const b of bindings) {
        if (read.has(b.name) && b.sourceName && !read.has(b.sourceName)) {
          read.add(b.sourceName);
          again = true;
        }
      }
    }
    this.filterBindings = this.predicate ? bindings.filter((b) => read.has(b.name)) : [];
    this.otherBindings = bindings.filter((b) => !this.filterBindings.includes(b));
    this.tok.reserve((this.blockRows + 1) * Math.max(1, this.nFields) + 64);
    this.block = {
      buf: new Uint8Array(0),
      starts: new Int32Array(0),
      ends: new Int32Array(0),
      flags: new Uint8Array(0),
      bases: new Int32Array(this.blockRows),
      lines: new Int32Array(this.blockRows),
      count: 0,
    };
    this.identity = Int32Array.from({ length: this.blockRows }, (_, i) => i);
    this.kept = new Int32Array(this.blockRows);
  }

  /** Gathers a record (its fields stay where the tokenizer wrote them); returns where the next goes. */
  private addToBlock(r: CsvRecord): number {
    const blk = this.block;
    if (r.count !== this.nFields) {
      this.processBlock();
      this.fieldCountProblem(r.line, r.count);
      return 0;
    }
    if (blk.count > 0 && blk.buf !== r.buf) this.processBlock();
    blk.buf = r.buf;
    blk.starts = r.starts;
    blk.ends = r.ends;
    blk.flags = r.flags;
    blk.bases[blk.count] = r.base;
    blk.lines[blk.count++] = r.line;
    if (blk.count === this.blockRows) {
      this.processBlock();
      return 0;
    }
    return r.base + r.count;
  }

  private fieldCountProblem(line: number, count: number): void {
    const has = this.report.header ? "header has" : "format has";
    if (count < this.nFields) {
      this.problem(line, count + 1, this.headerNames[count], `short row: ${count} fields where the ${has} ${this.nFields}`);
    } else {
      this.problem(
        line,
        this.nFields + 1,
        undefined,
        `unknown extra column: ${count} fields where the ${has} ${this.nFields} (the last is ${JSON.stringify(this.headerNames[this.nFields - 1])})`,
      );
    }
  }

  /**
   * Appends one binding's values for block rows[0..m), which land at builder rows base…;
   * returns m or the position of the first failure.
   */
  private appendBinding(bd: Binding, rows: Int32Array, m: number, base: number): number {
    const b = bd.builder;
    if (bd.field >= 0) return b.appendRows(this.block, bd.field, rows, m);
    if (bd.field === -3) {
      const d = bd.derive!;
      const src = bd.source!;
      for (let k = 0; k < m; k++) d(src, base + k, b);
      return m;
    }
    if (bd.field === -1) {
      for (let k = 0; k < m; k++) if (!b.appendNull()) return k;
      return m;
    }
    const c = this.constantFor(bd);
    for (let k = 0; k < m; k++) {
      if ("int64" in c) (b as Int64Builder).appendBigInt(c.int64);
      else (b as Utf8Builder).appendText(c.text);
    }
    return m;
  }

  private constantFor(bd: Binding): { name: string; int64: bigint } | { name: string; text: string } {
    return this.opts.constants!.find((c) => c.name === bd.name)!;
  }

  /**
   * Parses the gathered rows column by column. A block with any bad value (or a decoded
   * value that fails) is redone row by row, which reports or skips exactly the bad rows.
   */
  private processBlock(): void {
    const blk = this.block;
    const n = blk.count;
    if (n === 0) return;
    blk.count = 0;
    if (this.length + n > this.batchRows) this.flush();
    const base = this.length;
    let rows = this.identity;
    let m = n;
    let ok = true;
    const pred = this.predicate;
    if (pred) {
      for (const bd of this.filterBindings) {
        if (this.appendBinding(bd, rows, m, base) < m) {
          ok = false;
          break;
        }
      }
      if (ok) {
        let kept = 0;
        for (let r = 0; r < n; r++) if (pred(base + r)) this.kept[kept++] = r;
        for (const bd of this.filterBindings) bd.builder.truncate(base);
        rows = this.kept;
        m = kept;
      }
    }
    if (ok && m > 0) {
      for (const bd of this.bindings) {
        if (this.appendBinding(bd, rows, m, base) < m) {
          ok = false;
          break;
        }
      }
    }
    if (!ok) {
      for (const bd of this.bindings) bd.builder.truncate(base);
      for (let r = 0; r < n; r++) this.rowAt(r);
    } else {
      this.length += m;
      this.report.rowsKept += m;
      this.report.rowsFiltered += n - m;
    }
    if (this.length >= this.batchRows) this.flush();
  }

  /** The slow path: one row of the block, with exact error reporting and lenient skipping. */
  private rowAt(r: number): void {
    const blk = this.block;
    const line = blk.lines[r];
    const at = blk.bases[r];
    const rowIndex = this.length;
    const pred = this.predicate;
    const bs = pred ? [...this.filterBindings, ...this.otherBindings] : this.bindings;
    const nFilter = pred ? this.filterBindings.length : -1;
    for (let k = 0; k <= bs.length; k++) {
      if (k === nFilter && !pred!(rowIndex)) {
        for (let j = 0; j < k; j++) bs[j].builder.truncate(rowIndex);
        this.report.rowsFiltered++;
        return;
      }
      if (k === bs.length) break;
      const bd = bs[k];
      const b = bd.builder;
      const f = bd.field;
      let ok: boolean;
      if (f >= 0) ok = b.append(blk.buf, blk.starts[at + f], blk.ends[at + f], blk.flags[at + f]);
      else if (f === -3) {
        bd.derive!(bd.source!, rowIndex, b);
        ok = true;
      } else if (f === -1) ok = b.appendNull();
      else {
        const c = this.constantFor(bd);
        if ("int64" in c) (b as Int64Builder).appendBigInt(c.int64);
        else (b as Utf8Builder).appendText(c.text);
        ok = true;
      }
      if (!ok) {
        if (bd.derived && this.mode === "lenient") {
          this.report.undecoded[bd.name] = (this.report.undecoded[bd.name] ?? 0) + 1;
          b.appendNull();
          continue;
        }
        const msg = b.error;
        for (let j = 0; j < k; j++) bs[j].builder.truncate(rowIndex);
        const col = f >= 0 ? f + 1 : 0;
        this.problem(line, col, f >= 0 ? this.headerNames[f] : bd.name, bd.derived ? `${msg} (decoding ${bd.name})` : msg);
        return;
      }
    }
    this.length++;
    this.report.rowsKept++;
  }


  private flush(): void {
    if (this.length === 0 || !this.schema) return;
    const children = this.ordered.map((b) => b.finish());
    this.batches.push(makeBatch(this.schema, children, this.length));
    this.length = 0;
  }
}

/** A RecordBatch from column data. */
export function makeBatch(schema: Schema, children: Data[], length: number): RecordBatch {
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children }));
}

/**
 * A Table from batches of one reader. Dictionary columns get one shared dictionary (the
 * largest, which holds the others as prefixes; batches whose dictionary is not a prefix
 * are re-encoded), so IPC writers emit it once.
 */
export function tableFromBatches(schema: Schema, batches: RecordBatch[]): Table {
  if (batches.length === 0) return new Table(schema);
  const fixed = unifyDictionaries(schema, batches);
  return new Table(fixed);
}

function unifyDictionaries(schema: Schema, batches: RecordBatch[]): RecordBatch[] {
  const dictCols = schema.fields.map((f, i) => (DataType.isDictionary(f.type) ? i : -1)).filter((i) => i >= 0);
  if (dictCols.length === 0) return batches;
  let out = batches;
  for (const ci of dictCols) {
    const datas = out.map((b) => b.data.children[ci]);
    let big = datas[0].dictionary as Vector<Utf8>;
    for (const d of datas) if ((d.dictionary?.length ?? 0) > big.length) big = d.dictionary as Vector<Utf8>;
    const bigValues = Array.from(big as Iterable<string>);
    const index = new Map(bigValues.map((v, i) => [v, i]));
    let merged = bigValues;
    let mergedVector: Vector<Utf8> = big;
    const remaps: (Int32Array | null)[] = datas.map((d) => {
      const vals = d.dictionary ? Array.from(d.dictionary as Vector<Utf8> as Iterable<string>) : [];
      let prefix = true;
      for (let i = 0; i < vals.length; i++) if (merged[i] !== vals[i]) { prefix = false; break; }
      if (prefix) return null;
      const map = new Int32Array(vals.length);
      vals.forEach((v, i) => {
        let j = index.get(v);
        if (j === undefined) {
          j = merged.length;
          if (merged === bigValues) merged = [...bigValues];
          merged.push(v);
          index.set(v, j);
        }
        map[i] = j;
      });
      return map;
    });
    if (merged !== bigValues) mergedVector = vectorFromArray(merged, new Utf8());
    out = out.map((b, bi) => {
      const children = b.data.children.slice();
      const d = children[ci];
      const remap = remaps[bi];
      const src = d.values as Int32Array;
      const idx = remap ? src.map((x) => remap[x] ?? 0) : src;
      children[ci] = makeData({ type: d.type, length: d.length, nullCount: d.nullCount, nullBitmap: d.nullBitmap, data: idx, dictionary: mergedVector } as never);
      return makeBatch(b.schema, children, b.numRows);
    });
  }
  return out;
}

/** Reads a whole in-memory CSV text or bytes into a table (tests, small files). */
export function tableFromCsvText(spec: TableSpec, input: string | Uint8Array, file: string, opts: ReaderOptions = {}): { table: Table; report: ReadReport } {
  const r = new TableReader(spec, file, opts);
  r.push(typeof input === "string" ? new TextEncoder().encode(input) : input);
  r.end();
  const batches = r.takeBatches();
  const schema = r.outputSchema ?? new Schema(spec.columns.map((c) => c.make().field));
  return { table: tableFromBatches(schema, batches), report: r.report };
}

/** Column names and Arrow type names of a schema, as the CLI prints them. */
export function describeSchema(schema: Schema): { name: string; type: string; nullable: boolean }[] {
  return schema.fields.map((f: Field) => ({ name: f.name, type: String(f.type), nullable: f.nullable }));
}
