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
import { checkPresent, readManifest, type DownloadOptions, type FetchedFile } from "./fetch";
import { defaultCacheDir } from "./file-index";
import { findDataset, globToRegExp, type Manifest, type ManifestDataset } from "./manifest";
import { DownloadFailedError, linkOrCopy, PREPARED_MARKER, prepareDataset, readPreparedMarker, writeError, type EarlierCopy, type PreparedEntry, type PreparedMarker } from "./prepare";

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

/** walk(), with a read failure (EACCES, …) as a GreenaiError naming the folder. */
async function filesOf(name: string, dir: string): Promise<{ path: string; bytes: number }[]> {
  try {
    return await walk(dir);
  } catch (err) {
    throw writeError(err, `reading the copy of ${name} in ${dir}`);
  }
}

/** The files of a local prepared copy; those with a known checksum are verified (a mismatch throws). */
async function verifyLocal(ds: ManifestDataset, dir: string): Promise<DatasetFile[]> {
  const known = preparedChecksums(ds);
  const out: DatasetFile[] = [];
  for (const f of await filesOf(ds.name, dir)) {
    const k = known.get(f.path);
    if (!k) {
      out.push({ ...f, sha256: null, verified: false });
      continue;
    }
    const sha = k.bytes !== null && k.bytes !== f.bytes ? null : await sha256OfFile(path.join(dir, f.path));
    if (sha !== k.sha256) {
      throw new DataUnavailableError(
        `${path.join(dir, f.path)} is not the ${ds.name} file the manifest pins (${k.bytes ?? "?"} bytes, sha256 ${k.sha256}; this one has ${f.bytes} bytes${sha ? `, sha256 ${sha}` : ""}). ` +
          `Replace the copy with one made by: greenai data fetch ${ds.name} --to DIR/${ds.name}`,
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

/** Whether two one-segment globs (`*`, `?`) can match one name; a close over-estimate where both have wildcards. */
function segmentsMeet(a: string, b: string): boolean {
  const wild = (x: string) => /[*?]/.test(x);
  if (!wild(a) || !wild(b)) return wild(a) ? globToRegExp(a).test(b) : wild(b) ? globToRegExp(b).test(a) : a === b;
  const head = (x: string) => x.slice(0, x.search(/[*?]/));
  const tail = (x: string) => x.slice(Math.max(x.lastIndexOf("*"), x.lastIndexOf("?")) + 1);
  const [ha, hb, ta, tb] = [head(a), head(b), tail(a), tail(b)];
  return (ha.startsWith(hb) || hb.startsWith(ha)) && (ta.endsWith(tb) || tb.endsWith(ta));
}

/** Whether two globs over `/`-separated paths can match one path (`**` is any number of folders). */
function globsMeet(a: readonly string[], b: readonly string[]): boolean {
  if (a[0] === "**") return globsMeet(a.slice(1), b) || (b.length > 0 && globsMeet(a, b.slice(1)));
  if (b[0] === "**") return globsMeet(a, b.slice(1)) || (a.length > 0 && globsMeet(a.slice(1), b));
  if (!a.length || !b.length) return a.length === b.length;
  return segmentsMeet(a[0], b[0]) && globsMeet(a.slice(1), b.slice(1));
}

/**
 * The needed globs that no file of the data set can match: none of its plain downloads, checked
 * prepared files, `require` globs, or extract targets (a keep glob under the step's `into`).
 */
export function impossibleNeeds(ds: ManifestDataset, globs: readonly string[]): string[] {
  const archives = new Set(ds.extract.map((e) => e.archive));
  const targets = ds.extract.flatMap((e) =>
    e.keep.map((k) => {
      const last = k.split("/").pop()!;
      const rel = e.flatten ? (last.includes("**") ? "*" : last) : k;
      return e.into ? `${e.into}/${rel}` : rel;
    }),
  );
  const patterns = [...ds.files.filter((f) => !archives.has(f.path)).map((f) => f.path), ...ds.prepared.map((f) => f.path), ...ds.require, ...targets];
  return globs.filter((g) => !patterns.some((p) => globsMeet(g.split("/"), p.split("/"))));
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
  const impossible = impossibleNeeds(ds, opts.need ?? []);
  if (impossible.length) throw new GreenaiError(impossible.map((g) => `no file of ${name} matches ${g}`).join("; "));
  const located = (dir: string, source: DatasetLocation["source"], files: DatasetFile[]): DatasetLocation => ({ name, path: dir, source, citation: ds.citation, licence: ds.licence, files });

  const dataDir = opts.dataDir === undefined ? process.env.GREENAI_DATA_DIR || null : opts.dataDir;
  if (dataDir) {
    const dir = path.resolve(dataDir, name);
    const st = await fs.promises.stat(dir).catch(() => undefined);
    if (st && !st.isDirectory()) {
      throw new DataUnavailableError(`${dir} is a file, not a folder: GREENAI_DATA_DIR must name the folder that holds ${name}/ (made with: greenai data fetch ${name} --to DIR/${name})`);
    }
    if (st) {
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
  const howTo = `Fetch it with: ${fetchCommand(name)}, or point GREENAI_DATA_DIR at the folder that holds ${name}/.`;
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
 * A folder without a marker (made by the old `data fetch --dest`, or by hand), taken as a copy to
 * complete when every file in it passes the manifest's checks: plain downloads are kept as
 * prepared files, archives and cut downloads (`.part`) go to `downloads` to be prepared or
 * resumed. Throws naming the files that fail (so nothing of the user's is replaced).
 */
async function adoptFolder(ds: ManifestDataset, dir: string, downloads: string): Promise<{ earlier: EarlierCopy; prepare: string[] }> {
  const byPath = new Map(ds.files.map((f) => [f.path, f]));
  const archives = new Set(ds.extract.map((e) => e.archive));
  const checked = new Map(ds.prepared.map((f) => [f.path, f]));
  const earlier: EarlierCopy = { dir, sources: [], files: [] };
  const toDownloads: string[] = [];
  const failed: string[] = [];
  for (const f of await filesOf(ds.name, dir)) {
    const full = path.join(dir, ...f.path.split("/"));
    const cut = f.path.endsWith(".part") ? byPath.get(f.path.slice(0, -".part".length)) : undefined;
    const d = byPath.get(f.path);
    const p = checked.get(f.path);
    if (cut) toDownloads.push(f.path);
    else if (d) {
      const c = await checkPresent(full, d);
      if (!c.ok) failed.push(`${f.path} (its ${c.verified === "sha256" ? "sha256" : "size"} is not the manifest's)`);
      else if (archives.has(d.path)) toDownloads.push(f.path);
      else {
        earlier.sources.push({ path: d.path, url: d.url, bytes: c.bytes, sha256: c.sha, verified: c.verified });
        earlier.files.push({ path: f.path, bytes: c.bytes, sha256: c.sha, verified: c.verified === "sha256" });
      }
    } else if (p) {
      const sha = f.bytes === p.bytes ? await sha256OfFile(full) : null;
      if (sha === p.sha256) earlier.files.push({ path: f.path, bytes: f.bytes, sha256: sha, verified: true });
      else failed.push(`${f.path} (not the file the manifest pins)`);
    } else failed.push(`${f.path} (not a file of ${ds.name})`);
  }
  if (failed.length) {
    throw new GreenaiError(`${dir} is not empty and holds no prepared copy of ${ds.name}: ${failed.join(", ")}; move ${failed.length === 1 ? "it" : "them"} away or give a new or empty folder to --to`);
  }
  try {
    for (const rel of toDownloads) await linkOrCopy(path.join(dir, ...rel.split("/")), path.join(downloads, ...rel.split("/")));
  } catch (err) {
    throw writeError(err, `taking the downloads of ${ds.name} from ${dir}`);
  }
  return { earlier, prepare: toDownloads.filter((rel) => !rel.endsWith(".part")) };
}

/**
 * `greenai data fetch NAME [--to DIR]`: a prepared copy in the cache, or in DIR to hand out.
 * A folder that holds a current copy keeps it: what it lacks is fetched and added (unless
 * `force`, which fetches the asked files again). A folder without a marker whose files all pass
 * the manifest's checks is completed; one holding anything else is refused rather than replaced.
 */
export async function fetchPreparedCopy(name: string, opts: FetchCopyOptions = {}): Promise<DatasetCopy> {
  const manifest = opts.manifest ?? (await readManifest());
  const ds = findDataset(manifest, name);
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const dest = path.resolve(opts.to ?? path.join(datasetCacheRoot(cacheDir), name));
  const downloads = downloadsDir(name, cacheDir);
  const st = await fs.promises.stat(dest).catch(() => undefined);
  if (st && !st.isDirectory()) throw new GreenaiError(`${dest} is a file, not a folder; give --to a new or empty folder (named ${name}), or an earlier copy`);
  const marker = st ? await readPreparedMarker(dest) : undefined;
  let earlier: EarlierCopy | undefined;
  let adopted: string[] = [];
  if (marker && current(ds, marker)) earlier = { dir: dest, sources: marker.sources, files: marker.files };
  else if (!marker && st && (await fs.promises.readdir(dest)).length > 0) ({ earlier, prepare: adopted } = await adoptFolder(ds, dest, downloads));

  const wanted = opts.only?.length ? opts.only : ds.files.map((f) => f.path);
  const have = new Set(earlier?.sources.map((s) => s.path));
  const only = [...new Set([...(opts.force ? wanted : wanted.filter((p) => !have.has(p))), ...adopted])];
  if (marker && earlier && !only.length) {
    return { dataset: name, dest, downloads: marker.sources.map((s) => ({ ...s, status: "present" })), files: marker.files, notes: ds.notes };
  }
  const made = await prepareDataset(ds, dest, { downloads, only, earlier, signal: opts.signal, onProgress: opts.onProgress, idleTimeoutMs: opts.idleTimeoutMs });
  const now = new Map(made.downloads.map((d) => [d.path, d]));
  const downloadsNow = made.marker.sources.map((s): FetchedFile => now.get(s.path) ?? { ...s, status: "present" });
  return { dataset: name, dest, downloads: downloadsNow, files: made.marker.files, notes: ds.notes };
}
