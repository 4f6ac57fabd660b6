/**
 * `%data` (path, list, fetch): the public data sets of the manifest, found or fetched by name,
 * verified and prepared (`greenai data …` on the shell). Thin adapter over datasets/data-path.
 */
import * as fs from "fs";
import * as path from "path";
import { escapeHtml, htmlTable, makeBundle, textTable } from "../display/bundle";
import { datasetCacheRoot, fetchPreparedCopy, resolveDataset, type DatasetLocation } from "../datasets/data-path";
import { defaultManifestPath, readManifest } from "../datasets/fetch";
import { defaultCacheDir } from "../datasets/file-index";
import type { ManifestDataset } from "../datasets/manifest";
import { readPreparedMarker } from "../datasets/prepare";
import type { DataFetchResult, DataListResult } from "./dataset-results";
import type { FlagSpec, ParsedArgs } from "./options";
import type { Magic, MagicContext, MagicResult } from "./types";

const MANIFEST_FLAG: FlagSpec = { name: "manifest", type: "string", metavar: "FILE", help: "another manifest file (default: data/datasets.json of this project)" };

function resolvePath(ctx: MagicContext, p: string): string {
  return path.resolve(ctx.cwd, p);
}

function manifestFile(args: ParsedArgs, ctx: MagicContext): string {
  return args.flags.manifest ? resolvePath(ctx, args.flags.manifest as string) : defaultManifestPath();
}

async function runPath(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<DatasetLocation>> {
  const manifest = await readManifest(manifestFile(args, ctx));
  const value = await resolveDataset(args.positionals[0], {
    manifest,
    need: (args.flags.need as string[] | undefined) ?? [],
    download: args.flags.offline === true ? false : undefined,
    signal: ctx.signal,
    onProgress: (m, x) => ctx.progress(m, x),
  });
  const from = { local: "prepared copy ($GREENAI_DATA_DIR)", cache: "cache", download: "downloaded now" }[value.source];
  return {
    value,
    typeName: "DatasetLocation",
    text: value.path,
    bundle: makeBundle({
      html: `<p><code>${escapeHtml(value.path)}</code> <small>(${escapeHtml(`${value.name}, ${from}, ${value.files.length} files`)})</small></p><p>Cite: ${escapeHtml(value.citation)}. Licence: ${escapeHtml(value.licence)}.</p>`,
      text: value.path,
    }),
  };
}

/** Bytes of the downloads: the manifest's total, else the sum of the known file sizes. */
function sizeOf(d: ManifestDataset): number | null {
  if (d.total_bytes !== null) return d.total_bytes;
  return d.files.every((f) => f.bytes !== null) ? d.files.reduce((s, f) => s + (f.bytes as number), 0) : null;
}

function humanBytes(n: number | null): string {
  if (n === null) return "?";
  const units = ["B", "kB", "MB", "GB", "TB"];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Where a data set is here, without reading its files: a local copy, the cache, or nowhere. */
async function presence(d: ManifestDataset, dataDir: string | null, cacheRoot: string): Promise<{ status: "local" | "cached" | "absent"; location: string | null }> {
  const local = dataDir ? path.join(dataDir, d.name) : undefined;
  if (local && fs.existsSync(local) && fs.statSync(local).isDirectory()) return { status: "local", location: path.resolve(local) };
  const cached = path.join(cacheRoot, d.name);
  const marker = await readPreparedMarker(cached);
  if (marker && marker.name === d.name) return { status: "cached", location: cached };
  return { status: "absent", location: null };
}

async function runList(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<DataListResult>> {
  const file = manifestFile(args, ctx);
  const m = await readManifest(file);
  const dataDir = process.env.GREENAI_DATA_DIR || null;
  const cache = datasetCacheRoot(defaultCacheDir());
  const value: DataListResult = {
    manifest: file,
    data_dir: dataDir,
    cache,
    datasets: await Promise.all(
      m.datasets.map(async (d) => ({
        name: d.name,
        title: d.title,
        total_bytes: sizeOf(d),
        homepage: d.homepage,
        citation: d.citation,
        licence: d.licence,
        files: d.files.map((f) => ({ path: f.path, url: f.url, bytes: f.bytes, sha256: f.sha256 })),
        notes: d.notes,
        ...(await presence(d, dataDir, cache)),
      })),
    ),
  };
  const rows = value.datasets.map((d) => [d.name, humanBytes(d.total_bytes), d.licence, d.status, d.title]);
  const cols = ["name", "size", "licence", "here", "title"];
  const foot = `local copies: ${dataDir ?? "$GREENAI_DATA_DIR unset"}; cache: ${cache}`;
  return {
    value,
    typeName: "DataListResult",
    text: `${textTable(cols, rows)}\n${foot}`,
    bundle: makeBundle({ html: `${htmlTable(cols, rows)}<p><small>${escapeHtml(foot)}</small></p>`, text: `${value.datasets.length} data set(s) in ${file}` }),
  };
}

async function runFetch(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<DataFetchResult>> {
  const f = args.flags;
  const name = args.positionals[0];
  const manifest = await readManifest(manifestFile(args, ctx));
  const value = await fetchPreparedCopy(name, {
    manifest,
    to: f.to ? resolvePath(ctx, f.to as string) : undefined,
    force: f.force === true,
    only: (f.files as string[] | undefined)?.length ? (f.files as string[]) : undefined,
    signal: ctx.signal,
    onProgress: (m, x) => ctx.progress(m, x),
  });
  const rows = value.downloads.map((x) => [x.path, x.status, x.bytes, x.verified, x.sha256.slice(0, 16)]);
  const cols = ["download", "status", "bytes", "checked", "sha256"];
  const head = `${name}: ${value.files.length} prepared file(s) in ${value.dest}`;
  const text = `${head}\n${textTable(cols, rows)}${value.notes.length ? `\n${value.notes.map((n) => `note: ${n}`).join("\n")}` : ""}`;
  return {
    value,
    typeName: "DataFetchResult",
    text,
    bundle: makeBundle({ html: `<p>${escapeHtml(head)}</p>${htmlTable(cols, rows)}${value.notes.map((n) => `<p>${escapeHtml(n)}</p>`).join("")}`, text }),
  };
}

export const dataMagic: Magic = {
  name: "data",
  summary: "public data sets by name: where they are (path), what there is (list), a prepared copy (fetch)",
  commands: [
    {
      spec: {
        name: "data path",
        summary: "The local folder holding a data set, prepared: $GREENAI_DATA_DIR/NAME, else the cache, else downloaded, verified and prepared into the cache.",
        positionals: [{ name: "name", help: "data set name (see data list)", required: true }],
        flags: [
          { name: "need", type: "list", metavar: "GLOBS", help: "files the work reads (globs over the prepared folder, comma-separated): a copy without one is an error naming it" },
          { name: "offline", type: "boolean", help: "never download (as GREENAI_OFFLINE=1): fail with the fetch command when no copy is here" },
          MANIFEST_FLAG,
        ],
        description:
          "GREENAI_DATA_DIR names the folder that holds NAME/. A prepared copy there may hold only some files; those the manifest has checksums for are verified. " +
          "Downloads go to the cache ($GREENAI_CACHE_DIR, else ~/.cache/greenai) and are checked (size and SHA-256) before they are prepared. " +
          "Bind the result with --as x and use $x in later magic lines (x.path in TypeScript).",
        examples: ["%data path nas-bench-nlp-wikitext2 --as nlp", "%data path zeus-nsdi23 --need summary_power_v100.csv --as zeus", "greenai data path sc21-ribbon --offline"],
      },
      run: runPath,
    },
    {
      spec: {
        name: "data list",
        summary: "List the public data sets of the manifest (data/datasets.json): size, licence, and whether a local copy or the cache has them.",
        flags: [MANIFEST_FLAG],
        description: "With --json, each data set lists its downloads as files: [{path, url, bytes, sha256}], every URL pinned to a commit or release.",
        examples: ["greenai data list", "greenai data list --json"],
      },
      run: runList,
    },
    {
      spec: {
        name: "data fetch",
        summary: "Download, verify (size and SHA-256) and prepare a data set into the cache, or into --to DIR to hand out; resumes cut downloads.",
        positionals: [{ name: "name", help: "data set name (see data list)", required: true }],
        flags: [
          { name: "to", type: "string", metavar: "DIR", aliases: ["dest"], help: "make the prepared copy in DIR, a folder named NAME (new or empty, or an earlier copy, which keeps its files) instead of the cache; point GREENAI_DATA_DIR at the folder that holds NAME/" },
          { name: "files", type: "list", metavar: "PATHS", help: "only these downloads of the data set, comma-separated (see data list --json)" },
          { name: "force", type: "boolean", help: "download and prepare again even when a current copy is there" },
          MANIFEST_FLAG,
        ],
        examples: ["greenai data fetch nas-bench-nlp-wikitext2", "greenai data fetch sc21-ribbon --to /srv/class-data/sc21-ribbon", "greenai data fetch supercloud-202201 --files slurm-log.csv,labelled_jobids.csv --to /data/supercloud-202201"],
      },
      run: runFetch,
    },
  ],
};
