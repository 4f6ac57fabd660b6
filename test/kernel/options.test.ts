import { formatUsage, parseArgs, tokenize, type CommandSpec } from "../../kernel/src/magics/options";
import { UsageError } from "../../kernel/src/errors";

const SPEC: CommandSpec = {
  name: "tpe replay",
  summary: "replay",
  flags: [
    { name: "budget", type: "number", default: 0.2, min: 0, max: 1, help: "fraction of the budget" },
    { name: "keep", type: "int", default: 1, min: 1, help: "trials kept" },
    { name: "score", type: "string", choices: ["tse", "tse-e"], default: "tse", help: "score" },
    { name: "curves", type: "string", required: true, metavar: "FILE", help: "curves file" },
    { name: "verbose", type: "boolean", default: false, help: "talk" },
    { name: "pool", type: "numbers", help: "counts" },
  ],
  positionals: [{ name: "what", help: "thing" }],
};

describe("tokenize", () => {
  it("splits on whitespace and honours quotes and escapes", () => {
    expect(tokenize(`a  "b c" 'd "e"' f\\ g "h\\"i"`)).toEqual(["a", "b c", 'd "e"', "f g", 'h"i']);
  });
  it("keeps empty quoted words", () => {
    expect(tokenize(`a "" b`)).toEqual(["a", "", "b"]);
  });
  it.each([`a "b`, `a 'b`])("rejects unclosed quotes in %p", (s) => {
    expect(() => tokenize(s)).toThrow(UsageError);
  });
});

describe("parseArgs", () => {
  it("fills defaults and converts types", () => {
    const a = parseArgs(["--curves", "x.csv", "--keep=3", "--pool", "1,2,3", "--verbose", "thing"], SPEC);
    expect(a.flags).toEqual({ budget: 0.2, keep: 3, score: "tse", curves: "x.csv", verbose: true, pool: [1, 2, 3] });
    expect(a.positionals).toEqual(["thing"]);
  });
  it("accepts --no-bool", () => {
    expect(parseArgs(["--curves", "x", "--no-verbose"], SPEC).flags.verbose).toBe(false);
  });
  it.each([
    [["--curves", "x", "--budgt", "1"], /unknown option "--budgt".*known: --budget/],
    [["--curves", "x", "--budget", "abc"], /--budget expects a number but got "abc"/],
    [["--curves", "x", "--budget", "1.5"], /--budget expects a value ≤ 1/],
    [["--curves", "x", "--keep", "1.5"], /--keep expects an integer/],
    [["--curves", "x", "--score", "zz"], /--score expects one of tse, tse-e/],
    [["--budget", "0.1"], /needs --curves/],
    [["--curves"], /--curves needs a value/],
    [["--curves", "x", "a", "b"], /unexpected argument "b"/],
    [["--curves", "x", "--keep", "2", "--keep", "3"], /given twice/],
    [["--curves", "x", "-k"], /unknown option "-k"/],
  ])("rejects %p", (argv, msg) => {
    expect(() => parseArgs(argv as string[], SPEC)).toThrow(msg as RegExp);
  });
  it("carries usage text on errors", () => {
    try {
      parseArgs(["--nope"], SPEC);
      throw new Error("no throw");
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      expect((e as UsageError).usage).toContain("--budget NUMBER");
    }
  });
  it("takes negative numbers as positionals and values", () => {
    const s: CommandSpec = { name: "x", summary: "", flags: [{ name: "n", type: "number", help: "" }], positionals: [{ name: "p", help: "" }] };
    expect(parseArgs(["--n", "-3", "-4"], s)).toEqual({ flags: { n: -3 }, positionals: ["-4"] });
  });
});

describe("formatUsage", () => {
  it("lists flags, defaults, required and the global flags", () => {
    const u = formatUsage(SPEC);
    expect(u).toMatch(/^Usage: %tpe replay \[WHAT\] \[options\]/);
    expect(u).toMatch(/--budget NUMBER\s+fraction of the budget \(default: 0.2\)/);
    expect(u).toMatch(/--curves FILE\s+curves file \(required\)/);
    expect(u).toMatch(/--as NAME/);
  });
});
