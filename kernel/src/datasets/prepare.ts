/**
 * Downloads → prepared folder (edge): the manifest's files are downloaded and checked
 * (datasets/fetch.ts, resumable), archives are unpacked as the manifest's extract steps say,
 * plain files are placed at their path, and the result is moved into place in one rename, so a
 * failure never leaves a half-prepared folder where a prepared copy is looked for.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { DataFormatError, GreenaiError, InterruptedError } from "../errors";
import { tarEntries } from "../io/tar";
import { zipEntries } from "../io/zip";
import { fetchDataset, type FetchedFile } from "./fetch";
import { globToRegExp, type ExtractStep, type ManifestDataset } from "./manifest";

/** Written at the top of every prepared folder this code makes: what it holds and where from. */
export const PREPARED_MARKER = ".greenai-dataset.json";

/** A file of a prepared folder. */
export interface PreparedEntry {
  /** Path under the prepared folder, `/`-separated. */
  path: string;
  bytes: number;
  /** Lower-case hex SHA-256; null where not computed. */
  sha256: string | null;
  /** Checked against the manifest: the file itself, or the archive it came out of. */
  verified: boolean;
}

export interface PreparedMarker {
  name: string;
  /** The downloads it was made from: a manifest that pins other files makes it stale. */
  sources: Omit<FetchedFile, "status">[];
  /** Made from only some of the downloads (`--files`). */
  partial: boolean;
  prepared_at: string;
  files: PreparedEntry[];
}

/** Files of an earlier copy that the new one keeps beside what its own downloads give. */
export interface EarlierCopy {
  dir: string;
  /** The downloads the kept files came from. */
  sources: PreparedMarker["sources"];
  files: PreparedEntry[];
}

export interface PrepareOptions {
  /** Where downloads (and cut downloads, to resume) are kept until the folder is prepared. */
  downloads: string;
  /** Only these downloads (paths of the manifest's files); default: all. */
  only?: readonly string[];
  /** Keep these files (hard-linked, else copied) where the new downloads do not give the same path. */
  earlier?: EarlierCopy;
  signal?: AbortSignal;
  onProgress?(message: string, fraction?: number): void;
  idleTimeoutMs?: number;
}

/** A download that failed: which URL, and why (the cause's message). */
export class DownloadFailedError extends GreenaiError {
  override name = "DownloadFailedError";
  constructor(readonly url: string, readonly why: string) {
    super(`downloading ${url} failed (${why})`);
  }
}

const sha256 = (b: Buffer) => crypto.createHash("sha256").update(b).digest("hex");

/** The entries of an archive by its file name: .zip, .tar, .tar.gz or .tgz. */
function archiveEntries(file: string): Map<string, Buffer> {
  const data = fs.readFileSync(file);
  if (/\.zip$/i.test(file)) return zipEntries(data, file);
  if (/\.(tar|tar\.gz|tgz)$/i.test(file)) return tarEntries(data, file);
  throw new DataFormatError(`${file}: unknown archive type (expected .zip, .tar, .tar.gz or .tgz)`);
}

/** Where an archive entry goes under the prepared folder, or undefined when the step does not keep it. */
export function extractTarget(step: ExtractStep, entry: string, keep = step.keep.map(globToRegExp), drop = step.drop.map(globToRegExp)): string | undefined {
  if (!keep.some((r) => r.test(entry)) || drop.some((r) => r.test(entry))) return undefined;
  const parts = entry.split("/");
  if (entry.startsWith("/") || parts.some((p) => p === ".." || p === "")) throw new DataFormatError(`archive entry ${JSON.stringify(entry)} is not a plain relative path`);
  const rel = step.flatten ? parts[parts.length - 1] : entry;
  return step.into ? `${step.into}/${rel}` : rel;
}

/** Hard link when on the same file system (cheap for large files), else copy. */
export async function linkOrCopy(from: string, to: string): Promise<void> {
  await fs.promises.mkdir(path.dirname(to), { recursive: true });
  try {
    await fs.promises.link(from, to);
  } catch {
    await fs.promises.copyFile(from, to);
  }
}

/** Unpacks or places the downloads into `staging`; returns its files. */
async function build(ds: ManifestDataset, fetched: FetchedFile[], downloads: string, staging: string, verifiedSources: Set<string>): Promise<PreparedEntry[]> {
  const out = new Map<string, PreparedEntry>();
  for (const f of fetched) {
    const from = path.join(downloads, ...f.path.split("/"));
    const steps = ds.extract.filter((e) => e.archive === f.path);
    const verified = verifiedSources.has(f.path);
    if (!steps.length) {
      await linkOrCopy(from, path.join(staging, ...f.path.split("/")));
      out.set(f.path, { path: f.path, bytes: f.bytes, sha256: f.sha256, verified });
      continue;
    }
    const entries = archiveEntries(from);
    for (const step of steps) {
      const keep = step.keep.map(globToRegExp);
      const drop = step.drop.map(globToRegExp);
      for (const [entry, body] of entries) {
        const rel = extractTarget(step, entry, keep, drop);
        if (rel === undefined) continue;
        if (out.has(rel)) throw new DataFormatError(`${f.path}: two entries become ${rel} in the prepared folder`);
        const to = path.join(staging, ...rel.split("/"));
        await fs.promises.mkdir(path.dirname(to), { recursive: true });
        await fs.promises.writeFile(to, body);
        out.set(rel, { path: rel, bytes: body.length, sha256: sha256(body), verified });
      }
    }
  }
  return [...out.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Replaces `target` by `staging` (renames only; the old copy is removed after). */
async function moveIntoPlace(staging: string, target: string): Promise<void> {
  const old = `${target}.old-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
  let hadOld = false;
  try {
    await fs.promises.rename(target, old);
    hadOld = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  try {
    await fs.promises.rename(staging, target);
  } catch (err) {
    if (hadOld) await fs.promises.rename(old, target).catch(() => undefined);
    throw err;
  }
  if (hadOld) await fs.promises.rm(old, { recursive: true, force: true });
}

/**
 * Downloads (resuming cut downloads kept in `opts.downloads`), checks and prepares a data set
 * into `target`, replacing what was there. Throws DownloadFailedError naming the URL when a
 * download fails; nothing is left at `target` or beside it on failure.
 */
export async function prepareDataset(ds: ManifestDataset, target: string, opts: PrepareOptions): Promise<{ marker: PreparedMarker; downloads: FetchedFile[] }> {
  const files = opts.only ? ds.files.filter((f) => opts.only!.includes(f.path)) : ds.files;
  const unknown = (opts.only ?? []).filter((p) => !ds.files.some((f) => f.path === p));
  if (unknown.length) throw new GreenaiError(`${ds.name} has no file ${unknown.join(", ")}; its files: ${ds.files.map((f) => f.path).join(", ")}`);
  const total = files.reduce((s, f) => s + (f.bytes ?? 0), 0);
  let done = 0;
  const fetched: FetchedFile[] = [];
  for (const f of files) {
    try {
      const r = await fetchDataset(ds.name, {
        manifest: { schema_version: 2, datasets: [ds] },
        dest: opts.downloads,
        only: [f.path],
        signal: opts.signal,
        idleTimeoutMs: opts.idleTimeoutMs,
        onProgress: (m, x) => opts.onProgress?.(m, total > 0 && x !== undefined ? (done + x * (f.bytes ?? 0)) / total : undefined),
      });
      fetched.push(...r.files);
    } catch (err) {
      if (err instanceof InterruptedError || !(err instanceof Error)) throw err;
      throw new DownloadFailedError(f.url, err.message);
    }
    done += f.bytes ?? 0;
  }
  opts.onProgress?.(`preparing ${ds.name}`, total > 0 ? 1 : undefined);
  const verifiedSources = new Set(files.filter((f) => f.sha256).map((f) => f.path));
  const staging = `${target}.partial-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
  try {
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    await fs.promises.mkdir(staging);
    const entries = await build(ds, fetched, opts.downloads, staging, verifiedSources);
    const kept = opts.earlier ? await keepEarlier(opts.earlier, fetched, entries, staging) : { sources: [], files: [] };
    const order = new Map(ds.files.map((f, i) => [f.path, i]));
    const sources = [...kept.sources, ...fetched.map(({ status: _status, ...f }) => f)].sort((a, b) => order.get(a.path)! - order.get(b.path)!);
    const marker: PreparedMarker = {
      name: ds.name,
      sources,
      partial: sources.length < ds.files.length,
      prepared_at: new Date().toISOString(),
      files: [...kept.files, ...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    };
    await fs.promises.writeFile(path.join(staging, PREPARED_MARKER), `${JSON.stringify(marker, null, 1)}\n`);
    await moveIntoPlace(staging, target);
    await fs.promises.rm(opts.downloads, { recursive: true, force: true });
    await fs.promises.rmdir(path.dirname(opts.downloads)).catch(() => undefined); // only when no other data set's downloads are there
    return { marker, downloads: fetched };
  } catch (err) {
    throw writeError(err, `preparing ${ds.name} in ${target}`);
  } finally {
    // Not there when moved into place, or when its parent could not be made: that is no new error.
    await fs.promises.rm(staging, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The earlier copy's files and sources that the new downloads do not replace, linked into `staging`. */
async function keepEarlier(earlier: EarlierCopy, fetched: FetchedFile[], entries: PreparedEntry[], staging: string): Promise<Pick<PreparedMarker, "sources" | "files">> {
  const refetched = new Set(fetched.map((f) => f.path));
  const made = new Set(entries.map((e) => e.path));
  const files = earlier.files.filter((f) => !made.has(f.path));
  for (const f of files) await linkOrCopy(path.join(earlier.dir, ...f.path.split("/")), path.join(staging, ...f.path.split("/")));
  return { sources: earlier.sources.filter((s) => !refetched.has(s.path)), files };
}

/** A file-system failure (EACCES, ENOTDIR, ENOSPC, …) as a GreenaiError that says what was being done and on which path. */
export function writeError(err: unknown, doing: string): unknown {
  // Duck-typed: errors from Node's fs may come from another realm (vm contexts, test runners).
  const e = err as NodeJS.ErrnoException | null;
  if (err instanceof GreenaiError || typeof e?.code !== "string" || typeof e.path !== "string") return err;
  return new GreenaiError(`${doing} failed: ${e.code} (${e.syscall ?? "access"} ${e.path})`);
}

/** The marker of a prepared folder, or undefined when there is none or it cannot be read. */
export async function readPreparedMarker(dir: string): Promise<PreparedMarker | undefined> {
  try {
    const m = JSON.parse(await fs.promises.readFile(path.join(dir, PREPARED_MARKER), "utf8")) as PreparedMarker;
    return Array.isArray(m.files) && Array.isArray(m.sources) ? m : undefined;
  } catch {
    return undefined;
  }
}
