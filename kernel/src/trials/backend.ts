/**
 * The contract between the trial runner and where trials execute (local processes, Slurm
 * jobs, in-process functions). The runner decides; a backend only starts, holds, resumes
 * and stops one trial and reports its output lines and its end. It also gives a handle that
 * the run folder records, ends what a crashed session left behind (reap), and may report
 * power that its trials measured themselves (deviceSeries). A new backend needs no runner edit.
 *
 * No trial may outlive its runner (issue 15): local trials run under kernel/bin/supervise.js,
 * which ends a trial's group when the runner dies, and whose onGroupEnd() runs on every way a
 * trial ends (the place to undo per-trial setup such as a GPU power limit); what a crash leaves
 * anyway is reaped by the next run in the same run folder.
 */
import type { DeviceSeries } from "../energy/series";
import type { Params } from "./space";

/** What the run folder records of a started trial so that a later session can find it again. */
export interface TrialHandle {
  /** Process (and process group) id of a local trial. */
  pid?: number;
  /** Scheduler job id, e.g. Slurm's "17". */
  job?: string;
}

/** One attempt as the run folder records it. */
export interface RecordedAttempt {
  /** Absolute path of the run folder. */
  runDir: string;
  trial: string;
  attempt: number;
  handle: TrialHandle;
}

/** Power series the trials measured themselves, and the trial each device belongs to. */
export interface OwnedSeries {
  series: DeviceSeries[];
  /** device → trial id. */
  owner: Map<string, string>;
  /** Problems reading them (e.g. a malformed power log), shown with the meter notes. */
  notes?: string[];
}

/** Names of the variables every trial's environment carries, so its processes can be recognised later. */
export const TRIAL_ENV = { runDir: "GREENAI_RUN_DIR", trial: "GREENAI_TRIAL_ID", attempt: "GREENAI_ATTEMPT" } as const;

/** The environment variables that name a trial attempt's run folder, trial and attempt. */
export function trialEnv(runDir: string, trial: string, attempt: number): Record<string, string> {
  return { [TRIAL_ENV.runDir]: runDir, [TRIAL_ENV.trial]: trial, [TRIAL_ENV.attempt]: String(attempt) };
}

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
  /** A power-capped run (`--power-limit`): what this attempt's backend must do about the GPU limit. */
  power?: TrialPowerCap;
}

/**
 * The GPU power cap of one attempt. A backend whose `powerScope` is "run" (local, function) runs
 * on the runner's machine, where the runner holds the cap for the whole run; it only gets
 * `restore`: what to put back should the runner die while the trial runs (the local supervisor
 * does). A "trial"-scope backend (Slurm: the job runs on another node) applies `limit_w` itself
 * around the trial and restores what it found, recording each change in `record`.
 */
export interface TrialPowerCap {
  limit_w: number;
  /** Go on uncapped when the limit cannot be set (--power-limit-optional); else the attempt fails before the trial runs. */
  optional: boolean;
  /** GPUs to cap, where the backend cannot tell (default: the job's allocation, else GPU 0). */
  gpus?: number[];
  /** run scope: each GPU's limit to put back if the runner dies holding the cap. */
  restore?: { gpu: number; original_w: number }[];
  /** A JSON-lines file for PowerEvent records of this attempt (events.jsonl for run scope, a file of its own for trial scope). */
  record: string;
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
  /** Recorded in the run folder; reap() finds the trial with it after a crash. Empty when there is nothing to find. */
  readonly handle: TrialHandle;
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
  /**
   * Ends what a crashed session left of an unfinished attempt (a resumed run calls it once per
   * such attempt, before starting anything). Only kills what provably belongs to that attempt;
   * never rejects.
   */
  reap(attempt: RecordedAttempt): Promise<void>;
  /** Who applies a --power-limit: the runner once per run on this machine (default), or the backend around each trial (TrialPowerCap). */
  readonly powerScope?: "run" | "trial";
  /** Power the given attempts measured themselves (e.g. each Slurm job's own GPU log); read again on every report. */
  deviceSeries?(attempts: readonly RecordedAttempt[]): OwnedSeries;
  /** Releases what the backend holds (pollers); trials are stopped by the runner first. */
  close(): Promise<void>;
}
