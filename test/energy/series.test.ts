import { energyJFromPower, meanPowerW, seriesEnergy, spreadWholeSeconds, windowEnergies, windowEnergy, type DeviceSeries } from "../../kernel/src/energy/series";

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

describe("windowEnergies (one pass over samples and windows)", () => {
  // A fixed pseudo-random series with a gap, and windows that start before, end after and repeat boundaries.
  let seed = 7;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 0, x = 0; i < 400; i++) {
    x += i === 200 ? 30_000 : 50 + Math.floor(rnd() * 200);
    t.push(x);
    v.push(50 + 250 * rnd());
  }
  const s = power(t, v);
  const bounds = [-1000, 0, 500, 500, 12_345, 25_000, 40_000, 41_000, 60_000, 200_000];
  it("equals integrating each window on its own, with and without a gap limit", () => {
    for (const opts of [{}, { maxGapMs: 1000 }]) {
      const one = windowEnergies(s, bounds, opts);
      one.forEach((w, j) => {
        const alone = windowEnergy(s, bounds[j], bounds[j + 1], opts);
        expect(w.energy_j).toBeCloseTo(alone.energy_j, 9);
        expect(w.covered_ms).toBeCloseTo(alone.covered_ms, 9);
        if (bounds[j + 1] > bounds[j]) expect(w.missing_ms).toBeCloseTo(alone.missing_ms, 9);
      });
    }
  });
  it("adds up to the whole series, and the gap rule leaves the 30 s gap out", () => {
    const whole = seriesEnergy(s);
    const parts = windowEnergies(s, [t[0], 10_000, 20_000, t[t.length - 1]]);
    expect(parts.reduce((a, w) => a + w.energy_j, 0)).toBeCloseTo(whole.energy_j, 9);
    const gapped = seriesEnergy(s, { maxGapMs: 1000 });
    expect(gapped.gaps).toBe(1);
    expect(gapped.missing_ms).toBe(t[200] - t[199]);
    expect(whole.energy_j - gapped.energy_j).toBeCloseTo((0.5 * (v[199] + v[200]) * (t[200] - t[199])) / 1000, 9);
  });
  it("rejects descending boundaries", () => {
    expect(() => windowEnergies(s, [5, 4])).toThrow(/non-decreasing/);
  });
});

describe("spreadWholeSeconds", () => {
  it("leaves series with a fractional stamp unchanged", () => {
    expect(spreadWholeSeconds([1000, 1000, 2500])).toEqual({ t_ms: [1000, 1000, 2500], spread: false });
  });
});
