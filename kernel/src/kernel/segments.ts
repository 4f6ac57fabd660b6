/**
 * Splits a cell into TypeScript chunks and magic lines, in order. Pure.
 * A magic line is one whose first non-blank characters are `%name` (no TS statement starts
 * with `%`); `%%name` on the first line makes the whole cell a cell magic owning the body.
 * A magic line ending in `\` continues on the next line.
 */

export type Segment =
  | { kind: "ts"; code: string; /** 0-based line of the chunk's first line in the cell. */ line: number }
  | { kind: "line"; text: string; line: number }
  | { kind: "cell"; text: string; body: string; line: number; /** 0-based line of the body's first line. */ bodyLine: number };

const MAGIC_LINE = /^\s*%[A-Za-z]/;
const CELL_MAGIC = /^\s*%%[A-Za-z]/;

/** True if the cell has any magic; the fast path leaves the source untouched otherwise. */
export function hasMagic(src: string): boolean {
  return /^\s*%%?[A-Za-z]/m.test(src);
}

/** Whether line `i` of `lines` starts a magic (line magic, or the cell magic on the first non-blank line). */
export function isMagicLine(line: string): boolean {
  return MAGIC_LINE.test(line) || CELL_MAGIC.test(line);
}

export function splitCell(src: string): Segment[] {
  const lines = src.split("\n");
  const first = lines.findIndex((l) => l.trim() !== "");
  if (first >= 0 && CELL_MAGIC.test(lines[first])) {
    let end = first;
    let text = lines[first].trim().slice(2);
    while (text.endsWith("\\") && end + 1 < lines.length) {
      text = text.slice(0, -1) + " " + lines[++end].trim();
    }
    return [{ kind: "cell", text, body: lines.slice(end + 1).join("\n"), line: first, bodyLine: end + 1 }];
  }
  const out: Segment[] = [];
  let chunk: string[] = [];
  let chunkStart = 0;
  const flush = () => {
    if (chunk.some((l) => l.trim() !== "")) out.push({ kind: "ts", code: chunk.join("\n"), line: chunkStart });
    chunk = [];
  };
  for (let i = 0; i < lines.length; i++) {
    if (MAGIC_LINE.test(lines[i])) {
      flush();
      const start = i;
      let text = lines[i].trim().slice(1);
      while (text.endsWith("\\") && i + 1 < lines.length) {
        text = text.slice(0, -1) + " " + lines[++i].trim();
      }
      out.push({ kind: "line", text, line: start });
      chunkStart = i + 1;
    } else {
      if (chunk.length === 0) chunkStart = i;
      chunk.push(lines[i]);
    }
  }
  flush();
  return out;
}

/**
 * Blanks magic lines (and their continuations) to spaces of equal length, so TypeScript
 * completion and inspection see valid code at unchanged offsets.
 */
export function maskMagicLines(src: string): string {
  const lines = src.split("\n");
  const first = lines.findIndex((l) => l.trim() !== "");
  if (first >= 0 && CELL_MAGIC.test(lines[first])) return lines.map((l) => " ".repeat(l.length)).join("\n");
  let inMagic = false;
  return lines
    .map((l) => {
      if (inMagic || MAGIC_LINE.test(l)) {
        inMagic = l.trimEnd().endsWith("\\");
        return " ".repeat(l.length);
      }
      return l;
    })
    .join("\n");
}

/** The line containing offset `pos`, with its start offset. */
export function lineAt(src: string, pos: number): { text: string; start: number; index: number } {
  const start = src.lastIndexOf("\n", pos - 1) + 1;
  const endNl = src.indexOf("\n", pos);
  const end = endNl < 0 ? src.length : endNl;
  const index = src.slice(0, start).split("\n").length - 1;
  return { text: src.slice(start, end), start, index };
}
