import { gpuEnergies, jobEnergy } from "../../kernel/src/datasets/energy";
import { energyJFromPower, spreadWholeSeconds, windowEnergies, type DeviceSeries } from "../../kernel/src/energy/series";

describe("energyJFromPower (trapezoidal)", () => {
  it("integrates by hand-computed trapezoids", () => {
    // ½(100+200)·1 + ½(200+200)·2 + ½(200+50)·0.5 = 150 + 400 + 62.5
    expect(energyJFromPower([0, 1, 3, 3.5], [100, 200, 200, 50])).toBeCloseTo(612.5, 12);
  });
  it("is 0 for fewer than two samples", () => {
    expect(energyJFromPower([], [])).toBe(0);
    expect(energyJFromPower([5], [300])).toBe(0);
  });
  it("skips missing samples", () => {
    // NaN at t=1 is skipped: ½(100+300)·2
    expect(energyJFromPower([0, 1, 2], [100, NaN, 300])).toBe(400);
  });
  it("leaves out gaps longer than maxGapS", () => {
    expect(energyJFromPower([0, 1, 100, 101], [100, 100, 100, 100], { maxGapS: 60 })).toBe(200);
  });
  it("rejects unordered times and mismatched lengths", () => {
    expect(() => energyJFromPower([0, 2, 1], [1, 1, 1])).toThrow(/time order/);
    expect(() => energyJFromPower([0, 1], [1])).toThrow(/same length/);
  });
});

describe("spreadWholeSeconds", () => {
  it("spaces rows sharing a whole second evenly, in row order", () => {
    const { t_ms, spread } = spreadWholeSeconds([10_000, 10_000, 10_000, 10_000, 11_000, 11_000]);
    expect(spread).toBe(true);
    expect(t_ms).toEqual([10_000, 10_250, 10_500, 10_750, 11_000, 11_500]);
  });
  it("leaves fractional and duplicate-free times alone", () => {
    expect(spreadWholeSeconds([10_100, 10_200, 10_200]).spread).toBe(false);
    expect(spreadWholeSeconds([10_000, 11_000, 12_000]).spread).toBe(false);
  });
});

describe("gpuEnergies and jobEnergy", () => {
  it("integrates each (node, GPU) separately and sums them", () => {
    const tMs = [0, 0, 1000, 1000, 2000, 2000, 0, 1000];
    const gpu = [0, 1, 0, 1, 0, 1, 0, 0];
    const p = [100, 50, 100, 50, 100, null, 200, 200];
    const node = ["a", "a", "a", "a", "a", "a", "b", "b"];
    const per = gpuEnergies({ tMs, gpuIndex: gpu, powerW: p, node });
    expect(per.map((g) => [g.node, g.gpu_index, g.energy_j, g.samples])).toEqual([
      ["a", 0, 200, 3],
      ["a", 1, 50, 2],
      ["b", 0, 200, 2],
    ]);
    const job = jobEnergy("123", per);
    expect(job.energy_j).toBe(450);
    expect(job.energy_wh).toBeCloseTo(0.125, 12);
    expect(job).toMatchObject({ unit: "J", measured: true, job_id: "123" });
    expect(job.source).toMatch(/trapezoidal per GPU, summed/);
  });

  it("spreads whole-second timestamps before integrating", () => {
    // 4 samples per second at 100 W, whole-second stamps, over 2 s → spread to 0, .25, … 2.75
    const tMs = [0, 0, 0, 0, 1000, 1000, 1000, 1000, 2000, 2000, 2000, 2000];
    const per = gpuEnergies({ tMs, gpuIndex: new Array(12).fill(0), powerW: new Array(12).fill(100), node: "n" });
    expect(per[0].timestamps).toBe("whole-second");
    expect(per[0].energy_j).toBeCloseTo(275, 9);
    expect(per[0].mean_power_w).toBeCloseTo(100, 9);
  });

  it("gives the same energy for a ms-stamped and a whole-second-stamped copy of one series", () => {
    const n = 600;
    const tMs = Array.from({ length: n }, (_, i) => 1626100863000 + i * 100);
    const p = Array.from({ length: n }, (_, i) => 150 + 80 * Math.sin(i / 20));
    const exact = gpuEnergies({ tMs, gpuIndex: new Array(n).fill(0), powerW: p }).at(0)!.energy_j;
    const whole = gpuEnergies({ tMs: tMs.map((t) => Math.floor(t / 1000) * 1000), gpuIndex: new Array(n).fill(0), powerW: p }).at(0)!.energy_j;
    expect(Math.abs(whole - exact) / exact).toBeLessThan(0.01);
  });

  it("rejects a bad maxGapS", () => {
    expect(() => gpuEnergies({ tMs: [], gpuIndex: [], powerW: [] }, { maxGapS: 0 })).toThrow(RangeError);
  });
});

describe("windowEnergies (epoch energy for TPE), on seconds as in the Supercloud series", () => {
  const power = (tS: number[], p: number[]): DeviceSeries => ({ device: "g", kind: "power", t_ms: tS.map((t) => t * 1000), values: p });
  const joules = (s: DeviceSeries, bS: number[]) => windowEnergies(s, bS.map((b) => b * 1000)).map((w) => w.energy_j);
  it("splits the trapezoids at the boundaries", () => {
    // Power 100 W flat from 0 to 4 s, then 300 W at 6 s (ramp 4→6).
    const t = [0, 2, 4, 6];
    const p = [100, 100, 100, 300];
    // [0,3): 300 J; [3,5): 100 + ½(100+200)·1 = 250 J; [5,6): ½(200+300)·1 = 250 J
    expect(joules(power(t, p), [0, 3, 5, 6])).toEqual([300, 250, 250]);
    const total = energyJFromPower(t, p);
    expect(joules(power(t, p), [0, 3, 5, 6]).reduce((a, b) => a + b)).toBe(total);
  });
  it("gives 0 outside the samples and rejects descending boundaries", () => {
    expect(joules(power([0, 1], [10, 10]), [5, 6])).toEqual([0]);
    expect(() => joules(power([0, 1], [10, 10]), [2, 1])).toThrow(/non-decreasing/);
  });
});
