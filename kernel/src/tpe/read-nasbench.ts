/**
 * NAS-Bench-NLP training logs as upstream ships them (github.com/fmsnew/nas-bench-nlp-release,
 * `train_logs_wikitext-2/logs.zip`): one `log_stats_model_<recepie>_<time>_<experiment>.json` per
 * run, holding the hyper-parameters, `status` ("OK" or "loss is nan!"), `num_params` and the
 * per-epoch lists `train_losses`, `val_losses`, `test_losses`, `wall_times` (bare `NaN` where the
 * loss diverged). A run reads as the same TrialCurve the long CSV gives for it: id = file name
 * without `.json`, and the params `models.csv` lists. Pure: takes text; the file name is for messages.
 */
import { DataFormatError } from "../errors";
import { parsePythonJson } from "../io/jsonl";
import type { TrialCurve } from "./curves";

/** Names of the per-run log files (the zip and its extraction hold nothing else we read). */
export const NASBENCH_LOG_NAME = /^log_stats_model_.+\.json$/;

/** True for a `log_stats_model_*.json` file name (no folder). */
export function isNasbenchLogName(name: string): boolean {
  return NASBENCH_LOG_NAME.test(name);
}

const EXPECTED = "a NAS-Bench-NLP log_stats_model_*.json object with train_losses and val_losses lists";

/**
 * One per-epoch list. Both forms are read alike: a real JSON list (what the shared copy of
 * upstream's logs.zip holds) and a list stored as a string, "[5.0, 4.0]" (as issue 11 describes
 * the release).
 */
function epochValues(o: Record<string, unknown>, name: string, file: string): (number | null)[] | undefined {
  let v = o[name];
  if (v === undefined) return undefined;
  if (typeof v === "string") {
    try {
      v = parsePythonJson(v);
    } catch (e) {
      throw new DataFormatError(`${file}: field "${name}" holds a string that is not a JSON list (${(e as Error).message})`);
    }
  }
  if (!Array.isArray(v)) throw new DataFormatError(`${file}: field "${name}" expects a list of numbers (NaN allowed) but got ${JSON.stringify(v).slice(0, 40)}`);
  return v.map((x, i) => {
    if (x === null || typeof x === "number") return x;
    throw new DataFormatError(`${file}: field "${name}" item ${i} (epoch ${i}) expects a number, NaN or null but got ${JSON.stringify(x).slice(0, 40)}`);
  });
}

/** The per-run facts `models.csv` gives, in its column order, from one upstream log. */
function paramsOf(o: Record<string, unknown>, epochsLogged: number): Record<string, number> {
  const params: Record<string, number> = {};
  const put = (key: string, v: unknown) => {
    if (typeof v === "number") params[key] = v;
  };
  put("recepie_id", o.recepie_id);
  put("experiment_id", o.experiment_id);
  params.n_epochs_logged = epochsLogged;
  put("epochs_planned", o.epochs);
  for (const key of ["num_params", "lr", "batch_size", "emsize", "nhid", "nlayers", "dropout", "wdecay"]) put(key, o[key]);
  return params;
}

/** Parses one `log_stats_model_*.json`; `id` is its file name without `.json`. */
export function curveFromNasbenchJsonText(text: string, file: string, id: string): TrialCurve {
  let o: unknown;
  try {
    o = parsePythonJson(text.replace(/^\uFEFF/, ""));
  } catch (e) {
    throw new DataFormatError(`${file}: not valid JSON (${(e as Error).message}); expected ${EXPECTED}`);
  }
  if (typeof o !== "object" || o === null || Array.isArray(o)) throw new DataFormatError(`${file}: expected ${EXPECTED}`);
  const rec = o as Record<string, unknown>;
  const trainLoss = epochValues(rec, "train_losses", file);
  const valLoss = epochValues(rec, "val_losses", file);
  if (!trainLoss) throw new DataFormatError(`${file}: missing field "train_losses"; expected ${EXPECTED}`);
  if (!valLoss) throw new DataFormatError(`${file}: missing field "val_losses"; expected ${EXPECTED}`);
  const wallTimeS = epochValues(rec, "wall_times", file);
  const curve: TrialCurve = { id, trainLoss, valLoss, wallTimeS, source: { file } };
  if (typeof rec.status === "string") curve.status = rec.status;
  curve.params = paramsOf(rec, Math.max(trainLoss.length, valLoss.length));
  return curve;
}

/** One log file's name (for the id and order) and text. */
export interface NasbenchLogText {
  name: string;
  /** Where it was read, for messages (a path, or `archive.zip:entry`). */
  file: string;
  text: string;
}

/** Runs from a set of upstream logs, ordered by file name (the long CSV's run order). */
export function curvesFromNasbenchLogs(logs: NasbenchLogText[], source: string): { trials: TrialCurve[]; notes: string[] } {
  const sorted = [...logs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const trials = sorted.map((l) => curveFromNasbenchJsonText(l.text, l.file, l.name.replace(/\.json$/, "")));
  const diverged = trials.filter((t) => t.status !== undefined && t.status !== "OK").length;
  return {
    trials,
    notes: [`${source}: ${trials.length} NAS-Bench-NLP runs (log_stats_model_*.json), ${diverged} with a status other than OK`],
  };
}
