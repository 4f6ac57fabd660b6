/**
 * Readers for recorded training curves: the long CSV form (`run_id,epoch,train_loss,val_loss,…`,
 * with an optional `models.csv` beside it), PyTorch Lightning CSVLogger logs (one file per trial,
 * or a folder of them), JSON lines, and NAS-Bench-NLP's upstream logs (./read-nasbench.ts). Bad input
 * gives a DataFormatError naming file, line and column; diverged values (nan, inf) are kept so that
 * replays report them.
 */
import { promises as fsp } from "fs";
import * as path from "path";
import { DataFormatError } from "../errors";
import { csvRecordsFromText, headerIndex, numberCell, type CsvRecord } from "../io/csv";
import { jsonLinesFromText } from "../io/jsonl";
import { textFromFile } from "../io/text-file";
import { zipEntries } from "../io/zip";
import { longestRun, type CurveSet, type TrialCurve } from "./curves";
import { curvesFromNasbenchLogs, isNasbenchLogName } from "./read-nasbench";
import { epochMeansFromSteps, type StepRow } from "./scores";

export type CurveFormat = "auto" | "long-csv" | "lightning-csv" | "jsonl" | "nas-bench-nlp";

export interface ReadCurvesOptions {
  /** Force a format instead of detecting it. */
  format?: CurveFormat;
  /** Full epoch budget; default: the longest run. */
  totalEpochs?: number;
  /** Lightning: step-level training loss column (default: train_loss_step, train_loss_stp or a per-step train_loss). */
  trainColumn?: string;
  /** Validation loss column (default val_loss, then val_loss_epoch). */
  valColumn?: string;
}

const LONG_REQUIRED = ["run_id", "epoch", "train_loss", "val_loss"] as const;

function describeCell(t: string): string {
  return JSON.stringify(t.length > 40 ? `${t.slice(0, 40)}…` : t);
}

function epochCell(raw: string | undefined, file: string, line: number, col: number): number {
  const t = (raw ?? "").trim();
  const x = t === "" ? NaN : Number(t);
  if (!Number.isInteger(x) || x < 0) {
    throw new DataFormatError(`${file}:${line}:${col}: column "epoch" expects a whole number ≥ 0 but got ${describeCell(t)}`);
  }
  return x;
}

function requireRecords(records: CsvRecord[], file: string, expected: string): void {
  if (records.length === 0) throw new DataFormatError(`${file}: empty file; expected a header line (${expected}) and data rows`);
  if (records.length === 1) throw new DataFormatError(`${file}:${records[0].line}: header only, no data rows; expected rows after the header (${expected})`);
}

function checkWidth(rec: CsvRecord, width: number, file: string): void {
  if (rec.cells.length !== width) {
    throw new DataFormatError(`${file}:${rec.line}: row has ${rec.cells.length} fields but the header has ${width}; check for a missing or extra comma`);
  }
}

interface EpochRow {
  epoch: number;
  line: number;
  train: number | null;
  val: number | null;
  wall: number | null;
}

/** Orders one run's epoch rows; duplicates and gaps are errors naming the lines. */
function epochArrays(id: string, rows: EpochRow[], base: number, file: string): Pick<TrialCurve, "trainLoss" | "valLoss" | "wallTimeS"> {
  rows.sort((a, b) => a.epoch - b.epoch);
  const trainLoss: (number | null)[] = [];
  const valLoss: (number | null)[] = [];
  const wall: (number | null)[] = [];
  let expect = base;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (i > 0 && r.epoch === rows[i - 1].epoch) {
      throw new DataFormatError(`${file}:${r.line}: run ${id} has epoch ${r.epoch} twice (also on line ${rows[i - 1].line}); keep one row per run and epoch`);
    }
    if (r.epoch !== expect) {
      throw new DataFormatError(
        `${file}:${r.line}: run ${id} jumps to epoch ${r.epoch} but epoch ${expect} is missing (epochs are numbered from ${base} and must be consecutive)`,
      );
    }
    trainLoss.push(r.train);
    valLoss.push(r.val);
    wall.push(r.wall);
    expect++;
  }
  return { trainLoss, valLoss, wallTimeS: wall };
}

/** Parses the long CSV form: one row per (run, epoch). Epochs are 0-based (or 1-based if none is 0). */
export function curvesFromLongCsvText(text: string, file: string): { trials: TrialCurve[]; notes: string[] } {
  const expected = "run_id,epoch,train_loss,val_loss[,wall_time_s,...]";
  const records = csvRecordsFromText(text, file);
  requireRecords(records, file, expected);
  const [head, ...rows] = records;
  const idx = headerIndex(head.cells);
  const missing = LONG_REQUIRED.filter((c) => !idx.has(c));
  if (missing.length) {
    throw new DataFormatError(
      `${file}:${head.line}: missing column${missing.length > 1 ? "s" : ""} ${missing.map((m) => `"${m}"`).join(", ")}; ` +
        `expected a header with ${expected}, found ${head.cells.map((c) => c.trim()).join(",")}`,
    );
  }
  const c = (name: string) => idx.get(name) as number;
  const wallCol = idx.get("wall_time_s");
  const byRun = new Map<string, { line: number; rows: EpochRow[] }>();
  let minEpoch = Infinity;
  for (const rec of rows) {
    checkWidth(rec, head.cells.length, file);
    const id = rec.cells[c("run_id")].trim();
    if (id === "") throw new DataFormatError(`${file}:${rec.line}:${c("run_id") + 1}: column "run_id" is empty; every row needs a run id`);
    const epoch = epochCell(rec.cells[c("epoch")], file, rec.line, c("epoch") + 1);
    const num = (col: number, name: string) => numberCell(rec.cells[col], { file, line: rec.line, col: col + 1, name });
    const row: EpochRow = {
      epoch,
      line: rec.line,
      train: num(c("train_loss"), "train_loss"),
      val: num(c("val_loss"), "val_loss"),
      wall: wallCol === undefined ? null : num(wallCol, "wall_time_s"),
    };
    minEpoch = Math.min(minEpoch, epoch);
    let run = byRun.get(id);
    if (!run) byRun.set(id, (run = { line: rec.line, rows: [] }));
    run.rows.push(row);
  }
  const base = minEpoch === 0 ? 0 : 1;
  const trials: TrialCurve[] = [];
  for (const [id, run] of byRun) {
    const arrays = epochArrays(id, run.rows, base, file);
    trials.push({ id, ...arrays, wallTimeS: wallCol === undefined ? undefined : arrays.wallTimeS, source: { file, line: run.line } });
  }
  const notes = [`${file}: ${trials.length} runs, epochs numbered from ${base}${wallCol === undefined ? ", no wall_time_s column" : ""}`];
  return { trials, notes };
}

/** Reads a `models.csv` (run_id, status, hyper-parameters) and attaches status and params to the runs. */
export function attachModelsCsv(trials: TrialCurve[], text: string, file: string): string[] {
  const records = csvRecordsFromText(text, file);
  if (records.length === 0) return [`${file}: empty, ignored`];
  const [head, ...rows] = records;
  const idx = headerIndex(head.cells);
  const idCol = idx.get("run_id");
  if (idCol === undefined) return [`${file}: no run_id column, ignored`];
  const statusCol = idx.get("status");
  const byId = new Map(trials.map((t) => [t.id, t]));
  let matched = 0;
  for (const rec of rows) {
    checkWidth(rec, head.cells.length, file);
    const t = byId.get(rec.cells[idCol].trim());
    if (!t) continue;
    matched++;
    if (statusCol !== undefined) t.status = rec.cells[statusCol].trim();
    const params: Record<string, string | number | boolean | null> = {};
    head.cells.forEach((h, i) => {
      const name = h.trim();
      if (i === idCol || i === statusCol) return;
      const v = rec.cells[i].trim();
      const x = Number(v);
      params[name] = v === "" ? null : Number.isFinite(x) ? x : v;
    });
    t.params = params;
  }
  return [`${file}: status and hyper-parameters for ${matched} of ${trials.length} runs`];
}

/** Lightning columns in the order they are looked for. */
const STEP_COLUMNS = ["train_loss_step", "train_loss_stp", "train_loss"];
const VAL_COLUMNS = ["val_loss", "val_loss_epoch"];

/** A parsed Lightning CSVLogger log: the trial and its step rows in log order. */
export interface LightningLog {
  curve: TrialCurve;
  /** Step rows (0-based epoch, loss) in log order, for the litmatter mode. */
  steps: StepRow[];
  notes: string[];
}

/**
 * Parses one Lightning CSVLogger `metrics.csv`. Rows with a step-level training loss are
 * minibatch rows; rows with a validation loss or `train_loss_epoch` are per-epoch rows.
 * ℓ̄_t is the plain mean of epoch t's step losses when they are logged, else `train_loss_epoch`.
 */
export function curveFromLightningCsvText(text: string, file: string, id: string, opts: Pick<ReadCurvesOptions, "trainColumn" | "valColumn"> = {}): LightningLog {
  const records = csvRecordsFromText(text, file);
  const expected = "epoch,step and a training loss column (train_loss_step or train_loss_epoch)";
  requireRecords(records, file, expected);
  const [head, ...rows] = records;
  const idx = headerIndex(head.cells);
  const found = head.cells.map((h) => h.trim()).join(",");
  if (!idx.has("epoch")) throw new DataFormatError(`${file}:${head.line}: missing column "epoch"; expected a Lightning CSVLogger header with ${expected}, found ${found}`);
  const pick = (wanted: string | undefined, candidates: string[], what: string): string | undefined => {
    if (wanted !== undefined) {
      if (!idx.has(wanted)) throw new DataFormatError(`${file}:${head.line}: missing column "${wanted}" (given as the ${what} column); found ${found}`);
      return wanted;
    }
    return candidates.find((c) => idx.has(c));
  };
  // A `train_loss` column is step-level only if some epoch has it on more than one row.
  let stepCol = pick(opts.trainColumn, STEP_COLUMNS, "training loss");
  const epochCol = idx.has("train_loss_epoch") ? "train_loss_epoch" : undefined;
  const valCol = pick(opts.valColumn, VAL_COLUMNS, "validation loss");
  if (!stepCol && !epochCol) {
    throw new DataFormatError(`${file}:${head.line}: no training loss column; expected train_loss_step, train_loss_stp, train_loss or train_loss_epoch, found ${found}`);
  }
  const eCol = idx.get("epoch") as number;
  const sIdx = stepCol ? (idx.get(stepCol) as number) : -1;
  const epIdx = epochCol ? (idx.get(epochCol) as number) : -1;
  const vIdx = valCol ? (idx.get(valCol) as number) : -1;
  const steps: StepRow[] = [];
  const stepLines: number[] = [];
  const epochLoss = new Map<number, number>();
  const val = new Map<number, number>();
  let maxEpoch = -1;
  for (const rec of rows) {
    checkWidth(rec, head.cells.length, file);
    const epoch = epochCell(rec.cells[eCol], file, rec.line, eCol + 1);
    maxEpoch = Math.max(maxEpoch, epoch);
    const cell = (i: number, name: string) => (i < 0 ? null : numberCell(rec.cells[i], { file, line: rec.line, col: i + 1, name }));
    const s = cell(sIdx, stepCol ?? "");
    const ep = cell(epIdx, epochCol ?? "");
    const v = cell(vIdx, valCol ?? "");
    if (s !== null) {
      if (steps.length && epoch < steps[steps.length - 1].epoch) {
        throw new DataFormatError(`${file}:${rec.line}: epoch ${epoch} after epoch ${steps[steps.length - 1].epoch} (line ${stepLines[stepLines.length - 1]}); step rows must be in training order`);
      }
      steps.push({ epoch, loss: s });
      stepLines.push(rec.line);
    }
    if (ep !== null) epochLoss.set(epoch, ep);
    if (v !== null) val.set(epoch, v);
  }
  const notes: string[] = [];
  // Decide whether `train_loss` was logged per step.
  if (stepCol === "train_loss" && opts.trainColumn === undefined) {
    const perEpoch = new Map<number, number>();
    for (const s of steps) perEpoch.set(s.epoch, (perEpoch.get(s.epoch) ?? 0) + 1);
    if (![...perEpoch.values()].some((n) => n > 1)) {
      // one value per epoch: treat it as the epoch loss
      for (const s of steps) if (!epochLoss.has(s.epoch)) epochLoss.set(s.epoch, s.loss);
      steps.length = 0;
      stepCol = undefined;
      notes.push(`${file}: train_loss has one value per epoch; used as the epoch mean`);
    }
  }
  const n = maxEpoch + 1;
  const stepLoss: number[][] = Array.from({ length: n }, () => []);
  for (const s of steps) stepLoss[s.epoch].push(s.loss);
  const trainLoss: (number | null)[] = [];
  const means = epochMeansFromSteps(stepLoss);
  for (let e = 0; e < n; e++) {
    if (stepLoss[e].length > 0) trainLoss.push(means[e]);
    else trainLoss.push(epochLoss.get(e) ?? null);
  }
  for (let e = 0; e < n; e++) {
    if (trainLoss[e] === null && val.get(e) === undefined) {
      throw new DataFormatError(`${file}: epoch ${e} has no training or validation loss rows (epochs 0..${n - 1} are expected, consecutive)`);
    }
  }
  const valLoss = Array.from({ length: n }, (_, e) => val.get(e) ?? null);
  notes.push(
    `${file}: ${n} epochs, ${stepCol ? `ℓ̄_t = mean of "${stepCol}" step losses (${steps.length} steps)` : `ℓ̄_t = "${epochCol}"`}` +
      `${valCol ? `, validation "${valCol}"` : ", no validation column"}`,
  );
  return {
    curve: { id, trainLoss, valLoss, stepLoss: stepCol ? stepLoss : undefined, source: { file, line: head.line } },
    steps,
    notes,
  };
}

function jsonNumber(v: unknown, at: { file: string; line: number; name: string }): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return v;
  if (typeof v === "string") return numberCell(v, { ...at, col: 1 });
  throw new DataFormatError(`${at.file}:${at.line}: field "${at.name}" expects a number, null or "nan" but got ${JSON.stringify(v).slice(0, 40)}`);
}

/**
 * Parses JSON lines. Each line is either one epoch of a run
 * (`{"run_id": "a", "epoch": 0, "train_loss": 5.1, "val_loss": 5.3, "wall_time_s": 12}`) or a whole run
 * (`{"run_id": "a", "train_loss": [...], "val_loss": [...], "wall_time_s": [...], "status": "...", "params": {...}}`).
 * `id` or `trial` may replace `run_id`; NaN and Infinity are accepted as Python writes them.
 */
export function curvesFromJsonlText(text: string, file: string): { trials: TrialCurve[]; notes: string[] } {
  const { lines } = jsonLinesFromText(text, file, { expected: "one JSON object per line", python: true });
  const perEpoch = new Map<string, { line: number; rows: EpochRow[] }>();
  const whole: TrialCurve[] = [];
  let minEpoch = Infinity;
  let any = false;
  let hasWall = false;
  for (const { line, value: obj } of lines) {
    any = true;
    if (typeof obj !== "object" || obj === null || Array.isArray(obj)) throw new DataFormatError(`${file}:${line}: expected a JSON object per line`);
    const o = obj as Record<string, unknown>;
    const idRaw = o.run_id ?? o.id ?? o.trial;
    if (typeof idRaw !== "string" && typeof idRaw !== "number") throw new DataFormatError(`${file}:${line}: missing "run_id" (or "id"/"trial") field`);
    const id = String(idRaw);
    if (Array.isArray(o.train_loss) || Array.isArray(o.val_loss)) {
      const arr = (name: string): (number | null)[] | undefined => {
        const v = o[name];
        if (v === undefined) return undefined;
        if (!Array.isArray(v)) throw new DataFormatError(`${file}:${line}: field "${name}" expects a list of numbers`);
        return v.map((x) => jsonNumber(x, { file, line, name }));
      };
      const trainLoss = arr("train_loss");
      const valLoss = arr("val_loss");
      if (!trainLoss) throw new DataFormatError(`${file}:${line}: missing field "train_loss" (a list of epoch losses)`);
      if (!valLoss) throw new DataFormatError(`${file}:${line}: missing field "val_loss" (a list of epoch losses)`);
      const wallTimeS = arr("wall_time_s");
      if (wallTimeS) hasWall = true;
      const curve: TrialCurve = { id, trainLoss, valLoss, wallTimeS, source: { file, line } };
      if (typeof o.status === "string") curve.status = o.status;
      if (o.params && typeof o.params === "object" && !Array.isArray(o.params)) {
        curve.params = Object.fromEntries(
          Object.entries(o.params as Record<string, unknown>).map(([k, v]) => [k, typeof v === "object" && v !== null ? JSON.stringify(v) : (v as string | number | boolean | null)]),
        );
      }
      whole.push(curve);
      continue;
    }
    if (o.epoch === undefined) throw new DataFormatError(`${file}:${line}: missing field "epoch" (or give "train_loss" and "val_loss" as lists)`);
    const epoch = typeof o.epoch === "number" ? o.epoch : NaN;
    if (!Number.isInteger(epoch) || epoch < 0) throw new DataFormatError(`${file}:${line}: field "epoch" expects a whole number ≥ 0 but got ${JSON.stringify(o.epoch)}`);
    for (const req of ["train_loss", "val_loss"]) if (!(req in o)) throw new DataFormatError(`${file}:${line}: missing field "${req}"`);
    if ("wall_time_s" in o) hasWall = true;
    const row: EpochRow = {
      epoch,
      line,
      train: jsonNumber(o.train_loss, { file, line, name: "train_loss" }),
      val: jsonNumber(o.val_loss, { file, line, name: "val_loss" }),
      wall: jsonNumber(o.wall_time_s, { file, line, name: "wall_time_s" }),
    };
    minEpoch = Math.min(minEpoch, epoch);
    let run = perEpoch.get(id);
    if (!run) perEpoch.set(id, (run = { line, rows: [] }));
    run.rows.push(row);
  }
  if (!any) throw new DataFormatError(`${file}: empty file; expected one JSON object per line`);
  const base = minEpoch === 0 || minEpoch === Infinity ? 0 : 1;
  const trials = [...whole];
  const seen = new Set(whole.map((t) => t.id));
  for (const [id, run] of perEpoch) {
    if (seen.has(id)) throw new DataFormatError(`${file}:${run.line}: run ${id} is given both as a whole run and per epoch`);
    const arrays = epochArrays(id, run.rows, base, file);
    trials.push({ id, ...arrays, wallTimeS: hasWall ? arrays.wallTimeS : undefined, source: { file, line: run.line } });
  }
  return { trials, notes: [`${file}: ${trials.length} runs from JSON lines`] };
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p);
    return true;
  } catch {
    return false;
  }
}

function firstLine(text: string): string {
  const i = text.search(/\r?\n/);
  return (i < 0 ? text : text.slice(0, i)).replace(/^\uFEFF/, "");
}

/** Guesses a file's format from its extension and first line. */
export function detectCurveFormat(file: string, text: string): Exclude<CurveFormat, "auto"> {
  const ext = path.extname(file).toLowerCase();
  if (isNasbenchLogName(path.basename(file))) return "nas-bench-nlp";
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  const head = firstLine(text).trim();
  if (head.startsWith("{")) return "jsonl";
  const cols = head.split(",").map((c) => c.trim());
  if (cols.includes("run_id")) return "long-csv";
  if (cols.includes("epoch") && (cols.includes("step") || cols.some((c) => c.startsWith("train_loss")))) return "lightning-csv";
  return "long-csv";
}

/** Files below a folder (down to `maxDepth` subfolders) that `keep` accepts, by name and depth. */
async function filesBelow(dir: string, maxDepth: number, keep: (name: string, depth: number) => boolean): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, depth: number) => {
    const entries = await fsp.readdir(d, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && depth < maxDepth) await walk(p, depth + 1);
      else if (e.isFile() && keep(e.name, depth)) out.push(p);
    }
  };
  await walk(dir, 0);
  return out;
}

/** Lightning logs below a folder: files named metrics.csv (any depth ≤ 4) or *.csv directly in it. */
function lightningFilesIn(dir: string): Promise<string[]> {
  return filesBelow(dir, 4, (name, depth) => name === "metrics.csv" || (depth === 0 && name.endsWith(".csv")));
}

/** Lightning logs in a folder, one trial per file (id = its folder, or file name). */
async function curvesFromLightningFolder(dir: string, opts: ReadCurvesOptions): Promise<{ trials: TrialCurve[]; notes: string[] }> {
  const files = await lightningFilesIn(dir);
  if (files.length === 0) throw new DataFormatError(`${dir}: folder holds no curves_long.csv, log_stats_model_*.json, metrics.csv or *.csv logs`);
  const trials: TrialCurve[] = [];
  const notes: string[] = [];
  for (const f of files) {
    const rel = path.relative(dir, f);
    const id = path.basename(f) === "metrics.csv" ? path.dirname(rel) || path.basename(dir) : rel.replace(/\.csv$/, "");
    const log = curveFromLightningCsvText(await textFromFile(f), f, id, opts);
    trials.push(log.curve);
    notes.push(...log.notes);
  }
  return { trials, notes };
}

/** NAS-Bench-NLP logs in a folder or one level down (an extracted logs.zip keeps its folder). */
function nasbenchFilesIn(dir: string): Promise<string[]> {
  return filesBelow(dir, 1, isNasbenchLogName);
}

/** Reads NAS-Bench-NLP logs from files. */
async function curvesFromNasbenchFiles(files: string[], source: string): Promise<{ trials: TrialCurve[]; notes: string[] }> {
  const logs = [];
  for (const f of files) logs.push({ name: path.basename(f), file: f, text: await textFromFile(f) });
  return curvesFromNasbenchLogs(logs, source);
}

/** Reads NAS-Bench-NLP logs out of a zip archive (upstream's logs.zip), in any of its folders. */
async function curvesFromNasbenchZip(file: string): Promise<{ trials: TrialCurve[]; notes: string[] }> {
  let data: Buffer;
  try {
    data = await fsp.readFile(file);
  } catch (e) {
    throw new DataFormatError(`${file}: cannot read (${(e as Error).message})`);
  }
  const logs = [];
  for (const [entry, body] of zipEntries(data, file)) {
    const name = path.posix.basename(entry);
    if (isNasbenchLogName(name)) logs.push({ name, file: `${file}:${entry}`, text: body.toString("utf8") });
  }
  if (logs.length === 0) throw new DataFormatError(`${file}: the zip archive holds no log_stats_model_*.json files (NAS-Bench-NLP logs)`);
  return curvesFromNasbenchLogs(logs, file);
}

/**
 * Reads curves from a file or folder: a long CSV (plus `models.csv` beside it, if any),
 * a JSON-lines file, one Lightning `metrics.csv`, one NAS-Bench-NLP `log_stats_model_*.json`
 * or a zip of them (upstream's `logs.zip`), or a folder holding `curves_long.csv`, NAS-Bench-NLP logs (one run per file; id = file name
 * without `.json`) or Lightning logs (one trial per file; id = its folder, or file name).
 */
export async function curvesFromPath(p: string, opts: ReadCurvesOptions = {}): Promise<CurveSet> {
  let stat;
  try {
    stat = await fsp.stat(p);
  } catch {
    throw new DataFormatError(`${p}: no such file or folder`);
  }
  let trials: TrialCurve[];
  let notes: string[];
  let format: Exclude<CurveFormat, "auto">;
  // a forced format reads only its own kind of folder or file
  const forced = opts.format && opts.format !== "auto" ? opts.format : undefined;
  if (stat.isDirectory()) {
    const long = path.join(p, "curves_long.csv");
    if (forced === "jsonl") throw new DataFormatError(`${p}: a folder; format jsonl reads one JSON-lines file`);
    if (forced === undefined || forced === "long-csv") {
      if (await exists(long)) return curvesFromPath(long, opts);
      if (forced) throw new DataFormatError(`${p}: folder holds no curves_long.csv (format long-csv)`);
    }
    const nasbench = forced === undefined || forced === "nas-bench-nlp" ? await nasbenchFilesIn(p) : [];
    if (nasbench.length > 0) {
      format = "nas-bench-nlp";
      ({ trials, notes } = await curvesFromNasbenchFiles(nasbench, p));
    } else if (forced === "nas-bench-nlp") {
      throw new DataFormatError(`${p}: folder holds no log_stats_model_*.json files (format nas-bench-nlp), nor a folder of them`);
    } else {
      format = "lightning-csv";
      ({ trials, notes } = await curvesFromLightningFolder(p, opts));
    }
  } else if (path.extname(p).toLowerCase() === ".zip") {
    if (forced !== undefined && forced !== "nas-bench-nlp") throw new DataFormatError(`${p}: a zip archive is read as NAS-Bench-NLP logs, not as format ${forced}`);
    format = "nas-bench-nlp";
    ({ trials, notes } = await curvesFromNasbenchZip(p));
  } else {
    const text = await textFromFile(p);
    format = forced ?? detectCurveFormat(p, text);
    if (format === "jsonl") ({ trials, notes } = curvesFromJsonlText(text, p));
    else if (format === "nas-bench-nlp") ({ trials, notes } = curvesFromNasbenchLogs([{ name: path.basename(p), file: p, text }], p));
    else if (format === "lightning-csv") {
      const log = curveFromLightningCsvText(text, p, path.basename(path.dirname(path.resolve(p))) || path.basename(p), opts);
      trials = [log.curve];
      notes = log.notes;
    } else {
      ({ trials, notes } = curvesFromLongCsvText(text, p));
      const models = path.join(path.dirname(p), "models.csv");
      if (path.basename(p) !== "models.csv" && (await exists(models))) notes.push(...attachModelsCsv(trials, await textFromFile(models), models));
    }
  }
  const longest = longestRun(trials);
  const totalEpochs = opts.totalEpochs ?? longest;
  if (opts.totalEpochs !== undefined && opts.totalEpochs < longest) {
    notes.push(`runs longer than ${opts.totalEpochs} epochs are cut to it`);
    for (const t of trials) {
      t.trainLoss = t.trainLoss.slice(0, opts.totalEpochs);
      t.valLoss = t.valLoss.slice(0, opts.totalEpochs);
      if (t.wallTimeS) t.wallTimeS = t.wallTimeS.slice(0, opts.totalEpochs);
      if (t.stepLoss) t.stepLoss = t.stepLoss.slice(0, opts.totalEpochs);
    }
  }
  const ids = new Set<string>();
  for (const t of trials) {
    if (ids.has(t.id)) throw new DataFormatError(`${t.source.file}: trial id ${t.id} appears twice; ids must be unique`);
    ids.add(t.id);
  }
  return { trials, totalEpochs, source: p, format, notes };
}

/** Reads one Lightning log with its step rows (for `%tpe score --mode litmatter`). */
export async function lightningLogFromFile(file: string, opts: Pick<ReadCurvesOptions, "trainColumn" | "valColumn"> = {}): Promise<LightningLog> {
  return curveFromLightningCsvText(await textFromFile(file), file, path.basename(path.dirname(path.resolve(file))), opts);
}

