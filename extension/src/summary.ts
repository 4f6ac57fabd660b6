/**
 * The notebook summary: what the greenai outputs of a notebook say, gathered from their
 * vendor payloads. Pure (outputs in, summary out), so it is tested without JupyterLab.
 */
import { isObj, parsePayload, ribbonIsGrid, type CarbonNote, type RibbonPayload, type TimeseriesPayload, type TpePayload } from "greenai-common";
import { carbonText, dollarsPerHour, energyText, fmt, pct, poolLabel } from "./figures/format";

/** The outputs of one cell, as the notebook model holds them. */
export interface CellOutputs {
  /** Cell index in the notebook (0-based). */
  index: number;
  /** MIME bundles of the cell's outputs, in order (streams and errors may be left out). */
  outputs: { data?: Record<string, unknown> }[];
}

/** One greenai output and where it is. */
export interface SummaryItem {
  kind: string;
  cell: number;
  output: number;
  title: string;
  /** Short facts, e.g. "energy saved 63.2% (41.2 of 65.1 kJ)". */
  lines: string[];
}

/** Energy of TPE decisions, added up per unit and per measured/estimated. */
export interface EnergyTotal {
  unit: string;
  measured: boolean;
  used: number;
  all: number;
  saved: number;
  runs: number;
}

export interface PoolChoice {
  cell: number;
  output: number;
  model: string;
  pool: string;
  pricePerHour: number;
  rate: number;
}

export interface DatasetLoaded {
  cell: number;
  output: number;
  title: string;
  detail: string;
}

/** An energy a job's time series measured (a fact such as "GPU energy (J)"). */
export interface EnergyMeasured {
  cell: number;
  output: number;
  title: string;
  label: string;
  value: number;
}

export interface NotebookSummary {
  items: SummaryItem[];
  energy: EnergyTotal[];
  measured: EnergyMeasured[];
  pools: PoolChoice[];
  datasets: DatasetLoaded[];
}

const VENDOR = /^application\/vnd\.greenai\.([a-z0-9-]+)\+json$/;


function asObject(v: unknown): Record<string, unknown> | null {
  if (typeof v === "string") {
    try {
      const o = JSON.parse(v);
      return isObj(o) ? o : null;
    } catch {
      return null;
    }
  }
  return isObj(v) ? v : null;
}

/** Top-level numeric fields whose names carry an energy unit (energy_j, total_kwh, …), for kinds we do not know. */
function energyFields(o: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    const m = /(?:^|_)(j|kj|mj|wh|kwh)$/i.exec(k);
    if (m && typeof v === "number" && Number.isFinite(v)) out.push(`${k.replace(/_/g, " ")}: ${fmt(v, 4)}`);
  }
  return out;
}

/** Gathers every greenai output of a notebook into a summary. Bad payloads are listed, not thrown. */
export function summarizeNotebook(cells: readonly CellOutputs[]): NotebookSummary {
  const s: NotebookSummary = { items: [], energy: [], measured: [], pools: [], datasets: [] };
  const energy = new Map<string, EnergyTotal>();
  for (const c of cells) {
    c.outputs.forEach((out, oi) => {
      for (const [mime, value] of Object.entries(out.data ?? {})) {
        const m = VENDOR.exec(mime);
        if (!m) continue;
        const kind = m[1];
        if (kind === "tpe") {
          const r = parsePayload("tpe", value);
          if (r.ok) addTpe(s, energy, r.value, c.index, oi);
          else s.items.push({ kind, cell: c.index, output: oi, title: "unreadable TPE output", lines: [r.error] });
        } else if (kind === "ribbon") {
          const r = parsePayload("ribbon", value);
          if (r.ok) addRibbon(s, r.value, c.index, oi);
          else s.items.push({ kind, cell: c.index, output: oi, title: "unreadable RIBBON output", lines: [r.error] });
        } else if (kind === "timeseries") {
          const r = parsePayload("timeseries", value);
          if (r.ok) addTimeseries(s, r.value, c.index, oi);
          else s.items.push({ kind, cell: c.index, output: oi, title: "unreadable time-series output", lines: [r.error] });
        } else {
          addOther(s, kind, asObject(value), c.index, oi);
        }
      }
    });
  }
  s.energy = [...energy.values()];
  return s;
}

function addTpe(s: NotebookSummary, energy: Map<string, EnergyTotal>, p: TpePayload, cell: number, output: number): void {
  const d = p.decision;
  const unit = p.energy?.unit ?? "";
  const measured = p.energy?.measured === true;
  const lines: string[] = [];
  if (d) {
    lines.push(`energy saved ${pct(d.energy_saved_fraction)} (${energyText(d.energy_all - d.energy_used, unit)} of ${energyText(d.energy_all, unit)}, ${measured ? "measured" : "estimated"})`);
    if (p.energy?.carbon) lines.push(carbonLine("energy used", p.energy.carbon));
    lines.push(`kept ${d.kept.length} of ${p.trials.length} after epoch ${d.budget_epoch}/${p.total_epochs}; ${d.best_survived ? "best survived" : `regret ${fmt(d.regret)}`}`);
    const key = `${unit}|${measured}`;
    const e = energy.get(key) ?? { unit, measured, used: 0, all: 0, saved: 0, runs: 0 };
    e.used += d.energy_used;
    e.all += d.energy_all;
    e.saved += d.energy_all - d.energy_used;
    e.runs += 1;
    energy.set(key, e);
  }
  s.items.push({ kind: "tpe", cell, output, title: p.title || "TPE", lines });
}

function addRibbon(s: NotebookSummary, p: RibbonPayload, cell: number, output: number): void {
  const evaluated = ribbonIsGrid(p) ? `all ${fmt(p.grid?.length)} pools of the grid evaluated` : `${p.evaluations.length} pools evaluated (${p.method})`;
  const lines = [`${evaluated}; target ${fmt(p.target_rate, 4)}% within ${fmt(p.qos_ms)} ms`];
  if (p.best) {
    const pool = poolLabel(p.best.pool, p.instance_types);
    lines.unshift(`chose ${pool} at ${dollarsPerHour(p.best.price_per_hour)}`);
    s.pools.push({ cell, output, model: p.model, pool, pricePerHour: p.best.price_per_hour, rate: p.best.rate });
  } else {
    lines.unshift("no feasible pool found");
  }
  s.items.push({ kind: "ribbon", cell, output, title: p.title || `RIBBON ${p.model}`, lines });
}

function addTimeseries(s: NotebookSummary, p: TimeseriesPayload, cell: number, output: number): void {
  const samples = p.series.reduce((a, x) => a + Math.min(x.t_ms?.length ?? 0, x.values?.length ?? 0), 0);
  const detail = `${p.job_id ? `job ${p.job_id}: ` : ""}${p.series.length} series, ${fmt(samples)} samples`;
  const lines = [detail, ...Object.entries(p.facts ?? {}).slice(0, 4).map(([k, v]) => `${k}: ${typeof v === "number" ? fmt(v, 4) : v}`)];
  s.datasets.push({ cell, output, title: p.title || "time series", detail });
  // The job's energy: its first numeric "energy" fact (others are the same energy in other units).
  const fact = Object.entries(p.facts ?? {}).find(([k, v]) => /energy/i.test(k) && typeof v === "number" && Number.isFinite(v));
  if (fact) s.measured.push({ cell, output, title: p.title || "time series", label: fact[0], value: fact[1] as number });
  if (p.carbon) lines.push(carbonLine("job's energy", p.carbon));
  s.items.push({ kind: "timeseries", cell, output, title: p.title || "time series", lines });
}

function addOther(s: NotebookSummary, kind: string, o: Record<string, unknown> | null, cell: number, output: number): void {
  if (!o) {
    s.items.push({ kind, cell, output, title: `unreadable ${kind} output`, lines: [] });
    return;
  }
  const title = typeof o.title === "string" ? o.title : kind;
  const lines = energyFields(o);
  const rows = Array.isArray(o.rows) ? o.rows.length : typeof o.n_rows === "number" ? o.n_rows : typeof o.num_rows === "number" ? o.num_rows : null;
  if (rows !== null) lines.push(`${fmt(rows)} rows`);
  if (kind === "table" || kind === "dataset") s.datasets.push({ cell, output, title, detail: rows !== null ? `${fmt(rows)} rows` : kind });
  s.items.push({ kind, cell, output, title, lines });
}

/** "CO₂e of the energy used: 12.3 g CO₂e (FR 2023, 56 g/kWh)". */
function carbonLine(of: string, c: CarbonNote): string {
  return `CO₂e of the ${of}: ${carbonText(c.carbon_g)} (${c.intensity}, ${fmt(c.g_per_kwh, 3)} g/kWh)`;
}

/** One-line text of an energy total, e.g. "saved 41.2 of 65.1 kJ (63.2%) in 2 TPE runs, measured". */
export function energyLine(e: EnergyTotal): string {
  return `TPE saved ${energyText(e.saved, e.unit)} of ${energyText(e.all, e.unit)} (${pct(e.all > 0 ? e.saved / e.all : 0)}) in ${e.runs} run${e.runs === 1 ? "" : "s"}, ${e.measured ? "measured" : "estimated"}`;
}
