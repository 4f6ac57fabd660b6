/**
 * Presenter of Supercloud tables and job lists (`%dataset load`, `sql`, `jobs`): a summary line,
 * the first rows as HTML and text tables and, for a load, the column types and reading problems.
 */
import type { JobList } from "../datasets/jobs";
import type { ReadIssue } from "../datasets/reader";
import { escapeHtml, htmlTable, makeBundle, textTable, type MimeBundle } from "./bundle";

/** The first rows of a table (as tableRowsJson gives them) and its columns, under one summary line. */
export interface TableHead {
  summary: string;
  head: readonly Record<string, unknown>[];
  columns: readonly { name: string; type: string }[];
}

function headTables(t: TableHead): { html: string; text: string } {
  const names = t.columns.map((c) => c.name);
  const rows = t.head.map((r) => names.map((n) => r[n]));
  return { html: htmlTable(names, rows, { maxRows: 1000 }), text: textTable(names, rows) };
}

function issuesHtml(issues: readonly ReadIssue[]): string {
  if (!issues.length) return "";
  return `<details><summary>${issues.length} problem(s)</summary><ul>${issues.map((i) => `<li>${escapeHtml(`${i.file}, line ${i.line}${i.column ? `, column ${i.column}` : ""}: ${i.message}`)}</li>`).join("")}</ul></details>`;
}

/** `%dataset load`: the summary; the first rows, the column types and the reading problems in the HTML. */
export function presentLoadedTable(t: TableHead, issues: readonly ReadIssue[]): { text: string; bundle: MimeBundle } {
  const ht = headTables(t);
  const typesTable = htmlTable(["column", "Arrow type"], t.columns.map((c) => [c.name, c.type]), { maxRows: 200 });
  const html = `<p>${escapeHtml(t.summary)}</p>${t.head.length ? ht.html : ""}<details><summary>column types</summary>${typesTable}</details>${issuesHtml(issues)}`;
  return { text: t.head.length ? `${t.summary}\n${ht.text}` : t.summary, bundle: makeBundle({ html, text: t.summary }) };
}

/** `%dataset sql`: the summary and the first rows. */
export function presentQueryResult(t: TableHead): { text: string; bundle: MimeBundle } {
  const ht = headTables(t);
  return { text: t.head.length ? `${t.summary}\n${ht.text}` : t.summary, bundle: makeBundle({ html: `<p>${escapeHtml(t.summary)}</p>${ht.html}`, text: t.summary }) };
}

/** `%dataset jobs`: a count line and the listed jobs as a table (with energy_j when it was computed). */
export function presentJobList(list: JobList, opts: { energy: boolean; maxRows: number }): { text: string; bundle: MimeBundle } {
  const cols = ["id_job", "state", "partition", "job_type", "nodes", "gpus", "start", "duration_s", "label", "cpu_series", "gpu_series", ...(opts.energy ? ["energy_j"] : [])];
  const rows = list.jobs.map((j) => cols.map((c) => (j as unknown as Record<string, unknown>)[c]));
  const shown = list.jobs.length < list.rows ? `; first ${list.jobs.length} shown` : "";
  const summary = `${list.rows} job(s) (${list.gpuSeriesJobs} with GPU series, ${list.labelledJobs} labelled)${shown}`;
  return {
    text: `${summary}\n${textTable(cols, rows)}`,
    bundle: makeBundle({ html: `<p>${escapeHtml(summary)}</p>${htmlTable(cols, rows, { maxRows: opts.maxRows })}`, text: summary }),
  };
}
