/**
 * tres-mapping.txt (TRES id → name; its syntax is unverified) and TRES text helpers. Pure.
 */
import { DEFAULT_TRES, MEM_PER_CPU, NO_VAL64 } from "./schemas";

export interface TresMapping {
  /** id → name, e.g. 1002 → "gpu:volta" (a `gres/` prefix is removed). */
  names: Record<number, string>;
  /** "file" when read from the file; "default" when the documented table was used. */
  source: "file" | "default";
  /** Lines that could not be read (1-based line and text), when some could. */
  skipped: { line: number; text: string }[];
}

/**
 * Reads tres-mapping text: one `id<sep>name` per line with `,`, tab or `|` as separator
 * (either order), an optional header, an optional `gres/` prefix. Falls back to the
 * documented table when no line can be read.
 */
export function parseTresMapping(text: string): TresMapping {
  const names: Record<number, string> = {};
  const skipped: { line: number; text: string }[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const parts = line.split(/\s*[,\t|]\s*|\s*=\s*/).filter((p) => p !== "");
    if (parts.length < 2) {
      skipped.push({ line: i + 1, text: raw });
      return;
    }
    let [a, b] = parts;
    if (!/^\d+$/.test(a) && /^\d+$/.test(b)) [a, b] = [b, a];
    if (!/^\d+$/.test(a)) {
      // A header such as "id,type" (or anything else without an id).
      if (i > 0 || !/[a-z]/i.test(a)) skipped.push({ line: i + 1, text: raw });
      return;
    }
    // A type column and a name column ("1002,gres,gpu:volta") join as gres/gpu:volta.
    const name = (parts.length > 2 && !/^\d+$/.test(parts[2]) ? `${b}/${parts[2]}` : b).replace(/^gres\//i, "");
    names[Number(a)] = name;
  });
  if (Object.keys(names).length === 0) return { names: { ...DEFAULT_TRES }, source: "default", skipped };
  return { names, source: "file", skipped };
}

/** Parses TRES text `1=40,2=160000,1002=2` into id → value (bigint; NO_VAL64 → null). Throws on bad text. */
export function parseTres(text: string): Map<number, bigint | null> {
  const out = new Map<number, bigint | null>();
  if (text.trim() === "" || text === "\\N") return out;
  for (const part of text.split(",")) {
    const m = /^\s*(\d+)=(\d+)\s*$/.exec(part);
    if (!m) throw new RangeError(`expected TRES text like 1=40,2=160000,1002=2 but got ${JSON.stringify(text)}`);
    const v = BigInt(m[2]);
    if (v >= 1n << 64n) throw new RangeError(`TRES value ${m[2]} does not fit 64 bits`);
    out.set(Number(m[1]), v >= NO_VAL64 ? null : v);
  }
  return out;
}

/** Decodes mem_req: MB and whether it is per CPU (bit 63) or per node; null for NO_VAL64. */
export function decodeMemReq(memReq: bigint): { mb: bigint; perCpu: boolean } | null {
  if (memReq < 0n || memReq >= 1n << 64n) throw new RangeError(`mem_req must be an unsigned 64-bit value but got ${memReq}`);
  if (memReq >= NO_VAL64) return null;
  return { mb: memReq & (MEM_PER_CPU - 1n), perCpu: (memReq & MEM_PER_CPU) !== 0n };
}

/** Parses a Python list literal of node names, e.g. `['r1-n2', 'r3-n4']`; throws on other text. */
export function parseNodelist(text: string): string[] {
  const t = text.trim();
  if (!t.startsWith("[") || !t.endsWith("]")) throw new RangeError(`expected a list literal like ['r1-n2'] but got ${JSON.stringify(text)}`);
  const inner = t.slice(1, -1).trim();
  if (inner === "") return [];
  const out: string[] = [];
  const re = /\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([^,'"\s][^,]*?))\s*(,|$)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < inner.length && (m = re.exec(inner))) {
    const item = m[1] ?? m[2] ?? m[3] ?? "";
    out.push(item.replace(/\\(.)/g, "$1"));
    pos = re.lastIndex;
    if (m[4] === "") break;
  }
  if (pos < inner.length) throw new RangeError(`expected a list literal like ['r1-n2'] but got ${JSON.stringify(text)}`);
  return out;
}
