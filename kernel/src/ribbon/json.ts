/**
 * A small JSON parser that remembers where each value starts, so that input errors can name
 * the line and column of the offending value, not just "invalid JSON". Pure: text in, tree out.
 */
import { DataFormatError } from "../errors";

export type JsonNode =
  | { kind: "object"; offset: number; entries: { key: string; keyOffset: number; value: JsonNode }[] }
  | { kind: "array"; offset: number; items: JsonNode[] }
  | { kind: "string"; offset: number; value: string }
  | { kind: "number"; offset: number; value: number }
  | { kind: "boolean"; offset: number; value: boolean }
  | { kind: "null"; offset: number };

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lastNl = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lastNl = i;
    }
  }
  return { line, column: offset - lastNl };
}

/** A JSON syntax error at an offset; `describe` gives "line L, column C: message". */
export class JsonSyntaxError extends Error {
  override name = "JsonSyntaxError";
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Parses JSON text into a located tree; throws JsonSyntaxError with the offset of the problem. */
export function parseJsonLocated(text: string): JsonNode {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const fail = (what: string): never => {
    const got = i >= n ? "the end of the file" : JSON.stringify(text[i]);
    throw new JsonSyntaxError(`expected ${what} but found ${got}`, i);
  };
  const str = (): string => {
    const start = i;
    i++; // opening quote
    let out = "";
    let chunk = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        out += text.slice(chunk, i);
        i++;
        return out;
      }
      if (c === 92) {
        out += text.slice(chunk, i);
        const e = text[i + 1];
        const map: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
        if (e in map) {
          out += map[e];
          i += 2;
        } else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else {
          i++;
          fail("a valid escape after \\");
        }
        chunk = i;
        continue;
      }
      if (c < 32) fail("no control characters inside a string");
      i++;
    }
    i = start;
    return fail("a closing quote for this string");
  };
  /** Reads the comma-separated members of an object or array, from its opening bracket past `close`. */
  const members = (close: "}" | "]", member: () => void): void => {
    i++;
    ws();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      member();
      ws();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === close) {
        i++;
        return;
      }
      fail(`"," or "${close}"`);
    }
  };
  const value = (): JsonNode => {
    ws();
    const offset = i;
    const c = text[i];
    if (c === "{") {
      const entries: { key: string; keyOffset: number; value: JsonNode }[] = [];
      members("}", () => {
        ws();
        if (text[i] !== '"') fail('a double-quoted property name');
        const keyOffset = i;
        const key = str();
        ws();
        if (text[i] !== ":") fail('":" after the property name');
        i++;
        entries.push({ key, keyOffset, value: value() });
      });
      return { kind: "object", offset, entries };
    }
    if (c === "[") {
      const items: JsonNode[] = [];
      members("]", () => items.push(value()));
      return { kind: "array", offset, items };
    }
    if (c === '"') return { kind: "string", offset, value: str() };
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
    if (m && m[0].length > 0 && m[0] !== "-") {
      i += m[0].length;
      return { kind: "number", offset, value: Number(m[0]) };
    }
    for (const [word, node] of [
      ["true", { kind: "boolean", offset, value: true }],
      ["false", { kind: "boolean", offset, value: false }],
      ["null", { kind: "null", offset }],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return node as JsonNode;
      }
    }
    if (/^(NaN|-?Infinity)/.test(text.slice(i, i + 9))) fail("a JSON number (NaN and Infinity are not JSON)");
    return fail("a JSON value");
  };
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  const root = value();
  ws();
  if (i < n) fail("the end of the file after the top-level value");
  return root;
}

/** Parses JSON text read from `file` (a path, or `archive:member`); a syntax error is a DataFormatError at `file:line:column`. */
export function parseJsonFile(text: string, file: string): JsonNode {
  try {
    return parseJsonLocated(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      const { line, column } = lineColumn(text, err.offset);
      throw new DataFormatError(`${file}:${line}:${column}: invalid JSON: ${err.message}`);
    }
    throw err;
  }
}

/** `file:line:column` of a node. */
export function where(file: string, text: string, offset: number): string {
  const { line, column } = lineColumn(text, offset);
  return `${file}:${line}:${column}`;
}
