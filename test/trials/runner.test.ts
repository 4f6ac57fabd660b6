/**
 * Runner mechanics with a fast stand-in trial (node, a few ms per epoch): holds, decisions,
 * stops with no orphans, failures, divergence, interruption and resume, function trials.
 * The real PyTorch demo runs in runner-digits.test.ts.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { tableFromIPC } from "apache-arrow";
import { InterruptedError } from "../../kernel/src/errors";
import { readEvents } from "../../kernel/src/trials/run-folder";
import { runTrials, type TrialSpec } from "../../kernel/src/trials/runner";
import { epochsFromLogs, expectReportMatchesLogs, liveTrialProcesses, processesOfRun } from "./run-checks";

const FAKE = path.join(__dirname, "fixtures/fake_trial.js");
const node = (...args: string[]) => [process.execPath, FAKE, ...args];
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "runner-"));
const meter = { meter: "estimate" as const, intervalMs: 50 };

/** Six trials with losses 2·0.8^t scaled by loss0; lower loss0 ranks better. */
function sixTrials(extra: string[] = []): TrialSpec[] {
  return [1.5, 0.9, 1.2, 0.7, 2.0, 1.1].map((loss0, i) => ({
    id: `t${i + 1}`,
    params: { loss0 },
    argv: node("--epochs", "8", "--epoch-ms", "100", "--busy-ms", "10", "--loss0", String(loss0), "--child", ...extra),
  }));
}

describe("runTrials with local processes", () => {
  it("holds everyone at T, keeps the best k, stops the rest with their process trees, finishes the kept", async () => {
    const dir = path.join(tmp(), "run");
    const updates: number[] = [];
    const { report, payload } = await runTrials({
      trials: sixTrials(),
      totalEpochs: 8,
      budget: 0.25,
      keep: 2,
      concurrency: 2,
      runDir: dir,
      graceS: 1,
      meter,
      onUpdate: (u) => updates.push(u.fraction),
      updateIntervalMs: 100,
    });
    expect(report.kept).toEqual(["t4", "t2"]);
    expect(report.stopped.sort()).toEqual(["t1", "t3", "t5", "t6"]);
    const byId = Object.fromEntries(report.trials.map((t) => [t.id, t]));
    for (const id of report.stopped) {
      expect(byId[id].status).toBe("stopped");
      // held right after epoch 2 (one more epoch may slip out before SIGSTOP lands on a loaded machine)
      expect(byId[id].epochs_run).toBeGreaterThanOrEqual(2);
      expect(byId[id].epochs_run).toBeLessThanOrEqual(3);
      expect(byId[id].signal).toBe("SIGTERM");
    }
    for (const id of report.kept) expect(byId[id]).toMatchObject({ status: "finished", epochs_run: 8, exit_code: 0 });
    // no process of the run is left, not even the grandchildren
    expect(liveTrialProcesses(dir)).toEqual([]);
    expect(processesOfRun(dir)).toEqual([]);
    // stopping saved about (1 − f)(1 − k/N) = 0.5 of the epochs: 1 − (6·2 + 2·6)/48
    expect(report.epoch_saved_fraction).toBeGreaterThan(0.4);
    expect(report.epoch_saved_fraction).toBeLessThanOrEqual(0.5);
    expectReportMatchesLogs(report, 8);
    expect(report.energy_source).toMatch(/^estimated/);
    expect(report.energy_used_j).toBeGreaterThan(0);
    expect(payload.decision.kept.sort()).toEqual(["t2", "t4"]);
    expect(payload.decision.chosen_id).toBe("t4");
    expect(updates.length).toBeGreaterThan(2);
    // the run folder: events, samples, report, Arrow epochs
    const { events } = readEvents(path.join(dir, "events.jsonl"));
    expect(events.filter((e) => e.type === "hold")).toHaveLength(6);
    expect(events.filter((e) => e.type === "decision")).toHaveLength(1);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "report.json"), "utf8")).epochs_run).toBe(report.epochs_run);
    const table = tableFromIPC(fs.readFileSync(path.join(dir, "epochs.arrow")));
    expect(table.numRows).toBe(report.epochs_run);
    expect(fs.statSync(path.join(dir, "samples.jsonl")).size).toBeGreaterThan(0);
  });

  it("records a crashed, a hung and a too-long trial as failed while the rest finish", async () => {
    const dir = path.join(tmp(), "run");
    const trials: TrialSpec[] = [
      { id: "ok1", params: {}, argv: node("--epochs", "4", "--epoch-ms", "30") },
      { id: "crash", params: {}, argv: node("--epochs", "4", "--epoch-ms", "30", "--crash-after", "2") },
      { id: "hang", params: {}, argv: node("--epochs", "4", "--epoch-ms", "30", "--hang-after", "1", "--ignore-term") },
      { id: "slow", params: {}, argv: node("--epochs", "400", "--epoch-ms", "100") },
      { id: "ok2", params: {}, argv: node("--epochs", "4", "--epoch-ms", "30") },
      { id: "missing", params: {}, argv: ["/nonexistent/train"] },
    ];
    const { report } = await runTrials({ trials, totalEpochs: 4, method: "none", concurrency: 3, idleTimeoutS: 1, timeLimitS: 3, graceS: 0.5, runDir: dir, meter });
    const s = Object.fromEntries(report.trials.map((t) => [t.id, t]));
    expect(s.ok1.status).toBe("finished");
    expect(s.ok2.status).toBe("finished");
    expect(s.crash).toMatchObject({ status: "failed", exit_code: 3, epochs_run: 2 });
    expect(s.crash.reason).toMatch(/exit code 3: RuntimeError: injected crash after epoch 2; log: trials\/crash\/stderr-1\.log/);
    expect(s.hang.status).toBe("failed");
    expect(s.hang.reason).toMatch(/hung: no output for 1 s/);
    expect(s.hang.signal).toBe("SIGKILL"); // it ignored SIGTERM
    expect(s.slow.status).toBe("failed");
    expect(s.slow.reason).toMatch(/time limit of 3 s exceeded/);
    expect(s.missing.status).toBe("failed");
    expect(s.missing.reason).toMatch(/ENOENT/);
    expect(report.failed.sort()).toEqual(["crash", "hang", "missing", "slow"]);
    expect(processesOfRun(dir)).toEqual([]);
    expectReportMatchesLogs(report, 4);
  });

  it("stops a trial whose loss turns NaN as diverged", async () => {
    const dir = path.join(tmp(), "run");
    const trials: TrialSpec[] = [
      { id: "a", params: {}, argv: node("--epochs", "6", "--epoch-ms", "30", "--nan-at", "2") },
      { id: "b", params: {}, argv: node("--epochs", "6", "--epoch-ms", "30") },
      { id: "c", params: {}, argv: node("--epochs", "6", "--epoch-ms", "30", "--loss0", "3") },
    ];
    const { report } = await runTrials({ trials, totalEpochs: 6, budget: 0.5, keep: 1, concurrency: 3, runDir: dir, graceS: 0.5, meter });
    const s = Object.fromEntries(report.trials.map((t) => [t.id, t]));
    expect(s.a).toMatchObject({ status: "failed", state: "diverged" });
    expect(s.a.epochs_run).toBe(2);
    expect(report.kept).toEqual(["b"]);
    expect(s.c.status).toBe("stopped");
  });

  it("stops every trial when interrupted and resumes from the run folder without redoing finished work", async () => {
    const dir = path.join(tmp(), "run");
    const trials = sixTrials();
    const ac = new AbortController();
    let aborted = false;
    const first = runTrials({
      trials,
      totalEpochs: 8,
      budget: 0.25,
      keep: 2,
      concurrency: 2,
      runDir: dir,
      graceS: 1,
      meter,
      signal: ac.signal,
      updateIntervalMs: 50,
      onUpdate: (u) => {
        // interrupt once three trials are held at the decision epoch and others run
        if (!aborted && u.report.trials.filter((t) => t.status === "held").length >= 3) {
          aborted = true;
          ac.abort();
        }
      },
    });
    await expect(first).rejects.toThrow(InterruptedError);
    await expect(first).rejects.toThrow(/--resume/);
    expect(aborted).toBe(true);
    expect(liveTrialProcesses(dir)).toEqual([]);
    expect(processesOfRun(dir)).toEqual([]);
    const before = readEvents(path.join(dir, "events.jsonl")).events;
    expect(before[before.length - 1].type).toBe("interrupted");
    const heldBefore = new Set(before.filter((e) => e.type === "hold").map((e) => (e as { trial: string }).trial));
    const partial = JSON.parse(fs.readFileSync(path.join(dir, "report.json"), "utf8"));
    expect(partial.finished).toBe(false);

    // a fresh run into the same folder is refused; --resume continues it
    await expect(runTrials({ trials, totalEpochs: 8, budget: 0.25, keep: 2, concurrency: 2, runDir: dir, meter })).rejects.toThrow(/--resume/);
    await expect(runTrials({ trials, totalEpochs: 9, budget: 0.25, keep: 2, concurrency: 2, runDir: dir, meter, resume: true })).rejects.toThrow(/other settings/);
    const { report } = await runTrials({ trials, totalEpochs: 8, budget: 0.25, keep: 2, concurrency: 2, runDir: dir, graceS: 1, meter, resume: true });
    expect(report.finished).toBe(true);
    expect(report.sessions).toBe(2);
    expect(report.kept).toEqual(["t4", "t2"]);
    const logs = epochsFromLogs(dir);
    for (const t of report.trials) {
      // held losers were never rerun: one attempt with their 2 epochs
      if (heldBefore.has(t.id) && t.status === "stopped") expect(logs.get(t.id)).toHaveLength(1);
    }
    expect(report.trials.filter((t) => t.status === "finished").map((t) => t.epochs_run)).toEqual([8, 8]);
    expect(processesOfRun(dir)).toEqual([]);
    expectReportMatchesLogs(report, 8);
  });

  it("runs successive halving over several rungs", async () => {
    const dir = path.join(tmp(), "run");
    const trials = sixTrials().map((t) => ({ ...t, argv: t.argv!.filter((a) => a !== "--child") }));
    const { report } = await runTrials({ trials, totalEpochs: 8, method: "sh", minEpochs: 2, reductionFactor: 2, keep: 2, concurrency: 3, runDir: dir, graceS: 0.5, meter });
    // rungs: epoch 2 keeps ⌊6/2⌋ = 3, epoch 4 keeps max(2, ⌊3/2⌋) = 2; 2 ≤ K adds no more
    expect(report.rungs).toEqual([
      { epoch: 2, keep: 3 },
      { epoch: 4, keep: 2 },
    ]);
    // loss0: t4 0.7 < t2 0.9 < t6 1.1 < t3 1.2 < t1 1.5 < t5 2.0
    const e = Object.fromEntries(report.trials.map((t) => [t.id, t.epochs_run]));
    for (const id of ["t1", "t3", "t5"]) expect([2, 3]).toContain(e[id]);
    expect([4, 5]).toContain(e.t6);
    expect([e.t2, e.t4]).toEqual([8, 8]);
    expect(report.kept).toEqual(["t4", "t2"]);
    expectReportMatchesLogs(report, 8);
  });
});

describe("runTrials with TypeScript function trials", () => {
  it("holds a generator between records and stops the losers", async () => {
    const dir = path.join(tmp(), "run");
    const pulled: Record<string, number> = {};
    const trials: TrialSpec[] = [0.5, 2, 1].map((loss0, i) => ({
      id: `f${i}`,
      params: { loss0 },
      fn: async function* (params) {
        for (let epoch = 1; epoch <= 6; epoch++) {
          await new Promise((r) => setTimeout(r, 10));
          pulled[`f${i}`] = epoch;
          yield { epoch, train_loss: (params.loss0 as number) / epoch };
        }
      },
    }));
    const { report } = await runTrials({ trials, totalEpochs: 6, budget: 0.5, keep: 1, concurrency: 1, runDir: dir, meter, graceS: 1 });
    expect(report.kept).toEqual(["f0"]);
    expect(pulled).toEqual({ f0: 6, f1: 3, f2: 3 });
    expect(report.trials.map((t) => t.status)).toEqual(["finished", "stopped", "stopped"]);
    expect(fs.readFileSync(path.join(dir, "trials/f0/stdout-1.log"), "utf8").trim().split("\n")).toHaveLength(6);
  });
});
