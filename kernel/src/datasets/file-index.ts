/**
 * The per-job file index: the shard of a job's series is not derivable from its id, so the
 * shard folders are walked once and `id_job → files` is cached. The pure half parses names;
 * the walk and the cache (validated by the shard folders' modification times) are at the edge.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GreenaiError, throwIfAborted } from "../errors";

/** A series file name, parsed: `cpu/0003/123-timeseries.csv`, `gpu/0000/123-r1-n2.csv`. */
export interface SeriesPath {
  kind: "cpu" | "gpu";
  shard: string;
  id_job: string;
  /** cpu: "timeseries" or "summary"; gpu: the node name. */
  rest: string;
}

const SERIES_RE = /^(cpu|gpu)\/(\d{4})\/(\d+)-(.+)\.csv$/;

/** Parses a path relative to the release root (`/` separators); undefined if it is not a series file. */
export function parseSeriesPath(rel: string): SeriesPath | undefined {
  const m = SERIES_RE.exec(rel);
  if (!m) return undefined;
  return { kind: m[1] as "cpu" | "gpu", shard: m[2], id_job: m[3], rest: m[4] };
}

/** A job's series files, paths relative to the root. */
export interface JobFiles {
  cpu?: { timeseries?: string; summary?: string };
  gpu?: { node: string; file: string }[];
}

export interface DatasetIndex {
  version: 1;
  /** Absolute root the index was built for. */
  root: string;
  /** ISO time of the walk. */
  built_at: string;
  /** Shard folders (relative) with their modification time (ms), to validate the cache. */
  shards: Record<string, number>;
  /** Modification times of cpu/ and gpu/ themselves (a new shard changes them). */
  tops: Record<string, number>;
  jobs: Record<string, JobFiles>;
  /** Files in shard folders that are not series files (ignored). */
  unmatched: number;
  files: number;
}

/** Adds one series file to an index's jobs. Pure. */
export function addToIndex(jobs: Record<string, JobFiles>, p: SeriesPath, rel: string): boolean {
  const j = (jobs[p.id_job] ??= {});
  if (p.kind === "cpu") {
    j.cpu ??= {};
    if (p.rest === "timeseries") j.cpu.timeseries = rel;
    else if (p.rest === "summary") j.cpu.summary = rel;
    else return false;
  } else {
    (j.gpu ??= []).push({ node: p.rest, file: rel });
  }
  return true;
}

async function mtime(p: string): Promise<number | undefined> {
  try {
    return (await fs.promises.stat(p)).mtimeMs;
  } catch {
    return undefined;
  }
}

async function listShards(root: string): Promise<{ tops: Record<string, number>; shards: Record<string, number> }> {
  const tops: Record<string, number> = {};
  const shards: Record<string, number> = {};
  for (const kind of ["cpu", "gpu"]) {
    const top = path.join(root, kind);
    const t = await mtime(top);
    if (t === undefined) continue;
    tops[kind] = t;
    for (const d of (await fs.promises.readdir(top, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (d.isDirectory() && /^\d{4}$/.test(d.name)) shards[`${kind}/${d.name}`] = (await mtime(path.join(top, d.name))) ?? 0;
    }
  }
  return { tops, shards };
}

/** Walks every shard folder once. */
export async function buildIndex(root: string, signal?: AbortSignal, onProgress?: (done: number, total: number) => void): Promise<DatasetIndex> {
  const abs = path.resolve(root);
  const { tops, shards } = await listShards(abs);
  const jobs: Record<string, JobFiles> = {};
  let unmatched = 0;
  let files = 0;
  const names = Object.keys(shards);
  for (let i = 0; i < names.length; i++) {
    throwIfAborted(signal);
    const rel = names[i];
    const entries = (await fs.promises.readdir(path.join(abs, rel))).sort();
    for (const f of entries) {
      const r = `${rel}/${f}`;
      const p = parseSeriesPath(r);
      if (p && addToIndex(jobs, p, r)) files++;
      else unmatched++;
    }
    onProgress?.(i + 1, names.length);
  }
  return { version: 1, root: abs, built_at: new Date().toISOString(), shards, tops, jobs, unmatched, files };
}

/** Where indexes are cached: $GREENAI_CACHE_DIR, else $XDG_CACHE_HOME/greenai, else ~/.cache/greenai. */
export function defaultCacheDir(): string {
  if (process.env.GREENAI_CACHE_DIR) return process.env.GREENAI_CACHE_DIR;
  const xdg = process.env.XDG_CACHE_HOME;
  return path.join(xdg && xdg !== "" ? xdg : path.join(os.homedir(), ".cache"), "greenai");
}

/** Cache file of the index of one root. */
export function indexCachePath(root: string, cacheDir = defaultCacheDir()): string {
  const h = crypto.createHash("sha256").update(path.resolve(root)).digest("hex").slice(0, 16);
  return path.join(cacheDir, "supercloud-index", `${h}.json`);
}

export interface IndexLoad {
  index: DatasetIndex;
  /** "cache": read from the cache; "built": walked now (and cached). */
  from: "cache" | "built";
  cacheFile: string;
}

/**
 * The index of a release root: from the cache when every shard folder is unchanged,
 * otherwise walked and cached. A cache that cannot be written is not an error.
 */
export async function loadIndex(
  root: string,
  opts: { cacheDir?: string; refresh?: boolean; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<IndexLoad> {
  const abs = path.resolve(root);
  if ((await mtime(abs)) === undefined) throw new GreenaiError(`no data set folder at ${root}`);
  const cacheFile = indexCachePath(abs, opts.cacheDir);
  if (!opts.refresh) {
    try {
      const cached = JSON.parse(await fs.promises.readFile(cacheFile, "utf8")) as DatasetIndex;
      if (cached.version === 1 && cached.root === abs) {
        const now = await listShards(abs);
        if (sameTimes(now.tops, cached.tops) && sameTimes(now.shards, cached.shards)) return { index: cached, from: "cache", cacheFile };
      }
    } catch {
      // No usable cache: walk.
    }
  }
  const index = await buildIndex(abs, opts.signal, opts.onProgress);
  try {
    await fs.promises.mkdir(path.dirname(cacheFile), { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    await fs.promises.writeFile(tmp, JSON.stringify(index));
    await fs.promises.rename(tmp, cacheFile);
  } catch {
    // Read-only cache folder: the index still works, just not cached.
  }
  return { index, from: "built", cacheFile };
}

/** Whether the shard folders are unchanged since the index was built. */
export async function isIndexFresh(index: DatasetIndex): Promise<boolean> {
  const now = await listShards(index.root);
  return sameTimes(now.tops, index.tops) && sameTimes(now.shards, index.shards);
}

function sameTimes(a: Record<string, number>, b: Record<string, number>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => b[k] === a[k]);
}
