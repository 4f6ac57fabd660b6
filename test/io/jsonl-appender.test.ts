/**
 * JsonLinesAppender: the one writer of run-folder JSON lines. Before appending it cuts a line a
 * crash cut short (so the next line never merges with it), ends a whole last line that lacks
 * its newline, and says what it did with file and line number.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GreenaiError } from "../../kernel/src/errors";
import { JsonLinesAppender, jsonLinesFromText } from "../../kernel/src/io/jsonl";

let tmp: string;
beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-jsonl-"))));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const file = (name: string, text?: string): string => {
  const p = path.join(tmp, name);
  if (text !== undefined) fs.writeFileSync(p, text);
  return p;
};

describe("JsonLinesAppender", () => {
  it("creates a missing file and appends one line per value", () => {
    const p = file("new.jsonl");
    const a = new JsonLinesAppender(p);
    a.append([{ a: 1 }, { a: 2 }]);
    a.append([]);
    a.append([{ a: 3 }]);
    expect(fs.readFileSync(p, "utf8")).toBe('{"a":1}\n{"a":2}\n{"a":3}\n');
    expect(a.repairs).toEqual([]);
  });

  it("cuts a line cut short back to the last whole line before appending, and says where", () => {
    const p = file("cut.jsonl", '{"a":1}\n{"a":2}\n{"a":3,"b');
    const a = new JsonLinesAppender(p);
    a.append([{ a: 4 }]);
    expect(fs.readFileSync(p, "utf8")).toBe('{"a":1}\n{"a":2}\n{"a":4}\n');
    expect(a.repairs).toEqual([`${p}:3: a line cut short (a crash while writing) was removed before appending: "{\\"a\\":3,\\"b"`]);
  });

  it("cuts a file that is one cut line to nothing", () => {
    const p = file("only-cut.jsonl", '{"a":');
    new JsonLinesAppender(p).append([{ a: 1 }]);
    expect(fs.readFileSync(p, "utf8")).toBe('{"a":1}\n');
  });

  it("keeps a whole last line without newline and starts on a fresh line", () => {
    const p = file("no-newline.jsonl", '{"a":1}\n{"a":2}');
    const a = new JsonLinesAppender(p);
    a.append([{ a: 3 }]);
    expect(fs.readFileSync(p, "utf8")).toBe('{"a":1}\n{"a":2}\n{"a":3}\n');
    expect(a.repairs).toEqual([`${p}:2: the last line had no newline; one was added before appending`]);
  });

  it("repairs only once: lines appended later are left alone", () => {
    const p = file("once.jsonl", '{"a":1}\n{"a');
    const a = new JsonLinesAppender(p);
    a.append([{ a: 2 }]);
    // someone else's cut line after our own append is not ours to judge again
    fs.appendFileSync(p, '{"x":');
    a.append([{ a: 3 }]);
    expect(fs.readFileSync(p, "utf8")).toBe('{"a":1}\n{"a":2}\n{"x":{"a":3}\n');
    expect(a.repairs).toHaveLength(1);
  });

  it("a file it cannot append to is an error naming the file and what to do", () => {
    const dir = path.join(tmp, "a-folder.jsonl");
    fs.mkdirSync(dir);
    expect(() => new JsonLinesAppender(dir).append([{ a: 1 }])).toThrow(GreenaiError);
    expect(() => new JsonLinesAppender(dir).append([{ a: 1 }])).toThrow(`${dir}: cannot read before appending`);
  });
});

describe("jsonLinesFromText with skipBadLines", () => {
  it("skips every bad line with its number, keeps the rest, and still marks a cut last line", () => {
    const { lines, cut, skipped } = jsonLinesFromText('{"a":1}\n{oops\n\n[1\n{"a":2}\n{"a"', "s.jsonl", { expected: "an object", skipBadLines: true, allowCutLastLine: true });
    expect(lines).toEqual([{ line: 1, value: { a: 1 } }, { line: 5, value: { a: 2 } }]);
    expect(skipped.map((s) => s.line)).toEqual([2, 4]);
    expect(skipped[0].message).toMatch(/^s\.jsonl:2: not valid JSON .*; expected an object; skipped$/);
    expect(cut).toBe("s.jsonl:6: cut last line skipped");
  });
});
