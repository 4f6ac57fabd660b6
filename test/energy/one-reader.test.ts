/**
 * One nvidia-smi log, every path that reads it: the same instants and the same joules.
 * Paths: %tpe's power-log reader (score --power, replay --power-logs), the meter's stream parser,
 * the Slurm jobs' own power logs, and the Supercloud GPU series the meter writes (read by the
 * datasets loader and its job energy). Checked against a hand computation as well.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { gpuEnergies } from "../../kernel/src/datasets/energy";
import { tableFromCsvText } from "../../kernel/src/datasets/reader";
import { GPU_SPEC } from "../../kernel/src/datasets/schemas";
import { numberColumn } from "../../kernel/src/datasets/series";
import { energyOfGpuTable } from "../../kernel/src/datasets/supercloud";
import { NvidiaSmiStreamParser, powerSeriesFromGpuSamples, supercloudGpuHeader, supercloudGpuRow } from "../../kernel/src/energy/nvidia-smi";
import { powerLogFromText } from "../../kernel/src/energy/power-log";
import { cleanSeries, seriesEnergy, type DeviceSeries } from "../../kernel/src/energy/series";
import { scoreLogEnergy } from "../../kernel/src/tpe/power-logs";
import { jobPowerSeries } from "../../kernel/src/trials/slurm";

// nvidia-smi --query-gpu=<the 10 Supercloud fields> --format=csv: units, spaces, [N/A], two GPUs.
const HEADER =
  "timestamp, index, utilization.gpu [%], utilization.memory [%], memory.free [MiB], memory.used [MiB], temperature.gpu, temperature.memory, power.draw [W], pcie.link.width.current";
const ROWS: [string, number, string][] = [
  ["2024/03/10 01:59:59.900", 0, "100.00 W"],
  ["2024/03/10 01:59:59.900", 1, "50.00 W"],
  ["2024/03/10 02:00:00.150", 0, "200.50 W"],
  ["2024/03/10 02:00:00.150", 1, "[N/A]"],
  ["2024/03/10 02:00:00.400", 0, "150.25 W"],
  ["2024/03/10 02:00:00.400", 1, "70.00 W"],
  ["2024/03/10 02:00:01.007", 0, "99.99 W"],
  ["2024/03/10 02:00:01.007", 1, "71.50 W"],
];
const LOG = [HEADER, ...ROWS.map(([t, g, p]) => `${t}, ${g}, 50 %, 10 %, 1000 MiB, 31510 MiB, 60, [N/A], ${p}, 16`)].join("\n") + "\n";

// Hand computation, independent of the library: local time (the one rule), trapezoids per GPU.
const local = (s: string) => {
  const m = /^(\d+)\/(\d+)\/(\d+) (\d+):(\d+):(\d+)\.(\d+)$/.exec(s)!;
  return new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], +m[7]).getTime();
};
const hand = [0, 1].map((g) => {
  const pts = ROWS.filter((r) => r[1] === g && r[2] !== "[N/A]").map((r) => [local(r[0]), parseFloat(r[2])]);
  let j = 0;
  for (let k = 0; k + 1 < pts.length; k++) j += (0.5 * (pts[k][1] + pts[k + 1][1]) * (pts[k + 1][0] - pts[k][0])) / 1000;
  return { t: pts.map((p) => p[0]), joules: j };
});

/** Instants and joules of one path's series, GPU 0 then GPU 1. */
function summary(series: readonly DeviceSeries[]) {
  return series.map((s) => ({ t: cleanSeries(s).t, joules: seriesEnergy(s).energy_j }));
}

function expectSame(got: { t: number[]; joules: number }[]) {
  expect(got.map((g) => g.t)).toEqual(hand.map((h) => h.t));
  got.forEach((g, i) => expect(g.joules).toBeCloseTo(hand[i].joules, 9));
}

describe("one nvidia-smi log through every reader", () => {
  it("the hand computation is what it says (GPU 0: 3 trapezoids, GPU 1: [N/A] skipped)", () => {
    const t0 = local("2024/03/10 01:59:59.900");
    expect(hand[0].t.map((t) => t - t0)).toEqual([0, 250, 500, 1107]);
    expect(hand[1].t.map((t) => t - t0)).toEqual([0, 500, 1107]);
    expect(hand[0].joules).toBeCloseTo(0.5 * (100 + 200.5) * 0.25 + 0.5 * (200.5 + 150.25) * 0.25 + 0.5 * (150.25 + 99.99) * 0.607, 9);
  });

  it("%tpe's power-log reader (score --power, replay --power-logs)", () => {
    const log = powerLogFromText(LOG, "trial.csv");
    expect(log.format).toBe("nvidia-smi");
    expectSame(summary(log.series));
    const e = scoreLogEnergy(log, 1, null);
    expect(e.total_kJ * 1000).toBeCloseTo(hand[0].joules + hand[1].joules, 9);
  });

  it("the meter's stream parser, in chunks", () => {
    const p = new NvidiaSmiStreamParser();
    const rows = [];
    for (let i = 0; i < LOG.length; i += 37) rows.push(...p.push(LOG.slice(i, i + 37)));
    rows.push(...p.end());
    expect(p.issues).toEqual([]);
    expectSame(summary(powerSeriesFromGpuSamples(rows, "node-1")));
  });

  it("a Slurm job's own power log (jobPowerSeries)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-one-reader-"));
    try {
      const file = path.join(dir, "power-1.csv");
      fs.writeFileSync(file, LOG);
      const { series, owner, issues } = jobPowerSeries([{ trial: "t1", job: "42", file }]);
      expect(issues).toEqual([]);
      expect(series.map((s) => s.device)).toEqual(["gpu0@job42", "gpu1@job42"]);
      expect([...owner.values()]).toEqual(["t1", "t1"]);
      expectSame(summary(series));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the Supercloud GPU series the meter writes, read by the power-log reader and by the datasets loader", () => {
    const p = new NvidiaSmiStreamParser();
    const rows = [...p.push(LOG), ...p.end()];
    const supercloud = [supercloudGpuHeader(), ...rows.map(supercloudGpuRow)].join("\n") + "\n";
    const log = powerLogFromText(supercloud, "1234-node-1.csv");
    expect(log.format).toBe("supercloud-gpu");
    expectSame(summary(log.series));

    const { table } = tableFromCsvText(GPU_SPEC, supercloud, "1234-node-1.csv");
    const tMs = numberColumn(table, "timestamp") as number[];
    expect([0, 1].map((g) => tMs.filter((_, i) => numberColumn(table, "gpu_index")[i] === g && numberColumn(table, "power_draw_W")[i] !== null))).toEqual(hand.map((h) => h.t));
    const per = gpuEnergies({ tMs, gpuIndex: numberColumn(table, "gpu_index") as number[], powerW: numberColumn(table, "power_draw_W"), node: "node-1" });
    per.forEach((g, i) => expect(g.energy_j).toBeCloseTo(hand[i].joules, 9));
    expect(energyOfGpuTable("1234", table).energy_j).toBeCloseTo(hand[0].joules + hand[1].joules, 9);
  });
});
