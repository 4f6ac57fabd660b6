/**
 * `greenai data path NAME` (edge): the local folder holding a public data set, prepared as the
 * project reads it. Looked for, in order:
 *   1. a prepared copy `$GREENAI_DATA_DIR/NAME` (handed out for offline classrooms, or CI): it may
 *      hold only some files; those with a checksum in the manifest are verified, and a file the
 *      work needs but the copy lacks is an error naming it and the fetch command;
 *   2. the cache `<cache>/data/NAME` (cache: $GREENAI_CACHE_DIR, else ~/.cache/greenai);
 *   3. a download: fetched, verified, prepared and moved into the cache in one rename.
 * Without a copy and without a download (no network, or GREENAI_OFFLINE=1) it throws ONE
 * DataUnavailableError naming the data set, where it looked, and the command that fetches it.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { DataUnavailableError, GreenaiError } from "../errors";
import { readManifest, type DownloadOptions, type FetchedFile } from "./fetch";
import { defaultCacheDir } from "./file-index";
import { findDataset, globToRegExp, type Manifest, type ManifestDataset } from "./manifest";
import { DownloadFailedError, PREPARED_MARKER, prepareDataset, readPreparedMarker, type PreparedEntry, type PreparedMarker } from "./prepare";

/** A file of a located data set. */
export type DatasetFile = PreparedEntry;

/** Where a data set was found: the result of `%data path NAME`. */
export interface DatasetLocation {
  name: string;
  /** Absolute folder holding the prepared data set. */
  path: string;
  /** local: $GREENAI_DATA_DIR/NAME; cache: a copy prepared earlier; download: fetched and prepared now. */
  source: "local" | "cache" | "download";
  citation: string;
  licence: string;
  files: DatasetFile[];
}

export interface ResolveOptions {
  /** The manifest (default: data/datasets.json of this checkout). */
  manifest?: Manifest;
  /** Globs over prepared paths the work reads, besides the data set's own `require` (e.g. "summary_power_v100.csv"). */
  need?: readonly string[];
  /** Folder of prepared copies; default $GREENAI_DATA_DIR; null: none. */
  dataDir?: string | null;
  /** Cache root; default $GREENAI_CACHE_DIR, else ~/.cache/greenai. */
  cacheDir?: string;
  /** Whether step 3 may download; default: unless GREENAI_OFFLINE=1. */
  download?: boolean;
  signal?: AbortSignal;
  onProgress?(message: string, fraction?: number): void;
  /** Give up on a server silent this long (ms); default 20,000. */
  idleTimeoutMs?: number;
}

/** The shell and notebook commands that fetch a data set, for messages. */
export function fetchCommand(name: string): string {
  return `greenai data fetch ${name} (or %data fetch ${name})`;
}

/** Folder of prepared data sets in the cache. */
export function datasetCacheRoot(cacheDir = defaultCacheDir()): string {
  return path.join(cacheDir, "data");
}

/** Folder of a data set's downloads (and cut downloads, to resume) until it is prepared. */
export function downloadsDir(name: string, cacheDir = defaultCacheDir()): string {
  return path.join(datasetCacheRoot(cacheDir), ".downloads", name);
}

/** Whether GREENAI_OFFLINE turns downloads off. */
export function offline(): boolean {
  const v = process.env.GREENAI_OFFLINE;
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

/** Every file under `dir` (following symbolic links), `/`-separated relative paths, without the marker. */
async function walk(dir: string, rel = ""): Promise<{ path: string; bytes: number }[]> {
  const out: { path: string; bytes: number }[] = [];
  for (const name of (await fs.promises.readdir(path.join(dir, rel))).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    if (r === PREPARED_MARKER) continue;
    const st = await fs.promises.stat(path.join(dir, r)).catch(() => undefined);
    if (st?.isDirectory()) out.push(...(await walk(dir, r)));
    else if (st?.isFile()) out.push({ path: r, bytes: st.size });
  }
  return out;
}

async function sha256OfFile(file: string): Promise<string> {
  const h = crypto.createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** Known checksums of prepared files: plain downloads (not archives) and the manifest's `prepared` list. */
function preparedChecksums(ds: ManifestDataset): Map<string, { bytes: number | null; sha256: string }> {
  const m = new Map<string, { bytes: number | null; sha256: string }>();
  const archives = new Set(ds.extract.map((e) => e.archive));
  for (const f of ds.files) if (f.sha256 && !archives.has(f.path)) m.set(f.path, { bytes: f.bytes, sha256: f.sha256 });
  for (const f of ds.prepared) m.set(f.path, f);
  return m;
}

/** The files of a local prepared copy; those with a known checksum are verified (a mismatch throws). */
async function verifyLocal(ds: ManifestDataset, dir: string): Promise<DatasetFile[]> {
  const known = preparedChecksums(ds);
  const out: DatasetFile[] = [];
  for (const f of await walk(dir)) {
    const k = known.get(f.path);
    if (!k) {
      out.push({ ...f, sha256: null, verified: false });
      continue;
    }
    const sha = k.bytes !== null && k.bytes !== f.bytes ? null : await sha256OfFile(path.join(dir, f.path));
    if (sha !== k.sha256) {
      throw new DataUnavailableError(
        `${path.join(dir, f.path)} is not the ${ds.name} file the manifest pins (${k.bytes ?? "?"} bytes, sha256 ${k.sha256}; this one has ${f.bytes} bytes${sha ? `, sha256 ${sha}` : ""}). ` +
          `Replace the copy with one made by: greenai data fetch ${ds.name} --to DIR`,
      );
    }
    out.push({ ...f, sha256: sha, verified: true });
  }
  return out;
}

/** The needed globs no file matches. */
function missing(files: readonly DatasetFile[], globs: readonly string[]): string[] {
  return globs.filter((g) => {
    const re = globToRegExp(g);
    return !files.some((f) => re.test(f.path));
  });
}

function missingError(name: string, dir: string, lacking: string[]): DataUnavailableError {
  const what = lacking.length === 1 ? `file ${lacking[0]}` : `files ${lacking.join(", ")}`;
  return new DataUnavailableError(`the copy of ${name} in ${dir} lacks the ${what}, which this needs. Fetch the whole data set with: ${fetchCommand(name)}`);
}

/** A copy made from the downloads the manifest pins now (a re-pinned manifest makes it stale). */
function current(ds: ManifestDataset, marker: PreparedMarker): boolean {
  const pinned = new Map(ds.files.map((f) => [f.path, f]));
  return marker.name === ds.name && marker.sources.every((s) => pinned.has(s.path) && (pinned.get(s.path)!.sha256 ?? s.sha256) === s.sha256 && pinned.get(s.path)!.url === s.url);
}

/** Finds (or downloads and prepares) a data set; see the module comment for the order. */
export async function resolveDataset(name: string, opts: ResolveOptions = {}): Promise<DatasetLocation> {
  const manifest = opts.manifest ?? (await readManifest());
  const ds = findDataset(manifest, name);
  const need = [...ds.require, ...(opts.need ?? [])];
  const located = (dir: string, source: DatasetLocation["source"], files: DatasetFile[]): DatasetLocation => ({ name, path: dir, source, citation: ds.citation, licence: ds.licence, files });

  const dataDir = opts.dataDir === undefined ? process.env.GREENAI_DATA_DIR || null : opts.dataDir;
  if (dataDir) {
    const dir = path.resolve(dataDir, name);
    if (fs.existsSync(dir)) {
      const files = await verifyLocal(ds, dir);
      const lacking = missing(files, need);
      if (lacking.length) throw missingError(name, dir, lacking);
      return located(dir, "local", files);
    }
  }

  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const cached = path.join(datasetCacheRoot(cacheDir), name);
  const marker = await readPreparedMarker(cached);
  if (marker && current(ds, marker)) {
    const lacking = missing(marker.files, need);
    if (!lacking.length) return located(cached, "cache", marker.files);
    if (!marker.partial) throw missingError(name, cached, lacking);
    // A partial copy (--files) without what is needed: prepare the whole data set.
  }

  const where = `no prepared copy in $GREENAI_DATA_DIR (${dataDir ? `${path.resolve(dataDir, name)} absent` : "unset"}), not in the cache (${cached})`;
  const howTo = `Fetch it with: ${fetchCommand(name)}, or point GREENAI_DATA_DIR at a prepared copy.`;
  if (!(opts.download ?? !offline())) {
    throw new DataUnavailableError(`data set ${name} is not available here: ${where}, and downloading is turned off (${offline() ? "GREENAI_OFFLINE=1" : "--offline"}). ${howTo}`);
  }
  let made: PreparedMarker;
  try {
    ({ marker: made } = await prepareDataset(ds, cached, { downloads: downloadsDir(name, cacheDir), signal: opts.signal, onProgress: opts.onProgress, idleTimeoutMs: opts.idleTimeoutMs ?? 20000 }));
  } catch (err) {
    if (err instanceof DownloadFailedError) throw new DataUnavailableError(`data set ${name} is not available here: ${where}, and ${err.message}. ${howTo}`);
    if (err instanceof GreenaiError) throw err;
    throw new GreenaiError(`preparing ${name} in ${cached} failed: ${(err as Error).message}`);
  }
  const lacking = missing(made.files, need);
  if (lacking.length) throw missingError(name, cached, lacking);
  return located(cached, "download", made.files);
}

export interface FetchCopyOptions extends DownloadOptions {
  /** Folder for the prepared copy (to hand out); default: the cache, where `data path` finds it. */
  to?: string;
  cacheDir?: string;
}

/** What `data fetch` made: the downloads (status downloaded, resumed or present) and the prepared files. */
export interface DatasetCopy {
  dataset: string;
  dest: string;
  downloads: FetchedFile[];
  files: DatasetFile[];
  notes: string[];
}

/**
 * `greenai data fetch NAME [--to DIR]`: a prepared copy in the cache, or in DIR to hand out.
 * A folder that holds a current copy is left as it is (unless `force`); a folder that holds
 * something else is refused rather than replaced.
 */
export async function fetchPreparedCopy(name: string, opts: FetchCopyOptions = {}): Promise<DatasetCopy> {
  const manifest = opts.manifest ?? (await readManifest());
  const ds = findDataset(manifest, name);
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const dest = path.resolve(opts.to ?? path.join(datasetCacheRoot(cacheDir), name));
  const marker = await readPreparedMarker(dest);
  const wanted = opts.only?.length ? opts.only : ds.files.map((f) => f.path);
  if (!opts.force && marker && current(ds, marker) && wanted.every((p) => marker.sources.some((s) => s.path === p))) {
    return { dataset: name, dest, downloads: marker.sources.map((s) => ({ ...s, status: "present" })), files: marker.files, notes: ds.notes };
  }
  if (!marker && fs.existsSync(dest) && (await fs.promises.readdir(dest)).length > 0) {
    throw new GreenaiError(`${dest} is not empty and holds no prepared copy of ${name}; give a new or empty folder to --to`);
  }
  const made = await prepareDataset(ds, dest, { downloads: downloadsDir(name, cacheDir), only: opts.only, signal: opts.signal, onProgress: opts.onProgress, idleTimeoutMs: opts.idleTimeoutMs });
  return { dataset: name, dest, downloads: made.downloads, files: made.marker.files, notes: ds.notes };
}
