/**
 * Warm start: which observations of an earlier search still count after the load, the QoS
 * latency or the target rate changed, handed to the next search as KnownPool[] (known.ts).
 * Pure: conditions and observations in, known pools and the reasons out.
 *
 * What holds, for the simulator on one seed (workload.ts, simulator.ts):
 * - Same trace, same QoS latency (only the target rate changed, or nothing): every query's latency is
 *   the same, so the rate is the same number; feasibility against the new target is exact.
 * - Same trace, other QoS latency: latencies do not depend on the QoS latency (one FIFO queue, no
 *   drops), so the rate can only rise when the QoS latency rises and only fall when it falls: exact.
 *   The smallest QoS latency that meets the target (qosToMeetMs, recorded by the simulator) decides
 *   feasibility under any QoS latency, both ways; without it the stored p99 decides more
 *   (`feasibilityFromP99`), but only one way: see there.
 * - Other load (mean gap): arrivals come from one uniform stream by inversion, so a smaller mean gap
 *   moves every arrival earlier with the same sizes and service draws. Each query then waits at
 *   least as long, except where pool-order dispatch sends it to another instance type: an infeasible
 *   pool stays infeasible under a higher load and a feasible one stays feasible under a lower load,
 *   as nearly as adding an instance never lowers the rate (the search's own pruning assumption).
 * Conditions that move in opposite directions (more load but a looser QoS) tell nothing.
 */
import { GreenaiError } from "../errors";
import type { PoolGrid } from "./catalogue";
import { formatPool } from "./catalogue";
import type { TransferredPools } from "./capacity";
import type { KnownPool } from "./known";
import { decidingOrderStatistic } from "./simulator";

/** Where an earlier search's rates came from; observations carry over only within one source. */
export type RateSource =
  /** The serving simulator: one query trace per seed, queries and mix; dispatch changes the rates. */
  | { kind: "simulator"; seed: number; queries: number; dispatch: string; mix: string }
  /** A lookup table: its rates do not depend on --mean-gap or --qos. */
  | { kind: "lookup"; file: string }
  /** A user command, assumed to measure the pool under the stated mean gap and QoS latency. */
  | { kind: "command"; command: string };

/** The conditions a search ran under: what decides whether its observations still hold. */
export interface SearchConditions {
  model: string;
  instanceTypes: readonly string[];
  maxCounts: readonly number[];
  /** Mean gap between arrivals, ms (1000 / load in queries/s). */
  meanGapMs: number;
  /** QoS latency, ms. */
  qosMs: number;
  /** Feasible iff rate ≥ targetRate (%). */
  targetRate: number;
  source: RateSource;
}

/** One pool of an earlier search with what was measured there. */
export interface PreviousObservation {
  pool: readonly number[];
  /** QoS rate (%) under the earlier conditions. */
  rate: number;
  /** p99 latency (ms) under the earlier conditions, when measured. */
  p99Ms: number | null;
  /**
   * The smallest QoS latency (ms) at which the pool met the earlier target rate on the earlier trace
   * (the simulator's qosToMeetMs), when recorded; absent in older results, lookups and commands.
   */
  qosToMeetMs?: number | null;
}

/** What a warm start hands to the search, and why. */
export interface WarmStart {
  known: KnownPool[];
  /** Observations that no longer count, with why (same order as given). */
  dropped: { pool: number[]; reason: string }[];
  /** What changed between the searches, one phrase (e.g. "load +20% (mean gap 3 → 2.5 ms)"). */
  change: string;
}

/** The earlier search cannot seed this one (other model, pool types or rate source). */
export class WarmStartError extends GreenaiError {
  override name = "WarmStartError";
}

/** How one condition moved: "harder" lowers every rate, "easier" raises it. */
type Direction = "same" | "harder" | "easier";

const direction = (before: number, after: number, harderWhenSmaller: boolean): Direction =>
  before === after ? "same" : after < before === harderWhenSmaller ? "harder" : "easier";

/** Direction of the rates under a change of load and QoS latency; "mixed" when they disagree. */
function overall(parts: Direction[]): Direction | "mixed" {
  const moved = parts.filter((p) => p !== "same");
  if (moved.length === 0) return "same";
  return moved.every((p) => p === moved[0]) ? moved[0] : "mixed";
}

const fmtMs = (x: number) => `${Number(x.toPrecision(6))} ms`;

function sourceText(s: RateSource): string {
  if (s.kind === "simulator") return `the simulator (seed ${s.seed}, ${s.queries} queries, ${s.dispatch} dispatch, ${s.mix} mix)`;
  if (s.kind === "lookup") return `lookup table ${s.file}`;
  return `command ${JSON.stringify(s.command)}`;
}

/** Throws WarmStartError unless the two searches measured the same kind of pools from the same source. */
export function checkComparable(before: SearchConditions, now: SearchConditions): void {
  const what = "--warm-start";
  if (before.model !== now.model) throw new WarmStartError(`${what}: the earlier search is of model ${before.model}, this one of ${now.model}; warm-start from a search of the same model`);
  if (before.instanceTypes.join(",") !== now.instanceTypes.join(",")) {
    throw new WarmStartError(`${what}: the earlier search used instance types ${before.instanceTypes.join(", ")}, this one ${now.instanceTypes.join(", ")}; give the same --types in the same order`);
  }
  if (sourceText(before.source) !== sourceText(now.source)) {
    throw new WarmStartError(
      `${what}: the earlier search measured pools with ${sourceText(before.source)}, this one with ${sourceText(now.source)}; rates carry over only from the same source (same --sim-seed, --queries, --dispatch and --mix, or the same --lookup or --command)`,
    );
  }
}

/**
 * Feasibility under QoS latency `qosMs` from the p99 stored on the same trace, or undefined when it
 * does not decide. p99 is numpy's linear interpolation between the order statistics lo = ⌊0.99(n−1)⌋
 * and lo + 1 of whole-ms latencies, so latency_(lo) ≤ ⌊p99⌋ and latency_(lo+1) ≥ ⌈p99⌉. With k the
 * deciding order statistic: k ≤ lo and ⌊p99⌋ ≤ QoS ⇒ feasible; k ≥ lo + 1 and ⌈p99⌉ > QoS ⇒ infeasible.
 * At 99% the rounding of the rate puts k just below lo (n = 25,000: k = 24,748, lo = 24,749), so
 * "p99 ≤ QoS ⇔ rate ≥ 99%" holds one way only: p99 ≤ QoS proves feasible; p99 > QoS proves nothing.
 */
export function feasibilityFromP99(p99Ms: number, qosMs: number, queries: number, targetRate: number): boolean | undefined {
  if (!Number.isFinite(p99Ms)) return undefined;
  const k = decidingOrderStatistic(queries, targetRate);
  if (k < 0) return true; // even no query met is enough
  const lo = Math.floor(0.99 * (queries - 1));
  if (k <= lo && Math.floor(p99Ms) <= qosMs) return true;
  if (k >= lo + 1 && Math.ceil(p99Ms) > qosMs) return false;
  return undefined;
}

/**
 * Feasibility under the new conditions from the smallest QoS latency that met the earlier target,
 * or undefined when it does not decide: it does on the same simulator trace (same load and
 * source) for the same target rate, under any QoS latency.
 */
function exactFeasibility(o: PreviousObservation, before: SearchConditions, now: SearchConditions): boolean | undefined {
  const q = o.qosToMeetMs;
  if (typeof q !== "number" || Number.isNaN(q) || now.source.kind !== "simulator") return undefined;
  if (before.meanGapMs !== now.meanGapMs || before.targetRate !== now.targetRate) return undefined;
  return q <= now.qosMs;
}

/** What changed, in words. */
export function describeChange(before: SearchConditions, now: SearchConditions): string {
  const parts: string[] = [];
  if (before.meanGapMs !== now.meanGapMs) {
    const pct = Math.round(100 * (before.meanGapMs / now.meanGapMs - 1));
    parts.push(`load ${pct >= 0 ? "+" : ""}${pct}% (mean gap ${fmtMs(before.meanGapMs)} → ${fmtMs(now.meanGapMs)})`);
  }
  if (before.qosMs !== now.qosMs) parts.push(`QoS ${fmtMs(before.qosMs)} → ${fmtMs(now.qosMs)}`);
  if (before.targetRate !== now.targetRate) parts.push(`target ${before.targetRate}% → ${now.targetRate}%`);
  if (before.maxCounts.join(",") !== now.maxCounts.join(",")) parts.push(`max counts ${formatPool(before.maxCounts)} → ${formatPool(now.maxCounts)}`);
  return parts.length ? parts.join(", ") : "nothing (same conditions)";
}

/**
 * Decides which earlier observations still count under the new conditions: each becomes a known
 * pool (with its rate when that is exact, else with its side of the target only) or is dropped with
 * the reason. Throws WarmStartError when the searches are not comparable (checkComparable).
 */
export function warmStart(grid: PoolGrid, before: SearchConditions, observations: readonly PreviousObservation[], now: SearchConditions): WarmStart {
  checkComparable(before, now);
  const target = now.targetRate;
  // A lookup table's rates do not depend on the load or the QoS latency given on the command line.
  const table = now.source.kind === "lookup";
  const load = table ? "same" : direction(before.meanGapMs, now.meanGapMs, true);
  const qos = table ? "same" : direction(before.qosMs, now.qosMs, true);
  const rates = overall([load, qos]);
  const sameTrace = load === "same" && now.source.kind !== "command";
  const queries = now.source.kind === "simulator" ? now.source.queries : 0;
  const at = table ? "in the same table" : `at mean gap ${fmtMs(before.meanGapMs)}, QoS ${fmtMs(before.qosMs)}`;

  const known: KnownPool[] = [];
  const dropped: WarmStart["dropped"] = [];
  const seen = new Set<number>();
  for (const o of observations) {
    const pool = [...o.pool];
    const was = `${o.rate}% ${at}`;
    const drop = (reason: string) => dropped.push({ pool, reason: `${was}: ${reason}` });
    if (pool.length !== grid.dims || pool.some((c, j) => !(Number.isInteger(c) && c >= 0 && c <= grid.space.maxCounts[j])) || pool.every((c) => c === 0)) {
      drop(`outside this grid (up to ${formatPool(grid.space.maxCounts)})`);
      continue;
    }
    const index = grid.indexOf(pool);
    if (seen.has(index)) continue; // a search never evaluates a pool twice; a hand-edited file might
    seen.add(index);
    const push = (feasible: boolean, reason: string, rate?: number) => known.push(rate === undefined ? { index, feasible, reason: `${was}: ${reason}` } : { index, feasible, rate, reason: `${was}: ${reason}` });

    if (rates === "same") {
      push(o.rate >= target, "same load and QoS, so the same rate", o.rate);
      continue;
    }
    const exact = exactFeasibility(o, before, now);
    if (exact !== undefined) {
      const reason = `meets the target from QoS ${fmtMs(o.qosToMeetMs as number)} on the same trace, ${exact ? "≤" : ">"} ${fmtMs(now.qosMs)}`;
      if (exact) push(true, reason);
      else {
        // Its rate is below the target by an unknown amount (at most its earlier one under a tighter
        // QoS): it prunes only as far as that bound allows, as rates are not quite monotone in the pool.
        const below = Math.round(100 * target - 1) / 100;
        known.push({ index, feasible: false, rateAtMost: qos === "harder" ? Math.min(o.rate, below) : below, reason: `${was}: ${reason}` });
      }
      continue;
    }
    if (sameTrace && o.p99Ms !== null && queries > 0) {
      const f = feasibilityFromP99(o.p99Ms, now.qosMs, queries, target);
      if (f !== undefined) {
        push(f, `p99 ${fmtMs(o.p99Ms)} on the same trace ${f ? "≤" : ">"} QoS ${fmtMs(now.qosMs)}`);
        continue;
      }
    }
    const why = load === "same" ? (qos === "harder" ? "a tighter QoS" : "a looser QoS") : rates === "mixed" ? "" : `a ${load === "harder" ? "higher" : load === "easier" ? "lower" : "same"} load${qos === "same" ? "" : qos === "harder" ? " and a tighter QoS" : " and a looser QoS"}`;
    if (rates === "harder" && o.rate < target) push(false, `infeasible stays infeasible under ${why}`);
    else if (rates === "easier" && o.rate >= target) push(true, `feasible stays feasible under ${why}`);
    else if (rates === "mixed") drop("load and QoS moved in opposite directions, so the rate may move either way");
    else drop(`${o.rate >= target ? "feasible" : "infeasible"} under ${why} may change side`);
  }
  return { known, dropped, change: describeChange(before, now) };
}

/** Rate points below the earlier target within which an infeasible pool may turn feasible when the QoS latency or the target eases. */
export const TRANSFER_NEAR_POINTS = 3;
/** Weight of a transferred pool after a QoS latency or target change (one shift approximates it only); 1 after a load change alone. */
export const TRANSFER_QOS_WEIGHT = 0.3;

/**
 * An earlier search's observations as transferred pools for the capacity classifier (capacity.ts):
 * each labelled feasible or not against the earlier target, with the earlier conditions' load
 * shares `capacityBefore`, so that a load change moves them by their capacity margin. When the QoS
 * latency or the target eases, an infeasible pool within TRANSFER_NEAR_POINTS of the earlier target
 * was held back by the QoS latency rather than by capacity and may have become feasible, so it is
 * left out. The rest keep their side up to the classifier's shift, which also covers a tighter QoS
 * (measured: leaving out feasible pools near the target there cost more evaluations, vgg 1 → 40).
 * After a QoS or target change each transferred pool weighs TRANSFER_QOS_WEIGHT of an evaluation
 * (bench/ribbon-warm, 5 seeds: QoS +10% on candle 4 → 1, vgg 10 → 2 evaluations; weight 0.3 after
 * a load change too cost resnet's load rise 6 → 8, so a load change keeps weight 1).
 * An observation whose feasibility under the new conditions is exact (qosToMeetMs on the same
 * trace, see exactFeasibility) is labelled against the new QoS latency instead and marked exact:
 * full weight, no shift, and none left out; but only when the exact labels show both sides
 * (bench/ribbon-warm, 10 seeds: QoS +10% resnet 7 → 1, vgg 5 → 1; after candle's QoS −10% every
 * earlier pool can miss the new QoS, and all-infeasible exact labels took 7.5 → 175.5).
 * Throws WarmStartError when the searches are not comparable.
 */
export function transferredPools(grid: PoolGrid, before: SearchConditions, observations: readonly PreviousObservation[], now: SearchConditions, capacityBefore: readonly number[]): TransferredPools {
  checkComparable(before, now);
  const table = now.source.kind === "lookup";
  const qos = table ? "same" : direction(before.qosMs, now.qosMs, true);
  const t = before.targetRate;
  const eases = qos === "easier" || now.targetRate < t;
  const changed = qos !== "same" || now.targetRate !== t;
  const pools: number[] = [];
  const feasible: boolean[] = [];
  const exact: boolean[] = [];
  const inGrid = observations.filter((o) => o.pool.length === grid.dims && o.pool.every((c, j) => Number.isInteger(c) && c >= 0 && c <= grid.space.maxCounts[j]));
  const sides = changed ? inGrid.map((o) => exactFeasibility(o, before, now)) : [];
  // Exact labels only when they show both sides: one-sided ones (after a tighter QoS every earlier
  // pool may miss it) drag the intercept, while the earlier labels with the shift keep the boundary's shape.
  const useExact = sides.includes(true) && sides.includes(false);
  inGrid.forEach((o, i) => {
    const e = useExact ? sides[i] : undefined;
    const f = e ?? o.rate >= t;
    if (e === undefined && eases && !f && o.rate >= t - TRANSFER_NEAR_POINTS) return;
    pools.push(...o.pool);
    feasible.push(f);
    exact.push(e !== undefined);
  });
  const out: TransferredPools = { capacity: [...capacityBefore], pools, feasible, weight: changed ? TRANSFER_QOS_WEIGHT : 1 };
  if (exact.some((x) => x)) out.exact = exact;
  return out;
}
