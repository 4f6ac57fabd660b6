/**
 * Time-series figure: a job's GPU/CPU utilisation, power and memory over time, one panel per
 * group sharing the time axis, with a range slider. Long series are min–max decimated to the
 * visible window and drawn as WebGL traces, so a million points stay responsive.
 */
import { decimateMinMax, lowerBound, upperBound, type TimeSeries, type TimeseriesPayload } from "greenai-common";
import { fmt, plotlyText, themeAxis, themeLayout } from "./format";
import type { Figure, Layout, PlotTheme, Trace } from "./types";

export interface TimeseriesView {
  /** Visible time window [t0, t1] in ms since the epoch; the whole job when absent. */
  range?: [number, number];
  /** Buckets per series in the window (each keeps ≤ 2 points). */
  buckets?: number;
  /** Series with more samples than this are drawn with WebGL (scattergl). */
  webglThreshold?: number;
}

export interface TimeseriesFigure extends Figure {
  /** Samples in the whole payload and points actually handed to Plotly. */
  pointsTotal: number;
  pointsDrawn: number;
  /** Whole time extent [min, max] of the payload, ms; null when empty. */
  extent: [number, number] | null;
  webgl: boolean;
}

export const DEFAULT_BUCKETS = 2000;
export const DEFAULT_WEBGL_THRESHOLD = 20000;

const GROUP_ORDER: TimeSeries["group"][] = ["utilization", "power", "memory", "other"];
const GROUP_TITLE: Record<TimeSeries["group"], string> = { utilization: "utilisation", power: "power", memory: "memory", other: "other" };

/** Series with their samples sorted by time (copies only the ones that are not). */
export function sortedSeries(s: TimeSeries): TimeSeries {
  const t = s.t_ms;
  let sorted = true;
  for (let i = 1; i < t.length; i++) {
    if (!(t[i - 1] <= t[i])) {
      sorted = false;
      break;
    }
  }
  if (sorted) return s;
  const idx = t.map((_, i) => i).filter((i) => Number.isFinite(t[i])).sort((a, b) => t[a] - t[b]);
  return { ...s, t_ms: idx.map((i) => t[i]), values: idx.map((i) => s.values[i] ?? null) };
}

/** Time extent of every series together; null when there are no samples. */
export function timeExtent(series: readonly TimeSeries[]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    const n = Math.min(s.t_ms.length, s.values.length);
    if (n === 0) continue;
    lo = Math.min(lo, s.t_ms[0]);
    hi = Math.max(hi, s.t_ms[n - 1]);
  }
  return lo <= hi ? [lo, hi] : null;
}

function unitsOf(series: readonly TimeSeries[]): string {
  const units = [...new Set(series.map((s) => s.unit))];
  return units.join(", ");
}

/** Each payload's series sorted by time, once: every zoom redraws, and must not re-sort a million samples. */
const sortedByPayload = new WeakMap<TimeseriesPayload, TimeSeries[]>();

function sortedSeriesOf(p: TimeseriesPayload): TimeSeries[] {
  let sorted = sortedByPayload.get(p);
  if (!sorted) sortedByPayload.set(p, (sorted = p.series.map(sortedSeries)));
  return sorted;
}

/** Builds the figure for a view (series are sorted by time first, once per payload). */
export function timeseriesFigure(p: TimeseriesPayload, view: TimeseriesView, theme: PlotTheme): TimeseriesFigure {
  const buckets = view.buckets ?? DEFAULT_BUCKETS;
  const threshold = view.webglThreshold ?? DEFAULT_WEBGL_THRESHOLD;
  const series = sortedSeriesOf(p);
  const extent = timeExtent(series);
  const groups = GROUP_ORDER.filter((g) => series.some((s) => s.group === g));
  const nPanels = Math.max(1, groups.length);
  const gapFrac = 0.06;
  const panelH = (1 - gapFrac * (nPanels - 1)) / nPanels;
  const total = series.reduce((a, s) => a + Math.min(s.t_ms.length, s.values.length), 0);
  const webgl = series.some((s) => Math.min(s.t_ms.length, s.values.length) > threshold);
  const [w0, w1] = view.range ?? extent ?? [0, 1];

  const data: Trace[] = [];
  let drawn = 0;
  series.forEach((s) => {
    const n = Math.min(s.t_ms.length, s.values.length);
    const g = groups.indexOf(s.group);
    // One sample either side of the window, so lines run to the edges.
    const i0 = Math.max(0, lowerBound(s.t_ms, w0) - 1);
    const i1 = Math.min(n, upperBound(s.t_ms, w1) + 1);
    const d = decimateMinMax(s.t_ms, s.values, i0, i1, buckets);
    if (view.range) {
      // Coarse context outside the window, so the range slider and zooming out show the whole job.
      const side = Math.max(1, Math.floor(buckets / 4));
      const before = decimateMinMax(s.t_ms, s.values, 0, i0, side);
      const after = decimateMinMax(s.t_ms, s.values, i1, n, side);
      d.t = [...before.t, ...d.t, ...after.t];
      d.v = [...before.v, ...d.v, ...after.v];
    }
    drawn += d.t.length;
    const label = s.device ? `${s.name} (${s.device})` : s.name;
    data.push({
      type: webgl ? "scattergl" : "scatter",
      mode: "lines",
      name: plotlyText(label),
      x: d.t,
      y: d.v,
      xaxis: "x",
      yaxis: g === 0 ? "y" : `y${g + 1}`,
      hovertemplate: `%{y:.4g} ${plotlyText(s.unit)}<extra>${plotlyText(label)}</extra>`,
      line: { width: 1.2 },
      connectgaps: false,
      meta: { group: s.group, samples: n, shown: d.t.length },
    });
  });

  const layout: Layout = {
    ...themeLayout(theme),
    title: { text: `${plotlyText(p.title)}${p.job_id ? `<br><sub>job ${plotlyText(p.job_id)} · ${fmt(total)} samples</sub>` : `<br><sub>${fmt(total)} samples</sub>`}`, x: 0.01, xanchor: "left" },
    hovermode: "x unified",
    dragmode: "zoom",
    legend: { orientation: "h", y: -0.35 },
    margin: { t: 70, r: 20, b: 40, l: 60 },
    height: 220 + 160 * nPanels,
    uirevision: "timeseries",
    xaxis: {
      ...themeAxis(theme),
      type: "date",
      anchor: `y${nPanels === 1 ? "" : nPanels}`,
      range: view.range ? [view.range[0], view.range[1]] : extent ?? undefined,
      rangeslider: { visible: true, thickness: 0.08, range: extent ?? undefined, bgcolor: theme.background, bordercolor: theme.grid },
      rangeselector: {
        buttons: [
          { count: 1, label: "1 min", step: "minute", stepmode: "backward" },
          { count: 15, label: "15 min", step: "minute", stepmode: "backward" },
          { count: 1, label: "1 h", step: "hour", stepmode: "backward" },
          { step: "all", label: "all" },
        ],
        x: 1,
        xanchor: "right",
        y: 1.02,
        yanchor: "bottom",
        bgcolor: theme.background,
        activecolor: theme.grid,
        font: { color: theme.foreground },
      },
    },
  };
  groups.forEach((g, k) => {
    const top = 1 - k * (panelH + gapFrac);
    const inGroup = series.filter((s) => s.group === g);
    layout[k === 0 ? "yaxis" : `yaxis${k + 1}`] = {
      ...themeAxis(theme),
      domain: [Math.max(0, top - panelH), top],
      title: { text: plotlyText(`${GROUP_TITLE[g]} (${unitsOf(inGroup)})`) },
      fixedrange: true,
      rangemode: g === "other" ? "normal" : "tozero",
    };
  });
  if (groups.length === 0) {
    layout.yaxis = { ...themeAxis(theme) };
    layout.annotations = [{ text: "no series in this payload", showarrow: false, xref: "paper", yref: "paper", x: 0.5, y: 0.5 }];
  }
  return { data, layout, pointsTotal: total, pointsDrawn: drawn, extent, webgl };
}

/** Reads a Plotly relayout event into a time window, or null for "autorange"/unrelated events. */
export function rangeFromRelayout(ev: Record<string, unknown>): [number, number] | "all" | null {
  if (ev["xaxis.autorange"] === true) return "all";
  const a = ev["xaxis.range[0]"] ?? (Array.isArray(ev["xaxis.range"]) ? (ev["xaxis.range"] as unknown[])[0] : undefined);
  const b = ev["xaxis.range[1]"] ?? (Array.isArray(ev["xaxis.range"]) ? (ev["xaxis.range"] as unknown[])[1] : undefined);
  if (a === undefined || b === undefined) return null;
  const t0 = toMs(a);
  const t1 = toMs(b);
  return Number.isFinite(t0) && Number.isFinite(t1) && t1 > t0 ? [t0, t1] : null;
}

/** Plotly gives date-axis ranges as "YYYY-MM-DD HH:MM:SS.sss" strings in UTC, or numbers. */
export function toMs(x: unknown): number {
  if (typeof x === "number") return x;
  if (typeof x !== "string") return NaN;
  const iso = x.includes("T") ? x : x.replace(" ", "T");
  return Date.parse(/Z|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
}
