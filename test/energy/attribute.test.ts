import { attributeEnergy, type ActiveInterval } from "../../kernel/src/energy/attribute";
import { mulberry32 } from "../../kernel/src/trials/space";
import { seriesEnergy, type DeviceSeries } from "../../kernel/src/energy/series";

const flat = (device: string, w: number, t1 = 10_000): DeviceSeries => ({ device, kind: "power", t_ms: [0, t1], values: [w, w] });

describe("attributeEnergy", () => {
  it("splits power equally among the intervals running at each instant", () => {
    // 100 W for 10 s = 1000 J; A runs 0–10 s, B 5–10 s: A = 500 + 250, B = 250
    const a = attributeEnergy([flat("gpu0", 100)], [
      { key: "A", start_ms: 0, end_ms: 10_000 },
      { key: "B", start_ms: 5000, end_ms: 10_000 },
    ]);
    expect(a.by_key.A).toBeCloseTo(750, 9);
    expect(a.by_key.B).toBeCloseTo(250, 9);
    expect(a.unattributed_j).toBeCloseTo(0, 9);
    expect(a.total_j).toBeCloseTo(1000, 9);
  });

  it("leaves energy with no interval running unattributed (idle)", () => {
    const a = attributeEnergy([flat("cpu", 50)], [{ key: "A", start_ms: 2000, end_ms: 4000 }]);
    expect(a.by_key.A).toBeCloseTo(100, 9);
    expect(a.unattributed_j).toBeCloseTo(400, 9);
    expect(a.by_device.cpu).toMatchObject({ total_j: expect.closeTo(500, 9), attributed_j: expect.closeTo(100, 9) });
  });

  it("shares by weight", () => {
    const a = attributeEnergy([flat("gpu0", 90)], [
      { key: "A", start_ms: 0, end_ms: 10_000, weight: 2 },
      { key: "B", start_ms: 0, end_ms: 10_000, weight: 1 },
    ]);
    expect(a.by_key.A).toBeCloseTo(600, 9);
    expect(a.by_key.B).toBeCloseTo(300, 9);
  });

  it("attributes a device's energy only to intervals on that device (or on every device)", () => {
    const a = attributeEnergy([flat("gpu0", 100), flat("gpu1", 200)], [
      { key: "A", device: "gpu0", start_ms: 0, end_ms: 10_000 },
      { key: "B", device: "gpu1", start_ms: 0, end_ms: 10_000 },
      { key: "C", start_ms: 0, end_ms: 10_000 },
    ]);
    expect(a.by_key.A).toBeCloseTo(500, 9);
    expect(a.by_key.B).toBeCloseTo(1000, 9);
    expect(a.by_key.C).toBeCloseTo(1500, 9);
  });

  it("follows a power ramp inside an interval", () => {
    const ramp: DeviceSeries = { device: "d", kind: "power", t_ms: [0, 10_000], values: [0, 100] };
    const a = attributeEnergy([ramp], [{ key: "A", start_ms: 2000, end_ms: 4000 }]);
    expect(a.by_key.A).toBeCloseTo(60, 9);
  });

  it("reports interval time outside the samples and inside long gaps as missing", () => {
    const s: DeviceSeries = { device: "d", kind: "power", t_ms: [0, 1000, 31_000, 32_000], values: [10, 10, 10, 10] };
    const a = attributeEnergy([s], [{ key: "A", start_ms: -1000, end_ms: 33_000 }], { maxGapMs: 5000 });
    expect(a.by_key.A).toBeCloseTo(20, 9);
    expect(a.missing_ms_by_key.A).toBe(2000 + 30_000);
    expect(a.by_device.d.gap_ms).toBe(30_000);
  });

  it("gives 0 J to intervals of zero length and keeps every key", () => {
    const a = attributeEnergy([flat("d", 10)], [{ key: "Z", start_ms: 5000, end_ms: 5000 }]);
    expect(a.by_key).toEqual({ Z: 0 });
  });

  it("conserves energy on random series and intervals", () => {
    const rng = mulberry32(7);
    for (let rep = 0; rep < 20; rep++) {
      const n = 2 + Math.floor(rng() * 30);
      const t: number[] = [];
      let x = 0;
      for (let i = 0; i < n; i++) t.push((x += 1 + Math.floor(rng() * 500)));
      const s: DeviceSeries = { device: "d", kind: "power", t_ms: t, values: t.map(() => rng() * 300) };
      const ivs: ActiveInterval[] = [];
      for (let k = 0; k < 6; k++) {
        const a = Math.floor(rng() * x);
        ivs.push({ key: `k${k}`, start_ms: a, end_ms: a + Math.floor(rng() * x), weight: 0.5 + rng() });
      }
      const att = attributeEnergy([s], ivs);
      const sumKeys = Object.values(att.by_key).reduce((p, q) => p + q, 0);
      expect(sumKeys + att.unattributed_j).toBeCloseTo(seriesEnergy(s).energy_j, 6);
      expect(att.total_j).toBeCloseTo(seriesEnergy(s).energy_j, 6);
    }
  });

  it("refuses two series of one device", () => {
    expect(() => attributeEnergy([flat("d", 1), flat("d", 2)], [])).toThrow(/appears in two series/);
  });
});
