import * as fs from "fs";
import {
  carbonFromSeries,
  carbonGFromJoules,
  constantPowerSeries,
  intensityForRegion,
  intensitySeriesFromCsv,
  intensityTableFromCsv,
  J_PER_KWH,
} from "../../kernel/src/energy/carbon";
import { CARBON_TABLE_FILE, regionIntensity, sessionIntensity, setSessionIntensity, shippedIntensityTable } from "../../kernel/src/energy/carbon-table";
import { DataFormatError } from "../../kernel/src/errors";
import type { DeviceSeries } from "../../kernel/src/energy/series";

const H = 3600_000; // one hour in ms

describe("carbonGFromJoules: g = E / 3.6 MJ × I", () => {
  it("matches hand-computed values", () => {
    expect(carbonGFromJoules(3.6e6, 56)).toBe(56); // 1 kWh in France 2023
    expect(carbonGFromJoules(1e6, 483.18)).toBeCloseTo(134.2167, 4); // 1 MJ at the world average
    expect(carbonGFromJoules(0, 700)).toBe(0);
    expect(J_PER_KWH).toBe(3_600_000);
  });
  it.each([-1, NaN, Infinity])("rejects energy %p", (e) => expect(() => carbonGFromJoules(e, 100)).toThrow(RangeError));
  it.each([-5, NaN])("rejects intensity %p", (i) => expect(() => carbonGFromJoules(1, i)).toThrow(/g CO2e\/kWh/));
});

describe("carbonFromSeries: energy per intensity step × the step's intensity", () => {
  const steps = { t_ms: [0, H], g_per_kwh: [100, 300], file: "grid.csv" }; // 100 g/kWh for an hour, then 300 for an hour
  it("constant 100 W over two hours: 0.1 kWh × 100 + 0.1 kWh × 300 = 40 g", () => {
    const p: DeviceSeries = { device: "gpu0", kind: "power", t_ms: [0, 2 * H], values: [100, 100] };
    const c = carbonFromSeries([p], steps);
    expect(c.carbon_g).toBeCloseTo(40, 9);
    expect(c.energy_j).toBeCloseTo(720_000, 6);
    expect(c.uncovered_j).toBeCloseTo(0, 6);
    expect(c.mean_g_per_kwh).toBeCloseTo(200, 9);
  });
  it("a ramp 0 → 200 W: 0.05 kWh × 100 + 0.15 kWh × 300 = 50 g, summed over devices", () => {
    const ramp: DeviceSeries = { device: "gpu0", kind: "power", t_ms: [0, 2 * H], values: [0, 200] };
    expect(carbonFromSeries([ramp], steps).carbon_g).toBeCloseTo(50, 9);
    const flat: DeviceSeries = { device: "cpu", kind: "power", t_ms: [0, 2 * H], values: [100, 100] };
    expect(carbonFromSeries([ramp, flat], steps).carbon_g).toBeCloseTo(90, 9);
  });
  it("an energy counter (RAPL) counts its increase per step", () => {
    const counter: DeviceSeries = { device: "cpu-package-0", kind: "energy-counter", t_ms: [0, H, 2 * H], values: [0, 3.6e5, 1.08e6] };
    // 0.1 kWh in the first hour, 0.2 kWh in the second
    expect(carbonFromSeries([counter], steps).carbon_g).toBeCloseTo(0.1 * 100 + 0.2 * 300, 9);
  });
  it("reports energy outside the series instead of guessing its intensity", () => {
    const p: DeviceSeries = { device: "gpu0", kind: "power", t_ms: [-H / 2, 2 * H], values: [100, 100] };
    const c = carbonFromSeries([p], steps);
    expect(c.carbon_g).toBeCloseTo(40, 9);
    expect(c.uncovered_j).toBeCloseTo(180_000, 6); // half an hour at 100 W
  });
  it("a result's window as constant power gives the same figure", () => {
    const c = carbonFromSeries([constantPowerSeries(0, 2 * H, 720_000)], steps);
    expect(c.carbon_g).toBeCloseTo(40, 9);
    expect(() => constantPowerSeries(5, 5, 1)).toThrow(RangeError);
  });
});

describe("intensitySeriesFromCsv", () => {
  it("reads a header, ISO times and epoch seconds", () => {
    const s = intensitySeriesFromCsv("time,g_per_kwh\n2026-01-01T00:00:00Z,120\n2026-01-01T01:00:00Z,80.5\n", "grid.csv");
    expect(s.t_ms).toEqual([Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1, 1)]);
    expect(s.g_per_kwh).toEqual([120, 80.5]);
    expect(intensitySeriesFromCsv("0,1\n3600,2\n", "e.csv").t_ms).toEqual([0, H]);
  });
  it("names the file and line of a bad row", () => {
    expect(() => intensitySeriesFromCsv("time,g\n2026-01-01T00:00:00Z,120\nsoon,80\n", "grid.csv")).toThrow(/grid\.csv:3: time "soon"/);
    expect(() => intensitySeriesFromCsv("0,1\n3600,-2\n", "e.csv")).toThrow(/e\.csv:2: intensity "-2"/);
    expect(() => intensitySeriesFromCsv("0,1\n0,2\n", "e.csv")).toThrow(/e\.csv:2: .*does not come after/);
    expect(() => intensitySeriesFromCsv("0,1\n", "e.csv")).toThrow(/at least two/);
  });
});

describe("intensityTableFromCsv", () => {
  const head = "region,name,g_per_kwh,year,source\n";
  it("reads rows and finds a region by code or name, any case", () => {
    const rows = intensityTableFromCsv(head + "FR,France,56,2023,src\nworld,World,483.18,2023,src\n", "t.csv");
    expect(rows.map((r) => [r.region, r.g_per_kwh, r.year, r.line])).toEqual([["FR", 56, 2023, 2], ["WORLD", 483.18, 2023, 3]]);
    expect(intensityForRegion(rows, "fr").name).toBe("France");
    expect(intensityForRegion(rows, "france").region).toBe("FR");
    expect(() => intensityForRegion(rows, "XX")).toThrow(/unknown region "XX"; the table has FR, WORLD/);
  });
  it.each([
    ["FR,France,,2023,src\n", /t\.csv:2: g_per_kwh of FR must be a number/],
    ["FR,France,-3,2023,src\n", /t\.csv:2: g_per_kwh/],
    ["FR,France,56,23,src\n", /t\.csv:2: year of FR must be a four-digit year/],
    ["FR,France,56,2023,\n", /t\.csv:2: source of FR is empty/],
    ["F R,France,56,2023,s\n", /t\.csv:2: region "F R"/],
    ["FR,France,56,2023,s\nFR,France,57,2023,s\n", /t\.csv:3: region FR is listed twice \(first on line 2\)/],
  ])("names the bad row: %p", (rows, message) => {
    expect(() => intensityTableFromCsv(head + rows, "t.csv")).toThrow(DataFormatError);
    expect(() => intensityTableFromCsv(head + rows, "t.csv")).toThrow(message);
  });
  it("names missing columns", () => {
    expect(() => intensityTableFromCsv("region,name,year\nFR,France,2023\n", "t.csv")).toThrow(/t\.csv:1: header lacks "g_per_kwh", "source"/);
  });
});

describe("the shipped table", () => {
  it("loads, has WORLD and a dozen regions, each with a year and a source", () => {
    const rows = shippedIntensityTable();
    expect(rows.length).toBeGreaterThanOrEqual(13);
    for (const code of ["WORLD", "FR", "DE", "US", "CN", "IN", "GB", "JP"]) expect(rows.some((r) => r.region === code)).toBe(true);
    for (const r of rows) {
      expect(r.year).toBeGreaterThanOrEqual(2020);
      expect(r.source).toMatch(/Ember/);
      expect(r.g_per_kwh).toBeGreaterThan(0);
      expect(r.g_per_kwh).toBeLessThan(1000);
    }
  });
  it("is shipped with the kernel package (kernel/package.json files)", () => {
    const pkg = JSON.parse(fs.readFileSync(require.resolve("../../kernel/package.json"), "utf8")) as { files: string[] };
    expect(pkg.files).toContain("data");
    expect(fs.existsSync(CARBON_TABLE_FILE)).toBe(true);
  });
  it("the session default falls back to WORLD, labelled as such", () => {
    setSessionIntensity(undefined);
    expect(sessionIntensity()).toMatchObject({ region: "WORLD", fallback: true, kind: "region" });
    setSessionIntensity(regionIntensity("FR"));
    expect(sessionIntensity()).toMatchObject({ region: "FR", g_per_kwh: 56, year: 2023 });
    expect(sessionIntensity().fallback).toBeUndefined();
    setSessionIntensity(undefined);
  });
});
