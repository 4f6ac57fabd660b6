/**
 * powerSummary (trials/power-cap.ts): the cap each trial ran under and whether every cap was put
 * back, from a run's events alone (pure), and readPowerRecords on a job's own record file.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { powerLine, powerSummary, readPowerRecords } from "../../kernel/src/trials/power-cap";
import type { PowerEvent, RunEvent } from "../../kernel/src/trials/run-state";

const start = (trial: string, t: number, attempt = 1): RunEvent => ({ type: "start", t_ms: t, trial, attempt, label: "pid 1" });
const power = (t: number, action: PowerEvent["action"], by: PowerEvent["by"], limit: number | null, more: Partial<PowerEvent> = {}): PowerEvent => ({
  type: "power",
  t_ms: t,
  action,
  gpu: 0,
  limit_w: limit,
  original_w: action === "applied" ? 250 : null,
  by,
  ...more,
});
const runSpec = { requested_w: 150, gpu: 0, optional: false, scope: "run" as const, chosen_by: "given" };

describe("powerSummary", () => {
  it("run scope: trials started while the runner's cap was in force ran under it; one started after the restore did not", () => {
    const s = powerSummary([power(1, "applied", "runner", 150), start("a", 2), start("b", 3), power(9, "restored", "runner", 250), start("c", 10)], runSpec);
    expect(s.trials).toEqual({ a: 150, b: 150, c: null });
    expect(s).toMatchObject({ applied: true, original_w: 250, restored: true, notes: [] });
    expect(powerLine(s)).toBe("150 W on GPU 0, once for the run; 2 of 3 trials started capped; was 250 W, put back");
  });

  it("a runner killed holding the cap: not restored, until a supervisor's restore (which names its own trial) is recorded", () => {
    const killed = [power(1, "applied", "runner", 150), start("a", 2)];
    expect(powerSummary(killed, runSpec).restored).toBe(false);
    expect(powerLine(powerSummary(killed, runSpec))).toMatch(/NOT put back/);
    const s = powerSummary([...killed, power(5, "restored", "supervisor", 250, { trial: "a", attempt: 1, detail: "the runner ended holding the cap" })], runSpec);
    expect(s.restored).toBe(true);
    expect(s.notes).toEqual(["GPU 0 (trial a, attempt 1): restored by the supervisor: the runner ended holding the cap"]);
  });

  it("trial scope: each attempt's own job cap; a job whose restore failed is not restored and is noted", () => {
    const spec = { ...runSpec, gpu: null, scope: "trial" as const };
    const s = powerSummary(
      [
        start("a", 1),
        power(2, "applied", "job", 150, { trial: "a", attempt: 1 }),
        power(3, "restored", "job", 250, { trial: "a", attempt: 1 }),
        start("b", 4),
        power(5, "applied", "job", 150, { trial: "b", attempt: 1 }),
        power(6, "restore-failed", "job", 250, { trial: "b", attempt: 1, detail: "Insufficient Permissions" }),
        start("c", 7),
        power(8, "not-applied", "job", null, { trial: "c", attempt: 1, detail: "no GPU" }),
      ],
      spec,
    );
    expect(s.trials).toEqual({ a: 150, b: 150, c: null });
    expect(s.restored).toBe(false);
    expect(s.notes).toEqual(["GPU 0 (trial b, attempt 1): restore-failed by the job: Insufficient Permissions", "GPU 0 (trial c, attempt 1): not-applied by the job: no GPU"]);
  });
});

describe("readPowerRecords", () => {
  it("reads a job's record lines as power events of its attempt; a bad line is skipped and said where", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "power-rec-"));
    const file = path.join(dir, "power-2.jsonl");
    fs.writeFileSync(file, [JSON.stringify(power(1, "applied", "job", 150)), '{"type":"power","t_ms":2,"action":"melted","gpu":0}', JSON.stringify(power(3, "restored", "job", 250))].join("\n") + "\n");
    const { events, issues } = readPowerRecords(file, "t7", 2);
    expect(events.map((e) => [e.action, e.trial, e.attempt])).toEqual([
      ["applied", "t7", 2],
      ["restored", "t7", 2],
    ]);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain(`${file}:2:`);
    expect(issues[0]).toContain('"action"');
    expect(readPowerRecords(path.join(dir, "none.jsonl"), "t7", 1)).toEqual({ events: [], issues: [] });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
