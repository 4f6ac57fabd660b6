/** Shared helpers of the dataset tests. */
import { Table } from "apache-arrow";
import { tableRowsJson } from "../../kernel/src/datasets/series";
export { CsvFormatError, tableFromCsvText } from "../../kernel/src/datasets/reader";

/** Every row of a table as JSON-safe objects. */
export function tableRowsJsonForTest(t: Table): Record<string, unknown>[] {
  return tableRowsJson(t, t.numRows);
}
