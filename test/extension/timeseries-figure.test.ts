import { decimateMinMax, lowerBound, upperBound } from "greenai-common";
import { rangeFromRelayout, sortedSeries, timeExtent, timeseriesFigure, toMs } from "../../extension/src/figures/timeseries";
import { LIGHT_THEME } from "../../extension/src/figures/types";
import { syntheticTimeseries } from "./fixtures";

describe("decimateMinMax", () => {
  const t = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

  it("keeps each bucket's min and max in time order (hand-computed)", () => {
    const v = [0, 5, 1, 1, 1, 9, 1, 1, 1, 2];
    expect(decimateMinMax(t, v, 0, 10, 2)).toEqual({ t: [0, 1, 5, 6], v: [0, 5, 9, 1] });
  });

  it("returns short windows unchanged", () => {
    expect(decimateMinMax(t, t, 2, 5, 2)).toEqual({ t: [2, 3, 4], v: [2, 3, 4] });
  });

  it("marks missing samples as gaps", () => {
    const v = [0, 5, null, 1, 1, 9, 1, 1, 1, 2];
    expect(decimateMinMax(t, v, 0, 10, 2)).toEqual({ t: [0, 1, 1, 5, 6], v: [0, 5, null, 9, 1] });
    const allNull = [null, null, null, null, null, 9, 1, 1, 1, 2];
    expect(decimateMinMax(t, allNull, 0, 10, 2).v[0]).toBeNull();
  });

  it("rejects a bucket count below 1", () => {
    expect(() => decimateMinMax(t, t, 0, 10, 0)).toThrow(RangeError);
  });

  it("finds window bounds by binary search", () => {
    expect(lowerBound(t, 3.5)).toBe(4);
    expect(upperBound(t, 4)).toBe(5);
    expect(lowerBound(t, -1)).toBe(0);
    expect(upperBound(t, 99)).toBe(10);
  });
});

describe("timeseriesFigure", () => {
  it("puts each group on its own axis sharing one time axis", () => {
    const f = timeseriesFigure(syntheticTimeseries(100), {}, LIGHT_THEME);
    expect(f.data.map((d) => d.yaxis)).toEqual(["y", "y2", "y3"]);
    expect(f.data.every((d) => d.xaxis === "x" && d.type === "scatter")).toBe(true);
    expect((f.layout.xaxis as { type: string; rangeslider: { visible: boolean } }).type).toBe("date");
    expect((f.layout.xaxis as { rangeslider: { visible: boolean } }).rangeslider.visible).toBe(true);
    expect((f.layout.yaxis2 as { title: { text: string } }).title.text).toBe("power (W)");
    expect(f.pointsDrawn).toBe(300);
    expect(f.webgl).toBe(false);
  });

  it("decimates a million points to WebGL traces that keep the spike", () => {
    const n = 1_000_000;
    const p = syntheticTimeseries(n, 777_777);
    const f = timeseriesFigure(p, { buckets: 1000 }, LIGHT_THEME);
    expect(f.pointsTotal).toBe(3 * n);
    expect(f.pointsDrawn).toBeLessThanOrEqual(3 * 2 * 1000);
    expect(f.webgl).toBe(true);
    expect(f.data.every((d) => d.type === "scattergl")).toBe(true);
    expect(Math.max(...(f.data[1].y as number[]))).toBe(1000);
  });

  it("re-decimates the visible window at full detail, with coarse context around it", () => {
    const p = syntheticTimeseries(100_000);
    const t0 = p.series[0].t_ms[50_000];
    const f = timeseriesFigure(p, { range: [t0, t0 + 999_000], buckets: 1000 }, LIGHT_THEME); // 1000 samples in view
    const x = f.data[0].x as number[];
    const inWindow = x.filter((t) => t >= t0 && t <= t0 + 999_000);
    expect(inWindow.length).toBe(1000); // ≤ 2·buckets: every sample in the window
    expect(x.length).toBeGreaterThan(inWindow.length); // context outside
    expect((f.layout.xaxis as { range: number[] }).range).toEqual([t0, t0 + 999_000]);
  });

  it("sorts unsorted series and reports the time extent", () => {
    const s = { name: "x", unit: "W", group: "power" as const, t_ms: [3, 1, 2], values: [30, 10, 20] };
    expect(sortedSeries(s)).toMatchObject({ t_ms: [1, 2, 3], values: [10, 20, 30] });
    expect(timeExtent([s, { ...s, t_ms: [0, 5, 6] }].map(sortedSeries))).toEqual([0, 6]);
    expect(timeExtent([])).toBeNull();
  });

  it("reads Plotly relayout events into windows", () => {
    expect(rangeFromRelayout({ "xaxis.autorange": true })).toBe("all");
    expect(rangeFromRelayout({ "xaxis.range[0]": "2024-01-01 00:00:10", "xaxis.range[1]": "2024-01-01 00:01:10.5" })).toEqual([Date.UTC(2024, 0, 1, 0, 0, 10), Date.UTC(2024, 0, 1, 0, 1, 10, 500)]);
    expect(rangeFromRelayout({ "xaxis.range": [5, 10] })).toEqual([5, 10]);
    expect(rangeFromRelayout({ "yaxis.range[0]": 1 })).toBeNull();
    expect(toMs("2024-01-01")).toBe(Date.UTC(2024, 0, 1));
  });

  it("handles an empty payload", () => {
    const f = timeseriesFigure({ schema_version: 1, kind: "timeseries", title: "empty", series: [] }, {}, LIGHT_THEME);
    expect(f.data).toEqual([]);
    expect(f.extent).toBeNull();
  });
});
