/**
 * Known pools (a warm start's free observations) in RIBBON's search: they prune, they are never
 * evaluated and never counted, and a pool known only by side is evaluated before it is reported.
 */
import { PoolGrid, type PoolSpace } from "../../kernel/src/ribbon/catalogue";
import { FunctionEvaluator } from "../../kernel/src/ribbon/evaluators";
import { cheapestFeasible, gridRates } from "../../kernel/src/ribbon/baselines";
import type { KnownPool } from "../../kernel/src/ribbon/known";
import { ribbonSearch } from "../../kernel/src/ribbon/search";

const SPACE: PoolSpace = { model: "toy", types: ["big", "mid", "small"], pricesPerHour: [1.0, 0.62, 0.35], maxCounts: [6, 7, 8] };
const grid = new PoolGrid(SPACE);
const rateOf = (p: number[]) => Math.round(10000 * (1 - Math.exp(-(3 * p[0] + 1.6 * p[1] + 0.8 * p[2]) / 4))) / 100;

describe("ribbonSearch with known pools", () => {
  let rates: Float64Array;
  let optimum: number;
  beforeAll(async () => {
    rates = await gridRates(grid, new FunctionEvaluator(rateOf));
    optimum = cheapestFeasible(grid, rates);
  });

  it.each(["faithful", "improved"] as const)("%s: known infeasible pools and the pools they dominate are never evaluated", async (mode) => {
    // Every infeasible pool at most one instance short of some feasible pool: a large free set.
    const known: KnownPool[] = [];
    for (let i = 0; i < grid.size; i++) if (rates[i] < 99 && rates[i] > 97) known.push({ index: i, feasible: false, reason: "test" });
    expect(known.length).toBeGreaterThan(10);
    const evaluated: number[][] = [];
    const ev = new FunctionEvaluator((p) => (evaluated.push(p), rateOf(p)));
    for (let seed = 0; seed < 3; seed++) {
      evaluated.length = 0;
      const r = await ribbonSearch(grid, ev, { mode, seed, known });
      expect(r.best?.index).toBe(optimum);
      expect(r.evaluations.length).toBe(evaluated.length);
      for (const e of r.evaluations) {
        const dominatedByKnown = known.some((k) => grid.pool(k.index).every((c, j) => e.pool[j] <= c));
        expect(dominatedByKnown).toBe(false);
      }
    }
  });

  it("a pool known feasible by side only is evaluated before it is reported as best", async () => {
    const known: KnownPool[] = [{ index: optimum, feasible: true, reason: "feasible under a lower load" }];
    for (let seed = 0; seed < 4; seed++) {
      const r = await ribbonSearch(grid, new FunctionEvaluator(rateOf), { mode: "improved", seed, known });
      expect(r.best?.index).toBe(optimum);
      expect(r.best?.via).not.toBe("known");
      expect(r.evaluations.some((e) => e.index === optimum)).toBe(true);
      expect(r.evaluations.every((e) => grid.priceMicro[e.index] <= grid.priceMicro[optimum])).toBe(true);
    }
  });

  it("a pool known with its rate is a full observation: reported as best with no evaluation of it, found at 0", async () => {
    const known: KnownPool[] = [{ index: optimum, feasible: true, rate: rates[optimum], reason: "measured under these conditions" }];
    for (let seed = 0; seed < 4; seed++) {
      const cold = await ribbonSearch(grid, new FunctionEvaluator(rateOf), { mode: "improved", seed });
      const r = await ribbonSearch(grid, new FunctionEvaluator(rateOf), { mode: "improved", seed, known });
      expect(r.best).toMatchObject({ index: optimum, via: "known", order: -1, rate: rates[optimum] });
      expect(r.evaluationsToBest).toBe(0);
      expect(r.stopReason).toBe("certificate");
      expect(r.evaluations.some((e) => e.index === optimum)).toBe(false);
      expect(r.evaluations.length).toBeLessThan(cold.evaluations.length);
    }
  });

  it("rejects an index outside the grid, a pool given twice, and a rate on the wrong side", async () => {
    const ev = new FunctionEvaluator(rateOf);
    await expect(ribbonSearch(grid, ev, { mode: "improved", seed: 0, known: [{ index: grid.size, feasible: false, reason: "x" }] })).rejects.toThrow(/known pool index must be a whole number in 0\.\./);
    await expect(
      ribbonSearch(grid, ev, { mode: "improved", seed: 0, known: [{ index: 3, feasible: false, reason: "x" }, { index: 3, feasible: false, reason: "y" }] }),
    ).rejects.toThrow(/given twice/);
    await expect(ribbonSearch(grid, ev, { mode: "improved", seed: 0, known: [{ index: 3, feasible: true, rate: 50, reason: "x" }] })).rejects.toThrow(/below the target 99%/);
  });
});
