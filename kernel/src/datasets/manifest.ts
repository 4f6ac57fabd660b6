/**
 * The manifest of public data sets (data/datasets.json): where each file can be downloaded
 * and, where known, its size and SHA-256. Pure: validates a parsed JSON value.
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

export interface ManifestDataset {
  name: string;
  title: string;
  /** Where the data set is described. */
  homepage: string;
  citation: string;
  licence: string;
  /** Total size in bytes of the whole data set (also the files not listed), when known. */
  total_bytes: number | null;
  files: ManifestFile[];
  /** Anything a user must know: unverified URLs, files not listed, how to get the rest. */
  notes: string[];
}

export interface Manifest {
  schema_version: 1;
  datasets: ManifestDataset[];
}

function fail(where: string, what: string, got: unknown): never {
  const shown = JSON.stringify(got);
  throw new DataFormatError(`${where}: expected ${what} but got ${shown === undefined ? "nothing" : shown.length > 60 ? `${shown.slice(0, 60)}…` : shown}`);
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
  if (o.schema_version !== 1) fail(`${file}: schema_version`, "1", o.schema_version);
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
      const p = str(x, "path", fw);
      if (p.startsWith("/") || p.split("/").some((s) => s === ".." || s === "." || s === "") || p.includes("\\")) fail(`${fw}.path`, "a relative path without '..'", p);
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
      notes: notes as string[],
    };
  });
  return { schema_version: 1, datasets };
}

/** A data set by name; the error lists the known names. */
export function findDataset(m: Manifest, name: string): ManifestDataset {
  const d = m.datasets.find((x) => x.name === name);
  if (!d) throw new DataFormatError(`no data set named ${JSON.stringify(name)} in the manifest; known: ${m.datasets.map((x) => x.name).join(", ")}`);
  return d;
}
