/**
 * The DuckDB path queries the same files with the same column types as the Arrow loaders
 * and returns Arrow tables with the same values.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Table } from "apache-arrow";
import { SupercloudSql } from "../../kernel/src/datasets/duckdb";
import { SupercloudDataset } from "../../kernel/src/datasets/supercloud";
import type { SupercloudTableName } from "../../kernel/src/datasets/schemas";
import { tableRowsJsonForTest } from "./helpers";

const SAMPLE = path.resolve(__dirname, "../../data/supercloud-sample");

const sortedRows = (t: Table) => tableRowsJsonForTest(t).map((r) => JSON.stringify(r)).sort();
const typesOf = (t: Table) => t.schema.fields.map((f) => `${f.name}:${String(f.type)}`);

describe("DuckDB over the release files", () => {
  let sql: SupercloudSql;
  let ds: SupercloudDataset;
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-cache-"));
  beforeAll(async () => {
    sql = await SupercloudSql.open(SAMPLE);
    ds = await SupercloudDataset.open(SAMPLE, { cacheDir });
  });
  afterAll(() => {
    sql.close();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  it("creates a view per table", () => {
    expect(sql.views.sort()).toEqual(["cpu", "cpu_summary", "gpu", "label_stats", "labels", "node", "slurm"]);
  });

  it.each(["slurm", "cpu", "cpu-summary", "gpu", "node", "labels"] as SupercloudTableName[])("%s: same column types and values as the Arrow loader", async (name) => {
    const viaArrow = (await ds.table(name)).table;
    const viaDuck = await sql.table(name);
    expect(typesOf(viaDuck)).toEqual(typesOf(viaArrow));
    expect(viaDuck.numRows).toBe(viaArrow.numRows);
    expect(sortedRows(viaDuck)).toEqual(sortedRows(viaArrow));
  });

  it("applies the same filters", async () => {
    const labels = await ds.labels();
    const ids = [...labels.keys()].slice(0, 3);
    const a = (await ds.table("slurm", { jobIds: ids })).table;
    const d = await sql.table("slurm", { jobIds: ids });
    expect(sortedRows(d)).toEqual(sortedRows(a));
    const day = Date.UTC(2021, 6, 12);
    for (const q of [{ gpuOnly: true }, { labelledOnly: true }, { fromMs: day, toMs: day + 86400e3 }]) {
      expect(sortedRows(await sql.table("slurm", q))).toEqual(sortedRows((await ds.table("slurm", q)).table));
    }
    const g = { jobIds: ids, fromMs: day + 3 * 3600e3, toMs: day + 12 * 3600e3 };
    expect(sortedRows(await sql.table("gpu", g))).toEqual(sortedRows((await ds.table("gpu", g)).table));
  });

  it("answers SQL with Arrow tables, mapping DuckDB types", async () => {
    const { table } = await sql.query(
      "SELECT partition, count(*) AS jobs, sum(gpus_req) AS gpus, avg(cpus_req) AS mean_cpus, max(mem_req) AS max_mem, min(time_submit) AS first FROM slurm GROUP BY partition ORDER BY jobs DESC",
    );
    expect(typesOf(table)).toEqual(["partition:Utf8", "jobs:Int64", "gpus:Int64", "mean_cpus:Float64", "max_mem:Uint64", "first:Timestamp<SECOND, UTC>"]);
    const all = (await ds.table("slurm")).table;
    const normal = [...all.getChild("partition")!].filter((p) => p === "normal").length;
    expect(table.getChild("partition")!.get(0)).toBe("normal");
    expect(table.getChild("jobs")!.get(0)).toBe(BigInt(normal));
  });

  it("maps lists, maps, decimals and caps the rows", async () => {
    const { table, truncated } = await sql.query("SELECT id_job, nodes, tres_req_map, 1.25::DECIMAL(6,2) AS d, 123456789012345678.5::DECIMAL(20,1) AS wide FROM slurm ORDER BY id_job", { maxRows: 5 });
    expect(truncated).toBe(true);
    expect(table.numRows).toBe(5);
    expect(typesOf(table)).toEqual(["id_job:Int64", "nodes:List<Utf8>", "tres_req_map:Map<{key:Uint32, value:Uint64}>", "d:Float64", "wide:Utf8"]);
    expect(table.getChild("d")!.get(0)).toBe(1.25);
    expect(table.getChild("wide")!.get(0)).toBe("123456789012345678.5");
  });

  it("maps every scalar DuckDB type to its Arrow type", async () => {
    const { table } = await sql.query(
      "SELECT true AS b, 1::TINYINT AS i8, 1::SMALLINT AS i16, 1::INTEGER AS i32, 1::BIGINT AS i64, 1::HUGEINT AS i128, " +
        "1::UTINYINT AS u8, 1::USMALLINT AS u16, 1::UINTEGER AS u32, 1::UBIGINT AS u64, 1::UHUGEINT AS u128, 1.5::FLOAT AS f32, 1.5::DOUBLE AS f64, " +
        "DATE '2021-07-12' AS d, '2021-07-12 14:00:00'::TIMESTAMP_S AS ts_s, '2021-07-12 14:00:00'::TIMESTAMP_MS AS ts_ms, " +
        "TIMESTAMP '2021-07-12 14:00:00' AS ts_us, TIMESTAMPTZ '2021-07-12 14:00:00+00' AS ts_tz, '2021-07-12 14:00:00'::TIMESTAMP_NS AS ts_ns",
    );
    expect(typesOf(table)).toEqual([
      "b:Bool",
      "i8:Int8",
      "i16:Int16",
      "i32:Int32",
      "i64:Int64",
      "i128:Int64",
      "u8:Uint8",
      "u16:Uint16",
      "u32:Uint32",
      "u64:Uint64",
      "u128:Uint64",
      "f32:Float32",
      "f64:Float64",
      "d:Date32<DAY>",
      "ts_s:Timestamp<SECOND, UTC>",
      "ts_ms:Timestamp<MILLISECOND, UTC>",
      "ts_us:Timestamp<MICROSECOND, UTC>",
      "ts_tz:Timestamp<MICROSECOND, UTC>",
      "ts_ns:Timestamp<NANOSECOND, UTC>",
    ]);
    const at = Date.UTC(2021, 6, 12, 14);
    for (const c of ["ts_s", "ts_ms", "ts_us", "ts_tz", "ts_ns"]) expect(table.getChild(c)!.get(0)).toBe(at);
  });

  it("refuses a value that does not fit instead of wrapping it", async () => {
    await expect(sql.query("SELECT 170141183460469231731687303715884105727::HUGEINT AS big")).rejects.toThrow(/column big: value 170141183460469231731687303715884105727 does not fit Int64; cast it in SQL/);
  });

  it("reports SQL errors by operation", async () => {
    await expect(sql.query("SELECT nope FROM slurm")).rejects.toThrow(/^Failed to run the query: .*nope/);
  });
});
