/**
 * The run folder of a live run, written as results arrive so an interrupted or crashed
 * kernel loses nothing finished (edge module: files).
 *
 *   run.json               the run's settings and trial list (written once)
 *   events.jsonl           one RunEvent per line, appended as it happens
 *   samples.jsonl          meter readings {d: device, k: kind, t: ms, v: value, e: estimated}
 *   gpu-timeseries.csv     nvidia-smi rows in the Supercloud GPU time-series format (GPU runs)
 *   trials/<id>/stdout-<attempt>.log, stderr-<attempt>.log
 *   epochs.arrow           per (trial, attempt, epoch): losses and energy (Arrow IPC file)
 *   report.json            the final report
 */
import * as fs from "fs";
import * as path from "path";
import { tableFromArrays, tableToIPC } from "apache-arrow";
import { DataFormatError } from "../errors";
import type { MeterSample } from "../energy/meters";
import { jsonLinesFromText } from "../io/jsonl";
import { DEFAULT_POLICY } from "../tpe/policy";
import { DEFAULT_E, DEFAULT_GAMMA } from "../tpe/scores";
import type { DeviceSeries, SeriesKind } from "../energy/series";
import type { RunSpecSummary, TpeRunReport } from "./report";
import type { RunEvent } from "./run-state";
import type { Params } from "./space";

/** run.json: what the report needs of the run, and what resuming must match. */
export interface RunFolderSpec extends RunSpecSummary {
  schema_version: 1;
  backend: string;
  /** Each trial's parameters and argv (null for function trials). */
  trials: { id: string; params: Params; argv: string[] | null }[];
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

export class RunFolder {
  private constructor(
    readonly dir: string,
    readonly spec: RunFolderSpec,
  ) {}

  /** Creates the folder (it must not exist or be empty) and writes run.json. */
  static create(dir: string, spec: RunFolderSpec): RunFolder {
    if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
      throw new RangeError(`run folder ${dir} already exists and is not empty; resume it with --resume or choose another --run-dir`);
    }
    fs.mkdirSync(path.join(dir, "trials"), { recursive: true });
    fs.writeFileSync(path.join(dir, RUN_FILES.spec), JSON.stringify(spec, null, 2) + "\n");
    fs.writeFileSync(path.join(dir, RUN_FILES.events), "");
    return new RunFolder(dir, spec);
  }

  /** Opens an existing run folder to resume it; its settings must equal `spec` when given. */
  static open(dir: string, spec?: RunFolderSpec): { folder: RunFolder; events: RunEvent[]; issues: string[] } {
    const specPath = path.join(dir, RUN_FILES.spec);
    if (!fs.existsSync(specPath)) throw new RangeError(`${dir} is not a run folder (no ${RUN_FILES.spec}); start a new run without --resume`);
    let saved: RunFolderSpec;
    try {
      saved = JSON.parse(fs.readFileSync(specPath, "utf8"));
    } catch (e) {
      throw new DataFormatError(`${specPath}: not valid JSON (${(e as Error).message})`);
    }
    saved = upgradeSpec(saved, dir);
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
    const { events, issues } = readEvents(path.join(dir, RUN_FILES.events));
    return { folder: new RunFolder(dir, saved), events, issues };
  }

  trialDir(id: string): string {
    const d = path.join(this.dir, "trials", id);
    fs.mkdirSync(d, { recursive: true });
    return d;
  }

  logPaths(id: string, attempt: number): { stdout: string; stderr: string } {
    const d = this.trialDir(id);
    return { stdout: path.join(d, `stdout-${attempt}.log`), stderr: path.join(d, `stderr-${attempt}.log`) };
  }

  append(ev: RunEvent): void {
    fs.appendFileSync(path.join(this.dir, RUN_FILES.events), JSON.stringify(ev) + "\n");
  }

  appendSamples(samples: readonly MeterSample[]): void {
    if (samples.length === 0) return;
    const text = samples.map((s) => JSON.stringify({ d: s.device, k: s.kind, t: s.t_ms, v: s.value, e: s.estimated })).join("\n") + "\n";
    fs.appendFileSync(path.join(this.dir, RUN_FILES.samples), text);
  }

  /** Every meter reading of every session, one series per device. */
  readSeries(): DeviceSeries[] {
    const p = path.join(this.dir, RUN_FILES.samples);
    if (!fs.existsSync(p)) return [];
    const by = new Map<string, DeviceSeries>();
    // A line cut by a crash while appending is skipped.
    const { lines } = jsonLinesFromText(fs.readFileSync(p, "utf8"), p, { expected: "a JSON sample {d, k, t, v, e}", allowCutLastLine: true });
    for (const { value } of lines) {
      const o = value as { d: string; k: SeriesKind; t: number; v: number | null; e: boolean };
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

/** Reads events.jsonl; a cut last line (crash while writing) is skipped and reported. */
export function readEvents(file: string): { events: RunEvent[]; issues: string[] } {
  const issues: string[] = [];
  if (!fs.existsSync(file)) return { events: [], issues };
  const { lines, cut } = jsonLinesFromText(fs.readFileSync(file, "utf8"), file, { expected: "a JSON event; the run folder is damaged", allowCutLastLine: true });
  if (cut) issues.push(cut);
  const events = lines.map((l) => l.value as RunEvent);
  return { events, issues };
}
