import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RaplMeter } from "../../kernel/src/energy/meters";
import { listRaplZones, RaplAccumulator, raplDeltaUj } from "../../kernel/src/energy/rapl";
import { seriesEnergy } from "../../kernel/src/energy/series";

/** Writes a fake /sys/class/powercap tree: zone dir → {name, energy_uj, max_energy_range_uj}. */
function fakePowercap(zones: Record<string, { name: string; energy?: number | "dir"; max?: number }>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "powercap-"));
  for (const [rel, z] of Object.entries(zones)) {
    const dir = path.join(root, rel);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "name"), z.name + "\n");
    if (z.energy === "dir") fs.mkdirSync(path.join(dir, "energy_uj"));
    else if (z.energy !== undefined) fs.writeFileSync(path.join(dir, "energy_uj"), `${z.energy}\n`);
    if (z.max !== undefined) fs.writeFileSync(path.join(dir, "max_energy_range_uj"), `${z.max}\n`);
  }
  return root;
}

const setEnergy = (root: string, rel: string, uj: number) => fs.writeFileSync(path.join(root, rel, "energy_uj"), `${uj}\n`);

describe("listRaplZones", () => {
  it("takes package zones and their DRAM subzones, not core/uncore, psys or MMIO copies", () => {
    const root = fakePowercap({
      "intel-rapl:0": { name: "package-0", energy: 1000, max: 262143328850 },
      "intel-rapl:0/intel-rapl:0:0": { name: "core", energy: 10 },
      "intel-rapl:0/intel-rapl:0:1": { name: "uncore", energy: 10 },
      "intel-rapl:0/intel-rapl:0:2": { name: "dram", energy: 500, max: 65712999613 },
      "intel-rapl:1": { name: "package-1", energy: 2000, max: 262143328850 },
      "intel-rapl:2": { name: "psys", energy: 99 },
      "intel-rapl-mmio:0": { name: "package-0", energy: 1000 },
    });
    const { zones, problems } = listRaplZones(root);
    expect(problems).toEqual([]);
    expect(zones.map((z) => z.device)).toEqual(["rapl:package-0", "rapl:package-0/dram", "rapl:package-1"]);
    expect(zones[0].maxRangeUj).toBe(262143328850);
  });

  it("uses psys when there is no package zone", () => {
    const root = fakePowercap({ "intel-rapl:0": { name: "psys", energy: 5 } });
    expect(listRaplZones(root).zones.map((z) => z.device)).toEqual(["rapl:psys"]);
  });

  it("says why when the tree is absent, empty or unreadable", () => {
    expect(listRaplZones("/nonexistent/powercap").problems[0]).toMatch(/not readable \(ENOENT\)/);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "powercap-"));
    expect(listRaplZones(empty).problems[0]).toMatch(/no intel-rapl:N zones/);
    const root = fakePowercap({ "intel-rapl:0": { name: "package-0", energy: "dir" }, "intel-rapl:1": { name: "package-1", energy: 7 } });
    const r = listRaplZones(root);
    expect(r.zones.map((z) => z.name)).toEqual(["package-1"]);
    expect(r.problems[0]).toMatch(/intel-rapl:0\/energy_uj is not readable \(EISDIR\)/);
  });
});

describe("RAPL counters", () => {
  it("computes deltas across one wrap of the counter", () => {
    expect(raplDeltaUj(100, 250, 1000)).toBe(150);
    expect(raplDeltaUj(900, 50, 1000)).toBe(150);
    expect(raplDeltaUj(900, 50, null)).toBe(0);
  });

  it("accumulates unwrapped joules", () => {
    const acc = new RaplAccumulator(1_000_000);
    expect(acc.add(900_000)).toBe(0);
    expect(acc.add(950_000)).toBeCloseTo(0.05, 12);
    expect(acc.add(100_000)).toBeCloseTo(0.2, 12); // wrapped: +150 000 µJ
  });

  it("meters a fake sysfs tree into cumulative-joule series", async () => {
    const root = fakePowercap({ "intel-rapl:0": { name: "package-0", energy: 5_000_000, max: 10_000_000 } });
    const seen: number[] = [];
    // A fake clock a second per reading: the test runs within one millisecond, and a counter's
    // readings at one instant span no time, so real clock times would give 0 J.
    let clock = 0;
    const now = () => (clock += 1000);
    const m = new RaplMeter({ root, intervalMs: 60_000, now, onSample: (s) => seen.push(s.value as number) });
    await m.start(); // first reading: 0 J
    setEnergy(root, "intel-rapl:0", 9_000_000);
    m.sample(); // +4 J
    setEnergy(root, "intel-rapl:0", 1_000_000);
    m.sample(); // wrapped: +2 J
    await m.stop(); // final reading, unchanged
    expect(m.source).toMatch(/measured: RAPL package-0/);
    expect(seen).toEqual([0, 4, 6, 6]);
    const [s] = m.series();
    expect(s).toMatchObject({ device: "rapl:package-0", kind: "energy-counter", t_ms: [1000, 2000, 3000, 4000] });
    expect(seriesEnergy(s).energy_j).toBeCloseTo(6, 12);
  });

  it("cannot start without readable zones and says why", async () => {
    await expect(new RaplMeter({ root: "/nonexistent/powercap" }).start()).rejects.toThrow(/not readable \(ENOENT\)/);
  });
});
