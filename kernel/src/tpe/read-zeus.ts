/**
 * Reader for the Zeus (NSDI'23) power traces `summary_power_<gpu>.csv`:
 * dataset,network,batch_size,optimizer,power_limit,time_per_epoch,average_power (s, W).
 */
import * as path from "path";
import { DataFormatError } from "../errors";
import { csvRecordsFromText, headerIndex, numberCell } from "./csv";
import type { ZeusPowerRow } from "./energy";
import { textFromFile } from "./read-curves";

const COLUMNS = ["dataset", "network", "batch_size", "optimizer", "power_limit", "time_per_epoch", "average_power"] as const;

/** Parses a Zeus power table; every number must be finite and positive. */
export function zeusPowerRowsFromText(text: string, file: string): ZeusPowerRow[] {
  const records = csvRecordsFromText(text, file);
  if (records.length === 0) throw new DataFormatError(`${file}: empty file; expected a header ${COLUMNS.join(",")}`);
  const [head, ...rows] = records;
  const idx = headerIndex(head.cells);
  const missing = COLUMNS.filter((c) => !idx.has(c));
  if (missing.length) throw new DataFormatError(`${file}:${head.line}: missing column(s) ${missing.join(", ")}; expected ${COLUMNS.join(",")}`);
  if (rows.length === 0) throw new DataFormatError(`${file}:${head.line}: header only, no data rows`);
  return rows.map((rec) => {
    if (rec.cells.length !== head.cells.length) throw new DataFormatError(`${file}:${rec.line}: row has ${rec.cells.length} fields but the header has ${head.cells.length}`);
    const num = (name: (typeof COLUMNS)[number]) => {
      const col = idx.get(name) as number;
      const v = numberCell(rec.cells[col], { file, line: rec.line, col: col + 1, name });
      if (v === null || !(v > 0) || !Number.isFinite(v)) {
        throw new DataFormatError(`${file}:${rec.line}:${col + 1}: column "${name}" expects a positive number but got ${JSON.stringify(rec.cells[col])}`);
      }
      return v;
    };
    const str = (name: (typeof COLUMNS)[number]) => rec.cells[idx.get(name) as number].trim();
    return {
      dataset: str("dataset"),
      network: str("network"),
      batch_size: num("batch_size"),
      optimizer: str("optimizer"),
      power_limit: num("power_limit"),
      time_per_epoch: num("time_per_epoch"),
      average_power: num("average_power"),
    };
  });
}

/** Reads `summary_power_<gpu>.csv`; the GPU name comes from the file name (e.g. "v100"). */
export async function zeusPowerTableFromFile(file: string): Promise<{ gpu: string; rows: ZeusPowerRow[] }> {
  const rows = zeusPowerRowsFromText(await textFromFile(file), file);
  const m = /summary_power_([A-Za-z0-9]+)\.csv$/.exec(path.basename(file));
  return { gpu: m ? m[1] : "gpu", rows };
}
