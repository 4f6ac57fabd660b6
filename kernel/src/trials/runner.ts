/**
 * The live trial runner: runs trial configurations in a pool (concurrency limit, per-trial
 * time limit, no-output limit), meters energy, holds every trial at the decision epoch,
 * keeps the best scores (TPE: one rung; TSE successive halving: several), stops the others
 * (SIGTERM, then SIGKILL after a grace period, whole process tree), finishes the kept ones,
 * and writes everything to a run folder as it happens so that an interrupted run resumes.
 */
import * as fs from "fs";
import * as path from "path";
import type { TpePayload } from "greenai-common";
import { InterruptedError } from "../errors";
import { holdPowerLimit, PowerLimitError, type PowerLimitHold } from "../energy/power-limit";
import { powerSummary, readPowerRecords, type PowerCapSummary } from "./power-cap";
import { openMeter, type EnergyMeter, type MeterSample, type OpenMeterOptions } from "../energy/meters";
import type { DeviceSeries } from "../energy/series";
import { trialEnv, type RecordedAttempt, type RunningTrial, type TrialBackend, type TrialExit, type TrialFunction, type TrialLaunch } from "./backend";
import { FunctionBackend } from "./function-backend";
import { LocalBackend } from "./local";
import { keepBest } from "greenai-common";
import { DEFAULT_POLICY, plannedEpochs, stopSchedule, type PolicyOptions, type Rung, type StopPolicy } from "../tpe/policy";
import { DEFAULT_E, DEFAULT_GAMMA, definedScoreAt, type ScoreName } from "../tpe/scores";
import { EpochTracker, parseTrialLine, type EpochResult } from "./records";
import { buildRunReport, curveFromEpochs, type RunSpecSummary, type TpeRunReport } from "./report";
import { readEvents, RUN_FILES, RunFolder, type RunFolderSpec } from "./run-folder";
import {
  applyEvent,
  emptyRunState,
  encodeNumber,
  isTerminal,
  latestAttempt,
  trialStatus,
  type EndStatus,
  type RunEvent,
  type AttemptState,
  type RunState,
  type TrialRunState,
  type PowerEvent,
} from "./run-state";
import type { Params } from "./space";

/** One trial: a command (argv array) or a TypeScript function, with its parameters. */
export interface TrialSpec {
  /** Letters, digits, `.`, `_`, `-`; used in file names. */
  id: string;
  params: Params;
  argv?: string[];
  fn?: TrialFunction;
  env?: Record<string, string>;
}

export interface RunTrialsOptions {
  trials: readonly TrialSpec[];
  /** Epochs of a complete trial (T_end). */
  totalEpochs: number;
  /** The stopping policy (../tpe/policy.ts): "tpe" (default), "sh" (successive halving) or "none". */
  method?: StopPolicy;
  /** tpe: fraction f of the epochs after which the decision is taken. Default 0.2. */
  budget?: number;
  /** tpe: trials kept at the decision; sh: fewest kept at a rung. Default 1. */
  keep?: number;
  /** sh: epochs before the first rung. Default 1. */
  minEpochs?: number;
  /** sh: reduction factor η ≥ 2. Default 4. */
  reductionFactor?: number;
  /** Ranking score (../tpe/scores.ts). Default tse. */
  score?: ScoreName;
  /** TSE-E window E and TSE-EMA decay γ. Defaults 1 and 0.9. */
  scoreOptions?: { E?: number; gamma?: number };
  /** Trials running at once (held ones do not count). Default 1. */
  concurrency?: number;
  /** A trial running longer than this (held time excluded) is stopped and failed, s. */
  timeLimitS?: number;
  /** A running trial silent this long after its first output line is hung: stopped and failed, s (start-up is covered by timeLimitS). */
  idleTimeoutS?: number;
  /** Seconds between SIGTERM and SIGKILL. Default 5. */
  graceS?: number;
  runDir: string;
  /** Continue the run in runDir if it exists. */
  resume?: boolean;
  /** Where command trials run. Default: local processes. */
  backend?: TrialBackend;
  /** Meter settings (default: auto, falling back to the estimate). */
  meter?: OpenMeterOptions;
  /** Folder trials run in. Default process.cwd(). */
  cwd?: string;
  signal?: AbortSignal;
  title?: string;
  /** Called with a fresh report now and then (every updateIntervalMs, and on decisions and ends). */
  onUpdate?: (u: RunUpdate) => void;
  updateIntervalMs?: number;
  /** Stop a trial as soon as it reports a non-finite loss. Default true. */
  stopDiverged?: boolean;
  /** Cap the GPU power limit for the trials (--power-limit); see RunPowerLimit. */
  powerLimit?: RunPowerLimit;
}

/**
 * A GPU power cap for a run. Local trials (the backend's powerScope "run"): the runner sets it
 * once before the first trial and puts the original back after the last, on every way the run
 * ends (finished, failed, interrupted, SIGTERM/SIGHUP/SIGINT of this process); should this
 * process be SIGKILLed, each running trial's supervisor puts it back (kernel/bin/supervise.js).
 * Once per run, not per trial: a limit is the GPU's, shared by every trial on it, so trials
 * running at once (or held while others run) must not each set and restore it. Slurm (scope
 * "trial"): each job caps its own GPUs around its trial (the wrapper), since it runs elsewhere;
 * that assumes GPUs of its own (--gres): jobs sharing one, held ones included, would each put back
 * the limit they found, possibly another job's cap.
 * A refusal (no permission, no nvidia-smi) fails the run before any trial starts, or with
 * `optional` lets it go on uncapped; every change is a "power" event in the run folder.
 * Not covered: a SIGKILL of this process while no local trial is alive (the instant between two
 * trials, or before the first) leaves no supervisor to restore the limit; `nvidia-smi -i GPU -pl W`
 * with the original from events.jsonl does, and so does resuming the run, which puts back the
 * original that the earlier session recorded rather than the cap it finds.
 */
export interface RunPowerLimit {
  /** W; null only with `refused` (no limit could be chosen). */
  watts: number | null;
  /** Why no limit could be set before the run (e.g. the tuner of --power-limit auto was refused, with optional): the run goes uncapped and records why. */
  refused?: string;
  /** The GPU to cap (nvidia-smi -i). Default 0; Slurm: each job's allocation unless given. */
  gpu?: number;
  optional?: boolean;
  /** Recorded in run.json: "given" (default) or how the tuner chose it. */
  chosenBy?: string;
}

export interface RunUpdate {
  report: TpeRunReport;
  payload: TpePayload;
  message: string;
  /** Epochs done / epochs the schedule needs, in [0, 1]. */
  fraction: number;
}

export interface RunOutcome {
  report: TpeRunReport;
  payload: TpePayload;
  /** A power-capped run: what was applied and restored, and the cap of each trial. */
  power?: PowerCapSummary;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

interface Live {
  proc?: RunningTrial;
  attempt: number;
  tracker: EpochTracker;
  lastOutputMs: number;
  /** Whether any output line has arrived (the no-output limit starts then). */
  spoke: boolean;
  stopRequest?: { status: EndStatus | null; reason: string };
  invalidLines: number;
  /** Lines that arrived before the start was recorded; replayed right after. */
  early: [string, number][] | null;
}

/** The policy options of a run, defaults filled in. */
export function policyOf(opts: Pick<RunTrialsOptions, "method" | "budget" | "keep" | "minEpochs" | "reductionFactor">): PolicyOptions {
  const d = DEFAULT_POLICY;
  return {
    policy: opts.method ?? d.policy,
    budget: opts.budget ?? d.budget,
    keep: opts.keep ?? d.keep,
    minEpochs: opts.minEpochs ?? d.minEpochs,
    reductionFactor: opts.reductionFactor ?? d.reductionFactor,
  };
}

function mergeSeries(a: readonly DeviceSeries[], b: readonly DeviceSeries[]): DeviceSeries[] {
  const by = new Map<string, DeviceSeries>();
  for (const s of [...a, ...b]) {
    const have = by.get(s.device);
    if (have) by.set(s.device, { ...have, t_ms: [...have.t_ms, ...s.t_ms], values: [...have.values, ...s.values] });
    else by.set(s.device, { ...s, t_ms: [...s.t_ms], values: [...s.values] });
  }
  return [...by.values()];
}

function lastLine(file: string): string {
  try {
    const text = fs.readFileSync(file, "utf8");
    const lines = text.trimEnd().split("\n");
    return lines[lines.length - 1].trim().slice(0, 200);
  } catch {
    return "";
  }
}

class Runner {
  private readonly o: Required<Pick<RunTrialsOptions, "totalEpochs" | "score" | "concurrency" | "graceS">> & RunTrialsOptions;
  private readonly policy: PolicyOptions;
  private readonly scoreOptions: { E: number; gamma: number };
  private readonly rungs: Rung[];
  private readonly runDir: string;
  private folder!: RunFolder;
  private state!: RunState;
  private readonly live = new Map<string, Live>();
  private readonly starting = new Set<string>();
  private meter?: EnergyMeter;
  private meterNotes: string[] = [];
  private priorSeries: DeviceSeries[] = [];
  private sampleBuf: MeterSample[] = [];
  private wake: () => void = () => undefined;
  private aborting = false;
  private startMs = 0;
  private lastUpdate = 0;
  private readonly specSummary: RunSpecSummary;
  private readonly functionBackend = new FunctionBackend();
  private readonly backend: TrialBackend;
  private maxGapMs = 2000;
  private powerHold?: PowerLimitHold;
  /** This run's power and start events, earlier sessions' included (the power summary's input). */
  private readonly powerLog: RunEvent[] = [];
  /** Set when the run must stop (a Slurm job that was refused its cap without --power-limit-optional). */
  private fatal?: Error;

  constructor(opts: RunTrialsOptions) {
    if (opts.trials.length === 0) throw new RangeError("no trials to run");
    const ids = new Set<string>();
    for (const t of opts.trials) {
      if (!ID.test(t.id)) throw new RangeError(`trial id ${JSON.stringify(t.id)} must be letters, digits, ".", "_" or "-"`);
      if (ids.has(t.id)) throw new RangeError(`trial id ${t.id} appears twice`);
      ids.add(t.id);
      if (!t.fn && !(t.argv && t.argv.length)) throw new RangeError(`trial ${t.id} has neither argv nor fn`);
    }
    const conc = opts.concurrency ?? 1;
    if (!Number.isInteger(conc) || conc < 1) throw new RangeError(`concurrency must be an integer ≥ 1 but got ${conc}`);
    this.o = { score: "tse", concurrency: conc, graceS: 5, ...opts };
    this.policy = policyOf(opts);
    this.scoreOptions = { E: opts.scoreOptions?.E ?? DEFAULT_E, gamma: opts.scoreOptions?.gamma ?? DEFAULT_GAMMA };
    this.rungs = stopSchedule(this.policy, opts.totalEpochs, opts.trials.length);
    this.runDir = path.resolve(opts.cwd ?? process.cwd(), opts.runDir);
    this.backend = opts.backend ?? new LocalBackend();
    this.specSummary = {
      title: opts.title ?? `live ${this.policy.policy} run: ${opts.trials.length} trials`,
      method: this.policy.policy,
      score: this.o.score,
      score_options: this.scoreOptions,
      total_epochs: this.o.totalEpochs,
      budget_fraction: this.policy.budget,
      keep: this.policy.keep,
      min_epochs: this.policy.minEpochs,
      reduction_factor: this.policy.reductionFactor,
      rungs: this.rungs,
      trials: opts.trials.map((t) => ({ id: t.id, params: t.params })),
    };
  }

  private folderSpec(): RunFolderSpec {
    return {
      schema_version: 1,
      ...this.specSummary,
      backend: this.backend.name,
      trials: this.o.trials.map((t) => ({ id: t.id, params: t.params, argv: t.argv ? [...t.argv] : null })),
      ...(this.o.powerLimit ? { power_limit: this.powerSpec() } : {}),
    };
  }

  private powerScope(): "run" | "trial" {
    return this.backend.powerScope ?? "run";
  }

  private powerSpec(): NonNullable<RunFolderSpec["power_limit"]> {
    const p = this.o.powerLimit!;
    const gpu = p.gpu ?? (this.powerScope() === "run" ? 0 : null);
    return { requested_w: p.watts, gpu, optional: p.optional ?? false, scope: this.powerScope(), chosen_by: p.chosenBy ?? "given" };
  }

  private emit(ev: RunEvent): void {
    this.folder.append(ev);
    applyEvent(this.state, ev);
    if (ev.type === "power" || ev.type === "start") this.powerLog.push(ev);
  }

  /**
   * Run scope: caps the GPU for the whole run before any trial starts (see RunPowerLimit). A
   * resumed run whose earlier session never put its cap back restores the original it recorded,
   * not the cap it would read now.
   */
  private async capPower(): Promise<void> {
    const p = this.o.powerLimit;
    if (!p || this.powerScope() !== "run") return;
    if ([...this.state.trials.values()].every(isTerminal)) return; // a finished run resumed: no trial to cap
    const gpu = p.gpu ?? 0;
    if (p.refused !== undefined || p.watts === null) {
      this.emit({ type: "power", gpu, by: "runner", t_ms: Date.now(), action: "not-applied", limit_w: null, original_w: null, detail: p.refused ?? "no limit was chosen" });
      return;
    }
    const watts = p.watts;
    const pending = [...this.powerLog].reverse().find((e): e is PowerEvent => e.type === "power" && e.trial === undefined && e.gpu === gpu);
    const original = pending?.action === "applied" && pending.original_w !== null ? pending.original_w : undefined;
    const base = { type: "power", gpu, by: "runner" } as const;
    try {
      this.powerHold = await holdPowerLimit(watts, {
        gpu,
        original,
        onRestored: ({ original: w, how, error }) =>
          this.emit({ ...base, t_ms: Date.now(), action: error ? "restore-failed" : "restored", limit_w: w, original_w: null, detail: error ? error.message : how === "signal" ? "put back when this process was signalled" : "put back at the end of the run" }),
      });
    } catch (e) {
      if (!(e instanceof PowerLimitError)) throw e;
      const detail = e.message;
      if (p.optional) {
        this.emit({ ...base, t_ms: Date.now(), action: "not-applied", limit_w: null, original_w: null, detail: `${detail}; going on uncapped (--power-limit-optional)` });
        return;
      }
      this.emit({ ...base, t_ms: Date.now(), action: "refused", limit_w: null, original_w: null, detail });
      throw new PowerLimitError(
        `--power-limit ${watts}: could not cap GPU ${gpu}, so no trial was started. ${detail}; or pass --power-limit-optional to run the trials uncapped`,
        e.output,
        e.denied,
      );
    }
    const h = this.powerHold;
    this.emit({ ...base, t_ms: Date.now(), action: "applied", limit_w: h.limit, original_w: h.original, detail: original !== undefined ? "the original as recorded by the earlier session, which did not put it back" : "set before the first trial" });
  }

  /** Puts the run's cap back (run scope); a failure is recorded (restore-failed), not thrown over the run's outcome. */
  private async releasePower(): Promise<void> {
    const h = this.powerHold;
    if (!h || h.restored) return;
    await h.release().catch(() => undefined);
  }

  /** What a trial's backend must do about the cap (undefined: nothing, uncapped run). */
  private powerFor(id: string, attempt: number): TrialLaunch["power"] {
    const p = this.o.powerLimit;
    if (!p || p.watts === null || p.refused !== undefined) return undefined;
    if (this.powerScope() === "trial") {
      return { limit_w: p.watts, optional: p.optional ?? false, ...(p.gpu !== undefined ? { gpus: [p.gpu] } : {}), record: this.folder.powerRecordPath(id, attempt) };
    }
    const h = this.powerHold;
    if (!h || h.restored) return undefined;
    return { limit_w: h.limit, optional: p.optional ?? false, restore: [{ gpu: h.gpu, original_w: h.original }], record: this.folder.eventsPath };
  }

  /** Trial scope: copies what the attempt's job recorded about its cap into the events; a refusal without optional stops the run. */
  private importPower(id: string, attempt: number): void {
    const p = this.o.powerLimit;
    if (!p || this.powerScope() !== "trial") return;
    const { events, issues } = readPowerRecords(this.folder.powerRecordPath(id, attempt), id, attempt);
    for (const ev of events) this.emit(ev);
    this.meterNotes.push(...issues);
    const refused = events.find((e) => e.action === "refused");
    if (refused && !(p.optional ?? false) && !this.fatal) {
      this.fatal = new PowerLimitError(
        `--power-limit ${p.watts}: trial ${id}'s job could not cap GPU ${refused.gpu} (${refused.detail ?? "no message"}), so the run was stopped. ` +
          "Setting a GPU power limit needs root on the node, with persistence mode on (nvidia-smi -pm 1); or pass --power-limit-optional to run the trials uncapped",
        refused.detail ?? "",
        /permission|not permitted|root/i.test(refused.detail ?? ""),
      );
    }
  }

  private trial(id: string): TrialRunState {
    return this.state.trials.get(id)!;
  }

  private spec(id: string): TrialSpec {
    return this.o.trials.find((t) => t.id === id)!;
  }

  /** Function trials run in-process; the rest on the chosen backend. */
  private backendOf(id: string): TrialBackend {
    return this.spec(id).fn ? this.functionBackend : this.backend;
  }

  private recorded(id: string, a: AttemptState): RecordedAttempt {
    return { runDir: this.runDir, trial: id, attempt: a.attempt, handle: { pid: a.pid, job: a.job } };
  }

  /** Every recorded attempt of the trials that run on `backend`, this session's and earlier ones. */
  private attemptsOn(backend: TrialBackend): RecordedAttempt[] {
    return [...this.state.trials.values()].filter((t) => this.backendOf(t.id) === backend).flatMap((t) => t.attempts.map((a) => this.recorded(t.id, a)));
  }

  private async open(): Promise<void> {
    const spec = this.folderSpec();
    const ids = this.o.trials.map((t) => t.id);
    this.state = emptyRunState(ids);
    if (this.o.resume && fs.existsSync(path.join(this.runDir, "run.json"))) {
      const { folder, events } = RunFolder.open(this.runDir, spec);
      this.folder = folder;
      for (const ev of events) {
        applyEvent(this.state, ev);
        if (ev.type === "power" || ev.type === "start") this.powerLog.push(ev);
      }
      this.priorSeries = folder.readSeries();
      this.startMs = events.length ? events[0].t_ms : Date.now();
      // processes of unfinished attempts may survive a crashed kernel: end them
      const reaps: Promise<void>[] = [];
      for (const t of this.state.trials.values()) {
        const a = latestAttempt(t);
        if (!a || a.end) continue;
        reaps.push(this.backendOf(t.id).reap(this.recorded(t.id, a)));
        if (t.stoppedAtRung !== null) {
          this.emit({ type: "end", t_ms: Date.now(), trial: t.id, attempt: a.attempt, status: "stopped", reason: `stopped at epoch ${this.rungs[t.stoppedAtRung]?.epoch} by the decision`, code: null, signal: null });
        } else if (a.heldAt === null) {
          this.emit({ type: "end", t_ms: this.state.last_ms, trial: t.id, attempt: a.attempt, status: "interrupted", reason: "the run was interrupted while this attempt ran; it is redone", code: null, signal: null });
        }
      }
      await Promise.all(reaps);
    } else {
      await this.reapLeftovers();
      this.folder = RunFolder.create(this.runDir, spec);
      this.startMs = Date.now();
    }
  }

  /**
   * A new run in a folder that a crashed run left (it is refused: resume it or choose another
   * folder) first ends that run's unfinished attempts, so held trials never outlive a crash
   * whether or not it is resumed. Reads only; reaping checks that each process is still that trial's.
   */
  private async reapLeftovers(): Promise<void> {
    let saved: { backend?: unknown; trials?: { id: string }[] };
    try {
      saved = JSON.parse(fs.readFileSync(path.join(this.runDir, RUN_FILES.spec), "utf8"));
    } catch {
      return; // no run folder (or an unreadable one): nothing recorded to reap
    }
    if (saved.backend !== this.backend.name || !Array.isArray(saved.trials)) return;
    const state = emptyRunState(saved.trials.map((t) => t.id));
    for (const ev of readEvents(path.join(this.runDir, RUN_FILES.events)).events) applyEvent(state, ev);
    const unfinished = [...state.trials.values()].map((t) => [t.id, latestAttempt(t)] as const).filter(([, a]) => a && !a.end);
    await Promise.all(unfinished.map(([id, a]) => this.backend.reap(this.recorded(id, a!))));
  }

  private flushSamples(): void {
    const buf = this.sampleBuf;
    this.sampleBuf = [];
    this.folder.appendSamples(buf);
  }

  async run(): Promise<RunOutcome> {
    await this.open();
    await this.capPower();
    try {
      return await this.runCapped();
    } finally {
      await this.releasePower();
    }
  }

  private async runCapped(): Promise<RunOutcome> {
    // A crash can cut the last `session` event; never reuse a session number whose files exist.
    let session = this.state.sessions + 1;
    while (fs.existsSync(path.join(this.runDir, `gpu-timeseries-${session}.csv`))) session++;
    const meterOpts: OpenMeterOptions = {
      ...this.o.meter,
      nvidiaSmi: { ...this.o.meter?.nvidiaSmi, logFile: this.o.meter?.nvidiaSmi?.logFile ?? path.join(this.runDir, `gpu-timeseries-${session}.csv`) },
      onSample: (s) => this.sampleBuf.push(s),
    };
    const meterSet = await openMeter(meterOpts);
    this.meter = meterSet;
    this.meterNotes = [...meterSet.notes];
    this.maxGapMs = Math.max(2000, 10 * (this.o.meter?.intervalMs ?? 200));
    this.emit({ type: "session", t_ms: Date.now(), session, meter: { source: meterSet.source, measured: meterSet.measured, notes: this.meterNotes } });
    const onAbort = () => this.wake();
    this.o.signal?.addEventListener("abort", onAbort);
    const flusher = setInterval(() => this.flushSamples(), 1000);
    let outcome: RunOutcome | undefined;
    try {
      for (;;) {
        if (this.fatal) {
          await this.abortAll();
          throw this.fatal;
        }
        if (this.o.signal?.aborted) {
          await this.abortAll();
          throw new InterruptedError(
            `interrupted: every trial was stopped; the run folder ${this.runDir} keeps what finished. Run the same command with --resume to continue.`,
          );
        }
        this.tick();
        if (this.live.size === 0 && this.starting.size === 0 && [...this.state.trials.values()].every(isTerminal)) break;
        this.maybeUpdate(false);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 100);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      this.emit({ type: "finished", t_ms: Date.now() });
    } catch (e) {
      if (!(e instanceof InterruptedError) && e !== this.fatal) await this.abortAll();
      throw e;
    } finally {
      // every trial is gone here (finished, or stopped by abortAll): the cap goes first, so that the
      // window in which a killed runner leaves it set (no supervisor alive) stays short, and the results show the restore
      await this.releasePower();
      clearInterval(flusher);
      this.o.signal?.removeEventListener("abort", onAbort);
      await meterSet.stop();
      this.flushSamples();
      await this.backend.close();
      try {
        outcome = this.build(Date.now(), true);
        this.writeResults(outcome.report);
      } catch {
        /* the events log is the record; results are rebuilt on resume */
      }
    }
    outcome ??= this.build(Date.now(), true);
    return this.o.powerLimit ? { ...outcome, power: powerSummary(this.powerLog, this.powerSpec()) } : outcome;
  }

  private build(nowMs: number, final: boolean): RunOutcome {
    let series = final ? this.folder.readSeries() : mergeSeries(this.priorSeries, this.meter?.series() ?? []);
    // power the backend's trials measured themselves (e.g. Slurm jobs' GPU logs), on top of the meter's
    const own = this.backend.deviceSeries?.(this.attemptsOn(this.backend));
    if (own && own.series.length) series = [...series, ...own.series];
    return buildRunReport({
      deviceOwner: own?.owner,
      spec: this.specSummary,
      state: this.state,
      series,
      runDir: this.runDir,
      energySource: this.meter?.source ?? "none",
      measured: this.meter?.measured ?? false,
      // damaged run-folder lines (skipped or cut off) are shown with the meter notes
      meterNotes: [...this.meterNotes, ...(own?.notes ?? []), ...this.folder.issues],
      maxGapMs: this.maxGapMs,
      nowMs,
      startMs: this.startMs,
    });
  }

  private writeResults(report: TpeRunReport): void {
    this.folder.writeReport(report);
    const epochs = new Map<string, { attempt: number; epochs: EpochResult[] }>();
    for (const t of this.state.trials.values()) {
      const a = latestAttempt(t);
      if (a) epochs.set(t.id, { attempt: a.attempt, epochs: a.epochs });
    }
    this.folder.writeArrow(report, epochs);
  }

  private maybeUpdate(force: boolean): void {
    if (!this.o.onUpdate) return;
    const now = Date.now();
    if (!force && now - this.lastUpdate < (this.o.updateIntervalMs ?? 1000)) return;
    this.lastUpdate = now;
    try {
      const { report, payload } = this.build(now, false);
      const planned = plannedEpochs(this.rungs, this.o.trials.length, this.o.totalEpochs);
      const counts = new Map<string, number>();
      for (const t of report.trials) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
      const message = `${this.policy.policy} run: ` + [...counts].map(([s, n]) => `${n} ${s}`).join(", ") + `; ${report.epochs_run} epochs, ${report.energy_used_j.toFixed(0)} J`;
      this.o.onUpdate({ report, payload, message, fraction: Math.min(1, report.epochs_run / Math.max(1, planned)) });
    } catch {
      /* progress must never break the run */
    }
  }

  // ---- scheduling -------------------------------------------------------------------------

  private tick(): void {
    const now = Date.now();
    for (const [id, lv] of this.live) {
      if (lv.stopRequest || !lv.proc) continue;
      const a = latestAttempt(this.trial(id))!;
      if (a.heldAt !== null) continue;
      const active = a.segments.reduce((s, g) => s + ((g.end_ms ?? now) - g.start_ms), 0);
      if (this.o.timeLimitS !== undefined && active > this.o.timeLimitS * 1000) {
        this.requestStop(id, "failed", `time limit of ${this.o.timeLimitS} s exceeded`);
      } else if (this.o.idleTimeoutS !== undefined && lv.spoke && now - lv.lastOutputMs > this.o.idleTimeoutS * 1000) {
        this.requestStop(id, "failed", `hung: no output for ${this.o.idleTimeoutS} s`);
      }
    }
    this.decide();
    this.fill();
  }

  private decide(): void {
    const i = this.state.decisions.length;
    const rung = this.rungs[i];
    if (!rung) return;
    const waiting = [...this.state.trials.values()].filter((t) => !isTerminal(t));
    if (waiting.length === 0) return;
    if (!waiting.every((t) => trialStatus(t) === "held" && latestAttempt(t)!.heldAt === i && t.passed === i)) return;
    const scores: Record<string, number | null> = {};
    for (const t of waiting) {
      const a = latestAttempt(t)!;
      scores[t.id] = definedScoreAt(curveFromEpochs(t.id, a.epochs), this.o.score, rung.epoch, { ...this.scoreOptions, totalEpochs: this.o.totalEpochs });
    }
    const kept = keepBest(waiting.map((t) => ({ id: t.id, score: scores[t.id] })), rung.keep);
    const stopped = waiting.map((t) => t.id).filter((id) => !kept.includes(id));
    this.emit({ type: "decision", t_ms: Date.now(), rung: i, epoch: rung.epoch, keep: rung.keep, kept, stopped, scores });
    for (const id of stopped) {
      const sc = scores[id];
      const reason = `stopped at epoch ${rung.epoch} by ${this.policy.policy === "tpe" ? "TPE" : "successive halving"}: ${this.o.score} ${sc === null ? "undefined" : sc.toFixed(4)} not among the ${rung.keep} best`;
      if (this.live.has(id)) this.requestStop(id, "stopped", reason);
      else {
        const a = latestAttempt(this.trial(id))!;
        this.emit({ type: "end", t_ms: Date.now(), trial: id, attempt: a.attempt, status: "stopped", reason, code: null, signal: null });
      }
    }
    this.maybeUpdate(true);
  }

  private runningCount(): number {
    let n = this.starting.size;
    for (const id of this.live.keys()) {
      const a = latestAttempt(this.trial(id));
      if (a && a.heldAt === null && !a.end) n++;
    }
    return n;
  }

  private fill(): void {
    if (this.aborting) return;
    let slots = this.o.concurrency - this.runningCount();
    if (slots <= 0) return;
    // first the kept trials waiting at a rung, then new attempts
    for (const [id, lv] of this.live) {
      if (slots <= 0) return;
      const t = this.trial(id);
      const a = latestAttempt(t)!;
      if (a.heldAt !== null && t.passed > a.heldAt && !lv.stopRequest && lv.proc) {
        this.emit({ type: "resume", t_ms: Date.now(), trial: id, attempt: a.attempt });
        lv.lastOutputMs = Date.now();
        void lv.proc.resume();
        slots--;
      }
    }
    for (const t of this.state.trials.values()) {
      if (slots <= 0) return;
      if (this.live.has(t.id) || this.starting.has(t.id) || isTerminal(t)) continue;
      const a = latestAttempt(t);
      const needs = !a || (a.end !== null && a.end.status === "interrupted") || (a.heldAt !== null && t.passed > a.heldAt);
      if (!needs) continue;
      slots--;
      void this.startAttempt(t);
    }
  }

  private async startAttempt(t: TrialRunState): Promise<void> {
    const id = t.id;
    const spec = this.spec(id);
    const prev = latestAttempt(t);
    if (prev && !prev.end) {
      // a held attempt without a process (from an earlier session), kept: it is redone from the start
      this.emit({ type: "end", t_ms: Date.now(), trial: id, attempt: prev.attempt, status: "interrupted", reason: "kept, but its process was gone after the interruption; redone", code: null, signal: null });
    }
    const attempt = (prev?.attempt ?? 0) + 1;
    this.starting.add(id);
    const logs = this.folder.logPaths(id, attempt);
    const lv: Live = { attempt, tracker: new EpochTracker(), lastOutputMs: Date.now(), spoke: false, invalidLines: 0, early: [] };
    const backend = this.backendOf(id);
    let proc: RunningTrial;
    let runningSeen = false;
    let pendingRunning: number | null = null;
    try {
      proc = await backend.start(
        {
          id,
          attempt,
          params: spec.params,
          argv: spec.argv,
          fn: spec.fn,
          cwd: this.o.cwd ?? process.cwd(),
          env: { ...spec.env, ...trialEnv(this.runDir, id, attempt) },
          stdoutPath: logs.stdout,
          stderrPath: logs.stderr,
          power: backend === this.backend ? this.powerFor(id, attempt) : undefined,
        },
        {
          onRunning: (tMs) => {
            if (!this.live.has(id)) pendingRunning = tMs;
            else if (!runningSeen) {
              runningSeen = true;
              lv.lastOutputMs = tMs;
              this.emit({ type: "running", t_ms: tMs, trial: id, attempt });
            }
          },
          onLine: (line, tMs) => this.onLine(id, lv, line, tMs),
        },
      );
    } catch (e) {
      this.starting.delete(id);
      this.emit({ type: "start", t_ms: Date.now(), trial: id, attempt, label: "not started" });
      this.emit({ type: "end", t_ms: Date.now(), trial: id, attempt, status: "failed", reason: `could not start: ${(e as Error).message}`, code: null, signal: null });
      this.wake();
      return;
    }
    lv.proc = proc;
    const { pid, job } = proc.handle;
    this.emit({ type: "start", t_ms: Date.now(), trial: id, attempt, label: proc.label, ...(pid !== undefined ? { pid } : {}), ...(job !== undefined ? { job } : {}) });
    this.live.set(id, lv);
    this.starting.delete(id);
    if (pendingRunning !== null && !runningSeen) {
      runningSeen = true;
      lv.lastOutputMs = pendingRunning;
      this.emit({ type: "running", t_ms: pendingRunning, trial: id, attempt });
    }
    const early = lv.early ?? [];
    lv.early = null;
    for (const [line, tMs] of early) this.onLine(id, lv, line, tMs);
    void proc.exited.then((exit) => this.onExit(id, lv, exit));
    if (this.aborting) this.requestStop(id, "interrupted", "the run was interrupted");
    this.wake();
  }

  private onLine(id: string, lv: Live, line: string, tMs: number): void {
    if (lv.early) {
      lv.early.push([line, tMs]);
      return;
    }
    lv.lastOutputMs = tMs;
    lv.spoke = true;
    const p = parseTrialLine(line);
    if (p.kind === "invalid") {
      lv.invalidLines++;
      return;
    }
    if (p.kind !== "record" || !this.live.has(id)) return;
    this.onEpochs(id, lv, lv.tracker.add(p.record, tMs));
  }

  private onEpochs(id: string, lv: Live, epochs: EpochResult[]): void {
    for (const e of epochs) {
      this.emit({
        type: "epoch",
        t_ms: e.end_ms,
        trial: id,
        attempt: lv.attempt,
        epoch: e.epoch,
        train_loss: encodeNumber(e.train_loss),
        val_loss: e.val_loss === null ? null : encodeNumber(e.val_loss),
        steps: e.steps,
        end_ms: e.end_ms,
        ...(e.extra ? { extra: e.extra } : {}),
      });
      if (lv.stopRequest) continue;
      const bad = !Number.isFinite(e.train_loss) || (e.val_loss !== null && !Number.isFinite(e.val_loss));
      if (bad && (this.o.stopDiverged ?? true)) {
        this.requestStop(id, "diverged", `diverged: non-finite loss at epoch ${e.epoch}`);
        continue;
      }
      const t = this.trial(id);
      const rung = this.rungs[t.passed];
      const a = latestAttempt(t)!;
      if (rung && e.epoch >= rung.epoch && a.heldAt === null && e.epoch < this.o.totalEpochs) {
        void lv.proc?.hold();
        this.emit({ type: "hold", t_ms: Date.now(), trial: id, attempt: lv.attempt, rung: t.passed });
        this.wake();
      }
    }
  }

  private requestStop(id: string, status: EndStatus | null, reason: string): void {
    const lv = this.live.get(id);
    if (!lv || lv.stopRequest) return;
    lv.stopRequest = { status, reason };
    void lv.proc?.stop(this.o.graceS * 1000);
  }

  private onExit(id: string, lv: Live, exit: TrialExit): void {
    this.onEpochs(id, lv, lv.tracker.finish());
    this.importPower(id, lv.attempt);
    this.live.delete(id);
    const t = this.trial(id);
    const a = latestAttempt(t)!;
    const logs = this.folder.logPaths(id, lv.attempt);
    const rel = path.relative(this.runDir, logs.stderr);
    let status: EndStatus;
    let reason: string;
    const last = a.epochs[a.epochs.length - 1];
    const diverged = a.epochs.some((e) => !Number.isFinite(e.train_loss) || (e.val_loss !== null && !Number.isFinite(e.val_loss)));
    if (lv.stopRequest) {
      if (lv.stopRequest.status === null) {
        // a held trial stopped by an interruption: its epochs stay valid for the decision
        this.wake();
        return;
      }
      status = lv.stopRequest.status;
      reason = lv.stopRequest.reason;
      if (status === "failed") reason += `; log: ${rel}`;
    } else if (exit.code === 0 && last && last.epoch >= this.o.totalEpochs) {
      status = "completed";
      reason = `finished ${last.epoch} epochs`;
    } else if (exit.code === 0 && diverged) {
      status = "diverged";
      reason = `diverged: non-finite loss at epoch ${a.epochs.find((e) => !Number.isFinite(e.train_loss))?.epoch ?? last?.epoch}`;
    } else {
      status = "failed";
      const how = exit.detail ?? (exit.signal ? `killed by ${exit.signal}` : exit.code === 0 ? `exited after ${a.epochs.length} of ${this.o.totalEpochs} epochs` : `exit code ${exit.code}`);
      const tail = lastLine(logs.stderr);
      reason = `${how}${tail ? `: ${tail}` : ""}; log: ${rel}`;
    }
    if (lv.invalidLines) reason += ` (${lv.invalidLines} output lines had a bad record and were ignored)`;
    this.emit({ type: "end", t_ms: exit.t_ms, trial: id, attempt: lv.attempt, status, reason, code: exit.code, signal: exit.signal });
    this.maybeUpdate(true);
    this.wake();
  }

  private async abortAll(): Promise<void> {
    this.aborting = true;
    while (this.starting.size > 0) await new Promise((r) => setTimeout(r, 20));
    const waits: Promise<unknown>[] = [];
    for (const [id, lv] of this.live) {
      const a = latestAttempt(this.trial(id));
      const held = a !== undefined && a.heldAt !== null && !(this.trial(id).passed > a.heldAt);
      if (!lv.stopRequest) {
        lv.stopRequest = held ? { status: null, reason: "interrupted while held" } : { status: "interrupted", reason: "the run was interrupted" };
        void lv.proc?.stop(this.o.graceS * 1000);
      }
      if (lv.proc) waits.push(lv.proc.exited);
    }
    await Promise.all(waits);
    // let the exit handlers record the ends
    await new Promise((r) => setImmediate(r));
    this.emit({ type: "interrupted", t_ms: Date.now() });
  }
}

/**
 * Runs the trials under the stopping schedule and returns the report and the TPE payload.
 * Throws InterruptedError (after stopping every trial) when `signal` aborts; the run folder
 * then resumes with `resume: true`.
 */
export async function runTrials(opts: RunTrialsOptions): Promise<RunOutcome> {
  return new Runner(opts).run();
}
