/**
 * Local process backend: each trial is one process group, stdout piped to its log file and
 * parsed line by line, stderr straight to its file. Hold/resume are SIGSTOP/SIGCONT to the
 * group; stop is SIGTERM then SIGKILL to the group; when the main process ends, whatever it
 * left in its group is killed. Each trial runs under kernel/bin/supervise.js, which holds a pipe
 * from this process: if this process dies (even SIGKILLed, with the trial held), the supervisor
 * continues and ends the group, so no held or running trial outlives its runner.
 * Processes that leave the group (setsid, double fork) escape: that needs cgroups.
 *
 * A power-capped run (--power-limit): the runner sets the GPU limit once for the whole run and
 * puts it back at the end (trials/runner.ts; powerScope "run"). Local trials share the machine's
 * GPUs, and a limit is the GPU's, not a process's: with trials running at once on one GPU, a
 * per-trial set/restore would uncap the GPU under the others as each one ended (a held or stopped
 * trial included), so the cap belongs to the run. Each trial's supervisor is told the original
 * limits (--power-restore) and puts them back only if the runner dies while the trial runs.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { Readable } from "stream";
import { LineSplitter } from "../io/lines";
import { groupMembers, processEnv, signalGroup, sleep, within } from "./proc";
import { TRIAL_ENV, type RecordedAttempt, type RunningTrial, type TrialBackend, type TrialCallbacks, type TrialExit, type TrialLaunch } from "./backend";

/** The supervisor script (kernel/bin), the same from kernel/src/trials and kernel/dist/trials. */
export const SUPERVISOR = path.resolve(__dirname, "..", "..", "bin", "supervise.js");

/** What the supervisor reports on its report pipe (see kernel/bin/supervise.js). */
interface SupervisorReport {
  pid?: number;
  error?: string;
  code?: number | null;
  signal?: string | null;
}

/** Reads the supervisor's JSON-line reports; `first` resolves with the first one (pid or error), or {} if it dies first. */
function readReports(stream: Readable): { first: Promise<SupervisorReport>; last: () => SupervisorReport | undefined; closed: Promise<void> } {
  const reports: SupervisorReport[] = [];
  let resolveFirst: (r: SupervisorReport) => void = () => undefined;
  const first = new Promise<SupervisorReport>((r) => (resolveFirst = r));
  const splitter = new LineSplitter((line) => {
    try {
      const r = JSON.parse(line) as SupervisorReport;
      reports.push(r);
      if (reports.length === 1) resolveFirst(r);
    } catch {
      /* not a report */
    }
  });
  stream.setEncoding("utf8");
  stream.on("data", (d: string) => splitter.push(d));
  const closed = new Promise<void>((resolve) => stream.on("close", () => resolve()));
  void closed.then(() => resolveFirst({}));
  return { first, last: () => reports[reports.length - 1], closed };
}

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
    const power = launch.power?.restore?.length
      ? [...launch.power.restore.flatMap((r) => ["--power-restore", `${r.gpu}=${r.original_w}`]), "--power-record", launch.power.record]
      : [];
    const sup = spawn(process.execPath, [SUPERVISOR, "--report-fd", "3", ...power, "--", cmd, ...args], {
      cwd: launch.cwd,
      env: { ...process.env, PYTHONUNBUFFERED: "1", ...launch.env },
      // its own group, so a Ctrl-C meant for this process does not reach it; stdin is the watch pipe
      detached: true,
      stdio: ["pipe", "pipe", errFd, "pipe"],
    });
    fs.closeSync(errFd);
    let supError: string | undefined;
    const supExit = new Promise<[number | null, string | null]>((resolve) => {
      sup.on("exit", (code, signal) => resolve([code, signal]));
      sup.on("error", (e: NodeJS.ErrnoException) => {
        supError = `cannot start the trial supervisor ${process.execPath} ${SUPERVISOR}: ${e.code ?? e.message}`;
        resolve([null, null]);
      });
    });
    const reports = readReports(sup.stdio[3] as Readable);
    const started = await Promise.race([reports.first, supExit.then(() => ({}) as SupervisorReport)]);
    const pid = started.pid;
    const startError = started.error ?? supError ?? (pid === undefined ? `cannot start ${cmd}: the supervisor ended before the trial started` : undefined);
    if (startError) fs.appendFileSync(launch.stderrPath, `${startError}\n`);
    cb.onRunning(Date.now());
    const splitter = new LineSplitter((line) => cb.onLine(line, Date.now()));
    sup.stdout!.setEncoding("utf8");
    sup.stdout!.on("data", (d: string) => {
      fs.writeSync(outFd, d);
      splitter.push(d);
    });
    const stdoutClosed = new Promise<void>((resolve) => sup.stdout!.on("close", () => resolve()));
    const exited: Promise<TrialExit> = supExit.then(async ([supCode, supSignal]) => {
      const t = Date.now();
      // kill what the trial left in its group (e.g. data-loader workers), then drain stdout
      if (pid !== undefined && groupMembers(pid).length > 0) {
        signalGroup(pid, "SIGKILL");
        await waitGroupGone(pid, 2000);
      }
      await within(reports.closed, 2000);
      await within(stdoutClosed, 2000);
      splitter.flush();
      try {
        fs.closeSync(outFd);
      } catch {
        /* closed */
      }
      sup.stdin?.destroy();
      // the trial's own status as the supervisor reported it; the supervisor's own if it died first
      const end = reports.last();
      const [code, signal] = end && "code" in end ? [end.code ?? null, end.signal ?? null] : startError ? [null, null] : [supCode, supSignal];
      return { code, signal, t_ms: t, ...(startError ? { detail: startError } : {}) };
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

  /**
   * Kills the recorded process group (held members too: SIGKILL needs no SIGCONT), but only while
   * the process's environment still names this run, trial and attempt (pids are reused).
   */
  async reap({ handle, runDir, trial, attempt }: RecordedAttempt): Promise<void> {
    if (!handle.pid) return;
    const env = processEnv(handle.pid);
    if (env?.get(TRIAL_ENV.runDir) === runDir && env.get(TRIAL_ENV.trial) === trial && env.get(TRIAL_ENV.attempt) === String(attempt)) signalGroup(handle.pid, "SIGKILL");
  }

  async close(): Promise<void> {
    /* nothing held */
  }
}
