/**
 * The run folder of a live run, written as results arrive so an interrupted or crashed
 * kernel loses nothing finished (edge module: files).
 *
 *   run.json               the run's settings and trial list (written once)
 *   events.jsonl           one RunEvent per line, appended as it happens
 *   samples.jsonl          meter readings {d: device, k: kind, t: ms, v: value, e: estimated}
 *   gpu-timeseries.csv     nvidia-smi rows in the Supercloud GPU time-series format (GPU runs)
 *   trials/<id>/stdout-<attempt>.log, stderr-<attempt>.log
 *   trials/<id>/power-<attempt>.jsonl   a Slurm job's own power-cap changes (--power-limit), also copied into events.jsonl
 *   epochs.arrow           per (trial, attempt, epoch): losses and energy (Arrow IPC file)
 *   report.json            the final report
 *
 * A crash can cut the last line of events.jsonl or samples.jsonl: every append goes through
 * JsonLinesAppender, which cuts such a line off first. Reading checks every line's shape and
 * skips a bad one with a note (file:line: why); only an unreadable run.json or folder is fatal.
 */
import * as fs from "fs";
import * as path from "path";
import { tableFromArrays, tableToIPC } from "apache-arrow";
import { DataFormatError } from "../errors";
import type { MeterSample } from "../energy/meters";
import { JsonLinesAppender, jsonLinesFromText } from "../io/jsonl";
import { textFromFileSync } from "../io/text-file";
import { DEFAULT_POLICY } from "../tpe/policy";
import { DEFAULT_E, DEFAULT_GAMMA } from "../tpe/scores";
import type { DeviceSeries, SeriesKind } from "../energy/series";
import type { RunSpecSummary, TpeRunReport } from "./report";
import { runEventFrom, type RunEvent } from "./run-state";
import type { Params } from "./space";

/** run.json: what the report needs of the run, and what resuming must match. */
export interface RunFolderSpec extends RunSpecSummary {
  schema_version: 1;
  backend: string;
  /** Each trial's parameters and argv (null for function trials). */
  trials: { id: string; params: Params; argv: string[] | null }[];
  /** A power-capped run (--power-limit): what was asked; what was applied and restored is in events.jsonl ("power" events). */
  power_limit?: {
    /** null: none could be chosen (--power-limit auto whose tuner was refused, with --power-limit-optional). */
    requested_w: number | null;
    /** The GPU capped; null: each Slurm job's own allocation. */
    gpu: number | null;
    optional: boolean;
    /** run: the runner caps once for the run; trial: each job caps its GPUs around its trial. */
    scope: "run" | "trial";
    /** "given", or how the tuner chose it (--power-limit auto). */
    chosen_by: string;
  };
}

export const RUN_FILES = {
  spec: "run.json",
  events: "events.jsonl",
  samples: "samples.jsonl",
  gpu: "gpu-timeseries.csv",
  arrow: "epochs.arrow",
  report: "report.json",
} as const;

/** What must match for a run folder to be resumed with new settings, by the name a message shows. */
function resumeSettings(s: RunFolderSpec): [string, unknown][] {
  return [
    ["policy", s.method],
    ["score", s.score],
    ["score options", s.score_options],
    ["total epochs", s.total_epochs],
    ["budget fraction", s.budget_fraction],
    ["keep", s.keep],
    ["min epochs", s.min_epochs],
    ["reduction factor", s.reduction_factor],
    ["rungs", s.rungs],
    ["trials", s.trials],
  ];
}

/**
 * Brings a run.json written before the stopping policy had min_epochs, reduction_factor and
 * score_options (it had eta) up to date: a tpe or none run gets the defaults it ran with, so it
 * resumes with the same settings; a successive-halving run cannot, its rungs are now counted
 * another way.
 */
function upgradeSpec(saved: RunFolderSpec & { eta?: number }, dir: string): RunFolderSpec {
  if (saved.min_epochs !== undefined && saved.reduction_factor !== undefined && saved.score_options !== undefined) return saved;
  if (saved.method === "sh") {
    throw new RangeError(`run folder ${dir} was made by an older greenai (successive-halving rungs changed); start a new run folder`);
  }
  const { eta: _eta, ...rest } = saved;
  return {
    ...rest,
    score_options: saved.score_options ?? { E: DEFAULT_E, gamma: DEFAULT_GAMMA },
    min_epochs: saved.min_epochs ?? DEFAULT_POLICY.minEpochs,
    reduction_factor: saved.reduction_factor ?? DEFAULT_POLICY.reductionFactor,
  };
}

/** What a run.json must hold to be resumed; anything else is fatal (the settings are the run). */
function checkSpec(saved: unknown, specPath: string): asserts saved is RunFolderSpec & { eta?: number } {
  const what = `the run folder cannot be resumed without its settings: restore ${RUN_FILES.spec} or start a new --run-dir`;
  if (typeof saved !== "object" || saved === null || Array.isArray(saved)) throw new DataFormatError(`${specPath}: expected a JSON object of run settings but got ${JSON.stringify(saved)}; ${what}`);
  const o = saved as Record<string, unknown>;
  const fields: [string, boolean][] = [
    ['"backend" (a string)', typeof o.backend === "string"],
    ['"method" (a string)', typeof o.method === "string"],
    ['"total_epochs" (an integer)', Number.isInteger(o.total_epochs)],
    ['"trials" (a list of {id, params, argv})', Array.isArray(o.trials) && o.trials.every((t) => typeof t === "object" && t !== null && typeof (t as { id?: unknown }).id === "string")],
  ];
  const bad = fields.find(([, ok]) => !ok)?.[0];
  if (bad) throw new DataFormatError(`${specPath}: ${bad} is missing or of the wrong type; ${what}`);
}

export class RunFolder {
  /** Lines skipped or repaired while reading and appending ("file:line: why"), each once; the report shows them. */
  private readonly noted = new Set<string>();
  private readonly events: JsonLinesAppender;
  private readonly samples: JsonLinesAppender;

  private constructor(
    readonly dir: string,
    readonly spec: RunFolderSpec,
  ) {
    this.events = new JsonLinesAppender(path.join(dir, RUN_FILES.events));
    this.samples = new JsonLinesAppender(path.join(dir, RUN_FILES.samples));
  }

  /** Notes on damaged lines found so far: skipped when read, cut off before appending. */
  get issues(): string[] {
    return [...this.noted, ...this.events.repairs, ...this.samples.repairs];
  }

  private note(issues: readonly string[]): void {
    for (const i of issues) this.noted.add(i);
  }

  /** Creates the folder (it must not exist or be empty) and writes run.json. */
  static create(dir: string, spec: RunFolderSpec): RunFolder {
    if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
      if (!fs.existsSync(path.join(dir, RUN_FILES.spec))) {
        throw new RangeError(`run folder ${dir} is not empty and has no ${RUN_FILES.spec} (not a run folder, or a run that stopped before it began), so it cannot be resumed; choose another --run-dir or empty it`);
      }
      throw new RangeError(`run folder ${dir} already exists and is not empty; resume it with --resume or choose another --run-dir`);
    }
    fs.mkdirSync(path.join(dir, "trials"), { recursive: true });
    // through a temporary file: a crash never leaves a cut run.json, the one file resuming cannot do without
    const specPath = path.join(dir, RUN_FILES.spec);
    fs.writeFileSync(specPath + ".tmp", JSON.stringify(spec, null, 2) + "\n");
    fs.renameSync(specPath + ".tmp", specPath);
    fs.writeFileSync(path.join(dir, RUN_FILES.events), "");
    return new RunFolder(dir, spec);
  }

  /**
   * Opens an existing run folder to resume it; its settings must equal `spec` when given. Lines
   * a crash cut short are cut off, and bad lines skipped, with notes in `issues`.
   */
  static open(dir: string, spec?: RunFolderSpec): { folder: RunFolder; events: RunEvent[] } {
    const specPath = path.join(dir, RUN_FILES.spec);
    if (!fs.existsSync(specPath)) throw new RangeError(`${dir} is not a run folder (no ${RUN_FILES.spec}); start a new run without --resume`);
    let raw: unknown;
    try {
      raw = JSON.parse(textFromFileSync(specPath));
    } catch (e) {
      if (e instanceof DataFormatError) throw e;
      throw new DataFormatError(`${specPath}: not valid JSON (${(e as Error).message}); the run folder cannot be resumed without its settings: restore ${RUN_FILES.spec} or start a new --run-dir`);
    }
    checkSpec(raw, specPath);
    const saved = upgradeSpec(raw, dir);
    if (spec) {
      const now = resumeSettings(spec);
      const then = resumeSettings(saved);
      const differ = now.filter(([, v], i) => JSON.stringify(v) !== JSON.stringify(then[i][1])).map(([name]) => name);
      if (differ.length) {
        throw new RangeError(
          `run folder ${dir} was started with other settings (${differ.join(", ")} differ; resuming compares ${now.map(([name]) => name).join(", ")}); ` +
            `resume it with the same settings or choose another --run-dir`,
        );
      }
      // Leftovers of unfinished attempts are reaped by the backend that started them.
      if (spec.backend !== saved.backend) {
        throw new RangeError(`run folder ${dir} was started with --backend ${saved.backend}, not ${spec.backend}; resume it with --backend ${saved.backend} or choose another --run-dir`);
      }
    }
    const folder = new RunFolder(dir, saved);
    // cut lines go before anything is read or appended, so the files end on a whole line
    folder.events.repair();
    folder.samples.repair();
    const { events, issues } = readEvents(path.join(dir, RUN_FILES.events));
    folder.note(issues);
    return { folder, events };
  }

  trialDir(id: string): string {
    const d = path.join(this.dir, "trials", id);
    fs.mkdirSync(d, { recursive: true });
    return d;
  }

  /** The JSON-lines file where a trial-scope backend (a Slurm job's wrapper) records its power-cap changes. */
  powerRecordPath(id: string, attempt: number): string {
    return path.join(this.dir, "trials", id, `power-${attempt}.jsonl`);
  }

  /** events.jsonl: where a run-scope cap's restore by a trial's supervisor is recorded when the runner is gone. */
  get eventsPath(): string {
    return path.join(this.dir, RUN_FILES.events);
  }

  logPaths(id: string, attempt: number): { stdout: string; stderr: string } {
    const d = this.trialDir(id);
    return { stdout: path.join(d, `stdout-${attempt}.log`), stderr: path.join(d, `stderr-${attempt}.log`) };
  }

  append(ev: RunEvent): void {
    this.events.append([ev]);
  }

  appendSamples(samples: readonly MeterSample[]): void {
    this.samples.append(samples.map((s) => ({ d: s.device, k: s.kind, t: s.t_ms, v: s.value, e: s.estimated })));
  }

  /** Every meter reading of every session, one series per device; bad lines are skipped and noted. */
  readSeries(): DeviceSeries[] {
    const p = path.join(this.dir, RUN_FILES.samples);
    if (!fs.existsSync(p)) return [];
    const by = new Map<string, DeviceSeries>();
    const { values, issues } = readChecked(p, "a JSON sample {d, k, t, v, e}", sampleFrom);
    this.note(issues);
    for (const o of values) {
      let s = by.get(o.d);
      if (!s) {
        s = { device: o.d, kind: o.k, t_ms: [], values: [], estimated: o.e };
        by.set(o.d, s);
      }
      s.t_ms.push(o.t);
      s.values.push(o.v);
    }
    return [...by.values()];
  }

  writeReport(report: TpeRunReport): void {
    const p = path.join(this.dir, RUN_FILES.report);
    fs.writeFileSync(p + ".tmp", JSON.stringify(report, null, 2) + "\n");
    fs.renameSync(p + ".tmp", p);
  }

  /** Writes epochs.arrow: one row per (trial, final attempt, epoch) with losses and energy. */
  writeArrow(report: TpeRunReport, epochs: Map<string, { attempt: number; epochs: { epoch: number; train_loss: number; val_loss: number | null; end_ms: number }[] }>): void {
    const trial: string[] = [];
    const attempt: number[] = [];
    const epoch: number[] = [];
    const train: (number | null)[] = [];
    const val: (number | null)[] = [];
    const energy: (number | null)[] = [];
    const end: number[] = [];
    const status: string[] = [];
    for (const t of report.trials) {
      const e = epochs.get(t.id);
      if (!e) continue;
      e.epochs.forEach((x, i) => {
        trial.push(t.id);
        attempt.push(e.attempt);
        epoch.push(x.epoch);
        train.push(Number.isFinite(x.train_loss) ? x.train_loss : null);
        val.push(x.val_loss !== null && Number.isFinite(x.val_loss) ? x.val_loss : null);
        energy.push(t.epoch_energy_j[i] ?? null);
        end.push(x.end_ms);
        status.push(t.status);
      });
    }
    const table = tableFromArrays({
      trial,
      attempt: Int32Array.from(attempt),
      epoch: Int32Array.from(epoch),
      train_loss: train,
      val_loss: val,
      energy_j: energy,
      end_ms: Float64Array.from(end),
      status,
    });
    const p = path.join(this.dir, RUN_FILES.arrow);
    fs.writeFileSync(p + ".tmp", tableToIPC(table, "file"));
    fs.renameSync(p + ".tmp", p);
  }
}

interface SampleLine {
  d: string;
  k: SeriesKind;
  t: number;
  v: number | null;
  e: boolean;
}

const SERIES_KINDS: readonly SeriesKind[] = ["power", "energy-counter"];

/** One line of samples.jsonl, or why it is not one. */
function sampleFrom(v: unknown): SampleLine | string {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return `${JSON.stringify(v)} is not a sample (expected a JSON object {d, k, t, v, e})`;
  const o = v as Record<string, unknown>;
  if (typeof o.d !== "string") return `a sample needs "d" (the device, a string) but got ${JSON.stringify(o.d)}`;
  if (!SERIES_KINDS.includes(o.k as SeriesKind)) return `a sample needs "k" (${SERIES_KINDS.join(" or ")}) but got ${JSON.stringify(o.k)}`;
  if (typeof o.t !== "number" || !Number.isFinite(o.t)) return `a sample needs "t" (ms, a finite number) but got ${JSON.stringify(o.t)}`;
  if (o.v !== null && typeof o.v !== "number") return `a sample needs "v" (a number or null) but got ${JSON.stringify(o.v)}`;
  if (typeof o.e !== "boolean") return `a sample needs "e" (true or false) but got ${JSON.stringify(o.e)}`;
  return o as unknown as SampleLine;
}

/**
 * Reads a JSON-lines file of the run folder: lines that are not JSON, or that `check` rejects
 * (it returns why), are skipped with a note "file:line: why; skipped". A missing file holds nothing.
 */
function readChecked<T>(file: string, expected: string, check: (v: unknown) => T | string): { values: T[]; issues: string[] } {
  if (!fs.existsSync(file)) return { values: [], issues: [] };
  const { lines, cut, skipped } = jsonLinesFromText(textFromFileSync(file), file, { expected, allowCutLastLine: true, skipBadLines: true });
  const bad = [...skipped];
  const values: T[] = [];
  for (const { line, value } of lines) {
    const r = check(value);
    if (typeof r === "string") bad.push({ line, message: `${file}:${line}: ${r}; skipped` });
    else values.push(r);
  }
  const issues = bad.sort((a, b) => a.line - b.line).map((b) => b.message);
  if (cut) issues.push(cut);
  return { values, issues };
}

/** Reads events.jsonl; a cut last line (crash while writing) and bad lines are skipped and reported. */
export function readEvents(file: string): { events: RunEvent[]; issues: string[] } {
  const { values, issues } = readChecked(file, "a JSON event", runEventFrom);
  return { events: values, issues };
}
