import type { RibbonPayload } from "../../common/src/payloads";
import {
  cheapestMeeting,
  dollarsPerHour,
  homogeneousType,
  meetsQos,
  paretoFrontOf,
  rateCriterion,
  ribbonGridHeadline,
  ribbonGridPicks,
  ribbonHomogeneousLine,
  ribbonIsGrid,
} from "../../common/src/ribbon-picks";

/**
 * Types a ($1/h, up to 3) and b ($3/h, up to 2), every pool with a hand-set rate (%), in grid
 * order (a slowest). [2,1] is below [1,1] (one more instance, lower rate: not monotone).
 */
const RATES: [number[], number][] = [
  [[0, 1], 95],
  [[0, 2], 99.9],
  [[1, 0], 80],
  [[1, 1], 99.3],
  [[1, 2], 100],
  [[2, 0], 97],
  [[2, 1], 99.1],
  [[2, 2], 100],
  [[3, 0], 98.9],
  [[3, 1], 99.95],
  [[3, 2], 100],
];

function gridPayload(): RibbonPayload {
  return {
    schema_version: 1,
    kind: "ribbon",
    title: "toy grid",
    model: "toy",
    instance_types: ["a", "b"],
    prices_per_hour: [1, 3],
    qos_ms: 100,
    target_rate: 99,
    method: "exhaustive",
    stop_reason: "complete",
    evaluations: [],
    best: { pool: [1, 1], price_per_hour: 4, rate: 99.3 },
    homogeneous: [{ instance_type: "b", pool: [0, 2], price_per_hour: 6, rate: 99.9 }],
    grid: RATES.map(([pool, rate]) => ({ pool, price_per_hour: pool[0] + 3 * pool[1], rate })),
  };
}

const pools = (gs: readonly { pool: number[] }[]) => gs.map((g) => g.pool.join(","));

describe("ribbon picks of a whole grid", () => {
  const p = gridPayload();

  it("knows a whole grid from a search", () => {
    expect(ribbonIsGrid(p)).toBe(true);
    const ev = { order: 0, pool: [1, 1], price_per_hour: 4, rate: 99.3, p99_ms: null, feasible: true };
    expect(ribbonIsGrid({ ...p, evaluations: [ev] })).toBe(false);
    expect(ribbonIsGrid({ ...p, grid: [] })).toBe(false);
    expect(ribbonIsGrid({ ...p, grid: undefined })).toBe(false);
  });

  it("at 99 %: the feasible pools, the cheapest (mixed), the front and the homogeneous pools (hand-computed)", () => {
    const g = ribbonGridPicks(p);
    expect(g.targetRate).toBe(99);
    expect(g.pools).toBe(11);
    expect(pools(g.feasible)).toEqual(["0,2", "1,1", "1,2", "2,1", "2,2", "3,1", "3,2"]);
    expect(pools(g.infeasible)).toEqual(["0,1", "1,0", "2,0", "3,0"]);
    expect(g.cheapest?.pool).toEqual([1, 1]);
    // by price; at $3 98.9 % beats 95 %, at $6 99.95 % beats 99.9 %; $5, $8, $9 add no rate
    expect(pools(g.front)).toEqual(["1,0", "2,0", "3,0", "1,1", "3,1", "1,2"]);
    expect(g.homogeneous.map((h) => [h.instance_type, h.point.pool])).toEqual([["b", [0, 2]]]); // a alone never reaches 99 %
    expect(g.bestHomogeneous?.instance_type).toBe("b");
    expect(g.topRate?.pool).toEqual([1, 2]); // 100 %, the first of three in grid order
  });

  it("agrees with the payload's own best and homogeneous pools at the payload's target", () => {
    const g = ribbonGridPicks(p);
    expect({ pool: g.cheapest?.pool, price_per_hour: g.cheapest?.price_per_hour, rate: g.cheapest?.rate }).toEqual(p.best);
    expect(g.homogeneous.map((h) => ({ instance_type: h.instance_type, ...h.point }))).toEqual(p.homogeneous);
  });

  it("re-picks for other targets", () => {
    const at97 = ribbonGridPicks(p, 97);
    expect(at97.feasible).toHaveLength(9);
    expect(at97.cheapest?.pool).toEqual([2, 0]);
    expect(at97.homogeneous.map((h) => h.point.pool)).toEqual([
      [2, 0],
      [0, 2],
    ]);
    expect(at97.bestHomogeneous?.instance_type).toBe("a");
    expect(ribbonGridPicks(p, 99.95).cheapest?.pool).toEqual([3, 1]); // $6 before [1,2] at $7
    expect(ribbonGridPicks(p, 100).cheapest?.pool).toEqual([1, 2]);
    const none = ribbonGridPicks(p, 100.5);
    expect(none.cheapest).toBeNull();
    expect(none.feasible).toHaveLength(0);
    expect(none.bestHomogeneous).toBeNull();
    // the front does not depend on the target
    expect(pools(none.front)).toEqual(pools(ribbonGridPicks(p).front));
  });

  it("says it in one headline, the same words for figure and text", () => {
    expect(ribbonGridHeadline(ribbonGridPicks(p))).toBe("grid · all 11 pools evaluated · 7 feasible at 99% · cheapest feasible 1,1 at $4.000/h");
    expect(ribbonGridHeadline(ribbonGridPicks(p, 99.95))).toBe("grid · all 11 pools evaluated · 4 feasible at 99.95% · cheapest feasible 3,1 at $6.000/h");
    expect(ribbonGridHeadline(ribbonGridPicks(p, 100.5))).toBe("grid · all 11 pools evaluated · 0 feasible at 100.5% · the best rate is 100% at 1,2");
    expect(ribbonHomogeneousLine(ribbonGridPicks(p))).toBe("best homogeneous 0,2 (b) at $6.000/h: the cheapest feasible pool saves 33.3%");
    expect(ribbonHomogeneousLine(ribbonGridPicks(p, 97))).toBe("best homogeneous 2,0 (a) at $2.000/h: it is the cheapest feasible pool");
    // [0,1] at $3 ties with [3,0] (a alone), which rates it higher
    expect(ribbonHomogeneousLine(ribbonGridPicks({ ...p, grid: p.grid!.map((g) => (g.pool.join() === "0,1" ? { ...g, rate: 99.99 } : g)) }, 98.9))).toBe(
      "best homogeneous 0,1 (b) at $3.000/h: it is the cheapest feasible pool",
    );
    expect(ribbonHomogeneousLine(ribbonGridPicks(p, 99.95))).toBeNull();
    // a ($1) and b ($2): the mixed [1,1] and [3,0] (a alone) both cost $3; the mixed one rates higher
    const tie: RibbonPayload = {
      ...p,
      grid: [
        { pool: [1, 1], price_per_hour: 3, rate: 99.5 },
        { pool: [3, 0], price_per_hour: 3, rate: 99.2 },
        { pool: [0, 1], price_per_hour: 2, rate: 90 },
      ],
    };
    expect(ribbonGridPicks(tie).cheapest?.pool).toEqual([1, 1]);
    expect(ribbonHomogeneousLine(ribbonGridPicks(tie))).toBe("best homogeneous 3,0 (a) at $3.000/h: as cheap as the cheapest feasible pool");
  });

  it("writes thousands with separators", () => {
    const big: RibbonPayload = { ...p, grid: Array.from({ length: 1088 }, (_, i) => ({ pool: [i % 4, 1], price_per_hour: 1 + i, rate: i < 312 ? 99.5 : 50 })) };
    expect(ribbonGridHeadline(ribbonGridPicks(big))).toBe("grid · all 1,088 pools evaluated · 312 feasible at 99% · cheapest feasible 0,1 at $1.000/h");
  });
});

describe("ribbon pick primitives", () => {
  type P = { pool: number[]; price_per_hour: number; rate: number; p99_ms: number | null };
  const pt = (price: number, rate: number, p99: number | null = null): P => ({ pool: [price], price_per_hour: price, rate, p99_ms: p99 });

  it("feasibility holds at the bound and needs a finite measure", () => {
    expect(meetsQos(pt(1, 99), rateCriterion(99))).toBe(true);
    expect(meetsQos(pt(1, 98.99), rateCriterion(99))).toBe(false);
    expect(meetsQos(pt(1, NaN), rateCriterion(0))).toBe(false);
    const p99 = { value: (q: P) => q.p99_ms, higherIsBetter: false, bound: 100 };
    expect(meetsQos(pt(1, 0, 100), p99)).toBe(true);
    expect(meetsQos(pt(1, 0, 101), p99)).toBe(false);
    expect(meetsQos(pt(1, 100, null), p99)).toBe(false);
  });

  it("cheapest: ties go to the better QoS, then to the earlier point", () => {
    const a = pt(3, 99.2);
    const b = pt(3, 99.5);
    const c = pt(3, 99.5);
    expect(cheapestMeeting([a, b, c], rateCriterion(99))).toBe(b);
    expect(cheapestMeeting([c, b, a], rateCriterion(99))).toBe(c);
    expect(cheapestMeeting([a, b, pt(NaN, 100)], rateCriterion(99))).toBe(b); // an unpriced pool is never the pick
    expect(cheapestMeeting([a, b], rateCriterion(99.6))).toBeNull();
  });

  it("the front skips unmeasured points and keeps the earlier of exact duplicates", () => {
    const first = pt(2, 97);
    const dup = pt(2, 97);
    const front = paretoFrontOf([pt(1, 80), dup, first, pt(3, NaN), pt(4, 99)].reverse(), rateCriterion(99));
    expect(front.map((q) => q.price_per_hour)).toEqual([1, 2, 4]);
    expect(front[1]).toBe(first); // reversed: `first` comes before `dup`
  });

  it("homogeneousType names the one type a pool uses", () => {
    expect(homogeneousType([0, 3, 0])).toBe(1);
    expect(homogeneousType([1, 3, 0])).toBe(-1);
    expect(homogeneousType([0, 0, 0])).toBe(-1);
  });

  it("dollars per hour: three decimals below $10, two above", () => {
    expect(dollarsPerHour(1.2345)).toBe("$1.234/h"); // toFixed rounds the binary value 1.23449…
    expect(dollarsPerHour(12.345)).toBe("$12.35/h");
  });
});
