/**
 * From recorded curves to the payload's trials: per-epoch energy (in one declared unit, with
 * its source), the score after every epoch, the final loss, and the diverged/incomplete runs,
 * which are reported, never dropped. Pure.
 */
import type { TpePayload, TpeTrial } from "greenai-common";
import { DataFormatError } from "../errors";
import { finishSteps, type Steps } from "../io/steps";
import { runStatus, type CurveSet, type RunStatus, type TrialCurve } from "./curves";
import type { DeviceSeries } from "../energy/series";
import { energyByGpu, epochEnergyFromPower, type ZeusPowerModel, type IntegrationOptions } from "./energy";
import { scoresByEpoch, type ScoreName, type ScoreOptions } from "./scores";

export type EnergyUnit = TpePayload["energy"]["unit"];

/** How the energy of each epoch is obtained. */
export type EnergyMode =
  /** One unit per epoch run: no power data. */
  | { kind: "epochs" }
  /** Recorded wall-clock seconds per epoch (a time proxy for energy). */
  | { kind: "wall" }
  /** Estimated joules = average power × recorded wall time. */
  | { kind: "average-power"; powerW: number }
  /** Estimated joules from a device power model × recorded wall time × its time scaling. */
  | { kind: "device-model"; model: ZeusPowerModel }
  /** Joules per epoch measured for each trial (from power logs); `source` says how. */
  | { kind: "measured"; perTrialJ: ReadonlyMap<string, readonly number[]>; source: string; measured: boolean };

/** The energy declaration of a payload plus the per-epoch values of each trial. */
export interface EnergyPlan {
  unit: EnergyUnit;
  source: string;
  measured: boolean;
  /** Energy of each epoch the trial ran. */
  epochEnergy(curve: TrialCurve, epochsRun: number): number[];
}

function wallOf(curve: TrialCurve, epochsRun: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < epochsRun; t++) {
    const w = curve.wallTimeS?.[t];
    if (typeof w !== "number" || !(w >= 0)) {
      const where = curve.source.line ? `${curve.source.file}:${curve.source.line}` : curve.source.file;
      throw new DataFormatError(
        `${where}: run ${curve.id} has no valid wall_time_s for epoch ${t + 1} (got ${w === undefined ? "no column" : String(w)}); ` +
          "wall-time based energy needs it for every epoch run; use --energy epochs instead",
      );
    }
    out.push(w);
  }
  return out;
}

/** Builds the energy plan for a mode; throws DataFormatError where needed data are missing. */
export function energyPlan(mode: EnergyMode): EnergyPlan {
  switch (mode.kind) {
    case "epochs":
      return {
        unit: "epochs",
        source: "epochs run (no power data: each epoch counts 1; the note's savings formula)",
        measured: false,
        epochEnergy: (_c, n) => new Array<number>(n).fill(1),
      };
    case "wall":
      return {
        unit: "s",
        source: "recorded wall-clock seconds per epoch (a time proxy: no power data)",
        measured: false,
        epochEnergy: (c, n) => wallOf(c, n),
      };
    case "average-power": {
      const p = mode.powerW;
      if (!(p > 0) || !Number.isFinite(p)) throw new RangeError(`average power must be a positive number of watts but got ${p}`);
      return {
        unit: "J",
        source: `estimated: ${p} W average power × recorded wall time per epoch`,
        measured: false,
        epochEnergy: (c, n) => wallOf(c, n).map((s) => s * p),
      };
    }
    case "device-model": {
      const m = mode.model;
      return {
        unit: "J",
        source: m.source,
        measured: false,
        epochEnergy: (c, n) => wallOf(c, n).map((s) => s * m.timeScale * m.averagePowerW),
      };
    }
    case "measured":
      return {
        unit: "J",
        source: mode.source,
        measured: mode.measured,
        epochEnergy: (c, n) => {
          const e = mode.perTrialJ.get(c.id);
          if (!e) throw new DataFormatError(`no power log for run ${c.id}; give one per trial or use --energy epochs`);
          if (e.length < n) throw new DataFormatError(`the power log of run ${c.id} covers ${e.length} epochs but the run has ${n}`);
          return e.slice(0, n);
        },
      };
  }
}

const finiteOrNull = (v: number | null | undefined): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** Trials for a payload, and the status of every run (diverged and incomplete ones included). */
export interface TrialsBuild {
  trials: TpeTrial[];
  statuses: RunStatus[];
}

/** Builds TpeTrial records: score after every epoch, energy per epoch, final loss, diverged flag. */
export function trialsFromCurves(
  set: CurveSet,
  score: ScoreName,
  scoreOpts: ScoreOptions,
  plan: EnergyPlan,
  opts: { onTrial?: (done: number, total: number) => void } = {},
): TrialsBuild {
  return finishSteps(trialsFromCurvesSteps(set, score, scoreOpts, plan, opts));
}

/** `trialsFromCurves` as steps, one trial each (io/steps.ts): scoring many long curves takes seconds. */
export function* trialsFromCurvesSteps(
  set: CurveSet,
  score: ScoreName,
  scoreOpts: ScoreOptions,
  plan: EnergyPlan,
  opts: { onTrial?: (done: number, total: number) => void } = {},
): Steps<TrialsBuild> {
  const statuses: RunStatus[] = [];
  const trials: TpeTrial[] = [];
  for (const [i, c] of set.trials.entries()) {
    if (i > 0) yield;
    opts.onTrial?.(i, set.trials.length);
    const st = runStatus(c, set.totalEpochs);
    statuses.push(st);
    const n = st.epochsRun;
    const trial: TpeTrial = {
      id: c.id,
      train_loss: Array.from({ length: n }, (_, t) => finiteOrNull(c.trainLoss[t])),
      val_loss: Array.from({ length: n }, (_, t) => finiteOrNull(c.valLoss[t])),
      epoch_energy: plan.epochEnergy(c, n),
      score_by_epoch: scoresByEpoch(c, score, { ...scoreOpts, totalEpochs: set.totalEpochs }).slice(0, n),
      final_loss: st.finalLoss,
      epochs_run: n,
      diverged: st.diverged,
    };
    if (c.params) trial.params = c.params;
    trials.push(trial);
  }
  return { trials, statuses };
}

/** Per-epoch joules of one trial from its power log, and how the log was split into epochs. */
export interface TrialLogEnergy {
  perEpochJ: number[];
  /** "wall-time boundaries": epochs placed back to back from the first sample using the recorded
   *  wall time; "uniform": the log's total spread evenly over the epochs run (litmatter's assumption). */
  split: "wall-time boundaries" | "uniform";
  totalJ: number;
}

/**
 * Splits a trial's measured power log into epochs. With recorded wall times, epoch t ends at
 * first sample + Σ_{u≤t} wall_u and its energy is integrated between its boundaries; without,
 * the total is divided evenly over the epochs run.
 */
export function trialEnergyFromLog(series: readonly DeviceSeries[], curve: TrialCurve, epochsRun: number, opts: IntegrationOptions = {}): TrialLogEnergy {
  const totalJ = energyByGpu(series, opts).joules;
  const wall = curve.wallTimeS;
  const hasWall = wall !== undefined && epochsRun > 0 && Array.from({ length: epochsRun }, (_, t) => wall[t]).every((w) => typeof w === "number" && w >= 0);
  if (hasWall) {
    let start = Infinity;
    for (const s of series) for (const t of s.t_ms) start = Math.min(start, t);
    const bounds = [start];
    for (let t = 0; t < epochsRun; t++) bounds.push(bounds[t] + 1000 * (wall[t] as number));
    const { perEpochJ } = epochEnergyFromPower(series, bounds, opts);
    return { perEpochJ, split: "wall-time boundaries", totalJ };
  }
  return { perEpochJ: new Array<number>(epochsRun).fill(epochsRun > 0 ? totalJ / epochsRun : 0), split: "uniform", totalJ };
}
