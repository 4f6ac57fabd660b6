import type { RibbonPayload } from "greenai-common";
import { cheapestFeasible, isFeasible, paretoFront, ribbonFigure, ribbonHasP99, ribbonInitialView, ribbonStatusLine, yRange } from "../../extension/src/figures/ribbon";
import { LIGHT_THEME, type Trace } from "../../extension/src/figures/types";
import { summarizeNotebook } from "../../extension/src/summary";
import { latencyBounds, rateBounds } from "../../extension/src/widgets/ribbon";
import { smallRibbon } from "./fixtures";

const byRole = (data: Trace[], role: string) => data.find((t) => (t.meta as { role: string }).role === role) as Trace & { x: number[]; y: number[]; meta: { orders?: number[]; order?: number } };

describe("ribbon figure", () => {
  const p = smallRibbon();
  const rate = (targetRate: number) => ({ ...ribbonInitialView(p), targetRate });

  it("uses the payload's target by default", () => {
    expect(ribbonInitialView(p)).toEqual({ metric: "rate", targetRate: 99, latencyMs: 100 });
    expect(ribbonHasP99(p)).toBe(true);
  });

  it("picks the cheapest feasible pool, ties to the better rate (hand-computed)", () => {
    expect(cheapestFeasible(p.evaluations, rate(99))?.order).toBe(2); // $3: 99.5 % beats 99.2 %
    expect(cheapestFeasible(p.evaluations, rate(97))?.order).toBe(1);
    expect(cheapestFeasible(p.evaluations, rate(99.6))?.order).toBe(3);
    expect(cheapestFeasible(p.evaluations, rate(99.95))).toBeNull();
  });

  it("agrees with the payload's own best at the payload's target", () => {
    const pick = cheapestFeasible(p.evaluations, ribbonInitialView(p));
    expect(pick?.pool).toEqual(p.best?.pool);
    expect(pick?.price_per_hour).toBe(p.best?.price_per_hour);
  });

  it("finds the Pareto front of cost against rate", () => {
    expect(paretoFront(p.evaluations, rate(99)).map((e) => e.order)).toEqual([0, 1, 2, 3]);
  });

  it("in p99 mode, feasibility is p99 ≤ bound and the front minimises latency", () => {
    const v = { metric: "p99" as const, targetRate: 99, latencyMs: 100 };
    expect(p.evaluations.filter((e) => isFeasible(e, v)).map((e) => e.order)).toEqual([2, 3, 4]);
    expect(cheapestFeasible(p.evaluations, v)?.order).toBe(2); // $3: 90 ms beats 95 ms
    expect(paretoFront(p.evaluations, v).map((e) => e.order)).toEqual([0, 1, 2, 3]);
  });

  it("draws feasible and infeasible points apart, coloured by search order", () => {
    const f = ribbonFigure(p, rate(99), LIGHT_THEME);
    expect(byRole(f.data, "feasible").meta.orders).toEqual([2, 3, 4]);
    expect(byRole(f.data, "infeasible").meta.orders).toEqual([0, 1]);
    expect((byRole(f.data, "feasible").marker as { color: number[] }).color).toEqual([2, 3, 4]);
    expect((byRole(f.data, "infeasible").marker as { symbol: string }).symbol).toBe("x-open");
    expect(byRole(f.data, "path").x).toEqual([1, 2, 3, 4, 3]);
    expect(byRole(f.data, "homogeneous").x).toEqual([3, 3]);
    expect(byRole(f.data, "pick").meta.order).toBe(2);
    expect(f.feasible).toBe(3);
  });

  it("moves the target line and re-picks when the target changes", () => {
    const a = ribbonFigure(p, rate(99), LIGHT_THEME);
    const b = ribbonFigure(p, rate(97), LIGHT_THEME);
    const lineY = (f: typeof a) => (f.layout.shapes as { y0: number }[])[0].y0;
    expect(lineY(a)).toBe(99);
    expect(lineY(b)).toBe(97);
    expect(b.pick?.order).toBe(1);
    expect(byRole(b.data, "infeasible").meta.orders).toEqual([0]);
    const none = ribbonFigure(p, rate(99.95), LIGHT_THEME);
    expect(none.pick).toBeNull();
    expect(byRole(none.data, "pick")).toBeUndefined();
    expect((none.layout.title as { text: string }).text).toContain("no evaluated pool is feasible");
  });

  it("falls back to the rate view when p99 was not measured", () => {
    const q = { ...p, evaluations: p.evaluations.map((e) => ({ ...e, p99_ms: null })) };
    expect(ribbonHasP99(q)).toBe(false);
    expect(ribbonFigure(q, { metric: "p99", targetRate: 99, latencyMs: 100 }, LIGHT_THEME).view.metric).toBe("rate");
  });

  it("zooms the y axis on the target and the better pools, not on one very bad pool", () => {
    // rates sorted: 80, 97, 99.2, 99.5, 99.9; lower quartile 97; padding max(0.5, 8 % of 2.9)
    expect(yRange(p.evaluations, rate(99))).toEqual([96.5, 100.4]);
    const r = yRange(p.evaluations, { metric: "p99", targetRate: 99, latencyMs: 100 })!;
    expect(r[0]).toBeLessThan(70);
    expect(r[1]).toBeGreaterThan(150); // upper quartile of p99 (150 ms) is inside
    expect(yRange([], rate(99))).toBeUndefined();
  });

  it("slider bounds cover the target and the measured values", () => {
    expect(rateBounds(p)).toEqual({ min: 79, max: 100, step: 0.1 });
    const lb = latencyBounds(p);
    expect(lb.min).toBeLessThanOrEqual(70);
    expect(lb.max).toBeGreaterThanOrEqual(300);
  });
});

/**
 * A whole grid, nothing searched: types a ($1/h, up to 3) and b ($3/h, up to 2), rates (%) in grid
 * order. At 99 %: 7 feasible, cheapest [1,1] at $4 (mixed), best homogeneous [0,2] at $6 (b; a
 * alone never reaches 99 %); at 97 %: 9 feasible, cheapest [2,0] at $2 (a alone).
 */
function smallGrid(): RibbonPayload {
  const rates: [number[], number][] = [
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
  return {
    ...smallRibbon(),
    title: "toy: whole grid",
    method: "exhaustive",
    stop_reason: "complete",
    evaluations: [],
    best: { pool: [1, 1], price_per_hour: 4, rate: 99.3 },
    homogeneous: [{ instance_type: "b", pool: [0, 2], price_per_hour: 6, rate: 99.9 }],
    grid: rates.map(([pool, rate]) => ({ pool, price_per_hour: pool[0] + 3 * pool[1], rate })),
  };
}

describe("ribbon figure of a whole grid", () => {
  const g = smallGrid();
  const at = (targetRate: number) => ribbonFigure(g, { ...ribbonInitialView(g), targetRate }, LIGHT_THEME);
  const pools = (t: Trace) => (t.text as string[]).map((s) => s.split("<br>")[0]);
  const title = (f: ReturnType<typeof at>) => (f.layout.title as { text: string }).text;

  it("marks the feasible pools apart from the infeasible ones", () => {
    const f = at(99);
    expect(f.grid).not.toBeNull();
    expect(f.feasible).toBe(7);
    const feas = byRole(f.data, "grid-feasible");
    const infeas = byRole(f.data, "grid-infeasible");
    expect(feas.name).toBe("feasible (7)");
    expect(feas.y.every((y) => y >= 99)).toBe(true);
    expect(infeas.name).toBe("infeasible (4)");
    expect(pools(infeas)).toEqual(["1× b", "1× a", "2× a", "3× a"]);
    expect((feas.marker as { color: string }).color).not.toBe((infeas.marker as { color: string }).color);
    // a grid has no search order: no path, no order colours
    expect(byRole(f.data, "path")).toBeUndefined();
    expect(f.layout.coloraxis).toBeUndefined();
  });

  it("labels the cheapest feasible pool and marks the front and the best homogeneous pool", () => {
    const f = at(99);
    const pick = byRole(f.data, "pick");
    expect(pick.x).toEqual([4]);
    expect(pick.y).toEqual([99.3]);
    expect(pick.mode).toBe("markers+text");
    expect(pick.text).toEqual(["cheapest feasible 1,1 · $4.000/h"]);
    expect(byRole(f.data, "front").x).toEqual([1, 2, 3, 4, 6, 7]);
    const hom = byRole(f.data, "homogeneous");
    expect(hom.x).toEqual([6]);
    expect(hom.text).toEqual(["b (best homogeneous)"]);
    expect(title(f)).toContain("toy · grid · all 11 pools evaluated · 7 feasible at 99% · cheapest feasible 1,1 at $4.000/h");
    expect(title(f)).not.toContain("0 pools evaluated");
    expect(ribbonStatusLine(g, f)).toBe(
      "cheapest feasible of all 11 pools: 1× a + 1× b at $4.000/h (rate 99.3%) · 7 feasible · best homogeneous 0,2 (b) at $6.000/h: the cheapest feasible pool saves 33.3%",
    );
  });

  it("re-picks when the QoS target moves", () => {
    const f = at(97);
    expect(f.feasible).toBe(9);
    expect(byRole(f.data, "pick").text).toEqual(["cheapest feasible 2,0 · $2.000/h"]);
    expect(byRole(f.data, "homogeneous").x).toEqual([2, 6]); // a alone now qualifies, and is the best
    expect(byRole(f.data, "homogeneous").text).toEqual(["a (best homogeneous)", "b"]);
    expect((f.layout.shapes as { y0: number }[])[0].y0).toBe(97);
    expect(title(f)).toContain("9 feasible at 97% · cheapest feasible 2,0 at $2.000/h");
    expect(byRole(at(99.95).data, "pick").text).toEqual(["cheapest feasible 3,1 · $6.000/h"]);
  });

  it("says so when no pool of the grid meets the target", () => {
    const f = at(100.5);
    expect(f.feasible).toBe(0);
    expect(byRole(f.data, "pick")).toBeUndefined();
    expect(byRole(f.data, "homogeneous")).toBeUndefined();
    expect(title(f)).toContain("0 feasible at 100.5% · the best rate is 100% at 1,2");
    expect(ribbonStatusLine(g, f)).toBe("no pool of the grid meets this target (all 11 evaluated; the best rate is 100% at 1× a + 2× b)");
  });

  it("keeps the search view for a search over a known grid", () => {
    const f = ribbonFigure({ ...smallRibbon(), grid: smallGrid().grid }, ribbonInitialView(smallRibbon()), LIGHT_THEME);
    expect(f.grid).toBeNull();
    expect(byRole(f.data, "grid").x).toHaveLength(11);
    expect(byRole(f.data, "pick").meta.order).toBe(2);
  });

  it("is listed in the notebook summary as fully evaluated", () => {
    const s = summarizeNotebook([{ index: 0, outputs: [{ data: { "application/vnd.greenai.ribbon+json": g } }] }]);
    expect(s.items[0].lines).toEqual(["chose 1× a + 1× b at $4.000/h", "all 11 pools of the grid evaluated; target 99% within 100 ms"]);
  });

  it("zooms on the target and the better grid pools; the slider spans the same band", () => {
    // rates sorted: 80 95 97 98.9 99.1 99.3 99.9 99.95 100 100 100; lower quartile 97; pad 0.5
    expect(yRange(g.grid!, ribbonInitialView(g))).toEqual([96.5, 100.5]);
    expect(rateBounds(g)).toEqual({ min: 96, max: 100, step: 0.1 });
  });
});
