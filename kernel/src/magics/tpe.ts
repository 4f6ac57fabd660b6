/**
 * `%tpe`: training performance estimation on recorded curves.
 *   %tpe replay  — train all to f of the budget, keep the k best by a score, finish those (or successive halving)
 *   %tpe score   — TSE / TSE-E / TSE-EMA of one log (paper form or litmatter-compatible)
 *   %tpe sweep   — many (f, k, score) settings at once and their energy-saved vs regret frontier
 * The adapter only parses flags, reads files and draws; the work is in ../tpe.
 */
import * as path from "path";
import { MIME_TPE, type TpeDecision, type TpePayload, type TpeTrial } from "greenai-common";
import { escapeHtml, formatNumber, htmlTable, makeBundle, textTable } from "../display/bundle";
import { drawn, trialForDisplay } from "../display/precision";
import { DataFormatError, throwIfAborted, UsageError } from "../errors";
import {
  bestSetting,
  checkE,
  checkGamma,
  curvesFromPath,
  DEFAULT_GAMMA,
  devicePowerModel,
  energyPlan,
  keepCount,
  lcfitScore,
  lightningLogFromFile,
  LITMATTER_GAMMA,
  litmatterScores,
  parseKeep,
  replayTpe,
  SCORE_HELP,
  SCORE_NAMES,
  scoreAt,
  successiveHalving,
  sweepTpe,
  trialEnergiesFromPowerLogs,
  trialsFromCurves,
  scoreLogEnergy,
  type CurveFormat,
  type CurveSet,
  type EnergyPlan,
  type EnergyUnit,
  type HalvingRung,
  type KeepSpec,
  type RunStatus,
  type ScoreName,
  type ScoreOptions,
  type SweepPoint,
} from "../tpe";
import { powerLogFromFile, zeusPowerTableFromFile, type PowerLog } from "../energy";
import { formatUsage, type CommandSpec, type FlagSpec, type ParsedArgs } from "./options";
import type { Magic, MagicCommand, MagicContext, MagicResult } from "./types";

// ---------------------------------------------------------------------------------------------
// Result types (exported from greenai-kernel so `--as NAME` gives a typed variable)

/** A run that is not complete and finite, and why. */
export interface TpeRunProblem {
  id: string;
  epochs_run: number;
  problem: "diverged" | "incomplete";
  reason: string;
}

/** Value of `%tpe replay`. */
export interface TpeReplayResult {
  policy: "tpe" | "sh";
  score: ScoreName;
  curves: string;
  format: string;
  n_trials: number;
  total_epochs: number;
  /** Fraction f and epoch T of the decision (sh: the first rung). */
  budget_fraction: number;
  budget_epoch: number;
  /** Trials kept to the end (sh: the last rung's survivors). */
  keep: number;
  kept: string[];
  n_stopped: number;
  /** Rank correlation of the score at T with the final validation loss (complete runs). */
  spearman: number | null;
  kendall: number | null;
  energy_used: number;
  energy_all: number;
  energy_saved_fraction: number;
  energy_unit: EnergyUnit;
  /** How the energy numbers were obtained. */
  energy_source: string;
  energy_measured: boolean;
  best_survived: boolean;
  /** Final loss of the chosen trial minus the true best; null if no kept trial finished. */
  regret: number | null;
  chosen_id: string | null;
  chosen_final_loss: number | null;
  true_best_id: string | null;
  true_best_final_loss: number | null;
  /** Runs that diverged (non-finite loss) or stopped short: reported, never dropped, never chosen. */
  problems: TpeRunProblem[];
  /** Trials without a finite score at T (diverged by then, or missing data): never kept. */
  unscored_at_budget: string[];
  /** Successive halving only. */
  rungs?: HalvingRung[];
  reduction_factor?: number;
  notes: string[];
}

/** Scores of one trial. */
export interface TpeScoreRow {
  id: string;
  tse: number | null;
  tse_e: number | null;
  tse_ema: number | null;
  val_loss: number | null;
  lcfit: number | null;
}

/** Value of `%tpe score`. */
export interface TpeScoreResult {
  mode: "paper" | "litmatter";
  log: string;
  /** paper: T epochs (1-based count); litmatter: the 0-based log epoch T. */
  epoch: number;
  E: number;
  gamma: number;
  trial_id: string | null;
  tse: number | null;
  tse_e: number | null;
  tse_ema: number | null;
  /** Early validation loss at T (paper mode). */
  val_loss: number | null;
  /** LCGA mean fitted slope (paper mode). */
  lcfit: number | null;
  /** litmatter mode: B, the step rows of epoch T. */
  steps_per_epoch: number | null;
  /** Last epoch + 1 (litmatter) or epochs recorded. */
  T_end: number;
  /** Present with --power: energy of the log. */
  energy: TpeScoreEnergy | null;
  /** With --all: every trial of the file. */
  trials?: TpeScoreRow[];
  notes: string[];
}

export interface TpeScoreEnergy {
  total_kJ: number;
  per_epoch_kJ: number;
  /** litmatter mode: total / step rows (uniform power assumed, as litmatter does). */
  per_step_kJ: number | null;
  gpus: { gpu: string; kJ: number; samples: number; mean_power_W: number }[];
  source: string;
  measured: true;
}

/** Value of `%tpe sweep`. */
export interface TpeSweepResult {
  curves: string;
  n_trials: number;
  total_epochs: number;
  energy_unit: EnergyUnit;
  energy_source: string;
  /** Every evaluated setting. */
  points: SweepPoint[];
  /** The points on the energy-saved vs regret frontier, most saving first. */
  frontier: SweepPoint[];
  /** The setting saving most energy with regret ≤ max_regret; null if none. */
  best: SweepPoint | null;
  max_regret: number;
  skipped: string[];
  problems: TpeRunProblem[];
  notes: string[];
}

// ---------------------------------------------------------------------------------------------
// Flags

const CURVES_FLAGS: FlagSpec[] = [
  {
    name: "curves",
    type: "string",
    required: true,
    metavar: "PATH",
    help: "recorded curves: long CSV (run_id,epoch,train_loss,val_loss[,wall_time_s]), a Lightning metrics.csv or a folder of them, or JSON lines",
  },
  { name: "format", type: "string", default: "auto", choices: ["auto", "long-csv", "lightning-csv", "jsonl"], help: "curve file format" },
  { name: "epochs", type: "int", min: 1, metavar: "N", help: "full budget T_end in epochs (default: the longest run)" },
  { name: "window", type: "int", default: 1, min: 1, metavar: "E", help: "TSE-E window E, in epochs" },
  { name: "gamma", type: "number", default: DEFAULT_GAMMA, metavar: "γ", help: "TSE-EMA decay γ in (0, 1] per epoch" },
  { name: "energy", type: "string", default: "epochs", choices: ["epochs", "wall"], help: "energy unit without power data: epochs run, or recorded wall seconds (wall_time_s)" },
  { name: "power-w", type: "number", metavar: "W", help: "average power in watts: energy = W × recorded wall time (J, estimated)" },
  { name: "power-model", type: "string", metavar: "FILE", help: "Zeus summary_power_<gpu>.csv: energy = its average W at --power-limit × wall time × epoch-time scaling (J, estimated)" },
  { name: "workload", type: "string", metavar: "KEY", help: "Zeus workload dataset/network/batch_size/optimizer (a unique prefix will do), with --power-model" },
  { name: "power-limit", type: "number", metavar: "W", help: "GPU power limit in watts, with --power-model (default: the highest in the trace)" },
  { name: "power-logs", type: "string", metavar: "DIR", help: "folder of per-trial power logs <run_id>.csv (nvidia-smi, Supercloud GPU, or timestamp,power): measured J" },
  { name: "max-gap", type: "number", min: 0, metavar: "S", help: "with --power-logs: gaps between samples longer than S seconds count as missing (default: none)" },
];

const REPLAY_SPEC: CommandSpec = {
  name: "tpe replay",
  summary: "Replay TPE (or successive halving) on recorded curves: energy saved, rank correlation, regret.",
  description:
    "TPE: every trial trains to epoch T = round(f · T_end); the k with the lowest score continue to the end; " +
    "the best final validation loss among them is chosen. Energy saved = 1 − (all trials to T + kept ones to the end) / (all to the end). " +
    "Diverged runs (nan/inf) cost the epochs they ran, are never kept once diverged, and are listed. " +
    "--policy sh runs successive halving instead (rungs at r0·η^i, top ⌊n/η⌋ promoted) and ignores --budget/--keep.\n" +
    `Scores (lower is better): ${SCORE_NAMES.map((s) => `${s}: ${SCORE_HELP[s]}`).join("; ")}.`,
  flags: [
    ...CURVES_FLAGS,
    { name: "policy", type: "string", default: "tpe", choices: ["tpe", "sh"], help: "tpe: train all to f, keep k; sh: successive halving on the score" },
    { name: "budget", type: "number", default: 0.2, metavar: "F", help: "fraction f in (0, 1] of the epoch budget every trial trains before the decision" },
    { name: "keep", type: "string", default: "1", metavar: "K", help: "trials to finish: a count (3), a fraction (0.1) or a percentage (10%) of the trials" },
    { name: "score", type: "string", default: "tse", choices: SCORE_NAMES, help: "ranking score (lower is better)" },
    { name: "min-epochs", type: "int", default: 1, min: 1, metavar: "R", help: "sh: epochs before the first rung (r0)" },
    { name: "reduction-factor", type: "number", default: 4, min: 2, metavar: "η", help: "sh: keep ⌊n/η⌋ trials at each rung" },
    { name: "title", type: "string", metavar: "TEXT", help: "plot title" },
  ],
  examples: [
    "%tpe replay --curves ../../shared/data/curves/nasbench-nlp-wikitext2-dev/curves_long.csv --budget 0.2 --keep 1 --score val-loss --as r",
    "greenai tpe replay --curves curves_long.csv --policy sh --min-epochs 1 --reduction-factor 4 --score tse --json",
    "%tpe replay --curves lightning_logs/ --budget 0.1 --keep 10% --power-w 250 --energy wall",
  ],
};

const SCORE_SPEC: CommandSpec = {
  name: "tpe score",
  summary: "TSE, TSE-E and TSE-EMA of one training log at epoch T (paper form or litmatter-compatible).",
  description:
    "paper: T counts epochs (1-based); ℓ̄_t = mean step loss of epoch t; TSE = Σ_{t≤T} ℓ̄_t, TSE-E = Σ_{T−E<t≤T} ℓ̄_t, TSE-EMA = Σ γ^(T−t) ℓ̄_t (γ default 0.9). " +
    "litmatter: reproduces ncfrey/litmatter's TrainingSpeedEstimator: 0-based log epoch T, one B = step rows of epoch T, " +
    "tse sums epochs < T, tse_e and tse_ema include epoch T (γ default 0.999). " +
    "--power adds the log's energy (trapezoidal rule per GPU, summed) per epoch and per step, as litmatter reports it.",
  flags: [
    { name: "log", type: "string", required: true, metavar: "FILE", help: "training log: Lightning metrics.csv (step losses), long CSV or JSON lines" },
    { name: "epoch", type: "int", required: true, min: 0, metavar: "T", help: "epoch budget T (paper: epochs counted from 1; litmatter: 0-based log epoch)" },
    { name: "mode", type: "string", default: "paper", choices: ["paper", "litmatter"], help: "formula and indexing" },
    { name: "window", type: "int", default: 1, min: 1, metavar: "E", help: "TSE-E window E, in epochs" },
    { name: "gamma", type: "number", metavar: "γ", help: "TSE-EMA decay in (0, 1] (default 0.9 paper, 0.999 litmatter)" },
    { name: "power", type: "string", metavar: "FILE", help: "power log of the run (nvidia-smi CSV, Supercloud GPU series, or timestamp,power) for energy in kJ" },
    { name: "trial", type: "string", metavar: "ID", help: "trial to score when the file holds several" },
    { name: "all", type: "boolean", default: false, help: "score every trial of the file (paper mode)" },
    { name: "train-col", type: "string", metavar: "NAME", help: "Lightning step-loss column (default train_loss_step, train_loss_stp or train_loss)" },
  ],
  examples: [
    "greenai tpe score --log ../shared/data/curves/litmatter-tpe-example/metrics.csv --epoch 10 --mode litmatter --json",
    "%tpe score --log metrics.csv --epoch 10 --power nvidia-smi.csv",
  ],
};

const SWEEP_SPEC: CommandSpec = {
  name: "tpe sweep",
  summary: "Evaluate many (budget, keep, score) settings at once; the energy-saved vs regret frontier.",
  description:
    "Every combination of --budgets × --keeps × --scores is replayed with the same decision as %tpe replay. " +
    "A point is on the frontier when no other saves at least as much energy with no more regret. " +
    "`best` is the setting saving the most with regret ≤ --max-regret.",
  flags: [
    ...CURVES_FLAGS,
    { name: "budgets", type: "numbers", default: [0.02, 0.04, 0.06, 0.1, 0.2, 0.3, 0.5], metavar: "F,…", help: "budget fractions f in (0, 1]" },
    { name: "keeps", type: "list", default: ["1", "2", "3", "5", "10%"], metavar: "K,…", help: "keep counts, fractions or percentages" },
    { name: "scores", type: "list", default: ["tse", "tse-e", "tse-ema", "val-loss"], metavar: "S,…", help: `scores among ${SCORE_NAMES.join(", ")}` },
    { name: "max-regret", type: "number", default: 0, min: 0, metavar: "R", help: "regret allowed for the `best` setting (loss units)" },
    { name: "title", type: "string", metavar: "TEXT", help: "plot title" },
  ],
  examples: [
    "%tpe sweep --curves ../../shared/data/curves/nasbench-nlp-wikitext2-dev/curves_long.csv --as s",
    "greenai tpe sweep --curves curves_long.csv --budgets 0.02,0.1,0.2 --keeps 1,3 --scores tse,val-loss --json",
  ],
};

// ---------------------------------------------------------------------------------------------
// Shared steps

function resolvePath(ctx: MagicContext, p: string): string {
  return path.resolve(ctx.cwd, p);
}

/** Converts a RangeError from the pure code into a UsageError for the command. */
function asUsage<T>(spec: CommandSpec, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message, formatUsage(spec));
    throw e;
  }
}

function scoreOptions(spec: CommandSpec, flags: ParsedArgs["flags"]): ScoreOptions {
  const E = flags.window as number;
  const gamma = flags.gamma as number;
  asUsage(spec, () => checkE(E));
  if (!(gamma > 0 && gamma <= 1)) throw new UsageError(`--gamma must be in (0, 1] but got ${gamma}`, formatUsage(spec));
  return { E, gamma };
}

async function loadCurves(spec: CommandSpec, flags: ParsedArgs["flags"], ctx: MagicContext): Promise<CurveSet> {
  const p = resolvePath(ctx, flags.curves as string);
  ctx.progress(`reading ${path.basename(p)}`);
  const set = await curvesFromPath(p, { format: flags.format as CurveFormat, totalEpochs: flags.epochs as number | undefined });
  if (set.trials.length === 0) throw new DataFormatError(`${p}: no trials found`);
  if (set.totalEpochs < 1) throw new DataFormatError(`${p}: the runs have no epochs`);
  void spec;
  return set;
}

async function loadEnergy(spec: CommandSpec, flags: ParsedArgs["flags"], set: CurveSet, ctx: MagicContext): Promise<EnergyPlan> {
  const given = ["power-w", "power-model", "power-logs"].filter((f) => flags[f] !== undefined);
  if (given.length > 1) throw new UsageError(`give one of ${given.map((g) => `--${g}`).join(", ")}, not several`, formatUsage(spec));
  if (flags["power-model"] === undefined && (flags.workload !== undefined || flags["power-limit"] !== undefined)) {
    throw new UsageError("--workload and --power-limit go with --power-model FILE", formatUsage(spec));
  }
  if (flags["power-w"] !== undefined) {
    const w = flags["power-w"] as number;
    if (!(w > 0)) throw new UsageError(`--power-w must be a positive number of watts but got ${w}`, formatUsage(spec));
    return energyPlan({ kind: "average-power", powerW: w });
  }
  if (flags["power-model"] !== undefined) {
    const file = resolvePath(ctx, flags["power-model"] as string);
    if (flags.workload === undefined) throw new UsageError("--power-model needs --workload dataset/network/batch_size/optimizer", formatUsage(spec));
    const table = await zeusPowerTableFromFile(file);
    const model = asUsage(spec, () =>
      devicePowerModel(table.rows, { gpu: table.gpu, workload: flags.workload as string, powerLimitW: flags["power-limit"] as number | undefined, file }),
    );
    return energyPlan({ kind: "device-model", model });
  }
  if (flags["power-logs"] !== undefined) {
    const dir = resolvePath(ctx, flags["power-logs"] as string);
    const { perTrialJ, source } = await trialEnergiesFromPowerLogs(dir, set.trials, { maxGapS: flags["max-gap"] as number | undefined, signal: ctx.signal, progress: ctx.progress });
    return energyPlan({ kind: "measured", perTrialJ, source, measured: true });
  }
  return energyPlan({ kind: flags.energy === "wall" ? "wall" : "epochs" });
}

function problemsOf(statuses: readonly RunStatus[]): TpeRunProblem[] {
  return statuses
    .filter((s) => s.problem !== null)
    .map((s) => ({ id: s.id, epochs_run: s.epochsRun, problem: s.problem as "diverged" | "incomplete", reason: s.reason as string }));
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function num(x: number | null, digits = 4): string {
  return x === null ? "n/a" : formatNumber(x, digits);
}

/** Legend of the stopped runs: "stopped at epoch 10", "stopped at epochs 1, 4, 16". */
function stoppedLabel(epochs: Set<number>): string {
  const e = [...epochs].sort((a, b) => a - b);
  if (e.length === 0) return "stopped";
  if (e.length > 5) return `stopped at epochs ${e[0]}–${e[e.length - 1]}`;
  return `stopped at epoch${e.length > 1 ? "s" : ""} ${e.join(", ")}`;
}

/** Cumulative energy and validation loss of each trial, as far as the policy ran it. */
function energyCurveFigure(trials: readonly TpeTrial[], decision: TpeDecision, unit: EnergyUnit, title: string, stopAt: (t: TpeTrial) => number) {
  const kept = new Set(decision.kept);
  const stoppedX: (number | null)[] = [];
  const stoppedY: (number | null)[] = [];
  const unrunX: (number | null)[] = [];
  const unrunY: (number | null)[] = [];
  const keptTraces: object[] = [];
  const stopEpochs = new Set<number>();
  for (const t of trials) {
    let e = 0;
    const xs: number[] = [];
    const ys: (number | null)[] = [];
    for (let i = 0; i < t.epochs_run; i++) {
      e += t.epoch_energy[i] ?? 0;
      xs.push(drawn(e) as number);
      ys.push(drawn(t.val_loss[i]));
    }
    const stop = stopAt(t);
    if (kept.has(t.id)) {
      keptTraces.push({
        type: "scatter",
        mode: "lines",
        name: `kept: ${t.id}${t.id === decision.true_best_id ? " (true best)" : ""}`,
        x: xs,
        y: ys,
        line: { width: 2 },
      });
    } else {
      stopEpochs.add(stop);
      stoppedX.push(...xs.slice(0, stop), null);
      stoppedY.push(...ys.slice(0, stop), null);
      if (stop < xs.length) {
        unrunX.push(...xs.slice(Math.max(0, stop - 1)), null);
        unrunY.push(...ys.slice(Math.max(0, stop - 1)), null);
      }
    }
  }
  const data: object[] = [
    { type: "scatter", mode: "lines", name: "not run (saved)", x: unrunX, y: unrunY, line: { color: "rgba(150,150,150,0.25)", width: 1, dash: "dot" }, hoverinfo: "skip" },
    { type: "scatter", mode: "lines", name: stoppedLabel(stopEpochs), x: stoppedX, y: stoppedY, line: { color: "rgba(120,120,120,0.55)", width: 1 } },
    ...keptTraces,
  ];
  return {
    data,
    layout: {
      title: { text: title },
      xaxis: { title: { text: `cumulative energy of the trial (${unit})` } },
      yaxis: { title: { text: "validation loss" } },
      hovermode: "closest",
    },
  };
}

// ---------------------------------------------------------------------------------------------
// %tpe replay

async function runReplay(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<TpeReplayResult>> {
  const spec = REPLAY_SPEC;
  const f = args.flags;
  const policy = f.policy as "tpe" | "sh";
  const budget = f.budget as number;
  let keep: KeepSpec = { count: 1 };
  const ignored: string[] = [];
  if (policy === "tpe") {
    if (!(budget > 0 && budget <= 1)) {
      throw new UsageError(`--budget must be a fraction in (0, 1] of the epoch budget but got ${budget}`, formatUsage(spec));
    }
    try {
      keep = parseKeep(f.keep as string);
    } catch (e) {
      throw new UsageError(`--keep: ${(e as Error).message}`, formatUsage(spec));
    }
  } else {
    if (budget !== 0.2) ignored.push("--budget");
    if (f.keep !== "1") ignored.push("--keep");
  }
  const score = f.score as ScoreName;
  const opts = scoreOptions(spec, f);
  const set = await loadCurves(spec, f, ctx);
  if (policy === "tpe") {
    try {
      keepCount(keep, set.trials.length);
    } catch (e) {
      throw new UsageError(`--keep ${f.keep}: ${(e as Error).message} in ${set.source}`, formatUsage(spec));
    }
  }
  const plan = await loadEnergy(spec, f, set, ctx);
  throwIfAborted(ctx.signal);
  ctx.progress(`scoring ${set.trials.length} trials by ${score}`);
  const { trials, statuses } = trialsFromCurves(set, score, opts, plan, {
    signal: ctx.signal,
    onTrial: (i, n) => i % 20 === 0 && ctx.progress(`scoring ${n} trials by ${score}`, i / n),
  });
  throwIfAborted(ctx.signal);

  let decision: TpeDecision;
  let rungs: HalvingRung[] | undefined;
  let stopAt: (t: TpeTrial) => number;
  if (policy === "sh") {
    const sh = asUsage(spec, () =>
      successiveHalving(trials, set.totalEpochs, { minEpochs: f["min-epochs"] as number, reductionFactor: f["reduction-factor"] as number }),
    );
    const { rungs: r, min_epochs: _m, reduction_factor: _r, stop_epoch: stops, ...d } = sh;
    decision = d;
    rungs = r;
    stopAt = (t) => stops[t.id] ?? t.epochs_run;
  } else {
    decision = asUsage(spec, () => replayTpe(trials, set.totalEpochs, budget, keep));
    stopAt = (t) => decision.budget_epoch;
  }
  const T = decision.budget_epoch;
  const unscored = trials.filter((t) => t.epochs_run < T || t.score_by_epoch[T - 1] === null).map((t) => t.id);
  if (unscored.length === trials.length) {
    const why = score.startsWith("lcfit") ? " (the curve fit needs at least 3 loss values: raise --budget or log step losses)" : "";
    throw new UsageError(`no trial has a ${score} score at epoch ${T}${why}; nothing could be kept`, formatUsage(spec));
  }
  const finalOf = (id: string | null) => (id === null ? null : (trials.find((t) => t.id === id)?.final_loss ?? null));
  const problems = problemsOf(statuses);
  const value: TpeReplayResult = {
    policy,
    score,
    curves: set.source,
    format: set.format,
    n_trials: trials.length,
    total_epochs: set.totalEpochs,
    budget_fraction: decision.budget_fraction,
    budget_epoch: T,
    keep: decision.keep,
    kept: decision.kept,
    n_stopped: decision.stopped.length,
    spearman: decision.spearman,
    kendall: decision.kendall,
    energy_used: decision.energy_used,
    energy_all: decision.energy_all,
    energy_saved_fraction: decision.energy_saved_fraction,
    energy_unit: plan.unit,
    energy_source: plan.source,
    energy_measured: plan.measured,
    best_survived: decision.best_survived,
    regret: decision.regret,
    chosen_id: decision.chosen_id,
    chosen_final_loss: finalOf(decision.chosen_id),
    true_best_id: decision.true_best_id,
    true_best_final_loss: finalOf(decision.true_best_id),
    problems,
    unscored_at_budget: unscored,
    notes: ignored.length ? [...set.notes, `${ignored.join(" and ")} ignored: --policy sh uses --min-epochs and --reduction-factor`] : set.notes,
  };
  if (rungs) {
    value.rungs = rungs;
    value.reduction_factor = f["reduction-factor"] as number;
  }

  const title =
    (f.title as string | undefined) ??
    (policy === "sh"
      ? `Successive halving by ${score} (r0 = ${f["min-epochs"]}, η = ${f["reduction-factor"]}): ${pct(decision.energy_saved_fraction)} energy saved`
      : `TPE by ${score}: ${trials.length} trials to epoch ${T} of ${set.totalEpochs}, keep ${decision.keep}: ${pct(decision.energy_saved_fraction)} energy saved`);
  const payload: TpePayload = {
    schema_version: 1,
    kind: "tpe",
    title,
    score,
    total_epochs: set.totalEpochs,
    energy: { unit: plan.unit, source: plan.source, measured: plan.measured },
    trials: trials.map(trialForDisplay),
    decision,
  };
  if (rungs) payload.policy = { kind: "sh", min_epochs: f["min-epochs"] as number, reduction_factor: f["reduction-factor"] as number, rungs };

  const facts: [string, string][] = [
    ["policy", policy === "sh" ? `successive halving, rungs at ${rungs?.map((r) => r.epoch).join(", ")} epochs` : `TPE, decision after epoch ${T} (f = ${budget})`],
    ["score", `${score}: ${SCORE_HELP[score]}`],
    ["trials", `${trials.length} (${problems.filter((p) => p.problem === "diverged").length} diverged, ${problems.filter((p) => p.problem === "incomplete").length} incomplete)`],
    ["kept to the end", decision.kept.length <= 5 ? decision.kept.join(", ") || "none" : `${decision.kept.length} trials`],
    ["energy used / all", `${num(decision.energy_used, 6)} / ${num(decision.energy_all, 6)} ${plan.unit}`],
    ["energy saved", pct(decision.energy_saved_fraction)],
    ["energy source", plan.source],
    ["Spearman ρ / Kendall τ-b", `${num(decision.spearman)} / ${num(decision.kendall)} (score at epoch ${T} vs final validation loss)`],
    ["true best survived", decision.best_survived ? "yes" : "no"],
    ["regret", decision.regret === null ? "n/a (no kept trial finished)" : `${num(decision.regret)} (${num(value.chosen_final_loss)} vs best ${num(value.true_best_final_loss)})`],
  ];
  const problemRows = problems.map((p) => [p.id, p.problem, p.epochs_run, p.reason]);
  const text =
    `${title}\n${textTable(["", ""], facts)}` +
    (problems.length ? `\n\nRuns reported, not dropped (never chosen):\n${textTable(["run", "problem", "epochs", "reason"], problemRows)}` : "");
  const html =
    htmlTable(["", ""], facts, { caption: title }) +
    (problems.length ? `\n<p>Runs reported, not dropped (never chosen):</p>${htmlTable(["run", "problem", "epochs", "reason"], problemRows)}` : "") +
    (rungs ? `\n${htmlTable(["rung epoch", "entered", "promoted"], rungs.map((r) => [r.epoch, r.entered, r.promoted.length]), { caption: "rungs" })}` : "");
  const plotly = energyCurveFigure(trials, decision, plan.unit, title, stopAt);
  return { value, typeName: "TpeReplayResult", text, bundle: makeBundle({ payload, plotly, html, text }) };
}

// ---------------------------------------------------------------------------------------------
// %tpe score

/** A scored log's measured energy (the core's scoreLogEnergy). */
function scoreEnergy(power: PowerLog, epochs: number, steps: number | null): TpeScoreEnergy {
  return scoreLogEnergy(power, epochs, steps);
}

async function runScore(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<TpeScoreResult>> {
  const spec = SCORE_SPEC;
  const f = args.flags;
  const mode = f.mode as "paper" | "litmatter";
  const file = resolvePath(ctx, f.log as string);
  const T = f.epoch as number;
  const E = f.window as number;
  const gamma = (f.gamma as number | undefined) ?? (mode === "litmatter" ? LITMATTER_GAMMA : DEFAULT_GAMMA);
  asUsage(spec, () => {
    checkE(E);
    checkGamma(gamma);
  });
  const notes: string[] = [];
  let energy: TpeScoreEnergy | null = null;
  const power = f.power !== undefined ? await powerLogFromFile(resolvePath(ctx, f.power as string), ctx.signal) : null;
  if (power) notes.push(...power.notes);

  let value: TpeScoreResult;
  if (mode === "litmatter") {
    if (f.all) throw new UsageError("--all works in paper mode; litmatter mode scores one Lightning log", formatUsage(spec));
    const log = await lightningLogFromFile(file, { trainColumn: f["train-col"] as string | undefined });
    notes.push(...log.notes);
    if (log.steps.length === 0) throw new DataFormatError(`${file}: no step-level training loss rows; litmatter mode needs train_loss_step (or --train-col)`);
    let s;
    try {
      s = litmatterScores(log.steps, T, { E, gamma });
    } catch (e) {
      throw new UsageError(`--epoch ${T}: ${(e as Error).message} (${file})`, formatUsage(spec));
    }
    if (power) energy = scoreEnergy(power, s.T_end, s.steps);
    value = {
      mode,
      log: file,
      epoch: T,
      E,
      gamma,
      trial_id: log.curve.id,
      tse: s.tse,
      tse_e: s.tse_e,
      tse_ema: s.tse_ema,
      val_loss: null,
      lcfit: null,
      steps_per_epoch: s.steps_per_epoch,
      T_end: s.T_end,
      energy,
      notes,
    };
  } else {
    if (T < 1) throw new UsageError("--epoch must be ≥ 1 in paper mode (T counts epochs from 1)", formatUsage(spec));
    const set = await curvesFromPath(file, {});
    notes.push(...set.notes);
    const rowOf = (c: CurveSet["trials"][number]): TpeScoreRow => {
      const n = Math.max(c.trainLoss.length, c.valLoss.length);
      if (T > n) throw new UsageError(`--epoch ${T} is beyond the ${n} epochs of ${c.id} in ${file}`, formatUsage(spec));
      const fin = (x: number) => (Number.isFinite(x) ? x : null);
      const opts: ScoreOptions = { E, gamma };
      return {
        id: c.id,
        tse: fin(scoreAt(c, "tse", T, opts)),
        tse_e: fin(scoreAt(c, "tse-e", T, opts)),
        tse_ema: fin(scoreAt(c, "tse-ema", T, opts)),
        val_loss: fin(scoreAt(c, "val-loss", T, opts)),
        lcfit: fin(lcfitScore(c, T, "slope")),
      };
    };
    let chosen = set.trials[0];
    if (f.trial !== undefined) {
      const found = set.trials.find((t) => t.id === f.trial);
      if (!found) throw new UsageError(`--trial ${f.trial} is not in ${file} (it has ${set.trials.slice(0, 5).map((t) => t.id).join(", ")}${set.trials.length > 5 ? ", …" : ""})`, formatUsage(spec));
      chosen = found;
    } else if (set.trials.length > 1 && !f.all) {
      throw new UsageError(`${file} holds ${set.trials.length} trials; pick one with --trial ID (e.g. ${set.trials[0].id}) or score all with --all`, formatUsage(spec));
    }
    const trials = f.all ? set.trials.map((c) => (throwIfAborted(ctx.signal), rowOf(c))) : undefined;
    const row = f.all && f.trial === undefined ? null : rowOf(chosen);
    if (power) energy = scoreEnergy(power, set.totalEpochs, null);
    value = {
      mode,
      log: file,
      epoch: T,
      E,
      gamma,
      trial_id: row?.id ?? null,
      tse: row?.tse ?? null,
      tse_e: row?.tse_e ?? null,
      tse_ema: row?.tse_ema ?? null,
      val_loss: row?.val_loss ?? null,
      lcfit: row?.lcfit ?? null,
      steps_per_epoch: null,
      T_end: set.totalEpochs,
      energy,
      notes,
    };
    if (trials) value.trials = trials;
  }
  const rows: [string, string][] = [
    ["mode", mode === "litmatter" ? `litmatter (0-based epoch T = ${T}, B = ${value.steps_per_epoch})` : `paper (T = ${T} epochs)`],
    ["trial", value.trial_id ?? (value.trials ? `${value.trials.length} trials` : "")],
    ["TSE", num(value.tse, 10)],
    [`TSE-E (E = ${E})`, num(value.tse_e, 10)],
    [`TSE-EMA (γ = ${gamma})`, num(value.tse_ema, 10)],
  ];
  if (mode === "paper") rows.push(["val loss at T", num(value.val_loss)], ["LCGA slope", num(value.lcfit)]);
  if (energy) rows.push(["energy", `${num(energy.total_kJ, 6)} kJ total, ${num(energy.per_epoch_kJ, 6)} kJ/epoch`], ["energy source", energy.source]);
  const text = textTable(["", ""], rows) + (value.trials ? `\n\n${textTable(["trial", "tse", "tse_e", "tse_ema", "val_loss", "lcfit"], value.trials.map((r) => [r.id, r.tse, r.tse_e, r.tse_ema, r.val_loss, r.lcfit]))}` : "");
  const html =
    htmlTable(["", ""], rows, { caption: `TSE of ${path.basename(file)}` }) +
    (value.trials ? htmlTable(["trial", "tse", "tse_e", "tse_ema", "val_loss", "lcfit"], value.trials.map((r) => [r.id, r.tse, r.tse_e, r.tse_ema, r.val_loss, r.lcfit]), { maxRows: 200 }) : "");
  return { value, typeName: "TpeScoreResult", text, bundle: makeBundle({ html, text }) };
}

// ---------------------------------------------------------------------------------------------
// %tpe sweep

async function runSweep(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<TpeSweepResult>> {
  const spec = SWEEP_SPEC;
  const f = args.flags;
  const budgets = f.budgets as number[];
  for (const b of budgets) if (!(b > 0 && b <= 1)) throw new UsageError(`--budgets: each fraction must be in (0, 1] but got ${b}`, formatUsage(spec));
  const keeps = (f.keeps as string[]).map((k) => {
    try {
      return parseKeep(k);
    } catch (e) {
      throw new UsageError(`--keeps: ${(e as Error).message}`, formatUsage(spec));
    }
  });
  const scores = f.scores as string[];
  for (const s of scores) if (!SCORE_NAMES.includes(s as ScoreName)) throw new UsageError(`--scores: unknown score ${JSON.stringify(s)}; scores are ${SCORE_NAMES.join(", ")}`, formatUsage(spec));
  if (!budgets.length || !keeps.length || !scores.length) throw new UsageError("--budgets, --keeps and --scores each need at least one value", formatUsage(spec));
  const opts = scoreOptions(spec, f);
  const set = await loadCurves(spec, f, ctx);
  const plan = await loadEnergy(spec, f, set, ctx);
  const scored = [];
  let statuses: RunStatus[] = [];
  for (const [i, s] of scores.entries()) {
    throwIfAborted(ctx.signal);
    ctx.progress(`scoring by ${s}`, i / scores.length);
    const built = trialsFromCurves(set, s as ScoreName, opts, plan, { signal: ctx.signal });
    statuses = built.statuses;
    scored.push({ score: s, trials: built.trials });
  }
  const { points, skipped } = sweepTpe(scored, set.totalEpochs, budgets, keeps, (done, total) => {
    if (done % 25 === 0) {
      throwIfAborted(ctx.signal);
      ctx.progress("sweeping", done / total);
    }
  });
  const maxRegret = f["max-regret"] as number;
  const best = bestSetting(points, maxRegret);
  const frontier = points.filter((p) => p.pareto).sort((a, b) => b.energy_saved_fraction - a.energy_saved_fraction || (a.regret ?? Infinity) - (b.regret ?? Infinity));
  const value: TpeSweepResult = {
    curves: set.source,
    n_trials: set.trials.length,
    total_epochs: set.totalEpochs,
    energy_unit: plan.unit,
    energy_source: plan.source,
    points,
    frontier,
    best,
    max_regret: maxRegret,
    skipped,
    problems: problemsOf(statuses),
    notes: set.notes,
  };

  // Payload: the best setting's decision on its score's trials, with the whole sweep attached.
  const show = best ?? frontier[0] ?? points[0];
  const showTrials = scored.find((s) => s.score === show.score)?.trials ?? scored[0].trials;
  const decision = replayTpe(showTrials, set.totalEpochs, show.budget_fraction, { count: show.keep });
  const title =
    (f.title as string | undefined) ??
    `TPE sweep: ${points.length} settings on ${set.trials.length} trials` +
      (best ? `; best with regret ≤ ${maxRegret}: ${best.score} f=${best.budget_fraction} k=${best.keep} saves ${pct(best.energy_saved_fraction)}` : "");
  const payload: TpePayload = {
    schema_version: 1,
    kind: "tpe",
    title,
    score: show.score,
    total_epochs: set.totalEpochs,
    energy: { unit: plan.unit, source: plan.source, measured: plan.measured },
    trials: showTrials.map(trialForDisplay),
    decision,
    sweep: points.map(({ budget_fraction, keep, score, energy_saved_fraction, regret, spearman, pareto }) => ({
      budget_fraction,
      keep,
      score,
      energy_saved_fraction,
      regret,
      spearman,
      pareto,
    })),
  };
  const byScore = new Map<string, SweepPoint[]>();
  for (const p of points) byScore.set(p.score, [...(byScore.get(p.score) ?? []), p]);
  const plotly = {
    data: [
      ...[...byScore].map(([s, ps]) => ({
        type: "scatter",
        mode: "markers",
        name: s,
        x: ps.map((p) => p.energy_saved_fraction),
        y: ps.map((p) => p.regret),
        text: ps.map((p) => `${s}: f=${p.budget_fraction} (T=${p.budget_epoch}), k=${p.keep}, ρ=${num(p.spearman, 3)}`),
        hoverinfo: "text+x+y",
      })),
      {
        type: "scatter",
        mode: "lines",
        name: "frontier",
        x: frontier.map((p) => p.energy_saved_fraction),
        y: frontier.map((p) => p.regret),
        line: { color: "black", dash: "dot" },
      },
    ],
    layout: {
      title: { text: title },
      xaxis: { title: { text: `energy saved (fraction; ${plan.unit})` }, range: [0, 1] },
      yaxis: { title: { text: "regret (final validation loss − best)" } },
      hovermode: "closest",
    },
  };
  const cols = ["score", "f", "T", "k", "energy saved", "regret", "Spearman", "Kendall", "best survived"];
  const rowsOf = (ps: SweepPoint[]) =>
    ps.map((p) => [p.score, p.budget_fraction, p.budget_epoch, p.keep, pct(p.energy_saved_fraction), num(p.regret), num(p.spearman, 3), num(p.kendall, 3), p.best_survived ? "yes" : "no"]);
  const head = best
    ? `Best with regret ≤ ${maxRegret}: ${best.score}, f = ${best.budget_fraction} (epoch ${best.budget_epoch}), keep ${best.keep}: ${pct(best.energy_saved_fraction)} energy saved`
    : `No setting reaches regret ≤ ${maxRegret}`;
  const text = `${title}\n${head}\nEnergy: ${plan.source}\n\nFrontier (energy saved vs regret):\n${textTable(cols, rowsOf(frontier))}`;
  const html = `<p>${escapeHtml(head)}</p><p>Energy: ${escapeHtml(plan.source)}</p>${htmlTable(cols, rowsOf(frontier), { caption: "Frontier: energy saved vs regret" })}`;
  return { value, typeName: "TpeSweepResult", text, bundle: makeBundle({ payload, plotly, html, text }) };
}

// ---------------------------------------------------------------------------------------------

/** The %tpe commands; a plain array so that further commands (e.g. `tpe run`) can be appended. */
export const tpeCommands: MagicCommand[] = [
  { spec: REPLAY_SPEC, run: runReplay },
  { spec: SCORE_SPEC, run: runScore },
  { spec: SWEEP_SPEC, run: runSweep },
];

export const tpeMagic: Magic & { commands: MagicCommand[] } = {
  name: "tpe",
  summary: "training performance estimation: score early training loss, stop the slow learners, save energy",
  commands: tpeCommands,
};

export { MIME_TPE };
