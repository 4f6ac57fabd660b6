import { expandBoundNames } from "../../kernel/src/kernel/expand";
import { tokenize } from "../../kernel/src/magics/options";
import { UsageError } from "../../kernel/src/errors";

const bound = new Map<string, unknown>([
  ["nb", { name: "nas-bench-nlp-wikitext2", path: "/data/nas bench", source: "local" }],
  ["dir", "/tmp/it's here"],
  ["n", 3],
  ["obj", { rows: 1 }],
]);
/** The words a magic line gives after expansion (what the dispatcher sees). */
const words = (line: string) => tokenize(expandBoundNames(line, bound));

describe("$name in magic lines", () => {
  it("expands a string to itself and a value with a string .path to that path, one word each", () => {
    expect(words("tpe replay --curves $nb --out $dir")).toEqual(["tpe", "replay", "--curves", "/data/nas bench", "--out", "/tmp/it's here"]);
  });
  it("joins with the text around it, and ${name} ends a name explicitly", () => {
    expect(words("x --trace $nb/summary_power_v100.csv")).toEqual(["x", "--trace", "/data/nas bench/summary_power_v100.csv"]);
    expect(words("x ${dir}_v2")).toEqual(["x", "/tmp/it's here_v2"]);
  });
  it("expands inside double quotes, escaping what the quotes would eat", () => {
    const withQuote = new Map([["q", 'a "b" \\c']]);
    expect(tokenize(expandBoundNames('x "run $q now"', withQuote))).toEqual(["x", 'run a "b" \\c now']);
  });
  it("leaves single-quoted text alone", () => {
    expect(words("x '$nb and $$' $nb")).toEqual(["x", "$nb and $$", "/data/nas bench"]);
  });
  it("reads $$ as a literal $, in and out of double quotes, and keeps a $ that starts no name", () => {
    expect(words('x $$HOME "$$HOME" cost$ $1 \\$nb')).toEqual(["x", "$HOME", "$HOME", "cost$", "$1", "$nb"]);
  });
  it("leaves a line without $ unchanged", () => {
    const line = "ribbon search --data ../data/samples/ribbon --model toy";
    expect(expandBoundNames(line, bound)).toBe(line);
  });
  it("rejects an unknown name as a usage error listing the bound names", () => {
    expect(() => words("x $nope")).toThrow(UsageError);
    expect(() => words("x $nope")).toThrow(/\$nope is not bound \(names bound by --as: \$nb, \$dir, \$n, \$obj\)/);
    expect(() => expandBoundNames("x $a", new Map())).toThrow(/no name is bound by --as yet/);
  });
  it("rejects a value that is neither a string nor has a string .path", () => {
    expect(() => words("x $n")).toThrow(/\$n is a number: only a string, or a value with a string \.path/);
    expect(() => words("x $obj")).toThrow(/\$obj is an object without a string \.path/);
  });
  it("rejects ${…} that does not hold one name", () => {
    expect(() => words("x ${nb")).toThrow(UsageError);
    expect(() => words("x ${a b}")).toThrow(/must hold one name/);
  });
});
