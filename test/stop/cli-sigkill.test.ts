/**
 * Issue 15: a SIGKILLed `greenai tpe run` leaves no trial behind, held (SIGSTOP) or running.
 * Each local trial runs under kernel/bin/supervise.js, which notices the runner's pipe closing.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../helpers/shared-data";
import { waitUntil } from "../helpers/wait";
import { describeProcs, processesWithEnv, waitNone } from "./procs";

const BIN = path.join(REPO_ROOT, "kernel/bin/greenai.js");
const FAKE = path.join(REPO_ROOT, "test/trials/fixtures/fake_trial.js");
const built = fs.existsSync(path.join(REPO_ROOT, "kernel/dist/cli.js"));
const suite = built ? describe : describe.skip;

suite(`SIGKILL of greenai tpe run${built ? "" : " [SKIPPED: kernel/dist is not built; run npm run build]"}`, () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "stop-cli-"))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("leaves no trial process alive 10 s later, held or running", async () => {
    const runDir = path.join(dir, "run");
    const trialProcs = () => processesWithEnv("GREENAI_RUN_DIR", runDir);
    // two fast trials reach the decision epoch (10) and are held; the slow one keeps the decision waiting
    const cli = spawn(
      process.execPath,
      [BIN, "tpe", "run", "--grid", "ms=10,11,5000", "--epochs", "50", "--budget", "0.2", "--concurrency", "3", "--meter", "estimate", "--run-dir", runDir, "--json",
        "--", process.execPath, FAKE, "--epochs", "{epochs}", "--epoch-ms", "{ms}", "--child"],
      { cwd: dir, stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    cli.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise((r) => cli.on("exit", r));
    try {
      await waitUntil(() => trialProcs().filter((p) => p.state === "T").length >= 4, "two trials and their children held (state T)", 30_000);
    } catch (e) {
      throw new Error(`${(e as Error).message}; processes: ${describeProcs(trialProcs())}; stderr: ${stderr}`);
    }
    const before = trialProcs();
    expect(before.filter((p) => p.state !== "T").length).toBeGreaterThan(0); // the slow trial (and the supervisors) run
    cli.kill("SIGKILL");
    await exited;
    const left = await waitNone(trialProcs, 10_000);
    expect(describeProcs(left)).toBe("");
  });

  it("the next run in the same folder ends held trials that a crash left without supervisors", async () => {
    const runDir = path.join(dir, "run2");
    const trialProcs = () => processesWithEnv("GREENAI_RUN_DIR", runDir);
    const args = ["tpe", "run", "--grid", "ms=10,11,5000", "--epochs", "50", "--budget", "0.2", "--concurrency", "3", "--meter", "estimate", "--run-dir", runDir, "--json",
      "--", process.execPath, FAKE, "--epochs", "{epochs}", "--epoch-ms", "{ms}", "--child"];
    const cli = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: "ignore" });
    const exited = new Promise((r) => cli.on("exit", r));
    await waitUntil(() => trialProcs().filter((p) => p.state === "T").length >= 4, "two trials and their children held (state T)", 30_000);
    // a crash that takes the supervisors too (e.g. the OOM killer): the held trials stay behind
    const isSupervisor = (pid: number) => fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("supervise.js");
    for (const p of trialProcs()) if (isSupervisor(p.pid)) process.kill(p.pid, "SIGKILL");
    cli.kill("SIGKILL");
    await exited;
    await new Promise((r) => setTimeout(r, 500));
    expect(trialProcs().filter((p) => p.state === "T").length).toBeGreaterThanOrEqual(4);
    // the next run is refused (the folder exists) but first ends what the crashed one left
    const again = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: "utf8" });
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already exists and is not empty; resume it with --resume/);
    const left = await waitNone(trialProcs, 10_000);
    expect(describeProcs(left)).toBe("");
  });
});
