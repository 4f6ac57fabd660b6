import * as path from "path";
import type { PowerSweepRow } from "../../kernel/src/energy/powercap";
import { sweepRowsFromFile } from "../../kernel/src/energy/read-sweep";
import { tunePowerLimit, zeusCost, type TuneProbe } from "../../kernel/src/energy/tune";
import { evaluateTuner } from "../../kernel/src/energy/tune-eval";
import { InterruptedError } from "../../kernel/src/errors";
import { describeWithData } from "../helpers/shared-data";

const row = (network: string, power_limit: number, time_per_epoch: number, average_power: number): PowerSweepRow => ({
  dataset: "d",
  network,
  batch_size: 64,
  optimizer: "adam",
  power_limit,
  time_per_epoch,
  average_power,
});

// A job whose energy per epoch is least at 150 W: E(100)=20·95=1900, E(150)=12·120=1440, E(200)=10·170=1700, E(250)=9·230=2070
const JOB: Record<number, TuneProbe> = {
  100: { power_limit: 100, time_per_epoch: 20, average_power: 95 },
  150: { power_limit: 150, time_per_epoch: 12, average_power: 120 },
  200: { power_limit: 200, time_per_epoch: 10, average_power: 170 },
  250: { power_limit: 250, time_per_epoch: 9, average_power: 230 },
};
// a prior of the same shape on a GPU whose limits are doubled (fraction of the max limit transfers)
const PRIOR = [row("n", 200, 40, 190), row("n", 300, 24, 240), row("n", 400, 20, 340), row("n", 500, 18, 460)];

describe("tunePowerLimit", () => {
  it.each([
    [{ limits: [] }, /at least one/],
    [{ limits: [100, -1] }, /positive/],
    [{ limits: [100], maxProbes: 0 }, /maxProbes/],
    [{ limits: [100], objective: "cost" as const, eta: 2 }, /eta/],
    [{ limits: [100], maxSlowdown: -0.1 }, /maxSlowdown/],
  ])("rejects %p", async (opts, msg) => {
    await expect(tunePowerLimit((l) => JOB[l], opts)).rejects.toThrow(msg);
  });

  it("probes the highest limit first and finds the least-energy limit with a prior in 2 probes", async () => {
    const calls: number[] = [];
    const r = await tunePowerLimit(
      (l) => {
        calls.push(l);
        return JOB[l];
      },
      { limits: [100, 150, 200, 250], maxProbes: 2, priors: [{ source: "other", rows: PRIOR }] },
    );
    expect(calls).toEqual([250, 150]);
    expect(r.power_limit).toBe(150);
    expect(r.probes_used).toBe(2);
    expect(r.saved_fraction).toBeCloseTo(1 - 1440 / 2070, 12);
    expect(r.slowdown).toBeCloseTo(12 / 9 - 1, 12);
    // the unprobed limits are predicted from the prior's shape (here exact up to the scale)
    const p100 = r.predicted.find((p) => p.power_limit === 100)!;
    expect(p100.probed).toBe(false);
    expect(p100.energy_per_epoch).toBeCloseTo(1900, 6);
    expect(r.predicted.filter((p) => p.probed).map((p) => p.power_limit)).toEqual([150, 250]);
  });

  it("keeps to --max-slowdown: 150 W is 33% slower, so 200 W is chosen under a 20% bound", async () => {
    const r = await tunePowerLimit((l) => JOB[l], { limits: [100, 150, 200, 250], maxProbes: 4, maxSlowdown: 0.2, priors: [{ source: "other", rows: PRIOR }] });
    expect(r.power_limit).toBe(200);
    expect(r.slowdown).toBeLessThanOrEqual(0.2);
  });

  it("objective time picks the highest limit; cost uses η·E + (1 − η)·P_max·T", async () => {
    const t = await tunePowerLimit((l) => JOB[l], { limits: [100, 150, 200, 250], objective: "time", priors: [{ source: "o", rows: PRIOR }] });
    expect(t.power_limit).toBe(250);
    expect(zeusCost(0.5, 250, 12, 120)).toBeCloseTo(0.5 * 1440 + 0.5 * 250 * 12, 9);
    // η = 0.5: cost(150)=720+1500=2220, cost(200)=850+1250=2100, cost(250)=1035+1125=2160, cost(100)=950+2500=3450
    const c = await tunePowerLimit((l) => JOB[l], { limits: [100, 150, 200, 250], objective: "cost", eta: 0.5, maxProbes: 4, priors: [{ source: "o", rows: PRIOR }] });
    expect(c.power_limit).toBe(200);
  });

  it("without priors brackets the best probe (lowest limit, then the middle of its gap)", async () => {
    const calls: number[] = [];
    const r = await tunePowerLimit(
      (l) => {
        calls.push(l);
        return JOB[l];
      },
      { limits: [100, 150, 200, 250], maxProbes: 4 },
    );
    expect(calls.slice(0, 2)).toEqual([250, 100]);
    expect(r.power_limit).toBe(150);
  });

  it("stops when the signal is aborted", async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(tunePowerLimit((l) => JOB[l], { limits: [100, 250], signal: ac.signal })).rejects.toThrow(InterruptedError);
  });

  it("rejects a probe that measures nothing, naming the limit", async () => {
    await expect(tunePowerLimit(() => ({ power_limit: 250, time_per_epoch: 0, average_power: 100 }), { limits: [250] })).rejects.toThrow(/250 W/);
  });
});

describeWithData("energy/zeus-nsdi23", "the tuner's target on the Zeus sweeps (V100 ↔ P100)", (dir) => {
  const v100 = sweepRowsFromFile(path.join(dir, "summary_power_v100.csv"));
  const p100 = sweepRowsFromFile(path.join(dir, "summary_power_p100.csv"));
  it.each([
    ["v100", undefined],
    ["v100", 0.1],
    ["p100", undefined],
    ["p100", 0.1],
  ])("%s, --max-slowdown %p: ≥ 85%% of jobs within 3%% of the sweep minimum with ≤ 4 probes, above low/mid/high", async (gpu, bound) => {
    const [rows, prior] = gpu === "v100" ? [v100, p100] : [p100, v100];
    const res = await evaluateTuner({ rows, priors: [{ source: gpu === "v100" ? "p100" : "v100", rows: prior }], maxSlowdown: bound });
    const tuner = res["tuner (4 probes)"];
    expect(tuner.jobs).toBe(gpu === "v100" ? 68 : 45);
    expect(tuner.meanProbes).toBeLessThanOrEqual(4);
    expect(tuner.within3).toBeGreaterThanOrEqual(0.85);
    expect(tuner.within3).toBeGreaterThanOrEqual(res["low/mid/high best"].within3);
    expect(res["full sweep"].within3).toBe(1);
  });
});
