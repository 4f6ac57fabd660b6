/** The `ribbon` payload (greenai-common's RibbonPayload) of a search, a comparison or a whole grid. */
import type { RibbonPayload } from "greenai-common";
import { round4, type PoolGrid } from "./catalogue";
import type { HomogeneousPoint } from "./baselines";
import type { RibbonProblem } from "./problem";
import type { EvaluatedPool } from "./session";

export interface RibbonPayloadParts {
  title: string;
  /** e.g. "faithful", "improved", "exhaustive". */
  method: string;
  stopReason: string;
  /** Feasible iff rate ≥ this, %. */
  targetRate: number;
  /** Evaluated pools in order (none for a whole grid). */
  evaluations: readonly EvaluatedPool[];
  best: { pool: number[]; price: number; rate: number } | null;
  /** One entry per type; null entries (no feasible count) are left out. */
  homogeneous: readonly (HomogeneousPoint | null)[];
  /** Rate of every pool by grid index, drawn faintly; omit when unknown. */
  gridRates?: ArrayLike<number>;
}

/** Builds the payload; prices in $/h rounded to 4 decimals. */
export function ribbonPayload(problem: RibbonProblem, grid: PoolGrid, parts: RibbonPayloadParts): RibbonPayload {
  const { space, workload } = problem;
  const p: RibbonPayload = {
    schema_version: 1,
    kind: "ribbon",
    title: parts.title,
    model: space.model,
    instance_types: [...space.types],
    prices_per_hour: [...space.pricesPerHour],
    qos_ms: workload.qosMs,
    target_rate: parts.targetRate,
    method: parts.method,
    stop_reason: parts.stopReason,
    evaluations: parts.evaluations.map((e) => ({ order: e.order, pool: e.pool, price_per_hour: round4(e.price), rate: e.rate, p99_ms: e.p99Ms, feasible: e.feasible })),
    best: parts.best ? { pool: parts.best.pool, price_per_hour: round4(parts.best.price), rate: parts.best.rate } : null,
    homogeneous: parts.homogeneous
      .filter((h): h is HomogeneousPoint => h !== null)
      .map((h) => ({ instance_type: h.type, pool: h.pool, price_per_hour: round4(h.price), rate: h.rate })),
  };
  if (parts.gridRates) {
    const rates = parts.gridRates;
    p.grid = [];
    for (let i = 0; i < grid.size; i++) p.grid.push({ pool: grid.pool(i), price_per_hour: round4(grid.price[i]), rate: rates[i] });
  }
  return p;
}
