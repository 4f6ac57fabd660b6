import { carbonText, cellEnergyText, durationText, energySourceLabel, kwhText, powerText, type CellEnergy } from "../../extension/src/figures/format";

describe("durationText", () => {
  it.each([
    [0, "0 s"],
    [0.532, "0.53 s"],
    [9.94, "9.9 s"],
    [41.2, "41 s"],
    [59.4, "59 s"],
    [59.6, "1 min 0 s"],
    [125, "2 min 5 s"],
    [3600 + 125, "1 h 02 min"],
  ])("%p s → %p", (s, text) => expect(durationText(s)).toBe(text));
  it.each([NaN, -1, Infinity, null, undefined])("a bad value %p gives a dash", (s) => expect(durationText(s as number)).toBe("– s"));
});

describe("powerText, kwhText, carbonText", () => {
  it.each([
    [3.24, "3.2 W"],
    [302.4, "302 W"],
    [1250, "1.25 kW"],
    [NaN, "– W"],
  ])("power %p → %p", (w, text) => expect(powerText(w)).toBe(text));
  it.each([
    [1.9 * 3.6e6, "1.9 kWh"],
    [0, "0 kWh"],
    [500, "0.00014 kWh"],
    [123.4 * 3.6e6, "123 kWh"],
  ])("energy %p J → %p", (j, text) => expect(kwhText(j)).toBe(text));
  it.each([
    [3.14, "3.1 g CO₂e"],
    [700, "0.7 kg CO₂e"],
    [1.23e6, "1.2 t CO₂e"],
  ])("carbon %p g → %p", (g, text) => expect(carbonText(g)).toBe(text));
});

describe("cellEnergyText", () => {
  const gpu: CellEnergy = { joules: 12400, seconds: 41.06, source: "nvidia-smi", devices: ["GPU 0"], started: "2026-12-03T08:00:00Z" };

  it("reads like the issue's example: energy · time · average power (devices, source)", () => {
    // 12,400 J over 41.06 s is 302.0 W on average.
    expect(cellEnergyText(gpu)).toBe("12.4 kJ · 41 s · 302 W avg (GPU 0, nvidia-smi)");
  });

  it("always says estimate for an estimate", () => {
    expect(cellEnergyText({ ...gpu, source: "estimate", devices: ["CPU"] })).toBe("12.4 kJ · 41 s · 302 W avg (CPU, estimate)");
    expect(cellEnergyText({ ...gpu, source: "rapl", devices: ["CPU package 0"], estimate: true })).toContain("(CPU package 0, rapl, estimate)");
    expect(energySourceLabel("rapl", false)).toBe("rapl");
  });

  it("adds carbon when known, megajoules with kWh beside", () => {
    expect(cellEnergyText({ ...gpu, joules: 7.2e6, seconds: 3600, carbon_g: 700 })).toBe("7.2 MJ (2 kWh) · 1 h 00 min · 2 kW avg · 0.7 kg CO₂e (GPU 0, nvidia-smi)");
  });

  it("a zero-length cell has no average, and no device list is fine", () => {
    expect(cellEnergyText({ ...gpu, joules: 0, seconds: 0, devices: [] })).toBe("0 J · 0 s · – W avg (nvidia-smi)");
  });
});
