/**
 * Presenter of `%ribbon` results: a RibbonPayload and a summary become one bundle with the
 * vendor JSON, a Plotly price–rate scatter for plain Jupyter and VS Code, HTML and text.
 */
import type { RibbonPayload } from "greenai-common";
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

/** Price–rate scatter: grid (faint), evaluations coloured by order, homogeneous pools, best, target line. */
export function ribbonPlotly(p: RibbonPayload): { data: unknown[]; layout: object } {
  const label = (pool: number[]) => p.instance_types.map((t, j) => `${pool[j]}× ${t}`).filter((_, j) => pool[j] > 0).join(" + ");
  const data: unknown[] = [];
  if (p.grid) {
    data.push({
      type: "scattergl",
      mode: "markers",
      name: "grid",
      x: p.grid.map((g) => g.price_per_hour),
      y: p.grid.map((g) => g.rate),
      text: p.grid.map((g) => label(g.pool)),
      marker: { color: "rgba(150,150,150,0.35)", size: 4 },
      hovertemplate: "%{text}<br>$%{x:.4f}/h, %{y:.2f}%<extra>grid</extra>",
    });
  }
  if (p.evaluations.length) {
    data.push({
      type: "scatter",
      mode: "markers",
      name: `${p.method} evaluations`,
      x: p.evaluations.map((e) => e.price_per_hour),
      y: p.evaluations.map((e) => e.rate),
      text: p.evaluations.map((e) => `#${e.order + 1}: ${label(e.pool)}`),
      marker: { color: p.evaluations.map((e) => e.order), colorscale: "Viridis", size: 8, showscale: true, colorbar: { title: "order" } },
      hovertemplate: "%{text}<br>$%{x:.4f}/h, %{y:.2f}%<extra></extra>",
    });
  }
  if (p.homogeneous.length) {
    data.push({
      type: "scatter",
      mode: "markers",
      name: "best homogeneous",
      x: p.homogeneous.map((h) => h.price_per_hour),
      y: p.homogeneous.map((h) => h.rate),
      text: p.homogeneous.map((h) => label(h.pool)),
      marker: { symbol: "diamond", size: 11, color: "#d62728" },
      hovertemplate: "%{text}<br>$%{x:.4f}/h, %{y:.2f}%<extra>homogeneous</extra>",
    });
  }
  if (p.best) {
    data.push({
      type: "scatter",
      mode: "markers",
      name: "best found",
      x: [p.best.price_per_hour],
      y: [p.best.rate],
      text: [label(p.best.pool)],
      marker: { symbol: "star", size: 16, color: "#2ca02c" },
      hovertemplate: "%{text}<br>$%{x:.4f}/h, %{y:.2f}%<extra>best</extra>",
    });
  }
  return {
    data,
    layout: {
      title: { text: p.title },
      xaxis: { title: { text: "price ($/h)" } },
      yaxis: { title: { text: `queries within ${p.qos_ms} ms (%)` } },
      shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: p.target_rate, y1: p.target_rate, line: { dash: "dot", color: "#888" } }],
      legend: { orientation: "h" },
    },
  };
}

/** Text and bundle of a search, comparison or grid: payload, Plotly fallback, HTML and text. */
export function presentRibbon(payload: RibbonPayload, summary: RibbonSummary): { text: string; bundle: MimeBundle } {
  const { lines, table, htmlOnly } = summary;
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
