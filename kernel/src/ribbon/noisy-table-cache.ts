/**
 * A disk cache of noisy tables for the test and the benchmark: simulating a whole grid pool by
 * pool on fresh traces takes seconds per table (1.5–7 s on one core), so each table is written once
 * to a folder (default: <os tmp>/greenai-cache/ribbon-noisy) under a name that holds every input.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { PoolGrid } from "./catalogue";
import { noisyTableFromSimulator, type NoisyTable, type NoisyTableOptions } from "./noisy-table";
import type { LatencyProfile, Workload } from "./workload";

/** Bump when the generator changes, so old files are not read. */
const CACHE_VERSION = 1;

/** The default cache folder: GREENAI_CACHE_DIR/ribbon-noisy, else <os tmp>/greenai-cache/ribbon-noisy. */
export function defaultNoisyTableCacheDir(): string {
  return path.join(process.env.GREENAI_CACHE_DIR ?? path.join(os.tmpdir(), "greenai-cache"), "ribbon-noisy");
}

/** noisyTableFromSimulator, read from `dir` when this exact table was made before, else made and written there. */
export async function noisyTableCached(
  grid: PoolGrid,
  profile: LatencyProfile,
  workload: Workload,
  options: NoisyTableOptions,
  dir = defaultNoisyTableCacheDir(),
): Promise<NoisyTable> {
  const w = workload;
  const name =
    `v${CACHE_VERSION}-${grid.space.model}-${grid.space.types.join("+")}-${grid.space.maxCounts.join("x")}` +
    `-gap${w.meanGapMs}-qos${w.qosMs}-${w.mix}-${options.dispatch ?? "pool-order"}` +
    `-q${options.minQueries ?? 1000}to${options.maxQueries ?? 3000}-seed${options.tableSeed}.json`;
  const file = path.join(dir, name.replace(/[^A-Za-z0-9._+-]/g, "_"));
  try {
    const o = JSON.parse(fs.readFileSync(file, "utf8")) as { rates: number[]; queries: number[] };
    if (o.rates.length === grid.size && o.queries.length === grid.size) return { rates: Float64Array.from(o.rates), queries: Int32Array.from(o.queries) };
  } catch {
    // absent or unreadable: make it again
  }
  const t = await noisyTableFromSimulator(grid, profile, workload, options);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ rates: Array.from(t.rates), queries: Array.from(t.queries) }));
  fs.renameSync(tmp, file); // atomic: a concurrent reader sees the old state or the whole file
  return t;
}
