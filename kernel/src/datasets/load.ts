/**
 * One Supercloud table by either engine (edge): the streaming Arrow loaders (exact errors,
 * a per-file report) or DuckDB (data bigger than memory; its report counts the rows only).
 */
import type { Table } from "apache-arrow";
import { SupercloudSql } from "./duckdb";
import type { SupercloudTableName } from "./schemas";
import { emptyReport, openSupercloud, type DatasetQuery, type LoadReport } from "./supercloud";

/** Which engine reads the files. */
export type LoadEngine = "arrow" | "duckdb";

/**
 * Loads one table with the query's filters applied while reading. DuckDB ignores `mode` and
 * `decode`: it has no lenient mode and always adds the decoded columns.
 */
export async function loadSupercloudTable(root: string, name: SupercloudTableName, q: DatasetQuery, engine: LoadEngine): Promise<{ table: Table; report: LoadReport }> {
  if (engine === "arrow") return (await openSupercloud(root)).table(name, q);
  const sql = await SupercloudSql.open(root);
  try {
    const table = await sql.table(name, q);
    // DuckDB names no files or lines: the report holds what came back.
    return { table, report: { ...emptyReport(name), rowsRead: table.numRows, rowsKept: table.numRows } };
  } finally {
    sql.close();
  }
}
