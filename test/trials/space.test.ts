import { DataFormatError } from "../../kernel/src/errors";
import { expandArgv, gridFromText, mulberry32, paramsListFromJson, sampleSpace, spaceFromText, templateNames } from "../../kernel/src/trials/space";

describe("gridFromText", () => {
  it("expands the Cartesian product with typed values", () => {
    expect(gridFromText("lr=0.1,0.01;width=32,64;bn=true")).toEqual([
      { lr: 0.1, width: 32, bn: true },
      { lr: 0.1, width: 64, bn: true },
      { lr: 0.01, width: 32, bn: true },
      { lr: 0.01, width: 64, bn: true },
    ]);
    expect(gridFromText("opt=adam,sgd")).toEqual([{ opt: "adam" }, { opt: "sgd" }]);
  });
  it.each(["", "lr", "lr=", "lr=1,,2", "1x=2", "a=1;a=2"])("rejects %p", (t) => expect(() => gridFromText(t)).toThrow(RangeError));
});

describe("spaceFromText and sampleSpace", () => {
  const space = spaceFromText("lr=log(0.001,0.1);width=choice(16,64,128);depth=int(1,3);p=uniform(0,0.5)");
  it("parses the dimensions", () => {
    expect(space.map((d) => d.kind)).toEqual(["log", "choice", "int", "uniform"]);
  });
  it("draws reproducible samples inside the bounds", () => {
    const a = sampleSpace(space, 200, mulberry32(1));
    expect(sampleSpace(space, 200, mulberry32(1))).toEqual(a);
    expect(sampleSpace(space, 5, mulberry32(2))).not.toEqual(a.slice(0, 5));
    for (const p of a) {
      expect(p.lr as number).toBeGreaterThanOrEqual(0.001);
      expect(p.lr as number).toBeLessThanOrEqual(0.1);
      expect([16, 64, 128]).toContain(p.width);
      expect([1, 2, 3]).toContain(p.depth);
      expect(p.p as number).toBeLessThanOrEqual(0.5);
    }
    // log-uniform: about half the draws below the geometric midpoint 0.01
    const below = a.filter((p) => (p.lr as number) < 0.01).length;
    expect(below).toBeGreaterThan(70);
    expect(below).toBeLessThan(130);
    expect(new Set(a.map((p) => p.depth)).size).toBe(3);
  });
  it.each(["lr=log(0,1)", "lr=log(1)", "d=int(1.5,3)", "lr=normal(0,1)", "x=uniform(2,1)", "c=choice(a,,b)"])("rejects %p", (t) =>
    expect(() => spaceFromText(t)).toThrow(RangeError),
  );
});

describe("paramsListFromJson", () => {
  it("reads a JSON array or JSON lines", () => {
    expect(paramsListFromJson('[{"lr": 0.1}, {"lr": 0.2}]', "c.json")).toEqual([{ lr: 0.1 }, { lr: 0.2 }]);
    expect(paramsListFromJson('{"lr": 0.1}\n\n{"lr": 0.2, "opt": "adam"}\n', "c.jsonl")).toEqual([{ lr: 0.1 }, { lr: 0.2, opt: "adam" }]);
  });
  it("names the bad item", () => {
    expect(() => paramsListFromJson('{"lr": 1}\nnope\n', "c.jsonl")).toThrow(/c\.jsonl:2/);
    expect(() => paramsListFromJson('[{"lr": [1]}]', "c.json")).toThrow(/item 1: lr/);
    expect(() => paramsListFromJson("[1,", "c.json")).toThrow(DataFormatError);
    expect(() => paramsListFromJson('[{"lr": [1]}]', "c.json")).toThrow(DataFormatError);
  });
  it("counts JSON lines from the file's first line, blank lines before the first object included", () => {
    expect(() => paramsListFromJson('\n\n{"lr": 1}\nnope\n', "c.jsonl")).toThrow(/^c\.jsonl:4: not valid JSON/);
    expect(() => paramsListFromJson('\n{"lr": 1}\n\n{"lr": [1]}\n', "c.jsonl")).toThrow(/^c\.jsonl:4: lr must be a string/);
    expect(() => paramsListFromJson("\n1\n", "c.jsonl")).toThrow(/^c\.jsonl:2: not an object of parameters/);
  });
});

describe("expandArgv", () => {
  it("fills placeholders inside words; each word stays one argument", () => {
    const argv = expandArgv(["python3", "train.py", "--lr={lr}", "--name", "{name}", "{x}{x}"], { lr: 0.1, name: "a b; rm -rf /", x: 1 });
    expect(argv).toEqual(["python3", "train.py", "--lr=0.1", "--name", "a b; rm -rf /", "11"]);
  });
  it("rejects an unknown placeholder", () => {
    expect(() => expandArgv(["--lr", "{lr}"], { width: 1 })).toThrow(/\{lr\} but no parameter lr/);
  });
  it("lists the placeholders used", () => {
    expect(templateNames(["--a", "{a}", "{b}-{a}"])).toEqual(["a", "b"]);
  });
});
