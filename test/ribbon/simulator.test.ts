import { cheapestFeasible } from "../../kernel/src/ribbon/baselines";
import { PoolGrid } from "../../kernel/src/ribbon/catalogue";
import { monotonicityFlips } from "../../kernel/src/ribbon/session";
import { ribbonProblemFromDir } from "../../kernel/src/ribbon/read";
import { Rng } from "../../kernel/src/ribbon/rng";
import {
  countMet,
  type DispatchPolicy,
  instanceTypes,
  rateFromCounts,
  ServingSimulator,
  simulateOnTrace,
  simulateTicks,
} from "../../kernel/src/ribbon/simulator";
import { MissingProfileError, queryTrace, serviceTable, type LatencyProfile, type QueryTrace, type ServiceTable, type Workload } from "../../kernel/src/ribbon/workload";
import { describeWithData } from "../helpers/shared-data";

/** A hand-made trace: arrivals and per-type service times (ms). */
function handTrace(arrivals: number[], service: number[][], qosMs: number): { trace: QueryTrace; table: ServiceTable } {
  const n = arrivals.length;
  const T = service[0].length;
  const trace: QueryTrace = {
    seed: 0,
    workload: { meanGapMs: 1, qosMs, queries: n, mix: "ribbon" },
    arrivalMs: Int32Array.from(arrivals),
    batch: new Int16Array(n).fill(10),
    pick: new Float64Array(n),
  };
  return { trace, table: { types: Array.from({ length: T }, (_, j) => `t${j}`), serviceMs: Int32Array.from(service.flat()) } };
}

function latencies(pool: number[], trace: QueryTrace, table: ServiceTable, dispatch: DispatchPolicy = "pool-order"): number[] {
  const typeOf = instanceTypes(pool);
  const lat = new Int32Array(trace.arrivalMs.length);
  countMet(typeOf, trace.arrivalMs, table.serviceMs, table.types.length, trace.workload.qosMs, dispatch, new Int32Array(typeOf.length), lat, new Float64Array(table.types.length));
  return Array.from(lat);
}

/** Synthetic profile: type j serves batch b in about (j + 1)·b/40 ms, with some zero latencies. */
function syntheticProfile(types: number, missing?: { type: number; batch: number }): LatencyProfile {
  const lists = new Map<string, Map<number, Float64Array>>();
  const rng = new Rng(99);
  for (let j = 0; j < types; j++) {
    const m = new Map<number, Float64Array>();
    for (let b = 10; b <= 500; b += 10) {
      if (missing && missing.type === j && missing.batch === b) continue;
      m.set(b, Float64Array.from({ length: 20 }, (_, i) => (i === 0 ? 0.4 : ((j + 1) * b) / 40 + rng.nextFloat() * 3)));
    }
    lists.set(`t${j}`, m);
  }
  return { model: "synthetic", lists };
}

describe("simulator on hand-made traces", () => {
  it("serves FIFO on the lowest-index free instance (pool order), hand-checked", () => {
    // instance 0: type 0 (fast), instance 1: type 1 (slow)
    const { trace, table } = handTrace([0, 0, 1, 10], [[3, 5], [3, 5], [2, 4], [1, 1]], 5);
    expect(latencies([1, 1], trace, table)).toEqual([3, 5, 4, 1]);
    expect(simulateOnTrace([1, 1], trace, table).rate).toBe(100);
    const strict = handTrace([0, 0, 1, 10], [[3, 5], [3, 5], [2, 4], [1, 1]], 4);
    expect(simulateOnTrace([1, 1], strict.trace, strict.table).met).toBe(3);
  });

  it("a service time of 0 still occupies the instance for one tick", () => {
    const { trace, table } = handTrace([0, 0, 0], [[0], [0], [2]], 10);
    expect(latencies([1], trace, table)).toEqual([0, 1, 4]);
    expect(Array.from(simulateTicks([1], trace, table))).toEqual([0, 1, 4]);
  });

  it("earliest-finish sends the query to the free instance that finishes it first", () => {
    // type 0 is listed first but slow for this query
    const { trace, table } = handTrace([0, 0], [[10, 2], [10, 2]], 5);
    expect(latencies([1, 1], trace, table, "pool-order")).toEqual([10, 2]);
    expect(latencies([1, 1], trace, table, "earliest-finish")).toEqual([2, 10]);
    expect(simulateOnTrace([1, 1], trace, table, "earliest-finish").met).toBe(1);
  });

  it("earliest-finish-all may wait for a busy fast instance instead of starting on a free slow one", () => {
    const { trace, table } = handTrace([0, 0], [[10, 2], [10, 2]], 5);
    expect(latencies([1, 1], trace, table, "earliest-finish-all")).toEqual([2, 4]);
    expect(simulateOnTrace([1, 1], trace, table, "earliest-finish-all").met).toBe(2);
  });

  it("reports percentiles, utilisation and makespan", () => {
    const { trace, table } = handTrace([0, 0, 1, 10], [[3, 5], [3, 5], [2, 4], [1, 1]], 5);
    const r = simulateOnTrace([1, 1], trace, table);
    expect(r.p50Ms).toBe(3.5); // latencies 1, 3, 4, 5
    expect(r.p99Ms).toBeCloseTo(4.97, 10);
    expect(r.makespanMs).toBe(11);
    expect(r.utilisation[0]).toBeCloseTo((3 + 2 + 1) / 11, 12);
    expect(r.utilisation[1]).toBeCloseTo(5 / 11, 12);
    expect(simulateOnTrace([0, 1], trace, table).utilisation[0]).toBeNull();
  });

  it("rounds rates to 2 decimals, half to even, exactly", () => {
    expect(rateFromCounts(24_999, 25_000)).toBe(100); // 99.996 → 100.00
    expect(rateFromCounts(1, 3)).toBe(33.33);
    expect(rateFromCounts(1, 8)).toBe(12.5);
    expect(rateFromCounts(1, 80_000)).toBe(0); // 0.00125 → 0.00
    expect(rateFromCounts(3, 80_000)).toBe(0); // 0.00375 → 0.00
    expect(rateFromCounts(5, 1_000_000)).toBe(0); // 0.0005 → 0.00
    expect(rateFromCounts(1, 400)).toBe(0.25);
    expect(rateFromCounts(1, 16_000)).toBe(0.01); // 0.00625 → 0.01
  });
});

describe("next-event simulator equals the literal tick loop", () => {
  const profile = syntheticProfile(3);
  const workload: Workload = { meanGapMs: 2, qosMs: 30, queries: 1500, mix: "ribbon" };
  const trace = queryTrace(workload, 3);
  const table = serviceTable(trace, profile, ["t0", "t1", "t2"]);
  const rng = new Rng(5);
  const pools: number[][] = [[1, 0, 0], [0, 0, 1], [3, 3, 3], [0, 5, 2]];
  while (pools.length < 30) {
    const p = [rng.uniformInt(0, 6), rng.uniformInt(0, 6), rng.uniformInt(0, 6)];
    if (p.some((c) => c > 0)) pools.push(p);
  }
  it.each(pools)("pool (%p, %p, %p): every query's latency matches", (...pool) => {
    expect(latencies(pool, trace, table)).toEqual(Array.from(simulateTicks(pool, trace, table)));
  });
});

/** Earliest-finish dispatch written the obvious way: start at max(arrival, earliest free), fastest free instance, ties by pool order. */
function earliestFinishReference(pool: number[], trace: QueryTrace, table: ServiceTable): number[] {
  const typeOf = instanceTypes(pool);
  const T = table.types.length;
  const freeAt = new Array<number>(typeOf.length).fill(0);
  const out: number[] = [];
  for (let k = 0; k < trace.arrivalMs.length; k++) {
    const t = trace.arrivalMs[k];
    const start = Math.max(t, Math.min(...freeAt));
    let best = -1;
    for (let j = 0; j < typeOf.length; j++) {
      if (freeAt[j] > start) continue;
      if (best < 0 || table.serviceMs[k * T + typeOf[j]] < table.serviceMs[k * T + typeOf[best]]) best = j;
    }
    const l = table.serviceMs[k * T + typeOf[best]];
    freeAt[best] = start + Math.max(l, 1);
    out.push(start - t + l);
  }
  return out;
}

describe("earliest-finish dispatch equals its plain definition", () => {
  const profile = syntheticProfile(3);
  const trace = queryTrace({ meanGapMs: 1.2, qosMs: 30, queries: 1500, mix: "ribbon" }, 8);
  const table = serviceTable(trace, profile, ["t0", "t1", "t2"]);
  it.each([[1, 0, 0], [0, 2, 3], [2, 2, 2], [0, 0, 7], [5, 1, 0], [1, 6, 6]])("pool (%p, %p, %p)", (...pool) => {
    expect(latencies(pool, trace, table, "earliest-finish")).toEqual(earliestFinishReference(pool, trace, table));
  });
});

describe("missing latency profiles", () => {
  it("names the instance type and the batch size the trace needs", () => {
    const trace = queryTrace({ meanGapMs: 2, qosMs: 30, queries: 20000, mix: "ribbon" }, 1);
    const profile = syntheticProfile(2, { type: 1, batch: 170 });
    expect(() => serviceTable(trace, profile, ["t0", "t1"])).toThrow(MissingProfileError);
    expect(() => serviceTable(trace, profile, ["t0", "t1"])).toThrow(/on t1 lacks batch size 170/);
    expect(() => serviceTable(trace, profile, ["t0", "t9"])).toThrow(/no latency profile of synthetic on instance type t9/);
  });
});

describeWithData("ribbon", "simulator invariants on the RIBBON profiles", (dir) => {
  const problem = ribbonProblemFromDir(dir, "candle");
  const sim = new ServingSimulator(problem.profile, problem.space, problem.workload);
  const grid = new PoolGrid(problem.space);
  let rates: Float64Array;

  beforeAll(() => {
    rates = sim.rates(grid.counts, 0);
  });

  it("is deterministic per seed and changes with the seed", () => {
    const a = sim.simulate([6, 0, 2], 4);
    const b = new ServingSimulator(problem.profile, problem.space, problem.workload).simulate([6, 0, 2], 4);
    expect(b).toEqual(a);
    const c = sim.simulate([6, 0, 2], 5);
    expect([c.met, c.p50Ms, c.makespanMs]).not.toEqual([a.met, a.p50Ms, a.makespanMs]);
    expect(sim.rates(grid.counts.subarray(0, 300), 0)).toEqual(rates.subarray(0, 100));
  });

  it("a bigger pool is never worse on the same seed, except rarely and by little", () => {
    let pairs = 0;
    let worse = 0;
    let flips = 0;
    for (let i = 0; i < grid.size; i++) {
      const c = grid.pool(i);
      for (let j = 0; j < 3; j++) {
        if (c[j] === problem.space.maxCounts[j]) continue;
        const up = [...c];
        up[j]++;
        const k = grid.indexOf(up);
        pairs++;
        if (rates[k] < rates[i] - 0.1) worse++;
        if (rates[i] >= 99 && rates[k] < 99) flips++;
      }
    }
    expect(pairs).toBe(2945);
    expect(worse / pairs).toBeLessThan(0.01);
    expect(flips).toBeLessThanOrEqual(10);
  });

  it("the rate falls as the load rises", () => {
    const pool = [6, 0, 2];
    const out = [6, 4.5, 3.6, 3, 2.7, 2.4].map((gap) => new ServingSimulator(problem.profile, problem.space, { ...problem.workload, meanGapMs: gap }).simulate(pool, 0).rate);
    for (let k = 1; k < out.length; k++) expect(out[k]).toBeLessThanOrEqual(out[k - 1]);
    expect(out[0]).toBeGreaterThan(99.5);
    expect(out[out.length - 1]).toBeLessThan(50);
  });

  it("reports consistent statistics", () => {
    const r = sim.simulate([6, 0, 2], 0);
    expect(r.p50Ms).toBeLessThanOrEqual(r.p95Ms);
    expect(r.p95Ms).toBeLessThanOrEqual(r.p99Ms);
    expect(r.rate >= 99).toBe(r.p99Ms <= problem.workload.qosMs);
    for (const u of r.utilisation) if (u !== null) expect(u > 0 && u <= 1).toBe(true);
    expect(r.rate).toBe(rates[grid.indexOf([6, 0, 2])]);
  });

  it("earliest-finish dispatch is never worse by much and better on many pools", () => {
    const ef = sim.rates(grid.counts, 0, "earliest-finish");
    let better = 0;
    let muchWorse = 0;
    for (let i = 0; i < grid.size; i++) {
      if (ef[i] > rates[i]) better++;
      if (ef[i] < rates[i] - 1) muchWorse++;
    }
    expect(better).toBeGreaterThan(grid.size / 10);
    expect(muchWorse).toBeLessThan(grid.size / 100);
  });
});

describeWithData("kairos", "dispatch and monotonicity on the Kairos profiles", (dir) => {
  it("slow instances break monotonicity under pool order; earliest-finish-all restores it", () => {
    const problem = ribbonProblemFromDir(dir, "mtwnd", {
      qosMs: 10,
      meanGapMs: 1,
      queries: 3000,
      types: ["g4dn.xlarge", "r5n.large", "t3.xlarge"],
      maxCounts: [5, 8, 8],
    });
    const sim = new ServingSimulator(problem.profile, problem.space, problem.workload);
    const grid = new PoolGrid(problem.space);
    const po = sim.rates(grid.counts, 0, "pool-order");
    const all = sim.rates(grid.counts, 0, "earliest-finish-all");
    // Adding one slow instance to the all-GPU pool hurts under pool order, not under earliest-finish-all.
    expect(po[grid.indexOf([4, 0, 1])]).toBeLessThan(99);
    expect(po[grid.indexOf([4, 0, 0])]).toBeGreaterThanOrEqual(99);
    expect(all[grid.indexOf([4, 0, 1])]).toBeGreaterThanOrEqual(99);
    expect(monotonicityFlips(grid, all)).toBe(0);
    expect(grid.pool(cheapestFeasible(grid, all))).toEqual([3, 1, 0]);
    expect(grid.pool(cheapestFeasible(grid, po))).toEqual([4, 0, 0]);
  });
});
