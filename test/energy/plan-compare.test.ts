import * as path from "path";
import { compareGpus } from "../../kernel/src/energy/compare";
import { planFromTraces } from "../../kernel/src/energy/plan";
import type { PowerSweepRow } from "../../kernel/src/energy/powercap";
import { trainRowsFromCsv, type TrainTraceRow } from "../../kernel/src/energy/read-sweep";
import { DataFormatError } from "../../kernel/src/errors";
import { dispatchMagic, MagicRegistry } from "../../kernel/src/magics/dispatch";
import { energyMagic } from "../../kernel/src/magics/energy";
import type { EnergyPlan, GpuComparison } from "../../kernel/src/magics/energy-plan";
import { fakeMagicContext } from "../helpers/magic-context";
import { describeWithData } from "../helpers/shared-data";

const t = (batch_size: number, run: string, target_metric: number, target_epoch: number | null): TrainTraceRow => ({ dataset: "d", network: "n", batch_size, optimizer: "o", learning_rate: "1e-3", run, target_metric, target_epoch });
const p = (batch_size: number | null, power_limit: number, time_per_epoch: number, average_power: number, network = "n"): PowerSweepRow => ({ dataset: "d", network, batch_size, optimizer: "o", power_limit, time_per_epoch, average_power });

// target 0.5: b8 runs reach it at 4, 6, 5 (median 5); b16 at 3, 5 (median 4); b32 only 1 of its 4 runs (excluded)
// (a b32 run that never reached 0.5 is written "nan" in the trace: counted as a run, not as reached)
const TRAIN = [
  t(32, "2", 0.5, null),
  t(8, "1", 0.3, 2), t(8, "2", 0.3, 2), t(8, "3", 0.3, 3), t(16, "1", 0.3, 1), t(16, "2", 0.3, 2),
  t(32, "1", 0.3, 1), t(32, "2", 0.3, 1), t(32, "3", 0.3, 2), t(32, "4", 0.3, 1),
  t(8, "1", 0.5, 4), t(8, "2", 0.5, 6), t(8, "3", 0.5, 5), t(16, "1", 0.5, 3), t(16, "2", 0.5, 5), t(32, "1", 0.5, 2),
];
const POWER = [p(8, 100, 10, 80), p(8, 200, 8, 150), p(16, 100, 6, 90), p(16, 200, 5, 170), p(32, 100, 3, 95), p(32, 200, 2.5, 180)];

describe("planFromTraces", () => {
  it("energy to target = median epochs × s/epoch × W, by hand on a small slice", () => {
    const rows = planFromTraces(TRAIN, POWER);
    const hard = rows.find((r) => r.target_metric === 0.5)!;
    expect(hard.batch_sizes).toEqual([8, 16]);
    // default = lower middle of [8, 16] = 8; baseline b8 @ 200 W: 5 epochs × 8 s × 150 W
    expect(hard.default_batch_size).toBe(8);
    expect(hard.default_from).toBe("median");
    expect(hard.baseline).toEqual({ batch_size: 8, power_limit: 200, epochs: 5, energy_j: 6000, time_s: 40 });
    // candidates: b8@100 5·10·80 = 4000; b16@100 4·6·90 = 2160; b16@200 4·5·170 = 3400
    expect(hard.best).toEqual({ batch_size: 16, power_limit: 100, epochs: 4, energy_j: 2160, time_s: 24 });
    expect(hard.saved_fraction).toBeCloseTo(1 - 2160 / 6000, 12);
    expect(hard.time_change).toBeCloseTo(24 / 40 - 1, 12);
    const easy = rows.find((r) => r.target_metric === 0.3)!;
    expect(easy.batch_sizes).toEqual([8, 16, 32]);
    expect(easy.default_batch_size).toBe(16);
    // b32 median epochs of 1,1,2,1 = 1; at 100 W: 1 × 3 × 95 = 285 J
    expect(easy.best).toMatchObject({ batch_size: 32, power_limit: 100, energy_j: 285 });
  });

  it("a given default batch size is the baseline; η = 0 picks the least time", () => {
    const hard = planFromTraces(TRAIN, POWER, { defaults: { d: 16 } }).find((r) => r.target_metric === 0.5)!;
    expect(hard.default_from).toBe("given");
    expect(hard.baseline.energy_j).toBe(3400);
    expect(hard.saved_fraction).toBeCloseTo(1 - 2160 / 3400, 12);
    const fast = planFromTraces(TRAIN, POWER, { eta: 0 }).find((r) => r.target_metric === 0.5)!;
    expect(fast.best).toMatchObject({ batch_size: 16, power_limit: 200, time_s: 20 });
    expect(() => planFromTraces(TRAIN, POWER, { eta: 1.5 })).toThrow(RangeError);
  });

  it("reads the train trace and names bad cells", () => {
    const rows = trainRowsFromCsv("dataset,network,batch_size,optimizer,learning_rate,run,target_metric,target_epoch\nd,n,8,o,1e-3,1,0.5,4\n", "t.csv");
    expect(rows).toEqual([t(8, "1", 0.5, 4)]);
    expect(() => trainRowsFromCsv("dataset,network,batch_size,optimizer,learning_rate,run,target_metric,target_epoch\nd,n,8,o,1e-3,1,x,4\n", "t.csv")).toThrow(/t\.csv:2:7: target_metric/);
    expect(() => trainRowsFromCsv("dataset,network\nd,n\n", "t.csv")).toThrow(DataFormatError);
    // "nan": the run never reached the target
    expect(trainRowsFromCsv("dataset,network,batch_size,optimizer,learning_rate,run,target_metric,target_epoch\nd,n,8,o,1e-3,1,0.5,nan\n", "t.csv")[0].target_epoch).toBeNull();
  });
});

describe("compareGpus", () => {
  // job n: g1 100 W 10 s 80 W (800 J), 200 W 6 s 150 W (900 J); g2 150 W 5 s 140 W (700 J), 300 W 4 s 250 W (1000 J)
  const g1 = { gpu: "g1", rows: [p(8, 100, 10, 80), p(8, 200, 6, 150), p(8, 100, 1, 1, "only-g1"), p(8, 200, 1, 1, "only-g1")] };
  const g2 = { gpu: "g2", rows: [p(8, 150, 5, 140), p(8, 300, 4, 250)] };
  it("picks per job the GPU with the least energy at its best limit, with the margin", () => {
    const [row, ...rest] = compareGpus([g1, g2]);
    expect(rest).toEqual([]);
    expect(row.workload).toBe("d/n/8/o");
    expect(row.gpus.map((g) => [g.gpu, g.power_limit, g.energy_per_epoch])).toEqual([["g1", 100, 800], ["g2", 150, 700]]);
    expect(row.pick).toBe("g2");
    expect(row.runner_up).toBe("g1");
    expect(row.margin).toBeCloseTo(100 / 800, 12);
  });
  it("time and dollars objectives", () => {
    const [time] = compareGpus([g1, g2], { objective: "time" });
    expect([time.pick, time.margin]).toEqual(["g2", (6 - 4) / 6]);
    // $: g1 1 $/h × 6 s; g2 3 $/h × 4 s
    const [usd] = compareGpus([g1, g2], { objective: "dollars", prices: { g1: 1, g2: 3 } });
    expect(usd.pick).toBe("g1");
    expect(usd.margin).toBeCloseTo((12 - 6) / 12, 12);
    expect(usd.gpus[0].dollars_per_epoch).toBeCloseTo(6 / 3600, 12);
    expect(() => compareGpus([g1, g2], { objective: "dollars", prices: { g1: 1 } })).toThrow(/missing: g2/);
  });
});

describeWithData("energy/zeus-nsdi23", "%energy plan and %energy compare on the Zeus traces", (zeus) => {
  async function run(line: string) {
    const out = await dispatchMagic(new MagicRegistry([energyMagic]), line, fakeMagicContext());
    if (out.kind !== "result") throw new Error("expected a result");
    return out.result;
  }
  it("plans every job's hardest target on the V100 and never does worse than the baseline", async () => {
    const r = await run(`energy plan --train ${path.join(zeus, "summary_train.csv")} --power ${path.join(zeus, "summary_power_v100.csv")} --target hardest`);
    const v = r.value as EnergyPlan;
    expect(v.gpu).toBe("v100");
    expect(v.rows.map((x) => x.dataset).sort()).toEqual(["cifar100", "imagenet", "librispeech", "movielens-1m", "sentiment140", "squad"]);
    for (const x of v.rows) expect(x.saved_fraction).toBeGreaterThanOrEqual(0);
    expect(r.text).toMatch(/from the recorded traces/);
  });
  it("compares V100 and P100 on their common jobs", async () => {
    const r = await run(`energy compare --power ${path.join(zeus, "summary_power_v100.csv")},${path.join(zeus, "summary_power_p100.csv")} --price v100=2.48,p100=1.46`);
    const v = r.value as GpuComparison;
    expect(v.gpus).toEqual(["v100", "p100"]);
    expect(v.rows.length).toBeGreaterThan(20);
    for (const x of v.rows) {
      const [a, b] = x.gpus;
      expect(x.pick).toBe(a.energy_per_epoch <= b.energy_per_epoch ? a.gpu : b.gpu);
      expect(x.margin).toBeGreaterThanOrEqual(0);
    }
    await expect(run(`energy compare --power ${path.join(zeus, "summary_power_v100.csv")},${path.join(zeus, "summary_power_p100.csv")} --price a100=3`)).rejects.toThrow(/a100, not among/);
  });
});
