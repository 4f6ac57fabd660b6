import { DataFormatError } from "../../kernel/src/errors";
import { csvCellsFromLine, csvRecordsFromText } from "../../kernel/src/io/csv";
import { jsonLinesFromText, parsePythonJson } from "../../kernel/src/io/jsonl";
import { LineSplitter } from "../../kernel/src/io/lines";

describe("LineSplitter", () => {
  it("emits complete lines whatever the chunking, drops \\r, flushes the rest", () => {
    const text = "a\r\nbb\n\nccc\ntail";
    for (const size of [1, 2, 5, 100]) {
      const got: string[] = [];
      const s = new LineSplitter((l) => got.push(l));
      for (let i = 0; i < text.length; i += size) s.push(text.slice(i, i + size));
      expect(got).toEqual(["a", "bb", "", "ccc"]);
      expect(s.pending).toBe("tail");
      s.flush();
      expect(got).toEqual(["a", "bb", "", "ccc", "tail"]);
    }
  });
});

describe("csvCellsFromLine: the same rules as csvRecordsFromText", () => {
  it.each([["a,b,c"], ['a,"b,c",d'], ['"x ""q"" y",2'], [""], ['"",1']])("%p", (line) => {
    expect(csvCellsFromLine(line)).toEqual(csvRecordsFromText(line, "f.csv")[0]?.cells ?? [""]);
  });
  it("names the file and line of an unclosed quote", () => {
    expect(() => csvCellsFromLine('1,"open', "p.csv", 7)).toThrow(DataFormatError);
    expect(() => csvCellsFromLine('1,"open', "p.csv", 7)).toThrow(/^p\.csv:7: unclosed double quote/);
  });
});

describe("parsePythonJson", () => {
  it("reads bare NaN and ±Infinity as numbers, outside strings only", () => {
    const o = parsePythonJson('{"a": NaN, "b": Infinity, "c": -Infinity, "s": "NaN Infinity", "d": [1, NaN]}') as Record<string, unknown>;
    expect(o.a).toBeNaN();
    expect(o.b).toBe(Infinity);
    expect(o.c).toBe(-Infinity);
    expect(o.s).toBe("NaN Infinity");
    expect((o.d as number[])[1]).toBeNaN();
  });
  it("is plain JSON otherwise, and rejects tokens glued to words", () => {
    expect(parsePythonJson('{"x": 1.5}')).toEqual({ x: 1.5 });
    expect(() => parsePythonJson('{"x": NaNa}')).toThrow(SyntaxError);
    expect(() => parsePythonJson('{"x": 1NaN}')).toThrow(SyntaxError);
  });
});

describe("jsonLinesFromText", () => {
  it("numbers lines, skips blank ones, and fails on a bad line with file and line", () => {
    const { lines, cut } = jsonLinesFromText('{"a":1}\n\n{"a":2}\r\n', "r.jsonl", { expected: "one object" });
    expect(lines).toEqual([{ line: 1, value: { a: 1 } }, { line: 3, value: { a: 2 } }]);
    expect(cut).toBeNull();
    expect(() => jsonLinesFromText('{"a":1}\n{oops\n{"a":3}\n', "r.jsonl", { expected: "one object" })).toThrow(/^r\.jsonl:2: not valid JSON .*expected one object$/);
  });
  it("skips a cut last line only when allowed, and says so", () => {
    const text = '{"a":1}\n{"a":2,"b\n';
    expect(() => jsonLinesFromText(text, "e.jsonl", { expected: "an event" })).toThrow(/^e\.jsonl:2:/);
    const { lines, cut } = jsonLinesFromText(text, "e.jsonl", { expected: "an event", allowCutLastLine: true });
    expect(lines).toHaveLength(1);
    expect(cut).toBe("e.jsonl:2: cut last line skipped");
    // a bad line that is not the last one is still an error
    expect(() => jsonLinesFromText('{"a":1}\n{bad\n{"a":2}\n', "e.jsonl", { expected: "an event", allowCutLastLine: true })).toThrow(/^e\.jsonl:2:/);
  });
  it("reads Python's NaN when asked", () => {
    expect(() => jsonLinesFromText('{"x": NaN}', "p.jsonl", { expected: "x" })).toThrow(DataFormatError);
    expect((jsonLinesFromText('{"x": NaN}', "p.jsonl", { expected: "x", python: true }).lines[0].value as { x: number }).x).toBeNaN();
  });
});
