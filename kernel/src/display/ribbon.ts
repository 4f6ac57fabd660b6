/**
 * Presenter of `%ribbon` results: a RibbonPayload and a summary become one bundle with the
 * vendor JSON, a Plotly price–rate scatter for plain Jupyter and VS Code, HTML and text.
 */
import { plotlyText, poolCounts, ribbonGridHeadline, ribbonGridPicks, ribbonHomogeneousLine, ribbonIsGrid, type RibbonGridPicks, type RibbonPayload } from "greenai-common";
import { escapeHtml, htmlTable, makeBundle, textTable, type MimeBundle } from "./bundle";

/** A table of a summary. */
export interface SummaryTable {
  columns: readonly string[];
  rows: readonly (readonly unknown[])[];
  /** Rows shown in the HTML before eliding (default 50). */
  maxRows?: number;
}

/** What a command says besides its payload. */
export interface RibbonSummary {
  /** Summary lines: the text, and the first paragraph of the HTML. */
  lines: readonly string[];
  /** A table shown in the text and the HTML (e.g. compare's methods). */
  table?: SummaryTable;
  /** A long table shown in the HTML only, so the text stays short (e.g. a search's trace). */
  htmlOnly?: SummaryTable;
}

/**
 * Price–rate scatter: grid (faint), evaluations coloured by order, homogeneous pools, best, target
 * line. A whole grid (nothing searched) shows its picks at the payload's target instead: feasible
 * pools marked, the Pareto front, the best homogeneous pools and the cheapest feasible one labelled.
 */
export function ribbonPlotly(p: RibbonPayload): { data: unknown[]; layout: object } {
  // Every text from the payload goes through plotlyText: Plotly would render markup in it.
  const label = (pool: number[]) => plotlyText(p.instance_types.map((t, j) => `${pool[j]}× ${t}`).filter((_, j) => pool[j] > 0).join(" + "));
  /** One marker trace of pools: price on x, rate on y, the pool as hover text; `style` adds or overrides. */
  const pools = (name: string, points: readonly { price_per_hour: number; rate: number; pool: number[] }[], hoverTag: string, style: object) => ({
    type: "scatter",
    mode: "markers",
    name: plotlyText(name),
    x: points.map((q) => q.price_per_hour),
    y: points.map((q) => q.rate),
    text: points.map((q) => label(q.pool)),
    hovertemplate: `%{text}<br>$%{x:.4f}/h, %{y:.2f}%<extra>${hoverTag}</extra>`,
    ...style,
  });
  const data: unknown[] = [];
  const grid = ribbonIsGrid(p) ? ribbonGridPicks(p) : null;
  if (grid) {
    data.push(pools(`infeasible (${grid.infeasible.length})`, grid.infeasible, "infeasible", { type: "scattergl", marker: { color: "rgba(150,150,150,0.35)", size: 4 } }));
    data.push(pools(`feasible (${grid.feasible.length})`, grid.feasible, "feasible", { type: "scattergl", marker: { color: "#1f77b4", size: 6 } }));
    data.push(pools("Pareto front", grid.front, "Pareto front", { mode: "lines+markers", line: { shape: "hv", color: "#2ca02c" }, marker: { size: 5, color: "#2ca02c" } }));
    const hom = grid.homogeneous.map((h) => h.point);
    if (hom.length) data.push(pools("best homogeneous", hom, "homogeneous", { marker: { symbol: "diamond", size: 11, color: "#d62728" } }));
    if (grid.cheapest) {
      const c = grid.cheapest;
      data.push(pools("cheapest feasible", [c], "cheapest feasible", { mode: "markers+text", texttemplate: `cheapest feasible ${poolCounts(c.pool)}`, textposition: "bottom right", marker: { symbol: "star", size: 16, color: "#ff7f0e" } }));
    }
  } else {
    if (p.grid) data.push(pools("grid", p.grid, "grid", { type: "scattergl", marker: { color: "rgba(150,150,150,0.35)", size: 4 } }));
    if (p.evaluations.length) {
      data.push(
        pools(`${p.method} evaluations`, p.evaluations, "", {
          text: p.evaluations.map((e) => `#${e.order + 1}: ${label(e.pool)}`),
          marker: { color: p.evaluations.map((e) => e.order), colorscale: "Viridis", size: 8, showscale: true, colorbar: { title: "order" } },
        }),
      );
    }
    if (p.homogeneous.length) data.push(pools("best homogeneous", p.homogeneous, "homogeneous", { marker: { symbol: "diamond", size: 11, color: "#d62728" } }));
    if (p.best) data.push(pools("best found", [p.best], "best", { marker: { symbol: "star", size: 16, color: "#2ca02c" } }));
  }
  const title = grid ? `${plotlyText(p.title)}<br><sub>${plotlyText(ribbonGridHeadline(grid))}</sub>` : plotlyText(p.title);
  return {
    data,
    layout: {
      title: { text: title },
      xaxis: { title: { text: "price ($/h)" } },
      yaxis: { title: { text: `queries within ${p.qos_ms} ms (%)` } },
      shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: p.target_rate, y1: p.target_rate, line: { dash: "dot", color: "#888" } }],
      legend: { orientation: "h" },
    },
  };
}

/** The HTML table of a grid's picks: cheapest feasible, the homogeneous pools, then the Pareto front. */
function gridPicksTable(p: RibbonPayload, grid: RibbonGridPicks): SummaryTable {
  const row = (what: string, g: { pool: number[]; price_per_hour: number; rate: number }) => [what, ...g.pool, g.price_per_hour, g.rate];
  const rows: unknown[][] = [];
  if (grid.cheapest) rows.push(row("cheapest feasible", grid.cheapest));
  for (const h of grid.homogeneous) rows.push(row(h === grid.bestHomogeneous ? `best homogeneous (${h.instance_type})` : `cheapest ${h.instance_type} only`, h.point));
  for (const g of grid.front) rows.push(row("Pareto front", g));
  return { columns: ["", ...p.instance_types, "$/h", "rate %"], rows, maxRows: 100 };
}

/**
 * Text and bundle of a search, comparison or grid: payload, Plotly fallback, HTML and text. A whole
 * grid's text and HTML start with its picks at the payload's target (greenai-common's headline).
 */
export function presentRibbon(payload: RibbonPayload, summary: RibbonSummary): { text: string; bundle: MimeBundle } {
  const { table } = summary;
  let { lines, htmlOnly } = summary;
  if (ribbonIsGrid(payload)) {
    // A whole grid: its picks come first, in the words the extension's figure uses.
    const grid = ribbonGridPicks(payload);
    const hom = ribbonHomogeneousLine(grid);
    lines = [ribbonGridHeadline(grid), ...(hom ? [hom] : []), ...lines];
    htmlOnly ??= gridPicksTable(payload, grid);
  }
  const text = table ? `${lines.join("\n")}\n${textTable(table.columns, table.rows)}` : lines.join("\n");
  let html = `<p>${lines.map(escapeHtml).join("<br>")}</p>`;
  for (const t of [table, htmlOnly]) if (t) html += htmlTable(t.columns, t.rows, { maxRows: t.maxRows });
  return { text, bundle: makeBundle({ payload, plotly: ribbonPlotly(payload), html, text }) };
}

/** Text and bundle of one simulated pool: a two-column table of (what, value) rows, no figure. */
export function presentRibbonSimulation(model: string, rows: readonly (readonly [string, string])[]): { text: string; bundle: MimeBundle } {
  const text = textTable(["", ""], rows).split("\n").slice(1).join("\n");
  return { text, bundle: makeBundle({ text, html: htmlTable(["", model], rows) }) };
}
