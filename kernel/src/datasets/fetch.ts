/**
 * `greenai data fetch NAME` (edge): downloads a data set's files from the manifest into a
 * folder, checking size and SHA-256 where known. Files go to `<path>.part` first and are
 * renamed when complete and checked; an interrupted download resumes with an HTTP Range
 * request when the server allows it.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as path from "path";
import { GreenaiError, InterruptedError } from "../errors";
import { findDataset, parseManifest, type Manifest, type ManifestFile } from "./manifest";

/** data/datasets.json of the greenai-lab checkout this code runs from. */
export function defaultManifestPath(): string {
  return path.resolve(__dirname, "../../../data/datasets.json");
}

/** Reads and checks a manifest file. */
export async function readManifest(file = defaultManifestPath()): Promise<Manifest> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, "utf8");
  } catch {
    throw new GreenaiError(`cannot read the data set manifest ${file}; pass --manifest FILE`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new GreenaiError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parseManifest(json, path.basename(file));
}

export interface FetchedFile {
  path: string;
  url: string;
  bytes: number;
  sha256: string;
  /** downloaded: fetched now; resumed: completed from a .part file; present: already there and checked. */
  status: "downloaded" | "resumed" | "present";
  /** What the file was checked against. */
  verified: "sha256" | "size" | "none";
}

export interface FetchResult {
  dataset: string;
  dest: string;
  files: FetchedFile[];
  notes: string[];
}

/** What every download of a data set takes. */
export interface DownloadOptions {
  manifest?: Manifest;
  /** Download (or prepare) again even when a checked copy is present. */
  force?: boolean;
  /** Only these file paths of the data set. */
  only?: readonly string[];
  signal?: AbortSignal;
  onProgress?(message: string, fraction?: number): void;
  /** Give up when no byte arrives for this long (ms); default 60,000. */
  idleTimeoutMs?: number;
}

export interface FetchOptions extends DownloadOptions {
  /** Folder to download into; default ./data/<name>. */
  dest?: string;
}

async function sha256OfFile(file: string): Promise<{ sha: string; bytes: number }> {
  const h = crypto.createHash("sha256");
  let bytes = 0;
  for await (const chunk of fs.createReadStream(file)) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha: h.digest("hex"), bytes };
}

/** Whether a present file passes the manifest's checks. */
export async function checkPresent(file: string, f: ManifestFile): Promise<{ ok: boolean; sha: string; bytes: number; verified: FetchedFile["verified"] }> {
  const { sha, bytes } = await sha256OfFile(file);
  if (f.sha256) return { ok: sha === f.sha256, sha, bytes, verified: "sha256" };
  if (f.bytes !== null) return { ok: bytes === f.bytes, sha, bytes, verified: "size" };
  return { ok: true, sha, bytes, verified: "none" };
}

interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
  /** Why this side cut the connection (idle timeout, interrupt), once it did: the body then only says "aborted". */
  cutBecause(): Error | undefined;
}

function request(url: string, headers: Record<string, string>, signal: AbortSignal | undefined, idleMs: number, redirects = 5): Promise<Response> {
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      reject(new GreenaiError(`bad URL ${url}`));
      return;
    }
    const lib = u.protocol === "https:" ? https : u.protocol === "http:" ? http : undefined;
    if (!lib) {
      reject(new GreenaiError(`cannot download ${url}: only http and https are supported`));
      return;
    }
    let cause: Error | undefined;
    const cut = (err: Error) => {
      cause ??= err;
      req.destroy(err);
    };
    const req = lib.get(u, { headers: { "user-agent": "greenai-lab data fetch", ...headers } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirects <= 0) {
          reject(new GreenaiError(`too many redirects fetching ${url}`));
          return;
        }
        resolve(request(new URL(res.headers.location, u).toString(), headers, signal, idleMs, redirects - 1));
        return;
      }
      resolve({ status, headers: res.headers, body: res, cutBecause: () => cause });
    });
    req.setTimeout(idleMs, () => cut(new GreenaiError(`no answer from ${u.host} for ${Math.round(idleMs / 1000)} s fetching ${url}`)));
    req.on("error", (err) => reject(err instanceof GreenaiError ? err : new GreenaiError(`cannot download ${url}: ${(err as NodeJS.ErrnoException).code ?? err.message}`)));
    if (signal) {
      if (signal.aborted) cut(new InterruptedError());
      else signal.addEventListener("abort", () => cut(new InterruptedError()), { once: true });
    }
  });
}

/** A download larger than its manifest entry: stopped, and its .part file removed. */
class TooLargeError extends GreenaiError {}

function tooLarge(f: ManifestFile, label: string, what: string): TooLargeError {
  return new TooLargeError(
    `download stopped: the manifest says ${label} is ${f.bytes} bytes, but ${f.url} ${what}; nothing was kept. The file at that address has changed or is not the one meant: check the URL, or update bytes/sha256 in the manifest if the new file is right`,
  );
}

/** Downloads one file to `target`, via `target.part`; returns its checksum. Stops as soon as the body exceeds the manifest's byte count. */
async function download(f: ManifestFile, target: string, opts: FetchOptions, label: string): Promise<{ sha: string; bytes: number; resumed: boolean }> {
  const part = `${target}.part`;
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  let have = 0;
  try {
    have = (await fs.promises.stat(part)).size;
  } catch {
    have = 0;
  }
  if (f.bytes !== null && have > f.bytes) have = 0;
  const idle = opts.idleTimeoutMs ?? 60000;
  const res = await request(f.url, have > 0 ? { range: `bytes=${have}-` } : {}, opts.signal, idle);
  let resumed = false;
  if (res.status === 206 && have > 0) {
    const range = /^bytes (\d+)-/.exec(String(res.headers["content-range"] ?? ""));
    if (!range || Number(range[1]) !== have) {
      res.body.resume();
      throw new GreenaiError(`the server answered a resume of ${f.url} with the wrong range (${res.headers["content-range"] ?? "none"}); delete ${part} and retry`);
    }
    resumed = true;
  } else if (res.status === 200) {
    have = 0;
  } else {
    res.body.resume();
    throw new GreenaiError(`HTTP ${res.status} fetching ${f.url}`);
  }
  const hash = crypto.createHash("sha256");
  if (resumed) {
    for await (const chunk of fs.createReadStream(part)) hash.update(chunk as Buffer);
  }
  const length = res.headers["content-length"] !== undefined ? Number(res.headers["content-length"]) : undefined;
  // The manifest's byte count is a hard limit: a larger announced body is refused before reading it.
  if (f.bytes !== null && length !== undefined && have + length > f.bytes) {
    res.body.destroy();
    throw tooLarge(f, label, `announces ${have + length} bytes (Content-Length${have ? ` ${length} after the ${have} already here` : ""})`);
  }
  const total = length !== undefined ? have + length : f.bytes ?? undefined;
  const out = fs.createWriteStream(part, { flags: resumed ? "a" : "w" });
  let got = have;
  let lastReport = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      res.body.on("data", (chunk: Buffer) => {
        // A body that runs past the manifest's byte count is cut at once (no Content-Length, or a lying one).
        if (f.bytes !== null && got + chunk.length > f.bytes) {
          reject(tooLarge(f, label, `sent more than that (${got + chunk.length} bytes so far)`)); // first: destroying reports "aborted"
          res.body.destroy();
          return;
        }
        hash.update(chunk);
        got += chunk.length;
        if (!out.write(chunk)) {
          res.body.pause();
          out.once("drain", () => res.body.resume());
        }
        const now = Date.now();
        if (now - lastReport > 200) {
          lastReport = now;
          opts.onProgress?.(`fetching ${label}`, total ? got / total : undefined);
        }
      });
      // A cut body says only "aborted": an interrupt or this side's idle timeout is the real reason.
      const failed = (fallback: Error) => {
        const cause = res.cutBecause();
        if (opts.signal?.aborted || cause instanceof InterruptedError) reject(new InterruptedError());
        else if (cause) reject(new GreenaiError(`${cause.message} (stalled after ${got} bytes); run the fetch again to resume`));
        else reject(fallback);
      };
      res.body.on("end", () => resolve());
      res.body.on("error", (err) => failed(err));
      res.body.on("aborted", () => failed(new GreenaiError(`the connection closed early fetching ${f.url} (${got} bytes); run the fetch again to resume`)));
      out.on("error", reject);
    });
  } catch (err) {
    // Flush what arrived before reporting, so the .part file is complete and a re-run resumes from it.
    await new Promise<void>((resolve) => out.end(() => resolve()));
    if (err instanceof TooLargeError) await fs.promises.rm(part, { force: true });
    if (err instanceof GreenaiError) throw err;
    throw new GreenaiError(`download of ${f.url} failed after ${got} bytes: ${(err as Error).message}; run the fetch again to resume`);
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  if (length !== undefined && got !== have + length) {
    throw new GreenaiError(`the connection closed early fetching ${f.url}: ${got} of ${have + length} bytes; run the fetch again to resume`);
  }
  const sha = hash.digest("hex");
  if (f.bytes !== null && got !== f.bytes) {
    await fs.promises.rm(part, { force: true });
    throw new GreenaiError(`size mismatch for ${label}: the manifest says ${f.bytes} bytes, ${f.url} gave ${got}; the download was deleted`);
  }
  if (f.sha256 && sha !== f.sha256) {
    await fs.promises.rm(part, { force: true });
    throw new GreenaiError(`checksum mismatch for ${label}: expected sha256 ${f.sha256}, got ${sha}; the download was deleted`);
  }
  await fs.promises.rename(part, target);
  return { sha, bytes: got, resumed };
}

/** Downloads (or checks) every file of a data set. */
export async function fetchDataset(name: string, opts: FetchOptions = {}): Promise<FetchResult> {
  const manifest = opts.manifest ?? (await readManifest());
  const ds = findDataset(manifest, name);
  const dest = path.resolve(opts.dest ?? path.join("data", name));
  let files = ds.files;
  if (opts.only?.length) {
    const unknown = opts.only.filter((p) => !ds.files.some((f) => f.path === p));
    if (unknown.length) throw new GreenaiError(`${name} has no file ${unknown.join(", ")}; its files: ${ds.files.map((f) => f.path).join(", ")}`);
    files = ds.files.filter((f) => opts.only!.includes(f.path));
  }
  const out: FetchedFile[] = [];
  for (const f of files) {
    const target = path.join(dest, ...f.path.split("/"));
    if (!opts.force && fs.existsSync(target)) {
      const c = await checkPresent(target, f);
      if (c.ok) {
        out.push({ path: f.path, url: f.url, bytes: c.bytes, sha256: c.sha, status: "present", verified: c.verified });
        continue;
      }
    }
    const d = await download(f, target, opts, `${name}/${f.path}`);
    out.push({ path: f.path, url: f.url, bytes: d.bytes, sha256: d.sha, status: d.resumed ? "resumed" : "downloaded", verified: f.sha256 ? "sha256" : f.bytes !== null ? "size" : "none" });
  }
  return { dataset: name, dest, files: out, notes: ds.notes };
}
