import { energyJFromPower, meanPowerW, seriesEnergy, windowEnergy, type DeviceSeries } from "../../kernel/src/energy/series";

const power = (t: number[], v: (number | null)[]): DeviceSeries => ({ device: "d", kind: "power", t_ms: t, values: v });

describe("energyJFromPower", () => {
  it("is the trapezoid sum", () => {
    // ½(100+200)·2 + ½(200+200)·1 = 300 + 200
    expect(energyJFromPower([0, 2, 3], [100, 200, 200])).toBe(500);
    expect(energyJFromPower([5], [100])).toBe(0);
    expect(energyJFromPower([], [])).toBe(0);
  });
  it("rejects unsorted times and mismatched lengths", () => {
    expect(() => energyJFromPower([0, 2, 1], [1, 1, 1])).toThrow(/sorted/);
    expect(() => energyJFromPower([0, 1], [1])).toThrow(/times but/);
  });
});

describe("windowEnergy", () => {
  const ramp = power([0, 10_000], [0, 100]); // P(t) = 10 W/s · t
  it("interpolates power linearly inside a window", () => {
    // ∫_2^4 10t dt = 5·(16 − 4) = 60 J
    expect(windowEnergy(ramp, 2000, 4000).energy_j).toBeCloseTo(60, 12);
    expect(windowEnergy(ramp, 0, 10_000).energy_j).toBeCloseTo(500, 12);
  });
  it("counts time outside the samples as missing", () => {
    const w = windowEnergy(ramp, -5000, 5000);
    expect(w.energy_j).toBeCloseTo(125, 12);
    expect(w.covered_ms).toBe(5000);
    expect(w.missing_ms).toBe(5000);
    expect(meanPowerW(w)).toBeCloseTo(25, 12);
  });
  it("skips gaps longer than maxGapMs", () => {
    const s = power([0, 1000, 60_000, 61_000], [100, 100, 100, 100]);
    expect(seriesEnergy(s).energy_j).toBeCloseTo(6100, 9);
    const w = seriesEnergy(s, { maxGapMs: 5000 });
    expect(w.energy_j).toBeCloseTo(200, 9);
    expect(w.missing_ms).toBe(59_000);
  });
  it("skips null and non-finite values and sorts by time", () => {
    const s = power([2000, 0, 1000, 3000], [100, 100, null, NaN]);
    expect(seriesEnergy(s).energy_j).toBeCloseTo(200, 12);
  });
  it("reads energy counters by their increase", () => {
    const c: DeviceSeries = { device: "rapl", kind: "energy-counter", t_ms: [0, 1000, 2000], values: [0, 30, 90] };
    expect(windowEnergy(c, 500, 1500).energy_j).toBeCloseTo(15 + 30, 12);
    expect(seriesEnergy(c).energy_j).toBe(90);
  });
  it("is empty for an empty or reversed window", () => {
    expect(windowEnergy(ramp, 5000, 5000).energy_j).toBe(0);
    expect(windowEnergy(power([], []), 0, 1000)).toEqual({ energy_j: 0, covered_ms: 0, missing_ms: 1000 });
  });
});
