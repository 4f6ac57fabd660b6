/**
 * Warm start with the capacity prior (issue 12, short version of bench/ribbon-warm.bench.js): after
 * a ±20% load change or a ±10% QoS change, a search warm-started from the earlier search of the same
 * seed (known pools from warm-start.ts, and every earlier observation transferred to the capacity
 * classifier) reaches the new optimum in at most half the evaluations of a cold search, median over
 * 5 seeds, on the simulator (seed 0, 25,000 queries), on all five models, and finds it on every seed.
 * After a QoS change the earlier search's qosToMeetMs (the smallest QoS latency meeting the target on
 * the same trace) makes every earlier observation exact. The bench meets the target on 20 of 20
 * model × change cells (10 seeds). Also transferredPools' rules.
 */
import { capacityPerInstance } from "../../kernel/src/ribbon/capacity";
import { cheapestFeasible } from "../../kernel/src/ribbon/baselines";
import { PoolGrid, type PoolSpace } from "../../kernel/src/ribbon/catalogue";
import { SimulatorEvaluator } from "../../kernel/src/ribbon/evaluators";
import { ribbonProblemFromDir } from "../../kernel/src/ribbon/read";
import { ribbonSearch, type RibbonSearchResult } from "../../kernel/src/ribbon/search";
import { ServingSimulator } from "../../kernel/src/ribbon/simulator";
import { TRANSFER_NEAR_POINTS, TRANSFER_QOS_WEIGHT, transferredPools, warmStart, type SearchConditions } from "../../kernel/src/ribbon/warm-start";
import { describeWithData } from "../helpers/shared-data";

const SPACE: PoolSpace = { model: "toy", types: ["big", "mid", "small"], pricesPerHour: [1.0, 0.62, 0.35], maxCounts: [6, 7, 8] };
const toyGrid = new PoolGrid(SPACE);
const SIM = { kind: "simulator", seed: 0, queries: 25_000, dispatch: "pool-order", mix: "ribbon" } as const;
const before: SearchConditions = { model: "toy", instanceTypes: SPACE.types, maxCounts: SPACE.maxCounts, meanGapMs: 3, qosMs: 40, targetRate: 99, source: SIM };
const obs = [
  { pool: [6, 0, 2], rate: 99.3, p99Ms: 37.2 },
  { pool: [5, 0, 2], rate: 97.1, p99Ms: 55 },
  { pool: [2, 2, 2], rate: 60, p99Ms: 400 },
  { pool: [9, 0, 0], rate: 100, p99Ms: 10 },
];

describe("transferredPools", () => {
  const cap = [0.3, 0.2, 0.1];
  it("a load change transfers every observation in the grid, labelled against the earlier target, with the earlier load shares", () => {
    const t = transferredPools(toyGrid, before, obs, { ...before, meanGapMs: 2.5 }, cap);
    expect(Array.from(t.pools)).toEqual([6, 0, 2, 5, 0, 2, 2, 2, 2]);
    expect(Array.from(t.feasible)).toEqual([true, false, false]);
    expect(t.capacity).toEqual(cap);
    expect(t.weight).toBe(1);
  });
  it(`a looser QoS or a lower target leaves out infeasible pools within ${TRANSFER_NEAR_POINTS} points of the earlier target`, () => {
    expect(Array.from(transferredPools(toyGrid, before, obs, { ...before, qosMs: 44 }, cap).feasible)).toEqual([true, false]);
    expect(Array.from(transferredPools(toyGrid, before, obs, { ...before, targetRate: 98 }, cap).pools)).toEqual([6, 0, 2, 2, 2, 2]);
    const tighter = transferredPools(toyGrid, before, obs, { ...before, qosMs: 36 }, cap);
    expect(Array.from(tighter.feasible)).toEqual([true, false, false]);
    expect(tighter.weight).toBe(TRANSFER_QOS_WEIGHT);
  });
  it("refuses searches that are not comparable", () => {
    expect(() => transferredPools(toyGrid, before, obs, { ...before, model: "vgg" }, cap)).toThrow(/same model/);
  });
});

/** Evaluations until `opt` was first evaluated (0 when reported from known pools; Infinity if never). */
function toOptimum(r: RibbonSearchResult, opt: number): number {
  if (r.best && r.best.index === opt && r.best.via === "known") return 0;
  const i = r.evaluations.findIndex((e) => e.index === opt);
  return i >= 0 ? i + 1 : Infinity;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

describeWithData("ribbon", "warm start after a ±20% load or ±10% QoS change (simulator, 5 seeds)", (dir) => {
  const SEEDS = [0, 1, 2, 3, 4];
  const report: string[] = [];
  afterAll(() => console.log(["model   change      cold  warm  (target warm ≤ 0.5 × cold)", ...report].join("\n")));
  /** Per model: the problem, and the earlier searches (one per seed) under the shipped conditions. */
  const earlier = new Map<string, Promise<{ p0: ReturnType<typeof ribbonProblemFromDir>; grid: PoolGrid; searches: RibbonSearchResult[] }>>();
  const at = (model: string, g: number, q: number) => {
    const p = ribbonProblemFromDir(dir, model, { meanGapMs: g, qosMs: q });
    return { sim: new ServingSimulator(p.profile, p.space, p.workload), capacity: capacityPerInstance(p.profile, p.workload, p.space.types) };
  };
  const base = (queries: number) => ({ mode: "improved" as const, noiseQueries: queries });
  const earlierSearches = (model: string) => {
    if (!earlier.has(model)) {
      earlier.set(
        model,
        (async () => {
          const p0 = ribbonProblemFromDir(dir, model);
          const grid = new PoolGrid(p0.space);
          const old = at(model, p0.workload.meanGapMs, p0.workload.qosMs);
          const ev = new SimulatorEvaluator(old.sim, 0);
          const searches: RibbonSearchResult[] = [];
          for (const seed of SEEDS) searches.push(await ribbonSearch(grid, ev, { ...base(p0.workload.queries), seed, capacity: old.capacity }));
          return { p0, grid, searches };
        })(),
      );
    }
    return earlier.get(model)!;
  };

  const changes = [
    ["load +20%", 1 / 1.2, 1],
    ["load −20%", 1 / 0.8, 1],
    ["QoS −10%", 1, 0.9],
    ["QoS +10%", 1, 1.1],
  ] as const;
  it.each(["candle", "resnet", "vgg", "mtwnd", "dien"].flatMap((m) => changes.map(([c, g, q]) => [m, c, g, q] as const)))(
    "%s, %s: warm ≤ half the cold evaluations to the new optimum",
    async (model, change, gapFactor, qosFactor) => {
      const { p0, grid, searches } = await earlierSearches(model);
      const gap = p0.workload.meanGapMs;
      const qos = p0.workload.qosMs;
      const source = { kind: "simulator", seed: 0, queries: p0.workload.queries, dispatch: "pool-order", mix: p0.workload.mix } as const;
      const conditions = (g: number, q: number): SearchConditions => ({ model, instanceTypes: p0.space.types, maxCounts: p0.space.maxCounts, meanGapMs: g, qosMs: q, targetRate: 99, source });
      const oldCapacity = at(model, gap, qos).capacity;
      const g = gap * gapFactor;
      const q = qos * qosFactor;
      const now = at(model, g, q);
      const opt = cheapestFeasible(grid, now.sim.rates(grid.counts, 0));
      const ev = new SimulatorEvaluator(now.sim, 0);
      const cold: number[] = [];
      const warm: number[] = [];
      for (const [i, seed] of SEEDS.entries()) {
        const observations = searches[i].evaluations.map((e) => ({ pool: e.pool, rate: e.rate, p99Ms: e.p99Ms, qosToMeetMs: e.qosToMeetMs ?? null }));
        const w = warmStart(grid, conditions(gap, qos), observations, conditions(g, q));
        const transferred = [transferredPools(grid, conditions(gap, qos), observations, conditions(g, q), oldCapacity)];
        cold.push(toOptimum(await ribbonSearch(grid, ev, { ...base(p0.workload.queries), seed, capacity: now.capacity }), opt));
        const r = await ribbonSearch(grid, ev, { ...base(p0.workload.queries), seed, capacity: now.capacity, known: w.known, transferred });
        warm.push(toOptimum(r, opt));
      }
      report.push(`${model.padEnd(7)} ${change.padEnd(10)}  ${String(median(cold)).padEnd(5)} ${median(warm)}`);
      expect(warm.every(Number.isFinite)).toBe(true);
      expect(median(warm)).toBeLessThanOrEqual(0.5 * median(cold));
    },
    240_000,
  );
});
