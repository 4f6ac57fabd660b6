/** The capacity prior (ribbon/capacity.ts): load shares from the latency profiles, the feasibility classifier, the "capacity" acquisition. */
import { CapacityClassifier, capacityPerInstance, cheapestLikelyFeasible } from "../../kernel/src/ribbon/capacity";
import { PoolGrid, type PoolSpace } from "../../kernel/src/ribbon/catalogue";
import { FunctionEvaluator } from "../../kernel/src/ribbon/evaluators";
import { ribbonProblemFromDir } from "../../kernel/src/ribbon/read";
import { ribbonSearch } from "../../kernel/src/ribbon/search";
import { queryTrace, serviceTable } from "../../kernel/src/ribbon/workload";
import { describeWithData } from "../helpers/shared-data";

const g = new PoolGrid({ model: "toy", types: ["fast", "slow", "cheap"], pricesPerHour: [1, 0.5, 0.3], maxCounts: [6, 6, 6] } as PoolSpace);
const cap = [0.25, 0.2, 0.1];
const pools = (...ps: number[][]) => Float64Array.from(ps.flat());

describe("CapacityClassifier", () => {
  it("without data is the prior: even odds at a capacity margin of 1, rising with capacity", () => {
    const c = CapacityClassifier.fit(cap, new Float64Array(0), []);
    expect(c.score([4, 0, 0])).toBeCloseTo(0, 12); // 4 × 0.25 = 1
    expect(c.probability([4, 0, 0])).toBeCloseTo(0.5, 12);
    expect(c.probability([2, 0, 0])).toBeLessThan(0.01);
    expect(c.probability([6, 2, 0])).toBeGreaterThan(0.99);
  });

  it("learns from labels: a type whose pools stay infeasible loses its weight", () => {
    // Feasible iff at least 4 fast instances, whatever the slow ones (they miss the QoS latency).
    const seen = [[4, 0, 0], [5, 3, 0], [3, 6, 0], [2, 6, 0], [3, 4, 0], [6, 0, 0], [1, 5, 0], [3, 0, 0]];
    const c = CapacityClassifier.fit(cap, pools(...seen), seen.map((p) => p[0] >= 4));
    expect(c.weights[2]).toBeLessThan(c.weights[1] / 3);
    expect(c.probability([3, 6, 0])).toBeLessThan(0.5);
    expect(c.probability([4, 1, 0])).toBeGreaterThan(0.5);
    expect(() => CapacityClassifier.fit(cap, pools([1, 1, 1]), [true])).not.toThrow();
  });

  it("takes pools from earlier conditions by their capacity margin there, with a learned shift and a weight", () => {
    // Under twice the load, 8 fast instances carry what 4 carried before: the earlier labels move with the load shares.
    const earlier = { capacity: cap.map((x) => 2 * x), pools: pools([4, 0, 0], [3, 0, 0], [2, 0, 0], [5, 0, 0]), feasible: [true, false, false, true] };
    const c = CapacityClassifier.fit(cap, new Float64Array(0), [], [earlier]);
    expect(c.probability([8, 0, 0])).toBeGreaterThan(0.5);
    expect(c.probability([5, 0, 0])).toBeLessThan(0.5);
    expect(c.weights).toHaveLength(5); // intercept, 3 types, shift
    // A weight scales a pool's likelihood: two halves are one whole.
    const halves = CapacityClassifier.fit(cap, new Float64Array(0), [], [{ ...earlier, weight: 0.5 }, { ...earlier, weight: 0.5 }]);
    halves.weights.forEach((w, a) => expect(w).toBeCloseTo(c.weights[a], 6));
    expect(() => CapacityClassifier.fit(cap, new Float64Array(0), [], [{ ...earlier, weight: 0 }])).toThrow(/weight of transferred pools must be in \(0, 1\] but got 0/);
    expect(() => CapacityClassifier.fit(cap, new Float64Array(0), [], [{ ...earlier, capacity: [1] }])).toThrow(/one load share per instance type \(3\) but got 1/);
  });

  it("counts transferred pools marked exact as evaluations now: full weight, no shift", () => {
    const seen = pools([4, 0, 0], [3, 0, 0], [2, 0, 0], [5, 0, 0]);
    const labels = [true, false, false, true];
    const asNow = CapacityClassifier.fit(cap, seen, labels);
    const exact = CapacityClassifier.fit(cap, new Float64Array(0), [], [{ capacity: cap, pools: seen, feasible: labels, weight: 0.3, exact: [true, true, true, true] }]);
    asNow.weights.forEach((w, a) => expect(exact.weights[a]).toBeCloseTo(w, 6));
    expect(exact.weights[4]).toBeCloseTo(0, 12); // the shift stays at its prior mean
    const shifted = CapacityClassifier.fit(cap, new Float64Array(0), [], [{ capacity: cap, pools: seen, feasible: labels, weight: 0.3 }]);
    expect(Math.abs(shifted.weights[0] - asNow.weights[0])).toBeGreaterThan(0.1);
  });
});

describe("cheapestLikelyFeasible", () => {
  const all = Int32Array.from({ length: g.size }, (_, i) => i);
  it("picks the cheapest candidate with at least even odds", () => {
    const c = CapacityClassifier.fit(cap, new Float64Array(0), []);
    const i = cheapestLikelyFeasible(g, all, c);
    expect(c.probability(g.pool(i))).toBeGreaterThanOrEqual(0.5);
    for (let k = 0; k < g.size; k++) if (g.priceMicro[k] < g.priceMicro[i]) expect(c.probability(g.pool(k))).toBeLessThan(0.5);
  });
  it("when no candidate reaches even odds, the cheapest with half the best odds left", () => {
    const c = CapacityClassifier.fit(cap, new Float64Array(0), []);
    const small = Int32Array.from([g.indexOf([1, 0, 0]), g.indexOf([2, 0, 0]), g.indexOf([3, 0, 0]), g.indexOf([0, 0, 1])]);
    expect(cheapestLikelyFeasible(g, small, c)).toBe(g.indexOf([3, 0, 0]));
    expect(cheapestLikelyFeasible(g, new Int32Array(0), c)).toBe(-1);
  });
  it("takes a pool whose capacity margin is below 1 only when every candidate's is", () => {
    // Labels that make the fast type look sufficient on its own: [3,0,0] (margin 0.75) gets even odds.
    const seen = [[4, 0, 0], [3, 0, 1], [6, 0, 0], [1, 6, 6], [0, 6, 6], [2, 0, 0]];
    const c = CapacityClassifier.fit(cap, pools(...seen), [true, true, true, false, false, false]);
    expect(c.probability([3, 0, 0])).toBeGreaterThanOrEqual(0.5);
    const cand = Int32Array.from([g.indexOf([3, 0, 0]), g.indexOf([4, 0, 0]), g.indexOf([2, 1, 1])]);
    expect(cheapestLikelyFeasible(g, cand, c)).toBe(g.indexOf([4, 0, 0])); // margin 1; [3,0,0] is cheaper
    // With no stable candidate left, the classifier decides among the rest.
    expect(cheapestLikelyFeasible(g, Int32Array.from([g.indexOf([3, 0, 0]), g.indexOf([2, 0, 0])]), c)).toBe(g.indexOf([3, 0, 0]));
  });
});

describe("ribbonSearch with the capacity prior", () => {
  const rateOf = (p: number[]) => (p[0] >= 4 ? 99.5 : p[0] === 3 && p[2] >= 5 ? 99.2 : 97);
  it("is the improved mode's default acquisition and finds the optimum on every seed", async () => {
    let optimum = -1;
    for (let i = 0; i < g.size; i++) if (rateOf(g.pool(i)) >= 99 && (optimum < 0 || g.priceMicro[i] < g.priceMicro[optimum])) optimum = i;
    for (let seed = 0; seed < 5; seed++) {
      const r = await ribbonSearch(g, new FunctionEvaluator(rateOf), { mode: "improved", seed, noiseQueries: 2000, capacity: cap });
      expect(r.best?.index).toBe(optimum);
      expect(r.evaluations.filter((e) => e.via === "acquisition").length).toBeGreaterThan(0);
    }
  });
  it("says what is missing or wrong", async () => {
    const ev = new FunctionEvaluator(rateOf);
    await expect(ribbonSearch(g, ev, { mode: "improved", seed: 0, acquisition: "capacity" })).rejects.toThrow(/capacity acquisition needs the capacity prior/);
    await expect(ribbonSearch(g, ev, { mode: "improved", seed: 0, capacity: [0.1, 0.2] })).rejects.toThrow(/one load share per instance type \(3 for toy\) but got 2/);
    await expect(ribbonSearch(g, ev, { mode: "improved", seed: 0, capacity: [0.1, 0, 0.2] })).rejects.toThrow(/capacity of slow must be a finite load share > 0 but got 0/);
  });
});

describeWithData("ribbon", "capacityPerInstance on the artifact's profiles", (dir) => {
  it("is meanGap / mean service time of each type over the workload's trace", () => {
    const p = ribbonProblemFromDir(dir, "candle");
    const c = capacityPerInstance(p.profile, p.workload, p.space.types);
    const trace = queryTrace({ ...p.workload, queries: 5000 }, 12_345);
    const table = serviceTable(trace, p.profile, p.space.types);
    let sum = 0;
    for (let k = 0; k < 5000; k++) sum += table.serviceMs[k * 3];
    expect(c[0]).toBeCloseTo(p.workload.meanGapMs / (sum / 5000), 12);
    // c5a.4xlarge serves candle faster than m5.2xlarge and t3.2xlarge.
    expect(c[0]).toBeGreaterThan(c[1]);
    expect(c[0]).toBeGreaterThan(c[2]);
  });
});
