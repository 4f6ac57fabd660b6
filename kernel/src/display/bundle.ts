/**
 * MIME bundles: one display_data message carrying our vendor JSON plus fallbacks
 * (Plotly JSON, script-free HTML, plain text) so outputs read well everywhere.
 */
import type { GreenaiPayload } from "greenai-common";

/** A Jupyter MIME bundle: data keyed by MIME type, optional per-type metadata. */
export interface MimeBundle {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** The kinds of greenai payloads, each with its own vendor MIME type. */
export type PayloadKind = GreenaiPayload["kind"];

/** `application/vnd.greenai.<kind>+json` (the MIME_* constants of greenai-common). */
export function vendorMime(kind: PayloadKind): string {
  return `application/vnd.greenai.${kind}+json`;
}

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

export interface BundleParts {
  /** Vendor payload; its `kind` names the MIME type. */
  payload?: GreenaiPayload;
  /** Plotly figure `{data, layout}` for VS Code and jupyterlab-plotly. */
  plotly?: { data: unknown[]; layout?: object };
  /** Script-free HTML (tables, inline SVG). */
  html?: string;
  /** One-line or short plain-text summary. Always present. */
  text: string;
}

/** Builds one bundle; vendor data stays a JSON object, never a string. */
export function makeBundle(parts: BundleParts): MimeBundle {
  const data: Record<string, unknown> = {};
  if (parts.payload) data[vendorMime(parts.payload.kind)] = parts.payload;
  if (parts.plotly) data[PLOTLY_MIME] = parts.plotly;
  if (parts.html !== undefined) data["text/html"] = parts.html;
  data["text/plain"] = parts.text;
  return { data, metadata: {} };
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** Formats a number for tables: integers as is, others with `digits` significant digits. */
export function formatNumber(x: number, digits = 4): string {
  if (Number.isInteger(x)) return String(x);
  if (!Number.isFinite(x)) return String(x);
  return Number(x.toPrecision(digits)).toString();
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return formatNumber(v);
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return v.map(cellText).join(", ");
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** A script-free HTML table; `caption` is optional. Rows beyond `maxRows` are elided with a note. */
export function htmlTable(
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  opts: { caption?: string; maxRows?: number } = {},
): string {
  const maxRows = opts.maxRows ?? 50;
  const shown = rows.slice(0, maxRows);
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const body = shown
    .map((r) => `<tr>${r.map((v) => `<td>${escapeHtml(cellText(v))}</td>`).join("")}</tr>`)
    .join("\n");
  const caption = opts.caption ? `<caption>${escapeHtml(opts.caption)}</caption>` : "";
  const more =
    rows.length > shown.length
      ? `\n<p>… ${rows.length - shown.length} more rows not shown (${rows.length} in all).</p>`
      : "";
  return `<table class="greenai-table">${caption}<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>${more}`;
}

/** A plain-text table with aligned columns, for the CLI and text/plain fallbacks. */
export function textTable(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = [columns.map(String), ...rows.map((r) => r.map(cellText))];
  const widths = columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells.map((r) => r.map((c, i) => (c ?? "").padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}
