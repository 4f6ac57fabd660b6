/**
 * Acceptance tests with real processes: the PyTorch digits demo (examples/digits_train.py)
 * run through the live runner on the local machine.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { InterruptedError } from "../../kernel/src/errors";
import { readEvents } from "../../kernel/src/trials/run-folder";
import { runTrials, type TrialSpec } from "../../kernel/src/trials/runner";
import { DIGITS, PYTHON, describeWithTorch } from "../helpers/python-torch";
import { epochsFromLogs, expectReportMatchesLogs, processesOfRun } from "./run-checks";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "digits-"));
const meter = { meter: "auto" as const, intervalMs: 100 };

/** Eight configurations of learning rate, width and depth; every other one uses a DataLoader worker process. */
const CONFIGS = [
  { lr: 0.002, width: 16, depth: 1 },
  { lr: 0.1, width: 64, depth: 2 },
  { lr: 0.01, width: 32, depth: 1 },
  { lr: 0.05, width: 128, depth: 2 },
  { lr: 0.001, width: 64, depth: 3 },
  { lr: 0.2, width: 32, depth: 2 },
  { lr: 0.005, width: 128, depth: 1 },
  { lr: 0.03, width: 16, depth: 3 },
];

function digitsTrials(epochs: number, extra: (i: number) => string[] = () => []): TrialSpec[] {
  return CONFIGS.map((p, i) => ({
    id: `t${i + 1}`,
    params: p,
    argv: [PYTHON, DIGITS, "--lr", String(p.lr), "--width", String(p.width), "--depth", String(p.depth), "--epochs", String(epochs), "--workers", String(i % 2), ...extra(i)],
  }));
}

describeWithTorch("live TPE on the PyTorch digits demo", () => {
  it("8 trials, concurrency 2, TPE at 30 % keeping 2: losers stopped early with their trees, kept ones finish, savings match the logs", async () => {
    const dir = path.join(tmp(), "run");
    const t0 = Date.now();
    const { report, payload } = await runTrials({
      trials: digitsTrials(10),
      totalEpochs: 10,
      budget: 0.3,
      keep: 2,
      concurrency: 2,
      graceS: 3,
      runDir: dir,
      meter,
    });
    const wall = (Date.now() - t0) / 1000;
    expect(report.budget_epoch).toBe(3);
    expect(report.kept).toHaveLength(2);
    expect(report.stopped).toHaveLength(6);
    expect(report.failed).toEqual([]);
    const byId = Object.fromEntries(report.trials.map((t) => [t.id, t]));
    // the kept ones have the two lowest TSE(3) scores, read from their logs
    const ranked = report.trials.filter((t) => t.score_at_budget !== null).sort((a, b) => a.score_at_budget! - b.score_at_budget!);
    expect(report.kept.slice().sort()).toEqual(ranked.slice(0, 2).map((t) => t.id).sort());
    for (const id of report.kept) expect(byId[id]).toMatchObject({ status: "finished", epochs_run: 10, exit_code: 0 });
    // the losers ran 3 epochs (at most one more slips out before SIGSTOP lands) and were stopped before the kept finished
    const { events } = readEvents(path.join(dir, "events.jsonl"));
    const endOf = (id: string) => events.find((e) => e.type === "end" && e.trial === id)!.t_ms;
    for (const id of report.stopped) {
      expect(byId[id].status).toBe("stopped");
      expect(byId[id].epochs_run).toBeGreaterThanOrEqual(3);
      expect(byId[id].epochs_run).toBeLessThanOrEqual(4);
      for (const k of report.kept) expect(endOf(id)).toBeLessThan(endOf(k));
    }
    // their process trees (including DataLoader workers) are gone; nothing of the run is left
    expect(processesOfRun(dir)).toEqual([]);
    expectReportMatchesLogs(report, 10);
    expect(report.epoch_saved_fraction).toBeGreaterThan(0.4);
    expect(report.energy_saved_fraction).toBeGreaterThan(0);
    expect(payload.decision.kept.slice().sort()).toEqual(report.kept.slice().sort());
    console.log(
      `digits TPE: wall ${wall.toFixed(1)} s; kept ${report.kept.join(",")}; epochs ${report.epochs_run}/${report.epochs_all} ` +
        `(saved ${(100 * report.epoch_saved_fraction).toFixed(1)}%); energy ${report.energy_used_j.toFixed(1)}/${report.energy_all_j.toFixed(1)} J ` +
        `(saved ${(100 * report.energy_saved_fraction).toFixed(1)}%); projection check ${JSON.stringify(report.projection_check)}; ` +
        `source: ${report.energy_source}`,
    );
  }, 180_000);

  it("a crashing and a hanging trial are failed while the rest finish", async () => {
    const dir = path.join(tmp(), "run");
    const trials = digitsTrials(5).slice(0, 4);
    trials[1].argv!.push("--crash-after-epoch", "2");
    trials[2].argv!.push("--hang-after-epoch", "1");
    const { report } = await runTrials({ trials, totalEpochs: 5, method: "none", concurrency: 2, idleTimeoutS: 4, graceS: 2, runDir: dir, meter });
    const s = Object.fromEntries(report.trials.map((t) => [t.id, t]));
    expect(s.t2).toMatchObject({ status: "failed", exit_code: 1, epochs_run: 2 });
    expect(s.t2.reason).toMatch(/exit code 1: RuntimeError: injected crash after epoch 2 \(--crash-after-epoch\); log: trials\/t2\/stderr-1\.log/);
    expect(s.t3).toMatchObject({ status: "failed", epochs_run: 1 });
    expect(s.t3.reason).toMatch(/hung: no output for 4 s/);
    expect(s.t1).toMatchObject({ status: "finished", epochs_run: 5 });
    expect(s.t4).toMatchObject({ status: "finished", epochs_run: 5 });
    expect(processesOfRun(dir)).toEqual([]);
    expectReportMatchesLogs(report, 5);
  }, 180_000);

  it("an interrupt stops every trial and leaves a run folder that resumes", async () => {
    const dir = path.join(tmp(), "run");
    const trials = digitsTrials(6).slice(0, 4);
    const ac = new AbortController();
    let heldAtAbort: string[] = [];
    const first = runTrials({
      trials,
      totalEpochs: 6,
      budget: 0.34,
      keep: 1,
      concurrency: 2,
      graceS: 2,
      runDir: dir,
      meter,
      signal: ac.signal,
      updateIntervalMs: 100,
      onUpdate: (u) => {
        const held = u.report.trials.filter((t) => t.status === "held").map((t) => t.id);
        const running = u.report.trials.filter((t) => t.status === "running");
        if (!ac.signal.aborted && held.length >= 2 && running.some((t) => t.epochs_run >= 1)) {
          heldAtAbort = held;
          ac.abort();
        }
      },
    });
    await expect(first).rejects.toThrow(InterruptedError);
    expect(heldAtAbort.length).toBeGreaterThanOrEqual(2);
    expect(processesOfRun(dir)).toEqual([]);
    const { report } = await runTrials({ trials, totalEpochs: 6, budget: 0.34, keep: 1, concurrency: 2, graceS: 2, runDir: dir, meter, resume: true });
    expect(report.finished).toBe(true);
    expect(report.sessions).toBe(2);
    expect(report.kept).toHaveLength(1);
    const logs = epochsFromLogs(dir);
    // trials held at the decision epoch when interrupted kept their epochs: the losers among them never ran again
    for (const id of heldAtAbort) if (report.stopped.includes(id)) expect(logs.get(id)).toHaveLength(1);
    expect(report.trials.find((t) => t.id === report.kept[0])).toMatchObject({ status: "finished", epochs_run: 6 });
    expect(processesOfRun(dir)).toEqual([]);
    expectReportMatchesLogs(report, 6);
  }, 180_000);
});
