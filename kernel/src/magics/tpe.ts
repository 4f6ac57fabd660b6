/**
 * `%tpe`: training performance estimation on recorded curves.
 *   %tpe replay  — train all to f of the budget, keep the k best by a score, finish those (or successive halving)
 *   %tpe score   — TSE / TSE-E / TSE-EMA of one log (paper form or litmatter-compatible)
 *   %tpe sweep   — many (f, k, score) settings at once and their energy-saved vs regret frontier
 * The adapter only parses flags, reads files and draws; the work is in ../tpe.
 */
import * as path from "path";
import { MIME_TPE } from "greenai-common";
import { num, presentTpe, replaySummary, sweepSummary, type SummaryTable } from "../display/tpe";
import { DataFormatError, throwIfAborted, UsageError } from "../errors";
import {
  checkE,
  checkGamma,
  curvesFromPath,
  DEFAULT_GAMMA,
  devicePowerModel,
  energyPlan,
  lightningLogFromFile,
  LITMATTER_GAMMA,
  litmatterScores,
  parseKeep,
  replayCurves,
  SCORE_NAMES,
  scoreLogEnergy,
  scoreRow,
  sweepCurves,
  trialEnergiesFromPowerLogs,
  type CurveFormat,
  type CurveSet,
  type EnergyPlan,
  type ScoreLogEnergy,
  type TpeReplayResult,
  type TpeScoreRow,
  type TpeSweepResult,
} from "../tpe";
import { powerLogFromFile, zeusPowerTableFromFile } from "../energy";
import { formatUsage, type CommandSpec, type FlagSpec, type ParsedArgs } from "./options";
import { checkScoreAtFirstRung, POLICY_FLAGS, POLICY_HELP, policyFromFlags, SCORE_FLAGS, scoreOptionsFromFlags, unusedPolicyNotes } from "./tpe-flags";
import type { Magic, MagicCommand, MagicContext, MagicResult } from "./types";

export type { TpeReplayResult, TpeRunProblem, TpeScoreRow, TpeSweepResult } from "../tpe";

// ---------------------------------------------------------------------------------------------
// Result types (exported from greenai-kernel so `--as NAME` gives a typed variable)

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

/** A scored log's measured energy: the core's ScoreLogEnergy, under the name the results use. */
export type TpeScoreEnergy = ScoreLogEnergy;

// ---------------------------------------------------------------------------------------------
// Flags

const CURVES_FLAGS: FlagSpec[] = [
  {
    name: "curves",
    type: "string",
    required: true,
    metavar: "PATH",
    help:
      "recorded curves: long CSV (run_id,epoch,train_loss,val_loss[,wall_time_s]), a Lightning metrics.csv or a folder of them, JSON lines, " +
      "or NAS-Bench-NLP's upstream log_stats_model_*.json files (its logs.zip, or a folder of them)",
  },
  { name: "format", type: "string", default: "auto", choices: ["auto", "long-csv", "lightning-csv", "jsonl", "nas-bench-nlp"], help: "curve file format" },
  { name: "epochs", type: "int", min: 1, metavar: "N", help: "full budget T_end in epochs (default: the longest run)" },
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
    "Replays a stopping policy on recorded curves. Energy saved = 1 − (energy the policy spends) / (every trial to the end); " +
    "the best final validation loss among the finished trials is chosen; regret is its distance to the true best. " +
    "Diverged runs (nan/inf) cost the epochs they ran, are listed and never chosen; a rung never keeps a run diverged by then. " +
    `${POLICY_HELP} %tpe run takes the same policy flags.`,
  flags: [...CURVES_FLAGS, ...POLICY_FLAGS, { name: "title", type: "string", metavar: "TEXT", help: "plot title" }],
  examples: [
    "%data path nas-bench-nlp-wikitext2 --as nas", "%tpe replay --curves $nas --budget 0.2 --keep 1 --score val-loss --as r",
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
    "greenai tpe score --log \"$(greenai data path litmatter-tpe-example)/metrics.csv\" --epoch 10 --mode litmatter --json",
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
    ...SCORE_FLAGS.filter((f) => f.name !== "score"),
    { name: "title", type: "string", metavar: "TEXT", help: "plot title" },
  ],
  examples: [
    "%tpe sweep --curves $nas --as s",
    "greenai tpe sweep --curves curves_long.csv --budgets 0.02,0.1,0.2 --keeps 1,3 --scores tse,val-loss --json",
  ],
};

// ---------------------------------------------------------------------------------------------
// Shared steps

function resolvePath(ctx: MagicContext, p: string): string {
  return path.resolve(ctx.cwd, p);
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
    const model = devicePowerModel(table.rows, { gpu: table.gpu, workload: flags.workload as string, powerLimitW: flags["power-limit"] as number | undefined, file });
    return energyPlan({ kind: "device-model", model });
  }
  if (flags["power-logs"] !== undefined) {
    const dir = resolvePath(ctx, flags["power-logs"] as string);
    const { perTrialJ, source } = await trialEnergiesFromPowerLogs(dir, set.trials, { maxGapS: flags["max-gap"] as number | undefined, signal: ctx.signal, progress: ctx.progress });
    return energyPlan({ kind: "measured", perTrialJ, source, measured: true });
  }
  return energyPlan({ kind: flags.energy === "wall" ? "wall" : "epochs" });
}

// ---------------------------------------------------------------------------------------------
// %tpe replay

async function runReplay(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<TpeReplayResult>> {
  const f = args.flags;
  const { score, E, gamma } = scoreOptionsFromFlags(f);
  const set = await loadCurves(REPLAY_SPEC, f, ctx);
  const policy = policyFromFlags(f, set.trials.length, set.source);
  checkScoreAtFirstRung(score, policy, set.totalEpochs, set.trials.length, set.trials.some((t) => t.stepLoss !== undefined));

  const plan = await loadEnergy(REPLAY_SPEC, f, set, ctx);
  throwIfAborted(ctx.signal);
  const { value, payload } = await replayCurves(
    { set, plan, signal: ctx.signal, progress: ctx.progress },
    { policy, score, scoreOptions: { E, gamma }, title: f.title as string | undefined, notes: unusedPolicyNotes(f, policy.policy) },
  );
  return { value, typeName: "TpeReplayResult", ...presentTpe(replaySummary(value, payload.title), payload) };
}

// ---------------------------------------------------------------------------------------------
// %tpe score

async function runScore(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<TpeScoreResult>> {
  const f = args.flags;
  const mode = f.mode as "paper" | "litmatter";
  const file = resolvePath(ctx, f.log as string);
  const T = f.epoch as number;
  const E = f.window as number;
  const gamma = (f.gamma as number | undefined) ?? (mode === "litmatter" ? LITMATTER_GAMMA : DEFAULT_GAMMA);
  checkE(E);
  checkGamma(gamma);
  const notes: string[] = [];
  let energy: TpeScoreEnergy | null = null;
  const power = f.power !== undefined ? await powerLogFromFile(resolvePath(ctx, f.power as string), ctx.signal) : null;
  if (power) notes.push(...power.notes);

  let value: TpeScoreResult;
  if (mode === "litmatter") {
    if (f.all) throw new RangeError("--all works in paper mode; litmatter mode scores one Lightning log");
    const log = await lightningLogFromFile(file, { trainColumn: f["train-col"] as string | undefined });
    notes.push(...log.notes);
    if (log.steps.length === 0) throw new DataFormatError(`${file}: no step-level training loss rows; litmatter mode needs train_loss_step (or --train-col)`);
    let s;
    try {
      s = litmatterScores(log.steps, T, { E, gamma });
    } catch (e) {
      throw new RangeError(`--epoch ${T}: ${(e as Error).message} (${file})`);
    }
    if (power) energy = scoreLogEnergy(power, s.T_end, s.steps);
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
    if (T < 1) throw new RangeError("--epoch must be ≥ 1 in paper mode (T counts epochs from 1)");
    const set = await curvesFromPath(file, {});
    notes.push(...set.notes);
    const rowOf = (c: CurveSet["trials"][number]) => scoreRow(c, T, { E, gamma });
    let chosen = set.trials[0];
    if (f.trial !== undefined) {
      const found = set.trials.find((t) => t.id === f.trial);
      if (!found) throw new RangeError(`--trial ${f.trial} is not in ${file} (it has ${set.trials.slice(0, 5).map((t) => t.id).join(", ")}${set.trials.length > 5 ? ", …" : ""})`);
      chosen = found;
    } else if (set.trials.length > 1 && !f.all) {
      throw new RangeError(`${file} holds ${set.trials.length} trials; pick one with --trial ID (e.g. ${set.trials[0].id}) or score all with --all`);
    }
    const trials = f.all ? set.trials.map((c) => (throwIfAborted(ctx.signal), rowOf(c))) : undefined;
    const row = f.all && f.trial === undefined ? null : rowOf(chosen);
    if (power) energy = scoreLogEnergy(power, set.totalEpochs, null);
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
  const tables: SummaryTable[] = value.trials
    ? [{ caption: "every trial", columns: ["trial", "tse", "tse_e", "tse_ema", "val_loss", "lcfit"], rows: value.trials.map((r) => [r.id, r.tse, r.tse_e, r.tse_ema, r.val_loss, r.lcfit]) }]
    : [];
  return { value, typeName: "TpeScoreResult", ...presentTpe({ title: `TSE of ${path.basename(file)}`, facts: rows, tables }) };
}

// ---------------------------------------------------------------------------------------------
// %tpe sweep

async function runSweep(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<TpeSweepResult>> {
  const f = args.flags;
  const budgets = f.budgets as number[];
  for (const b of budgets) if (!(b > 0 && b <= 1)) throw new RangeError(`--budgets: each fraction must be in (0, 1] but got ${b}`);
  const keeps = (f.keeps as string[]).map((k) => {
    try {
      return parseKeep(k);
    } catch (e) {
      throw new RangeError(`--keeps: ${(e as Error).message}`);
    }
  });
  const { E, gamma } = scoreOptionsFromFlags({ ...f, score: "tse" });
  const settings = { budgets, keeps, scores: f.scores as string[], scoreOptions: { E, gamma }, maxRegret: f["max-regret"] as number, title: f.title as string | undefined };
  const set = await loadCurves(SWEEP_SPEC, f, ctx);
  const plan = await loadEnergy(SWEEP_SPEC, f, set, ctx);
  const { value, payload } = await sweepCurves({ set, plan, signal: ctx.signal, progress: ctx.progress }, settings);
  return { value, typeName: "TpeSweepResult", ...presentTpe(sweepSummary(value, plan.source, payload.title), payload) };
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
