/**
 * Acceptance on the five RIBBON models: the simulator tabulates each model's grid once (25,000
 * queries, simulator seed 0); every optimiser then searches that table on optimiser seeds 0..19
 * and must find exhaustive search's optimum. Prints the evaluation counts and the saving versus
 * the best homogeneous pool next to the paper's figures.
 */
import { cheapestFeasible, bestHomogeneous, randomPruneSearch } from "../../kernel/src/ribbon/baselines";
import { formatPool, PoolGrid } from "../../kernel/src/ribbon/catalogue";
import { LookupEvaluator } from "../../kernel/src/ribbon/evaluators";
import { ribbonPaperSavingsFromDir, ribbonProblemFromDir } from "../../kernel/src/ribbon/read";
import { ribbonSearch, type RibbonSearchOptions } from "../../kernel/src/ribbon/search";
import type { PoolSearchResult } from "../../kernel/src/ribbon/session";
import { ServingSimulator } from "../../kernel/src/ribbon/simulator";
import { describeWithData } from "../helpers/shared-data";

const MODELS = ["candle", "resnet", "vgg", "mtwnd", "dien"];
const SEEDS = 20;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

describeWithData("ribbon", "RIBBON acceptance: five models × 20 seeds against exhaustive search", (dir) => {
  const report: string[] = [];
  const savings: string[] = [];
  const paper = ribbonPaperSavingsFromDir(dir);

  afterAll(() => {
    if (report.length === 0) return;
    console.log(
      [
        `evaluations over ${SEEDS} optimiser seeds (simulator seed 0, 25,000 queries; "to stop" = evaluations spent, "to best" = evaluations until the optimum was first evaluated)`,
        "model   method            found   median to stop   median to best",
        ...report,
        "",
        "cost saving of the optimum vs the best homogeneous pool (paper: up to 16%; artifact's per-model level from saving.json):",
        ...savings,
      ].join("\n"),
    );
  });

  it.each(MODELS)(
    "%s: both modes find the exhaustive optimum on ≥ 19 of 20 seeds; improved needs fewer evaluations",
    async (model) => {
      const problem = ribbonProblemFromDir(dir, model);
      const grid = new PoolGrid(problem.space);
      const sim = new ServingSimulator(problem.profile, problem.space, problem.workload);
      const rates = sim.rates(grid.counts, 0);
      const optimum = cheapestFeasible(grid, rates);
      expect(optimum).toBeGreaterThanOrEqual(0);
      const table = new LookupEvaluator(grid, { rates, priceMismatches: 0, source: `${model} simulated grid` });
      const hit = (r: PoolSearchResult) => r.best !== null && grid.priceMicro[r.best.index] === grid.priceMicro[optimum];

      const runs = async (label: string, make: (seed: number) => Promise<PoolSearchResult>) => {
        const rs: PoolSearchResult[] = [];
        for (let seed = 0; seed < SEEDS; seed++) rs.push(await make(seed));
        const found = rs.filter(hit);
        const stop = median(rs.map((r) => r.evaluations.length));
        const toBest = median(found.map((r) => r.evaluationsToBest as number));
        report.push(`${model.padEnd(7)} ${label.padEnd(17)} ${`${found.length}/${SEEDS}`.padEnd(7)} ${String(stop).padEnd(16)} ${toBest}`);
        return { found: found.length, stop, toBest };
      };
      const bo = (options: Omit<RibbonSearchOptions, "seed">) => (seed: number) => ribbonSearch(grid, table, { ...options, seed });
      const faithful = await runs("faithful", bo({ mode: "faithful" }));
      const improved = await runs("improved", bo({ mode: "improved" }));
      const pruning = await runs("improved-pruning", bo({ mode: "improved", acquisition: "pruning" }));
      const random = await runs("random+prune", (seed) => randomPruneSearch(grid, table, { seed }));

      expect(faithful.found).toBeGreaterThanOrEqual(19);
      expect(improved.found).toBeGreaterThanOrEqual(19);
      expect(pruning.found).toBeGreaterThanOrEqual(19);
      expect(improved.stop).toBeLessThan(faithful.stop);
      expect(3 * improved.stop).toBeLessThan(random.stop);
      expect(pruning.stop).toBeLessThanOrEqual(improved.stop);

      // Saving vs the best homogeneous pool; the artifact's baseline is N × type 1 (homogeneous.json).
      const hom = bestHomogeneous(grid, (i) => rates[i]).filter((h) => h !== null);
      const best = hom.reduce((a, h) => (h!.price < a!.price ? h : a));
      expect(best!.pool).toEqual([problem.baselineCount, 0, 0]);
      const saving = 100 * (1 - grid.price[optimum] / best!.price);
      const level = paper.get(model);
      savings.push(
        `${model.padEnd(7)} optimum ${formatPool(grid.pool(optimum))} $${grid.price[optimum].toFixed(4)}/h vs ${formatPool(best!.pool)} $${best!.price.toFixed(4)}/h: ` +
          `saving ${saving.toFixed(1)}% (artifact level for ${model}: ${level ? Math.max(...level) : "?"}%)`,
      );
      expect(saving).toBeGreaterThan(0);
      expect(saving).toBeLessThanOrEqual(17);
    },
    240_000,
  );
});
