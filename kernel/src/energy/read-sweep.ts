/**
 * Reads a power-limit sweep CSV (the Zeus `summary_power_<gpu>.csv` format, or a user's own
 * sweep with at least power_limit,time_per_epoch,average_power). Edge module: reads a file.
 */
import * as fs from "fs";
import { DataFormatError } from "../errors";
import type { PowerSweepRow } from "./powercap";

const REQUIRED = ["power_limit", "time_per_epoch", "average_power"] as const;
const KEYS = ["dataset", "network", "batch_size", "optimizer"] as const;

/** Parses sweep CSV text; `file` names it in errors (line and column are 1-based). */
export function sweepRowsFromCsv(text: string, file: string): PowerSweepRow[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? "").split(",").map((s) => s.trim());
  for (const r of REQUIRED) {
    if (!header.includes(r)) {
      throw new DataFormatError(`${file}:1: column "${r}" missing; expected a header with ${REQUIRED.join(", ")} (and optionally ${KEYS.join(", ")})`);
    }
  }
  const col = (name: string) => header.indexOf(name);
  const rows: PowerSweepRow[] = [];
  const seen = new Map<string, number>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "") continue;
    const cells = line.split(",");
    if (cells.length !== header.length) {
      throw new DataFormatError(`${file}:${i + 1}: expected ${header.length} comma-separated fields but found ${cells.length}`);
    }
    const num = (name: string, positive: boolean): number => {
      const c = col(name);
      const t = cells[c].trim();
      const x = t === "" ? NaN : Number(t);
      if (!Number.isFinite(x) || (positive ? x <= 0 : x < 0)) {
        throw new DataFormatError(`${file}:${i + 1}:${c + 1}: ${name} is ${JSON.stringify(t)}; expected a ${positive ? "positive" : "non-negative"} number`);
      }
      return x;
    };
    const str = (name: string) => (col(name) >= 0 ? cells[col(name)].trim() : "");
    const bsText = str("batch_size");
    let batch: number | null = null;
    if (bsText !== "") {
      batch = Number(bsText);
      if (!Number.isFinite(batch)) throw new DataFormatError(`${file}:${i + 1}:${col("batch_size") + 1}: batch_size is ${JSON.stringify(bsText)}; expected a number`);
    }
    const row: PowerSweepRow = {
      dataset: str("dataset"),
      network: str("network"),
      batch_size: batch,
      optimizer: str("optimizer"),
      power_limit: num("power_limit", true),
      time_per_epoch: num("time_per_epoch", true),
      average_power: num("average_power", false),
    };
    const k = `${row.dataset}|${row.network}|${row.batch_size ?? ""}|${row.optimizer}|${row.power_limit}`;
    const prev = seen.get(k);
    if (prev !== undefined) {
      throw new DataFormatError(`${file}:${i + 1}: power limit ${row.power_limit} W of this workload already appears on line ${prev}; one row per (workload, power_limit)`);
    }
    seen.set(k, i + 1);
    rows.push(row);
  }
  if (rows.length === 0) throw new DataFormatError(`${file}: no data rows after the header`);
  return rows;
}

/** Reads a sweep CSV file. */
export function sweepRowsFromFile(file: string): PowerSweepRow[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new DataFormatError(`${file}: cannot read the power trace (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  return sweepRowsFromCsv(text, file);
}
