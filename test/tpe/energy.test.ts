import * as fs from "fs";
import * as path from "path";
import { DataFormatError } from "../../kernel/src/errors";
import { devicePowerModel, energyByGpu, energyJFromAveragePower, epochEnergyFromPower, extrapolateEnergyJ } from "../../kernel/src/tpe/energy";
import { powerLogFromText } from "../../kernel/src/energy/power-log";
import { energyJFromPower, type DeviceSeries } from "../../kernel/src/energy/series";
import { timestampMs } from "../../kernel/src/energy/time";
import { zeusPowerTableFromText } from "../../kernel/src/energy/read-sweep";
import { energyPlan, trialEnergyFromLog } from "../../kernel/src/tpe/trials";
import type { TrialCurve } from "../../kernel/src/tpe/curves";
import { describeWithData } from "../helpers/shared-data";

// Times in seconds, as the cases are written; series hold ms.
const series = (gpu: string, t: number[], p: number[]): DeviceSeries => ({ device: gpu, kind: "power", t_ms: t.map((x) => x * 1000), values: p });
const ms = (bS: number[]) => bS.map((b) => b * 1000);
const secondsOf = (s: DeviceSeries) => s.t_ms.map((t) => t / 1000);

describe("trapezoidal energy, by hand", () => {
  it("E = Σ ½(P_k + P_k+1)(t_k+1 − t_k)", () => {
    // ½(10+20)·1 + ½(20+20)·2 = 15 + 40
    expect(energyJFromPower([0, 1, 3], [10, 20, 20])).toBe(55);
    expect(energyJFromPower([0], [10])).toBe(0);
  });
  it("skips gaps longer than maxGapS and reports them", () => {
    expect(energyJFromPower([0, 1, 3], [10, 20, 20], { maxGapS: 1.5 })).toBe(15);
    const e = energyByGpu([series("0", [0, 1, 3], [10, 20, 20])], { maxGapS: 1.5 });
    expect(e.gpus[0]).toMatchObject({ joules: 15, missingS: 2, spanS: 3, meanPowerW: 15 });
  });
  it("sums GPUs: E_trial = Σ_g E_g", () => {
    const e = energyByGpu([series("0", [0, 1, 3], [10, 20, 20]), series("1", [0, 2], [100, 100])]);
    expect(e.gpus.map((g) => g.joules)).toEqual([55, 200]);
    expect(e.joules).toBe(255);
  });
  it("rejects unsorted times", () => expect(() => energyJFromPower([0, 2, 1], [1, 1, 1])).toThrow(/sorted/));
  it("splits at epoch boundaries with interpolated power", () => {
    // ramp 0→20 W over 2 s: ∫0..1 = 5 J, ∫1..2 = 15 J
    const s = [series("0", [0, 2], [0, 20])];
    const e = epochEnergyFromPower(s, ms([0, 1, 2]));
    expect(e.perEpochJ[0]).toBeCloseTo(5, 12);
    expect(e.perEpochJ[1]).toBeCloseTo(15, 12);
    expect(e.coveredS).toEqual([1, 1]);
    // an epoch running past the log is covered only in part
    const part = epochEnergyFromPower(s, ms([0, 1, 3]));
    expect(part.perEpochJ[1]).toBeCloseTo(15, 12);
    expect(part.coveredS[1]).toBe(1);
    expect(part.epochS).toEqual([1, 2]);
    // the pieces add up to the whole
    const two = [series("0", [0, 0.7, 1.9, 4], [30, 50, 10, 70]), series("1", [0.2, 3.1], [5, 9])];
    const split = epochEnergyFromPower(two, ms([0, 0.5, 1, 2.5, 4]));
    expect(split.perEpochJ.reduce((a, b) => a + b, 0)).toBeCloseTo(energyByGpu(two).joules, 10);
  });
  it("extrapolates like carbontracker and multiplies average power by time", () => {
    expect(extrapolateEnergyJ([10, 20], 10)).toBe(150);
    expect(energyJFromAveragePower(250, 4)).toBe(1000);
    expect(() => energyJFromAveragePower(-1, 4)).toThrow(RangeError);
  });
});

describe("power log readers", () => {
  it("nvidia-smi CSV with units, leading spaces and [N/A]", () => {
    const text = [
      "timestamp, index, power.draw [W]",
      "2022/01/31 12:00:00.000, 0, 40.00 W",
      "2022/01/31 12:00:00.000, 1, 100.00 W",
      "2022/01/31 12:00:01.500, 0, 60.00 W",
      "2022/01/31 12:00:01.500, 1, [N/A]",
      "2022/01/31 12:00:02.000, 1, 120.00 W",
    ].join("\n");
    const log = powerLogFromText(text, "smi.csv");
    expect(log.format).toBe("nvidia-smi");
    expect(log.skipped).toBe(1);
    const e = energyByGpu(log.series);
    expect(e.gpus.map((g) => [g.gpu, g.joules])).toEqual([
      ["0", 75], // ½(40+60)·1.5
      ["1", 220], // ½(100+120)·2
    ]);
  });
  it("nvidia-smi nounits", () => {
    const log = powerLogFromText("timestamp, index, power.draw [W]\n2022/01/31 12:00:00.000, 0, 40\n2022/01/31 12:00:02.000, 0, 60\n", "s.csv");
    expect(energyByGpu(log.series).joules).toBe(100);
  });
  it("Supercloud GPU series: whole-second timestamps are spread within the second", () => {
    const head = "timestamp,gpu_index,utilization_gpu_pct,utilization_memory_pct,memory_free_MiB,memory_used_MiB,temperature_gpu,temperature_memory,power_draw_W,pcie_link_width_current";
    const text = [head, "100,0,0,0,1,1,1,1,50,16", "100,0,0,0,1,1,1,1,70,16", "101,0,0,0,1,1,1,1,90,16", "100,1,0,0,1,1,1,1,N/A,16"].join("\n");
    const log = powerLogFromText(text, "1234-r1-n2.csv");
    expect(log.format).toBe("supercloud-gpu");
    expect(secondsOf(log.series[0])).toEqual([100, 100.5, 101]);
    expect(energyByGpu(log.series).joules).toBeCloseTo(70, 12); // ½(50+70)·0.5 + ½(70+90)·0.5
    expect(log.skipped).toBe(1);
    expect(log.notes.join()).toMatch(/spread evenly/);
  });
  it("fractional Supercloud timestamps are kept", () => {
    const head = "timestamp,gpu_index,utilization_gpu_pct,utilization_memory_pct,memory_free_MiB,memory_used_MiB,temperature_gpu,temperature_memory,power_draw_W,pcie_link_width_current";
    const log = powerLogFromText(`${head}\n1626100901.217,0,0,0,1,1,1,1,200,16\n1626100901.717,0,0,0,1,1,1,1,220,16\n`, "f.csv");
    expect(energyByGpu(log.series).joules).toBeCloseTo(105, 9);
  });
  it("any timestamp,power series (ISO times, optional gpu, mW)", () => {
    expect(energyByGpu(powerLogFromText("timestamp,power\n2024-01-01T00:00:00Z,10\n2024-01-01T00:00:10Z,30\n", "g.csv").series).joules).toBe(200);
    expect(energyByGpu(powerLogFromText("time_s,power_mw,gpu\n0,1000,a\n2,3000,a\n0,0,b\n1,2000,b\n", "g.csv").series).joules).toBeCloseTo(5, 12);
  });
  it("reads power units (mW, W, kW) and more [N/A] spellings", () => {
    const log = powerLogFromText("timestamp,power\n0,1.5 kW\n2,500 W\n4,[GPU is lost]\n6,500000 mW\n", "u.csv");
    expect(log.skipped).toBe(1);
    expect(log.series[0].values).toEqual([1500, 500, 500]);
  });
  it("drops a cut last row (no newline, logger killed mid-write) with a note; keeps a whole one", () => {
    const head = "timestamp, index, power.draw [W]\n2022/01/31 12:00:00.000, 0, 40.00 W\n2022/01/31 12:00:01.000, 0, 60.00 W\n";
    const cut = powerLogFromText(head + "2022/01/31 12:00:02.000, 0", "c.csv");
    expect(cut.samples).toBe(2);
    expect(cut.notes.join()).toMatch(/c\.csv:4: cut last line dropped/);
    expect(powerLogFromText(head + "2022/01/31 12:00:02.000, 0, 80.00 W", "c.csv").samples).toBe(3);
    // a bad row followed by a newline is still an error
    expect(() => powerLogFromText(head + "2022/01/31 12:00:02.000, 0\n", "c.csv")).toThrow(/c\.csv:4: row has 2 fields/);
  });
  it("parses nvidia-smi timestamps (local time, see energy/time.ts) and epoch seconds", () => {
    expect(timestampMs("2022/01/31 12:00:01.500") - timestampMs("2022/01/31 12:00:00")).toBe(1500);
    expect(timestampMs("2022/01/31 12:00:01.500")).toBe(new Date(2022, 0, 31, 12, 0, 1, 500).getTime());
    expect(timestampMs("1626100901.217") / 1000).toBeCloseTo(1626100901.217, 6);
    expect(timestampMs("yesterday")).toBeNaN();
  });
  it.each([
    ["", /^p\.csv: empty file/],
    ["timestamp,temperature\n1,40\n", /^p\.csv:1: no power column; expected an nvidia-smi CSV/],
    ["timestamp, index, power.draw [W]\n2022/01/31 12:00:00.000, 0, abc W\n", /^p\.csv:2:3: column "power.draw \[W\]" expects watts/],
    ["timestamp,power\nnoon,5\n", /^p\.csv:2:1: column "timestamp" expects a time/],
    ["timestamp,power\n1,5,6\n", /^p\.csv:2: row has 3 fields but the header has 2/],
    ["timestamp,power\n1,[N/A]\n", /^p\.csv:2: no usable power samples \(1 skipped/],
    ["index, power.draw [W]\n0, 5 W\n", /^p\.csv:1: no timestamp column/],
  ])("rejects bad input %#", (text, re) => {
    expect(() => powerLogFromText(text, "p.csv")).toThrow(DataFormatError);
    expect(() => powerLogFromText(text, "p.csv")).toThrow(re);
  });
});

describe("energy plans and per-trial logs", () => {
  const curve: TrialCurve = { id: "a", trainLoss: [3, 2], valLoss: [4, 3], wallTimeS: [1, 1], source: { file: "c.csv", line: 2 } };
  it("splits a trial's log by recorded wall time, or evenly without it", () => {
    const s = [series("0", [100, 102], [0, 20])];
    const byWall = trialEnergyFromLog(s, curve, 2);
    expect(byWall.split).toBe("wall-time boundaries");
    expect(byWall.perEpochJ[0]).toBeCloseTo(5, 12);
    expect(byWall.perEpochJ[1]).toBeCloseTo(15, 12);
    const even = trialEnergyFromLog(s, { ...curve, wallTimeS: undefined }, 2);
    expect(even).toMatchObject({ split: "uniform", perEpochJ: [10, 10], totalJ: 20 });
  });
  it("says where energy numbers come from", () => {
    expect(energyPlan({ kind: "epochs" })).toMatchObject({ unit: "epochs", measured: false });
    const p = energyPlan({ kind: "average-power", powerW: 300 });
    expect(p).toMatchObject({ unit: "J", measured: false });
    expect(p.source).toMatch(/^estimated: 300 W average power × recorded wall time/);
    expect(p.epochEnergy(curve, 2)).toEqual([300, 300]);
    expect(() => energyPlan({ kind: "wall" }).epochEnergy({ ...curve, wallTimeS: [1, null] }, 2)).toThrow(/c\.csv:2: run a has no valid wall_time_s for epoch 2/);
  });
});

describeWithData("energy/zeus-nsdi23/summary_power_v100.csv", "Zeus device power model (V100 trace)", (file) => {
  const text = fs.readFileSync(file, "utf8");
  const rows = zeusPowerTableFromText(text, file).rows;
  // the same row found by a plain scan of the file
  const raw = text.trim().split("\n").slice(1).map((l) => l.split(","));
  const first = raw[0];
  const key = `${first[0]}/${first[1]}/${first[2]}/${first[3]}`;
  const mine = raw.filter((c) => `${c[0]}/${c[1]}/${c[2]}/${c[3]}` === key);
  const top = mine.reduce((a, c) => (Number(c[4]) > Number(a[4]) ? c : a));
  const low = mine.reduce((a, c) => (Number(c[4]) < Number(a[4]) ? c : a));

  it("reads every row", () => expect(rows).toHaveLength(raw.length));
  it("gives the average watts and the epoch-time scaling at a power limit", () => {
    const m = devicePowerModel(rows, { gpu: "v100", workload: key, powerLimitW: Number(low[4]) });
    expect(m.averagePowerW).toBe(Number(low[6]));
    expect(m.timeScale).toBeCloseTo(Number(low[5]) / Number(top[5]), 12);
    expect(m.source).toMatch(/^estimated: Zeus NSDI'23 V100 trace/);
    expect(devicePowerModel(rows, { gpu: "v100", workload: key }).powerLimitW).toBe(Number(top[4]));
  });
  it("names unknown workloads and limits", () => {
    expect(() => devicePowerModel(rows, { gpu: "v100", workload: "nope/net" })).toThrow(/workload "nope\/net" not found; workloads are: /);
    expect(() => devicePowerModel(rows, { gpu: "v100", workload: key, powerLimitW: 123 })).toThrow(/power limit 123 W is not in the trace/);
    expect(() => devicePowerModel(rows, { gpu: "v100", workload: first[0] })).toThrow(/matches \d+ workloads/);
  });
  it("rejects a table without its columns", () => {
    expect(() => zeusPowerTableFromText("dataset,network\na,b\n", path.basename(file))).toThrow(/summary_power_v100\.csv:1: missing column\(s\) batch_size/);
  });
});
