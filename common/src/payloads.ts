/**
 * Payload schemas of the vendor MIME types `application/vnd.greenai.<kind>+json`.
 * One definition, imported by the kernel (which writes them) and the extension (which draws them).
 * Bump a schema's version only with a reader for the old one, so old notebooks keep rendering.
 */

export const MIME_TPE = "application/vnd.greenai.tpe+json";
export const MIME_RIBBON = "application/vnd.greenai.ribbon+json";
export const MIME_TIMESERIES = "application/vnd.greenai.timeseries+json";

/** One trial of a TPE replay or live run. Epoch t is array index t − 1. */
export interface TpeTrial {
  id: string;
  /** Mean training loss of each epoch run; null where not recorded. */
  train_loss: (number | null)[];
  /**
   * Validation loss after each epoch run; null where not measured. The kernel rounds both loss
   * curves to 6 significant digits: they are drawn, never ranked (decisions read the scores).
   */
  val_loss: (number | null)[];
  /** Energy of each epoch run, in the payload's `energy.unit`. */
  epoch_energy: number[];
  /** Score (lower is better) if the decision were taken after epoch T = index + 1; null where undefined (diverged). */
  score_by_epoch: (number | null)[];
  /** Final validation loss of the complete run; null if it diverged or never finished. */
  final_loss: number | null;
  /** Epochs the run has (diverged runs stop early). */
  epochs_run: number;
  /** True if the run produced non-finite losses. */
  diverged: boolean;
  /** Live runs: the run failed (crash, time limit). */
  failed?: boolean;
  /**
   * Live runs: epochs actually run and metered, when fewer than `epochs_run` (a trial stopped
   * early). Entries of `epoch_energy` beyond it are projections (the trial's mean measured
   * energy per epoch); losses and scores there are null.
   */
  epochs_measured?: number;
  /** Hyper-parameters, shown on hover. */
  params?: Record<string, string | number | boolean | null>;
}

/** The outcome of one TPE decision (train all to T, keep the k best scores, finish those). */
export interface TpeDecision {
  /** Fraction f of the epoch budget at which the decision is taken. */
  budget_fraction: number;
  /** Epoch T = max(1, round(f · total_epochs)) after which trials are ranked. */
  budget_epoch: number;
  keep: number;
  kept: string[];
  stopped: string[];
  /** Energy of the TPE procedure: every trial to T, the kept ones to the end. */
  energy_used: number;
  /** Energy of training every trial to the end (as far as each ran). */
  energy_all: number;
  energy_saved_fraction: number;
  /** Rank correlation of the score at T with the final loss (complete runs only); null if undefined. */
  spearman: number | null;
  kendall: number | null;
  /** Trial with the lowest final loss among the kept ones; null if none finished. */
  chosen_id: string | null;
  /** Trial with the lowest final loss of all. */
  true_best_id: string | null;
  best_survived: boolean;
  /** Final loss of the chosen trial minus the true best; null if nothing finished. */
  regret: number | null;
}

export interface TpeSweepPoint {
  budget_fraction: number;
  keep: number;
  score: string;
  energy_saved_fraction: number;
  regret: number | null;
  spearman: number | null;
  /** On the frontier: no other point saves more with no more regret. */
  pareto: boolean;
}

export interface TpePayload {
  schema_version: 1;
  kind: "tpe";
  title: string;
  /** Score used for ranking, e.g. "tse", "tse-e", "tse-ema", "val-loss". */
  score: string;
  total_epochs: number;
  energy: {
    /** Unit of every energy number in this payload. */
    unit: "J" | "kJ" | "Wh" | "epochs" | "s";
    /** How the numbers were obtained, e.g. "measured: nvidia-smi power log" or "estimated: 300 W × wall time". */
    source: string;
    measured: boolean;
    /** Optional: CO2e of decision.energy_used (only when the unit is an energy: J, kJ or Wh). */
    carbon?: CarbonNote;
  };
  trials: TpeTrial[];
  decision: TpeDecision;
  /** Optional (f, k, score) sweep and its frontier. */
  sweep?: TpeSweepPoint[];
  /**
   * Optional: the policy that produced `decision` when it is not the plain TPE rule (absent = "tpe").
   * For successive halving, `decision.budget_epoch` is the first rung and `decision.kept` the
   * trials that finished. The renderer draws this decision "as run" (each trial stopped at its
   * rung); its budget slider shows what the plain TPE rule would have done instead.
   */
  policy?: TpeHalvingPolicy;
}

/** Successive halving on the payload's score: rungs at min_epochs·η^i, the best ⌊n/η⌋ promoted. */
export interface TpeHalvingPolicy {
  kind: "sh";
  min_epochs: number;
  reduction_factor: number;
  /** Each rung: its epoch, how many trials reached it, the ids promoted. */
  rungs: { epoch: number; entered: number; promoted: string[] }[];
}

/** One evaluated pool of a RIBBON search, in evaluation order. */
export interface RibbonEvaluation {
  /** 0-based position in the search (initial random samples first). */
  order: number;
  /** Instance counts, aligned with `instance_types`. */
  pool: number[];
  price_per_hour: number;
  /** Percentage of queries meeting the QoS latency. */
  rate: number;
  /** p99 latency in ms when the evaluator measured it; null for lookup tables. */
  p99_ms: number | null;
  feasible: boolean;
}

export interface RibbonPayload {
  schema_version: 1;
  kind: "ribbon";
  title: string;
  model: string;
  instance_types: string[];
  /** $/h of each instance type, aligned with `instance_types`. */
  prices_per_hour: number[];
  qos_ms: number;
  /** A pool is feasible iff rate ≥ target_rate (99: p99 ≤ QoS). */
  target_rate: number;
  /** e.g. "faithful", "improved", "exhaustive", "random", "hill-climb". */
  method: string;
  stop_reason: string;
  evaluations: RibbonEvaluation[];
  best: { pool: number[]; price_per_hour: number; rate: number } | null;
  /** Cheapest feasible homogeneous pool of each type (reference points); null where none is feasible. */
  homogeneous: { instance_type: string; pool: number[]; price_per_hour: number; rate: number }[];
  /** Optional whole-grid points (e.g. from exhaustive search), drawn faintly. */
  grid?: { pool: number[]; price_per_hour: number; rate: number }[];
}

/**
 * CO2e beside an energy figure: carbon_g = energy / 3.6 MJ/kWh × g_per_kwh, with the intensity's
 * label (region and year, "WORLD 2023 average, no region set", or "user value 120 g/kWh").
 */
export interface CarbonNote {
  carbon_g: number;
  g_per_kwh: number;
  intensity: string;
}

/** One series of a job's time series. `t_ms`: milliseconds since the Unix epoch, UTC. */
export interface TimeSeries {
  name: string;
  unit: string;
  group: "utilization" | "power" | "memory" | "other";
  /** Device or node label, e.g. "gpu0@d-8-3-2". */
  device?: string;
  t_ms: number[];
  values: (number | null)[];
}

export interface TimeseriesPayload {
  schema_version: 1;
  kind: "timeseries";
  title: string;
  job_id?: string;
  series: TimeSeries[];
  /** Scalar facts shown beside the plot, e.g. energy per job. */
  facts?: Record<string, string | number>;
  /** Optional: CO2e of the energy the facts give (a metered run). */
  carbon?: CarbonNote;
}

export type GreenaiPayload = TpePayload | RibbonPayload | TimeseriesPayload;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

const SUPPORTED: Record<GreenaiPayload["kind"], number[]> = { tpe: [1], ribbon: [1], timeseries: [1] };

/**
 * Checks a payload (object, or JSON text as tslab's display.raw sends) just enough to draw it safely.
 * Never throws: a bad payload gives a short message for the user.
 */
export function parsePayload<K extends GreenaiPayload["kind"]>(
  kind: K,
  data: unknown,
): ParseResult<Extract<GreenaiPayload, { kind: K }>> {
  let v = data;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch {
      return { ok: false, error: `greenai ${kind} output is not valid JSON` };
    }
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return { ok: false, error: `greenai ${kind} output is not an object` };
  const o = v as Record<string, unknown>;
  const version = o.schema_version;
  if (typeof version !== "number") return { ok: false, error: `greenai ${kind} output has no schema_version` };
  if (!SUPPORTED[kind].includes(version)) {
    return { ok: false, error: `greenai ${kind} output has schema_version ${version}; this extension reads ${SUPPORTED[kind].join(", ")}: update greenai` };
  }
  const arrays: Record<GreenaiPayload["kind"], string> = { tpe: "trials", ribbon: "evaluations", timeseries: "series" };
  if (!Array.isArray(o[arrays[kind]])) return { ok: false, error: `greenai ${kind} output lacks the "${arrays[kind]}" list` };
  return { ok: true, value: { ...o, kind } as unknown as Extract<GreenaiPayload, { kind: K }> };
}
