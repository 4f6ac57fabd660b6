/**
 * A third backend, written here and unknown to the runner: scripted trials in memory. runTrials
 * must drive it through the TrialBackend interface alone: start, hold, resume, stop, the
 * recorded handle, reap() on resume and the backend's own device power (deviceSeries).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { InterruptedError } from "../../kernel/src/errors";
import type { OwnedSeries, RecordedAttempt, RunningTrial, TrialBackend, TrialCallbacks, TrialExit, TrialLaunch } from "../../kernel/src/trials/backend";
import { readEvents } from "../../kernel/src/trials/run-folder";
import type { RunEvent } from "../../kernel/src/trials/run-state";
import { runTrials, type TrialSpec } from "../../kernel/src/trials/runner";
import { expectReportMatchesLogs } from "./run-checks";

const EPOCH_MS = 25;

/**
 * Trials as timers: one epoch line per tick, loss0 · 0.8^epoch (params.loss0), for
 * params.epochs epochs. Each job draws a constant params.watts on its own device from start to
 * end (held or not). Every call the runner makes is logged.
 */
class MemoryBackend implements TrialBackend {
  readonly name = "memory";
  /** e.g. "start t1 mem-1", "hold mem-1", "stop mem-1", "reap t1 mem-1". */
  readonly calls: string[] = [];
  readonly reaped: RecordedAttempt[] = [];
  /** Called after each hold with the number of holds so far. */
  onHold?: (holds: number) => void;
  private readonly power = new Map<string, { t_ms: number[]; values: number[] }>();
  private jobs = 0;
  private holds = 0;

  async start(launch: TrialLaunch, cb: TrialCallbacks): Promise<RunningTrial> {
    const { loss0, watts, epochs } = launch.params as { loss0: number; watts: number; epochs: number };
    const job = `mem-${++this.jobs}`;
    this.calls.push(`start ${launch.id} ${job}`);
    fs.writeFileSync(launch.stdoutPath, "");
    fs.writeFileSync(launch.stderrPath, "");
    const power = { t_ms: [] as number[], values: [] as number[] };
    this.power.set(job, power);
    const sample = (t: number) => {
      power.t_ms.push(t);
      power.values.push(watts);
    };
    let epoch = 0;
    let held = false;
    let ended = false;
    let finish!: (e: TrialExit) => void;
    const exited = new Promise<TrialExit>((r) => (finish = r));
    const end = (signal: string | null) => {
      if (ended) return;
      ended = true;
      clearInterval(timer);
      const t = Date.now();
      sample(t);
      finish({ code: signal ? null : 0, signal, t_ms: t });
    };
    const timer = setInterval(() => {
      const t = Date.now();
      sample(t);
      if (held) return;
      epoch++;
      const loss = loss0 * 0.8 ** epoch;
      const line = JSON.stringify({ epoch, train_loss: loss, val_loss: 1.1 * loss });
      fs.appendFileSync(launch.stdoutPath, line + "\n");
      cb.onLine(line, t);
      if (epoch === epochs) end(null);
    }, EPOCH_MS);
    const t0 = Date.now();
    sample(t0);
    cb.onRunning(t0);
    return {
      label: `memory job ${job}`,
      handle: { job },
      hold: async () => {
        this.calls.push(`hold ${job}`);
        held = true;
        this.onHold?.(++this.holds);
      },
      resume: async () => {
        this.calls.push(`resume ${job}`);
        held = false;
      },
      stop: async () => {
        this.calls.push(`stop ${job}`);
        end("SIGTERM");
      },
      exited,
      livePids: async () => [],
    };
  }

  async reap(a: RecordedAttempt): Promise<void> {
    this.calls.push(`reap ${a.trial} ${a.handle.job}`);
    this.reaped.push(a);
  }

  deviceSeries(attempts: readonly RecordedAttempt[]): OwnedSeries {
    const out: OwnedSeries = { series: [], owner: new Map(), notes: ["memory devices are simulated"] };
    for (const a of attempts) {
      const p = a.handle.job ? this.power.get(a.handle.job) : undefined;
      if (!p) continue;
      const device = `device@${a.handle.job}`;
      out.series.push({ device, kind: "power", t_ms: [...p.t_ms], values: [...p.values] });
      out.owner.set(device, a.trial);
    }
    return out;
  }

  async close(): Promise<void> {
    /* nothing held */
  }

  /** The calls about one job, without the job id: e.g. ["hold", "resume"]. */
  callsOf(job: string): string[] {
    return this.calls.filter((c) => c.endsWith(` ${job}`) && !c.startsWith("start ") && !c.startsWith("reap ")).map((c) => c.split(" ")[0]);
  }
}

// t2 ranks best; every trial draws a different power on its own device
const TRIALS: TrialSpec[] = [1.5, 0.7, 1.2, 0.9].map((loss0, i) => ({ id: `t${i + 1}`, params: { loss0, watts: 100 * (i + 1), epochs: 6 }, argv: ["scripted"] }));
// the CPU estimate draws nothing, so every joule in the report comes from the backend's devices
const meter = { meter: "estimate" as const, intervalMs: 50, estimate: { model: { name: "none", idle_w: 0, max_w: 0 } } };
const runDir = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "memory-run-")), "run");
const starts = (events: RunEvent[]) => events.filter((e): e is Extract<RunEvent, { type: "start" }> => e.type === "start");

describe("runTrials with a backend it does not know", () => {
  it("holds, decides by TPE, stops the losers, records the handles and meters each trial's own device", async () => {
    const dir = runDir();
    const backend = new MemoryBackend();
    const { report } = await runTrials({ trials: TRIALS, totalEpochs: 6, budget: 0.5, keep: 1, concurrency: 2, graceS: 1, runDir: dir, meter, backend });
    expect(report.kept).toEqual(["t2"]);
    expect(report.stopped.slice().sort()).toEqual(["t1", "t3", "t4"]);
    const { events } = readEvents(path.join(dir, "events.jsonl"));
    const decisions = events.filter((e) => e.type === "decision");
    expect(decisions).toMatchObject([{ epoch: 3, kept: ["t2"], stopped: expect.arrayContaining(["t1", "t3", "t4"]) }]);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "run.json"), "utf8")).backend).toBe("memory");

    // the start events record exactly the handles the backend gave
    const issued = backend.calls.filter((c) => c.startsWith("start ")).map((c) => c.split(" ").slice(1));
    expect(starts(events).map((e) => [e.trial, e.job, e.pid])).toEqual(issued.map(([trial, job]) => [trial, job, undefined]));
    const jobOf = Object.fromEntries(issued);

    // everyone held at epoch 3; the kept one resumed to the end, the others stopped there
    expect(backend.callsOf(jobOf.t2)).toEqual(["hold", "resume"]);
    for (const id of ["t1", "t3", "t4"]) expect(backend.callsOf(jobOf[id])).toEqual(["hold", "stop"]);
    const byId = Object.fromEntries(report.trials.map((t) => [t.id, t]));
    expect(byId.t2).toMatchObject({ status: "finished", epochs_run: 6 });
    for (const id of ["t1", "t3", "t4"]) expect(byId[id]).toMatchObject({ status: "stopped", epochs_run: 3 });
    expect(backend.reaped).toEqual([]);

    // each trial is charged its own device while it ran (watts × active time), none of the others'
    for (const t of TRIALS) {
      const s = byId[t.id];
      expect(s.active_s).toBeGreaterThan(0);
      expect(s.energy_j / (s.active_s * (t.params.watts as number))).toBeCloseTo(1, 1);
    }
    expect(report.meter_notes).toContain("memory devices are simulated");
    expectReportMatchesLogs(report, 6);
  });

  it("a resumed run reaps the unfinished attempts by their recorded handles before it starts anything", async () => {
    const dir = runDir();
    const backend = new MemoryBackend();
    const ac = new AbortController();
    // interrupt once the first two trials are held at the decision epoch: they stay unfinished
    backend.onHold = (holds) => holds === 2 && ac.abort();
    const first = runTrials({ trials: TRIALS, totalEpochs: 6, budget: 0.5, keep: 1, concurrency: 2, graceS: 1, runDir: dir, meter, backend, signal: ac.signal });
    await expect(first).rejects.toThrow(InterruptedError);
    const before = readEvents(path.join(dir, "events.jsonl")).events;
    const ended = new Set(before.flatMap((e) => (e.type === "end" ? [`${e.trial}#${e.attempt}`] : [])));
    const unfinished = starts(before).filter((e) => !ended.has(`${e.trial}#${e.attempt}`));
    expect(unfinished.map((e) => e.trial).sort()).toEqual(["t1", "t2"]);

    const callsBefore = backend.calls.length;
    const { report } = await runTrials({ trials: TRIALS, totalEpochs: 6, budget: 0.5, keep: 1, concurrency: 2, graceS: 1, runDir: dir, meter, backend, resume: true });
    expect(report.finished).toBe(true);
    expect(report.kept).toEqual(["t2"]);
    const expected = [...unfinished].sort((a, b) => a.trial.localeCompare(b.trial)).map((e) => ({ runDir: dir, trial: e.trial, attempt: e.attempt, handle: { job: e.job } }));
    expect(backend.reaped).toEqual(expected);
    expect(expected.every((r) => /^mem-\d+$/.test(r.handle.job ?? ""))).toBe(true);
    // the reaps come first in the resumed session
    const session2 = backend.calls.slice(callsBefore);
    expect(session2.slice(0, expected.length)).toEqual(expected.map((r) => `reap ${r.trial} ${r.handle.job}`));
    expect(session2.slice(expected.length).some((c) => c.startsWith("reap "))).toBe(false);
    expectReportMatchesLogs(report, 6);
  });
});
