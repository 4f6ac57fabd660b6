import { hasMagic, lineAt, maskMagicLines, splitCell } from "../../kernel/src/kernel/segments";

describe("splitCell", () => {
  it("leaves plain TypeScript alone", () => {
    expect(hasMagic("let a = 5 % 2\nconst s = '%d'")).toBe(false);
    expect(splitCell("1+1")).toEqual([{ kind: "ts", code: "1+1", line: 0 }]);
  });
  it("splits TypeScript and magic lines in order with their line numbers", () => {
    expect(splitCell("let x = 41\n%lsmagic\nx + 1\n  %echo a b\n")).toEqual([
      { kind: "ts", code: "let x = 41", line: 0 },
      { kind: "line", text: "lsmagic", line: 1 },
      { kind: "ts", code: "x + 1", line: 2 },
      { kind: "line", text: "echo a b", line: 3 },
    ]);
  });
  it("gives a %% cell magic the rest of the cell as its body", () => {
    expect(splitCell("\n%%echo --x\nline 1\n%not a magic here\n")).toEqual([
      { kind: "cell", text: "echo --x", body: "line 1\n%not a magic here\n", line: 1, bodyLine: 2 },
    ]);
  });
  it("starts a %% body below a continued header", () => {
    expect(splitCell("%%time \\\n  --as t\nx")).toEqual([{ kind: "cell", text: "time  --as t", body: "x", line: 0, bodyLine: 2 }]);
  });
  it("joins backslash continuations", () => {
    expect(splitCell("%tpe replay \\\n  --budget 0.2\n1")).toEqual([
      { kind: "line", text: "tpe replay  --budget 0.2", line: 0 },
      { kind: "ts", code: "1", line: 2 },
    ]);
  });
});

describe("maskMagicLines", () => {
  it("blanks magic lines to equal length, keeping offsets", () => {
    const src = "let abc = 1\n%echo x \\\n y\nab";
    const masked = maskMagicLines(src);
    expect(masked.length).toBe(src.length);
    expect(masked).toBe("let abc = 1\n         \n  \nab");
  });
});

describe("lineAt", () => {
  it("finds the line around an offset", () => {
    expect(lineAt("ab\ncd\nef", 4)).toEqual({ text: "cd", start: 3, index: 1 });
    expect(lineAt("ab", 2)).toEqual({ text: "ab", start: 0, index: 0 });
  });
});
