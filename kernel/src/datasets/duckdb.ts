/**
 * The SQL path (edge): DuckDB (@duckdb/node-api) over the same release files, for data bigger
 * than memory. Views `slurm`, `cpu`, `cpu_summary`, `gpu`, `node`, `labels`, `label_stats`
 * have the same columns and types as the Arrow loaders; results come back as Arrow tables.
 *
 * The views expect the header rows the release files have, in the documented column order
 * (use the Arrow loaders for headerless or reordered copies). Files are held to the Arrow
 * loaders' rules: before a table is read, the start of each of its files goes through the Arrow
 * reader (an empty file, a wrong header or a bad first row fails with its file, line and column),
 * and a DuckDB error later in a file is reported as the Arrow reader reports that file.
 */
import * as fs from "fs";
import * as path from "path";
import {
  Bool,
  DataType,
  DateDay,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  List,
  Map_,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  makeBuilder,
  type Builder,
} from "apache-arrow";
import type { DuckDBConnection, DuckDBInstance, DuckDBResult, DuckDBType } from "@duckdb/node-api";
import { GreenaiError, throwIfAborted } from "../errors";
import { tokenizeAll } from "./csv";
import { csvTableFromFile } from "./read";
import { CsvFormatError, makeBatch, TableReader, tableFromBatches } from "./reader";
import { CPU_SUMMARY_METRICS, JOB_STATES, TABLE_SPECS, type SupercloudTableName } from "./schemas";
import { emptySchema, jobIdText, SCHEDULER_LOG_NAMES, type DatasetQuery } from "./supercloud";

/** SQL string literal. */
function lit(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
/** SQL identifier. */
function id(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

const NULLS = "nullstr=['\\N', '', 'N/A']";

/** DuckDB column types of the file columns (what read_csv is told), per table. */
const SQL_TYPES: Record<string, Record<string, string>> = {
  slurm: {
    id_job: "BIGINT", id_array_job: "BIGINT", id_array_task: "UINTEGER", id_user: "BIGINT", kill_requid: "BIGINT", nodes_alloc: "INTEGER",
    nodelist: "VARCHAR", cpus_req: "INTEGER", derived_ec: "INTEGER", exit_code: "INTEGER", gres_used: "VARCHAR", array_max_tasks: "INTEGER",
    array_task_pending: "INTEGER", constraints: "VARCHAR", flags: "INTEGER", mem_req: "UBIGINT", partition: "VARCHAR", priority: "BIGINT",
    state: "INTEGER", timelimit: "UINTEGER", time_submit: "BIGINT", time_eligible: "BIGINT", time_start: "BIGINT", time_end: "BIGINT",
    time_suspended: "BIGINT", track_steps: "INTEGER", tres_alloc: "VARCHAR", tres_req: "VARCHAR", job_type: "VARCHAR",
  },
  cpu: {
    Step: "VARCHAR", Node: "VARCHAR", Series: "INTEGER", ElapsedTime: "BIGINT", EpochTime: "BIGINT", CPUFrequency: "DOUBLE", CPUTime: "DOUBLE",
    CPUUtilization: "DOUBLE", RSS: "BIGINT", VMSize: "BIGINT", Pages: "BIGINT", ReadMB: "DOUBLE", WriteMB: "DOUBLE",
  },
  gpu: {
    timestamp: "VARCHAR", gpu_index: "INTEGER", utilization_gpu_pct: "DOUBLE", utilization_memory_pct: "DOUBLE", memory_free_MiB: "DOUBLE",
    memory_used_MiB: "DOUBLE", temperature_gpu: "DOUBLE", temperature_memory: "DOUBLE", power_draw_W: "DOUBLE", pcie_link_width_current: "INTEGER",
  },
  node: { Node: "VARCHAR", Time: "VARCHAR", UserPIDCount: "VARCHAR", FSlatency: "DOUBLE", LoadAvg: "DOUBLE", MemoryFreeInactiveKB: "DOUBLE", LustreRPCTotals: "DOUBLE" },
};
{
  const s: Record<string, string> = { Step: "VARCHAR", Node: "VARCHAR", Series: "INTEGER", ElapsedTime: "BIGINT" };
  for (const m of CPU_SUMMARY_METRICS) {
    const exact = m.kind === "float" ? "DOUBLE" : "BIGINT";
    s[`Min_${m.name}`] = exact;
    s[`Max_${m.name}`] = exact;
    s[`Sum_${m.name}`] = m.kind === "float" ? "DOUBLE" : "BIGINT";
    s[`Avg_${m.name}`] = "DOUBLE";
  }
  SQL_TYPES["cpu-summary"] = s;
}

function columnsArg(t: Record<string, string>): string {
  return `columns={${Object.entries(t).map(([k, v]) => `${lit(k)}: ${lit(v)}`).join(", ")}}`;
}

/** Epoch seconds (BIGINT, 0 = unset) as TIMESTAMP_S. */
function epochS(col: string, zeroIsNull: boolean): string {
  const ts = `make_timestamp(${col} * 1000000)::TIMESTAMP_S`;
  return zeroIsNull ? `CASE WHEN ${col} = 0 THEN NULL ELSE ${ts} END` : ts;
}

/** Epoch seconds text (integer or decimal) as TIMESTAMP_MS, rounded half up at the 4th decimal like the Arrow loader. */
function epochTextMs(col: string): string {
  const frac = `rpad(CASE WHEN strpos(${col}, '.') > 0 THEN split_part(${col}, '.', 2) ELSE '' END, 4, '0')`;
  const ms = `(split_part(${col}, '.', 1)::BIGINT * 1000 + substr(${frac}, 1, 3)::BIGINT + CASE WHEN substr(${frac}, 4, 1) >= '5' THEN 1 ELSE 0 END)`;
  const viaDouble = `round(TRY_CAST(${col} AS DOUBLE) * 1000)::BIGINT`;
  return `make_timestamp(1000 * CASE WHEN regexp_full_match(${col}, '\\s*\\d+(\\.\\d*)?\\s*') THEN ${ms} ELSE ${viaDouble} END)::TIMESTAMP_MS`;
}

/** TRES text as MAP(UINTEGER, UBIGINT), NO_VAL64 / INFINITE64 values as null. */
function tresMap(col: string): string {
  const v = "split_part(x, '=', 2)::UBIGINT";
  return `CASE WHEN ${col} IS NULL THEN NULL ELSE map_from_entries(list_transform(string_split(${col}, ','), x -> {'key': split_part(x, '=', 1)::UINTEGER, 'value': CASE WHEN ${v} >= 18446744073709551614 THEN NULL ELSE ${v} END})) END`;
}

function gpuTres(col: string, tresId: number): string {
  return `coalesce(TRY_CAST(nullif(regexp_extract(${col}, '(?:^|,)${tresId}=(\\d+)', 1), '') AS BIGINT), 0)`;
}

/** The SELECT list of a table's view: file columns converted, then decoded columns, in the Arrow loader's order. */
function selectList(name: SupercloudTableName): string {
  const spec = TABLE_SPECS[name];
  if (name === "slurm") {
    const cols = spec.columns.map((c) => (c.name.startsWith("time_") && c.name !== "time_suspended" ? `${epochS(id(c.name), true)} AS ${id(c.name)}` : id(c.name)));
    const stateNames = Object.entries(JOB_STATES).map(([k, v]) => `WHEN ${k} THEN ${lit(v)}`).join(" ");
    const gpus = `CASE WHEN tres_req IS NULL THEN NULL ELSE least(greatest(${gpuTres("tres_req", 1001)}, ${gpuTres("tres_req", 1002)}), 2147483647)::INTEGER END`;
    const derived: Record<string, string> = {
      nodes: `CASE WHEN nodelist IS NULL THEN NULL WHEN trim(nodelist) = '[]' THEN []::VARCHAR[] ELSE list_transform(string_split(trim(trim(nodelist), '[]'), ','), x -> trim(trim(x), '''"')) END`,
      array_task_id: `CASE WHEN id_array_task IN (4294967294, 4294967295) THEN NULL ELSE id_array_task END`,
      timelimit_minutes: `CASE WHEN timelimit IN (4294967294, 4294967295) THEN NULL ELSE timelimit END`,
      mem_per_cpu: `CASE WHEN mem_req >= 18446744073709551614 THEN NULL ELSE mem_req >= 9223372036854775808 END`,
      mem_req_mb: `CASE WHEN mem_req >= 18446744073709551614 THEN NULL ELSE mem_req & 9223372036854775807 END`,
      state_base: `state & 255`,
      state_name: `CASE state & 255 ${stateNames} ELSE 'STATE_' || (state & 255)::VARCHAR END`,
      tres_alloc_map: tresMap("tres_alloc"),
      tres_req_map: tresMap("tres_req"),
      gpus_req: gpus,
      gpu_job: `(${gpus}) > 0`,
    };
    return [...cols, ...spec.derived.map((d) => `${derived[d.name]} AS ${id(d.name)}`)].join(",\n  ");
  }
  if (name === "cpu") return spec.columns.map((c) => (c.name === "EpochTime" ? `${epochS(id(c.name), false)} AS ${id(c.name)}` : id(c.name))).join(", ");
  if (name === "cpu-summary") return spec.columns.map((c) => (/^(Min|Max)_EpochTime$/.test(c.name) ? `${epochS(id(c.name), false)} AS ${id(c.name)}` : id(c.name))).join(", ");
  if (name === "gpu") return spec.columns.map((c) => (c.name === "timestamp" ? `${epochTextMs("timestamp")} AS "timestamp"` : id(c.name))).join(", ");
  if (name === "node") {
    return `"Node", TRY_CAST("Time" AS DOUBLE) AS "Time", "UserPIDCount", "FSlatency", "LoadAvg", "MemoryFreeInactiveKB", "LustreRPCTotals", ${epochTextMs('"Time"')} AS "timestamp"`;
  }
  throw new Error(`no select list for ${name}`);
}

/** The view of each table over the release folder; undefined when its files are absent. */
export function viewSql(root: string, name: SupercloudTableName, logFile?: string): string | undefined {
  const p = (rel: string) => lit(path.join(root, rel));
  const csv = (file: string, types: Record<string, string>, extra = "") =>
    `read_csv(${file}, header=true, delim=',', quote='"', escape='"', ${NULLS}, auto_detect=false, ${columnsArg(types)}${extra})`;
  switch (name) {
    case "slurm":
      return logFile ? `SELECT ${selectList("slurm")}\nFROM ${csv(lit(logFile), SQL_TYPES.slurm)}` : undefined;
    case "cpu":
      return hasFiles(root, "cpu", "-timeseries.csv")
        ? `SELECT ${selectList("cpu")}, regexp_extract(filename, '(\\d+)-timeseries\\.csv$', 1)::BIGINT AS id_job FROM ${csv(p("cpu/*/*-timeseries.csv"), SQL_TYPES.cpu, ", filename=true")}`
        : undefined;
    case "cpu-summary":
      return hasFiles(root, "cpu", "-summary.csv")
        ? `SELECT ${selectList("cpu-summary")}, regexp_extract(filename, '(\\d+)-summary\\.csv$', 1)::BIGINT AS id_job FROM ${csv(p("cpu/*/*-summary.csv"), SQL_TYPES["cpu-summary"], ", filename=true")}`
        : undefined;
    case "gpu":
      return hasFiles(root, "gpu", ".csv")
        ? `SELECT ${selectList("gpu")}, regexp_extract(filename, '(\\d+)-([^/\\\\]+)\\.csv$', 1)::BIGINT AS id_job, regexp_extract(filename, '(\\d+)-([^/\\\\]+)\\.csv$', 2) AS node FROM ${csv(p("gpu/*/*.csv"), SQL_TYPES.gpu, ", filename=true")}`
        : undefined;
    case "node":
      return fs.existsSync(path.join(root, "node-data.csv")) ? `SELECT ${selectList("node")} FROM ${csv(p("node-data.csv"), SQL_TYPES.node)}` : undefined;
    case "labels":
      return fs.existsSync(path.join(root, "labelled_jobids.csv"))
        ? `SELECT CAST(id_job AS BIGINT) AS id_job, model, * EXCLUDE (id_job, model) FROM read_csv(${p("labelled_jobids.csv")}, header=true, all_varchar=true, ${NULLS})`
        : undefined;
    case "label-stats":
      return fs.existsSync(path.join(root, "labelled_job_stats.csv")) ? `SELECT * FROM read_csv(${p("labelled_job_stats.csv")}, header=true, all_varchar=true, ${NULLS})` : undefined;
  }
}

function hasFiles(root: string, kind: string, suffix: string): boolean {
  const top = path.join(root, kind);
  if (!fs.existsSync(top)) return false;
  for (const d of fs.readdirSync(top)) {
    if (!/^\d{4}$/.test(d)) continue;
    if (fs.readdirSync(path.join(top, d)).some((f) => f.endsWith(suffix))) return true;
  }
  return false;
}

/** The CSV files a table's view reads (absolute paths; empty when it has none). */
export function viewFiles(root: string, name: SupercloudTableName, logFile?: string): string[] {
  const series = (kind: string, keep: (f: string) => boolean): string[] => {
    const top = path.join(root, kind);
    if (!fs.existsSync(top)) return [];
    const out: string[] = [];
    for (const d of fs.readdirSync(top).sort()) {
      if (!/^\d{4}$/.test(d)) continue;
      for (const f of fs.readdirSync(path.join(top, d)).sort()) if (keep(f)) out.push(path.join(top, d, f));
    }
    return out;
  };
  const single = (rel: string) => (fs.existsSync(path.join(root, rel)) ? [path.join(root, rel)] : []);
  switch (name) {
    case "slurm":
      return logFile ? [logFile] : [];
    case "cpu":
      return series("cpu", (f) => f.endsWith("-timeseries.csv"));
    case "cpu-summary":
      return series("cpu", (f) => f.endsWith("-summary.csv"));
    case "gpu":
      return series("gpu", (f) => f.endsWith(".csv"));
    case "node":
      return single("node-data.csv");
    case "labels":
      return single("labelled_jobids.csv");
    case "label-stats":
      return single("labelled_job_stats.csv");
  }
}

/** The table a release file belongs to, from its path under the release folder. */
function tableOfFile(rel: string): SupercloudTableName | undefined {
  if (rel.startsWith("gpu/")) return "gpu";
  if (rel.startsWith("cpu/")) return rel.endsWith("-summary.csv") ? "cpu-summary" : "cpu";
  if ((SCHEDULER_LOG_NAMES as readonly string[]).includes(rel)) return "slurm";
  return ({ "node-data.csv": "node", "labelled_jobids.csv": "labels", "labelled_job_stats.csv": "label-stats" } as Record<string, SupercloudTableName>)[rel];
}

/** How much of each file's start goes through the Arrow reader before DuckDB reads it. */
const PROBE_BYTES = 64 * 1024;

/**
 * Holds the start of `file` to the Arrow loader's rules (strict): an empty file, a header the
 * loader refuses, or a bad row among the first ones throws its CsvFormatError (file, line,
 * column). Then, for the views that read columns by position, the header must name the columns
 * in the documented order, as DuckDB is told them.
 */
export function checkFileStart(name: SupercloudTableName, file: string, label: string): void {
  const fd = fs.openSync(file, "r");
  let bytes: Uint8Array;
  try {
    const buf = Buffer.alloc(PROBE_BYTES);
    bytes = buf.subarray(0, fs.readSync(fd, buf, 0, PROBE_BYTES, 0));
  } finally {
    fs.closeSync(fd);
  }
  const reader = new TableReader(TABLE_SPECS[name], label, { mode: "strict", batchRows: 1024 });
  reader.push(bytes);
  if (bytes.length < PROBE_BYTES) reader.end(); // the whole file: an empty one fails here
  const types = SQL_TYPES[name];
  if (!types) return; // labels, label-stats: read by the header's names
  const first = tokenizeAll(bytes).records[0]?.fields ?? [];
  const want = Object.keys(types);
  if (first.length !== want.length || first.some((f, i) => f.trim() !== want[i])) {
    throw new CsvFormatError(
      label,
      1,
      1,
      undefined,
      `the DuckDB engine reads the ${TABLE_SPECS[name].title} with a header naming its columns in the documented order (${want.join(", ")}) but the file starts with ${JSON.stringify(first.slice(0, 4).join(","))}; use --engine arrow, which reads columns by name and headerless files`,
    );
  }
}

/** SQL name of each view. */
export const VIEW_NAMES: Record<SupercloudTableName, string> = {
  slurm: "slurm",
  cpu: "cpu",
  "cpu-summary": "cpu_summary",
  gpu: "gpu",
  node: "node",
  labels: "labels",
  "label-stats": "label_stats",
};

// ---------------------------------------------------------------------------
// DuckDB results → Arrow.

/** DuckDB's logical type ids (duckdb.h DUCKDB_TYPE_*), so the native module loads only when used. */
const DuckDBTypeId = {
  BOOLEAN: 1,
  TINYINT: 2,
  SMALLINT: 3,
  INTEGER: 4,
  BIGINT: 5,
  UTINYINT: 6,
  USMALLINT: 7,
  UINTEGER: 8,
  UBIGINT: 9,
  FLOAT: 10,
  DOUBLE: 11,
  TIMESTAMP: 12,
  DATE: 13,
  HUGEINT: 16,
  VARCHAR: 17,
  DECIMAL: 19,
  TIMESTAMP_S: 20,
  TIMESTAMP_MS: 21,
  TIMESTAMP_NS: 22,
  LIST: 24,
  STRUCT: 25,
  MAP: 26,
  TIMESTAMP_TZ: 31,
  UHUGEINT: 32,
} as const;

/** The DuckDB types whose Arrow counterpart takes no parameters. */
const PLAIN_ARROW_TYPES: Readonly<Record<number, new () => DataType>> = {
  [DuckDBTypeId.BOOLEAN]: Bool,
  [DuckDBTypeId.TINYINT]: Int8,
  [DuckDBTypeId.SMALLINT]: Int16,
  [DuckDBTypeId.INTEGER]: Int32,
  [DuckDBTypeId.BIGINT]: Int64,
  [DuckDBTypeId.HUGEINT]: Int64,
  [DuckDBTypeId.UTINYINT]: Uint8,
  [DuckDBTypeId.USMALLINT]: Uint16,
  [DuckDBTypeId.UINTEGER]: Uint32,
  [DuckDBTypeId.UBIGINT]: Uint64,
  [DuckDBTypeId.UHUGEINT]: Uint64,
  [DuckDBTypeId.FLOAT]: Float32,
  [DuckDBTypeId.DOUBLE]: Float64,
  [DuckDBTypeId.DATE]: DateDay,
};

/** The DuckDB timestamp types by unit; all come back in UTC, the session's time zone. */
const TIMESTAMP_ARROW_TYPES: Readonly<Record<number, new (timezone: string) => DataType>> = {
  [DuckDBTypeId.TIMESTAMP_S]: TimestampSecond,
  [DuckDBTypeId.TIMESTAMP_MS]: TimestampMillisecond,
  [DuckDBTypeId.TIMESTAMP]: TimestampMicrosecond,
  [DuckDBTypeId.TIMESTAMP_TZ]: TimestampMicrosecond,
  [DuckDBTypeId.TIMESTAMP_NS]: TimestampNanosecond,
};

/** The Arrow type for a DuckDB column type (DECIMAL wider than 15 digits becomes exact text; unknown types text). */
export function arrowTypeOf(t: DuckDBType): DataType {
  const Plain = PLAIN_ARROW_TYPES[t.typeId as number];
  if (Plain) return new Plain();
  const Timestamp = TIMESTAMP_ARROW_TYPES[t.typeId as number];
  if (Timestamp) return new Timestamp("UTC");
  switch (t.typeId as number) {
    case DuckDBTypeId.DECIMAL:
      return (t as unknown as { width: number }).width <= 15 ? new Float64() : new Utf8();
    case DuckDBTypeId.LIST: {
      const child = (t as unknown as { valueType: DuckDBType }).valueType;
      return new List(new Field("item", arrowTypeOf(child), true));
    }
    case DuckDBTypeId.MAP: {
      const m = t as unknown as { keyType: DuckDBType; valueType: DuckDBType };
      const entries = new Struct([new Field("key", arrowTypeOf(m.keyType), false), new Field("value", arrowTypeOf(m.valueType), true)]);
      return new Map_(new Field("entries", entries, false) as never);
    }
    case DuckDBTypeId.STRUCT: {
      const s = t as unknown as { entryNames: string[]; entryTypes: DuckDBType[] };
      return new Struct(s.entryNames.map((n, i) => new Field(n, arrowTypeOf(s.entryTypes[i]), true)));
    }
    default:
      return new Utf8();
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A DuckDB value as the JS value an Arrow builder of `type` takes. */
export function toArrowValue(v: unknown, type: DataType, column: string): unknown {
  if (v === null || v === undefined) return null;
  if (DataType.isTimestamp(type)) {
    const o = v as { seconds?: bigint; millis?: bigint; micros?: bigint; nanos?: bigint };
    if (o.seconds !== undefined) return Number(o.seconds) * 1000;
    if (o.millis !== undefined) return Number(o.millis);
    if (o.micros !== undefined) return Number(o.micros) / 1000;
    if (o.nanos !== undefined) return Number(o.nanos) / 1e6;
    return null;
  }
  if (DataType.isDate(type)) return Number((v as { days: number }).days) * 86400000;
  if (DataType.isInt(type)) {
    if (type.bitWidth === 64) {
      const b = typeof v === "bigint" ? v : BigInt(v as number);
      if (type.isSigned ? b < INT64_MIN || b > INT64_MAX : b < 0n || b >= 2n ** 64n) {
        throw new GreenaiError(`column ${column}: value ${b} does not fit ${type.isSigned ? "Int64" : "UInt64"}; cast it in SQL (e.g. ::DOUBLE or ::VARCHAR)`);
      }
      return b;
    }
    return typeof v === "bigint" ? Number(v) : v;
  }
  if (DataType.isFloat(type)) {
    if (typeof v === "number") return v;
    if (typeof v === "bigint") return Number(v);
    return Number(String(v));
  }
  if (DataType.isBool(type)) return Boolean(v);
  if (DataType.isList(type)) {
    const items = (v as { items: unknown[] }).items;
    return items.map((x) => toArrowValue(x, type.children[0].type, column));
  }
  if (DataType.isMap(type)) {
    const entries = (v as { entries: { key: unknown; value: unknown }[] }).entries;
    const kt = type.keyType;
    const vt = type.valueType;
    return new Map(entries.map((e) => [toArrowValue(e.key, kt, column), toArrowValue(e.value, vt, column)]));
  }
  if (DataType.isStruct(type)) {
    const entries = (v as { entries: Record<string, unknown> }).entries;
    return Object.fromEntries(type.children.map((f) => [f.name, toArrowValue(entries[f.name], f.type, column)]));
  }
  if (DataType.isDictionary(type)) return String(v);
  return typeof v === "string" ? v : String(v);
}

/**
 * Reads a DuckDB result into Arrow record batches. With `schema`, the columns are converted
 * to exactly those types (the Arrow loaders' schema); otherwise each DuckDB type maps to its
 * Arrow counterpart (arrowTypeOf).
 */
export async function tableFromDuckDB(result: DuckDBResult, opts: { schema?: Schema; maxRows?: number; signal?: AbortSignal; batchRows?: number } = {}): Promise<{ table: Table; truncated: boolean }> {
  const n = result.columnCount;
  const names = result.deduplicatedColumnNames();
  const schema =
    opts.schema ??
    new Schema(
      names.map((nm, i) => new Field(nm, arrowTypeOf(result.columnType(i)), true)),
    );
  if (schema.fields.length !== n) throw new GreenaiError(`DuckDB returned ${n} columns where ${schema.fields.length} were expected`);
  const maxRows = opts.maxRows ?? Infinity;
  const batchRows = opts.batchRows ?? 65536;
  const batches: RecordBatch[] = [];
  const builders: Builder[] = schema.fields.map((f) => makeBuilder({ type: f.type, nullValues: [null, undefined] }));
  let rows = 0;
  let pending = 0;
  let truncated = false;
  const flush = () => {
    if (pending === 0) return;
    batches.push(makeBatch(schema, builders.map((b) => b.flush()), pending));
    pending = 0;
  };
  for (;;) {
    throwIfAborted(opts.signal);
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const columns = chunk.getColumns();
    let take = chunk.rowCount;
    if (rows + take > maxRows) {
      take = maxRows - rows;
      truncated = true;
    }
    for (let c = 0; c < n; c++) {
      const b = builders[c];
      const type = schema.fields[c].type;
      const vals = columns[c];
      for (let r = 0; r < take; r++) b.append(toArrowValue(vals[r], type, names[c]));
    }
    rows += take;
    pending += take;
    if (pending >= batchRows) flush();
    if (truncated) break;
  }
  flush();
  return { table: tableFromBatches(schema, batches), truncated };
}

/**
 * A DuckDB error as the Arrow loader would report it: DuckDB names the CSV file it failed on
 * ("file = …"); that file is read by the Arrow reader in strict mode, whose CsvFormatError
 * (file, line, column) is returned. When the Arrow reader accepts the file, or DuckDB named no
 * file, the DuckDB message is kept, prefixed by the file (or `what`).
 */
export async function duckdbErrorAsArrow(err: unknown, root: string, what: string): Promise<Error> {
  if (err instanceof GreenaiError) return err;
  const msg = (err as Error).message ?? String(err);
  const fileMatch = /^\s*file = (.+)$/m.exec(msg);
  const lineMatch = /CSV Error on Line: (\d+)/.exec(msg);
  const headline = msg.split("\n")[0];
  if (!fileMatch) return new GreenaiError(`${what}: ${headline} (DuckDB over ${root})`);
  const file = fileMatch[1].trim();
  const rel = path.relative(root, file).split(path.sep).join("/");
  const label = rel.startsWith("..") ? file : rel;
  const name = tableOfFile(rel);
  if (name) {
    try {
      await csvTableFromFile(TABLE_SPECS[name], file, { label, mode: "strict" });
    } catch (e) {
      if (e instanceof CsvFormatError) return e;
    }
  }
  return new GreenaiError(`${label}${lineMatch ? `, line ${lineMatch[1]}` : ""}: ${headline} (DuckDB engine; --engine arrow reads this file by its own rules)`);
}

/** DuckDB over one release folder. */
export class SupercloudSql {
  private constructor(
    readonly root: string,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    /** Views created (SQL names). */
    readonly views: string[],
    private readonly logFile: string | undefined,
  ) {}

  /** Opens an in-memory DuckDB with one view per table the folder has. */
  static async open(dir: string): Promise<SupercloudSql> {
    const root = path.resolve(dir);
    if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new GreenaiError(`no Supercloud data set at ${dir}: the folder does not exist`);
    const logFile = SCHEDULER_LOG_NAMES.map((n) => path.join(root, n)).find((f) => fs.existsSync(f));
    // Loaded here: the native module takes a while and is needed only for SQL.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { DuckDBInstance } = require("@duckdb/node-api") as typeof import("@duckdb/node-api");
    const instance = await DuckDBInstance.create(":memory:");
    const conn = await instance.connect();
    const views: string[] = [];
    try {
      await conn.run("SET TimeZone = 'UTC'");
      for (const name of Object.keys(VIEW_NAMES) as SupercloudTableName[]) {
        const sql = viewSql(root, name, logFile);
        if (!sql) continue;
        await conn.run(`CREATE VIEW ${VIEW_NAMES[name]} AS ${sql}`);
        views.push(VIEW_NAMES[name]);
      }
    } catch (err) {
      conn.closeSync();
      throw await duckdbErrorAsArrow(err, root, "Failed to set up the DuckDB views");
    }
    return new SupercloudSql(root, instance, conn, views, logFile);
  }

  /** Runs a query; the result as an Arrow table (at most maxRows rows; `truncated` says if more were left). */
  async query(sql: string, opts: { maxRows?: number; signal?: AbortSignal } = {}): Promise<{ table: Table; truncated: boolean }> {
    const onAbort = () => this.conn.interrupt();
    opts.signal?.addEventListener("abort", onAbort);
    try {
      const result = await this.conn.stream(sql);
      return await tableFromDuckDB(result, { maxRows: opts.maxRows, signal: opts.signal });
    } catch (err) {
      throw await duckdbErrorAsArrow(err, this.root, "Failed to run the query");
    } finally {
      opts.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** A whole table through DuckDB, with the same schema as the Arrow loader. Filters: jobIds, fromMs/toMs, gpuOnly, labelledOnly, nodes. */
  async table(name: SupercloudTableName, q: DatasetQuery = {}): Promise<Table> {
    const view = VIEW_NAMES[name];
    if (!this.views.includes(view)) throw new GreenaiError(`${this.root} has no files for the ${TABLE_SPECS[name].title}`);
    const where: string[] = [];
    if (q.jobIds && (name === "slurm" || name === "labels" || name === "cpu" || name === "cpu-summary" || name === "gpu")) {
      where.push(`id_job IN (${q.jobIds.map((j) => jobIdText(j)).join(", ") || "NULL"})`);
    }
    if (q.labelledOnly && name !== "labels" && name !== "node" && name !== "label-stats") where.push("id_job IN (SELECT id_job FROM labels)");
    if (q.gpuOnly && name === "slurm") where.push("gpu_job");
    if (q.gpuOnly && (name === "cpu" || name === "cpu-summary")) where.push("id_job IN (SELECT DISTINCT id_job FROM gpu)");
    if (q.nodes && (name === "node" || name === "gpu")) where.push(`${name === "node" ? '"Node"' : "node"} IN (${q.nodes.map(lit).join(", ") || "NULL"})`);
    const ms = (x: number) => `make_timestamp(${Math.round(x * 1000)})`;
    const tcol = name === "gpu" ? '"timestamp"' : name === "cpu" ? '"EpochTime"' : name === "node" ? '"timestamp"' : undefined;
    if (q.fromMs !== undefined) {
      if (name === "slurm") where.push(`coalesce(time_end, 'infinity'::TIMESTAMP) >= ${ms(q.fromMs)}`);
      else if (tcol) where.push(`${tcol} >= ${ms(q.fromMs)}`);
    }
    if (q.toMs !== undefined) {
      if (name === "slurm") where.push(`coalesce(time_start, time_submit) <= ${ms(q.toMs)}`);
      else if (tcol) where.push(`${tcol} <= ${ms(q.toMs)}`);
    }
    const sql = `SELECT * FROM ${view}${where.length ? ` WHERE ${where.join(" AND ")}` : ""}`;
    for (const f of viewFiles(this.root, name, this.logFile)) {
      throwIfAborted(q.signal);
      checkFileStart(name, f, path.relative(this.root, f).split(path.sep).join("/"));
    }
    try {
      const result = await this.conn.stream(sql);
      return (await tableFromDuckDB(result, { schema: emptySchema(name), signal: q.signal })).table;
    } catch (err) {
      throw await duckdbErrorAsArrow(err, this.root, `Failed to read the ${TABLE_SPECS[name].title}`);
    }
  }

  close(): void {
    this.conn.closeSync();
    (this.instance as unknown as { closeSync?: () => void }).closeSync?.();
  }
}
