/**
 * Crash-proof run folders: a crash cuts the last line of events.jsonl or samples.jsonl while it
 * is written; the next --resume cuts it off before appending (no merged line), so resuming works
 * twice in a row and never reruns epochs it recorded. Bad lines mid-file (null, garbage, wrong
 * fields) are skipped and reported with file and line number instead of failing.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DataFormatError, InterruptedError } from "../../kernel/src/errors";
import { readEvents, RunFolder } from "../../kernel/src/trials/run-folder";
import { runEventFrom, type RunEvent } from "../../kernel/src/trials/run-state";
import { runTrials, type RunTrialsOptions, type TrialSpec } from "../../kernel/src/trials/runner";

const meter = { meter: "estimate" as const, intervalMs: 20 };

let tmp: string;
beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-crash-cut-"))));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * Three function trials (loss0 0.5, 2, 1: f0 ranks best), 6 epochs, decided at epoch 3, run one
 * at a time. Every epoch a trial yields is counted per session in `pulls`; `crash` aborts the
 * session right after the given trial yielded the given epoch.
 */
function setup() {
  const pulls: Record<string, Record<string, number>> = {};
  const state = { session: "s1", crash: null as { trial: string; epoch: number; ac: AbortController } | null };
  const trials: TrialSpec[] = [0.5, 2, 1].map((loss0, i) => ({
    id: `f${i}`,
    params: { loss0 },
    fn: async function* (params) {
      for (let epoch = 1; epoch <= 6; epoch++) {
        await new Promise((r) => setTimeout(r, 10));
        const p = (pulls[state.session] ??= {});
        p[`f${i}`] = (p[`f${i}`] ?? 0) + 1;
        yield { epoch, train_loss: (params.loss0 as number) / epoch };
        const c = state.crash;
        if (c && c.trial === `f${i}` && epoch >= c.epoch) c.ac.abort();
      }
    },
  }));
  const opts = (dir: string, signal?: AbortSignal): RunTrialsOptions => ({ trials, totalEpochs: 6, budget: 0.5, keep: 1, concurrency: 1, graceS: 1, runDir: dir, meter, signal });
  return { pulls, state, opts };
}

/**
 * What a crash leaves: the file as it was up to the last line that `keep` accepts, then the
 * first half of the line after it, with no newline (the write the crash cut short).
 */
function crashCut(file: string, keep: (line: string) => boolean): string {
  const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n");
  let last = -1;
  lines.forEach((l, i) => keep(l) && (last = i));
  expect(last).toBeGreaterThanOrEqual(0);
  const next = lines[last + 1] ?? lines[last];
  const cut = next.slice(0, Math.floor(next.length / 2));
  fs.writeFileSync(file, lines.slice(0, last + 1).join("\n") + "\n" + cut);
  return cut;
}

/** Every line of a run-folder JSON-lines file parses: nothing merged, nothing cut. */
function expectWholeLines(file: string): void {
  const text = fs.readFileSync(file, "utf8");
  expect(text.endsWith("\n")).toBe(true);
  const parses = (line: string): boolean => {
    try {
      JSON.parse(line);
      return true;
    } catch {
      return false;
    }
  };
  const bad = text
    .trimEnd()
    .split("\n")
    .map((line, i) => `${i + 1}: ${line}`)
    .filter((l) => !parses(l.slice(l.indexOf(": ") + 2)));
  expect(bad).toEqual([]);
}

const eventsOf = (dir: string) => readEvents(path.join(dir, "events.jsonl"));
const isType = (type: string) => (line: string) => line.includes(`"type":"${type}"`);

describe("a run folder cut by a crash", () => {
  it("a session event lost to a crash does not make the next session reuse its number (its GPU log is kept)", async () => {
    const dir = path.join(tmp, "session-cut");
    const events = path.join(dir, "events.jsonl");
    const { state, opts } = setup();
    const ac = new AbortController();
    state.crash = { trial: "f0", epoch: 2, ac };
    await expect(runTrials(opts(dir, ac.signal))).rejects.toThrow(InterruptedError);
    // the crash took session 1's event; its nvidia-smi log (written on GPU machines) survived
    fs.writeFileSync(events, fs.readFileSync(events, "utf8").split("\n").filter((l) => !isType("session")(l)).join("\n"));
    const gpuLog = path.join(dir, "gpu-timeseries-1.csv");
    fs.writeFileSync(gpuLog, "session 1's rows\n");
    state.crash = null;
    await runTrials({ ...opts(dir), resume: true });
    const sessions = eventsOf(dir).events.filter((e) => e.type === "session").map((e) => (e as { session: number }).session);
    expect(sessions).toEqual([2]);
    expect(fs.readFileSync(gpuLog, "utf8")).toBe("session 1's rows\n");
  });

  it("resumes twice in a row: the cut lines are cut off, nothing merges, recorded epochs are not rerun", async () => {
    const dir = path.join(tmp, "cut");
    const events = path.join(dir, "events.jsonl");
    const samples = path.join(dir, "samples.jsonl");
    const { pulls, state, opts } = setup();

    // session 1: f0 and f1 held at epoch 3, f2 running; the crash cuts the line after f1's hold
    let ac = new AbortController();
    state.crash = { trial: "f2", epoch: 1, ac };
    await expect(runTrials(opts(dir, ac.signal))).rejects.toThrow(InterruptedError);
    expect(pulls.s1).toMatchObject({ f0: 3, f1: 3 });
    crashCut(events, isType("hold"));
    crashCut(samples, () => true);
    // before this fix, reading skipped the cut line but appending merged the next one into it
    expect(eventsOf(dir).issues).toEqual([`${events}:${fs.readFileSync(events, "utf8").split("\n").length}: cut last line skipped`]);

    // session 2 (first resume): decides at epoch 3 (f0 kept), then crashes while f0 reruns
    state.session = "s2";
    ac = new AbortController();
    state.crash = { trial: "f0", epoch: 4, ac };
    await expect(runTrials({ ...opts(dir, ac.signal), resume: true })).rejects.toThrow(InterruptedError);
    expectWholeLines(events);
    expectWholeLines(samples);
    expect(eventsOf(dir).issues).toEqual([]);
    const partial = JSON.parse(fs.readFileSync(path.join(dir, "report.json"), "utf8"));
    expect(partial.meter_notes).toEqual(
      expect.arrayContaining([expect.stringMatching(/events\.jsonl:\d+: a line cut short \(a crash while writing\) was removed before appending/), expect.stringMatching(/samples\.jsonl:\d+: a line cut short/)]),
    );
    crashCut(events, (l) => isType("epoch")(l) && l.includes('"trial":"f0"'));
    crashCut(samples, () => true);

    // session 3 (second resume): finishes f0 only
    state.session = "s3";
    state.crash = null;
    const { report } = await runTrials({ ...opts(dir), resume: true });
    expectWholeLines(events);
    expectWholeLines(samples);
    const { events: log, issues } = eventsOf(dir);
    expect(issues).toEqual([]);
    expect(report.finished).toBe(true);
    expect(report.sessions).toBe(3);
    expect(report.kept).toEqual(["f0"]);
    expect(report.trials.map((t) => [t.id, t.status, t.epochs_run])).toEqual([
      ["f0", "finished", 6],
      ["f1", "stopped", 3],
      ["f2", "stopped", 3],
    ]);
    expect(report.meter_notes.filter((n) => /cut short/.test(n))).toHaveLength(2);

    // the decision was taken once; f1's three recorded epochs were never run again
    expect(log.filter((e) => e.type === "decision")).toHaveLength(1);
    expect(pulls.s2?.f1).toBeUndefined();
    expect(pulls.s3).toEqual({ f0: 6 });
    expect((pulls.s1.f1 ?? 0) + (pulls.s2?.f1 ?? 0) + (pulls.s3.f1 ?? 0)).toBe(3);
    // no epoch of an attempt is recorded twice
    const keys = log.filter((e): e is Extract<RunEvent, { type: "epoch" }> => e.type === "epoch").map((e) => `${e.trial}#${e.attempt}#${e.epoch}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("skips a null line, a garbage line and a wrong-shaped line mid-file with their line numbers, and resumes", async () => {
    const dir = path.join(tmp, "bad-lines");
    const events = path.join(dir, "events.jsonl");
    const samples = path.join(dir, "samples.jsonl");
    const { pulls, state, opts } = setup();
    const ac = new AbortController();
    state.crash = { trial: "f2", epoch: 1, ac };
    await expect(runTrials(opts(dir, ac.signal))).rejects.toThrow(InterruptedError);
    // lines 3, 5 and 7 of events.jsonl become bad; line 2 of samples.jsonl
    const ev = fs.readFileSync(events, "utf8").trimEnd().split("\n");
    ev.splice(2, 0, "null");
    ev.splice(4, 0, '{"type":"epoch","t_ms":1,"tri');
    ev.splice(6, 0, '{"type":"end","t_ms":1,"trial":"f1","attempt":"1"}');
    fs.writeFileSync(events, ev.join("\n") + "\n");
    const sm = fs.readFileSync(samples, "utf8").trimEnd().split("\n");
    sm.splice(1, 0, "[1, 2]");
    fs.writeFileSync(samples, sm.join("\n") + "\n");

    expect(eventsOf(dir).issues).toEqual([
      `${events}:3: null is not an event (expected a JSON object with "type" and "t_ms"); skipped`,
      expect.stringMatching(new RegExp(`^${events}:5: not valid JSON .*; skipped$`)),
      `${events}:7: an "end" event needs "attempt" (an integer) but got "1"; skipped`,
    ]);
    state.session = "s2";
    state.crash = null;
    const { report } = await runTrials({ ...opts(dir), resume: true });
    expect(report.finished).toBe(true);
    expect(report.kept).toEqual(["f0"]);
    // f1's recorded epochs stand: it was held, then stopped by the decision, not rerun
    expect(pulls.s2?.f1).toBeUndefined();
    expect(report.meter_notes).toEqual(
      expect.arrayContaining([`${events}:3: null is not an event (expected a JSON object with "type" and "t_ms"); skipped`, `${samples}:2: [1,2] is not a sample (expected a JSON object {d, k, t, v, e}); skipped`]),
    );
    // the bad lines stay where they were (nothing is rewritten); new lines follow whole
    expect(fs.readFileSync(events, "utf8").split("\n")[2]).toBe("null");
  });
});

describe("run-folder lines are checked per record kind", () => {
  it("names what is wrong with an event", () => {
    expect(runEventFrom(null)).toBe('null is not an event (expected a JSON object with "type" and "t_ms")');
    expect(runEventFrom([1])).toBe('a list is not an event (expected a JSON object with "type" and "t_ms")');
    expect(runEventFrom(7)).toBe('number is not an event (expected a JSON object with "type" and "t_ms")');
    expect(runEventFrom({ t_ms: 1 })).toBe('an event needs "type" (a string) but got undefined');
    expect(runEventFrom({ type: "toString", t_ms: 1 })).toMatch(/^unknown event type "toString" \(expected session, start, /);
    expect(runEventFrom({ type: "finished" })).toBe('a "finished" event needs "t_ms" (a finite number) but got none');
    expect(runEventFrom({ type: "hold", t_ms: 1, trial: "a", attempt: 1 })).toBe('a "hold" event needs "rung" (an integer) but got none');
    expect(runEventFrom({ type: "start", t_ms: 1, trial: "a", attempt: 1, label: "x", pid: "12" })).toBe('a "start" event needs "pid" (an integer) but got "12"');
    expect(runEventFrom({ type: "end", t_ms: 1, trial: "a", attempt: 1, status: "done", reason: "", code: null, signal: null })).toMatch(/needs "status" \(completed, stopped, failed, diverged, interrupted\) but got "done"/);
    expect(runEventFrom({ type: "epoch", t_ms: 1, trial: "a", attempt: 1, epoch: 2, train_loss: "lots", val_loss: null, steps: 0, end_ms: 1 })).toMatch(/needs "train_loss" .* but got "lots"/);
    expect(runEventFrom({ type: "decision", t_ms: 1, rung: 0, epoch: 2, keep: 1, kept: ["a"], stopped: [1], scores: {} })).toMatch(/needs "stopped" \(a list of strings\)/);
  });

  it("keeps a sound event as it is, extra fields included", () => {
    const ok = { type: "epoch", t_ms: 5, trial: "a", attempt: 1, epoch: 2, train_loss: "NaN", val_loss: 0.5, steps: 3, end_ms: 5, extra: { acc: 1 }, later_field: true };
    expect(runEventFrom(ok)).toBe(ok);
    const start = { type: "start", t_ms: 1, trial: "a", attempt: 1, label: "pid 4", pid: 4 };
    expect(runEventFrom(start)).toBe(start);
  });

  it("a folder left without run.json is refused with what to do, resumed or not", async () => {
    const dir = path.join(tmp, "no-spec");
    fs.mkdirSync(path.join(dir, "trials"), { recursive: true });
    fs.writeFileSync(path.join(dir, "run.json.tmp"), "{");
    const { opts } = setup();
    for (const resume of [false, true]) {
      await expect(runTrials({ ...opts(dir), resume })).rejects.toThrow(`run folder ${dir} is not empty and has no run.json (not a run folder, or a run that stopped before it began), so it cannot be resumed; choose another --run-dir or empty it`);
    }
  });

  it("an unreadable run.json is fatal, naming the file and what to do", () => {
    const dir = path.join(tmp, "bad-spec");
    fs.mkdirSync(dir, { recursive: true });
    const spec = path.join(dir, "run.json");
    for (const [text, why] of [
      ["null", "expected a JSON object of run settings but got null"],
      ["[]", "expected a JSON object of run settings but got []"],
      ['{"backend":"local","method":"tpe","total_epochs":4}', '"trials" (a list of {id, params, argv}) is missing or of the wrong type'],
      ["{oops", "not valid JSON"],
    ]) {
      fs.writeFileSync(spec, text);
      let err: unknown;
      try {
        RunFolder.open(dir);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DataFormatError);
      expect((err as Error).message).toContain(`${spec}: ${why}`);
      expect((err as Error).message).toMatch(/restore run\.json or start a new --run-dir$/);
    }
  });
});
