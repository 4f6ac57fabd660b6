/**
 * Reader of the Kairos (HPDC'23) data folder as a pool search space for the RIBBON tools:
 * `instance.json` (4 instance types, bounds, prices) and `data.tar.gz` with inference latency lists
 * `data/<type>/<model>_<batch>_1.json` (batch 10..1000). The data carry no QoS target or arrival
 * rate, so both must be given. Queries follow Kairos' heavier size mix unless told otherwise.
 * Only inference latencies are used (the load latencies in `data/logs_load/` are not added).
 */
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { DataFormatError } from "../errors";
import type { PoolSpace } from "./catalogue";
import { checkSpace } from "./catalogue";
import { parseJsonFile, where } from "./json";
import { readText, RIBBON_DEFAULT_QUERIES, type RibbonProblem, type RibbonProblemOverrides } from "./problem";

/** Regular files of a (gzipped) ustar archive: path → content. Long names (GNU 'L', pax 'x') supported. */
export function tarEntries(archive: Buffer, file = "archive"): Map<string, Buffer> {
  const data = archive[0] === 0x1f && archive[1] === 0x8b ? zlib.gunzipSync(archive) : archive;
  const out = new Map<string, Buffer>();
  let off = 0;
  let longName: string | null = null;
  const field = (o: number, len: number) => {
    const raw = data.subarray(o, o + len);
    const end = raw.indexOf(0);
    return raw.subarray(0, end < 0 ? len : end).toString("utf8");
  };
  while (off + 512 <= data.length) {
    const header = data.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const sizeText = field(off + 124, 12).trim();
    const size = parseInt(sizeText || "0", 8);
    if (!Number.isFinite(size) || size < 0) throw new DataFormatError(`${file}: corrupt tar header at byte ${off} (size ${JSON.stringify(sizeText)})`);
    const type = String.fromCharCode(data[off + 156] || 48);
    const prefix = field(off + 345, 155);
    let name = longName ?? (prefix ? `${prefix}/${field(off, 100)}` : field(off, 100));
    longName = null;
    const body = data.subarray(off + 512, off + 512 + size);
    if (body.length < size) throw new DataFormatError(`${file}: the archive ends inside ${name}`);
    if (type === "L") longName = body.toString("utf8").replace(/\0+$/, "");
    else if (type === "x") {
      const m = /\d+ path=([^\n]*)\n/.exec(body.toString("utf8"));
      if (m) longName = m[1];
    } else if (type === "0" || type === "7") {
      name = name.replace(/^\.\//, "");
      out.set(name, Buffer.from(body));
    }
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** True when DIR has the Kairos layout (instance.json and data.tar.gz). */
export function isKairosDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, "instance.json")) && fs.existsSync(path.join(dir, "data.tar.gz"));
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
  const archive = path.join(dir, "data.tar.gz");
  let entries: Map<string, Buffer>;
  try {
    entries = tarEntries(fs.readFileSync(archive), archive);
  } catch (err) {
    if (err instanceof DataFormatError) throw err;
    throw new DataFormatError(`${archive}: cannot read the archive (${(err as Error).message})`);
  }
  const pattern = /^data\/([^/]+)\/([A-Za-z0-9]+)_(\d+)_1\.json$/;
  const models = new Set<string>();
  const lists = new Map<string, Map<number, Float64Array>>();
  for (const [name, buf] of entries) {
    const m = pattern.exec(name);
    if (!m) continue;
    models.add(m[2]);
    if (m[2] !== model || !chosen.includes(m[1])) continue;
    const where2 = `${archive}:${name}`;
    const node = parseJsonFile(buf.toString("utf8"), where2);
    if (node.kind !== "array" || node.items.length === 0 || node.items.some((x) => x.kind !== "number" || !(x.value >= 0))) {
      throw new DataFormatError(`${where2}: expected a non-empty JSON list of latencies in ms ≥ 0`);
    }
    if (!lists.has(m[1])) lists.set(m[1], new Map());
    (lists.get(m[1]) as Map<number, Float64Array>).set(Number(m[3]), Float64Array.from(node.items, (x) => (x as { value: number }).value));
  }
  if (!models.has(model)) throw new RangeError(`unknown model ${JSON.stringify(model)}: ${archive} profiles ${[...models].sort().join(", ")}`);
  for (const t of chosen) {
    if (!lists.has(t)) throw new RangeError(`instance type ${t} has no latency profile of ${model} in ${archive}`);
  }
  return {
    space,
    workload: { meanGapMs: overrides.meanGapMs, qosMs: overrides.qosMs, queries: overrides.queries ?? RIBBON_DEFAULT_QUERIES, mix: overrides.mix ?? "kairos" },
    profile: { model, lists, source: `${archive}:data` },
    configFile: instFile,
    dataDir: dir,
  };
}
