/**
 * Energy per cell (issue 14): attribution of sampled power to cells and idle time, checked
 * against values computed by hand (power is linear between samples: trapezoids).
 */
import { attributeCells, cellEnergyJ, holdSeriesUntil } from "../../kernel/src/energy/live-attribution";
import { mulberry32 } from "../../kernel/src/trials/space";
import type { DeviceSeries } from "../../kernel/src/energy/series";

// 100 W for 1 s, a ramp 100 → 200 W over the next second, then 200 W for 1 s: 100 + 150 + 200 = 450 J
const step: DeviceSeries = { device: "gpu0", kind: "power", t_ms: [0, 1000, 2000, 3000], values: [100, 100, 200, 200] };

describe("attributeCells", () => {
  it("gives a cell starting inside a sample interval only its part, and back-to-back cells their own parts", () => {
    // A = [0.5, 1.5] s: 100 W × 0.5 s + (100 + 150)/2 W × 0.5 s = 50 + 62.5 = 112.5 J
    // B = [1.5, 2.5] s: (150 + 200)/2 W × 0.5 s + 200 W × 0.5 s = 87.5 + 100 = 187.5 J
    // idle = [0, 0.5] 50 J + [2.5, 3] 100 J = 150 J
    const a = attributeCells([step], [
      { key: "A", start_ms: 500, end_ms: 1500 },
      { key: "B", start_ms: 1500, end_ms: 2500 },
    ]);
    expect(a.by_cell.A.joules).toBeCloseTo(112.5, 9);
    expect(a.by_cell.B.joules).toBeCloseTo(187.5, 9);
    expect(a.idle_j).toBeCloseTo(150, 9);
    expect(a.total_j).toBeCloseTo(450, 9);
    expect(a.by_cell.A.seconds).toBe(1);
    expect(a.by_cell.A.average_w).toBeCloseTo(112.5, 9);
    expect(a.by_cell.B.missing_ms).toBe(0);
  });

  it("keeps total = Σ cells + idle with several cells and devices", () => {
    const cpu: DeviceSeries = { device: "cpu", kind: "power", t_ms: [0, 700, 1900, 3000], values: [10, 30, 20, 10] };
    const cells = [
      { key: "1", start_ms: 100, end_ms: 400 },
      { key: "2", start_ms: 400, end_ms: 1300 },
      { key: "3", start_ms: 2100, end_ms: 2900 },
    ];
    const a = attributeCells([step, cpu], cells);
    const sum = Object.values(a.by_cell).reduce((s, c) => s + c.joules, 0);
    expect(sum + a.idle_j).toBeCloseTo(a.total_j, 9);
    // cpu total: (10+30)/2·0.7 + (30+20)/2·1.2 + (20+10)/2·1.1 = 14 + 30 + 16.5
    expect(a.total_j).toBeCloseTo(450 + 60.5, 9);
    // cell 1 on both devices: gpu 100 W × 0.3 s = 30 J; cpu from 12.857… to 21.428… W over 0.3 s
    const cpuAt = (t: number) => 10 + (20 * t) / 700;
    expect(a.by_cell["1"].joules).toBeCloseTo(30 + ((cpuAt(100) + cpuAt(400)) / 2) * 0.3, 9);
  });

  it("holds the last reading up to untilMs for a cell that ended after the last sample", () => {
    // samples 100 W at 0 s, 200 W at 1 s; cell [0.8, 1.6] s, now 1.6 s:
    // (180 + 200)/2 × 0.2 + 200 × 0.6 = 38 + 120 = 158 J; idle [0, 0.8] = (100 + 180)/2 × 0.8 = 112 J
    const s: DeviceSeries = { device: "gpu0", kind: "power", t_ms: [0, 1000], values: [100, 200] };
    const a = attributeCells([s], [{ key: "C", start_ms: 800, end_ms: 1600 }], { untilMs: 1600 });
    expect(a.by_cell.C.joules).toBeCloseTo(158, 9);
    expect(a.idle_j).toBeCloseTo(112, 9);
    expect(a.total_j).toBeCloseTo(270, 9);
    // without untilMs only the sampled 0.2 s counts
    expect(attributeCells([s], [{ key: "C", start_ms: 800, end_ms: 1600 }]).by_cell.C.joules).toBeCloseTo(38, 9);
  });

  it("reads RAPL-style energy counters, extrapolating their last rate", () => {
    // cumulative 0, 50, 150 J at 0, 1, 2 s: cell [0.5, 1.5] s = 100 − 25 = 75 J
    const c: DeviceSeries = { device: "rapl:package-0", kind: "energy-counter", t_ms: [0, 1000, 2000], values: [0, 50, 150] };
    expect(attributeCells([c], [{ key: "A", start_ms: 500, end_ms: 1500 }]).by_cell.A.joules).toBeCloseTo(75, 9);
    // last rate 100 J/s held to 2.5 s: cell [1.8, 2.5] s = (150 + 50) − 130 = 70 J
    expect(attributeCells([c], [{ key: "B", start_ms: 1800, end_ms: 2500 }], { untilMs: 2500 }).by_cell.B.joules).toBeCloseTo(70, 9);
  });

  it("counts a cell's time before the first sample as missing, not as energy", () => {
    const s: DeviceSeries = { device: "gpu0", kind: "power", t_ms: [1000, 2000], values: [100, 100] };
    const a = attributeCells([s], [{ key: "A", start_ms: 0, end_ms: 1500 }]);
    expect(a.by_cell.A.joules).toBeCloseTo(50, 9);
    expect(a.by_cell.A.missing_ms).toBe(1000);
  });

  it("gives a cell of no duration 0 J and 0 W", () => {
    const a = attributeCells([step], [{ key: "Z", start_ms: 1200, end_ms: 1200 }]);
    expect(a.by_cell.Z).toEqual({ joules: 0, seconds: 0, average_w: 0, missing_ms: 0 });
    expect(a.idle_j).toBeCloseTo(450, 9);
  });

  it("rejects a cell ending before it starts and a key given twice", () => {
    expect(() => attributeCells([step], [{ key: "A", start_ms: 2000, end_ms: 1000 }])).toThrow(/cell A: end_ms must be a time ≥ start_ms/);
    expect(() =>
      attributeCells([step], [
        { key: "A", start_ms: 0, end_ms: 10 },
        { key: "A", start_ms: 20, end_ms: 30 },
      ]),
    ).toThrow(/cell key A appears twice/);
  });
});

describe("holdSeriesUntil", () => {
  it("repeats the last watts, skipping trailing nulls, and leaves series already long enough alone", () => {
    const s: DeviceSeries = { device: "d", kind: "power", t_ms: [0, 1000, 1500], values: [5, 7, null] };
    const [h] = holdSeriesUntil([s], 3000);
    expect(h.t_ms).toEqual([0, 1000, 1500, 3000]);
    expect(h.values).toEqual([5, 7, null, 7]);
    expect(holdSeriesUntil([step], 2500)[0]).toBe(step);
  });

  it("holds at most maxHoldMs after the last sample: a stalled meter leaves the rest missing", () => {
    const s: DeviceSeries = { device: "d", kind: "power", t_ms: [0, 1000], values: [100, 100] };
    expect(holdSeriesUntil([s], 60_000, 2000)[0].t_ms).toEqual([0, 1000, 3000]);
    // a cell [0.5, 60] s: 0.5 s sampled + 2 s held at 100 W = 250 J
    expect(cellEnergyJ([s], 500, 60_000, 60_000, 2000)).toBeCloseTo(250, 9);
  });
});

describe("cellEnergyJ", () => {
  it("gives one cell what attributeCells gives it, on random series, cells and hold times", () => {
    const rnd = mulberry32(14);
    for (let trial = 0; trial < 200; trial++) {
      const series: DeviceSeries[] = [0, 1].map((d) => {
        const t_ms: number[] = [];
        const values: number[] = [];
        let t = Math.floor(rnd() * 500);
        let e = 0;
        for (let i = 0; i < 2 + Math.floor(rnd() * 6); i++) {
          t_ms.push(t);
          e += rnd() * 100;
          values.push(d === 0 ? 50 + rnd() * 250 : e);
          t += 50 + Math.floor(rnd() * 700);
        }
        return { device: `d${d}`, kind: d === 0 ? "power" : "energy-counter", t_ms, values };
      });
      const start = Math.floor(rnd() * 3000);
      const end = start + Math.floor(rnd() * 2000);
      const until = end + (rnd() < 0.5 ? 0 : Math.floor(rnd() * 500));
      const want = attributeCells(series, [{ key: "c", start_ms: start, end_ms: end }], { untilMs: until }).by_cell.c.joules;
      expect(cellEnergyJ(series, start, end, until)).toBeCloseTo(want, 9);
    }
  });

  it("holds the last reading to the cell's end by default (158 J as above)", () => {
    const s: DeviceSeries = { device: "gpu0", kind: "power", t_ms: [0, 1000], values: [100, 200] };
    expect(cellEnergyJ([s], 800, 1600)).toBeCloseTo(158, 9);
    expect(() => cellEnergyJ([s], 10, 5)).toThrow(/endMs must be ≥ startMs but got 10..5/);
  });
});
