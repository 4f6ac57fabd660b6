/**
 * The contract between the trial runner and where trials execute (local processes, Slurm
 * jobs, in-process functions). The runner decides; a backend only starts, holds, resumes
 * and stops one trial and reports its output lines and its end.
 */
import type { Params } from "./space";

/**
 * A trial written as a TypeScript function: yields records like a trial process prints them
 * ({epoch, train_loss, step?, val_loss?}). It should stop soon after `signal` aborts.
 */
export type TrialFunction = (params: Params, ctx: { signal: AbortSignal }) => AsyncIterable<object> | Iterable<object>;

/** What to run for one attempt of one trial. */
export interface TrialLaunch {
  id: string;
  /** 1 for the first run; resumed runs that must redo a trial start a new attempt. */
  attempt: number;
  params: Params;
  /** A command as an argv array (argv[0] looked up on PATH); never run through a shell. */
  argv?: readonly string[];
  fn?: TrialFunction;
  cwd: string;
  /** Extra environment variables for the trial. */
  env?: Record<string, string>;
  /** Files receiving the trial's stdout and stderr. */
  stdoutPath: string;
  stderrPath: string;
}

export interface TrialCallbacks {
  /** One complete stdout line (without newline) and when it arrived, ms since the epoch. */
  onLine(line: string, tMs: number): void;
  /** The trial actually began running (a Slurm job left the queue), ms since the epoch. */
  onRunning(tMs: number): void;
}

export interface TrialExit {
  /** Exit status, or null when killed by a signal or never started. */
  code: number | null;
  signal: string | null;
  /** When it ended, ms since the epoch. */
  t_ms: number;
  /** e.g. "cannot start: ENOENT", Slurm "FAILED". */
  detail?: string;
}

export interface RunningTrial {
  /** e.g. "pid 4242", "job 17". */
  readonly label: string;
  /** Pauses the trial (all its processes); it keeps its memory but uses no CPU. */
  hold(): Promise<void>;
  resume(): Promise<void>;
  /** SIGTERM to the whole tree, SIGKILL after graceMs; resolves once every process is gone. */
  stop(graceMs: number): Promise<void>;
  /** Resolves (never rejects) when the trial has ended and its output is read. */
  readonly exited: Promise<TrialExit>;
  /** PIDs still alive in the trial's tree, for checks. */
  livePids(): Promise<number[]>;
}

export interface TrialBackend {
  /** "local", "slurm", "function". */
  readonly name: string;
  start(launch: TrialLaunch, cb: TrialCallbacks): Promise<RunningTrial>;
  /** Releases what the backend holds (pollers); trials are stopped by the runner first. */
  close(): Promise<void>;
}
