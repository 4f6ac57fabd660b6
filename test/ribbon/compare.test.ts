/** The %ribbon compare benchmark as a core: one table, every method against its exhaustive optimum. */
import { InterruptedError } from "../../kernel/src/errors";
import { bestHomogeneous, cheapestFeasible } from "../../kernel/src/ribbon/baselines";
import { PoolGrid, type PoolSpace } from "../../kernel/src/ribbon/catalogue";
import { compareOptimisers } from "../../kernel/src/ribbon/compare";
import { LookupEvaluator } from "../../kernel/src/ribbon/evaluators";

const SPACE: PoolSpace = { model: "toy", types: ["big", "mid", "small"], pricesPerHour: [3, 1.6, 1], maxCounts: [4, 5, 6] };
const grid = new PoolGrid(SPACE);
// capacity 3·big + 1.6·mid + 1·small; feasible (rate 100) from capacity 9 on
const rates = Float64Array.from({ length: grid.size }, (_, i) => {
  const [a, b, c] = grid.pool(i);
  const cap = 3 * a + 1.6 * b + c;
  return cap >= 9 ? 100 : Math.round(10 * cap);
});
const table = () => new LookupEvaluator(grid, { rates, priceMismatches: 0, source: "toy.json" });
const base = { seeds: 3, budget: 60, initialSamples: 2, eiStop: 0, targetRate: 99 };

describe("compareOptimisers", () => {
  it("finds the table's optimum and summarises every method over every seed", async () => {
    const progress: string[] = [];
    const c = await compareOptimisers(grid, table(), { ...base, methods: ["improved", "random"], onProgress: (m) => progress.push(m) });
    expect(c.optimum.index).toBe(cheapestFeasible(grid, rates));
    expect(c.homogeneous).toEqual(bestHomogeneous(grid, (i) => rates[i]));
    expect(c.methods.map((m) => [m.method, m.runs])).toEqual([["improved", 3], ["random", 3]]);
    // random search with the artifact's pruning ends at the certificate: it always finds the optimum
    expect(c.methods[1].foundOptimum).toBe(3);
    expect(c.shown?.method).toBe("improved");
    expect(progress).toContain("random, seed 2");
  });

  it("runs the capacity method beside the faithful baseline when given the load shares, and says when they are missing", async () => {
    // Load share per instance ∝ capacity: 9 units of capacity carry the load.
    const c = await compareOptimisers(grid, table(), { ...base, methods: ["faithful", "improved-capacity"], capacity: [3 / 9, 1.6 / 9, 1 / 9] });
    expect(c.methods.map((m) => m.method)).toEqual(["faithful", "improved-capacity"]);
    expect(c.methods[1].foundOptimum).toBe(3);
    expect(c.methods[1].medianEvaluationsToBest).not.toBeNull();
    await expect(compareOptimisers(grid, table(), { ...base, methods: ["improved-capacity"] })).rejects.toThrow(/capacity acquisition needs the capacity prior/);
  });

  it("rejects an unknown method with a RangeError naming the known ones", async () => {
    await expect(compareOptimisers(grid, table(), { ...base, methods: ["improved", "magic"] })).rejects.toThrow(RangeError);
    await expect(compareOptimisers(grid, table(), { ...base, methods: ["magic"] })).rejects.toThrow(/unknown method "magic".*hill-climb/);
  });

  it("stops with InterruptedError when the signal is aborted", async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(compareOptimisers(grid, table(), { ...base, methods: ["improved"], signal: ac.signal })).rejects.toBeInstanceOf(InterruptedError);
  });
});
