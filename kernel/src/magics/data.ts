/**
 * `%data` (list, fetch): the public data sets of the manifest, downloaded and checked
 * (`greenai data …` on the shell).
 */
import * as path from "path";
import { escapeHtml, htmlTable, makeBundle, textTable } from "../display/bundle";
import { defaultManifestPath, fetchDataset, readManifest } from "../datasets/fetch";
import type { DataFetchResult, DataListResult } from "./dataset-results";
import type { ParsedArgs } from "./options";
import type { Magic, MagicContext, MagicResult } from "./types";

function resolvePath(ctx: MagicContext, p: string): string {
  return path.resolve(ctx.cwd, p);
}


async function runList(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<DataListResult>> {
  const file = args.flags.manifest ? resolvePath(ctx, args.flags.manifest as string) : defaultManifestPath();
  const m = await readManifest(file);
  const value: DataListResult = {
    manifest: file,
    datasets: m.datasets.map((d) => ({ name: d.name, title: d.title, files: d.files.length, total_bytes: d.total_bytes, homepage: d.homepage, citation: d.citation, licence: d.licence, notes: d.notes })),
  };
  const rows = value.datasets.map((d) => [d.name, d.files, d.total_bytes, d.licence, d.title]);
  const cols = ["name", "files", "bytes", "licence", "title"];
  return {
    value,
    typeName: "DataListResult",
    text: textTable(cols, rows),
    bundle: makeBundle({ html: htmlTable(cols, rows), text: `${value.datasets.length} data set(s) in ${file}` }),
  };
}

async function runFetch(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult<DataFetchResult>> {
  const f = args.flags;
  const name = args.positionals[0];
  const manifest = await readManifest(f.manifest ? resolvePath(ctx, f.manifest as string) : defaultManifestPath());
  const dest = resolvePath(ctx, (f.dest as string | undefined) ?? path.join("data", name));
  const value = await fetchDataset(name, {
    manifest,
    dest,
    force: f.force === true,
    only: (f.files as string[] | undefined)?.length ? (f.files as string[]) : undefined,
    signal: ctx.signal,
    onProgress: (m, x) => ctx.progress(m, x),
  });
  const rows = value.files.map((x) => [x.path, x.status, x.bytes, x.verified, x.sha256.slice(0, 16)]);
  const cols = ["file", "status", "bytes", "checked", "sha256"];
  const text = `${name} in ${value.dest}\n${textTable(cols, rows)}${value.notes.length ? `\n${value.notes.map((n) => `note: ${n}`).join("\n")}` : ""}`;
  return {
    value,
    typeName: "DataFetchResult",
    text,
    bundle: makeBundle({ html: `<p>${escapeHtml(`${name} in ${value.dest}`)}</p>${htmlTable(cols, rows)}${value.notes.map((n) => `<p>${escapeHtml(n)}</p>`).join("")}`, text }),
  };
}

export const dataMagic: Magic = {
  name: "data",
  summary: "public data sets: list the manifest, fetch and check downloads",
  commands: [
    {
      spec: {
        name: "data list",
        summary: "List the public data sets of the manifest (data/datasets.json) with their sources.",
        flags: [{ name: "manifest", type: "string", metavar: "FILE", help: "another manifest file" }],
        examples: ["greenai data list"],
      },
      run: runList,
    },
    {
      spec: {
        name: "data fetch",
        summary: "Download a data set's files, checking size and SHA-256 where the manifest knows them; resumes cut downloads.",
        positionals: [{ name: "name", help: "data set name (see data list)", required: true }],
        flags: [
          { name: "dest", type: "string", metavar: "DIR", help: "folder to download into (default: data/NAME)" },
          { name: "manifest", type: "string", metavar: "FILE", help: "another manifest file" },
          { name: "files", type: "list", metavar: "PATHS", help: "only these files of the data set, comma-separated" },
          { name: "force", type: "boolean", help: "download again even when a checked copy is present" },
        ],
        examples: ["greenai data fetch zeus-nsdi23-traces", "greenai data fetch supercloud-202201 --files slurm-log.csv,labelled_jobids.csv --dest /data/supercloud"],
      },
      run: runFetch,
    },
  ],
};
