/**
 * Runs one magic line (`%name args` or `%%name args` + body) against a registry.
 * Shared by the kernel and the CLI, so both parse, fail and answer alike.
 */
import { UsageError } from "../errors";
import { formatUsage, parseArgs, tokenize, type CommandSpec, type ParsedArgs } from "./options";
import type { Magic, MagicCommand, MagicContext, MagicResult } from "./types";

export class MagicRegistry {
  private readonly magics = new Map<string, Magic>();

  constructor(magics: readonly Magic[] = []) {
    for (const m of magics) this.add(m);
  }

  add(magic: Magic): void {
    if (!/^[a-z][a-z0-9_-]*$/.test(magic.name)) throw new Error(`bad magic name ${JSON.stringify(magic.name)}`);
    if (this.magics.has(magic.name)) throw new Error(`magic %${magic.name} is registered twice`);
    this.magics.set(magic.name, magic);
  }

  get(name: string): Magic | undefined {
    return this.magics.get(name);
  }

  list(): Magic[] {
    return [...this.magics.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

/** Subcommand word of a command spec (`"tpe replay"` → `"replay"`), or "" for a plain magic. */
export function subName(magic: Magic, cmd: MagicCommand): string {
  return cmd.spec.name === magic.name ? "" : cmd.spec.name.slice(magic.name.length + 1);
}

/** Help for a magic as a whole: its subcommands, one line each. */
export function magicHelp(magic: Magic, prefix = "%"): string {
  if (magic.commands.length === 1 && magic.commands[0].spec.name === magic.name) {
    return formatUsage(magic.commands[0].spec, prefix);
  }
  const w = Math.max(...magic.commands.map((c) => c.spec.name.length));
  return [
    `${prefix}${magic.name}: ${magic.summary}`,
    "",
    "Commands:",
    ...magic.commands.map((c) => `  ${prefix}${c.spec.name.padEnd(w)}  ${c.spec.summary}`),
    "",
    `Help on one: ${prefix}${magic.commands[0].spec.name} --help (or ${prefix}${magic.commands[0].spec.name}?)`,
  ].join("\n");
}

export interface ResolvedCommand {
  magic: Magic;
  command?: MagicCommand;
  /** Words after the magic (and subcommand) name. */
  rest: string[];
}

/** Finds the magic and subcommand named by the first words; UsageError if unknown. */
export function resolveCommand(registry: MagicRegistry, words: readonly string[], prefix = "%"): ResolvedCommand {
  const [name, ...rest] = words;
  const magic = name === undefined ? undefined : registry.get(name);
  if (!magic) {
    const known = registry.list().map((m) => prefix + m.name).join(", ");
    throw new UsageError(
      name === undefined ? `no magic name given; known magics: ${known}` : `unknown magic ${prefix}${name}; known magics: ${known} (see ${prefix}lsmagic)`,
    );
  }
  const plain = magic.commands.find((c) => c.spec.name === magic.name);
  if (plain) return { magic, command: plain, rest };
  const sub = rest[0];
  if (sub === undefined || sub.startsWith("-")) return { magic, rest };
  const command = magic.commands.find((c) => c.spec.name === `${magic.name} ${sub}`);
  if (!command) {
    const subs = magic.commands.map((c) => subName(magic, c)).join(", ");
    throw new UsageError(`unknown command ${prefix}${magic.name} ${sub}; commands are: ${subs}`, magicHelp(magic, prefix));
  }
  return { magic, command, rest: rest.slice(1) };
}

/** What the dispatcher returns: a result, or help text when --help / `?` was asked for. */
export type DispatchOutcome =
  | { kind: "help"; text: string }
  | { kind: "result"; result: MagicResult; bindAs?: string; json: boolean; spec: CommandSpec };

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Pulls --as, --json and --help out of the words, wherever they stand (before `--`). */
function takeGlobalFlags(words: string[], spec: CommandSpec | undefined, prefix: string): { words: string[]; as?: string; json: boolean; help: boolean } {
  const out: string[] = [];
  let as: string | undefined;
  let json = false;
  let help = false;
  const usage = spec ? formatUsage(spec, prefix) : undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === "--") {
      out.push(...words.slice(i));
      break;
    }
    if (w === "--help" || w === "-h") help = true;
    else if (w === "--json") json = true;
    else if (w === "--as" || w.startsWith("--as=")) {
      const v = w === "--as" ? words[++i] : w.slice(5);
      if (v === undefined || v === "") throw new UsageError("--as needs a variable name, e.g. --as result", usage);
      if (!IDENTIFIER.test(v)) throw new UsageError(`--as expects a TypeScript identifier but got ${JSON.stringify(v)}`, usage);
      if (v.startsWith("__")) throw new UsageError(`--as names must not start with "__" (tslab reserves them): ${v}`, usage);
      as = v;
    } else out.push(w);
  }
  return { words: out, as, json, help };
}

/**
 * Parses and runs one magic. `line` is the text after `%` (or `%%`), e.g. `tpe replay --budget 0.2`;
 * a trailing `?` asks for help. `body` is the cell body of a `%%` cell magic.
 */
export async function dispatchMagic(
  registry: MagicRegistry,
  line: string,
  ctx: MagicContext,
  prefix = "%",
): Promise<DispatchOutcome> {
  let text = line.trim();
  let wantHelp = false;
  if (text.endsWith("?")) {
    wantHelp = true;
    text = text.replace(/\?+$/, "").trim();
  }
  const { magic, command, rest } = resolveCommand(registry, tokenize(text), prefix);
  const g = takeGlobalFlags(rest, command?.spec, prefix);
  if (!command) {
    if (wantHelp || g.help) return { kind: "help", text: magicHelp(magic, prefix) };
    throw new UsageError(`${prefix}${magic.name} needs a command`, magicHelp(magic, prefix));
  }
  if (wantHelp || g.help) return { kind: "help", text: formatUsage(command.spec, prefix) };
  const spec = command.spec;
  const body = spec.body ?? "none";
  if (ctx.body !== undefined && body === "none") {
    throw new UsageError(`${prefix}${spec.name} is a line magic: write %${spec.name} …, not %%${spec.name}`, formatUsage(spec, prefix));
  }
  if (ctx.body === undefined && body === "required") {
    throw new UsageError(`${prefix}${spec.name} is a cell magic: write %%${spec.name} on the first line and the body below it`, formatUsage(spec, prefix));
  }
  const args = parseArgs(g.words, spec, prefix);
  const result = await runAsUsage(command, args, ctx, prefix);
  return { kind: "result", result, bindAs: g.as, json: g.json, spec };
}

/**
 * RangeErrors the JavaScript engine raises itself (deep recursion, huge arrays or strings): bugs
 * or limits, not a wrong argument, so they pass through as they are.
 */
const ENGINE_RANGE_ERROR = /^(Maximum call stack size exceeded|Invalid (typed )?(array|string) length|Array buffer allocation failed)/;

/**
 * Runs a command. Cores check their arguments with RangeError (they know no commands); here,
 * at the one edge every magic passes, such an error becomes a UsageError with the command's usage.
 */
async function runAsUsage(command: MagicCommand, args: ParsedArgs, ctx: MagicContext, prefix: string): Promise<MagicResult> {
  try {
    return await command.run(args, ctx);
  } catch (err) {
    if (err instanceof RangeError && !ENGINE_RANGE_ERROR.test(err.message)) throw new UsageError(err.message, formatUsage(command.spec, prefix));
    throw err;
  }
}
