/**
 * The manifest of public data sets (data/datasets.json): where each file can be downloaded,
 * its size and SHA-256 where known, and how the downloads become the prepared folder the
 * project reads (archives extracted, files kept or dropped). Pure: validates a parsed JSON value.
 * Schema 2 adds `prepare`, `require` and `prepared` to schema 1; a schema-1 file still reads
 * (as data sets whose downloads are their prepared files).
 */
import { DataFormatError } from "../errors";

export interface ManifestFile {
  /** Path under the data set's folder, `/`-separated, relative. */
  path: string;
  /** http(s) URL. */
  url: string;
  /** Size in bytes, when known. */
  bytes: number | null;
  /** Lower-case hex SHA-256, when known. */
  sha256: string | null;
}

/** One archive of the downloads, unpacked into the prepared folder (the archive itself is not kept). */
export interface ExtractStep {
  /** `path` of the downloaded archive (.zip, .tar, .tar.gz, .tgz) among the data set's files. */
  archive: string;
  /** Folder of the prepared copy the entries go under; "" for its top. */
  into: string;
  /** Globs over entry paths inside the archive: only matching entries are kept (default: all). */
  keep: string[];
  /** Globs over entry paths inside the archive: matching entries are dropped, after `keep`. */
  drop: string[];
  /** Put entries directly under `into`, without the archive's folders. */
  flatten: boolean;
}

/** A file of the prepared folder with a known checksum (to verify hand-out copies). */
export interface PreparedFile {
  path: string;
  bytes: number;
  sha256: string;
}

export interface ManifestDataset {
  name: string;
  title: string;
  /** Where the data set is described. */
  homepage: string;
  citation: string;
  licence: string;
  /** Total size in bytes of the whole data set (also the files not listed), when known. */
  total_bytes: number | null;
  /** What is downloaded. Files not named by an extract step are placed at their path as they are. */
  files: ManifestFile[];
  /** Archives to unpack into the prepared folder. */
  extract: ExtractStep[];
  /** Globs (over prepared paths) each matching at least one file of any usable prepared copy. */
  require: string[];
  /** Checksums of prepared files that are not downloads themselves (files out of archives). */
  prepared: PreparedFile[];
  /** Anything a user must know: unverified URLs, files not listed, how to get the rest. */
  notes: string[];
}

export interface Manifest {
  schema_version: 1 | 2;
  datasets: ManifestDataset[];
}

function fail(where: string, what: string, got: unknown): never {
  const shown = JSON.stringify(got);
  throw new DataFormatError(`${where}: expected ${what} but got ${shown === undefined ? "nothing" : shown.length > 60 ? `${shown.slice(0, 60)}…` : shown}`);
}

function relPath(v: unknown, where: string, allowEmpty = false): string {
  if (allowEmpty && v === "") return v;
  if (typeof v !== "string" || v === "" || v.startsWith("/") || v.split("/").some((s) => s === ".." || s === "." || s === "") || v.includes("\\")) {
    fail(where, "a relative path without '..'", v);
  }
  return v;
}

function strings(v: unknown, where: string, fallback: string[]): string[] {
  if (v === undefined) return fallback;
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string" || x === "")) fail(where, "a list of non-empty strings", v);
  return v as string[];
}

/**
 * A glob over `/`-separated paths as a RegExp: `*` any characters but `/`, `?` one character
 * but `/`, `**` any path; `**` followed by `/` also matches no folder at all.
 */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*" && glob[i + 1] === "*") {
      const slash = glob[i + 2] === "/";
      re += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

function str(o: Record<string, unknown>, k: string, where: string): string {
  const v = o[k];
  if (typeof v !== "string" || v === "") fail(`${where}.${k}`, "a non-empty string", v);
  return v;
}

/** Checks a parsed manifest; throws DataFormatError naming the field (e.g. `datasets[2].files[0].sha256`). */
export function parseManifest(value: unknown, file = "datasets.json"): Manifest {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(file, "an object", value);
  const o = value as Record<string, unknown>;
  if (o.schema_version !== 1 && o.schema_version !== 2) fail(`${file}: schema_version`, "1 or 2", o.schema_version);
  if (!Array.isArray(o.datasets)) fail(`${file}: datasets`, "a list", o.datasets);
  const names = new Set<string>();
  const datasets = (o.datasets as unknown[]).map((d, i): ManifestDataset => {
    const where = `${file}: datasets[${i}]`;
    if (typeof d !== "object" || d === null) fail(where, "an object", d);
    const r = d as Record<string, unknown>;
    const name = str(r, "name", where);
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) fail(`${where}.name`, "lower-case letters, digits, '.', '_' or '-'", name);
    if (names.has(name)) fail(`${where}.name`, "a name used once", name);
    names.add(name);
    if (!Array.isArray(r.files)) fail(`${where}.files`, "a list", r.files);
    const paths = new Set<string>();
    const files = (r.files as unknown[]).map((f, j): ManifestFile => {
      const fw = `${where}.files[${j}]`;
      if (typeof f !== "object" || f === null) fail(fw, "an object", f);
      const x = f as Record<string, unknown>;
      const p = relPath(x.path, `${fw}.path`);
      if (paths.has(p)) fail(`${fw}.path`, "a path listed once", p);
      paths.add(p);
      const url = str(x, "url", fw);
      if (!/^https?:\/\/[^\s]+$/.test(url)) fail(`${fw}.url`, "an http(s) URL", url);
      const bytes = x.bytes ?? null;
      if (bytes !== null && !(Number.isSafeInteger(bytes) && (bytes as number) >= 0)) fail(`${fw}.bytes`, "a byte count or null", bytes);
      const sha = x.sha256 ?? null;
      if (sha !== null && !(typeof sha === "string" && /^[0-9a-f]{64}$/.test(sha))) fail(`${fw}.sha256`, "64 lower-case hex digits or null", sha);
      return { path: p, url, bytes: bytes as number | null, sha256: sha as string | null };
    });
    const extract = (r.prepare === undefined ? [] : extractSteps(r.prepare, `${where}.prepare`)).map((e, j) => {
      if (!paths.has(e.archive)) fail(`${where}.prepare.extract[${j}].archive`, `one of the files (${[...paths].join(", ")})`, e.archive);
      return e;
    });
    const prepared = r.prepared === undefined ? [] : preparedFiles(r.prepared, `${where}.prepared`);
    const total = r.total_bytes ?? null;
    if (total !== null && !(Number.isSafeInteger(total) && (total as number) >= 0)) fail(`${where}.total_bytes`, "a byte count or null", total);
    const notes = r.notes ?? [];
    if (!Array.isArray(notes) || notes.some((n) => typeof n !== "string")) fail(`${where}.notes`, "a list of strings", notes);
    return {
      name,
      title: str(r, "title", where),
      homepage: str(r, "homepage", where),
      citation: str(r, "citation", where),
      licence: str(r, "licence", where),
      total_bytes: total as number | null,
      files,
      extract,
      require: strings(r.require, `${where}.require`, []),
      prepared,
      notes: notes as string[],
    };
  });
  return { schema_version: o.schema_version as 1 | 2, datasets };
}

function extractSteps(v: unknown, where: string): ExtractStep[] {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(where, "an object", v);
  const list = (v as Record<string, unknown>).extract ?? [];
  if (!Array.isArray(list)) fail(`${where}.extract`, "a list", list);
  return list.map((e, j): ExtractStep => {
    const w = `${where}.extract[${j}]`;
    if (typeof e !== "object" || e === null) fail(w, "an object", e);
    const x = e as Record<string, unknown>;
    if (x.flatten !== undefined && typeof x.flatten !== "boolean") fail(`${w}.flatten`, "true or false", x.flatten);
    return {
      archive: relPath(x.archive, `${w}.archive`),
      into: relPath(x.into ?? "", `${w}.into`, true),
      keep: strings(x.keep, `${w}.keep`, ["**"]),
      drop: strings(x.drop, `${w}.drop`, []),
      flatten: x.flatten === true,
    };
  });
}

function preparedFiles(v: unknown, where: string): PreparedFile[] {
  if (!Array.isArray(v)) fail(where, "a list", v);
  return v.map((f, j): PreparedFile => {
    const w = `${where}[${j}]`;
    if (typeof f !== "object" || f === null) fail(w, "an object", f);
    const x = f as Record<string, unknown>;
    if (!(Number.isSafeInteger(x.bytes) && (x.bytes as number) >= 0)) fail(`${w}.bytes`, "a byte count", x.bytes);
    if (!(typeof x.sha256 === "string" && /^[0-9a-f]{64}$/.test(x.sha256))) fail(`${w}.sha256`, "64 lower-case hex digits", x.sha256);
    return { path: relPath(x.path, `${w}.path`), bytes: x.bytes as number, sha256: x.sha256 as string };
  });
}

/** A data set by name; the error lists the known names. */
export function findDataset(m: Manifest, name: string): ManifestDataset {
  const d = m.datasets.find((x) => x.name === name);
  if (!d) throw new DataFormatError(`no data set named ${JSON.stringify(name)} in the manifest; known: ${m.datasets.map((x) => x.name).join(", ")}`);
  return d;
}
