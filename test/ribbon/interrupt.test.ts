/**
 * Interrupts reach long ribbon work: an AbortSignal aborted from a timer stops trace drawing,
 * one long pool, a grid, a search and the compare benchmark within a fraction of a second.
 * Without the checkpoints the timer could not even fire before the synchronous loops ended
 * (each setting below runs for seconds), so every test here would see the work finish.
 */
import * as path from "path";
import { InterruptedError } from "../../kernel/src/errors";
import { bestHomogeneous, bestHomogeneousMeasured, gridRates, randomPruneSearch } from "../../kernel/src/ribbon/baselines";
import { PoolGrid } from "../../kernel/src/ribbon/catalogue";
import { compareOptimisers } from "../../kernel/src/ribbon/compare";
import { SimulatorEvaluator } from "../../kernel/src/ribbon/evaluators";
import { ribbonProblemFromDir } from "../../kernel/src/ribbon/read";
import { ribbonSearch } from "../../kernel/src/ribbon/search";
import { ServingSimulator } from "../../kernel/src/ribbon/simulator";

const TOY = path.join(__dirname, "../../data/samples/ribbon");

function toy(queries: number) {
  const problem = ribbonProblemFromDir(TOY, "toy", { queries });
  return { problem, grid: new PoolGrid(problem.space), simulator: new ServingSimulator(problem.profile, problem.space, problem.workload) };
}

/** Aborts after `ms`; `stoppedMs(t)` is how long after the abort time t is. */
function abortAfter(ms: number) {
  const controller = new AbortController();
  let abortedAt = NaN;
  setTimeout(() => {
    abortedAt = Date.now();
    controller.abort();
  }, ms);
  return { signal: controller.signal, stoppedMs: () => Date.now() - abortedAt };
}

/** Awaits a promise that must reject with InterruptedError; returns the error. */
async function interrupted(p: Promise<unknown>): Promise<InterruptedError> {
  const e = await p.then(
    () => new Error("the work finished: the interrupt did not stop it"),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(InterruptedError);
  return e as InterruptedError;
}

// Stopping within this of the abort: a checkpoint every ~50 ms plus a loaded machine's slack.
const PROMPT_MS = 700;

describe("interrupting ribbon work", () => {
  // One 2,000,000-query trace for the tests below: ~40 ms per small pool, a whole grid for ~15 s.
  let long: ReturnType<typeof toy>;
  beforeAll(() => {
    long = toy(2_000_000);
    long.simulator.prepared(0);
  });

  it("stops drawing a long query trace", async () => {
    const { simulator, grid } = toy(6_000_000); // drawing alone takes seconds
    const a = abortAfter(200);
    await interrupted(simulator.simulateInterruptibly(grid.pool(0), 0, "pool-order", a.signal));
    expect(a.stoppedMs()).toBeLessThan(PROMPT_MS);
  });

  it("stops inside one long pool (the simulator yields every 65,536 queries)", async () => {
    const { simulator, grid } = long;
    const biggest = grid.pool(grid.size - 1);
    const t0 = Date.now();
    const full = simulator.simulate(biggest, 0, "earliest-finish-all");
    const fullMs = Date.now() - t0;
    const a = abortAfter(20);
    await interrupted(simulator.simulateInterruptibly(biggest, 0, "earliest-finish-all", a.signal));
    // stopped well before the pool could have finished
    expect(a.stoppedMs()).toBeLessThan(Math.max(fullMs / 2, 100));
    // the interruptible form computes what the plain one does
    expect(await simulator.simulateInterruptibly(biggest, 0, "earliest-finish-all", new AbortController().signal)).toEqual(full);
  });

  it("stops a grid and says how many pools were done", async () => {
    const { simulator, grid } = long;
    const a = abortAfter(300);
    const e = await interrupted(gridRates(grid, new SimulatorEvaluator(simulator, 0), undefined, a.signal));
    expect(a.stoppedMs()).toBeLessThan(PROMPT_MS);
    const m = /^interrupted after (\d+) of 314 pools$/.exec(e.message);
    expect(m).not.toBeNull();
    expect(Number(m?.[1])).toBeLessThan(314);
  });

  it("tabulates the same rates with a signal as without", async () => {
    const { simulator, grid } = toy(3_000);
    const withSignal = await gridRates(grid, new SimulatorEvaluator(simulator, 1), undefined, new AbortController().signal);
    expect(withSignal).toEqual(simulator.rates(grid.counts, 1));
  });

  it("measures the best homogeneous pools as the table form finds them, and stops on an interrupt", async () => {
    const { simulator, grid } = toy(3_000);
    const ev = new SimulatorEvaluator(simulator, 2);
    const rates = simulator.rates(grid.counts, 2);
    expect(await bestHomogeneousMeasured(grid, ev, 99)).toEqual(bestHomogeneous(grid, (i) => rates[i], 99));
    const a = abortAfter(150);
    await interrupted(bestHomogeneousMeasured(grid, new SimulatorEvaluator(long.simulator, 0), 100, a.signal));
    expect(a.stoppedMs()).toBeLessThan(PROMPT_MS);
  });

  it("stops a Bayesian search and a baseline at the next evaluation, saying how far they got", async () => {
    const { simulator, grid } = long;
    const evaluator = new SimulatorEvaluator(simulator, 0);
    let a = abortAfter(150);
    let e = await interrupted(ribbonSearch(grid, evaluator, { mode: "improved", seed: 0, budget: grid.size, signal: a.signal }));
    expect(a.stoppedMs()).toBeLessThan(PROMPT_MS);
    expect(e.message).toMatch(/^interrupted after \d+ evaluations?; (best so far .* at \$\d+\.\d{4}\/h, [\d.]+%|no feasible pool yet)$/);
    a = abortAfter(150);
    e = await interrupted(randomPruneSearch(grid, evaluator, { seed: 0, budget: grid.size, signal: a.signal }));
    expect(a.stoppedMs()).toBeLessThan(PROMPT_MS);
    expect(e.message).toMatch(/^interrupted after \d+ evaluations?/);
  });

  it("stops the compare benchmark while it tabulates", async () => {
    const { simulator, grid } = long;
    const a = abortAfter(300);
    const e = await interrupted(
      compareOptimisers(grid, new SimulatorEvaluator(simulator, 0), { methods: ["random"], seeds: 2, budget: 50, initialSamples: 2, eiStop: 0, targetRate: 99, signal: a.signal }),
    );
    expect(a.stoppedMs()).toBeLessThan(PROMPT_MS);
    expect(e.message).toMatch(/^interrupted after \d+ of 314 pools$/);
  });
});
