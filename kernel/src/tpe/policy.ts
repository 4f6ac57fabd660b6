/**
 * The stopping policy of replays and live runs: one rung schedule, one promotion rule. A rung is
 * an epoch at which every surviving trial is ranked by its score and only the best go on.
 *
 *   tpe  one rung at T = max(1, round(f · T_end)) that keeps exactly K (Frey et al.'s TPE).
 *   sh   successive halving as Optuna's SuccessiveHalvingPruner and Ray Tune's ASHA count it:
 *        rungs at r_i = round(r0 · η^i) below T_end; at each the best max(K, ⌊n/η⌋) of the
 *        n that entered go on (K = 1 is Optuna's rule). Rungs stop once K or fewer are left,
 *        since such a rung could stop nobody. The counts n are planned from the number of
 *        trials, so a trial that fails early frees its place instead of shrinking later rungs.
 *   none every trial runs to the end.
 *
 * Ranking is greenai-common's keepBest: lowest finite score first, ties by id. Pure.
 */
import { budgetEpoch } from "greenai-common";

export const STOP_POLICIES = ["tpe", "sh", "none"] as const;
export type StopPolicy = (typeof STOP_POLICIES)[number];

export interface PolicyOptions {
  policy: StopPolicy;
  /** tpe: fraction f ∈ (0, 1] of the epochs every trial trains before the decision. */
  budget: number;
  /** tpe: trials finished; sh: fewest trials that go on at a rung (≥ 1). */
  keep: number;
  /** sh: epochs r0 before the first rung (≥ 1, below T_end). */
  minEpochs: number;
  /** sh: reduction factor η ≥ 2. */
  reductionFactor: number;
}

/** Defaults of both `%tpe replay` and `%tpe run` (Optuna's reduction factor 4, ASHA's grace period 1). */
export const DEFAULT_POLICY: PolicyOptions = { policy: "tpe", budget: 0.2, keep: 1, minEpochs: 1, reductionFactor: 4 };

/** One decision point: the epoch (1-based) at which survivors are ranked and how many go on. */
export interface Rung {
  epoch: number;
  keep: number;
}

/** Checks the options for N trials of T_end epochs; RangeError naming the option otherwise. */
export function checkPolicy(opts: PolicyOptions, totalEpochs: number, nTrials: number): void {
  if (!STOP_POLICIES.includes(opts.policy)) throw new RangeError(`policy must be one of ${STOP_POLICIES.join(", ")} but got ${opts.policy}`);
  if (!Number.isInteger(totalEpochs) || totalEpochs < 1) throw new RangeError(`total epochs must be an integer ≥ 1 but got ${totalEpochs}`);
  if (!Number.isInteger(nTrials) || nTrials < 1) throw new RangeError(`there must be at least one trial but got ${nTrials}`);
  if (opts.policy === "none") return;
  if (!Number.isInteger(opts.keep) || opts.keep < 1) throw new RangeError(`keep must be an integer ≥ 1 but got ${opts.keep}`);
  if (opts.keep > nTrials) throw new RangeError(`keep (${opts.keep}) is larger than the number of trials (${nTrials})`);
  if (opts.policy === "tpe") {
    if (!(opts.budget > 0 && opts.budget <= 1)) throw new RangeError(`budget fraction must be in (0, 1] but got ${opts.budget}`);
    return;
  }
  const { minEpochs, reductionFactor } = opts;
  if (!Number.isInteger(minEpochs) || minEpochs < 1) throw new RangeError(`minEpochs must be an integer ≥ 1 but got ${minEpochs}`);
  if (!(reductionFactor >= 2) || !Number.isFinite(reductionFactor)) throw new RangeError(`reductionFactor must be ≥ 2 but got ${reductionFactor}`);
  if (minEpochs >= totalEpochs) throw new RangeError(`minEpochs (${minEpochs}) must be below the total epochs (${totalEpochs})`);
}

/** The rungs of a policy for N trials of T_end epochs (see the module comment). */
export function stopSchedule(opts: PolicyOptions, totalEpochs: number, nTrials: number): Rung[] {
  checkPolicy(opts, totalEpochs, nTrials);
  if (opts.policy === "none") return [];
  if (opts.policy === "tpe") {
    const T = budgetEpoch(opts.budget, totalEpochs);
    return T < totalEpochs && opts.keep < nTrials ? [{ epoch: T, keep: opts.keep }] : [];
  }
  const rungs: Rung[] = [];
  let entering = nTrials;
  // η ≥ 2 and r0 ≥ 1 make the rounded epochs strictly increasing
  for (let i = 0; entering > opts.keep; i++) {
    const epoch = Math.round(opts.minEpochs * Math.pow(opts.reductionFactor, i));
    if (epoch >= totalEpochs) break;
    entering = Math.max(opts.keep, Math.floor(entering / opts.reductionFactor));
    rungs.push({ epoch, keep: entering });
  }
  return rungs;
}

/** Epochs the schedule runs when nothing fails: N·r₀ + Σ kᵢ·(rᵢ₊₁ − rᵢ), with r_last+1 = T_end. */
export function plannedEpochs(rungs: readonly Rung[], trials: number, totalEpochs: number): number {
  if (rungs.length === 0) return trials * totalEpochs;
  let e = trials * rungs[0].epoch;
  rungs.forEach((r, i) => (e += r.keep * ((rungs[i + 1]?.epoch ?? totalEpochs) - r.epoch)));
  return e;
}
