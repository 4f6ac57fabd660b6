/**
 * RIBBON figure: every evaluated pool as cost ($/h) against QoS rate (or p99 latency), the
 * target as a line, infeasible pools marked, the Pareto front, the cheapest feasible
 * homogeneous pools as reference points and the search order as colour and a faint path.
 * A whole-grid payload (every pool, nothing searched) gets the grid view: feasible pools
 * marked, the cheapest feasible one labelled, the front and the best homogeneous pools, all
 * recomputed for the view's target by greenai-common, as the kernel's text fallback is.
 */
import type { RibbonEvaluation, RibbonPayload } from "greenai-common";
import {
  cheapestMeeting,
  meetsQos,
  paretoFrontOf,
  poolCounts,
  ribbonGridHeadline,
  ribbonGridPicks,
  ribbonHomogeneousLine,
  ribbonIsGrid,
  type QosCriterion,
  type RibbonGridPicks,
} from "greenai-common";
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
  /** The cheapest feasible evaluation (null in the grid view: see `grid`). */
  pick: RibbonPick;
  /** Feasible pools drawn: evaluations, or grid points in the grid view. */
  feasible: number;
  /** Pareto front of the evaluations (empty in the grid view: see `grid.front`). */
  front: RibbonEvaluation[];
  view: RibbonView;
  /** Grid view: the grid's picks at the view's target; null for a search or comparison. */
  grid: RibbonGridPicks | null;
}

/** The payload's own target: rate ≥ target_rate, latency at `qos_ms`. */
export function ribbonInitialView(p: RibbonPayload): RibbonView {
  return { metric: "rate", targetRate: p.target_rate, latencyMs: p.qos_ms };
}

/** True when every evaluation has a measured p99 (so the p99 view makes sense). */
export function ribbonHasP99(p: RibbonPayload): boolean {
  return p.evaluations.length > 0 && p.evaluations.every((e) => typeof e.p99_ms === "number" && Number.isFinite(e.p99_ms));
}

/** A view as greenai-common's QoS criterion over evaluations. */
function criterion(v: RibbonView): QosCriterion<RibbonEvaluation> {
  return v.metric === "rate" ? { value: (e) => e.rate, higherIsBetter: true, bound: v.targetRate } : { value: (e) => e.p99_ms, higherIsBetter: false, bound: v.latencyMs };
}

const byOrder = (evals: readonly RibbonEvaluation[]) => [...evals].sort((a, b) => a.order - b.order);

/** Feasibility of one evaluation under a view. */
export function isFeasible(e: RibbonEvaluation, v: RibbonView): boolean {
  return meetsQos(e, criterion(v));
}

/** A point's y under a view: its rate, or its p99 (which grid points lack). */
const yOf = (e: { rate: number; p99_ms?: number | null }, v: RibbonView): number | null => (v.metric === "rate" ? e.rate : (e.p99_ms ?? null));

/** Cheapest feasible evaluation; ties go to the better QoS, then the earlier one in the search. */
export function cheapestFeasible(evals: readonly RibbonEvaluation[], v: RibbonView): RibbonPick {
  return cheapestMeeting(byOrder(evals), criterion(v));
}

/**
 * Pareto front of (cost ↓, QoS ↑): points that no other point beats on both, sorted by cost.
 * Exact duplicates keep the earlier evaluation.
 */
export function paretoFront(evals: readonly RibbonEvaluation[], v: RibbonView): RibbonEvaluation[] {
  return paretoFrontOf(byOrder(evals), criterion(v));
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
export function yRange(points: readonly { rate: number; p99_ms?: number | null }[], v: RibbonView): [number, number] | undefined {
  const ys = points.map((e) => yOf(e, v)).filter((y): y is number => typeof y === "number" && Number.isFinite(y)).sort((a, b) => a - b);
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

/** Builds the RIBBON figure for a view: the grid view for a whole-grid payload, else the search view. */
export function ribbonFigure(p: RibbonPayload, view: RibbonView, theme: PlotTheme): RibbonFigure {
  const v = view.metric === "p99" && !ribbonHasP99(p) ? { ...view, metric: "rate" as const } : view;
  return ribbonIsGrid(p) ? gridFigure(p, v, theme) : searchFigure(p, v, theme);
}

/** Layout shared by both views: title with a subtitle, axes, the target line and its label. */
function ribbonLayout(p: RibbonPayload, v: RibbonView, theme: PlotTheme, subtitle: string, range: [number, number] | undefined) {
  const colors = roleColors(theme);
  const target = v.metric === "rate" ? v.targetRate : v.latencyMs;
  const targetText = v.metric === "rate" ? `target ${fmt(v.targetRate, 4)}% within ${fmt(p.qos_ms)} ms` : `p99 ≤ ${fmt(v.latencyMs, 4)} ms`;
  return {
    ...themeLayout(theme),
    title: {
      text: `${plotlyText(p.title)}<br><sub>${plotlyText(`${p.model} · ${subtitle}`)}</sub>`,
      x: 0.01,
      xanchor: "left",
    },
    xaxis: { ...themeAxis(theme), title: { text: "pool cost ($/h)" } },
    yaxis: { ...themeAxis(theme), title: { text: v.metric === "rate" ? `queries within ${fmt(p.qos_ms)} ms (%)` : "p99 latency (ms)" }, range },
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
    uirevision: `ribbon-${v.metric === "rate" ? "rate" : "p99_ms"}`,
  };
}

/** Hover text of a grid point. */
function gridHover(g: { pool: number[]; price_per_hour: number; rate: number }, p: RibbonPayload, note = ""): string {
  return `${note}${plotlyText(poolLabel(g.pool, p.instance_types))}<br>${dollarsPerHour(g.price_per_hour)} · rate ${fmt(g.rate, 4)}%`;
}

/**
 * The grid view: every pool of the grid evaluated, so feasibility, the cheapest feasible pool
 * (labelled), the front and the best homogeneous pools come from greenai-common's picks at the
 * view's target, as the kernel's text fallback does.
 */
function gridFigure(p: RibbonPayload, v: RibbonView, theme: PlotTheme): RibbonFigure {
  const colors = roleColors(theme);
  const picks = ribbonGridPicks(p, v.targetRate);
  const data: Trace[] = [];
  const points = (name: string, role: string, gs: readonly { pool: number[]; price_per_hour: number; rate: number }[], marker: object, extra: object = {}): Trace => ({
    type: "scatter",
    mode: "markers",
    name,
    x: gs.map((g) => g.price_per_hour),
    y: gs.map((g) => g.rate),
    text: gs.map((g) => gridHover(g, p)),
    hoverinfo: "text",
    marker,
    meta: { role, count: gs.length },
    ...extra,
  });
  data.push(points(`infeasible (${picks.infeasible.length})`, "grid-infeasible", picks.infeasible, { size: 4, color: colors.faint }));
  data.push(points(`feasible (${picks.feasible.length})`, "grid-feasible", picks.feasible, { size: 6, color: colors.kept, opacity: 0.8 }));
  data.push({
    ...points(`Pareto front (${picks.front.length})`, "front", picks.front, { size: 5, color: colors.front }),
    mode: "lines+markers",
    line: { color: colors.front, width: 2, shape: "hv" },
  });
  if (picks.homogeneous.length > 0) {
    const hs = picks.homogeneous;
    const best = picks.bestHomogeneous;
    data.push({
      ...points(
        "best homogeneous",
        "homogeneous",
        hs.map((h) => h.point),
        { symbol: "diamond-open", size: hs.map((h) => (h === best ? 15 : 11)), color: theme.foreground, line: { width: hs.map((h) => (h === best ? 3 : 2)) } },
      ),
      mode: "text+markers",
      text: hs.map((h) => plotlyText(h === best ? `${h.instance_type} (best homogeneous)` : h.instance_type)),
      // Alternate label sides: reference pools often share a price.
      textposition: hs.map((_, i) => (i % 2 === 0 ? "top left" : "bottom right")),
      hovertext: hs.map((h) => gridHover(h.point, p, `${h === best ? "best homogeneous" : "cheapest feasible"} ${h.instance_type} only: `)),
      meta: { role: "homogeneous", types: hs.map((h) => h.instance_type), best: best?.instance_type ?? null },
    });
  }
  const c = picks.cheapest;
  if (c) {
    const label = `cheapest feasible ${poolCounts(c.pool)} · ${dollarsPerHour(c.price_per_hour)}`;
    data.push({
      ...points("cheapest feasible", "pick", [c], { symbol: "star", size: 18, color: colors.best, line: { width: 1, color: theme.foreground } }),
      mode: "markers+text",
      text: [plotlyText(label)],
      textposition: "bottom right",
      textfont: { color: theme.foreground },
      hovertext: [gridHover(c, p, "cheapest feasible: ")],
      meta: { role: "pick", pool: c.pool, label },
    });
  }
  return {
    data,
    layout: ribbonLayout(p, v, theme, ribbonGridHeadline(picks), yRange(p.grid ?? [], v)),
    pick: null,
    feasible: picks.feasible.length,
    front: [],
    view: v,
    grid: picks,
  };
}

/** The search view: evaluations coloured by order over the faint grid, when there is one. */
function searchFigure(p: RibbonPayload, v: RibbonView, theme: PlotTheme): RibbonFigure {
  const colors = roleColors(theme);
  const evals = byOrder(p.evaluations);
  const feas = evals.filter((e) => isFeasible(e, v));
  const infeas = evals.filter((e) => !isFeasible(e, v));
  const front = paretoFront(evals, v);
  const pick = cheapestFeasible(evals, v);
  const data: Trace[] = [];
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

  const pickText = pick ? `cheapest feasible: ${poolLabel(pick.pool, p.instance_types)} at ${dollarsPerHour(pick.price_per_hour)}` : "no evaluated pool is feasible";
  return {
    data,
    layout: {
      ...ribbonLayout(p, v, theme, `${p.method} search · ${evals.length} pools evaluated · ${pickText}`, yRange(evals, v)),
      coloraxis: {
        colorscale: "Viridis",
        cmin: 0,
        cmax: Math.max(1, evals.length - 1),
        colorbar: { title: { text: "search order" }, thickness: 12, len: 0.6 },
      },
    },
    pick,
    feasible: feas.length,
    front,
    view: v,
    grid: null,
  };
}

/** The line under the controls: the pick at the current target, in words. */
export function ribbonStatusLine(p: RibbonPayload, fig: RibbonFigure): string {
  if (fig.grid) {
    const g = fig.grid;
    if (!g.cheapest) {
      const top = g.topRate;
      return `no pool of the grid meets this target (all ${g.pools.toLocaleString("en-US")} evaluated${top ? `; the best rate is ${fmt(top.rate, 4)}% at ${poolLabel(top.pool, p.instance_types)}` : ""})`;
    }
    const hom = ribbonHomogeneousLine(g);
    return (
      `cheapest feasible of all ${g.pools.toLocaleString("en-US")} pools: ${poolLabel(g.cheapest.pool, p.instance_types)} at ${dollarsPerHour(g.cheapest.price_per_hour)} (rate ${fmt(g.cheapest.rate, 4)}%) · ` +
      `${g.feasible.length.toLocaleString("en-US")} feasible${hom ? ` · ${hom}` : ""}`
    );
  }
  return fig.pick
    ? `cheapest feasible of ${p.evaluations.length} evaluated: ${poolLabel(fig.pick.pool, p.instance_types)} at ${dollarsPerHour(fig.pick.price_per_hour)} (rate ${fmt(fig.pick.rate, 4)}%) · ${fig.feasible} feasible`
    : `no evaluated pool meets this target (${p.evaluations.length} evaluated)`;
}
