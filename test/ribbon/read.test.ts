import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DataFormatError } from "../../kernel/src/errors";
import { PoolGrid, type PoolSpace } from "../../kernel/src/ribbon/catalogue";
import { lookupTableFromJson, lookupTableJson } from "../../kernel/src/ribbon/evaluators";
import { parseJsonLocated } from "../../kernel/src/ribbon/json";
import {
  instancePricesFromCsv,
  latencyListFromFile,
  lookupTableFromFile,
  ribbonConfigFromFile,
  ribbonProblemFromDir,
} from "../../kernel/src/ribbon/read";
import { ServingSimulator } from "../../kernel/src/ribbon/simulator";
import { MissingProfileError } from "../../kernel/src/ribbon/workload";
import { describeWithData } from "../helpers/shared-data";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ribbon-read-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const f = path.join(tmp, name);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  return f;
}

describe("located JSON errors", () => {
  it("names line and column of a syntax error", () => {
    const f = write("bad.json", '{\n  "ins_types": ["a", "b",],\n  "qos": 4\n}');
    expect(() => ribbonConfigFromFile(f, "bad")).toThrow(DataFormatError);
    expect(() => ribbonConfigFromFile(f, "bad")).toThrow(/bad\.json:2:26: invalid JSON: expected a JSON value but found "]"/);
  });

  it("names the field and its position when a value has the wrong type", () => {
    const f = write("m.json", '{\n  "ins_types": ["a", "b"],\n  "max_num": [3, "4"],\n  "inter_arrival": 2, "qos": 30\n}');
    expect(() => ribbonConfigFromFile(f, "m")).toThrow(/m\.json:3:18: each "max_num" entry must be a whole number/);
    const g = write("g.json", '{"ins_types": ["a"], "max_num": [3], "qos": 30}');
    expect(() => ribbonConfigFromFile(g, "g")).toThrow(/g\.json:1:1: field "inter_arrival" is missing/);
  });

  it("reads a latency list and rejects bad entries with their line", () => {
    expect(Array.from(latencyListFromFile(write("ok.json", "[13.5, 12.25,\n 0]")))).toEqual([13.5, 12.25, 0]);
    expect(() => latencyListFromFile(write("neg.json", "[\n 13.5,\n -1\n]"))).toThrow(/neg\.json:3:2: latency #2 must be a number of ms ≥ 0/);
    expect(() => latencyListFromFile(write("empty.json", "[]"))).toThrow(/empty/);
    expect(() => latencyListFromFile(path.join(tmp, "absent.json"))).toThrow(/cannot read a latency list \(ENOENT\)/);
  });

  it("parses strings with escapes and rejects NaN", () => {
    const n = parseJsonLocated('{"a\\n\\u0041": [1e3, true, null]}');
    expect(n.kind === "object" && n.entries[0].key).toBe("a\nA");
    expect(() => parseJsonLocated("[NaN]")).toThrow(/NaN and Infinity are not JSON/);
  });
});

describe("price.csv", () => {
  it("reads prices and names the line of a bad one", () => {
    const ok = instancePricesFromCsv(write("p.csv", "instance,price\nc5.2xlarge,0.34\nr5.large,0.126 \n"));
    expect(ok.get("r5.large")).toBe(0.126);
    expect(() => instancePricesFromCsv(write("q.csv", "instance,price\nc5.2xlarge,0.34\nr5.large,abc\n"))).toThrow(/q\.csv:3:10: price of r5\.large/);
    expect(() => instancePricesFromCsv(write("r.csv", "name,cost\n"))).toThrow(/expected the header "instance,price"/);
  });
});

describe("lookup tables", () => {
  const space: PoolSpace = { model: "toy", types: ["a", "b", "c"], pricesPerHour: [0.616, 0.384, 0.3328], maxCounts: [2, 1, 2] };
  const grid = new PoolGrid(space);

  it("round-trips the artifact's format", () => {
    const rates = Float64Array.from({ length: grid.size }, (_, i) => (i * 7.31) % 100);
    const text = lookupTableJson(grid, rates);
    expect(text).toContain('"0, 0, 1": [0.33, 0]');
    const t = lookupTableFromJson(parseJsonLocated(text), text, grid, "t.json");
    expect(Array.from(t.rates)).toEqual(Array.from(rates).map((r) => Math.round(r * 100) / 100));
    expect(t.priceMismatches).toBe(0);
  });

  it.each([
    ['{"1, x, 0": [1, 2]}', /t\.json:1:2: key "1, x, 0" must be 3 whole counts/],
    ['{\n"3, 0, 0": [1.85, 99]}', /t\.json:2:1: pool "3, 0, 0" is outside the toy grid: count of a must be in 0\.\.2/],
    ['{"1, 0, 0": [0.62, 101]}', /rate of "1, 0, 0" must be a percentage in 0\.\.100/],
    ['{"1, 0, 0": "x"}', /value of "1, 0, 0" must be \[price \$\/h, rate %\]/],
    ['{"1, 0, 0": [0.62, 9], "1,0,0": [0.62, 9]}', /appears twice/],
    ["[1, 2]", /a lookup table is a JSON object/],
  ])("rejects %p", (text, msg) => {
    expect(() => lookupTableFromJson(parseJsonLocated(text), text, grid, "t.json")).toThrow(msg);
  });

  it("ignores the empty pool, leaves missing pools NaN, counts price mismatches", () => {
    const text = '{"0, 0, 0": [0, 0], "1, 0, 0": [9.99, 50]}';
    const t = lookupTableFromJson(parseJsonLocated(text), text, grid, "t.json");
    expect(t.rates[grid.indexOf([1, 0, 0])]).toBe(50);
    expect(Number.isNaN(t.rates[0])).toBe(true);
    expect(t.priceMismatches).toBe(1);
    expect(() => lookupTableFromFile(path.join(tmp, "none.json"), grid)).toThrow(/cannot read a lookup table/);
  });
});

describeWithData("ribbon", "RIBBON data folder", (dir) => {
  it("loads each model with the artifact's settings", () => {
    const p = ribbonProblemFromDir(dir, "mtwnd");
    expect(p.space.types).toEqual(["g4dn.xlarge", "c5.2xlarge", "r5n.large"]);
    expect(p.space.maxCounts).toEqual([5, 10, 12]);
    expect(p.space.pricesPerHour).toEqual([0.526, 0.34, 0.149]);
    expect(p.workload).toEqual({ meanGapMs: 1.5, qosMs: 21, queries: 25000, mix: "ribbon" });
    expect(p.baselineCount).toBe(5);
    expect(p.profile.lists.get("r5n.large")?.size).toBe(50);
  });

  it("rejects an unknown model, listing the known ones", () => {
    expect(() => ribbonProblemFromDir(dir, "bert")).toThrow(RangeError);
    expect(() => ribbonProblemFromDir(dir, "bert")).toThrow(/unknown model "bert".*models: candle, dien, mtwnd, resnet, vgg/);
  });

  it("rejects an unknown instance type", () => {
    expect(() => ribbonProblemFromDir(dir, "candle", { types: ["c5a.4xlarge", "x9.mega"], maxCounts: [2, 2] })).toThrow(/unknown instance type x9\.mega: it has no price/);
    // priced but never profiled for this model family
    expect(() => ribbonProblemFromDir(dir, "candle", { types: ["c5a.4xlarge", "p3.2xlarge"], maxCounts: [2, 2] })).toThrow(/unknown instance type p3\.2xlarge: no latency profiles/);
    expect(() => ribbonProblemFromDir(dir, "candle", { types: ["c5a.4xlarge"] })).toThrow(/--types needs --max/);
    expect(() => ribbonProblemFromDir(dir, "candle", { maxCounts: [1, 2] })).toThrow(/--max has 2 bounds but there are 3 instance types/);
  });

  it("accepts another type set with its own bounds", () => {
    const p = ribbonProblemFromDir(dir, "candle", { types: ["c5a.4xlarge", "g4dn.2xlarge"], maxCounts: [8, 3] });
    expect(new PoolGrid(p.space).size).toBe(9 * 4 - 1);
    expect(p.baselineCount).toBeUndefined();
  });

  it("reports a missing latency profile for a batch size a trace needs, with the expected file", () => {
    const copy = path.join(tmp, "ribbon");
    fs.cpSync(path.join(dir, "query"), path.join(copy, "query"), { recursive: true });
    for (const t of ["g4dn.xlarge", "c5.2xlarge", "r5n.large"]) {
      const src = path.join(dir, "characterization", "logs", t);
      const dst = path.join(copy, "characterization", "logs", t);
      fs.mkdirSync(dst, { recursive: true });
      for (const f of fs.readdirSync(src)) if (f.startsWith("mtwnd_") && f !== "mtwnd_170_1.json") fs.copyFileSync(path.join(src, f), path.join(dst, f));
    }
    fs.copyFileSync(path.join(dir, "characterization", "logs", "r5n.large", "mtwnd_170_1.json"), path.join(copy, "characterization", "logs", "r5n.large", "mtwnd_170_1.json"));
    const p = ribbonProblemFromDir(copy, "mtwnd", { queries: 2000 });
    const sim = new ServingSimulator(p.profile, p.space, p.workload);
    expect(() => sim.simulate([1, 0, 0], 0)).toThrow(MissingProfileError);
    expect(() => sim.simulate([1, 0, 0], 0)).toThrow(/on g4dn\.xlarge lacks batch size 170.*logs\/g4dn\.xlarge\/mtwnd_170_1\.json/);
  });
});

describeWithData("kairos", "Kairos data folder", (dir) => {
  it("reads four instance types with Kairos' size mix, and needs --qos and --mean-gap", () => {
    expect(() => ribbonProblemFromDir(dir, "dien")).toThrow(/pass --qos MS and --mean-gap MS/);
    const p = ribbonProblemFromDir(dir, "dien", { qosMs: 30, meanGapMs: 2 });
    expect(p.space.types).toEqual(["g4dn.xlarge", "c5n.2xlarge", "r5n.large", "t3.xlarge"]);
    expect(p.space.maxCounts).toEqual([5, 6, 17, 15]);
    expect(p.workload.mix).toBe("kairos");
    expect(p.profile.lists.get("t3.xlarge")?.get(1000)?.length).toBeGreaterThan(50);
    expect(() => ribbonProblemFromDir(dir, "bert", { qosMs: 30, meanGapMs: 2 })).toThrow(/unknown model "bert".*dien, mtwnd, ncf, rm2, wnd/);
    expect(() => ribbonProblemFromDir(dir, "dien", { qosMs: 30, meanGapMs: 2, types: ["g4dn.xlarge", "p3.2xlarge"], maxCounts: [1, 1] })).toThrow(/unknown instance type p3\.2xlarge/);
  });
});
