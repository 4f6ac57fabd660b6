/**
 * `$name` in magic lines: a name bound by `--as` stands for its value (a string), for
 * its `.path` (a `%data path` result), or for its JSON text when it is a result that says it
 * can be passed whole (a string `.schema` starting "greenai.", e.g. a `%ribbon search` result for
 * `--warm-start`). Pure: the caller gives the bound names with their values.
 *
 * - `$name` and `${name}` expand; `$$` is a literal `$`; a `$` followed by anything else stays.
 * - Nothing inside single quotes expands (they keep text verbatim, as in a shell).
 * - The value is inserted quoted, so a path with spaces or quotes stays one word:
 *   outside quotes as a single-quoted word, inside double quotes with `"` and `\` escaped.
 */
import { UsageError } from "../errors";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** The line with every `$name` replaced; UsageError naming the bound names when one cannot expand. */
export function expandBoundNames(text: string, bound: ReadonlyMap<string, unknown>): string {
  let out = "";
  let quote: "'" | '"' | undefined;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      out += c;
      i++;
    } else if (c === "\\" && i + 1 < text.length) {
      // An escaped character (outside single quotes) is copied as is: `\$x` stays `\$x`, which
      // the tokenizer reads as `$x` outside quotes.
      out += text.slice(i, i + 2);
      i += 2;
    } else if (c === "'" && !quote) {
      quote = "'";
      out += c;
      i++;
    } else if (c === '"') {
      quote = quote === '"' ? undefined : '"';
      out += c;
      i++;
    } else if (c === "$" && text[i + 1] === "$") {
      out += quote ? "$" : "\\$";
      i += 2;
    } else if (c === "$") {
      const ref = nameAt(text, i + 1);
      if (!ref) {
        out += c;
        i++;
        continue;
      }
      const value = valueOf(ref.name, bound);
      out += quote === '"' ? value.replace(/["\\]/g, (m) => `\\${m}`) : `'${value.replace(/'/g, `'\\''`)}'`;
      i = ref.end;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** `name` (or `{name}`) starting at `i`, with the index after it; undefined when none stands there. */
function nameAt(text: string, i: number): { name: string; end: number } | undefined {
  if (text[i] === "{") {
    const close = text.indexOf("}", i);
    const inner = close < 0 ? "" : text.slice(i + 1, close);
    if (!NAME.test(inner) || NAME.exec(inner)![0] !== inner) {
      throw new UsageError(`\${…} at column ${i} must hold one name, as in \${x}; write $$ for a literal $`);
    }
    return { name: inner, end: close + 1 };
  }
  const m = NAME.exec(text.slice(i));
  return m ? { name: m[0], end: i + m[0].length } : undefined;
}

function valueOf(name: string, bound: ReadonlyMap<string, unknown>): string {
  const names = bound.size ? `names bound by --as: ${[...bound.keys()].map((n) => `$${n}`).join(", ")}` : "no name is bound by --as yet";
  if (!bound.has(name)) {
    throw new UsageError(`$${name} is not bound (${names}); bind it with --as ${name} on an earlier magic line, or write $$ for a literal $`);
  }
  const v = bound.get(name);
  if (typeof v === "string") return v;
  if (v !== null && typeof v === "object" && typeof (v as { path?: unknown }).path === "string") return (v as { path: string }).path;
  if (v !== null && typeof v === "object" && String((v as { schema?: unknown }).schema).startsWith("greenai.")) return JSON.stringify(v);
  const what = v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "object" ? "an object without a string .path" : `a ${typeof v}`;
  throw new UsageError(`$${name} is ${what}: only a string, or a value with a string .path (such as %data path's result) or a greenai .schema (such as %ribbon search's result), can stand in a magic line (${names})`);
}
