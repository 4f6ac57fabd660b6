/**
 * Reader of Intel/AMD RAPL energy counters under /sys/class/powercap (edge module: reads files).
 * The root is a parameter so tests run on a fake sysfs tree.
 */
import * as fs from "fs";
import * as path from "path";

export const DEFAULT_POWERCAP_ROOT = "/sys/class/powercap";

export interface RaplZone {
  /** Directory name, e.g. "intel-rapl:0" or "intel-rapl:0:2". */
  id: string;
  dir: string;
  /** Contents of `name`, e.g. "package-0", "dram", "psys". */
  name: string;
  /** Device label used in series, e.g. "rapl:package-0", "rapl:package-0/dram". */
  device: string;
  /** Counter range in µJ (wraps to 0 above it); null when unreadable. */
  maxRangeUj: number | null;
}

export interface RaplListing {
  /** Zones whose energy_uj could be read. */
  zones: RaplZone[];
  /** Why zones are missing or unreadable (empty when all is well). */
  problems: string[];
}

function readText(p: string): string {
  return fs.readFileSync(p, "utf8").trim();
}

function errCode(e: unknown): string {
  return (e as NodeJS.ErrnoException)?.code ?? String(e);
}

/**
 * Lists the RAPL zones to meter: package zones (top level) and their DRAM subzones.
 * `psys` (the whole platform, overlapping the packages) is used only when there is no package zone;
 * MMIO duplicates (intel-rapl-mmio) are skipped.
 */
export function listRaplZones(root: string = DEFAULT_POWERCAP_ROOT): RaplListing {
  const problems: string[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync(root);
  } catch (e) {
    return { zones: [], problems: [`${root} is not readable (${errCode(e)}): no RAPL powercap interface on this machine`] };
  }
  const top = entries.filter((e) => /^intel-rapl:\d+$/.test(e)).sort();
  if (top.length === 0) return { zones: [], problems: [`${root} has no intel-rapl:N zones (no RAPL, or the intel_rapl driver is not loaded)`] };
  const candidates: { id: string; dir: string; parent?: string }[] = [];
  for (const id of top) {
    const dir = path.join(root, id);
    candidates.push({ id, dir });
    let subs: string[] = [];
    try {
      subs = fs.readdirSync(dir).filter((e) => e.startsWith(`${id}:`)).sort();
    } catch {
      /* no subzones */
    }
    for (const s of subs) candidates.push({ id: s, dir: path.join(dir, s), parent: id });
  }
  const named: (RaplZone & { parent?: string })[] = [];
  for (const c of candidates) {
    let name: string;
    try {
      name = readText(path.join(c.dir, "name"));
    } catch (e) {
      problems.push(`${path.join(c.dir, "name")} is not readable (${errCode(e)})`);
      continue;
    }
    let maxRangeUj: number | null = null;
    try {
      const m = Number(readText(path.join(c.dir, "max_energy_range_uj")));
      maxRangeUj = Number.isFinite(m) && m > 0 ? m : null;
    } catch {
      /* optional */
    }
    named.push({ id: c.id, dir: c.dir, name, device: "", maxRangeUj, parent: c.parent });
  }
  const parentName = (id?: string) => named.find((z) => z.id === id)?.name ?? id;
  const packages = named.filter((z) => !z.parent && z.name.startsWith("package"));
  const chosen = named.filter((z) => (z.parent ? z.name === "dram" && packages.some((p) => p.id === z.parent) : packages.length ? z.name.startsWith("package") : true));
  const zones: RaplZone[] = [];
  for (const z of chosen) {
    try {
      const v = Number(readText(path.join(z.dir, "energy_uj")));
      if (!Number.isFinite(v)) throw new Error("not a number");
    } catch (e) {
      const code = errCode(e);
      problems.push(
        `${path.join(z.dir, "energy_uj")} is not readable (${code})` + (code === "EACCES" ? ": since Linux 5.10 only root may read RAPL counters; run as root or grant read access" : ""),
      );
      continue;
    }
    zones.push({ id: z.id, dir: z.dir, name: z.name, device: z.parent ? `rapl:${parentName(z.parent)}/${z.name}` : `rapl:${z.name}`, maxRangeUj: z.maxRangeUj });
  }
  return { zones, problems };
}

/** Reads a zone's counter in µJ. */
export function readRaplEnergyUj(zone: RaplZone): number {
  const v = Number(readText(path.join(zone.dir, "energy_uj")));
  if (!Number.isFinite(v)) throw new Error(`${path.join(zone.dir, "energy_uj")}: not a number`);
  return v;
}

/** Counter increase in µJ from prev to cur, allowing one wrap at maxRangeUj. */
export function raplDeltaUj(prevUj: number, curUj: number, maxRangeUj: number | null): number {
  if (curUj >= prevUj) return curUj - prevUj;
  if (maxRangeUj === null) return 0; // wrapped with an unknown range: drop this interval rather than guess
  return maxRangeUj - prevUj + curUj;
}

/**
 * Accumulates one zone's counter readings into cumulative joules since the first reading
 * (an "energy-counter" series), unwrapping the counter.
 */
export class RaplAccumulator {
  private last: number | null = null;
  private joules = 0;
  constructor(readonly maxRangeUj: number | null) {}

  /** Adds a reading (µJ) and returns the cumulative energy in J. */
  add(uj: number): number {
    if (this.last !== null) this.joules += raplDeltaUj(this.last, uj, this.maxRangeUj) / 1e6;
    this.last = uj;
    return this.joules;
  }
}
