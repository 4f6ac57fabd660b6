import * as path from "path";
import { PoolGrid, type PoolSpace } from "../../kernel/src/ribbon/catalogue";
import { EvaluatorError, FunctionEvaluator, LookupEvaluator } from "../../kernel/src/ribbon/evaluators";
import { CommandEvaluator, commandForPool, measurementFromOutput } from "../../kernel/src/ribbon/read-command";
import { argmaxWithTies, ribbonObjective, ribbonSearch } from "../../kernel/src/ribbon/search";
import { countMonotonicityViolations, NoFeasiblePoolError, requireFeasible } from "../../kernel/src/ribbon/session";
import { cheapestFeasible, exhaustiveFromRates, gridRates, hillClimbSearch, bestHomogeneous, randomPruneSearch } from "../../kernel/src/ribbon/baselines";
import { Rng } from "../../kernel/src/ribbon/rng";

/** A monotone toy: capacity 3·c1 + 1.6·c2 + 0.8·c3, rate = 100·(1 − e^{−cap/scale}). */
const SPACE: PoolSpace = { model: "toy", types: ["big", "mid", "small"], pricesPerHour: [1.0, 0.62, 0.35], maxCounts: [6, 7, 8] };
const grid = new PoolGrid(SPACE);
const toyRate = (scale: number) => (p: number[]) => Math.round(10000 * (1 - Math.exp(-(3 * p[0] + 1.6 * p[1] + 0.8 * p[2]) / scale))) / 100;
const evaluator = new FunctionEvaluator(toyRate(4), "toy capacity model");

describe("RIBBON objective", () => {
  it("is 0 for the empty pool, rate/99/2 when infeasible, 0.5 + 0.5(1 − price/P_max) when feasible", () => {
    expect(ribbonObjective(0, 0, 10)).toBe(0);
    expect(ribbonObjective(49.5, 3, 10)).toBeCloseTo(0.25, 14);
    expect(ribbonObjective(98.99, 3, 10)).toBeLessThan(0.5);
    expect(ribbonObjective(99, 3, 10)).toBeCloseTo(0.85, 14);
    expect(ribbonObjective(100, 10, 10)).toBe(0.5);
  });

  it("breaks exact ties with the seeded generator and skips −∞", () => {
    const v = Float64Array.from([1, 3, -Infinity, 3, 3]);
    const picks = new Set<number>();
    for (let s = 0; s < 40; s++) picks.add(argmaxWithTies(v, new Rng(s)));
    expect([...picks].sort()).toEqual([1, 3, 4]);
    expect(argmaxWithTies(Float64Array.from([-Infinity]), new Rng(0))).toBe(-1);
  });
});

describe("search on a monotone toy problem", () => {
  let rates: Float64Array;
  let optimum: number;
  beforeAll(async () => {
    rates = await gridRates(grid, evaluator);
    optimum = cheapestFeasible(grid, rates);
  });

  it.each(["faithful", "improved"] as const)("%s mode finds the exhaustive optimum on every seed and stops on the certificate", async (mode) => {
    for (let seed = 0; seed < 4; seed++) {
      const r = await ribbonSearch(grid, evaluator, { mode, seed });
      expect(r.best?.index).toBe(optimum);
      expect(r.stopReason).toBe("certificate");
      expect(r.evaluations.length).toBeLessThan(grid.size / 3);
      expect(r.evaluations.slice(0, 2).map((e) => e.via)).toEqual(["initial", "initial"]);
      expect(new Set(r.evaluations.map((e) => e.index)).size).toBe(r.evaluations.length);
      expect(r.evaluationsToBest).toBe(r.best!.order + 1);
    }
  });

  it("the improved mode with the pruning acquisition also finds it", async () => {
    for (let seed = 0; seed < 5; seed++) {
      const r = await ribbonSearch(grid, evaluator, { mode: "improved", acquisition: "pruning", seed });
      expect(r.best?.index).toBe(optimum);
    }
  });

  it("is deterministic per seed", async () => {
    const a = await ribbonSearch(grid, evaluator, { mode: "faithful", seed: 3, budget: 30 });
    const b = await ribbonSearch(grid, evaluator, { mode: "faithful", seed: 3, budget: 30 });
    expect(b.evaluations.map((e) => e.index)).toEqual(a.evaluations.map((e) => e.index));
    const c = await ribbonSearch(grid, evaluator, { mode: "faithful", seed: 4, budget: 30 });
    expect(c.evaluations.map((e) => e.index)).not.toEqual(a.evaluations.map((e) => e.index));
  });

  it("counts evaluated pairs that contradict monotonicity", async () => {
    const monotone = await ribbonSearch(grid, evaluator, { mode: "improved", seed: 1 });
    expect(monotone.monotonicityViolations).toBe(0);
    const e = (pool: number[], feasible: boolean) => ({ order: 0, index: 0, pool, price: 1, rate: feasible ? 99.5 : 90, p99Ms: null, feasible, via: "x" });
    // (2,1,0) feasible inside (2,1,3) and (3,1,1) infeasible: two violations; (1,1,1) is not ≥ (2,1,0).
    expect(countMonotonicityViolations([e([2, 1, 0], true), e([2, 1, 3], false), e([3, 1, 1], false), e([1, 1, 1], false), e([5, 5, 5], true)])).toBe(2);
  });

  it("stops at the budget and says so", async () => {
    const r = await ribbonSearch(grid, evaluator, { mode: "improved", seed: 0, budget: 3 });
    expect(r.evaluations.length).toBe(3);
    expect(r.stopReason).toBe("budget");
  });

  it("stops on the EI threshold when asked", async () => {
    const r = await ribbonSearch(grid, evaluator, { mode: "faithful", seed: 1, eiStop: 10, eiStopMinSamples: 4 });
    expect(r.stopReason).toBe("ei-threshold");
    expect(r.evaluations.length).toBe(4);
  });

  it("reports an unreachable QoS target with the best rate found", async () => {
    const weak = new FunctionEvaluator((p) => Math.min(97, toyRate(4)(p)), "capped");
    for (const mode of ["faithful", "improved"] as const) {
      const r = await ribbonSearch(grid, weak, { mode, seed: 0 });
      expect(r.best).toBeNull();
      expect(r.stopReason).toBe("exhausted");
      // rates that never fall as instances are added do not refute pruning: its verdict stands
      expect(r.assumptions.pruningDropped).toBe(false);
      expect(() => requireFeasible(r, grid, 99, 40)).toThrow(NoFeasiblePoolError);
      expect(() => requireFeasible(r, grid, 99, 40)).toThrow(/no pool of the toy grid .* meets the QoS target of 99% of queries within 40 ms; the best rate found was 97%/);
    }
  });

  it("random search with pruning and hill climbing reach the optimum, at a higher cost", async () => {
    const rnd = await randomPruneSearch(grid, evaluator, { seed: 2 });
    expect(rnd.best?.index).toBe(optimum);
    expect(rnd.stopReason).toBe("certificate");
    const imp = await ribbonSearch(grid, evaluator, { mode: "improved", seed: 2 });
    expect(rnd.evaluations.length).toBeGreaterThan(2 * imp.evaluations.length);
    const hc = await hillClimbSearch(grid, evaluator, { seed: 2, budget: 60 });
    expect(hc.evaluations.length).toBe(60);
    expect(hc.stopReason).toBe("budget");
    expect(new Set(hc.evaluations.map((e) => e.index)).size).toBe(60);
  });

  it("exhaustive search and homogeneous references agree with the table", () => {
    const ex = exhaustiveFromRates(grid, rates);
    expect(ex.best?.index).toBe(optimum);
    const hom = bestHomogeneous(grid, (i) => rates[i]);
    // big: 3c ≥ 4 ln 100 ⇒ c ≥ 7 > 6: infeasible within bounds; mid: 1.6c ≥ 18.42 ⇒ c ≥ 12 > 7; small: none
    expect(hom.map((h) => h?.pool ?? null)).toEqual([null, null, null]);
    const easyRates = Float64Array.from(rates, (r, i) => (grid.pool(i)[0] >= 2 ? 100 : r));
    const easy = bestHomogeneous(grid, (i) => easyRates[i]);
    expect(easy[0]?.pool).toEqual([2, 0, 0]);
  });

  it("the lookup evaluator refuses pools missing from its table", async () => {
    const partial = Float64Array.from(rates);
    partial[5] = NaN;
    const lk = new LookupEvaluator(grid, { rates: partial, priceMismatches: 0, source: "part.json" });
    await expect(lk.evaluate(grid.pool(5))).rejects.toThrow(/part\.json has no entry "0, 0, 6"/);
    expect(() => lk.allRates(grid)).toThrow(EvaluatorError);
  });

  it("a user function must return a rate in 0..100", async () => {
    await expect(new FunctionEvaluator(() => 150).evaluate([1, 0, 0])).rejects.toThrow(/must give a QoS rate in percent/);
    await expect(new FunctionEvaluator(async () => ({ rate: 99.5, p99_ms: 12 })).evaluate([1, 0, 0])).resolves.toEqual({ rate: 99.5, p99Ms: 12 });
  });
});

describe("command evaluator", () => {
  const node = JSON.stringify(process.execPath);
  const script = path.join(__dirname, "fixtures", "measure.js");

  it("substitutes the pool into the command", () => {
    expect(commandForPool("run --pool {pool} --a {c1} --c {c3} {types}", [2, 0, 5], ["x", "y", "z"])).toBe("run --pool 2,0,5 --a 2 --c 5 x,y,z");
  });

  it("reads a JSON object, or a number on the last line", () => {
    expect(measurementFromOutput('{\n "rate": 99.2,\n "p99_ms": 31\n}\n', "cmd")).toEqual({ rate: 99.2, p99Ms: 31 });
    expect(measurementFromOutput("deploying…\nmeasuring…\n98.7%\n", "cmd")).toEqual({ rate: 98.7, p99Ms: null });
    expect(() => measurementFromOutput("done\n", "cmd")).toThrow(/last line of its output, "done", is not a QoS rate/);
  });

  it("runs a real command per pool and drives a search", async () => {
    const ev = new CommandEvaluator(`${node} ${JSON.stringify(script)} {pool}`, { cwd: __dirname, types: SPACE.types });
    expect(await ev.evaluate([1, 2, 3])).toEqual({ rate: toyRate(4)([1, 2, 3]), p99Ms: 7 });
    const r = await ribbonSearch(grid, ev, { mode: "improved", seed: 0, budget: 12 });
    expect(r.evaluations.length).toBeGreaterThan(2);
  });

  it("reports a failing command with its exit code and stderr", async () => {
    const ev = new CommandEvaluator(`${node} -e "console.error('no quota'); process.exit(3)"`, { cwd: __dirname, types: SPACE.types });
    await expect(ev.evaluate([1, 0, 0])).rejects.toThrow(/failed with exit code 3: no quota/);
  });
});
