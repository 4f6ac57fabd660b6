import * as path from "path";
import { MIME_TIMESERIES } from "../../common/src";
import { UsageError } from "../../kernel/src/errors";
import { dispatchMagic, MagicRegistry } from "../../kernel/src/magics/dispatch";
import { energyMagic, type EnergyMeasureResult, type PowercapAdvice } from "../../kernel/src/magics/energy";
import type { MagicResult } from "../../kernel/src/magics/types";
import { fakeMagicContext, type FakeMagicContext } from "../helpers/magic-context";
import { describeWithData } from "../helpers/shared-data";

function ctx(cwd = process.cwd()): FakeMagicContext {
  return fakeMagicContext({ cwd });
}

async function run(line: string, c = ctx()): Promise<MagicResult> {
  const out = await dispatchMagic(new MagicRegistry([energyMagic]), line, c);
  if (out.kind !== "result") throw new Error("expected a result");
  return out.result;
}

describe("%energy measure", () => {
  it("meters a command with the estimate, labels it and shows the power series", async () => {
    const c = ctx();
    const r = await run(`energy measure --meter estimate --interval-ms 50 --power-model 10,30 -- ${process.execPath} -e "const t=Date.now()+400;while(Date.now()<t);console.log('done')"`, c);
    const v = r.value as EnergyMeasureResult;
    expect(v.exit_code).toBe(0);
    expect(c.logs).toContain("done");
    expect(v.meter.measured).toBe(false);
    expect(v.meter.source).toMatch(/^estimated: .*user model \(10 W idle, 30 W busy\)/);
    expect(v.duration_s).toBeGreaterThan(0.35);
    // between idle and full power over the run
    expect(v.energy_j).toBeGreaterThanOrEqual(10 * v.duration_s * 0.5);
    expect(v.energy_j).toBeLessThanOrEqual(30 * v.duration_s * 1.1);
    expect(v.samples).toBeGreaterThan(3);
    expect(r.typeName).toBe("EnergyMeasureResult");
    const payload = r.bundle!.data[MIME_TIMESERIES] as { series: { unit: string }[]; facts: Record<string, unknown> };
    expect(payload.series[0].unit).toBe("W");
    expect(payload.facts.note).toBe("estimate, not a measurement");
    expect(r.text).toMatch(/ESTIMATE/);
  });

  it("meters a wait and says why measured meters were not used", async () => {
    const r = await run("energy measure --duration 0.2 --interval-ms 50 --rapl-root /nonexistent");
    const v = r.value as EnergyMeasureResult;
    expect(v.command).toBeNull();
    expect(v.meter.notes.join("\n")).toMatch(/RAPL meter unavailable/);
  });

  it("needs a command or a duration", async () => {
    await expect(run("energy measure")).rejects.toThrow(UsageError);
    await expect(run("energy measure --duration 1 -- true")).rejects.toThrow(/either/);
    await expect(run("energy measure --power-model 5 -- true")).rejects.toThrow(/IDLE,MAX/);
  });
});

describe("%energy powercap", () => {
  it("names a missing trace", async () => {
    await expect(run("energy powercap --trace nope.csv")).rejects.toThrow(/--trace nope\.csv: no such file/);
    await expect(run("energy powercap")).rejects.toThrow(/needs --trace/);
  });
});

describeWithData("energy/zeus-nsdi23", "%energy powercap on the Zeus V100 trace", (dir) => {
  it("returns one recommendation per workload with the chosen and the maximum limit", async () => {
    const r = await run("energy powercap --trace summary_power_v100.csv --max-time-increase 0.1", ctx(dir));
    const v = r.value as PowercapAdvice;
    expect(v.trace).toBe(path.join(dir, "summary_power_v100.csv"));
    expect(v.recommendations).toHaveLength(68);
    for (const x of v.recommendations) {
      expect(x.time_cost_fraction).toBeLessThanOrEqual(0.1 + 1e-12);
      expect(x.energy_per_epoch).toBeLessThanOrEqual(x.at_max.energy_per_epoch);
      expect(Object.keys(x)).toEqual(expect.arrayContaining(["dataset", "network", "batch_size", "optimizer", "power_limit", "energy_per_epoch", "time_per_epoch", "at_max"]));
    }
    expect(r.text).toMatch(/68 workloads in summary_power_v100\.csv/);
    expect(r.bundle!.data["application/vnd.plotly.v1+json"]).toBeDefined();
  });
});
