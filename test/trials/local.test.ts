import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalBackend } from "../../kernel/src/trials/local";
import { groupMembers, isAlive, listProcesses } from "../../kernel/src/trials/proc";
import { trialEnv, type TrialLaunch } from "../../kernel/src/trials/backend";
import { waitUntil } from "../helpers/wait";

const FAKE = path.join(__dirname, "fixtures/fake_trial.js");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function launch(args: string[]): { l: TrialLaunch; lines: string[]; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-"));
  const lines: string[] = [];
  return {
    dir,
    lines,
    l: { id: "t1", attempt: 1, params: {}, argv: [process.execPath, FAKE, ...args], cwd: dir, stdoutPath: path.join(dir, "out.log"), stderrPath: path.join(dir, "err.log") },
  };
}

const state = (pid: number) => listProcesses().find((p) => p.pid === pid)?.state;

describe("LocalBackend", () => {
  const b = new LocalBackend();

  it("streams lines, writes the logs and records the exit code", async () => {
    const { l, lines } = launch(["--epochs", "3", "--epoch-ms", "10", "--crash-after", "3"]);
    const running: number[] = [];
    const t = await b.start(l, { onLine: (x) => lines.push(x), onRunning: (ms) => running.push(ms) });
    const exit = await t.exited;
    expect(running).toHaveLength(1);
    expect(exit).toMatchObject({ code: 3, signal: null });
    expect(lines.filter((x) => x.startsWith("{"))).toHaveLength(3);
    expect(fs.readFileSync(l.stdoutPath, "utf8").trim().split("\n")).toEqual(lines);
    expect(fs.readFileSync(l.stderrPath, "utf8")).toMatch(/injected crash after epoch 3/);
  });

  it("kills what a finished trial left in its process group (no orphans)", async () => {
    const { l, lines } = launch(["--epochs", "2", "--epoch-ms", "10", "--child"]);
    const t = await b.start(l, { onLine: (x) => lines.push(x), onRunning: () => undefined });
    await t.exited;
    const child = Number(/child (\d+)/.exec(lines.join("\n"))![1]);
    expect(isAlive(child)).toBe(false);
    expect(await t.livePids()).toEqual([]);
  });

  it("holds and resumes the whole group", async () => {
    const { l, lines } = launch(["--epochs", "400", "--epoch-ms", "20", "--child"]);
    const t = await b.start(l, { onLine: (x) => lines.push(x), onRunning: () => undefined });
    await waitUntil(async () => (await t.livePids()).length === 2 && lines.length > 0, "the trial and its child to run");
    const pids = await t.livePids();
    await t.hold();
    await waitUntil(() => pids.every((p) => state(p) === "T"), "both processes to show state T");
    await sleep(200); // a line already in the pipe may still arrive
    const n = lines.length;
    await sleep(200);
    expect(lines.length).toBe(n);
    await t.resume();
    await waitUntil(() => lines.length > n, "output after resume");
    await t.stop(1000);
    expect(pids.map(isAlive)).toEqual([false, false]);
  });

  it("stops a held group that ignores SIGTERM with SIGKILL after the grace period", async () => {
    const { l } = launch(["--epochs", "400", "--epoch-ms", "20", "--ignore-term", "--child"]);
    const t = await b.start(l, { onLine: () => undefined, onRunning: () => undefined });
    await waitUntil(async () => (await t.livePids()).length === 2, "the trial and its child to run");
    const pgid = Number(/pid (\d+)/.exec(t.label)![1]);
    await t.hold();
    const t0 = Date.now();
    await t.stop(600);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(550);
    expect(groupMembers(pgid)).toEqual([]);
    expect((await t.exited).signal).toBe("SIGKILL");
  });

  it("reap kills a recorded group only while its environment names the same run, trial and attempt", async () => {
    const { l, dir } = launch(["--epochs", "400", "--epoch-ms", "20", "--child"]);
    const t = await b.start({ ...l, env: trialEnv(dir, "t1", 1) }, { onLine: () => undefined, onRunning: () => undefined });
    await waitUntil(async () => (await t.livePids()).length === 2, "the trial and its child to run");
    const pid = Number(/pid (\d+)/.exec(t.label)![1]);
    expect(t.handle).toEqual({ pid });
    // a reused pid that belongs to another trial or run is left alone
    await b.reap({ runDir: dir, trial: "t2", attempt: 1, handle: t.handle });
    await b.reap({ runDir: path.join(dir, "other"), trial: "t1", attempt: 1, handle: t.handle });
    await b.reap({ runDir: dir, trial: "t1", attempt: 2, handle: t.handle });
    await b.reap({ runDir: dir, trial: "t1", attempt: 1, handle: {} });
    await sleep(100);
    expect(await t.livePids()).toHaveLength(2);
    await b.reap({ runDir: dir, trial: "t1", attempt: 1, handle: t.handle });
    expect((await t.exited).signal).toBe("SIGKILL");
    await waitUntil(() => groupMembers(pid).length === 0, "the whole group to be gone");
  });

  it("reports a command that cannot start", async () => {
    const { l } = launch([]);
    const t = await b.start({ ...l, argv: ["/nonexistent/trainer"] }, { onLine: () => undefined, onRunning: () => undefined });
    const exit = await t.exited;
    expect(exit.code).toBeNull();
    expect(exit.detail).toMatch(/cannot start \/nonexistent\/trainer: ENOENT/);
  });
});
