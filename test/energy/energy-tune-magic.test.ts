import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { adviseFromSweep } from "../../kernel/src/energy/powercap";
import { readPowerLimit, setPowerLimit, withPowerLimit } from "../../kernel/src/energy/power-limit";
import { sweepRowsFromFile } from "../../kernel/src/energy/read-sweep";
import type { TuneResult } from "../../kernel/src/energy/tune";
import { InterruptedError, UsageError } from "../../kernel/src/errors";
import { dispatchMagic, MagicRegistry } from "../../kernel/src/magics/dispatch";
import { energyMagic } from "../../kernel/src/magics/energy";
import { fakeMagicContext } from "../helpers/magic-context";
import { describeWithData } from "../helpers/shared-data";

// real processes (nvidia-smi stand-in, jobs) on a shared machine: generous time per test
jest.setTimeout(30_000);

const FIX = path.join(__dirname, "fixtures", "power-limit");
const WORKLOAD = "cifar100/shufflenetv2/1024/adadelta";
const JOB = [process.execPath, path.join(FIX, "replay-job.js")];

describeWithData("energy/zeus-nsdi23", "%energy tune and the power-limit restore, with a stand-in nvidia-smi playing the V100 sweep (power follows the set limit)", (zeus) => {
  let dir: string;
  let calls: string;
  let state: string;
  const saved = { ...process.env };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-tune-"));
    calls = path.join(dir, "calls");
    state = path.join(dir, "limit");
    fs.writeFileSync(calls, "");
    fs.writeFileSync(state, "250");
    fs.writeFileSync(path.join(dir, "nvidia-smi"), `#!/bin/sh\nexec "${process.execPath}" "${path.join(FIX, "fake-nvidia-smi.js")}" "$@"\n`, { mode: 0o755 });
    Object.assign(process.env, {
      PATH: `${dir}${path.delimiter}${saved.PATH}`,
      FAKE_SMI_STATE: state,
      FAKE_SMI_CALLS: calls,
      FAKE_SMI_SWEEP: path.join(zeus, "summary_power_v100.csv"),
      FAKE_SMI_WORKLOAD: WORKLOAD,
    });
    delete process.env.FAKE_SMI_DENY;
    delete process.env.FAKE_JOB_FAIL_AT;
    delete process.env.FAKE_JOB_HANG_AT;
  });
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const plCalls = () => fs.readFileSync(calls, "utf8").trim().split("\n").filter(Boolean).map(Number);
  const limitNow = () => Number(fs.readFileSync(state, "utf8"));

  let lastText = "";
  async function tune(line: string, signal?: AbortSignal): Promise<TuneResult> {
    const out = await dispatchMagic(new MagicRegistry([energyMagic]), line, fakeMagicContext({ signal }));
    if (out.kind !== "result") throw new Error("expected a result");
    lastText = out.result.text;
    return out.result.value as TuneResult;
  }
  const LIMITS = "--limits 100,125,150,175,200,225,250";

  it("with {power_limit} in CMD, reads each probe's JSON line and never touches the limit", async () => {
    const r = await tune(`energy tune ${LIMITS} --prior ${path.join(zeus, "summary_power_p100.csv")} --workload ${WORKLOAD} -- ${JOB.join(" ")} {power_limit}`);
    expect(plCalls()).toEqual([]);
    expect(r.probes_used).toBe(4);
    expect(r.probes[0].power_limit).toBe(250);
    // the probes are the sweep's rows; the choice is the best probe
    const sweep = adviseFromSweep(sweepRowsFromFile(path.join(zeus, "summary_power_v100.csv")).filter((q) => `${q.dataset}/${q.network}/${q.batch_size}/${q.optimizer}` === WORKLOAD))[0];
    for (const p of r.probes) {
      const pt = sweep.points.find((q) => q.power_limit === p.power_limit)!;
      expect(p.time_per_epoch).toBeCloseTo(pt.time_per_epoch, 9);
      expect(p.average_power).toBeCloseTo(pt.average_power, 9);
    }
    const bestProbe = Math.min(...r.probes.map((p) => p.time_per_epoch * p.average_power));
    const chosen = r.probes.find((p) => p.power_limit === r.power_limit)!;
    expect(chosen.time_per_epoch * chosen.average_power).toBe(bestProbe);
    expect(r.saved_fraction).toBeCloseTo(1 - bestProbe / (r.probes[0].time_per_epoch * r.probes[0].average_power), 12);
    expect(r.predicted.map((p) => p.power_limit)).toEqual([100, 125, 150, 175, 200, 225, 250]);
  });

  it("without {power_limit}, sets each limit with nvidia-smi -pl and restores the original after success", async () => {
    fs.writeFileSync(state, "240");
    const r = await tune(`energy tune --limits 150,200,250 --max-probes 3 -- ${JOB.join(" ")}`);
    expect(r.probes.map((p) => p.power_limit)).toEqual([250, 150, 200]);
    // the job ran under the limit that was set: its line is the sweep's row at that limit
    const rows = sweepRowsFromFile(path.join(zeus, "summary_power_v100.csv")).filter((q) => `${q.dataset}/${q.network}/${q.batch_size}/${q.optimizer}` === WORKLOAD);
    for (const p of r.probes) expect(p.average_power).toBe(rows.find((q) => q.power_limit === p.power_limit)!.average_power);
    // each probe: set, then restore to 240
    expect(plCalls()).toEqual([250, 240, 150, 240, 200, 240]);
    expect(limitNow()).toBe(240);
  });

  it("restores the limit when the job fails", async () => {
    process.env.FAKE_JOB_FAIL_AT = "150";
    await expect(tune(`energy tune --limits 150,200,250 --max-probes 3 -- ${JOB.join(" ")}`)).rejects.toThrow(/failed at 150 W \(exit code 3\); its last output:\njob: out of memory at 150 W/);
    expect(plCalls()).toEqual([250, 250, 150, 250]);
    expect(limitNow()).toBe(250);
  });

  it("restores the limit when interrupted mid-probe", async () => {
    process.env.FAKE_JOB_HANG_AT = "150";
    const ac = new AbortController();
    const done = tune(`energy tune --limits 150,200,250 --max-probes 3 -- ${JOB.join(" ")}`, ac.signal);
    // abort once the hanging probe's limit is set
    for (let i = 0; i < 200 && limitNow() !== 150; i++) await new Promise((r) => setTimeout(r, 50));
    expect(limitNow()).toBe(150);
    ac.abort();
    await expect(done).rejects.toThrow(InterruptedError);
    expect(plCalls().slice(-1)).toEqual([250]);
    expect(limitNow()).toBe(250);
  });

  it("reports a missing permission plainly and leaves the limit as it was", async () => {
    process.env.FAKE_SMI_DENY = "1";
    const err = await tune(`energy tune --limits 150,250 -- ${JOB.join(" ")}`).catch((e) => e);
    expect(err.name).toBe("PowerLimitError");
    expect(err.message).toMatch(/-pl 250 failed \(exit code 4\): .*needs root/);
    expect(limitNow()).toBe(250);
  });

  it("--measure meters the job (its time follows the limit set) and restores the limit", async () => {
    // the metered child gets the runner's own environment (jest keeps its env apart), so the
    // stand-in's settings go on the command line; time per epoch scaled down 50×
    const env = ["/usr/bin/env", `FAKE_SMI_STATE=${state}`, `FAKE_SMI_SWEEP=${process.env.FAKE_SMI_SWEEP}`, `FAKE_SMI_WORKLOAD=${WORKLOAD}`];
    const r = await tune(`energy tune --limits 100,250 --max-probes 2 --measure --meter estimate --interval-ms 20 --epochs 0.02 -- ${env.join(" ")} ${JOB.join(" ")} --sleep-scale 0.02`);
    expect(r.probes.map((p) => p.power_limit)).toEqual([250, 100]);
    const rows = sweepRowsFromFile(path.join(zeus, "summary_power_v100.csv")).filter((q) => `${q.dataset}/${q.network}/${q.batch_size}/${q.optimizer}` === WORKLOAD);
    for (const p of r.probes) {
      const row = rows.find((q) => q.power_limit === p.power_limit)!;
      // wall time / 0.02 epochs ≥ the recorded time per epoch (the job sleeps 0.02 × it), plus process start-up
      expect(p.time_per_epoch).toBeGreaterThanOrEqual(row.time_per_epoch * 0.99);
      expect(p.time_per_epoch).toBeLessThan(row.time_per_epoch + 2 / 0.02);
      expect(p.average_power).toBeGreaterThan(0);
    }
    expect(plCalls()).toEqual([250, 250, 100, 250]);
    expect(limitNow()).toBe(250);
    // the estimate meters no GPU: the result says whose power it is
    expect(lastText).toMatch(/note: no GPU was metered at 250 W .*average_power is that of/);
  });

  it("withPowerLimit restores after a throw; read/set go through nvidia-smi", async () => {
    expect(await readPowerLimit()).toBe(250);
    await setPowerLimit(200);
    expect(await readPowerLimit()).toBe(200);
    await expect(withPowerLimit(125, async () => {
      expect(limitNow()).toBe(125);
      throw new Error("boom");
    })).rejects.toThrow("boom");
    expect(limitNow()).toBe(200);
    await expect(setPowerLimit(-5)).rejects.toThrow(RangeError);
  });

  it("asks for a command and names a CMD that prints no JSON", async () => {
    await expect(tune(`energy tune ${LIMITS}`)).rejects.toThrow(UsageError);
    await expect(tune(`energy tune --limits 250 -- ${process.execPath} -e "console.log('hello') //{power_limit}"`)).rejects.toThrow(/printed no JSON object .*--measure/);
  });
});

describeWithData("energy/zeus-nsdi23", "%energy tune --replay", (zeus) => {
  it("reads each probe from the recorded rows and names a limit the sweep lacks", async () => {
    const line = `energy tune --limits 100,125,150,175,200,225,250 --replay ${path.join(zeus, "summary_power_v100.csv")} --workload ${WORKLOAD} --prior ${path.join(zeus, "summary_power_p100.csv")}`;
    const out = await dispatchMagic(new MagicRegistry([energyMagic]), line, fakeMagicContext());
    if (out.kind !== "result") throw new Error("expected a result");
    const r = out.result.value as TuneResult;
    const rows = sweepRowsFromFile(path.join(zeus, "summary_power_v100.csv")).filter((q) => `${q.dataset}/${q.network}/${q.batch_size}/${q.optimizer}` === WORKLOAD);
    for (const p of r.probes) expect(p.average_power).toBe(rows.find((q) => q.power_limit === p.power_limit)!.average_power);
    expect(out.result.text).toMatch(/Probed rows are measured; the others are predicted/);
    await expect(dispatchMagic(new MagicRegistry([energyMagic]), line.replace("--limits 100,", "--limits 90,100,"), fakeMagicContext())).rejects.toThrow(/no row at 90 W/);
  });
});
