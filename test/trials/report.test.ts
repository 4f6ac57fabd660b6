import type { DeviceSeries } from "../../kernel/src/energy/series";
import { buildRunReport, projectionPerEpochJ, type RunSpecSummary } from "../../kernel/src/trials/report";
import { applyEvent, emptyRunState, isTerminal, trialStatus, type RunEvent } from "../../kernel/src/trials/run-state";

const ep = (trial: string, epoch: number, end: number, train: number, val: number | null = null): RunEvent => ({
  type: "epoch",
  t_ms: end,
  trial,
  attempt: 1,
  epoch,
  train_loss: train,
  val_loss: val,
  steps: 0,
  end_ms: end,
});

/** A: runs 0–4 s, 4 epochs; B: 0–2 s, 2 epochs, held, stopped; C: 2–3 s, 2 epochs, held, stopped. 100 W on one device 0–10 s. */
function scenario(): RunEvent[] {
  return [
    { type: "session", t_ms: 0, session: 1, meter: { source: "test", measured: true, notes: [] } },
    { type: "start", t_ms: 0, trial: "A", attempt: 1, label: "pid 1", pid: 1 },
    { type: "running", t_ms: 0, trial: "A", attempt: 1 },
    { type: "start", t_ms: 0, trial: "B", attempt: 1, label: "pid 2", pid: 2 },
    { type: "running", t_ms: 0, trial: "B", attempt: 1 },
    ep("A", 1, 1000, 1, 1.1),
    ep("B", 1, 1000, 2),
    ep("A", 2, 2000, 0.5, 0.6),
    ep("B", 2, 2000, 1.8),
    { type: "hold", t_ms: 2000, trial: "B", attempt: 1, rung: 0 },
    { type: "start", t_ms: 2000, trial: "C", attempt: 1, label: "pid 3", pid: 3 },
    { type: "running", t_ms: 2000, trial: "C", attempt: 1 },
    ep("C", 1, 2500, 1.2),
    ep("A", 3, 3000, 0.4, 0.5),
    ep("C", 2, 3000, 1.0),
    { type: "hold", t_ms: 3000, trial: "C", attempt: 1, rung: 0 },
    { type: "decision", t_ms: 3000, rung: 0, epoch: 2, keep: 1, kept: ["A"], stopped: ["B", "C"], scores: { A: 1.5, B: 3.8, C: 2.2 } },
    { type: "end", t_ms: 3100, trial: "B", attempt: 1, status: "stopped", reason: "stopped", code: null, signal: "SIGTERM" },
    { type: "end", t_ms: 3100, trial: "C", attempt: 1, status: "stopped", reason: "stopped", code: null, signal: "SIGTERM" },
    ep("A", 4, 4000, 0.3, 0.45),
    { type: "end", t_ms: 4000, trial: "A", attempt: 1, status: "completed", reason: "finished 4 epochs", code: 0, signal: null },
    { type: "finished", t_ms: 4000 },
  ];
}

const spec: RunSpecSummary = {
  title: "t",
  method: "tpe",
  score: "tse",
  score_options: { E: 1, gamma: 0.9 },
  total_epochs: 4,
  budget_fraction: 0.5,
  keep: 1,
  min_epochs: 1,
  reduction_factor: 4,
  rungs: [{ epoch: 2, keep: 1 }],
  trials: ["A", "B", "C"].map((id) => ({ id, params: { name: id } })),
};
const power: DeviceSeries = { device: "cpu", kind: "power", t_ms: [0, 10_000], values: [100, 100] };

function build(events = scenario()) {
  const st = emptyRunState(["A", "B", "C"]);
  for (const e of events) applyEvent(st, e);
  return buildRunReport({ spec, state: st, series: [power], runDir: "/r", energySource: "test", measured: true, meterNotes: [], maxGapMs: 1e9, nowMs: 10_000, startMs: 0 });
}

describe("run state", () => {
  it("replays events into statuses and segments", () => {
    const st = emptyRunState(["A", "B", "C"]);
    const events = scenario();
    for (const e of events.slice(0, 10)) applyEvent(st, e);
    expect(trialStatus(st.trials.get("B")!)).toBe("held");
    expect(trialStatus(st.trials.get("C")!)).toBe("pending");
    for (const e of events.slice(10)) applyEvent(st, e);
    expect([...st.trials.values()].map(trialStatus)).toEqual(["completed", "stopped", "stopped"]);
    expect([...st.trials.values()].every(isTerminal)).toBe(true);
    expect(st.trials.get("B")!.attempts[0].segments).toEqual([{ start_ms: 0, end_ms: 2000 }]);
    expect(st.trials.get("A")!.passed).toBe(1);
    expect(st.trials.get("C")!.stoppedAtRung).toBe(0);
    expect(st.finished).toBe(true);
  });
});

describe("buildRunReport", () => {
  it("attributes energy per epoch and computes the savings by hand", () => {
    const { report, payload } = build();
    const t = Object.fromEntries(report.trials.map((x) => [x.id, x]));
    // A shares 0–2 s with B and 2–3 s with C, runs alone 3–4 s
    expect(t.A.epoch_energy_j).toEqual([50, 50, 50, 100].map((x) => expect.closeTo(x, 9)));
    expect(t.B.epoch_energy_j).toEqual([50, 50].map((x) => expect.closeTo(x, 9)));
    expect(t.C.epoch_energy_j).toEqual([25, 25].map((x) => expect.closeTo(x, 9)));
    expect(report.energy_idle_j).toBeCloseTo(600, 9);
    expect(report.epochs_run).toBe(8);
    expect(report.epochs_all).toBe(12);
    expect(report.epoch_saved_fraction).toBeCloseTo(1 / 3, 12);
    expect(report.energy_used_j).toBeCloseTo(400, 9);
    // stopped trials projected at the mean of epochs 2..n: B 50 J × 2, C 25 J × 2
    expect(report.energy_all_j).toBeCloseTo(250 + 200 + 100, 9);
    expect(report.energy_saved_fraction).toBeCloseTo(1 - 400 / 550, 12);
    expect(report.kept).toEqual(["A"]);
    expect(report.stopped).toEqual(["B", "C"]);
    expect(report.chosen_id).toBe("A");
    expect(t.B.score_at_budget).toBeCloseTo(3.8, 12);
    // A: from epochs 1–2, 100 J + 2 × 50 J = 200 J projected vs 250 J measured
    expect(report.projection_check).toEqual({ trials: 1, mean_abs_rel_error: expect.closeTo(0.2, 12) });
    // the --json contract: trials [{id, config, status, epochs}], status finished | stopped | failed
    expect(report.trials.map(({ id, config, status, epochs }) => ({ id, config, status, epochs }))).toEqual([
      { id: "A", config: { name: "A" }, status: "finished", epochs: 4 },
      { id: "B", config: { name: "B" }, status: "stopped", epochs: 2 },
      { id: "C", config: { name: "C" }, status: "stopped", epochs: 2 },
    ]);
    // the payload's decision (greenai-common decisionOutcome of what ran) agrees with the report
    expect(payload.decision.kept).toEqual(["A"]);
    expect(payload.decision.energy_used).toBeCloseTo(report.energy_used_j, 9);
    expect(payload.decision.energy_all).toBeCloseTo(report.energy_all_j, 9);
    const b = payload.trials.find((x) => x.id === "B")! as (typeof payload.trials)[number] & { epochs_measured?: number };
    expect(b.epochs_run).toBe(4);
    expect(b.epochs_measured).toBe(2);
    expect(b.train_loss).toEqual([2, 1.8, null, null]);
    expect(payload.trials.find((x) => x.id === "A")!.final_loss).toBe(0.45);
  });

  it("counts a failed trial's epochs as run and does not project it", () => {
    const events = scenario().map((e) =>
      e.type === "end" && e.trial === "A" ? { ...e, status: "failed" as const, reason: "exit code 1", code: 1 } : e,
    );
    const { report, payload } = build(events);
    expect(report.failed).toEqual(["A"]);
    expect(report.epochs_all).toBe(4 + 4 + 4);
    expect(report.energy_all_j).toBeCloseTo(250 + 200 + 100, 9);
    expect(payload.trials.find((x) => x.id === "A")!.failed).toBe(true);
    expect(report.chosen_id).toBeNull();
  });

  it("reports a diverged trial as failed, with the finer state kept", () => {
    const events = scenario().map((e) =>
      e.type === "end" && e.trial === "A" ? { ...e, status: "diverged" as const, reason: "diverged: non-finite loss at epoch 4", code: null } : e,
    );
    const { report } = build(events);
    expect(report.trials[0]).toMatchObject({ id: "A", status: "failed", state: "diverged" });
    expect(report.failed).toEqual(["A"]);
  });

  it("splits energy of a job's own GPU to its trial only", () => {
    const st = emptyRunState(["A", "B", "C"]);
    for (const e of scenario()) applyEvent(st, e);
    const gpu: DeviceSeries = { device: "gpu0@job7", kind: "power", t_ms: [0, 10_000], values: [200, 200] };
    const { report } = buildRunReport({
      spec,
      state: st,
      series: [power, gpu],
      runDir: "/r",
      energySource: "t",
      measured: true,
      meterNotes: [],
      maxGapMs: 1e9,
      nowMs: 10_000,
      startMs: 0,
      deviceOwner: new Map([["gpu0@job7", "B"]]),
    });
    const b = report.trials.find((x) => x.id === "B")!;
    // B: 100 J shared CPU + 200 W × 2 s of its own GPU
    expect(b.energy_j).toBeCloseTo(100 + 400, 9);
    expect(report.trials.find((x) => x.id === "A")!.energy_j).toBeCloseTo(250, 9);
  });
});

describe("projectionPerEpochJ", () => {
  it("leaves out the first epoch (start-up) when it can", () => {
    expect(projectionPerEpochJ([90, 10, 20])).toBe(15);
    expect(projectionPerEpochJ([90])).toBe(90);
    expect(projectionPerEpochJ([])).toBe(0);
  });
});
