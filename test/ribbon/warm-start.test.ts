/**
 * Warm start (ribbon/warm-start.ts and `%ribbon search --warm-start`): which earlier observations
 * still count after the load, the QoS latency or the target changed, and the round trip through a
 * bound result ($name) and a --json file.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expandBoundNames } from "../../kernel/src/kernel/expand";
import { dispatchMagic, MagicRegistry } from "../../kernel/src/magics/dispatch";
import { ribbonMagic, type RibbonSearchResult } from "../../kernel/src/magics/ribbon";
import { PoolGrid, type PoolSpace } from "../../kernel/src/ribbon/catalogue";
import { cheapestFeasible, gridRates } from "../../kernel/src/ribbon/baselines";
import { FunctionEvaluator, SimulatorEvaluator } from "../../kernel/src/ribbon/evaluators";
import type { KnownPool } from "../../kernel/src/ribbon/known";
import { ribbonProblemFromDir } from "../../kernel/src/ribbon/read";
import { ribbonSearch } from "../../kernel/src/ribbon/search";
import { decidingOrderStatistic, percentileSorted, qosToMeetMs, rateFromCounts, ServingSimulator } from "../../kernel/src/ribbon/simulator";
import { feasibilityFromP99, transferredPools, warmStart, WarmStartError, type SearchConditions } from "../../kernel/src/ribbon/warm-start";
import { fakeMagicContext } from "../helpers/magic-context";
import { describeWithData } from "../helpers/shared-data";

const SPACE: PoolSpace = { model: "toy", types: ["big", "mid", "small"], pricesPerHour: [1.0, 0.62, 0.35], maxCounts: [6, 7, 8] };
const grid = new PoolGrid(SPACE);
const SIM = { kind: "simulator", seed: 0, queries: 25_000, dispatch: "pool-order", mix: "ribbon" } as const;
const before: SearchConditions = { model: "toy", instanceTypes: SPACE.types, maxCounts: SPACE.maxCounts, meanGapMs: 3, qosMs: 40, targetRate: 99, source: SIM };
const at = (c: Partial<SearchConditions>): SearchConditions => ({ ...before, ...c });
const obs = [
  { pool: [6, 0, 2], rate: 99.3, p99Ms: 37.2 },
  { pool: [5, 0, 2], rate: 97.1, p99Ms: 55 },
  { pool: [2, 2, 2], rate: 60, p99Ms: 400 },
];
const side = (w: ReturnType<typeof warmStart>) => w.known.map((k) => [grid.pool(k.index).join(","), k.feasible, k.rate ?? null]);

describe("warmStart: which observations still count", () => {
  it("same load and QoS: every rate carries exactly, judged against the new target", () => {
    const w = warmStart(grid, before, obs, at({ targetRate: 98 }));
    expect(side(w)).toEqual([["6,0,2", true, 99.3], ["5,0,2", false, 97.1], ["2,2,2", false, 60]]);
    expect(w.change).toBe("target 99% → 98%");
  });

  it("higher load: infeasible pools stay infeasible (side only), feasible ones are dropped", () => {
    const w = warmStart(grid, before, obs, at({ meanGapMs: 2.5 }));
    expect(side(w)).toEqual([["5,0,2", false, null], ["2,2,2", false, null]]);
    expect(w.dropped.map((d) => d.pool.join(","))).toEqual(["6,0,2"]);
    expect(w.known[0].reason).toMatch(/infeasible stays infeasible under a higher load/);
    expect(w.change).toBe("load +20% (mean gap 3 ms → 2.5 ms)");
  });

  it("lower load: feasible pools stay feasible, infeasible ones are dropped", () => {
    const w = warmStart(grid, before, obs, at({ meanGapMs: 3.75 }));
    expect(side(w)).toEqual([["6,0,2", true, null]]);
    expect(w.dropped).toHaveLength(2);
  });

  it("QoS change on the same trace: monotone both ways, and a p99 within the new QoS proves feasible", () => {
    // Tighter QoS 38 ms: 6,0,2 (p99 37.2) is still feasible by its p99; the infeasible ones stay infeasible.
    expect(side(warmStart(grid, before, obs, at({ qosMs: 38 })))).toEqual([["6,0,2", true, null], ["5,0,2", false, null], ["2,2,2", false, null]]);
    // 37 ms < p99 37.2, yet whole-ms latencies put latency_(lo) ≤ 37: still feasible. At 36 ms nothing is proved.
    expect(side(warmStart(grid, before, obs, at({ qosMs: 37 })))[0]).toEqual(["6,0,2", true, null]);
    const w = warmStart(grid, before, obs, at({ qosMs: 36 }));
    expect(w.dropped.map((d) => d.pool.join(","))).toEqual(["6,0,2"]);
    // Looser QoS 60 ms: 5,0,2's p99 55 ms now proves it feasible; 2,2,2 says nothing.
    expect(side(warmStart(grid, before, obs, at({ qosMs: 60 })))).toEqual([["6,0,2", true, null], ["5,0,2", true, null]]);
  });

  it("load and QoS in opposite directions: nothing carries", () => {
    const w = warmStart(grid, before, obs, at({ meanGapMs: 2.5, qosMs: 60 }));
    expect(w.known).toEqual([]);
    expect(w.dropped[0].reason).toMatch(/opposite directions/);
  });

  it("a lookup table's rates ignore --mean-gap and --qos", () => {
    const table = { kind: "lookup", file: "/t.json" } as const;
    const w = warmStart(grid, at({ source: table }), obs, at({ source: table, meanGapMs: 1, qosMs: 5 }));
    expect(side(w)).toEqual([["6,0,2", true, 99.3], ["5,0,2", false, 97.1], ["2,2,2", false, 60]]);
  });

  it("refuses another model, other types or another rate source, saying what to match", () => {
    expect(() => warmStart(grid, at({ model: "vgg" }), obs, before)).toThrow(WarmStartError);
    expect(() => warmStart(grid, at({ instanceTypes: ["mid", "big", "small"] }), obs, before)).toThrow(/same --types in the same order/);
    expect(() => warmStart(grid, at({ source: { ...SIM, seed: 1 } }), obs, before)).toThrow(/same --sim-seed/);
  });

  it("drops pools outside a smaller grid", () => {
    const small = new PoolGrid({ ...SPACE, maxCounts: [5, 7, 8] });
    const w = warmStart(small, before, obs, at({ maxCounts: [5, 7, 8] }));
    expect(w.dropped.map((d) => d.pool.join(","))).toEqual(["6,0,2"]);
    expect(w.dropped[0].reason).toMatch(/outside this grid/);
  });
});

describe("the p99 rule against how rate and p99 are computed", () => {
  it("at 99% over 25,000 queries the deciding order statistic lies below p99's, so p99 decides one way only", () => {
    expect(decidingOrderStatistic(25_000, 99)).toBe(24_748);
    expect(rateFromCounts(24_749, 25_000)).toBe(99); // 98.996% rounds up to 99.00
    expect(rateFromCounts(24_748, 25_000)).toBe(98.99);
    expect(feasibilityFromP99(40, 40, 25_000, 99)).toBe(true);
    expect(feasibilityFromP99(40.5, 40, 25_000, 99)).toBe(true); // whole-ms latencies: latency_(lo) ≤ ⌊p99⌋
    expect(feasibilityFromP99(41.2, 40, 25_000, 99)).toBeUndefined();
  });

  it("agrees with the rate on random whole-ms latency samples: never a wrong answer", () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let decided = 0;
    for (let t = 0; t < 300; t++) {
      const n = 200 + Math.floor(rnd() * 3000);
      const tail = 1 + rnd() * 60;
      const lat = Int32Array.from({ length: n }, () => Math.floor(20 + rnd() * 15 + (rnd() < 0.02 ? rnd() * tail : 0)));
      lat.sort();
      const p99 = percentileSorted(lat, 0.99);
      for (const target of [99, 99.5, 98]) {
        for (let qos = 20; qos <= 100; qos++) {
          let met = 0;
          for (const x of lat) if (x <= qos) met++;
          const f = feasibilityFromP99(p99, qos, n, target);
          if (f === undefined) continue;
          decided++;
          expect(f).toBe(rateFromCounts(met, n) >= target);
        }
      }
    }
    expect(decided).toBeGreaterThan(10_000);
  });
});

describe("qosToMeetMs: the smallest QoS latency that meets the target, exact both ways", () => {
  it("agrees with the rate at every QoS latency on random whole-ms latency samples", () => {
    let seed = 11;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let t = 0; t < 40; t++) {
      const n = 100 + Math.floor(rnd() * 3000);
      const lat = Int32Array.from({ length: n }, () => Math.floor(20 + rnd() * 15 + (rnd() < 0.02 ? rnd() * 80 : 0)));
      lat.sort();
      for (const target of [99, 99.5, 98, 0]) {
        const need = qosToMeetMs(lat, target);
        for (let qos = 15; qos <= 120; qos += 0.5) {
          let met = 0;
          for (const x of lat) if (x <= qos) met++;
          expect(need <= qos).toBe(rateFromCounts(met, n) >= target);
        }
      }
    }
    expect(qosToMeetMs(Int32Array.of(5, 6), 100.5)).toBe(Infinity);
  });

  const withNeed = [
    { pool: [6, 0, 2], rate: 99.3, p99Ms: 37.2, qosToMeetMs: 37 },
    { pool: [5, 0, 2], rate: 97.1, p99Ms: 55, qosToMeetMs: 52 },
    { pool: [2, 2, 2], rate: 60, p99Ms: 400, qosToMeetMs: 390 },
  ];
  it("decides every observation after a QoS change on the same trace; infeasible ones carry an upper bound of their rate", () => {
    // Tighter 36 ms: 6,0,2 (needs 37) turns infeasible, just below the target as far as is known; the others keep their earlier rate as a bound.
    const tighter = warmStart(grid, before, withNeed, at({ qosMs: 36 }));
    expect(tighter.known.map((k) => [grid.pool(k.index).join(","), k.feasible, k.rateAtMost ?? null])).toEqual([["6,0,2", false, 98.99], ["5,0,2", false, 97.1], ["2,2,2", false, 60]]);
    expect(tighter.known[0].reason).toMatch(/meets the target from QoS 37 ms on the same trace, > 36 ms/);
    expect(tighter.dropped).toEqual([]);
    // Looser 52 ms: 5,0,2 turns feasible (p99 55 alone proves nothing); 2,2,2 stays infeasible, its rate bounded by the target only.
    const looser = warmStart(grid, before, withNeed, at({ qosMs: 52 }));
    expect(looser.known.map((k) => [grid.pool(k.index).join(","), k.feasible, k.rateAtMost ?? null])).toEqual([["6,0,2", true, null], ["5,0,2", true, null], ["2,2,2", false, 98.99]]);
    expect(looser.known.every((k) => k.rate === undefined)).toBe(true);
  });

  it("counts only on the same trace and target: a load or target change, or a lookup table, falls back", () => {
    expect(side(warmStart(grid, before, withNeed, at({ meanGapMs: 2.5, qosMs: 36 })))).toEqual([["5,0,2", false, null], ["2,2,2", false, null]]);
    expect(warmStart(grid, before, withNeed, at({ qosMs: 60, targetRate: 98 })).known.map((k) => k.reason).join()).not.toMatch(/meets the target from/);
    const table = { kind: "lookup", file: "/t.json" } as const;
    expect(side(warmStart(grid, at({ source: table }), withNeed, at({ source: table, qosMs: 36 })))).toEqual([["6,0,2", true, 99.3], ["5,0,2", false, 97.1], ["2,2,2", false, 60]]);
  });

  it("transferred pools take the exact labels, marked exact, when they show both sides; one-sided ones keep the earlier labels", () => {
    const cap = [0.3, 0.2, 0.1];
    const looser = transferredPools(grid, before, withNeed, at({ qosMs: 52 }), cap);
    expect(Array.from(looser.pools)).toEqual([6, 0, 2, 5, 0, 2, 2, 2, 2]); // 5,0,2 near the target is no longer left out
    expect(Array.from(looser.feasible)).toEqual([true, true, false]);
    expect(Array.from(looser.exact ?? [])).toEqual([true, true, true]);
    // At 36 ms every pool misses: the earlier labels, with the shift, and no exact flags.
    const tighter = transferredPools(grid, before, withNeed, at({ qosMs: 36 }), cap);
    expect(Array.from(tighter.feasible)).toEqual([true, false, false]);
    expect(tighter.exact).toBeUndefined();
    // Without qosToMeetMs (older results), as before.
    expect(transferredPools(grid, before, obs, at({ qosMs: 52 }), cap).exact).toBeUndefined();
  });
});

describe("a known infeasible pool with rateAtMost prunes by the margin rule", () => {
  // Not monotone: a mid instance added to 4 big ones costs a little (as pool-order dispatch can).
  const rateOf = (p: number[]) => (p[0] >= 4 ? (p[1] > 0 ? 98.95 : 99.2) : 90 + p[0] + p[2] * 0.1);
  it("just below the target it prunes nothing but itself, so the optimum it dominates is still found; without the bound it is lost", async () => {
    const rates = await gridRates(grid, new FunctionEvaluator(rateOf));
    const optimum = cheapestFeasible(grid, rates);
    expect(grid.pool(optimum)).toEqual([4, 0, 0]);
    const over = grid.indexOf([4, 1, 0]);
    const known = (k: Partial<KnownPool>): KnownPool[] => [{ index: over, feasible: false, reason: "test", ...k }];
    for (let seed = 0; seed < 3; seed++) {
      const opts = { mode: "improved" as const, seed, noiseQueries: 25_000 };
      const bounded = await ribbonSearch(grid, new FunctionEvaluator(rateOf), { ...opts, known: known({ rateAtMost: 98.99 }) });
      expect(bounded.best?.index).toBe(optimum);
      expect(bounded.evaluations.some((e) => e.index === over)).toBe(false);
      const plain = await ribbonSearch(grid, new FunctionEvaluator(rateOf), { ...opts, known: known({}) });
      expect(plain.best?.index).not.toBe(optimum);
    }
    await expect(ribbonSearch(grid, new FunctionEvaluator(rateOf), { mode: "improved", seed: 0, known: known({ rateAtMost: 99.5 }) })).rejects.toThrow(/rateAtMost is for an infeasible pool known by side only, in 0\.\.99%/);
  });
});

describe("$name of a search result", () => {
  it("expands to its JSON text when it carries a greenai schema; other objects stay refused", () => {
    const r = { schema: "greenai.ribbon.search/1", model: "toy" };
    expect(expandBoundNames("x --warm-start $r", new Map([["r", r]]))).toBe(`x --warm-start '${JSON.stringify(r)}'`);
    expect(() => expandBoundNames("x $o", new Map([["o", { rows: 1 }]]))).toThrow(/an object without a string \.path/);
  });
});

const registry = new MagicRegistry([ribbonMagic]);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ribbon-warm-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function search(line: string, bound = new Map<string, unknown>()): Promise<{ value: RibbonSearchResult; text: string }> {
  const out = await dispatchMagic(registry, expandBoundNames(line, bound), fakeMagicContext({ cwd: tmp }));
  if (out.kind !== "result") throw new Error("expected a result");
  return { value: out.result.value as RibbonSearchResult, text: out.result.text };
}

describeWithData("ribbon", "%ribbon search --warm-start on the simulator", (dir) => {
  it("a load rise: the bound result and its --json file give the same warm search, which says what carried over", async () => {
    const base = `ribbon search --data ${dir} --model mtwnd --seed 1`;
    const first = await search(base);
    expect(first.value.conditions).toMatchObject({ mean_gap_ms: 1.5, qos_ms: 21, target_rate: 99, source: { kind: "simulator", sim_seed: 0, queries: 25_000 } });
    expect(first.value.warm_start).toBeNull();
    const warm = await search(`${base} --mean-gap 1.25 --warm-start $r`, new Map([["r", first.value]]));
    const w = warm.value.warm_start!;
    expect(w.change).toBe("load +20% (mean gap 1.5 ms → 1.25 ms)");
    const infeasibleBefore = first.value.trace.filter((t) => !t.feasible).length;
    expect(w.known).toHaveLength(infeasibleBefore);
    expect(w.known.every((k) => !k.feasible && k.rate === null)).toBe(true);
    expect(w.dropped).toHaveLength(first.value.trace.length - infeasibleBefore);
    expect(warm.text).toMatch(/warm start from the bound search; changed: load \+20%/);
    // Known infeasible pools, and every pool they dominate, are never evaluated again.
    for (const t of warm.value.trace) expect(w.known.some((k) => k.pool.every((c, j) => t.pool[j] <= c))).toBe(false);

    const file = path.join(tmp, "first.json");
    fs.writeFileSync(file, JSON.stringify(first.value, null, 2));
    const fromFile = await search(`${base} --mean-gap 1.25 --warm-start first.json`);
    expect(fromFile.value.trace).toEqual(warm.value.trace);
    await expect(search(`${base} --sim-seed 3 --warm-start first.json`)).rejects.toThrow(/same --sim-seed/);
    fs.writeFileSync(file, JSON.stringify({ ...first.value, conditions: { ...first.value.conditions, qos_ms: "fast" } }));
    await expect(search(`${base} --warm-start first.json`)).rejects.toThrow(/first\.json: conditions\.qos_ms must be a number/);
  }, 120_000);

  it("qosToMeetMs of the simulator decides feasibility under another QoS on the same trace, and a --json result carries it to a QoS warm start", async () => {
    const p = ribbonProblemFromDir(dir, "mtwnd");
    const sim = new ServingSimulator(p.profile, p.space, p.workload);
    for (const pool of [[5, 0, 0], [4, 1, 1], [2, 0, 6], [3, 0, 3]]) {
      const need = sim.simulate(pool, 0, "pool-order", 99).qosToMeetMs as number;
      expect(Number.isFinite(need)).toBe(true);
      const rateAt = (q: number) => new ServingSimulator(p.profile, p.space, { ...p.workload, qosMs: q }).simulate(pool, 0).rate;
      expect(rateAt(need)).toBeGreaterThanOrEqual(99);
      if (need > 0) expect(rateAt(need - 0.5)).toBeLessThan(99);
    }
    const m = await new SimulatorEvaluator(sim, 0).evaluate([5, 0, 0], undefined, 99);
    expect(m.qosToMeetMs).toBe(sim.simulate([5, 0, 0], 0, "pool-order", 99).qosToMeetMs);

    const base = `ribbon search --data ${dir} --model mtwnd --seed 2`;
    const first = await search(base);
    expect(first.value.trace.every((t) => typeof t.qos_to_meet_ms === "number")).toBe(true);
    const looser = await search(`${base} --qos 23.1 --warm-start $r`, new Map([["r", first.value]]));
    const w = looser.value.warm_start!;
    expect(w.known).toHaveLength(first.value.trace.length);
    expect(w.dropped).toEqual([]);
    for (const k of w.known) {
      const t = first.value.trace.find((e) => e.pool.join() === k.pool.join())!;
      expect(k.feasible).toBe((t.qos_to_meet_ms as number) <= 23.1);
      expect(k.reason).toMatch(/meets the target from QoS/);
    }
  }, 120_000);
});
