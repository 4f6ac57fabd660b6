import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parsePayload } from "../../common/src/payloads";
import { GreenaiError, UsageError } from "../../kernel/src/errors";
import { dispatchMagic, MagicRegistry } from "../../kernel/src/magics/dispatch";
import { ribbonMagic, type RibbonGridResult, type RibbonSearchResult, type RibbonSimulateResult, type RibbonCompareResult } from "../../kernel/src/magics/ribbon";
import { fakeMagicContext } from "../helpers/magic-context";
import { describeWithData } from "../helpers/shared-data";

const registry = new MagicRegistry([ribbonMagic]);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ribbon-magic-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function run<T>(line: string, cwd = tmp): Promise<{ value: T; text: string; bundle: Record<string, unknown> }> {
  const out = await dispatchMagic(registry, line, fakeMagicContext({ cwd }));
  if (out.kind !== "result") throw new Error("expected a result");
  return { value: out.result.value as T, text: out.result.text, bundle: out.result.bundle?.data ?? {} };
}

describe("%ribbon without data", () => {
  it("on the shipped toy sample (rates fall when slow instances are added) does not claim 'no pool' from pruning: it drops pruning and finds the feasible pool", async () => {
    const sample = path.join(__dirname, "..", "..", "data", "samples", "ribbon");
    const { value, text } = await run<RibbonSearchResult>(`ribbon search --data ${sample} --model toy`);
    // every measured-infeasible big pool pruned everything; the measured pools refute that pruning
    expect(value.assumptions.pruning_dropped).toBe(true);
    const grid = await run<RibbonGridResult>(`ribbon grid --data ${sample} --model toy --out toy-grid.json`);
    expect(value.best?.pool).toEqual(grid.value.best?.pool);
    expect(text).toMatch(/every cheaper pool was evaluated/);
  });

  it("lists its commands and rejects unknown flags", async () => {
    const out = await dispatchMagic(registry, "ribbon --help", fakeMagicContext({ cwd: tmp }));
    expect(out.kind === "help" && out.text).toMatch(/ribbon simulate[\s\S]*ribbon grid[\s\S]*ribbon search[\s\S]*ribbon compare/);
    await expect(run("ribbon search --data x --model y --mdoe faithful")).rejects.toThrow(/unknown option "--mdoe"/);
    await expect(run("ribbon search --data x --model y --mode greedy")).rejects.toThrow(/--mode expects one of faithful, improved/);
  });

  it("says when --data is not a RIBBON folder", async () => {
    await expect(run(`ribbon simulate --data ${tmp} --model candle --pool 1,0,0`)).rejects.toThrow(/is not a RIBBON data folder: query\/configs is missing/);
  });
});

describeWithData("ribbon", "%ribbon on the RIBBON data", (dir) => {
  const data = path.relative(tmp, dir); // relative paths resolve against the notebook folder

  it("simulate: the CLI contract (numeric rate in % and p99_ms) and a typed result", async () => {
    const { value, bundle } = await run<RibbonSimulateResult>(`ribbon simulate --data ${data} --model candle --pool 6,0,2 --seed 0`);
    expect(typeof value.rate).toBe("number");
    expect(typeof value.p99_ms).toBe("number");
    expect(value.price).toBe(4.3616);
    expect(value.feasible).toBe(value.rate >= 99);
    expect(value.utilisation[1]).toBeNull();
    expect(bundle["text/html"]).toContain("c5a.4xlarge");
    const again = await run<RibbonSimulateResult>(`ribbon simulate --data ${data} --model candle --pool 6,0,2 --seed 0`);
    expect(again.value.rate).toBe(value.rate);
  });

  it.each([
    ["--pool 9,0,0", /count of c5a\.4xlarge in pool \(9, 0, 0\) is out of bounds: 9 is not in 0\.\.8/],
    ["--pool 0,0,0", /the empty pool \(0, 0, 0\) serves nothing/],
    ["--pool 1,2", /has 2 counts but candle pools have 3/],
    ["--pool 1,0,0 --types c5a.4xlarge,x1.huge --max 2,2", /unknown instance type x1\.huge/],
  ])("simulate rejects %s with a UsageError", async (flags, msg) => {
    const p = run(`ribbon simulate --data ${data} --model candle ${flags}`);
    await expect(p).rejects.toThrow(UsageError);
    await expect(run(`ribbon simulate --data ${data} --model candle ${flags}`)).rejects.toThrow(msg);
  });

  it("turns the library's range checks into usage errors", async () => {
    await expect(run(`ribbon simulate --data ${data} --model candle --pool 1,0,0 --mean-gap 900000 --queries 10000`)).rejects.toThrow(UsageError);
    await expect(run(`ribbon simulate --data ${data} --model candle --pool 1,0,0 --mean-gap 900000 --queries 10000`)).rejects.toThrow(/spans more than the ms clock holds/);
  });

  it("simulate rejects an unknown model", async () => {
    await expect(run(`ribbon simulate --data ${data} --model bert --pool 1,0,0`)).rejects.toThrow(/unknown model "bert"/);
  });

  it("grid writes a lookup table that search then reads; both agree with simulating", async () => {
    const g = await run<RibbonGridResult>(`ribbon grid --data ${data} --model mtwnd --out tables/mtwnd.json`);
    expect(g.value.file).toBe(path.join(tmp, "tables", "mtwnd.json"));
    expect(g.value.pools).toBe(857);
    expect(g.value.best?.pool).toEqual([4, 0, 1]);
    const table = JSON.parse(fs.readFileSync(g.value.file, "utf8"));
    expect(Object.keys(table)).toHaveLength(857);
    expect(table["4, 0, 1"]).toEqual([2.25, g.value.best?.rate]);
    expect(parsePayload("ribbon", g.bundle["application/vnd.greenai.ribbon+json"]).ok).toBe(true);

    const viaTable = await run<RibbonSearchResult>(`ribbon search --data ${data} --model mtwnd --lookup tables/mtwnd.json --mode faithful --seed 2`);
    const viaSim = await run<RibbonSearchResult>(`ribbon search --data ${data} --model mtwnd --mode faithful --seed 2`);
    expect(viaSim.value.trace.map((t) => t.pool)).toEqual(viaTable.value.trace.map((t) => t.pool));
    expect(viaSim.value.trace.map((t) => t.rate)).toEqual(viaTable.value.trace.map((t) => t.rate));
    expect(viaTable.value.trace.every((t) => t.p99_ms === null)).toBe(true);
    expect(viaSim.value.trace.every((t) => typeof t.p99_ms === "number")).toBe(true);
    // search CLI contract: best {pool, price, rate}, evaluations (count), trace (each evaluated pool)
    expect(viaSim.value.best).toMatchObject({ pool: [4, 0, 1], price: 2.253 });
    expect(viaSim.value.evaluations).toBe(viaSim.value.trace.length);
    expect(viaSim.value.saving_vs_homogeneous_percent).toBeCloseTo(14.33, 2);

    const payload = parsePayload("ribbon", viaTable.bundle["application/vnd.greenai.ribbon+json"]);
    expect(payload.ok).toBe(true);
    if (payload.ok) {
      expect(payload.value.evaluations.map((e) => e.order)).toEqual(viaTable.value.trace.map((_, i) => i));
      expect(payload.value.grid).toHaveLength(857);
      expect(payload.value.homogeneous.map((h) => h.instance_type)).toContain("g4dn.xlarge");
    }
    expect((viaSim.bundle["application/vnd.plotly.v1+json"] as { data: unknown[] }).data.length).toBeGreaterThanOrEqual(3);
  });

  it("search rejects a lookup table from another grid", async () => {
    fs.writeFileSync(path.join(tmp, "wrong.json"), '{"7, 0, 0": [3.68, 99.5]}');
    await expect(run(`ribbon search --data ${data} --model mtwnd --lookup wrong.json`)).rejects.toThrow(/wrong\.json:1:2: pool "7, 0, 0" is outside the mtwnd grid/);
  });

  it("an unreachable QoS target is an error naming the best rate found", async () => {
    const line = `ribbon search --data ${data} --model dien --qos 3 --queries 2000`;
    await expect(run(line)).rejects.toThrow(GreenaiError);
    await expect(run(line)).rejects.toThrow(/no pool of the dien grid \(846 pools, up to \(6, 10, 10\)\) meets the QoS target of 99% of queries within 3 ms; the best rate found was [\d.]+% at pool/);
    await expect(run(`ribbon compare --data ${data} --model dien --qos 3 --queries 2000 --seeds 1`)).rejects.toThrow(/meets the QoS target.*best rate found was/);
    const g = await run<RibbonGridResult>(`ribbon grid --data ${data} --model dien --qos 3 --queries 2000 --out dien3.json`);
    expect(g.value.best).toBeNull();
    expect(g.value.warning).toMatch(/no pool of the grid meets 99% within 3 ms; the best rate is/);
  });

  it("compare summarises methods against exhaustive search", async () => {
    const { value, text } = await run<RibbonCompareResult>(`ribbon compare --data ${data} --model dien --seeds 3 --methods improved,random`);
    expect(value.optimum.pool).toEqual([5, 1, 0]);
    expect(value.methods.map((m) => m.method)).toEqual(["improved", "random"]);
    expect(value.methods[0].found_optimum).toBe(3);
    expect(value.paper_saving_percent).toBe(12);
    expect(text).toMatch(/saving 11\.\d+%/);
    await expect(run(`ribbon compare --data ${data} --model dien --methods magic`)).rejects.toThrow(/unknown method "magic"/);
  });
});

describeWithData("kairos", "%ribbon on the Kairos data", (dir) => {
  const data = path.relative(tmp, dir);
  const space = "--model mtwnd --qos 10 --mean-gap 1 --queries 3000 --types g4dn.xlarge,r5n.large,t3.xlarge --max 5,8,8";

  it("routing decides the answer: pool order warns about pruning, earliest-finish-all finds a mixed pool", async () => {
    await expect(run(`ribbon search --data ${data} --model mtwnd --pool 1,0,0,0`)).rejects.toThrow(/unknown option "--pool"/);
    await expect(run(`ribbon simulate --data ${data} --model mtwnd --pool 1,0,0,0`)).rejects.toThrow(/pass --qos MS and --mean-gap MS/);
    const all = await run<RibbonSearchResult>(`ribbon search --data ${data} ${space} --dispatch earliest-finish-all --mode improved`);
    expect(all.value.best?.pool).toEqual([3, 1, 0]);
    expect(all.value.monotonicity_violations).toBe(0);
    const g = await run<RibbonGridResult>(`ribbon grid --data ${data} ${space} --out kairos-po.json`);
    expect(g.value.monotonicity_flips).toBeGreaterThan(0);
    expect(g.value.best?.pool).toEqual([4, 0, 0]);
  });
});
