import { cheapestFeasible, isFeasible, paretoFront, ribbonFigure, ribbonHasP99, ribbonInitialView, yRange } from "../../extension/src/figures/ribbon";
import { LIGHT_THEME, type Trace } from "../../extension/src/figures/types";
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
