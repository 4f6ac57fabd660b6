import { CsvTokenizer, FIELD_ESCAPED, FIELD_QUOTED, tokenizeAll, type CsvSyntaxIssue } from "../../kernel/src/datasets/csv";

function chunked(text: string, size: number, opts = {}): { records: { line: number; fields: string[] }[]; issues: CsvSyntaxIssue[] } {
  const bytes = new TextEncoder().encode(text);
  const records: { line: number; fields: string[] }[] = [];
  const issues: CsvSyntaxIssue[] = [];
  const dec = new TextDecoder();
  const tok = new CsvTokenizer(
    {
      record(r) {
        const fields: string[] = [];
        for (let i = 0; i < r.count; i++) {
          const s = r.starts[r.base + i];
          const e = r.ends[r.base + i];
          let t = dec.decode(r.buf.subarray(s, e));
          if (r.flags[r.base + i] & FIELD_ESCAPED) t = t.replace(/""/g, '"');
          fields.push(t);
        }
        records.push({ line: r.line, fields });
      },
      syntax(i) {
        issues.push(i);
      },
    },
    opts,
  );
  for (let i = 0; i < bytes.length; i += size) tok.push(bytes.slice(i, i + size));
  tok.end();
  return { records, issues };
}

describe("CsvTokenizer", () => {
  it("splits plain, quoted and escaped fields", () => {
    const { records, issues } = tokenizeAll('a,b,c\n1,"x,y","say ""hi"""\n');
    expect(issues).toEqual([]);
    expect(records).toEqual([
      { line: 1, fields: ["a", "b", "c"] },
      { line: 2, fields: ["1", "x,y", 'say "hi"'] },
    ]);
  });

  it("keeps empty fields, including a trailing one and one at the end of the data", () => {
    expect(tokenizeAll("1,,3,\n,\n").records.map((r) => r.fields)).toEqual([["1", "", "3", ""], ["", ""]]);
    expect(tokenizeAll("1,2,").records.map((r) => r.fields)).toEqual([["1", "2", ""]]);
  });

  it("handles CRLF, blank lines, a missing final newline and a BOM", () => {
    const { records } = tokenizeAll("\uFEFFa,b\r\n\r\n1,\"2\"\r\n\n3,4");
    expect(records).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 3, fields: ["1", "2"] },
      { line: 5, fields: ["3", "4"] },
    ]);
  });

  it("marks quoted and escaped fields", () => {
    const flags: number[][] = [];
    const tok = new CsvTokenizer({
      record(r) {
        flags.push(Array.from(r.flags.subarray(r.base, r.base + r.count)));
      },
      syntax() {
        throw new Error("no issue expected");
      },
    });
    tok.push(new TextEncoder().encode('a,"b","c""d"\n'));
    tok.end();
    expect(flags).toEqual([[0, FIELD_QUOTED, FIELD_QUOTED | FIELD_ESCAPED]]);
  });

  it.each([1, 2, 3, 7, 64])("gives the same records whatever the chunk size (%p bytes)", (size) => {
    const text = "id,nodelist,tres\n1,\"['r1-n2', 'r3-n4']\",\"1=40,2=160000\"\r\n2,['r5-n6'],\"\"\n3,[],\"a \"\"q\"\" b\"\n";
    expect(chunked(text, size)).toEqual(chunked(text, 1 << 20));
    expect(chunked(text, size).records[1].fields).toEqual(["1", "['r1-n2', 'r3-n4']", "1=40,2=160000"]);
  });

  it("reports an unclosed quote at its line and field and resumes on the next line", () => {
    const { records, issues } = tokenizeAll('a,b\n1,"oops\n2,3\n', { quotedNewlines: false });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 2, field: 2, char: 3 });
    expect(issues[0].message).toMatch(/unclosed quote/);
    expect(records.map((r) => [r.line, r.fields])).toEqual([
      [1, ["a", "b"]],
      [3, ["2", "3"]],
    ]);
  });

  it("reports an unclosed quote at the end of the file (RFC 4180 mode) and resumes after the quote's line", () => {
    const { records, issues } = tokenizeAll('a,b\n1,"multi\nline', { quotedNewlines: true });
    expect(records.map((r) => [r.line, r.fields])).toEqual([
      [1, ["a", "b"]],
      [3, ["line"]],
    ]);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 2, field: 2 });
    expect(issues[0].message).toMatch(/end of the file/);
  });

  it("reads a quoted field across lines in RFC 4180 mode and counts lines", () => {
    const { records, issues } = tokenizeAll('a,b\n1,"two\nlines"\n2,x\n', { quotedNewlines: true });
    expect(issues).toEqual([]);
    expect(records.map((r) => [r.line, r.fields])).toEqual([
      [1, ["a", "b"]],
      [2, ["1", "two\nlines"]],
      [4, ["2", "x"]],
    ]);
  });

  it("rejects text after a closing quote", () => {
    const { records, issues } = tokenizeAll('1,"ab"c,3\n4,5,6\n');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 1, field: 2, char: 7 });
    expect(records.map((r) => r.fields)).toEqual([["4", "5", "6"]]);
  });

  it("bounds the record length", () => {
    const long = "x".repeat(100);
    const { records, issues } = chunked(`${long}\nok\n`, 16, { maxRecordBytes: 50 });
    expect(issues).toHaveLength(1);
    expect(issues[0].message).toMatch(/longer than 50 bytes/);
    expect(records.map((r) => r.fields)).toEqual([["ok"]]);
  });

  it("refuses push after end", () => {
    const tok = new CsvTokenizer({ record() {}, syntax() {} });
    tok.end();
    expect(() => tok.push(new Uint8Array([0x61]))).toThrow(/after end/);
  });
});
