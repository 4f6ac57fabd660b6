/**
 * Local process backend: each trial is one process group (spawned detached), stdout piped
 * to its log file and parsed line by line, stderr straight to its file. Hold/resume are
 * SIGSTOP/SIGCONT to the group; stop is SIGTERM then SIGKILL to the group; when the main
 * process ends, whatever it left in its group is killed, so no orphans stay behind.
 * Processes that leave the group (setsid, double fork) escape: that needs cgroups.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import { LineSplitter } from "../io/lines";
import { groupMembers, processEnv, signalGroup, sleep, within } from "./proc";
import { TRIAL_ENV, type RecordedAttempt, type RunningTrial, type TrialBackend, type TrialCallbacks, type TrialExit, type TrialLaunch } from "./backend";

async function waitGroupGone(pgid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (groupMembers(pgid).length === 0) return true;
    if (Date.now() >= until) return false;
    await sleep(25);
  }
}

export class LocalBackend implements TrialBackend {
  readonly name = "local";

  async start(launch: TrialLaunch, cb: TrialCallbacks): Promise<RunningTrial> {
    if (!launch.argv || launch.argv.length === 0) throw new RangeError(`trial ${launch.id}: the local backend needs an argv`);
    const outFd = fs.openSync(launch.stdoutPath, "w");
    const errFd = fs.openSync(launch.stderrPath, "w");
    const [cmd, ...args] = launch.argv;
    const child = spawn(cmd, args, {
      cwd: launch.cwd,
      env: { ...process.env, PYTHONUNBUFFERED: "1", ...launch.env },
      detached: true,
      stdio: ["ignore", "pipe", errFd],
    });
    fs.closeSync(errFd);
    const pid = child.pid;
    cb.onRunning(Date.now());
    const splitter = new LineSplitter((line) => cb.onLine(line, Date.now()));
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (d: string) => {
      fs.writeSync(outFd, d);
      splitter.push(d);
    });
    let startError: string | undefined;
    const stdoutClosed = new Promise<void>((resolve) => child.stdout!.on("close", () => resolve()));
    const exited: Promise<TrialExit> = new Promise((resolve) => {
      const finish = async (code: number | null, signal: string | null) => {
        const t = Date.now();
        // kill what the trial left in its group (e.g. data-loader workers), then drain stdout
        if (pid !== undefined && groupMembers(pid).length > 0) {
          signalGroup(pid, "SIGKILL");
          await waitGroupGone(pid, 2000);
        }
        await within(stdoutClosed, 2000);
        splitter.flush();
        try {
          fs.closeSync(outFd);
        } catch {
          /* closed */
        }
        resolve({ code, signal, t_ms: t, ...(startError ? { detail: startError } : {}) });
      };
      child.on("error", (e: NodeJS.ErrnoException) => {
        startError = `cannot start ${cmd}: ${e.code ?? e.message}`;
        fs.appendFileSync(launch.stderrPath, `${startError}\n`);
        if (pid === undefined) void finish(null, null);
      });
      child.on("exit", (code, signal) => void finish(code, signal));
    });
    let ended = false;
    void exited.then(() => (ended = true));
    const trial: RunningTrial = {
      label: pid !== undefined ? `pid ${pid}` : "not started",
      handle: pid !== undefined ? { pid } : {},
      async hold() {
        if (pid !== undefined && !ended) signalGroup(pid, "SIGSTOP");
      },
      async resume() {
        if (pid !== undefined && !ended) signalGroup(pid, "SIGCONT");
      },
      async stop(graceMs: number) {
        if (pid === undefined) return;
        if (groupMembers(pid).length > 0) {
          signalGroup(pid, "SIGTERM");
          signalGroup(pid, "SIGCONT"); // a held group receives the TERM only once continued
          if (!(await waitGroupGone(pid, graceMs))) {
            signalGroup(pid, "SIGKILL");
            await waitGroupGone(pid, 5000);
          }
        }
        await within(exited, 5000);
      },
      exited,
      async livePids() {
        return pid === undefined ? [] : groupMembers(pid);
      },
    };
    return trial;
  }

  /** Kills the recorded process group, but only while the process's environment still names this run and trial (pids are reused). */
  async reap({ handle, runDir, trial }: RecordedAttempt): Promise<void> {
    if (!handle.pid) return;
    const env = processEnv(handle.pid);
    if (env?.get(TRIAL_ENV.runDir) === runDir && env.get(TRIAL_ENV.trial) === trial) signalGroup(handle.pid, "SIGKILL");
  }

  async close(): Promise<void> {
    /* nothing held */
  }
}
