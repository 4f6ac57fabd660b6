/**
 * `%ribbon search --warm-start PREVIOUS`: reads an earlier search's result (the JSON of `$name`
 * bound by --as, or a file of its --json output), checks its fields, and maps its conditions and
 * observations to ribbon/warm-start.ts, which decides what still counts.
 */
import * as path from "path";
import { DataFormatError } from "../errors";
import { formatPool, type PoolGrid, type PoolEvaluator, type RibbonProblem } from "../ribbon";
import { parseJsonFile } from "../ribbon/json";
import { readText } from "../ribbon/problem";
import type { PreviousObservation, RateSource, SearchConditions, WarmStart } from "../ribbon/warm-start";
import type { FlagSpec } from "./options";
import { RIBBON_SEARCH_SCHEMA, type RibbonRateSource, type RibbonSearchConditions, type RibbonWarmStartReport } from "./ribbon-results";

export const WARM_START_FLAG: FlagSpec = {
  name: "warm-start",
  type: "string",
  metavar: "PREVIOUS",
  help: "reuse an earlier search of the same model after --mean-gap, --qos or --target changed: $name of a search bound by --as, or a file of its --json output; the result lists which observations still count and why",
};

/** The conditions of this search, as the result reports them. */
export function searchConditions(problem: RibbonProblem, target: number, source: RibbonRateSource): RibbonSearchConditions {
  const w = problem.workload;
  return { max_counts: [...problem.space.maxCounts], mean_gap_ms: w.meanGapMs, qos_ms: w.qosMs, target_rate: target, source };
}

/** Where the evaluator's rates come from, as the result reports it. */
export function rateSource(evaluator: PoolEvaluator, f: Record<string, unknown>, problem: RibbonProblem, lookupFile: string | undefined): RibbonRateSource {
  if (evaluator.kind === "lookup" && lookupFile !== undefined) return { kind: "lookup", file: lookupFile };
  if (evaluator.kind === "command") return { kind: "command", command: String(f.command) };
  return { kind: "simulator", sim_seed: f["sim-seed"] as number, queries: problem.workload.queries, dispatch: f.dispatch as never, mix: problem.workload.mix };
}

/** Core conditions from the reported ones. */
export function coreConditions(model: string, types: readonly string[], c: RibbonSearchConditions): SearchConditions {
  const s = c.source;
  const source: RateSource =
    s.kind === "simulator" ? { kind: "simulator", seed: s.sim_seed, queries: s.queries, dispatch: s.dispatch, mix: s.mix } : s.kind === "lookup" ? { kind: "lookup", file: s.file } : { kind: "command", command: s.command };
  return { model, instanceTypes: types, maxCounts: c.max_counts, meanGapMs: c.mean_gap_ms, qosMs: c.qos_ms, targetRate: c.target_rate, source };
}

/** An earlier search, read back. */
export interface PreviousSearch {
  conditions: SearchConditions;
  observations: PreviousObservation[];
  /** Where it came from, for messages ("$name" or the file). */
  from: string;
}

/**
 * Reads `--warm-start`'s value: JSON text (what `$name` of a bound search expands to) or a file
 * path (resolved against `cwd`). Every field used is checked; an error names the field and what to do.
 */
export function previousSearchFrom(value: string, cwd: string): PreviousSearch {
  const isJson = value.trimStart().startsWith("{");
  const from = isJson ? "--warm-start (a bound search result)" : path.resolve(cwd, value);
  const text = isJson ? value : readText(from, "an earlier search's result (--warm-start)");
  parseJsonFile(text, from); // located syntax errors
  const root = JSON.parse(text) as unknown;
  const bad = (field: string, expected: string): never => {
    throw new DataFormatError(`${from}: ${field} must be ${expected}; --warm-start takes the result of %ribbon search (bound by --as, or written by greenai ribbon search … --json > FILE)`);
  };
  const obj = (v: unknown, field: string): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : bad(field, "an object"));
  const num = (o: Record<string, unknown>, k: string, field: string): number => (typeof o[k] === "number" && Number.isFinite(o[k]) ? (o[k] as number) : bad(`${field}.${k}`, "a number"));
  const str = (o: Record<string, unknown>, k: string, field: string): string => (typeof o[k] === "string" ? (o[k] as string) : bad(`${field}.${k}`, "a string"));
  const counts = (v: unknown, field: string): number[] => (Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= 0) ? (v as number[]) : bad(field, "a list of whole counts"));

  const r = obj(root, "the top level");
  if (r.schema !== RIBBON_SEARCH_SCHEMA) bad("schema", `"${RIBBON_SEARCH_SCHEMA}" (a result of %ribbon search from this version)`);
  const model = str(r, "model", "result");
  const types = Array.isArray(r.instance_types) && r.instance_types.every((t) => typeof t === "string") ? (r.instance_types as string[]) : bad("instance_types", "a list of instance type names");
  const c = obj(r.conditions, "conditions");
  const s = obj(c.source, "conditions.source");
  let source: RibbonRateSource;
  if (s.kind === "simulator") {
    source = { kind: "simulator", sim_seed: num(s, "sim_seed", "conditions.source"), queries: num(s, "queries", "conditions.source"), dispatch: str(s, "dispatch", "conditions.source") as never, mix: str(s, "mix", "conditions.source") as never };
  } else if (s.kind === "lookup") source = { kind: "lookup", file: str(s, "file", "conditions.source") };
  else if (s.kind === "command") source = { kind: "command", command: str(s, "command", "conditions.source") };
  else return bad("conditions.source.kind", '"simulator", "lookup" or "command"');
  const conditions = coreConditions(model, types, {
    max_counts: counts(c.max_counts, "conditions.max_counts"),
    mean_gap_ms: num(c, "mean_gap_ms", "conditions"),
    qos_ms: num(c, "qos_ms", "conditions"),
    target_rate: num(c, "target_rate", "conditions"),
    source,
  });
  if (!Array.isArray(r.trace)) bad("trace", "a list of evaluated pools");
  const observations: PreviousObservation[] = (r.trace as unknown[]).map((t, i) => {
    const e = obj(t, `trace[${i}]`);
    const p99 = e.p99_ms;
    const toMeet = e.qos_to_meet_ms;
    return { pool: counts(e.pool, `trace[${i}].pool`), rate: num(e, "rate", `trace[${i}]`), p99Ms: typeof p99 === "number" ? p99 : null, qosToMeetMs: typeof toMeet === "number" ? toMeet : null };
  });
  // An earlier warm start's pools known with their exact rate are observations under its conditions too.
  const w = r.warm_start;
  if (w !== null && w !== undefined) {
    const known = obj(w, "warm_start").known;
    if (!Array.isArray(known)) bad("warm_start.known", "a list");
    (known as unknown[]).forEach((k, i) => {
      const e = obj(k, `warm_start.known[${i}]`);
      if (typeof e.rate === "number") observations.push({ pool: counts(e.pool, `warm_start.known[${i}].pool`), rate: e.rate, p99Ms: null });
    });
  }
  return { conditions, observations, from: isJson ? "the bound search" : from };
}

/** The warm start as the result reports it. */
export function warmStartReport(grid: PoolGrid, w: WarmStart): RibbonWarmStartReport {
  return {
    change: w.change,
    known: w.known.map((k) => ({ pool: grid.pool(k.index), feasible: k.feasible, rate: k.rate ?? null, reason: k.reason })),
    dropped: w.dropped,
  };
}

/** One or two lines for the text output: what changed and what carried over. */
export function warmStartLines(w: RibbonWarmStartReport, from: string): string[] {
  const exact = w.known.filter((k) => k.rate !== null).length;
  const infeasible = w.known.filter((k) => k.rate === null && !k.feasible).length;
  const feasible = w.known.filter((k) => k.rate === null && k.feasible).length;
  const total = w.known.length + w.dropped.length;
  const parts = [exact ? `${exact} with their rate` : "", infeasible ? `${infeasible} known infeasible` : "", feasible ? `${feasible} known feasible` : ""].filter(Boolean);
  const lines = [`warm start from ${from}; changed: ${w.change}; ${w.known.length} of ${total} earlier observations still count${parts.length ? ` (${parts.join(", ")})` : ""}, ${w.dropped.length} dropped`];
  const example = w.known[0] ?? w.dropped[0];
  if (example) lines.push(`  e.g. ${formatPool(example.pool)}: ${example.reason}`);
  return lines;
}
