/**
 * The OpenMetrics text format (https://openmetrics.io, the format Prometheus scrapes) for the
 * meter's energy counters and power gauges. Pure: samples in, text out.
 *
 *     # TYPE greenai_energy_joules counter
 *     # UNIT greenai_energy_joules joules
 *     # HELP greenai_energy_joules Energy since the meter started, per device.
 *     greenai_energy_joules_total{device="gpu0",source="nvidia-smi"} 123.4
 *     # TYPE greenai_power_watts gauge
 *     …
 *     # EOF
 *
 * Energy is accumulated sample by sample with the integrator's segment rule (series.ts
 * segmentEnergyJ: trapezoid for power, increase for a counter), so the exporter and every other
 * energy figure of the library agree.
 */
import type { MeterKind, MeterSample } from "./meters";
import { segmentEnergyJ, type CleanSeries } from "./series";

/** Content type of a scrape answer. */
export const OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8";

export type MetricType = "counter" | "gauge";

export interface MetricSample {
  labels?: Readonly<Record<string, string>>;
  value: number;
}

/** One metric family: its descriptors and samples (a counter's samples get the `_total` suffix). */
export interface MetricFamily {
  /** Family name; a counter's must not end in `_total`; with a unit it must end in `_<unit>`. */
  name: string;
  type: MetricType;
  unit?: string;
  help: string;
  samples: readonly MetricSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A label value escaped for OpenMetrics: backslash, double quote and newline. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** HELP text escaped for OpenMetrics: backslash and newline (a quote stays). */
export function escapeHelp(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** A number as OpenMetrics writes it: +Inf, -Inf, NaN, else the shortest decimal form. */
export function formatMetricValue(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  return String(x);
}

function labelText(labels: Readonly<Record<string, string>> | undefined, family: string): string {
  const keys = Object.keys(labels ?? {});
  if (keys.length === 0) return "";
  for (const k of keys) {
    if (!LABEL_NAME.test(k) || k.startsWith("__")) throw new RangeError(`metric ${family}: label name ${JSON.stringify(k)} must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __`);
  }
  return `{${keys.map((k) => `${k}="${escapeLabelValue(labels![k])}"`).join(",")}}`;
}

/** The exposition of metric families, ending in `# EOF` and a newline. RangeError on a bad name or value. */
export function openMetricsText(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  const names = new Set<string>();
  for (const f of families) {
    if (!METRIC_NAME.test(f.name)) throw new RangeError(`metric name ${JSON.stringify(f.name)} must match [a-zA-Z_:][a-zA-Z0-9_:]*`);
    if (names.has(f.name)) throw new RangeError(`metric ${f.name} is given twice; one family per name`);
    names.add(f.name);
    if (f.type === "counter" && f.name.endsWith("_total")) throw new RangeError(`counter ${f.name}: name the family without _total (its samples get it)`);
    if (f.unit !== undefined && !(/^[a-zA-Z0-9_]+$/.test(f.unit) && f.name.endsWith(`_${f.unit}`))) throw new RangeError(`metric ${f.name}: with unit ${f.unit} the name must end in _${f.unit}`);
    out.push(`# TYPE ${f.name} ${f.type}`);
    if (f.unit !== undefined) out.push(`# UNIT ${f.name} ${f.unit}`);
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`);
    const seen = new Set<string>();
    for (const s of f.samples) {
      if (f.type === "counter" && !(s.value >= 0 && s.value !== Infinity)) throw new RangeError(`counter ${f.name}: value must be finite and ≥ 0 but got ${s.value}`);
      const labels = labelText(s.labels, f.name);
      if (seen.has(labels)) throw new RangeError(`metric ${f.name}: two samples with labels ${labels || "{}"}`);
      seen.add(labels);
      out.push(`${f.name}${f.type === "counter" ? "_total" : ""}${labels} ${formatMetricValue(s.value)}`);
    }
  }
  out.push("# EOF");
  return out.join("\n") + "\n";
}

/** One device as the exporter shows it. */
export interface DeviceReading {
  device: string;
  /** Which meter measured it: nvidia-smi, rapl, or estimate (a model, not a sensor). */
  source: MeterKind;
  /** Energy since the meter started, J. */
  energy_j: number;
  /** Power at the last sample (a counter: over the last interval), W; null before two samples. */
  power_w: number | null;
  samples: number;
}

/** The meter a sample came from: the estimate is labelled, counters are RAPL, GPU power is nvidia-smi. */
export function sourceOfSample(s: Pick<MeterSample, "estimated" | "kind">): MeterKind {
  return s.estimated ? "estimate" : s.kind === "energy-counter" ? "rapl" : "nvidia-smi";
}

interface DeviceState {
  reading: DeviceReading;
  last?: { t: number; v: number };
  kind: MeterSample["kind"];
}

/**
 * Cumulative energy and current power per device, fed one meter sample at a time (a meter's
 * onSample). A gap longer than maxGapMs between usable samples is missing data: not integrated.
 */
export class EnergyCounters {
  private readonly map = new Map<string, DeviceState>();
  constructor(private readonly opts: { maxGapMs?: number } = {}) {
    if (opts.maxGapMs !== undefined && !(opts.maxGapMs > 0)) throw new RangeError(`maxGapMs must be > 0 but got ${opts.maxGapMs}`);
  }

  add(s: MeterSample): void {
    let st = this.map.get(s.device);
    if (!st) {
      st = { reading: { device: s.device, source: sourceOfSample(s), energy_j: 0, power_w: null, samples: 0 }, kind: s.kind };
      this.map.set(s.device, st);
    }
    if (s.value === null || !Number.isFinite(s.value) || !Number.isFinite(s.t_ms)) return;
    const r = st.reading;
    r.samples++;
    if (s.kind === "power") r.power_w = s.value;
    const last = st.last;
    if (last && s.t_ms > last.t) {
      const dt = s.t_ms - last.t;
      const seg: CleanSeries = { device: s.device, kind: s.kind, t: [last.t, s.t_ms], v: [last.v, s.value], estimated: s.estimated };
      const e = segmentEnergyJ(seg, 0, last.t, s.t_ms);
      if (dt <= (this.opts.maxGapMs ?? Infinity)) r.energy_j += e;
      if (s.kind === "energy-counter") r.power_w = (1000 * e) / dt;
    }
    if (!last || s.t_ms > last.t) st.last = { t: s.t_ms, v: s.value };
  }

  /** Every device seen, in the order first seen. */
  readings(): DeviceReading[] {
    return [...this.map.values()].map((s) => ({ ...s.reading }));
  }
}

/** greenai_energy_joules (counter) and greenai_power_watts (gauge), labelled by device and source. */
export function energyMetricFamilies(readings: readonly DeviceReading[]): MetricFamily[] {
  const labels = (r: DeviceReading) => ({ device: r.device, source: r.source });
  return [
    {
      name: "greenai_energy_joules",
      type: "counter",
      unit: "joules",
      help: "Energy since the meter started, per device (source estimate: CPU utilisation x a power model, not a measurement).",
      samples: readings.map((r) => ({ labels: labels(r), value: r.energy_j })),
    },
    {
      name: "greenai_power_watts",
      type: "gauge",
      unit: "watts",
      help: "Power at the last sample, per device (RAPL: over the last interval).",
      samples: readings.filter((r) => r.power_w !== null).map((r) => ({ labels: labels(r), value: r.power_w as number })),
    },
  ];
}
