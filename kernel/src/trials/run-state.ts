/**
 * The state of a live run as a reduction of its event log: the runner appends an event and
 * applies it; a resumed run replays the log. Pure.
 */
import type { EpochResult } from "./records";

export type TrialStatus = "pending" | "running" | "held" | "completed" | "stopped" | "failed" | "diverged";
/** End states an attempt can record; "interrupted" attempts are redone on resume. */
export type EndStatus = "completed" | "stopped" | "failed" | "diverged" | "interrupted";

export type RunEvent =
  | { type: "session"; t_ms: number; session: number; meter: { source: string; measured: boolean; notes: string[] } }
  | { type: "start"; t_ms: number; trial: string; attempt: number; label: string; pid?: number; job?: string }
  | { type: "running"; t_ms: number; trial: string; attempt: number }
  | { type: "epoch"; t_ms: number; trial: string; attempt: number; epoch: number; train_loss: number | string; val_loss: number | string | null; steps: number; end_ms: number; extra?: Record<string, unknown> }
  | { type: "hold"; t_ms: number; trial: string; attempt: number; rung: number }
  | { type: "resume"; t_ms: number; trial: string; attempt: number }
  | { type: "decision"; t_ms: number; rung: number; epoch: number; keep: number; kept: string[]; stopped: string[]; scores: Record<string, number | null> }
  | { type: "end"; t_ms: number; trial: string; attempt: number; status: EndStatus; reason: string; code: number | null; signal: string | null }
  | { type: "interrupted"; t_ms: number }
  | { type: "finished"; t_ms: number }
  | PowerEvent;

/**
 * A GPU power-limit change of a power-capped run (`%tpe run --power-limit`): the runner's cap for
 * the whole run (no trial), or a Slurm job's own cap (its trial and attempt). `by` says who did it:
 * the runner, a trial's supervisor (restoring after the runner died), or the job's wrapper.
 */
export type PowerEvent = {
  type: "power";
  t_ms: number;
  /** applied: limit_w set (original_w found); restored: limit_w put back; not-applied: refused, the run went on uncapped (--power-limit-optional); refused: refused, the run stops; restore-failed: the original could not be put back. */
  action: "applied" | "restored" | "not-applied" | "refused" | "restore-failed";
  gpu: number;
  limit_w: number | null;
  original_w: number | null;
  by: "runner" | "supervisor" | "job";
  trial?: string;
  attempt?: number;
  detail?: string;
};

export interface Segment {
  start_ms: number;
  /** null while running. */
  end_ms: number | null;
}

export interface AttemptState {
  attempt: number;
  label: string;
  pid?: number;
  job?: string;
  segments: Segment[];
  epochs: EpochResult[];
  /** Rung index it is held at, while held. */
  heldAt: number | null;
  end: { status: EndStatus; reason: string; code: number | null; signal: string | null; t_ms: number } | null;
}

export interface TrialRunState {
  id: string;
  attempts: AttemptState[];
  /** Rungs this trial has been kept at. */
  passed: number;
  /** Set when a decision stopped it. */
  stoppedAtRung: number | null;
}

export interface RunState {
  trials: Map<string, TrialRunState>;
  decisions: Extract<RunEvent, { type: "decision" }>[];
  sessions: number;
  interrupted: boolean;
  finished: boolean;
  /** Latest time seen in any event. */
  last_ms: number;
}

/** Non-finite numbers are stored as strings ("NaN", "Infinity") in the JSON log. */
export function encodeNumber(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}
export function decodeNumber(x: number | string | null | undefined): number | null {
  if (x === null || x === undefined) return null;
  return typeof x === "number" ? x : Number(x);
}

export function emptyRunState(ids: readonly string[]): RunState {
  const trials = new Map<string, TrialRunState>();
  for (const id of ids) trials.set(id, { id, attempts: [], passed: 0, stoppedAtRung: null });
  return { trials, decisions: [], sessions: 0, interrupted: false, finished: false, last_ms: 0 };
}

function closeSegment(a: AttemptState, t: number): void {
  const s = a.segments[a.segments.length - 1];
  if (s && s.end_ms === null) s.end_ms = Math.max(s.start_ms, t);
}

function attemptOf(st: RunState, trial: string, attempt: number): AttemptState | undefined {
  return st.trials.get(trial)?.attempts.find((a) => a.attempt === attempt);
}

/** Applies one event to the state (in place) and returns it. Unknown trials are ignored. */
export function applyEvent(st: RunState, ev: RunEvent): RunState {
  st.last_ms = Math.max(st.last_ms, ev.t_ms);
  switch (ev.type) {
    case "session":
      st.sessions = Math.max(st.sessions, ev.session);
      st.interrupted = false;
      break;
    case "start": {
      const t = st.trials.get(ev.trial);
      if (!t) break;
      t.attempts.push({ attempt: ev.attempt, label: ev.label, pid: ev.pid, job: ev.job, segments: [], epochs: [], heldAt: null, end: null });
      break;
    }
    case "running":
    case "resume": {
      const a = attemptOf(st, ev.trial, ev.attempt);
      if (!a || a.end) break;
      closeSegment(a, ev.t_ms);
      a.segments.push({ start_ms: ev.t_ms, end_ms: null });
      a.heldAt = null;
      break;
    }
    case "epoch": {
      const a = attemptOf(st, ev.trial, ev.attempt);
      if (!a) break;
      a.epochs.push({ epoch: ev.epoch, train_loss: decodeNumber(ev.train_loss) as number, val_loss: decodeNumber(ev.val_loss), steps: ev.steps, end_ms: ev.end_ms, ...(ev.extra ? { extra: ev.extra } : {}) });
      break;
    }
    case "hold": {
      const a = attemptOf(st, ev.trial, ev.attempt);
      if (!a || a.end) break;
      closeSegment(a, ev.t_ms);
      a.heldAt = ev.rung;
      break;
    }
    case "decision": {
      st.decisions.push(ev);
      for (const id of ev.kept) {
        const t = st.trials.get(id);
        if (t) t.passed = Math.max(t.passed, ev.rung + 1);
      }
      for (const id of ev.stopped) {
        const t = st.trials.get(id);
        if (t && t.stoppedAtRung === null) t.stoppedAtRung = ev.rung;
      }
      break;
    }
    case "end": {
      const a = attemptOf(st, ev.trial, ev.attempt);
      if (!a) break;
      closeSegment(a, ev.t_ms);
      a.heldAt = null;
      a.end = { status: ev.status, reason: ev.reason, code: ev.code, signal: ev.signal, t_ms: ev.t_ms };
      break;
    }
    case "interrupted":
      st.interrupted = true;
      for (const t of st.trials.values()) for (const a of t.attempts) closeSegment(a, ev.t_ms);
      break;
    case "finished":
      st.finished = true;
      break;
    case "power":
      break; // a record for the report (trials/power-cap.ts reads it); no trial state
  }
  return st;
}

/** The latest attempt of a trial, if any. */
export function latestAttempt(t: TrialRunState): AttemptState | undefined {
  return t.attempts[t.attempts.length - 1];
}

/** A trial's status as the runner sees it (a held attempt without a process is "held"). */
export function trialStatus(t: TrialRunState): TrialStatus {
  const a = latestAttempt(t);
  if (!a) return "pending";
  if (a.end) return a.end.status === "interrupted" ? "pending" : a.end.status;
  if (t.stoppedAtRung !== null) return "stopped";
  return a.heldAt !== null ? "held" : "running";
}

/** Whether the trial needs no more work. */
export function isTerminal(t: TrialRunState): boolean {
  return ["completed", "stopped", "failed", "diverged"].includes(trialStatus(t));
}

// ---- reading the log back --------------------------------------------------------------------

/** A field rule: whether a value fits, and what was expected (for the message). */
type Rule = [ok: (v: unknown) => boolean, expected: string];

const num: Rule = [(v) => typeof v === "number" && Number.isFinite(v), "a finite number"];
const int: Rule = [(v) => Number.isInteger(v), "an integer"];
const str: Rule = [(v) => typeof v === "string", "a string"];
const bool: Rule = [(v) => typeof v === "boolean", "true or false"];
const strs: Rule = [(v) => Array.isArray(v) && v.every((x) => typeof x === "string"), "a list of strings"];
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
/** A loss as encodeNumber writes it: a number, or "NaN" / "Infinity" / "-Infinity". */
const loss: Rule = [(v) => typeof v === "number" || v === "NaN" || v === "Infinity" || v === "-Infinity", 'a number, "NaN" or "±Infinity"'];
const orNull = ([ok, what]: Rule): Rule => [(v) => v === null || ok(v), `${what} or null`];
const END_STATUSES: readonly EndStatus[] = ["completed", "stopped", "failed", "diverged", "interrupted"];

/** Fields each event type must have (absent optional ones are fine; unknown extra fields are kept). */
const EVENT_FIELDS: Record<RunEvent["type"], { required: Record<string, Rule>; optional?: Record<string, Rule> }> = {
  session: {
    required: {
      session: int,
      meter: [(v) => isObject(v) && str[0](v.source) && bool[0](v.measured) && strs[0](v.notes), "{source, measured, notes}"],
    },
  },
  start: { required: { trial: str, attempt: int, label: str }, optional: { pid: int, job: str } },
  running: { required: { trial: str, attempt: int } },
  epoch: { required: { trial: str, attempt: int, epoch: int, train_loss: loss, val_loss: orNull(loss), steps: int, end_ms: num }, optional: { extra: [isObject, "an object"] } },
  hold: { required: { trial: str, attempt: int, rung: int } },
  resume: { required: { trial: str, attempt: int } },
  decision: {
    required: {
      rung: int,
      epoch: int,
      keep: int,
      kept: strs,
      stopped: strs,
      scores: [(v) => isObject(v) && Object.values(v).every((x) => x === null || typeof x === "number"), "an object of numbers or null"],
    },
  },
  end: {
    required: {
      trial: str,
      attempt: int,
      status: [(v) => END_STATUSES.includes(v as EndStatus), END_STATUSES.join(", ")],
      reason: str,
      code: orNull(int),
      signal: orNull(str),
    },
  },
  interrupted: { required: {} },
  finished: { required: {} },
  power: {
    required: {
      action: [(v) => ["applied", "restored", "not-applied", "refused", "restore-failed"].includes(v as string), "applied, restored, not-applied, refused or restore-failed"],
      gpu: int,
      limit_w: orNull(num),
      original_w: orNull(num),
      by: [(v) => v === "runner" || v === "supervisor" || v === "job", "runner, supervisor or job"],
    },
    optional: { trial: str, attempt: int, detail: str },
  },
};

/**
 * Checks one value read from events.jsonl: a RunEvent of a known type whose fields have their
 * types. Returns the event, or why it is not one (a line to skip and report).
 */
export function runEventFrom(v: unknown): RunEvent | string {
  if (!isObject(v)) return `${v === null ? "null" : Array.isArray(v) ? "a list" : typeof v} is not an event (expected a JSON object with "type" and "t_ms")`;
  const type = v.type;
  if (typeof type !== "string") return `an event needs "type" (a string) but got ${JSON.stringify(type)}`;
  const fields = Object.prototype.hasOwnProperty.call(EVENT_FIELDS, type) ? EVENT_FIELDS[type as RunEvent["type"]] : undefined;
  if (!fields) return `unknown event type ${JSON.stringify(type)} (expected ${Object.keys(EVENT_FIELDS).join(", ")})`;
  const article = /^[aeiou]/.test(type) ? "an" : "a";
  const check = (name: string, [ok, expected]: Rule): string | null => (ok(v[name]) ? null : `${article} "${type}" event needs "${name}" (${expected}) but got ${v[name] === undefined ? "none" : JSON.stringify(v[name])}`);
  const problem =
    check("t_ms", num) ??
    Object.entries(fields.required)
      .map(([name, rule]) => check(name, rule))
      .find((p) => p !== null) ??
    Object.entries(fields.optional ?? {})
      .filter(([name]) => v[name] !== undefined)
      .map(([name, rule]) => check(name, rule))
      .find((p) => p !== null);
  return problem ?? (v as unknown as RunEvent);
}
