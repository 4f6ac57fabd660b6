/**
 * The report of a live run, from its state and the metered power series: energy per epoch
 * (device energy attributed to the trials running on it), what the early stopping saved in
 * epochs and energy against training every trial to the end (stopped trials projected at
 * their mean measured energy per epoch), and the TpePayload for the notebook. Pure.
 */
import { decisionOutcome, type TpeDecision, type TpePayload, type TpeTrial } from "greenai-common";
import { attributeEnergy, type ActiveInterval, type Attribution } from "../energy/attribute";
import type { DeviceSeries } from "../energy/series";
import type { TrialCurve } from "../tpe/curves";
import type { Rung, StopPolicy } from "../tpe/policy";
import { definedScoreAt, scoresByEpoch, type ScoreName } from "../tpe/scores";
import type { EpochResult } from "./records";
import { latestAttempt, trialStatus, type AttemptState, type RunState, type Segment, type TrialStatus } from "./run-state";
import type { Params } from "./space";

export interface RunSpecSummary {
  title: string;
  /** The stopping policy (--policy). */
  method: StopPolicy;
  score: ScoreName;
  /** TSE-E window E and TSE-EMA decay γ. */
  score_options: { E: number; gamma: number };
  total_epochs: number;
  budget_fraction: number;
  keep: number;
  /** Successive halving: r0 and η. */
  min_epochs: number;
  reduction_factor: number;
  rungs: Rung[];
  trials: { id: string; params: Params }[];
}

/**
 * What became of a trial: it ran to the end (finished), a decision stopped it (stopped), or it
 * crashed, timed out, hung or diverged (failed; `state` says which). A report taken while the
 * run goes on also shows pending, running and held trials.
 */
export type TrialOutcome = "finished" | "stopped" | "failed" | "pending" | "running" | "held";

/** The outcome of a run state's status. */
export function trialOutcome(status: TrialStatus): TrialOutcome {
  return status === "completed" ? "finished" : status === "diverged" ? "failed" : status;
}

export interface TrialSummary {
  id: string;
  /** The trial's configuration (its parameters; `params` is the same object). */
  config: Params;
  params: Params;
  status: TrialOutcome;
  /** The run state's finer status (e.g. "diverged" for a failed trial). */
  state: TrialStatus;
  /** Epochs of the final attempt (as `epochs_run`). */
  epochs: number;
  /** Why it ended as it did (exit code, time limit, decision). */
  reason: string;
  attempts: number;
  /** Epochs of the final attempt. */
  epochs_run: number;
  final_train_loss: number | null;
  final_val_loss: number | null;
  /** Score at the first rung (null without rungs or when undefined). */
  score_at_budget: number | null;
  /** Energy of the final attempt per epoch, J (time after the last epoch folded into it). */
  epoch_energy_j: number[];
  /** Energy of every attempt of the trial, J. */
  energy_j: number;
  /** Trial time on the device (running, not held), s, all attempts. */
  active_s: number;
  exit_code: number | null;
  signal: string | null;
  /** Log files of the final attempt, relative to the run folder. */
  stdout: string;
  stderr: string;
}

export interface TpeRunReport {
  run_dir: string;
  title: string;
  method: StopPolicy;
  score: ScoreName;
  total_epochs: number;
  budget_fraction: number;
  /** Epoch of the first decision; null when no decision applies. */
  budget_epoch: number | null;
  keep: number;
  rungs: Rung[];
  trials: TrialSummary[];
  kept: string[];
  stopped: string[];
  failed: string[];
  /** Kept trial with the lowest final loss. */
  chosen_id: string | null;
  /** Epochs run in all attempts (as the logs show). */
  epochs_run: number;
  /** Epochs if every trial ran to the end (failed ones: as far as they got). */
  epochs_all: number;
  epoch_saved_fraction: number;
  /** Energy attributed to trials, all attempts, J. */
  energy_used_j: number;
  /** Projected energy of training every trial to the end, J. */
  energy_all_j: number;
  energy_saved_fraction: number;
  /** Device energy while no trial ran (idle, other users), J. */
  energy_idle_j: number;
  /** Energy of attempts redone after an interruption, J (included in energy_used_j). */
  energy_redone_j: number;
  energy_source: string;
  energy_measured: boolean;
  meter_notes: string[];
  /**
   * How well the projection works here: for trials that ran to the end, the total projected
   * from their first budget_epoch epochs vs the measured total (mean |relative error|).
   */
  projection_check: { trials: number; mean_abs_rel_error: number | null };
  /** Wall time of the run, s (all sessions). */
  wall_s: number;
  sessions: number;
  finished: boolean;
}

/** A payload trial with the optional live-run field `epochs_measured` (greenai-common payloads.ts). */
type LiveTpeTrial = TpeTrial & { epochs_measured?: number };

function intersect(a: number, b: number, segs: readonly Segment[], nowMs: number): [number, number][] {
  const out: [number, number][] = [];
  for (const s of segs) {
    const lo = Math.max(a, s.start_ms);
    const hi = Math.min(b, s.end_ms ?? nowMs);
    if (hi > lo) out.push([lo, hi]);
  }
  return out;
}

/** Interval keys of an attempt: `<id>#<attempt>#<epoch>` per epoch and `<id>#<attempt>#tail` after the last. */
export function attemptIntervals(id: string, a: AttemptState, nowMs: number): ActiveInterval[] {
  const out: ActiveInterval[] = [];
  let prev = -Infinity;
  for (const e of a.epochs) {
    for (const [s, t] of intersect(prev, e.end_ms, a.segments, nowMs)) out.push({ key: `${id}#${a.attempt}#${e.epoch}`, start_ms: s, end_ms: t });
    prev = Math.max(prev, e.end_ms);
  }
  for (const [s, t] of intersect(prev, Infinity, a.segments, nowMs)) out.push({ key: `${id}#${a.attempt}#tail`, start_ms: s, end_ms: t });
  return out;
}

function attemptEnergy(id: string, a: AttemptState, attr: Attribution): { epochs: number[]; tail: number; total: number } {
  const epochs = a.epochs.map((e) => attr.by_key[`${id}#${a.attempt}#${e.epoch}`] ?? 0);
  const tail = attr.by_key[`${id}#${a.attempt}#tail`] ?? 0;
  return { epochs, tail, total: epochs.reduce((x, y) => x + y, 0) + tail };
}

function activeMs(a: AttemptState, nowMs: number): number {
  return a.segments.reduce((s, g) => s + Math.max(0, (g.end_ms ?? nowMs) - g.start_ms), 0);
}

const finite = (x: number | null | undefined): x is number => typeof x === "number" && Number.isFinite(x);

/** The curve of an attempt's epochs so far, for the shared scores (epoch t at index t − 1; gaps are null). */
export function curveFromEpochs(id: string, epochs: readonly EpochResult[]): TrialCurve {
  const n = epochs.length ? epochs[epochs.length - 1].epoch : 0;
  const trainLoss: (number | null)[] = new Array(n).fill(null);
  const valLoss: (number | null)[] = new Array(n).fill(null);
  for (const e of epochs) {
    trainLoss[e.epoch - 1] = e.train_loss;
    valLoss[e.epoch - 1] = e.val_loss;
  }
  return { id, trainLoss, valLoss, source: { file: "live run" } };
}

/**
 * Energy per epoch used to project the epochs a stopped trial did not run: the mean of
 * epochs 2..n, since epoch 1 also carries the start-up (imports, data loading); epoch 1
 * alone when it is all there is.
 */
export function projectionPerEpochJ(epochEnergyJ: readonly number[]): number {
  const n = epochEnergyJ.length;
  if (n === 0) return 0;
  if (n === 1) return epochEnergyJ[0];
  let s = 0;
  for (let i = 1; i < n; i++) s += epochEnergyJ[i];
  return s / (n - 1);
}

export interface BuildReportInput {
  spec: RunSpecSummary;
  state: RunState;
  series: readonly DeviceSeries[];
  runDir: string;
  energySource: string;
  measured: boolean;
  meterNotes: string[];
  /** Sample gaps longer than this are missing data. */
  maxGapMs: number;
  /** "Now" for attempts still running (live snapshots). */
  nowMs: number;
  /** First event time, for wall time. */
  startMs: number;
  /** Devices that belong to one trial (e.g. a Slurm job's own GPUs): device → trial id. Others are shared. */
  deviceOwner?: ReadonlyMap<string, string>;
}

/** Builds the report and the TpePayload of a run (complete or in progress). */
export function buildRunReport(inp: BuildReportInput): { report: TpeRunReport; payload: TpePayload } {
  const { spec, state, nowMs } = inp;
  const intervals: ActiveInterval[] = [];
  const owner = inp.deviceOwner;
  const shared = owner && owner.size ? inp.series.map((s) => s.device).filter((d) => !owner.has(d)) : null;
  for (const t of state.trials.values()) {
    const own = owner ? [...owner].filter(([, id]) => id === t.id).map(([d]) => d) : [];
    for (const a of t.attempts) {
      for (const iv of attemptIntervals(t.id, a, nowMs)) {
        if (!shared) intervals.push(iv);
        else for (const d of [...shared, ...own]) intervals.push({ ...iv, device: d });
      }
    }
  }
  const attr = attributeEnergy(inp.series, intervals, { maxGapMs: inp.maxGapMs });
  const T = spec.rungs.length ? spec.rungs[0].epoch : null;
  const N = spec.total_epochs;

  const summaries: TrialSummary[] = [];
  const payloadTrials: LiveTpeTrial[] = [];
  let epochsRun = 0;
  let epochsAll = 0;
  let used = 0;
  let all = 0;
  let redone = 0;
  const projErrors: number[] = [];
  for (const { id, params } of spec.trials) {
    const t = state.trials.get(id)!;
    const status = trialStatus(t);
    const last = latestAttempt(t);
    const energies = t.attempts.map((a) => attemptEnergy(id, a, attr));
    const lastE = energies.length ? energies[energies.length - 1] : { epochs: [], tail: 0, total: 0 };
    const epochE = [...lastE.epochs];
    if (epochE.length) epochE[epochE.length - 1] += lastE.tail;
    const trialEnergy = energies.reduce((s, e) => s + e.total, 0);
    redone += trialEnergy - lastE.total;
    used += trialEnergy;
    epochsRun += t.attempts.reduce((s, a) => s + a.epochs.length, 0);
    const epochs = last?.epochs ?? [];
    const measuredEpochs = epochs.length ? epochs[epochs.length - 1].epoch : 0;
    const curve = curveFromEpochs(id, epochs);
    const energyByEpoch: number[] = new Array(measuredEpochs).fill(0);
    epochs.forEach((e, i) => (energyByEpoch[e.epoch - 1] = epochE[i]));
    const diverged = status === "diverged" || epochs.some((e) => !finite(e.train_loss) || (e.val_loss !== null && !finite(e.val_loss)));
    const failed = status === "failed";
    const projected = status === "stopped" || status === "held" || status === "running" || status === "pending";
    const mean = projectionPerEpochJ(epochE);
    const runEpochs = projected ? Math.max(N, measuredEpochs) : measuredEpochs;
    const remaining = projected ? Math.max(0, N - measuredEpochs) : 0;
    all += lastE.total + remaining * mean;
    epochsAll += projected || status === "completed" ? Math.max(N, measuredEpochs) : measuredEpochs;
    if (status === "completed" && T !== null && epochE.length >= N && T < N) {
      const head = epochE.slice(0, T);
      const predicted = head.reduce((x, y) => x + y, 0) + (N - T) * projectionPerEpochJ(head);
      if (lastE.total > 0) projErrors.push(Math.abs(predicted / lastE.total - 1));
    }
    const lastEpoch = epochs[epochs.length - 1];
    const finalLoss = status === "completed" && !diverged && lastEpoch ? (lastEpoch.val_loss ?? lastEpoch.train_loss) : null;
    const scoreOpts = { ...spec.score_options, totalEpochs: N };
    const scores = scoresByEpoch(curve, spec.score, scoreOpts);
    payloadTrials.push({
      id,
      train_loss: [...curve.trainLoss, ...new Array(runEpochs - measuredEpochs).fill(null)],
      val_loss: [...curve.valLoss, ...new Array(runEpochs - measuredEpochs).fill(null)],
      epoch_energy: [...energyByEpoch, ...new Array(runEpochs - measuredEpochs).fill(mean)],
      score_by_epoch: [...scores, ...new Array(runEpochs - measuredEpochs).fill(null)],
      final_loss: finite(finalLoss) ? finalLoss : null,
      epochs_run: runEpochs,
      diverged,
      ...(failed ? { failed: true } : {}),
      ...(runEpochs !== measuredEpochs ? { epochs_measured: measuredEpochs } : {}),
      params,
    });
    const rel = (k: "stdout" | "stderr") => (last ? `trials/${id}/${k}-${last.attempt}.log` : "");
    summaries.push({
      id,
      config: params,
      params,
      status: trialOutcome(status),
      state: status,
      epochs: epochs.length,
      reason: last?.end?.reason ?? (status === "stopped" ? "stopped by the decision" : status),
      attempts: t.attempts.length,
      epochs_run: epochs.length,
      final_train_loss: lastEpoch ? lastEpoch.train_loss : null,
      final_val_loss: lastEpoch ? lastEpoch.val_loss : null,
      score_at_budget: T !== null && measuredEpochs >= T ? definedScoreAt(curve, spec.score, T, scoreOpts) : null,
      epoch_energy_j: epochE,
      energy_j: trialEnergy,
      active_s: t.attempts.reduce((s, a) => s + activeMs(a, nowMs), 0) / 1000,
      exit_code: last?.end?.code ?? null,
      signal: last?.end?.signal ?? null,
      stdout: rel("stdout"),
      stderr: rel("stderr"),
    });
  }

  const stopped = summaries.filter((s) => s.status === "stopped").map((s) => s.id);
  const failedIds = summaries.filter((s) => s.status === "failed").map((s) => s.id);
  const lastDecision = state.decisions[state.decisions.length - 1];
  const kept = lastDecision ? lastDecision.kept : summaries.filter((s) => s.status === "finished").map((s) => s.id);
  const decision = runDecision(spec, payloadTrials, kept);
  const report: TpeRunReport = {
    run_dir: inp.runDir,
    title: spec.title,
    method: spec.method,
    score: spec.score,
    total_epochs: N,
    budget_fraction: spec.budget_fraction,
    budget_epoch: T,
    keep: spec.keep,
    rungs: spec.rungs,
    trials: summaries,
    kept,
    stopped,
    failed: failedIds,
    chosen_id: decision.chosen_id,
    epochs_run: epochsRun,
    epochs_all: epochsAll,
    epoch_saved_fraction: epochsAll > 0 ? 1 - epochsRun / epochsAll : 0,
    energy_used_j: used,
    energy_all_j: all,
    energy_saved_fraction: all > 0 ? 1 - used / all : 0,
    energy_idle_j: attr.unattributed_j,
    energy_redone_j: redone,
    energy_source: inp.energySource,
    energy_measured: inp.measured,
    meter_notes: inp.meterNotes,
    projection_check: { trials: projErrors.length, mean_abs_rel_error: projErrors.length ? projErrors.reduce((a, b) => a + b, 0) / projErrors.length : null },
    wall_s: Math.max(0, state.last_ms - inp.startMs) / 1000,
    sessions: state.sessions,
    finished: state.finished,
  };
  const payload: TpePayload = {
    schema_version: 1,
    kind: "tpe",
    title: spec.title,
    score: spec.score,
    total_epochs: N,
    energy: { unit: "J", source: inp.energySource, measured: inp.measured },
    trials: payloadTrials,
    decision,
  };
  if (spec.method === "sh") {
    payload.policy = {
      kind: "sh",
      min_epochs: spec.min_epochs,
      reduction_factor: spec.reduction_factor,
      rungs: state.decisions.map((d) => ({ epoch: d.epoch, entered: d.kept.length + d.stopped.length, promoted: d.kept })),
    };
  }
  return { report, payload };
}

/**
 * The payload's decision: greenai-common's decisionOutcome of what the run kept, each other trial
 * costing the epochs it really ran (the same rule a replay applies to recorded curves).
 */
function runDecision(spec: RunSpecSummary, trials: readonly LiveTpeTrial[], kept: readonly string[]): TpeDecision {
  const N = spec.total_epochs;
  const T = spec.rungs.length ? spec.rungs[0].epoch : N;
  return {
    budget_fraction: spec.method === "tpe" ? spec.budget_fraction : T / N,
    budget_epoch: T,
    keep: spec.rungs.length ? spec.rungs[spec.rungs.length - 1].keep : trials.length,
    ...decisionOutcome(trials, new Set(kept), (t) => t.epochs_measured ?? t.epochs_run, T),
  };
}
