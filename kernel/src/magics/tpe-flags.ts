/**
 * The stopping-policy and score flags that `%tpe replay` and `%tpe run` share, with one meaning
 * (the policy itself is ../tpe/policy.ts). Older spellings stay as aliases.
 */
import {
  DEFAULT_E,
  DEFAULT_GAMMA,
  DEFAULT_POLICY,
  keepCount,
  LCFIT_MIN_POINTS,
  parseKeep,
  SCORE_HELP,
  SCORE_NAMES,
  STOP_POLICIES,
  stopSchedule,
  type PolicyOptions,
  type ScoreName,
  type StopPolicy,
} from "../tpe";
import type { FlagSpec, ParsedArgs } from "./options";

/** --score, --window, --gamma. */
export const SCORE_FLAGS: FlagSpec[] = [
  {
    name: "score",
    type: "string",
    default: "tse",
    choices: SCORE_NAMES,
    help: `ranking score, lower is better: ${SCORE_NAMES.map((s) => `${s}: ${SCORE_HELP[s]}`).join("; ")}`,
  },
  { name: "window", type: "int", default: DEFAULT_E, min: 1, metavar: "E", help: "TSE-E window E, in epochs" },
  { name: "gamma", type: "number", default: DEFAULT_GAMMA, metavar: "γ", help: "TSE-EMA decay γ in (0, 1] per epoch" },
];

/** --policy, --budget, --keep, --min-epochs, --reduction-factor and the score flags. */
export const POLICY_FLAGS: FlagSpec[] = [
  {
    name: "policy",
    aliases: ["method"],
    type: "string",
    default: DEFAULT_POLICY.policy,
    choices: STOP_POLICIES,
    help: "tpe: train all to F of the epochs, finish the K best; sh: successive halving on the score; none: every trial to the end",
  },
  { name: "budget", type: "number", default: DEFAULT_POLICY.budget, metavar: "F", help: "tpe: fraction in (0, 1] of the epochs every trial trains before the decision" },
  {
    name: "keep",
    type: "string",
    default: String(DEFAULT_POLICY.keep),
    metavar: "K",
    help: "tpe: trials finished; sh: fewest that go on at a rung. A count (3), a fraction (0.1) or a percentage (10%) of the trials",
  },
  { name: "min-epochs", type: "int", default: DEFAULT_POLICY.minEpochs, min: 1, metavar: "R", help: "sh: epochs before the first rung r0; rungs at round(R·η^i) below the last epoch" },
  {
    name: "reduction-factor",
    aliases: ["eta"],
    type: "number",
    default: DEFAULT_POLICY.reductionFactor,
    min: 2,
    metavar: "η",
    help: "sh: the best max(K, ⌊n/η⌋) of the n trials at a rung go on",
  },
  ...SCORE_FLAGS,
];

/** One paragraph for the commands' descriptions. */
export const POLICY_HELP =
  "Policies: tpe trains every trial to epoch T = round(F · T_end), keeps the K lowest scores and finishes those. " +
  "sh (successive halving, Optuna/ASHA convention) holds rungs at round(R · η^i) below T_end; at each, the best max(K, ⌊n/η⌋) " +
  "of the n trials that reached it go on (n planned from the number of trials); rungs stop once K or fewer remain. " +
  "none runs every trial to the end. Trials without a finite score at a rung are never kept.";

/**
 * The policy options from the flags for N trials. A RangeError names the flag; the dispatcher
 * shows it with the command's usage.
 */
export function policyFromFlags(flags: ParsedArgs["flags"], nTrials: number, where = ""): PolicyOptions {
  const policy = flags.policy as StopPolicy;
  const budget = flags.budget as number;
  if (policy === "tpe" && !(budget > 0 && budget <= 1)) throw new RangeError(`--budget must be a fraction in (0, 1] of the epoch budget but got ${budget}`);
  let keep = DEFAULT_POLICY.keep;
  if (policy !== "none") {
    const text = flags.keep as string;
    let spec;
    try {
      spec = parseKeep(text);
    } catch (e) {
      throw new RangeError(`--keep: ${(e as Error).message}`);
    }
    try {
      keep = keepCount(spec, nTrials);
    } catch (e) {
      throw new RangeError(`--keep ${text}: ${(e as Error).message}${where ? ` in ${where}` : ""}`);
    }
  }
  return { policy, budget, keep, minEpochs: flags["min-epochs"] as number, reductionFactor: flags["reduction-factor"] as number };
}

/**
 * lcfit and lcfit-final fit a curve to at least LCFIT_MIN_POINTS losses. Without step losses (a
 * live run has none) a first rung before that epoch scores no trial, and the rung would stop
 * every one: RangeError naming the flag to raise, for `%tpe run` and `%tpe replay` alike.
 */
export function checkScoreAtFirstRung(score: ScoreName, policy: PolicyOptions, totalEpochs: number, nTrials: number, stepLosses = false): void {
  if (!score.startsWith("lcfit") || stepLosses) return;
  const first = stopSchedule(policy, totalEpochs, nTrials)[0];
  if (first === undefined || first.epoch >= LCFIT_MIN_POINTS) return;
  const fix =
    totalEpochs <= LCFIT_MIN_POINTS
      ? `runs of ${totalEpochs} epochs are too short for it; use another --score`
      : policy.policy === "sh"
        ? `raise --min-epochs to ${LCFIT_MIN_POINTS} or more`
        : `raise --budget to ${+(LCFIT_MIN_POINTS / totalEpochs).toPrecision(3)} or more (epoch ${LCFIT_MIN_POINTS} of ${totalEpochs})`;
  throw new RangeError(`--score ${score} fits a curve to at least ${LCFIT_MIN_POINTS} epoch losses but the first rung is at epoch ${first.epoch}: ${fix}`);
}

/** A note naming the flags given that the policy does not read (none when all are read). */
export function unusedPolicyNotes(flags: ParsedArgs["flags"], policy: StopPolicy): string[] {
  const d = DEFAULT_POLICY;
  const unused: string[] = [];
  if (policy !== "tpe" && flags.budget !== d.budget) unused.push("--budget");
  if (policy === "none" && flags.keep !== String(d.keep)) unused.push("--keep");
  if (policy !== "sh" && flags["min-epochs"] !== d.minEpochs) unused.push("--min-epochs");
  if (policy !== "sh" && flags["reduction-factor"] !== d.reductionFactor) unused.push("--reduction-factor");
  return unused.length ? [`${unused.join(" and ")} ignored by --policy ${policy}`] : [];
}

/** --window and --gamma as score options. */
export function scoreOptionsFromFlags(flags: ParsedArgs["flags"]): { score: ScoreName; E: number; gamma: number } {
  const gamma = flags.gamma as number;
  if (!(gamma > 0 && gamma <= 1)) throw new RangeError(`--gamma must be in (0, 1] but got ${gamma}`);
  return { score: flags.score as ScoreName, E: flags.window as number, gamma };
}
