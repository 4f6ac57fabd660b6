/**
 * Power-capped trials on Slurm (issue 13): each job's fixed wrapper caps its GPU before the trial
 * and puts the limit back after it, like a prolog/epilog, also on `scancel` (TERM is trapped).
 * A real single-node Slurm cluster on localhost (test/helpers/slurm-cluster.ts) runs the jobs, with
 * the stand-in nvidia-smi of test/energy/fixtures/power-limit on their PATH; it holds the limit in
 * a file and logs every `-pl` call.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { InterruptedError } from "../../kernel/src/errors";
import { PowerLimitError } from "../../kernel/src/energy/power-limit";
import { readEvents } from "../../kernel/src/trials/run-folder";
import type { PowerEvent } from "../../kernel/src/trials/run-state";
import { runTrials, type TrialSpec } from "../../kernel/src/trials/runner";
import { SlurmBackend } from "../../kernel/src/trials/slurm";
import { REPO_ROOT } from "../helpers/shared-data";
import { slurmUnavailableReason, startSlurmCluster, type SlurmCluster } from "../helpers/slurm-cluster";
import { waitUntil } from "../helpers/wait";

const why = slurmUnavailableReason();
const describeSlurm = why === null ? describe : (name: string, fn: () => void) => describe.skip(`${name} [SKIPPED: ${why}]`, fn);

const SMI = path.join(REPO_ROOT, "test/energy/fixtures/power-limit/fake-nvidia-smi.js");
const TRIAL = path.join(__dirname, "fixtures/capped_trial.js");

describeSlurm("power-capped trials on a local Slurm cluster (stand-in nvidia-smi)", () => {
  let cluster: SlurmCluster;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    cluster = await startSlurmCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "power-cap-slurm-"));
    fs.writeFileSync(path.join(dir, "limit"), "250");
    fs.writeFileSync(path.join(dir, "calls"), "");
    fs.writeFileSync(path.join(dir, "nvidia-smi"), `#!/bin/sh\nexec "${process.execPath}" "${SMI}" "$@"\n`, { mode: 0o755 });
    env = { ...cluster.env, PATH: `${dir}:${cluster.env.PATH}`, FAKE_SMI_STATE: path.join(dir, "limit"), FAKE_SMI_CALLS: path.join(dir, "calls") };
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const limitNow = () => Number(fs.readFileSync(path.join(dir, "limit"), "utf8"));
  const plCalls = () => fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n").filter(Boolean).map(Number);
  const backend = () => new SlurmBackend({ env, sbatchArgs: ["--cpus-per-task=1"], pollMs: 100 });
  const trials = (extra: (i: number) => string[] = () => [], n = 2): TrialSpec[] =>
    Array.from({ length: n }, (_, i) => ({ id: `t${i + 1}`, params: { i }, argv: [process.execPath, TRIAL, "--epochs", "3", "--epoch-ms", "100", ...extra(i)] }));
  const common = (runDir: string) => ({ totalEpochs: 3, method: "none" as const, concurrency: 1, graceS: 2, runDir, meter: { meter: "estimate" as const }, backend: backend() });
  const powerEvents = (runDir: string) => readEvents(path.join(runDir, "events.jsonl")).events.filter((e): e is PowerEvent => e.type === "power");
  const eventsText = (runDir: string) => (fs.existsSync(path.join(runDir, "events.jsonl")) ? fs.readFileSync(path.join(runDir, "events.jsonl"), "utf8") : "");

  it("each job caps its GPU around its trial and puts it back; the run folder records both", async () => {
    const runDir = path.join(dir, "run");
    const out = await runTrials({ ...common(runDir), trials: trials(), powerLimit: { watts: 150 } });
    expect(out.report.failed).toEqual([]);
    expect(limitNow()).toBe(250);
    expect(plCalls()).toEqual([150, 250, 150, 250]);
    const ev = powerEvents(runDir);
    expect(ev.map((e) => [e.trial, e.action, e.by, e.limit_w])).toEqual([
      ["t1", "applied", "job", 150],
      ["t1", "restored", "job", 250],
      ["t2", "applied", "job", 150],
      ["t2", "restored", "job", 250],
    ]);
    expect(out.power).toMatchObject({ scope: "trial", gpu: null, applied: true, original_w: 250, restored: true, trials: { t1: 150, t2: 150 } });
    // what the trials printed: they ran capped
    const seen = readEvents(path.join(runDir, "events.jsonl")).events.flatMap((e) => (e.type === "epoch" ? [Number(e.extra?.power_limit)] : []));
    expect(new Set(seen)).toEqual(new Set([150]));
  }, 120_000);

  it("scancel of a running job: the wrapper traps TERM, ends the trial and puts the limit back", async () => {
    const runDir = path.join(dir, "run");
    const run = runTrials({ ...common(runDir), trials: trials(() => ["--hang-after", "1"], 1), powerLimit: { watts: 125 } });
    await waitUntil(() => eventsText(runDir).includes('"type":"epoch"'), "the job's first epoch", 60_000);
    expect(limitNow()).toBe(125);
    const job = readEvents(path.join(runDir, "events.jsonl")).events.find((e) => e.type === "start")!;
    execFileSync("scancel", [(job as { job?: string }).job!], { env });
    const out = await run;
    expect(out.report.failed).toEqual(["t1"]);
    expect(limitNow()).toBe(250);
    expect(plCalls()).toEqual([125, 250]);
    expect(powerEvents(runDir).map((e) => [e.action, e.by])).toEqual([
      ["applied", "job"],
      ["restored", "job"],
    ]);
    expect(out.power!.restored).toBe(true);
  }, 120_000);

  it("an interrupt of the run cancels the job, and the limit is back", async () => {
    const runDir = path.join(dir, "run");
    const ac = new AbortController();
    const run = runTrials({ ...common(runDir), trials: trials(() => ["--hang-after", "1"], 1), powerLimit: { watts: 175 }, signal: ac.signal });
    await waitUntil(() => eventsText(runDir).includes('"type":"epoch"'), "the job's first epoch", 60_000);
    expect(limitNow()).toBe(175);
    ac.abort();
    await expect(run).rejects.toThrow(InterruptedError);
    // the restore lands as the job ends; the runner does not import it after an interrupt, so read the job's own record
    await waitUntil(() => limitNow() === 250, "the limit back at 250 W", 10_000);
    expect(plCalls()).toEqual([175, 250]);
    const record = fs.readFileSync(path.join(runDir, "trials/t1/power-1.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l).action);
    expect(record).toEqual(["applied", "restored"]);
  }, 120_000);

  it("a refused limit fails the job before its trial runs and stops the run, saying what to do", async () => {
    env.FAKE_SMI_DENY = "1";
    const runDir = path.join(dir, "run");
    const err = await runTrials({ ...common(runDir), trials: trials(), powerLimit: { watts: 150 } }).catch((e) => e);
    expect(err).toBeInstanceOf(PowerLimitError);
    expect(err.message).toMatch(/trial t1's job could not cap GPU 0 \(.*Insufficient Permissions\)/);
    expect(err.message).toContain("nvidia-smi -pm 1");
    expect(err.message).toContain("--power-limit-optional");
    const events = readEvents(path.join(runDir, "events.jsonl")).events;
    expect(events.filter((e) => e.type === "start").map((e) => (e as { trial: string }).trial)).toEqual(["t1"]); // t2 never started
    expect(events.some((e) => e.type === "epoch")).toBe(false); // nor did t1's trial itself
    expect(limitNow()).toBe(250);
  }, 120_000);

  it("--power-limit-optional: jobs refused the limit run their trials uncapped and say so", async () => {
    env.FAKE_SMI_DENY = "1";
    const runDir = path.join(dir, "run");
    const out = await runTrials({ ...common(runDir), trials: trials(), powerLimit: { watts: 150, optional: true } });
    expect(out.report.failed).toEqual([]);
    expect(out.power).toMatchObject({ applied: false, trials: { t1: null, t2: null } });
    expect(powerEvents(runDir).map((e) => [e.trial, e.action])).toEqual([
      ["t1", "not-applied"],
      ["t2", "not-applied"],
    ]);
    expect(out.power!.notes.join(" ")).toContain("Insufficient Permissions");
  }, 120_000);
});
