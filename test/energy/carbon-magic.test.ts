import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MIME_TIMESERIES, MIME_TPE } from "../../common/src";
import { sessionIntensity, setSessionIntensity } from "../../kernel/src/energy/carbon-table";
import { presentMeasurement } from "../../kernel/src/display/timeseries";
import { presentTpe } from "../../kernel/src/display/tpe";
import { carbonNote } from "../../kernel/src/display/carbon";
import { UsageError } from "../../kernel/src/errors";
import { dispatchMagic, MagicRegistry } from "../../kernel/src/magics/dispatch";
import { energyMagic } from "../../kernel/src/magics/energy";
import type { EnergyCarbonResult, EnergyCarbonTable } from "../../kernel/src/magics/energy-carbon";
import type { MagicResult } from "../../kernel/src/magics/types";
import { expandBoundNames } from "../../kernel/src/kernel/expand";
import { fakeMagicContext } from "../helpers/magic-context";

async function run(line: string, cwd = process.cwd(), kernel = true): Promise<MagicResult> {
  const c = fakeMagicContext({ cwd, runTypeScript: kernel ? async () => undefined : undefined });
  const out = await dispatchMagic(new MagicRegistry([energyMagic]), line, c);
  if (out.kind !== "result") throw new Error("expected a result");
  return out.result;
}

const H = 3600_000;
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-carbon-"));
  fs.writeFileSync(path.join(dir, "grid.csv"), "time,g_per_kwh\n1970-01-01T00:00:00Z,100\n1970-01-01T01:00:00Z,300\n");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => setSessionIntensity(undefined));

describe("%energy carbon with an energy", () => {
  it("--kwh × --region: the number, and which intensity with its year and source", async () => {
    const r = await run("energy carbon --kwh 2.5 --region FR");
    const v = r.value as EnergyCarbonResult;
    expect(v.carbon_g).toBeCloseTo(140, 9); // 2.5 kWh × 56 g/kWh
    expect(v.energy_j).toBe(9e6);
    expect(v.intensity).toMatchObject({ kind: "region", region: "FR", year: 2023, g_per_kwh: 56 });
    expect(r.text).toMatch(/9 MJ \(2\.5 kWh\) × 56 g CO2e\/kWh = 140 g CO2e \(FR 2023\)/);
    expect(r.text).toMatch(/intensity: 56 g CO2e\/kWh: France \(FR\), yearly average 2023; source: Ember via Our World in Data/);
    expect(r.text).toMatch(/yearly average hides hour-to-hour swings.*about 3×/);
    expect(r.typeName).toBe("EnergyCarbonResult");
    expect(r.bundle!.data["text/html"]).toMatch(/France/);
  });

  it("--joules × --intensity", async () => {
    const v = (await run("energy carbon --joules 3.6e6 --intensity 120")).value as EnergyCarbonResult;
    expect(v.carbon_g).toBeCloseTo(120, 9);
    expect(v.intensity).toMatchObject({ kind: "value", source: "user value" });
    expect(v.notes.join(" ")).toMatch(/3×/);
  });

  it("without an intensity uses the WORLD average, labelled as a fallback", async () => {
    const r = await run("energy carbon --kwh 1");
    const v = r.value as EnergyCarbonResult;
    expect(v.intensity).toMatchObject({ region: "WORLD", fallback: true });
    expect(v.carbon_g).toBeCloseTo(483.18, 9);
    expect(r.text).toMatch(/no region set: the WORLD average stands in/);
  });

  it("a bound %energy measure result ($m expands to its JSON) against a series, integrated per step", async () => {
    const m = { schema: "greenai.energy.measure/1", energy_j: 720_000, start_ms: 0, end_ms: 2 * H, samples: 3 };
    const line = expandBoundNames("energy carbon $m --series grid.csv", new Map([["m", m]]));
    const r = await run(line, dir);
    const v = r.value as EnergyCarbonResult;
    // 100 W for two hours: 0.1 kWh × 100 + 0.1 kWh × 300
    expect(v.carbon_g).toBeCloseTo(40, 9);
    expect(v.intensity).toMatchObject({ kind: "series", source: "grid.csv" });
    expect(v.intensity.g_per_kwh).toBeCloseTo(200, 9);
    expect(v.uncovered_j).toBeCloseTo(0, 6);
    expect(r.text).toMatch(/constant over the run/);
  });

  it("says how much of the run falls outside the series", async () => {
    fs.writeFileSync(path.join(dir, "m.json"), JSON.stringify({ energy_j: 900_000, start_ms: -H / 2, end_ms: 2 * H }));
    const v = (await run("energy carbon m.json --series grid.csv", dir)).value as EnergyCarbonResult;
    expect(v.uncovered_j).toBeCloseTo(180_000, 6);
    expect(v.carbon_g).toBeCloseTo(40, 9);
    expect(v.notes.join("\n")).toMatch(/180 kJ of the run falls outside the series/);
  });

  it("reads a cell's greenai.energy metadata (joules, started, seconds)", async () => {
    fs.writeFileSync(path.join(dir, "cell.json"), JSON.stringify({ joules: 360_000, seconds: 3600, started: "1970-01-01T00:30:00Z", source: "nvidia-smi" }));
    const v = (await run("energy carbon cell.json --series grid.csv", dir)).value as EnergyCarbonResult;
    // 100 W from 00:30 to 01:30: half an hour at 100 g/kWh, half at 300
    expect(v.carbon_g).toBeCloseTo(0.05 * 100 + 0.05 * 300, 9);
  });

  it("refuses what it cannot do, saying what to give", async () => {
    await expect(run("energy carbon --kwh 1 --joules 5")).rejects.toThrow(/give one energy: --joules or --kwh/);
    await expect(run("energy carbon --kwh 1 --region FR --intensity 5")).rejects.toThrow(/give one intensity/);
    await expect(run("energy carbon --kwh 1 --region XX")).rejects.toThrow(UsageError);
    await expect(run("energy carbon --kwh 1 --region XX")).rejects.toThrow(/unknown region "XX"; the table has WORLD, US, AU/);
    await expect(run("energy carbon --kwh 1 --series grid.csv", dir)).rejects.toThrow(/--series needs the energy's time: --kwh has no start and end/);
    await expect(run("energy carbon --series grid.csv", dir)).rejects.toThrow(/--series needs an energy with its time/);
    await expect(run("energy carbon --kwh -1")).rejects.toThrow(UsageError);
    await expect(run(`energy carbon '{"x":1}'`)).rejects.toThrow(/no energy; expected a result with energy_j/);
  });
});

describe("%energy carbon without an energy: the session default", () => {
  it("--region FR sets it; later results use it; --reset clears it", async () => {
    const r = await run("energy carbon --region FR");
    expect((r.value as EnergyCarbonResult).session_default).toMatchObject({ region: "FR" });
    expect(r.text).toMatch(/session default set: FR 2023/);
    expect(sessionIntensity().region).toBe("FR");
    const later = (await run("energy carbon --kwh 1")).value as EnergyCarbonResult;
    expect(later.carbon_g).toBeCloseTo(56, 9);
    expect(carbonNote(3.6e6)).toBe("3.6 MJ (1 kWh) · 56 g CO2e (FR 2023)");
    await run("energy carbon --reset");
    expect(sessionIntensity()).toMatchObject({ region: "WORLD", fallback: true });
    expect(carbonNote(3.6e6)).toBe("3.6 MJ (1 kWh) · 483 g CO2e (WORLD 2023 average, no region set)");
  });

  it("in the shell says the default lasts one command", async () => {
    const r = await run("energy carbon --intensity 50", process.cwd(), false);
    expect(r.text).toMatch(/lasts for this one command/);
  });

  it("--list shows every region with year and source", async () => {
    const r = await run("energy carbon --list");
    const v = r.value as EnergyCarbonTable;
    expect(v.regions.find((x) => x.region === "DE")).toMatchObject({ g_per_kwh: 381, year: 2023 });
    expect(r.text).toMatch(/WORLD +World +483\.2 +2023/);
    await expect(run("energy carbon --list --region FR")).rejects.toThrow(/give it alone/);
  });

  it("has help for every flag", async () => {
    const out = await dispatchMagic(new MagicRegistry([energyMagic]), "energy carbon --help", fakeMagicContext());
    expect(out.kind).toBe("help");
    for (const f of ["--intensity", "--region", "--series", "--joules", "--kwh", "--list", "--reset"]) expect((out as { text: string }).text).toContain(f);
  });
});

describe("carbon beside energy in the presenters", () => {
  it("%energy measure's text, HTML and payload show CO2e with the session default", () => {
    setSessionIntensity({ g_per_kwh: 100, kind: "value", source: "user value" });
    const m = { command: null, exit_code: null, signal: null, start_ms: 0, end_ms: 1000, duration_s: 1, energy_j: 36_000, mean_power_w: 36000, devices: [], meter: { source: "measured: test", measured: true, notes: [] }, series: [] };
    const { text, bundle } = presentMeasurement(m, { schema_version: 1, kind: "timeseries", title: "t", series: [] });
    expect(text).toMatch(/carbon: 36 kJ · 1 g CO2e \(user value 100 g\/kWh\)/);
    expect(bundle.data["text/html"]).toMatch(/1 g CO2e/);
    expect((bundle.data[MIME_TIMESERIES] as { carbon: unknown }).carbon).toEqual({ carbon_g: 1, g_per_kwh: 100, intensity: "user value 100 g/kWh" });
  });

  it("%tpe results with energy in J, kJ or Wh show CO2e used / all; other units none", () => {
    const payload = (unit: "kJ" | "epochs") => ({
      schema_version: 1 as const, kind: "tpe" as const, title: "t", score: "tse", total_epochs: 2,
      energy: { unit, source: "s", measured: true }, trials: [],
      decision: { budget_fraction: 0.5, budget_epoch: 1, keep: 1, kept: [], stopped: [], energy_used: 360, energy_all: 720, energy_saved_fraction: 0.5, spearman: null, kendall: null, chosen_id: null, true_best_id: null, best_survived: false, regret: null },
    });
    const kj = presentTpe({ title: "t", facts: [] }, payload("kJ"));
    // 360 kJ = 0.1 kWh at the WORLD fallback 483.18 g/kWh
    expect(kj.text).toMatch(/CO2e used \/ all +360 kJ · 48\.3 g CO2e \(WORLD 2023 average, no region set\) \/ 96\.6 g CO2e/);
    expect((kj.bundle.data[MIME_TPE] as { energy: { carbon: { carbon_g: number } } }).energy.carbon.carbon_g).toBeCloseTo(48.318, 6);
    expect(presentTpe({ title: "t", facts: [] }, payload("epochs")).text).not.toMatch(/CO2e/);
  });
});
