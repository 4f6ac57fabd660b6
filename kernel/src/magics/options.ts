/**
 * One argument parser for every magic and its CLI twin: shell-like tokenising,
 * typed flags with defaults and help, unknown flags rejected with the known ones listed.
 */
import { UsageError } from "../errors";
import { booleanWord } from "../io/words";

/** Flag value types. `list`: comma-separated strings; `numbers`: comma-separated numbers. */
export type FlagType = "string" | "number" | "int" | "boolean" | "list" | "numbers";

export type FlagValue = string | number | boolean | string[] | number[];

export interface FlagSpec {
  /** Long name without dashes, kebab-case: `top-k` is given as `--top-k`. */
  name: string;
  type: FlagType;
  /** One line: what it does, with its unit. */
  help: string;
  default?: FlagValue;
  required?: boolean;
  /** Allowed values for `string` flags. */
  choices?: readonly string[];
  /** Inclusive bounds for `number`/`int` flags (and each element of `numbers`). */
  min?: number;
  max?: number;
  /** Placeholder in usage text, e.g. FILE. */
  metavar?: string;
  /** Other spellings accepted for this flag (without dashes), e.g. an older name. */
  aliases?: readonly string[];
}

export interface PositionalSpec {
  name: string;
  help: string;
  required?: boolean;
  /** Takes all remaining positionals (last one only). */
  variadic?: boolean;
}

export interface CommandSpec {
  /** Full command path as typed after `%`, e.g. `tpe replay`. */
  name: string;
  /** One line for %lsmagic and help. */
  summary: string;
  flags: readonly FlagSpec[];
  positionals?: readonly PositionalSpec[];
  /** Whether the command reads the cell body (`%%name`). Default "none". */
  body?: "none" | "optional" | "required";
  /** Language of the body: TypeScript bodies get TypeScript completion and can be run with ctx.runTypeScript. */
  bodyLanguage?: "text" | "typescript";
  /** Longer help paragraphs and examples, shown by `%name?`. */
  description?: string;
  examples?: readonly string[];
}

export interface ParsedArgs {
  /** Values keyed by flag name (kebab-case, as declared); defaults filled in. */
  flags: Record<string, FlagValue | undefined>;
  positionals: string[];
}

/** Flags every command understands; handled by the dispatcher, not by commands. */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { name: "as", type: "string", metavar: "NAME", help: "bind the result to a notebook variable NAME (later magic lines can say $NAME)" },
  { name: "json", type: "boolean", help: "print the result as JSON instead of the rich display" },
  { name: "help", type: "boolean", help: "show this help" },
];

/**
 * Splits a magic line into words like a POSIX shell: single quotes keep text verbatim,
 * double quotes allow \" and \\, a backslash outside quotes escapes the next character.
 */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new UsageError(`unclosed single quote at column ${i + 1}; close it with '`);
      cur += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let closed = false;
      while (j < line.length) {
        const d = line[j];
        if (d === "\\" && j + 1 < line.length && (line[j + 1] === '"' || line[j + 1] === "\\")) {
          cur += line[j + 1];
          j += 2;
        } else if (d === '"') {
          closed = true;
          break;
        } else {
          cur += d;
          j++;
        }
      }
      if (!closed) throw new UsageError(`unclosed double quote at column ${i + 1}; close it with "`);
      inWord = true;
      i = j + 1;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[i + 1];
      inWord = true;
      i += 2;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = "";
      inWord = false;
      i++;
    } else {
      cur += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

function describe(v: string): string {
  const shown = v.length > 40 ? `${v.slice(0, 40)}…` : v;
  return JSON.stringify(shown);
}

function convert(flag: FlagSpec, raw: string, spec: CommandSpec, prefix: string): FlagValue {
  const where = `--${flag.name}`;
  const fail = (what: string): never => {
    throw new UsageError(`${where} expects ${what} but got ${describe(raw)}`, formatUsage(spec, prefix));
  };
  const checkRange = (x: number): number => {
    if (flag.min !== undefined && x < flag.min) fail(`a value ≥ ${flag.min}`);
    if (flag.max !== undefined && x > flag.max) fail(`a value ≤ ${flag.max}`);
    return x;
  };
  const num = (s: string, int: boolean): number => {
    const t = s.trim();
    const x = t === "" ? NaN : Number(t);
    if (!Number.isFinite(x)) fail(int ? "an integer" : "a number");
    if (int && !Number.isInteger(x)) fail("an integer");
    return checkRange(x);
  };
  switch (flag.type) {
    case "string":
      if (flag.choices && !flag.choices.includes(raw)) fail(`one of ${flag.choices.join(", ")}`);
      return raw;
    case "number":
      return num(raw, false);
    case "int":
      return num(raw, true);
    case "boolean": {
      const b = booleanWord(raw);
      return b === undefined ? fail("true or false") : b;
    }
    case "list":
      return raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
    case "numbers": {
      const parts = raw.split(",").map((s) => s.trim());
      if (parts.some((p) => p === "")) fail("comma-separated numbers");
      return parts.map((p) => num(p, false));
    }
  }
}

/**
 * Parses words against a command spec. Accepts `--flag value`, `--flag=value`,
 * `--bool` / `--no-bool`, and `--` to end flags. Throws UsageError naming the flag.
 */
export function parseArgs(argv: readonly string[], spec: CommandSpec, prefix = "%"): ParsedArgs {
  const byName = new Map(spec.flags.flatMap((f) => [f.name, ...(f.aliases ?? [])].map((n) => [n, f] as const)));
  const flags: Record<string, FlagValue | undefined> = {};
  const positionals: string[] = [];
  let onlyPositionals = false;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (onlyPositionals || !word.startsWith("-") || word === "-" || /^-\d/.test(word)) {
      positionals.push(word);
      continue;
    }
    if (word === "--") {
      onlyPositionals = true;
      continue;
    }
    if (!word.startsWith("--")) {
      throw new UsageError(`unknown option ${describe(word)} for "${spec.name}"; options are written --name`, formatUsage(spec, prefix));
    }
    const eq = word.indexOf("=");
    let name = eq >= 0 ? word.slice(2, eq) : word.slice(2);
    let inline: string | undefined = eq >= 0 ? word.slice(eq + 1) : undefined;
    let flag = byName.get(name);
    if (!flag && name.startsWith("no-") && byName.get(name.slice(3))?.type === "boolean" && inline === undefined) {
      name = name.slice(3);
      flag = byName.get(name);
      inline = "false";
    }
    if (!flag) {
      const known = spec.flags.map((f) => `--${f.name}`).join(", ") || "none";
      throw new UsageError(`unknown option ${describe(`--${name}`)} for "${spec.name}" (known: ${known})`, formatUsage(spec, prefix));
    }
    name = flag.name; // an alias sets the flag it stands for
    if (name in flags) {
      throw new UsageError(`--${name} is given twice for "${spec.name}"; give it once`, formatUsage(spec, prefix));
    }
    let raw: string;
    if (inline !== undefined) raw = inline;
    else if (flag.type === "boolean") raw = "true";
    else {
      if (i + 1 >= argv.length) {
        throw new UsageError(`--${name} needs a value (${flag.metavar ?? flag.type})`, formatUsage(spec, prefix));
      }
      raw = argv[++i];
    }
    flags[name] = convert(flag, raw, spec, prefix);
  }
  for (const f of spec.flags) {
    if (flags[f.name] === undefined) {
      if (f.required) throw new UsageError(`"${spec.name}" needs --${f.name} (${f.help})`, formatUsage(spec, prefix));
      flags[f.name] = f.default;
    }
  }
  const pos = spec.positionals ?? [];
  const variadic = pos.length > 0 && pos[pos.length - 1].variadic;
  const required = pos.filter((p) => p.required).length;
  if (positionals.length < required) {
    const missing = pos.filter((p) => p.required)[positionals.length];
    throw new UsageError(`"${spec.name}" needs ${missing.name.toUpperCase()} (${missing.help})`, formatUsage(spec, prefix));
  }
  if (!variadic && positionals.length > pos.length) {
    throw new UsageError(
      `unexpected argument ${describe(positionals[pos.length])} for "${spec.name}"` +
        (pos.length ? ` (takes ${pos.map((p) => p.name.toUpperCase()).join(" ")})` : " (takes no arguments)"),
      formatUsage(spec, prefix),
    );
  }
  return { flags, positionals };
}

function flagLine(f: FlagSpec): [string, string] {
  const value = f.type === "boolean" ? "" : ` ${f.metavar ?? (f.choices ? f.choices.join("|") : f.type.toUpperCase())}`;
  const extra: string[] = [];
  if (f.required) extra.push("required");
  if (f.default !== undefined && f.default !== false) extra.push(`default: ${Array.isArray(f.default) ? f.default.join(",") : f.default}`);
  if (f.aliases?.length) extra.push(`also ${f.aliases.map((a) => `--${a}`).join(", ")}`);
  return [`--${f.name}${value}`, f.help + (extra.length ? ` (${extra.join("; ")})` : "")];
}

/** Usage text: synopsis, summary, flags with help and defaults, examples. */
export function formatUsage(spec: CommandSpec, prefix = "%"): string {
  const pos = (spec.positionals ?? []).map((p) => {
    const n = p.name.toUpperCase() + (p.variadic ? "..." : "");
    return p.required ? n : `[${n}]`;
  });
  const lines = [`Usage: ${prefix}${prefix === "%" && spec.body && spec.body !== "none" ? "%" : ""}${spec.name}${pos.length ? " " + pos.join(" ") : ""} [options]`, "", spec.summary];
  if (spec.description) lines.push("", spec.description);
  const rows = [...spec.flags, ...GLOBAL_FLAGS].map(flagLine);
  if (spec.positionals?.length) {
    lines.push("", "Arguments:");
    const w = Math.max(...spec.positionals.map((p) => p.name.length));
    for (const p of spec.positionals) lines.push(`  ${p.name.toUpperCase().padEnd(w)}  ${p.help}`);
  }
  lines.push("", "Options:");
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [l, r] of rows) lines.push(`  ${l.padEnd(width)}  ${r}`);
  if (spec.examples?.length) {
    lines.push("", "Examples:");
    for (const e of spec.examples) lines.push(`  ${e}`);
  }
  return lines.join("\n");
}
