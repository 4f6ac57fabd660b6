/**
 * Trial configurations: a grid, a list, or a random sample of a search space, and the
 * expansion of an argv template (`--lr {lr}`) per configuration. Pure; the sampler is
 * handed its seed. No shell is involved anywhere: each template word stays one argument.
 */
import { DataFormatError } from "../errors";
import { jsonLinesFromText } from "../io/jsonl";

export type ParamValue = string | number | boolean | null;
export type Params = Record<string, ParamValue>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** "0.1" → 0.1, "true" → true, "null" → null, anything else stays text. */
export function paramValueFromText(text: string): ParamValue {
  const t = text.trim();
  if (t === "true") return true;
  if (t === "false") return false;
  if (t === "null") return null;
  if (t !== "" && Number.isFinite(Number(t))) return Number(t);
  return t;
}

function splitAssignments(text: string, flag: string): [string, string][] {
  const parts = text.split(";").map((s) => s.trim()).filter((s) => s !== "");
  if (parts.length === 0) throw new RangeError(`${flag} is empty; write NAME=…;NAME=…`);
  const seen = new Set<string>();
  return parts.map((p) => {
    const eq = p.indexOf("=");
    const name = eq > 0 ? p.slice(0, eq).trim() : "";
    if (!NAME.test(name)) throw new RangeError(`${flag}: ${JSON.stringify(p)} is not NAME=VALUES (NAME: letters, digits, _)`);
    if (seen.has(name)) throw new RangeError(`${flag}: parameter ${name} is given twice`);
    seen.add(name);
    return [name, p.slice(eq + 1).trim()];
  });
}

/** Cartesian product of `NAME=v1,v2;NAME=v1,v2` (first name varies slowest). */
export function gridFromText(text: string, flag = "--grid"): Params[] {
  const axes = splitAssignments(text, flag).map(([name, vals]) => {
    const values = vals.split(",").map((s) => s.trim());
    if (values.some((v) => v === "")) throw new RangeError(`${flag}: ${name} needs comma-separated values but got ${JSON.stringify(vals)}`);
    return { name, values: values.map(paramValueFromText) };
  });
  let out: Params[] = [{}];
  for (const ax of axes) out = out.flatMap((p) => ax.values.map((v) => ({ ...p, [ax.name]: v })));
  return out;
}

/** One dimension of a search space. */
export type Dimension =
  | { name: string; kind: "uniform"; low: number; high: number }
  | { name: string; kind: "log"; low: number; high: number }
  | { name: string; kind: "int"; low: number; high: number }
  | { name: string; kind: "choice"; values: ParamValue[] };

/**
 * Parses `lr=log(1e-3,0.3);width=choice(32,64,128);depth=int(1,3);p=uniform(0,0.5)`.
 * log: log-uniform in [low, high]; int: integers low..high inclusive.
 */
export function spaceFromText(text: string, flag = "--space"): Dimension[] {
  return splitAssignments(text, flag).map(([name, spec]) => {
    const m = /^(uniform|log|int|choice)\((.*)\)$/.exec(spec);
    if (!m) throw new RangeError(`${flag}: ${name}=${spec} should be uniform(LOW,HIGH), log(LOW,HIGH), int(LOW,HIGH) or choice(A,B,…)`);
    const args = m[2].split(",").map((s) => s.trim());
    if (m[1] === "choice") {
      if (args.some((a) => a === "")) throw new RangeError(`${flag}: ${name}=choice(…) needs comma-separated values`);
      return { name, kind: "choice", values: args.map(paramValueFromText) };
    }
    const nums = args.map((a) => (a === "" ? NaN : Number(a)));
    if (nums.length !== 2 || nums.some((x) => !Number.isFinite(x)) || nums[0] > nums[1]) {
      throw new RangeError(`${flag}: ${name}=${spec} needs two numbers LOW ≤ HIGH`);
    }
    const [low, high] = nums;
    if (m[1] === "log" && low <= 0) throw new RangeError(`${flag}: ${name}=log(…) needs LOW > 0`);
    if (m[1] === "int" && !(Number.isInteger(low) && Number.isInteger(high))) throw new RangeError(`${flag}: ${name}=int(…) needs integer bounds`);
    return { name, kind: m[1] as "uniform" | "log" | "int", low, high };
  });
}

/** A small seeded PRNG (mulberry32) returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n random configurations; continuous values are rounded to 4 significant digits. */
export function sampleSpace(space: readonly Dimension[], n: number, rng: () => number): Params[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be an integer ≥ 1 but got ${n}`);
  const round = (x: number) => Number(x.toPrecision(4));
  const out: Params[] = [];
  for (let i = 0; i < n; i++) {
    const p: Params = {};
    for (const d of space) {
      const u = rng();
      if (d.kind === "uniform") p[d.name] = round(d.low + u * (d.high - d.low));
      else if (d.kind === "log") p[d.name] = round(Math.exp(Math.log(d.low) + u * (Math.log(d.high) - Math.log(d.low))));
      else if (d.kind === "int") p[d.name] = d.low + Math.min(d.high - d.low, Math.floor(u * (d.high - d.low + 1)));
      else p[d.name] = d.values[Math.min(d.values.length - 1, Math.floor(u * d.values.length))];
    }
    out.push(p);
  }
  return out;
}

/** Parses a configuration list: a JSON array of objects, or JSON lines (one object each). */
export function paramsListFromJson(text: string, file: string): Params[] {
  // each item with the place a message names: `file: item N` in an array, `file:LINE` in JSON lines
  let items: { value: unknown; at: string }[];
  if (text.trim().startsWith("[")) {
    let list: unknown[];
    try {
      list = JSON.parse(text.trim());
    } catch (e) {
      throw new DataFormatError(`${file}: not valid JSON (${(e as Error).message})`);
    }
    items = list.map((value, i) => ({ value, at: `${file}: item ${i + 1}` }));
  } else {
    const { lines } = jsonLinesFromText(text, file, { expected: "one configuration object per line" });
    items = lines.map(({ value, line }) => ({ value, at: `${file}:${line}` }));
  }
  return items.map(({ value: it, at }) => {
    if (typeof it !== "object" || it === null || Array.isArray(it)) throw new DataFormatError(`${at}: not an object of parameters`);
    const p: Params = {};
    for (const [k, v] of Object.entries(it)) {
      if (!NAME.test(k)) throw new DataFormatError(`${at}: parameter name ${JSON.stringify(k)} must be letters, digits, _`);
      if (v !== null && !["string", "number", "boolean"].includes(typeof v)) throw new DataFormatError(`${at}: ${k} must be a string, number, boolean or null`);
      p[k] = v as ParamValue;
    }
    return p;
  });
}

/** Placeholders `{name}` used in an argv template. */
export function templateNames(template: readonly string[]): string[] {
  const names = new Set<string>();
  for (const w of template) for (const m of w.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) names.add(m[1]);
  return [...names];
}

/**
 * Fills `{name}` placeholders in each word from `values`; each word stays one argument
 * whatever the value contains. An unknown placeholder is a RangeError.
 */
export function expandArgv(template: readonly string[], values: Record<string, ParamValue>): string[] {
  return template.map((w) =>
    w.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
      if (!(name in values)) {
        throw new RangeError(`the command uses {${name}} but no parameter ${name} is defined (known: ${Object.keys(values).join(", ") || "none"})`);
      }
      const v = values[name];
      return v === null ? "" : String(v);
    }),
  );
}
