/**
 * Readers of the RIBBON artifact's inputs (the only file access of kernel/src/ribbon):
 * `query/configs/<model>.json`, `query/price.csv`, `characterization/logs/<type>/<model>_<batch>_1.json`.
 * Every malformed input is a DataFormatError naming file, line and column; unknown names and bad
 * overrides are RangeErrors (the dispatcher shows them as usage errors).
 */
import * as fs from "fs";
import * as path from "path";
import { DataFormatError } from "../errors";
import type { PoolGrid, PoolSpace } from "./catalogue";
import { checkSpace } from "./catalogue";
import { lookupTableFromJson, lookupTableJson, type LookupTable } from "./evaluators";
import { parseJsonFile, where, type JsonNode } from "./json";
import { readText, RIBBON_DEFAULT_QUERIES, type RibbonProblem, type RibbonProblemOverrides } from "./problem";
import { isKairosDir, kairosProblemFromDir } from "./read-kairos";
import type { LatencyProfile, Workload } from "./workload";
import { writeOutputFile, type OutputTarget, type OutputWrite } from "../io/output-file";

/** One model's settings from `query/configs/<model>.json`. */
export interface RibbonModelConfig {
  model: string;
  /** Latency-file prefix (`rm`), usually the model name. */
  rm: string;
  types: string[];
  maxCounts: number[];
  meanGapMs: number;
  qosMs: number;
  file: string;
}

function field(obj: JsonNode, key: string, file: string, text: string): JsonNode {
  if (obj.kind !== "object") throw new DataFormatError(`${where(file, text, obj.offset)}: expected a JSON object`);
  const e = obj.entries.find((x) => x.key === key);
  if (!e) throw new DataFormatError(`${where(file, text, obj.offset)}: field "${key}" is missing`);
  return e.value;
}

function numberField(obj: JsonNode, key: string, file: string, text: string, check: (x: number) => boolean, expect: string): number {
  const v = field(obj, key, file, text);
  if (v.kind !== "number" || !check(v.value)) throw new DataFormatError(`${where(file, text, v.offset)}: "${key}" must be ${expect}`);
  return v.value;
}

/** Reads `query/configs/<model>.json`: ins_types, max_num, inter_arrival (ms), qos (ms), rm. */
export function ribbonConfigFromFile(file: string, model: string): RibbonModelConfig {
  const text = readText(file, `the pool settings of model ${model}`);
  const root = parseJsonFile(text, file);
  const typesNode = field(root, "ins_types", file, text);
  if (typesNode.kind !== "array" || typesNode.items.length === 0 || typesNode.items.some((x) => x.kind !== "string")) {
    throw new DataFormatError(`${where(file, text, typesNode.offset)}: "ins_types" must be a non-empty list of instance type names`);
  }
  const types = typesNode.items.map((x) => (x as { value: string }).value);
  const maxNode = field(root, "max_num", file, text);
  if (maxNode.kind !== "array" || maxNode.items.length !== types.length) {
    throw new DataFormatError(`${where(file, text, maxNode.offset)}: "max_num" must be a list of ${types.length} counts, one per instance type`);
  }
  const maxCounts = maxNode.items.map((x) => {
    if (x.kind !== "number" || !Number.isInteger(x.value) || x.value < 0) {
      throw new DataFormatError(`${where(file, text, x.offset)}: each "max_num" entry must be a whole number ≥ 0`);
    }
    return x.value;
  });
  const meanGapMs = numberField(root, "inter_arrival", file, text, (x) => x > 0, "a mean gap in ms > 0");
  const qosMs = numberField(root, "qos", file, text, (x) => x > 0, "a latency target in ms > 0");
  let rm = model;
  if (root.kind === "object") {
    const rmNode = root.entries.find((e) => e.key === "rm")?.value;
    if (rmNode) {
      if (rmNode.kind !== "string" || rmNode.value === "") throw new DataFormatError(`${where(file, text, rmNode.offset)}: "rm" must be a model name`);
      rm = rmNode.value;
    }
  }
  return { model, rm, types, maxCounts, meanGapMs, qosMs, file };
}

/** Reads `price.csv` (`instance,price` header, $/h); returns type → price. */
export function instancePricesFromCsv(file: string): Map<string, number> {
  const text = readText(file, "instance prices");
  const lines = text.split(/\r?\n/);
  const header = lines[0].split(",").map((s) => s.trim().toLowerCase());
  const iName = header.indexOf("instance");
  const iPrice = header.indexOf("price");
  if (iName < 0 || iPrice < 0) throw new DataFormatError(`${file}:1:1: expected the header "instance,price" but got ${JSON.stringify(lines[0])}`);
  const prices = new Map<string, number>();
  for (let ln = 1; ln < lines.length; ln++) {
    const line = lines[ln];
    if (line.trim() === "") continue;
    const cells = line.split(",");
    const name = (cells[iName] ?? "").trim();
    const raw = (cells[iPrice] ?? "").trim();
    const col = cells.slice(0, iPrice).reduce((a, c) => a + c.length + 1, 0) + 1;
    const p = raw === "" ? NaN : Number(raw);
    if (name === "") throw new DataFormatError(`${file}:${ln + 1}:1: instance name is empty`);
    if (!(Number.isFinite(p) && p > 0)) throw new DataFormatError(`${file}:${ln + 1}:${col}: price of ${name} must be a number of $/h > 0 but got ${JSON.stringify(raw)}`);
    if (prices.has(name)) throw new DataFormatError(`${file}:${ln + 1}:1: instance ${name} is listed twice`);
    prices.set(name, p);
  }
  return prices;
}

/** Reads one latency list: a JSON array of latencies in ms (finite, ≥ 0, at least one). */
export function latencyListFromFile(file: string): Float64Array {
  const text = readText(file, "a latency list");
  const root = parseJsonFile(text, file);
  if (root.kind !== "array") throw new DataFormatError(`${where(file, text, root.offset)}: expected a JSON list of latencies in ms`);
  if (root.items.length === 0) throw new DataFormatError(`${where(file, text, root.offset)}: the latency list is empty`);
  const out = new Float64Array(root.items.length);
  root.items.forEach((x, i) => {
    if (x.kind !== "number" || !(x.value >= 0)) {
      throw new DataFormatError(`${where(file, text, x.offset)}: latency #${i + 1} must be a number of ms ≥ 0`);
    }
    out[i] = x.value;
  });
  return out;
}

/**
 * Reads every `<rm>_<batch>_1.json` of the given types under `logsDir/<type>/`. A type without
 * a folder is a RangeError listing the profiled types; missing batch sizes are reported later,
 * by the simulator, only if a trace needs them.
 */
export function latencyProfileFromDir(logsDir: string, rm: string, types: readonly string[]): LatencyProfile {
  const lists = new Map<string, Map<number, Float64Array>>();
  const profiled = fs.existsSync(logsDir) ? fs.readdirSync(logsDir).filter((d) => fs.statSync(path.join(logsDir, d)).isDirectory()).sort() : [];
  const pattern = new RegExp(`^${rm.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}_(\\d+)_1\\.json$`);
  for (const type of types) {
    const dir = path.join(logsDir, type);
    if (!fs.existsSync(dir)) {
      throw new RangeError(`unknown instance type ${type}: no latency profiles in ${logsDir}/${type} (profiled types: ${profiled.join(", ") || "none"})`);
    }
    const byBatch = new Map<number, Float64Array>();
    for (const f of fs.readdirSync(dir).sort()) {
      const m = pattern.exec(f);
      if (m) byBatch.set(Number(m[1]), latencyListFromFile(path.join(dir, f)));
    }
    if (byBatch.size === 0) throw new RangeError(`instance type ${type} has no latency profile of model ${rm} in ${dir} (expected files ${rm}_<batch>_1.json)`);
    lists.set(type, byBatch);
  }
  return { model: rm, lists, source: logsDir };
}

/** Model names that have a config in `query/configs` (the plotting inputs excluded). */
export function ribbonModelsInDir(dataDir: string): string[] {
  const dir = path.join(dataDir, "query", "configs");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json") && !["homogeneous.json", "saving.json"].includes(f))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** Checks that DIR looks like the RIBBON artifact's data folder. */
export function checkDataDir(dataDir: string): void {
  if (!fs.existsSync(dataDir)) throw new RangeError(`--data folder ${dataDir} does not exist`);
  for (const sub of ["query/configs", "query/price.csv", "characterization/logs"]) {
    if (!fs.existsSync(path.join(dataDir, sub))) {
      throw new RangeError(`--data ${dataDir} is not a RIBBON data folder: ${sub} is missing (expected the artifact layout query/configs, query/price.csv, characterization/logs)`);
    }
  }
}

/**
 * Loads one model of a RIBBON data folder: pool space (types, bounds, prices), workload
 * (mean gap, QoS, queries) and latency profile, with optional overrides. A Kairos data folder
 * (instance.json + data.tar.gz) is read by kairosProblemFromDir instead.
 */
export function ribbonProblemFromDir(dataDir: string, model: string, overrides: RibbonProblemOverrides = {}): RibbonProblem {
  if (isKairosDir(dataDir)) return kairosProblemFromDir(dataDir, model, overrides);
  checkDataDir(dataDir);
  const configFile = path.join(dataDir, "query", "configs", `${model}.json`);
  const models = ribbonModelsInDir(dataDir);
  if (!models.includes(model)) throw new RangeError(`unknown model ${JSON.stringify(model)}: no ${configFile} (models: ${models.join(", ")})`);
  const cfg = ribbonConfigFromFile(configFile, model);
  const priceFile = path.join(dataDir, "query", "price.csv");
  const prices = instancePricesFromCsv(priceFile);
  const types = overrides.types ?? cfg.types;
  let maxCounts = overrides.maxCounts ?? (overrides.types ? undefined : cfg.maxCounts);
  if (!maxCounts) throw new RangeError(`--types needs --max with one bound per type (${types.length} numbers)`);
  if (maxCounts.length !== types.length) {
    throw new RangeError(`--max has ${maxCounts.length} bounds but there are ${types.length} instance types (${types.join(", ")})`);
  }
  maxCounts = maxCounts.map((m, j) => {
    if (!Number.isInteger(m) || m < 0 || m > 1000) throw new RangeError(`max count of ${types[j]} must be a whole number in 0..1000 but got ${m}`);
    return m;
  });
  const pricesPerHour = types.map((t) => {
    const p = prices.get(t);
    if (p === undefined) throw new RangeError(`unknown instance type ${t}: it has no price in ${priceFile} (known: ${[...prices.keys()].join(", ")})`);
    return p;
  });
  const space: PoolSpace = { model, types, pricesPerHour, maxCounts };
  checkSpace(space);
  const profile = latencyProfileFromDir(path.join(dataDir, "characterization", "logs"), cfg.rm, types);
  const workload: Workload = {
    meanGapMs: overrides.meanGapMs ?? cfg.meanGapMs,
    qosMs: overrides.qosMs ?? cfg.qosMs,
    queries: overrides.queries ?? RIBBON_DEFAULT_QUERIES,
    mix: overrides.mix ?? "ribbon",
  };
  let baselineCount: number | undefined;
  const homFile = path.join(dataDir, "query", "configs", "homogeneous.json");
  if (fs.existsSync(homFile) && !overrides.types) {
    const text = readText(homFile, "homogeneous baselines");
    const root = parseJsonFile(text, homFile);
    const e = root.kind === "object" ? root.entries.find((x) => x.key === model) : undefined;
    if (e) {
      if (e.value.kind !== "number" || !Number.isInteger(e.value.value) || e.value.value < 1) {
        throw new DataFormatError(`${where(homFile, text, e.value.offset)}: baseline count of ${model} must be a whole number ≥ 1`);
      }
      baselineCount = e.value.value;
    }
  }
  return { space, workload, profile, baselineCount, configFile, dataDir };
}

/** Reads a lookup table (`"c1, c2, c3": [price, rate]`) for a grid; see lookupTableFromJson. */
export function lookupTableFromFile(file: string, grid: PoolGrid): LookupTable {
  const text = readText(file, "a lookup table");
  return lookupTableFromJson(parseJsonFile(text, file), text, grid, file);
}

/**
 * Writes a whole grid's rates as a lookup table in the artifact's format, through io/output-file
 * (never over one of `target.inputs`, atomically); says whether a file was replaced.
 */
export function writeLookupTable(target: OutputTarget, grid: PoolGrid, rates: ArrayLike<number>): Promise<OutputWrite> {
  return writeOutputFile(target, lookupTableJson(grid, rates));
}

/** The artifact's saving levels per model (`saving.json`, %), if present: the paper's reported savings. */
export function ribbonPaperSavingsFromDir(dataDir: string): Map<string, number[]> {
  const file = path.join(dataDir, "query", "configs", "saving.json");
  const out = new Map<string, number[]>();
  if (!fs.existsSync(file)) return out;
  const text = readText(file, "saving levels");
  const root = parseJsonFile(text, file);
  if (root.kind !== "object") throw new DataFormatError(`${where(file, text, root.offset)}: expected an object of model → saving levels in %`);
  for (const e of root.entries) {
    if (e.value.kind !== "array" || e.value.items.some((x) => x.kind !== "number")) {
      throw new DataFormatError(`${where(file, text, e.value.offset)}: saving levels of ${e.key} must be a list of numbers (%)`);
    }
    out.set(e.key, e.value.items.map((x) => (x as { value: number }).value));
  }
  return out;
}
