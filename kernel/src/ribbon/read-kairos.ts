/**
 * Reader of the Kairos (HPDC'23) data folder as a pool search space for the RIBBON tools:
 * `instance.json` (4 instance types, bounds, prices) and inference latency lists
 * `data/<type>/<model>_<batch>_1.json` (batch 10..1000), either extracted under `data/` (the
 * prepared copy of `%data path hpdc23-kairos`) or inside upstream's `data.tar.gz` (the folder wins
 * when both are there). The data carry no QoS target or arrival rate, so both must be given.
 * Queries follow Kairos' heavier size mix unless told otherwise.
 * Only inference latencies are used (the load latencies in `data/logs_load/` are not added).
 */
import * as fs from "fs";
import * as path from "path";
import { DataFormatError } from "../errors";
import { tarEntries } from "../io/tar";
import type { PoolSpace } from "./catalogue";
import { checkSpace } from "./catalogue";
import { parseJsonFile, where } from "./json";
import { readText, RIBBON_DEFAULT_QUERIES, type RibbonProblem, type RibbonProblemOverrides } from "./problem";

function isFolder(p: string): boolean {
  return fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() === true;
}

/** True when DIR has the Kairos layout (instance.json, and a data/ folder or data.tar.gz). */
export function isKairosDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, "instance.json")) && (isFolder(path.join(dir, "data")) || fs.existsSync(path.join(dir, "data.tar.gz")));
}

/** A latency file: its path as in the archive (`data/<type>/<file>`), where to cite it, its bytes on demand. */
interface LatencyFile {
  name: string;
  where: string;
  read(): Buffer;
}

/**
 * The files under `data/<type>/` of the extracted folder, or else of data.tar.gz; `source` names
 * where they were read, `root` is what `<type>/<file>` is relative to in messages.
 */
function latencyFiles(dir: string): { source: string; root: string; files: LatencyFile[] } {
  const folder = path.join(dir, "data");
  if (isFolder(folder)) {
    const files: LatencyFile[] = [];
    for (const type of fs.readdirSync(folder, { withFileTypes: true })) {
      if (!type.isDirectory()) continue;
      for (const f of fs.readdirSync(path.join(folder, type.name))) {
        const file = path.join(folder, type.name, f);
        files.push({ name: `data/${type.name}/${f}`, where: file, read: () => fs.readFileSync(file) });
      }
    }
    return { source: folder, root: folder, files };
  }
  const archive = path.join(dir, "data.tar.gz");
  let entries: Map<string, Buffer>;
  try {
    entries = tarEntries(fs.readFileSync(archive), archive);
  } catch (err) {
    if (err instanceof DataFormatError) throw err;
    throw new DataFormatError(`${archive}: cannot read the archive (${(err as Error).message})`);
  }
  return { source: archive, root: `${archive}:data`, files: [...entries].map(([name, buf]) => ({ name, where: `${archive}:${name}`, read: () => buf })) };
}

/** Loads one model of the Kairos data folder as a pool search space with a simulator workload. */
export function kairosProblemFromDir(dir: string, model: string, overrides: RibbonProblemOverrides = {}): RibbonProblem {
  const instFile = path.join(dir, "instance.json");
  const text = readText(instFile, "the Kairos instance settings");
  const root = parseJsonFile(text, instFile);
  const get = (key: string) => {
    const e = root.kind === "object" ? root.entries.find((x) => x.key === key) : undefined;
    if (!e) throw new DataFormatError(`${where(instFile, text, root.offset)}: field "${key}" is missing`);
    if (e.value.kind !== "array" || e.value.items.length === 0) throw new DataFormatError(`${where(instFile, text, e.value.offset)}: "${key}" must be a non-empty list`);
    return e.value.items;
  };
  const typeNodes = get("ins_types");
  const types = typeNodes.map((x) => {
    if (x.kind !== "string") throw new DataFormatError(`${where(instFile, text, x.offset)}: instance type names must be strings`);
    return x.value;
  });
  const numbers = (key: string, check: (v: number) => boolean, expect: string) =>
    get(key).map((x) => {
      if (x.kind !== "number" || !check(x.value)) throw new DataFormatError(`${where(instFile, text, x.offset)}: each "${key}" entry must be ${expect}`);
      return x.value;
    });
  const allMax = numbers("max_num", (v) => Number.isInteger(v) && v >= 0, "a whole number ≥ 0");
  const allPrices = numbers("price", (v) => v > 0, "a price in $/h > 0");
  if (allMax.length !== types.length || allPrices.length !== types.length) {
    throw new DataFormatError(`${instFile}: "ins_types", "max_num" and "price" must have one entry per type (${types.length})`);
  }
  const chosen = overrides.types ?? types;
  const pricesPerHour = chosen.map((t) => {
    const j = types.indexOf(t);
    if (j < 0) throw new RangeError(`unknown instance type ${t}: ${instFile} lists ${types.join(", ")}`);
    return allPrices[j];
  });
  const maxCounts = overrides.maxCounts ?? (overrides.types ? undefined : allMax);
  if (!maxCounts) throw new RangeError(`--types needs --max with one bound per type (${chosen.length} numbers)`);
  if (maxCounts.length !== chosen.length) throw new RangeError(`--max has ${maxCounts.length} bounds but there are ${chosen.length} instance types`);
  const space: PoolSpace = { model, types: chosen, pricesPerHour, maxCounts };
  checkSpace(space);
  if (overrides.qosMs === undefined || overrides.meanGapMs === undefined) {
    throw new RangeError(`the Kairos data give no QoS target or arrival rate for ${model}: pass --qos MS and --mean-gap MS`);
  }
  const { source, root: filesRoot, files } = latencyFiles(dir);
  const pattern = /^data\/([^/]+)\/([A-Za-z0-9]+)_(\d+)_1\.json$/;
  const models = new Set<string>();
  const lists = new Map<string, Map<number, Float64Array>>();
  for (const { name, where: where2, read } of files) {
    const m = pattern.exec(name);
    if (!m) continue;
    models.add(m[2]);
    if (m[2] !== model || !chosen.includes(m[1])) continue;
    const node = parseJsonFile(read().toString("utf8"), where2);
    if (node.kind !== "array" || node.items.length === 0 || node.items.some((x) => x.kind !== "number" || !(x.value >= 0))) {
      throw new DataFormatError(`${where2}: expected a non-empty JSON list of latencies in ms ≥ 0`);
    }
    if (!lists.has(m[1])) lists.set(m[1], new Map());
    (lists.get(m[1]) as Map<number, Float64Array>).set(Number(m[3]), Float64Array.from(node.items, (x) => (x as { value: number }).value));
  }
  if (!models.has(model)) throw new RangeError(`unknown model ${JSON.stringify(model)}: ${source} profiles ${[...models].sort().join(", ")}`);
  for (const t of chosen) {
    if (!lists.has(t)) throw new RangeError(`instance type ${t} has no latency profile of ${model} in ${source}`);
  }
  return {
    space,
    workload: { meanGapMs: overrides.meanGapMs, qosMs: overrides.qosMs, queries: overrides.queries ?? RIBBON_DEFAULT_QUERIES, mix: overrides.mix ?? "kairos" },
    profile: { model, lists, source: filesRoot },
    configFile: instFile,
    dataDir: dir,
  };
}
