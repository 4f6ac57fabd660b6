/**
 * `%tpe replay` and `%tpe run` decide identically on identical curves: the live runner runs a
 * trial command that replays recorded curves (fixtures/replay_curve.js, a short sleep per epoch)
 * and must finish exactly the runs the replay keeps, for tpe and sh at two settings each.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dispatchMagic, MagicRegistry } from "../../kernel/src/magics/dispatch";
import { tpeCommands, type TpeReplayResult } from "../../kernel/src/magics/tpe";
import { tpeRunCommand, type TpeRunResult } from "../../kernel/src/magics/tpe-run";
import { fakeMagicContext } from "../helpers/magic-context";
import { processesOfRun } from "./run-checks";

const REPLAY = path.join(__dirname, "fixtures/replay_curve.js");
const registry = new MagicRegistry([{ name: "tpe", summary: "tpe", commands: [...tpeCommands, tpeRunCommand] }]);
const RUNS = ["r0", "r1", "r2", "r3", "r4", "r5"];
const EPOCHS = 8;
let dir: string;

/** Loss a + b/t: fast starters (large b) overtake slow ones later, so each rung decides differently. */
function curvesCsv(): string {
  const a = [1.0, 0.8, 1.2, 0.9, 0.7, 1.1];
  const b = [2.0, 3.0, 1.5, 2.5, 3.6, 1.8];
  const lines = ["run_id,epoch,train_loss,val_loss"];
  RUNS.forEach((id, r) => {
    for (let t = 1; t <= EPOCHS; t++) {
      const train = a[r] + b[r] / t;
      lines.push(`${id},${t - 1},${train},${train + 0.1 + 0.01 * r}`);
    }
  });
  return lines.join("\n") + "\n";
}

async function run<T>(line: string): Promise<T> {
  const out = await dispatchMagic(registry, line, fakeMagicContext({ cwd: dir }));
  if (out.kind !== "result") throw new Error(`expected a result for ${line}`);
  return out.result.value as T;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "replay-vs-live-"));
  fs.writeFileSync(path.join(dir, "curves.csv"), curvesCsv());
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The live run of the recorded curves under the policy flags, and the run of each of its trials. */
async function liveRun(flags: string, name: string): Promise<{ live: TpeRunResult; runOf: Map<string, string> }> {
  const runDir = path.join(dir, `run-${name}-${flags.replace(/[^a-z0-9]+/gi, "_")}`);
  const live = await run<TpeRunResult>(
    `tpe run --grid 'run=${RUNS.join(",")}' --epochs ${EPOCHS} ${flags} --concurrency 3 --grace 1 --meter estimate --interval-ms 50 ` +
      `--run-dir ${runDir} -- ${process.execPath} ${REPLAY} --curves curves.csv --run {run} --epochs {epochs} --epoch-ms 15`,
  );
  return { live, runOf: new Map(live.trials.map((t) => [t.id, String(t.config.run)])) };
}

describe.each([
  ["tpe", "--policy tpe --budget 0.25 --keep 2"],
  ["tpe", "--policy tpe --budget 0.5 --keep 1 --score val-loss"],
  ["sh", "--policy sh --min-epochs 1 --reduction-factor 2"],
  ["sh", "--policy sh --min-epochs 2 --reduction-factor 2 --keep 2 --score tse-ema"],
])("%s: %s", (policy, flags) => {
  it("the live run finishes exactly the runs the replay keeps", async () => {
    const replay = await run<TpeReplayResult>(`tpe replay --curves curves.csv ${flags}`);
    expect(replay.policy).toBe(policy);
    expect(replay.kept.length).toBeLessThan(RUNS.length); // the policy stopped someone

    const { live, runOf } = await liveRun(flags, policy);
    const finished = live.trials.filter((t) => t.status === "finished").map((t) => runOf.get(t.id));
    expect(finished.sort()).toEqual([...replay.kept].sort());
    expect(live.trials.filter((t) => t.status === "stopped").map((t) => runOf.get(t.id)).sort()).toEqual(
      RUNS.filter((r) => !replay.kept.includes(r)).sort(),
    );
    expect(live.trials.every((t) => t.status !== "failed")).toBe(true);
    // the same rungs, and each trial stopped where the replay stopped it
    if (replay.rungs) {
      expect(live.rungs.map((r) => r.epoch)).toEqual(replay.rungs.map((r) => r.epoch));
      expect(live.rungs.map((r) => r.keep)).toEqual(replay.rungs.map((r) => r.promoted.length));
    } else {
      expect(live.budget_epoch).toBe(replay.budget_epoch);
    }
    expect(processesOfRun(live.run_dir)).toEqual([]);
  }, 60_000);
});

describe("a schedule without a rung (budget at the last epoch)", () => {
  it("finishes every run, live and in the replay", async () => {
    const flags = "--policy tpe --budget 1 --keep 2";
    const replay = await run<TpeReplayResult>(`tpe replay --curves curves.csv ${flags}`);
    expect([...replay.kept].sort()).toEqual(RUNS);
    expect(replay.n_stopped).toBe(0);
    const { live, runOf } = await liveRun(flags, "tpe-norung");
    expect(live.rungs).toEqual([]);
    expect(live.trials.filter((t) => t.status === "finished").map((t) => runOf.get(t.id)).sort()).toEqual(RUNS);
    expect(processesOfRun(live.run_dir)).toEqual([]);
  }, 60_000);
});
