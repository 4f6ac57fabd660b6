/** timeseriesPayload decimates each series with greenai-common's decimateMinMax, within --max-points. */
import { timeseriesPayload } from "../../kernel/src/datasets/series";

function gpuColumns(n: number) {
  const tMs = Array.from({ length: n }, (_, i) => 1_600_000_000_000 + 100 * i);
  // a spike at 500, and missing samples 700..709
  const power = tMs.map((_, i) => (i === 500 ? 400 : i >= 700 && i < 710 ? null : 100 + (i % 7)));
  return { tMs, gpuIndex: tMs.map(() => 0), node: tMs.map(() => "n1"), metrics: { power_draw_W: power } };
}

describe("timeseriesPayload decimation", () => {
  it("keeps at most maxPoints points per series, with the spike and a gap marker", () => {
    const p = timeseriesPayload({ title: "t", gpu: gpuColumns(1000), maxPoints: 30 });
    const s = p.series.find((x) => x.group === "power")!;
    expect(s.t_ms.length).toBe(s.values.length);
    expect(s.t_ms.length).toBeLessThanOrEqual(30);
    expect(Math.max(...s.values.filter((v): v is number => v !== null))).toBe(400);
    expect(s.values).toContain(null);
    expect([...s.t_ms].sort((a, b) => a - b)).toEqual(s.t_ms);
  });

  it("returns a series that fits unchanged", () => {
    const g = gpuColumns(20);
    const s = timeseriesPayload({ title: "t", gpu: g, maxPoints: 20 }).series[0];
    expect(s.t_ms).toEqual(g.tMs);
    expect(s.values).toEqual(g.metrics.power_draw_W);
  });

  it.each([2, 0, 2.5])("rejects maxPoints %p", (m) => {
    expect(() => timeseriesPayload({ title: "t", gpu: gpuColumns(10), maxPoints: m })).toThrow(RangeError);
  });
});
