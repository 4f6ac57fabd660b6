/**
 * The `ribbon search --lookup FILE --mode improved --seed S --json` contract (issue 12): best
 * {pool, price, rate}, evaluations, trace in evaluation order, plus assumptions (what the
 * certificate assumed) and violations (the monotonicity violations seen), on a noisy table.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PoolGrid } from "../../kernel/src/ribbon/catalogue";
import { lookupTableJson } from "../../kernel/src/ribbon/evaluators";
import { noisyTableCached } from "../../kernel/src/ribbon/noisy-table-cache";
import { ribbonProblemFromDir } from "../../kernel/src/ribbon/read";
import { dispatchMagic, MagicRegistry } from "../../kernel/src/magics/dispatch";
import { ribbonMagic, type RibbonSearchResult } from "../../kernel/src/magics/ribbon";
import { fakeMagicContext } from "../helpers/magic-context";
import { describeWithData } from "../helpers/shared-data";

const registry = new MagicRegistry([ribbonMagic]);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ribbon-contract-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function search(line: string): Promise<RibbonSearchResult> {
  const out = await dispatchMagic(registry, line, fakeMagicContext({ cwd: tmp }));
  if (out.kind !== "result") throw new Error("expected a result");
  return out.result.value as RibbonSearchResult;
}

describeWithData("ribbon", "ribbon search --lookup (noisy table) --mode improved: the JSON contract", (dir) => {
  it("keeps best, evaluations and trace, and adds assumptions and violations", async () => {
    const p = ribbonProblemFromDir(dir, "mtwnd");
    const grid = new PoolGrid(p.space);
    const t = await noisyTableCached(grid, p.profile, p.workload, { tableSeed: 0 });
    fs.writeFileSync(path.join(tmp, "mtwnd-noisy.json"), lookupTableJson(grid, t.rates));
    const line = `ribbon search --data ${dir} --model mtwnd --lookup mtwnd-noisy.json --mode improved --seed 3 --queries 2000`;
    const v = await search(line);
    expect(Object.keys(v.best ?? {})).toEqual(expect.arrayContaining(["pool", "price", "rate"]));
    expect(v.best?.pool).toEqual([4, 0, 1]); // the table's optimum
    expect(v.evaluations).toBe(v.trace.length);
    expect(v.trace.map((e) => e.order)).toEqual(v.trace.map((_, i) => i));
    expect(v.assumptions).toEqual({
      monotone: true,
      pruning: "margin",
      margin: 1.03,
      margin_per_instance: 0.3,
      noise: "binomial, n = 2000 queries: sd 0.22 points at 99%",
      noise_queries: 2000,
      best_within_noise: false,
      pruning_dropped: false,
    });
    expect(v.stop_detail).toMatch(/optimal if adding instances never lowers the rate by more than 1\.03 \+ 0\.3·k points/);
    expect(v.violations).toHaveLength(v.monotonicity_violations);
    for (const x of v.violations) {
      expect(x.feasible.rate).toBeGreaterThanOrEqual(99);
      expect(x.infeasible.rate).toBeLessThan(99);
      expect(x.feasible.pool.every((c, j) => c <= x.infeasible.pool[j])).toBe(true);
    }
    // --margin overrides the default and is reported
    const m = await search(`${line} --margin 2`);
    expect(m.assumptions.margin).toBe(2);
    await expect(search(`${line} --margin -1`)).rejects.toThrow(/--margin/);
  }, 120_000);
});
