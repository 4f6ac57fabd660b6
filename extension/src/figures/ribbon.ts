/**
 * RIBBON figure: every evaluated pool as cost ($/h) against QoS rate (or p99 latency), the
 * target as a line, infeasible pools marked, the Pareto front, the cheapest feasible
 * homogeneous pools as reference points and the search order as colour and a faint path.
 */
import type { RibbonEvaluation, RibbonPayload } from "greenai-common";
import { dollarsPerHour, fmt, plotlyText, poolLabel, roleColors, themeAxis, themeLayout } from "./format";
import type { Figure, PlotTheme, Trace } from "./types";

/** Which QoS measure is on the y axis, and the target it is held to. */
export interface RibbonView {
  /** "rate": % of queries within `qos_ms` (higher is better); "p99": p99 latency in ms (lower is better). */
  metric: "rate" | "p99";
  /** Feasible iff rate ≥ targetRate (metric "rate"). */
  targetRate: number;
  /** Feasible iff p99 ≤ latencyMs (metric "p99"). */
  latencyMs: number;
}

/** The cheapest feasible evaluated pool under a view, or null when none is feasible. */
export type RibbonPick = RibbonEvaluation | null;

export interface RibbonFigure extends Figure {
  pick: RibbonPick;
  feasible: number;
  front: RibbonEvaluation[];
  view: RibbonView;
}

/** The payload's own target: rate ≥ target_rate, latency at `qos_ms`. */
export function ribbonInitialView(p: RibbonPayload): RibbonView {
  return { metric: "rate", targetRate: p.target_rate, latencyMs: p.qos_ms };
}

/** True when every evaluation has a measured p99 (so the p99 view makes sense). */
export function ribbonHasP99(p: RibbonPayload): boolean {
  return p.evaluations.length > 0 && p.evaluations.every((e) => typeof e.p99_ms === "number" && Number.isFinite(e.p99_ms));
}

/** Feasibility of one evaluation under a view. */
export function isFeasible(e: RibbonEvaluation, v: RibbonView): boolean {
  if (v.metric === "rate") return Number.isFinite(e.rate) && e.rate >= v.targetRate;
  return typeof e.p99_ms === "number" && Number.isFinite(e.p99_ms) && e.p99_ms <= v.latencyMs;
}

const yOf = (e: RibbonEvaluation, v: RibbonView): number | null => (v.metric === "rate" ? e.rate : e.p99_ms);

/** Cheapest feasible evaluation; ties go to the better QoS, then the earlier one in the search. */
export function cheapestFeasible(evals: readonly RibbonEvaluation[], v: RibbonView): RibbonPick {
  let best: RibbonEvaluation | null = null;
  for (const e of evals) {
    if (!isFeasible(e, v)) continue;
    if (best === null || e.price_per_hour < best.price_per_hour || (e.price_per_hour === best.price_per_hour && (better(e, best, v) || (!better(best, e, v) && e.order < best.order)))) best = e;
  }
  return best;
}

function better(a: RibbonEvaluation, b: RibbonEvaluation, v: RibbonView): boolean {
  const ya = yOf(a, v);
  const yb = yOf(b, v);
  if (ya === null || yb === null) return false;
  return v.metric === "rate" ? ya > yb : ya < yb;
}

/**
 * Pareto front of (cost ↓, QoS ↑): points that no other point beats on both, sorted by cost.
 * Exact duplicates keep the earlier evaluation.
 */
export function paretoFront(evals: readonly RibbonEvaluation[], v: RibbonView): RibbonEvaluation[] {
  const pts = evals.filter((e) => yOf(e, v) !== null && Number.isFinite(yOf(e, v) as number) && Number.isFinite(e.price_per_hour));
  pts.sort((a, b) => a.price_per_hour - b.price_per_hour || (better(a, b, v) ? -1 : better(b, a, v) ? 1 : a.order - b.order));
  const front: RibbonEvaluation[] = [];
  let bestY: number | null = null;
  for (const e of pts) {
    const y = yOf(e, v) as number;
    if (bestY === null || (v.metric === "rate" ? y > bestY : y < bestY)) {
      front.push(e);
      bestY = y;
    }
  }
  return front;
}

function hover(e: RibbonEvaluation, p: RibbonPayload, feasible: boolean): string {
  return (
    `#${e.order + 1}: ${plotlyText(poolLabel(e.pool, p.instance_types))}<br>` +
    `${dollarsPerHour(e.price_per_hour)} · rate ${fmt(e.rate, 4)}%` +
    (e.p99_ms === null ? "" : ` · p99 ${fmt(e.p99_ms, 4)} ms`) +
    (feasible ? "" : "<br>infeasible")
  );
}

/**
 * The y range that shows the decision: around the target and the better half of the pools, so
 * one very bad pool (e.g. 5 % of queries in time) does not flatten the interesting band.
 * Plotly's autoscale button still shows everything.
 */
export function yRange(evals: readonly RibbonEvaluation[], v: RibbonView): [number, number] | undefined {
  const ys = evals.map((e) => yOf(e, v)).filter((y): y is number => typeof y === "number" && Number.isFinite(y)).sort((a, b) => a - b);
  if (ys.length === 0) return undefined;
  const q = (f: number) => ys[Math.min(ys.length - 1, Math.floor(f * (ys.length - 1)))];
  if (v.metric === "rate") {
    const lo = Math.min(v.targetRate, q(0.25));
    const hi = Math.max(v.targetRate, ys[ys.length - 1]);
    const pad = Math.max(0.5, (hi - lo) * 0.08);
    return [Math.max(0, lo - pad), Math.min(100, hi) + pad];
  }
  const lo = Math.min(v.latencyMs, ys[0]);
  const hi = Math.max(v.latencyMs, q(0.75));
  const pad = Math.max(1, (hi - lo) * 0.08);
  return [Math.max(0, lo - pad), hi + pad];
}

/** Builds the RIBBON figure for a view. */
export function ribbonFigure(p: RibbonPayload, view: RibbonView, theme: PlotTheme): RibbonFigure {
  const v = view.metric === "p99" && !ribbonHasP99(p) ? { ...view, metric: "rate" as const } : view;
  const colors = roleColors(theme);
  const evals = [...p.evaluations].sort((a, b) => a.order - b.order);
  const feas = evals.filter((e) => isFeasible(e, v));
  const infeas = evals.filter((e) => !isFeasible(e, v));
  const front = paretoFront(evals, v);
  const pick = cheapestFeasible(evals, v);
  const data: Trace[] = [];
  const yName = v.metric === "rate" ? "rate" : "p99_ms";

  if (p.grid && p.grid.length > 0 && v.metric === "rate") {
    data.push({
      type: "scatter",
      mode: "markers",
      name: `grid (${p.grid.length})`,
      x: p.grid.map((g) => g.price_per_hour),
      y: p.grid.map((g) => g.rate),
      text: p.grid.map((g) => `${plotlyText(poolLabel(g.pool, p.instance_types))}<br>${dollarsPerHour(g.price_per_hour)} · rate ${fmt(g.rate, 4)}%`),
      hoverinfo: "text",
      marker: { size: 4, color: colors.faint },
      meta: { role: "grid" },
    });
  }
  data.push({
    type: "scatter",
    mode: "lines",
    name: "search order",
    x: evals.map((e) => e.price_per_hour),
    y: evals.map((e) => yOf(e, v)),
    hoverinfo: "skip",
    line: { color: colors.faint, width: 1, dash: "dot" },
    meta: { role: "path" },
  });
  data.push({
    type: "scatter",
    mode: "lines",
    name: "Pareto front",
    x: front.map((e) => e.price_per_hour),
    y: front.map((e) => yOf(e, v)),
    hoverinfo: "skip",
    line: { color: colors.front, width: 2, shape: v.metric === "rate" ? "hv" : "hv" },
    meta: { role: "front" },
  });
  const orderMarker = (symbol: string, es: RibbonEvaluation[]) => ({
    symbol,
    size: 10,
    color: es.map((e) => e.order),
    coloraxis: "coloraxis",
    line: { width: symbol.endsWith("open") ? 2 : 0.5, color: theme.foreground },
  });
  data.push({
    type: "scatter",
    mode: "markers",
    name: `feasible (${feas.length})`,
    x: feas.map((e) => e.price_per_hour),
    y: feas.map((e) => yOf(e, v)),
    text: feas.map((e) => hover(e, p, true)),
    hoverinfo: "text",
    marker: orderMarker("circle", feas),
    meta: { role: "feasible", orders: feas.map((e) => e.order) },
  });
  data.push({
    type: "scatter",
    mode: "markers",
    name: `infeasible (${infeas.length})`,
    x: infeas.map((e) => e.price_per_hour),
    y: infeas.map((e) => yOf(e, v)),
    text: infeas.map((e) => hover(e, p, false)),
    hoverinfo: "text",
    marker: { ...orderMarker("x-open", infeas), line: { width: 2 } },
    meta: { role: "infeasible", orders: infeas.map((e) => e.order) },
  });
  const homo = (p.homogeneous ?? []).filter((h) => h && Number.isFinite(h.price_per_hour));
  if (homo.length > 0 && v.metric === "rate") {
    data.push({
      type: "scatter",
      mode: "text+markers",
      name: "best homogeneous",
      x: homo.map((h) => h.price_per_hour),
      y: homo.map((h) => h.rate),
      text: homo.map((h) => plotlyText(h.instance_type)),
      // Alternate label sides: reference pools often share a price.
      textposition: homo.map((_, i) => (i % 2 === 0 ? "top left" : "bottom right")),
      hovertext: homo.map((h) => `${plotlyText(poolLabel(h.pool, p.instance_types))} (homogeneous)<br>${dollarsPerHour(h.price_per_hour)} · rate ${fmt(h.rate, 4)}%`),
      hoverinfo: "text",
      marker: { symbol: "diamond-open", size: 12, color: theme.foreground, line: { width: 2 } },
      meta: { role: "homogeneous" },
    });
  }
  if (pick) {
    data.push({
      type: "scatter",
      mode: "markers",
      name: "cheapest feasible",
      x: [pick.price_per_hour],
      y: [yOf(pick, v)],
      text: [`cheapest feasible: ${hover(pick, p, true)}`],
      hoverinfo: "text",
      marker: { symbol: "star", size: 18, color: colors.best, line: { width: 1, color: theme.foreground } },
      meta: { role: "pick", order: pick.order },
    });
  }

  const target = v.metric === "rate" ? v.targetRate : v.latencyMs;
  const targetText = v.metric === "rate" ? `target ${fmt(v.targetRate, 4)}% within ${fmt(p.qos_ms)} ms` : `p99 ≤ ${fmt(v.latencyMs, 4)} ms`;
  const pickText = pick ? `cheapest feasible: ${poolLabel(pick.pool, p.instance_types)} at ${dollarsPerHour(pick.price_per_hour)}` : "no evaluated pool is feasible";
  return {
    data,
    layout: {
      ...themeLayout(theme),
      title: {
        text: `${plotlyText(p.title)}<br><sub>${plotlyText(`${p.model} · ${p.method} search · ${evals.length} pools evaluated · ${pickText}`)}</sub>`,
        x: 0.01,
        xanchor: "left",
      },
      xaxis: { ...themeAxis(theme), title: { text: "pool cost ($/h)" } },
      yaxis: { ...themeAxis(theme), title: { text: v.metric === "rate" ? `queries within ${fmt(p.qos_ms)} ms (%)` : "p99 latency (ms)" }, range: yRange(evals, v) },
      coloraxis: {
        colorscale: "Viridis",
        cmin: 0,
        cmax: Math.max(1, evals.length - 1),
        colorbar: { title: { text: "search order" }, thickness: 12, len: 0.6 },
      },
      shapes: [
        {
          type: "line",
          xref: "paper",
          x0: 0,
          x1: 1,
          yref: "y",
          y0: target,
          y1: target,
          line: { color: colors.target, width: 2, dash: "dash" },
        },
      ],
      annotations: [
        { xref: "paper", x: 1, xanchor: "right", yref: "y", y: target, yanchor: v.metric === "rate" ? "bottom" : "top", text: plotlyText(targetText), showarrow: false, font: { color: colors.target } },
      ],
      hovermode: "closest",
      legend: { orientation: "h", y: -0.2 },
      margin: { t: 70, r: 20, b: 40, l: 60 },
      height: 440,
      uirevision: `ribbon-${yName}`,
    },
    pick,
    feasible: feas.length,
    front,
    view: v,
  };
}
