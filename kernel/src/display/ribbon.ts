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
  /** One marker trace of pools: price on x, rate on y, the pool as hover text; `style` adds or overrides. */
  const pools = (name: string, points: readonly { price_per_hour: number; rate: number; pool: number[] }[], hoverTag: string, style: object) => ({
    type: "scatter",
    mode: "markers",
    name,
    x: points.map((q) => q.price_per_hour),
    y: points.map((q) => q.rate),
    text: points.map((q) => label(q.pool)),
    hovertemplate: `%{text}<br>$%{x:.4f}/h, %{y:.2f}%<extra>${hoverTag}</extra>`,
    ...style,
  });
  const data: unknown[] = [];
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
