/**
 * Issue 15: a kernel that ends while a `%tpe run` holds trials takes them with it, whether it is
 * asked to shut down (shutdown_request, as a restart sends) or its parent dies (JPY_PARENT_PID):
 * both go through the kernel's one shutdown path, which interrupts the run (trials stopped, the
 * run folder records the interruption) before the kernel exits. A SIGKILLed kernel records
 * nothing, but its trials' supervisors end them.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { KernelSession, kernelTestsUnavailable } from "../helpers/kernel-session";
import { REPO_ROOT } from "../helpers/shared-data";
import { waitUntil } from "../helpers/wait";
import { processEnv } from "../../kernel/src/trials/proc";
import { describeProcs, processesWithEnv, waitNone } from "./procs";

const FAKE = path.join(REPO_ROOT, "test/trials/fixtures/fake_trial.js");
const why = kernelTestsUnavailable();
const suite = why ? describe.skip : describe;

/** Starts a %tpe run whose two fast trials are held at the decision while a slow one runs; resolves once they are held. */
async function runWithHeldTrials(k: KernelSession, runDir: string): Promise<void> {
  const trialProcs = () => processesWithEnv("GREENAI_RUN_DIR", runDir);
  const cmd = `%tpe run --grid 'ms=10,11,5000' --epochs 50 --budget 0.2 --concurrency 3 --meter estimate --run-dir ${runDir} -- ${process.execPath} ${FAKE} --epochs {epochs} --epoch-ms {ms} --child`;
  await k.request({ op: "execute_nowait", code: cmd });
  await waitUntil(() => trialProcs().filter((p) => p.state === "T").length >= 4, "two trials and their children held (state T)", 60_000, 100);
}

const events = (runDir: string) => fs.readFileSync(path.join(runDir, "events.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l).type);

suite(`kernel ending with live trials${why ? ` [SKIPPED: ${why}]` : ""}`, () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "stop-kernel-trials-"))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("shutdown_request stops the held trials and records the interruption", async () => {
    const runDir = path.join(dir, "shutdown");
    const k = await new KernelSession("greenai-stop").start();
    try {
      await runWithHeldTrials(k, runDir);
      await k.stop();
      const left = await waitNone(() => processesWithEnv("GREENAI_RUN_DIR", runDir), 10_000);
      expect(describeProcs(left)).toBe("");
      expect(events(runDir)).toContain("interrupted");
    } finally {
      await k.stop();
    }
  });

  it("the death of the kernel's parent (JPY_PARENT_PID) stops the kernel and the held trials", async () => {
    const runDir = path.join(dir, "parent");
    const k = await new KernelSession("greenai-stop").start();
    await runWithHeldTrials(k, runDir);
    const kernels = processesWithEnv("JPY_PARENT_PID", String(k.pid));
    expect(kernels.length).toBeGreaterThan(0);
    k.kill();
    const left = await waitNone(() => [...processesWithEnv("GREENAI_RUN_DIR", runDir), ...processesWithEnv("JPY_PARENT_PID", String(k.pid))], 15_000);
    expect(describeProcs(left)).toBe("");
    expect(events(runDir)).toContain("interrupted");
  });

  it("SIGKILL of the kernel leaves no trial: the supervisors end them", async () => {
    const runDir = path.join(dir, "kernel-killed");
    const k = await new KernelSession("greenai-stop").start();
    try {
      await runWithHeldTrials(k, runDir);
      const kernels = processesWithEnv("JPY_PARENT_PID", String(k.pid)).filter((p) => !processEnv(p.pid)?.has("GREENAI_RUN_DIR"));
      expect(kernels).toHaveLength(1);
      process.kill(kernels[0].pid, "SIGKILL");
      const left = await waitNone(() => processesWithEnv("GREENAI_RUN_DIR", runDir), 10_000);
      expect(describeProcs(left)).toBe("");
    } finally {
      k.kill();
    }
  });
});
