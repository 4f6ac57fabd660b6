/**
 * The power-limit sweep reader: the Zeus (NSDI'23) `summary_power_<gpu>.csv` traces
 * (dataset,network,batch_size,optimizer,power_limit,time_per_epoch,average_power; s, W), or a
 * user's own sweep with at least power_limit,time_per_epoch,average_power. Edge module: reads a file.
 *
 * Rules: RFC 4180 cells (quotes allowed); power_limit, time_per_epoch and average_power must
 * be finite and positive; batch_size, when given, too (blank or absent: null); one row per
 * (workload, power_limit); at least one data row. Errors name file, line and column.
 */
import * as fs from "fs";
import * as path from "path";
import { DataFormatError } from "../errors";
import { csvRecordsFromText, headerIndex, type CsvRecord } from "../io/csv";
import { textFromFile } from "../io/text-file";
import { workloadKey, type PowerSweepRow } from "./powercap";

const REQUIRED = ["power_limit", "time_per_epoch", "average_power"] as const;
const KEYS = ["dataset", "network", "batch_size", "optimizer"] as const;
/** The columns of a Zeus trace, in its order. */
export const ZEUS_COLUMNS = [...KEYS, ...REQUIRED] as const;

function positive(raw: string, at: { file: string; line: number; col: number; name: string }): number {
  const t = raw.trim();
  const x = t === "" ? NaN : Number(t);
  if (!Number.isFinite(x) || x <= 0) throw new DataFormatError(`${at.file}:${at.line}:${at.col}: ${at.name} is ${JSON.stringify(t)}; expected a positive number`);
  return x;
}

/** Parses sweep CSV text; `file` names it in errors (line and column are 1-based). */
export function sweepRowsFromCsv(text: string, file: string): PowerSweepRow[] {
  return sweepRowsFromRecords(csvRecordsFromText(text, file), file);
}

/** The rows of a sweep's CSV records, the first being the header. */
function sweepRowsFromRecords(records: CsvRecord[], file: string): PowerSweepRow[] {
  const head = records[0];
  const idx = headerIndex(head ? head.cells : []);
  for (const r of REQUIRED) {
    if (!idx.has(r)) {
      throw new DataFormatError(`${file}:${head?.line ?? 1}: column "${r}" missing; expected a header with ${REQUIRED.join(", ")} (and optionally ${KEYS.join(", ")})`);
    }
  }
  const rows: PowerSweepRow[] = [];
  const seen = new Map<string, number>();
  for (const rec of records.slice(1)) {
    if (rec.cells.length !== head.cells.length) {
      throw new DataFormatError(`${file}:${rec.line}: expected ${head.cells.length} comma-separated fields but found ${rec.cells.length}`);
    }
    const cell = (name: string) => (idx.has(name) ? rec.cells[idx.get(name) as number] : "");
    const num = (name: string) => positive(cell(name), { file, line: rec.line, col: (idx.get(name) as number) + 1, name });
    const row: PowerSweepRow = {
      dataset: cell("dataset").trim(),
      network: cell("network").trim(),
      batch_size: cell("batch_size").trim() === "" ? null : num("batch_size"),
      optimizer: cell("optimizer").trim(),
      power_limit: num("power_limit"),
      time_per_epoch: num("time_per_epoch"),
      average_power: num("average_power"),
    };
    const k = `${workloadKey(row)}|${row.power_limit}`;
    const prev = seen.get(k);
    if (prev !== undefined) {
      throw new DataFormatError(`${file}:${rec.line}: power limit ${row.power_limit} W of this workload already appears on line ${prev}; one row per (workload, power_limit)`);
    }
    seen.set(k, rec.line);
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

/**
 * Reads a Zeus trace `summary_power_<gpu>.csv`: every Zeus column must be there (a device
 * power model needs whole workloads). The GPU name comes from the file name (e.g. "v100").
 */
export async function zeusPowerTableFromFile(file: string): Promise<{ gpu: string; rows: PowerSweepRow[] }> {
  return zeusPowerTableFromText(await textFromFile(file), file);
}

/** zeusPowerTableFromFile on text already read. */
export function zeusPowerTableFromText(text: string, file: string): { gpu: string; rows: PowerSweepRow[] } {
  // the header is the first record, wherever it starts (blank lines before it are skipped)
  const records = csvRecordsFromText(text, file);
  const head = records[0];
  if (!head) throw new DataFormatError(`${file}: empty file; expected a header ${ZEUS_COLUMNS.join(",")}`);
  const idx = headerIndex(head.cells);
  const missing = ZEUS_COLUMNS.filter((c) => !idx.has(c));
  if (missing.length) throw new DataFormatError(`${file}:${head.line}: missing column(s) ${missing.join(", ")}; expected ${ZEUS_COLUMNS.join(",")}`);
  const m = /summary_power_([A-Za-z0-9]+)\.csv$/.exec(path.basename(file));
  return { gpu: m ? m[1] : "gpu", rows: sweepRowsFromRecords(records, file) };
}

/** One row of the Zeus train trace: the epoch at which one run reached one target metric. */
export interface TrainTraceRow {
  dataset: string;
  network: string;
  batch_size: number;
  optimizer: string;
  learning_rate: string;
  run: string;
  target_metric: number;
  /** null when the run never reached the target ("nan" in the trace, or blank). */
  target_epoch: number | null;
}

/** The columns of the Zeus train trace `summary_train.csv`, in its order. */
export const ZEUS_TRAIN_COLUMNS = ["dataset", "network", "batch_size", "optimizer", "learning_rate", "run", "target_metric", "target_epoch"] as const;

/** Parses the Zeus train trace (every column required; batch_size positive, target_metric a number, target_epoch positive or nan/blank: not reached). */
export function trainRowsFromCsv(text: string, file: string): TrainTraceRow[] {
  const records = csvRecordsFromText(text, file);
  const head = records[0];
  if (!head) throw new DataFormatError(`${file}: empty file; expected a header ${ZEUS_TRAIN_COLUMNS.join(",")}`);
  const idx = headerIndex(head.cells);
  const missing = ZEUS_TRAIN_COLUMNS.filter((c) => !idx.has(c));
  if (missing.length) throw new DataFormatError(`${file}:${head.line}: missing column(s) ${missing.join(", ")}; expected the Zeus train trace ${ZEUS_TRAIN_COLUMNS.join(",")}`);
  const rows = records.slice(1).map((rec) => {
    if (rec.cells.length !== head.cells.length) throw new DataFormatError(`${file}:${rec.line}: expected ${head.cells.length} comma-separated fields but found ${rec.cells.length}`);
    const cell = (name: string) => rec.cells[idx.get(name) as number].trim();
    const at = (name: string) => ({ file, line: rec.line, col: (idx.get(name) as number) + 1, name });
    const metric = Number(cell("target_metric"));
    if (cell("target_metric") === "" || !Number.isFinite(metric)) throw new DataFormatError(`${file}:${rec.line}:${at("target_metric").col}: target_metric is ${JSON.stringify(cell("target_metric"))}; expected a number`);
    return {
      dataset: cell("dataset"),
      network: cell("network"),
      batch_size: positive(cell("batch_size"), at("batch_size")),
      optimizer: cell("optimizer"),
      learning_rate: cell("learning_rate"),
      run: cell("run"),
      target_metric: metric,
      target_epoch: /^(nan)?$/i.test(cell("target_epoch")) ? null : positive(cell("target_epoch"), at("target_epoch")),
    };
  });
  if (rows.length === 0) throw new DataFormatError(`${file}: no data rows after the header`);
  return rows;
}

/** Reads the Zeus train trace file. */
export async function trainRowsFromFile(file: string): Promise<TrainTraceRow[]> {
  return trainRowsFromCsv(await textFromFile(file), file);
}
