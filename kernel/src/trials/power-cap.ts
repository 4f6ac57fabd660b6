/**
 * What a power-capped run (`%tpe run --power-limit`) did to the GPU limit, from its run folder's
 * "power" events: the cap each trial ran under, whether every cap was put back, and by whom.
 * Pure, except `readPowerRecords` (a Slurm job's own record file).
 */
import * as fs from "fs";
import { jsonLinesFromText } from "../io/jsonl";
import { runEventFrom, type PowerEvent, type RunEvent } from "./run-state";

/** The power-cap part of a run's result. */
export interface PowerCapSummary {
  /** The limit asked for, W (chosen by the tuner for --power-limit auto). */
  requested_w: number | null;
  gpu: number | null;
  optional: boolean;
  scope: "run" | "trial";
  chosen_by: string;
  /** Whether any cap was applied. */
  applied: boolean;
  /** The limit found before the first cap, W. */
  original_w: number | null;
  /** Whether every applied cap was followed by a restore on its GPU. */
  restored: boolean;
  /** Per trial (its latest attempt): the cap it started under, W, or null when it ran uncapped. */
  trials: Record<string, number | null>;
  events: PowerEvent[];
  /** One line each: refusals, failed restores, restores by a supervisor. */
  notes: string[];
}

type Start = Extract<RunEvent, { type: "start" }>;

/**
 * The summary from a run's events (in log order). Run scope: a trial ran under the runner's cap
 * when it started while the cap was in force. Trial scope: under its own job's cap.
 */
export function powerSummary(events: readonly RunEvent[], spec: Omit<PowerCapSummary, "applied" | "original_w" | "restored" | "trials" | "events" | "notes">): PowerCapSummary {
  const power = events.filter((e): e is PowerEvent => e.type === "power");
  const trials: Record<string, number | null> = {};
  const inForce = new Map<string, number | null>(); // run scope: gpu → cap in force
  const runCap = () => [...inForce.values()].find((v) => v !== null) ?? null;
  for (const e of events) {
    if (e.type === "power" && e.trial === undefined) inForce.set(String(e.gpu), e.action === "applied" ? e.limit_w : null);
    if (e.type === "start") {
      const s = e as Start;
      trials[s.trial] =
        spec.scope === "run" ? runCap() : (power.find((p) => p.trial === s.trial && p.attempt === s.attempt && p.action === "applied")?.limit_w ?? null);
    }
  }
  // every applied cap needs a later restore on its GPU (and, for a job, of its attempt)
  const key = (p: PowerEvent) => `${p.gpu}|${p.trial ?? ""}|${p.attempt ?? ""}`;
  const open = new Set<string>();
  for (const p of power) {
    if (p.action === "applied") open.add(key(p));
    // a supervisor's restore is of the runner's cap (it records its own trial, not the cap's)
    if (p.action === "restored") {
      open.delete(key(p));
      if (p.by === "supervisor") open.delete(`${p.gpu}||`);
    }
  }
  const applied = power.filter((p) => p.action === "applied");
  const notes = power
    .filter((p) => p.action !== "applied" && !(p.action === "restored" && p.by !== "supervisor"))
    .map((p) => `GPU ${p.gpu}${p.trial ? ` (trial ${p.trial}, attempt ${p.attempt})` : ""}: ${p.action} by the ${p.by}${p.detail ? `: ${p.detail}` : ""}`);
  return {
    ...spec,
    applied: applied.length > 0,
    original_w: applied[0]?.original_w ?? power.find((p) => p.original_w !== null)?.original_w ?? null,
    restored: open.size === 0,
    trials,
    events: power,
    notes: [...new Set(notes)],
  };
}

/** One line for a result: the cap, the original, and whether it was put back. */
export function powerLine(s: PowerCapSummary): string {
  const where = s.gpu === null ? "each job's GPUs" : `GPU ${s.gpu}`;
  const how = s.chosen_by === "given" ? "" : ` (${s.chosen_by})`;
  if (!s.applied) {
    return `${s.requested_w === null ? "no limit" : `${s.requested_w} W`}${how} not applied to ${where}: trials ran uncapped${s.optional ? " (--power-limit-optional)" : ""}`;
  }
  const capped = Object.values(s.trials).filter((v) => v !== null).length;
  return (
    `${s.requested_w} W${how} on ${where}, ${s.scope === "run" ? "once for the run" : "around each job"}; ` +
    `${capped} of ${Object.keys(s.trials).length} trials started capped; was ${s.original_w ?? "?"} W, ${s.restored ? "put back" : "NOT put back: see the notes"}`
  );
}

/**
 * The power events a Slurm job's wrapper wrote for one attempt (trial and attempt filled in).
 * Lines that are not power events are skipped and said why in `issues`.
 */
export function readPowerRecords(file: string, trial: string, attempt: number): { events: PowerEvent[]; issues: string[] } {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return { events: [], issues: [] };
  }
  const events: PowerEvent[] = [];
  const issues: string[] = [];
  const { lines, cut, skipped } = jsonLinesFromText(text, file, { expected: "one power event per line", allowCutLastLine: true, skipBadLines: true });
  issues.push(...skipped.map((s) => s.message), ...(cut ? [cut] : []));
  lines.forEach(({ line, value: v }) => {
    const ev = runEventFrom(typeof v === "object" && v !== null ? { ...(v as object), trial, attempt } : v);
    if (typeof ev === "string") issues.push(`${file}:${line}: ${ev}`);
    else if (ev.type !== "power") issues.push(`${file}: a ${ev.type} event where power events were expected`);
    else events.push(ev);
  });
  return { events, issues };
}
