/**
 * Text from data (titles, run ids, pool and column names) put into a Plotly figure. Plotly reads
 * a small HTML subset in every text it draws (`<b>`, `<a href>`, `<br>`, `<sub>`…) and decodes
 * `&lt;`, `&gt;` and `&amp;`, so escaping those three characters makes it show the text as typed,
 * never as markup or a link. The kernel's Plotly fallback and the extension's figures both use it;
 * markup of our own (`<br>`, `<sub>`) is added around escaped text, never inside it.
 */
const PLOTLY_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/** `s` (null/undefined as "") with `&`, `<` and `>` escaped: Plotly shows it literally. */
export function plotlyText(s: unknown): string {
  return String(s ?? "").replace(/[&<>]/g, (c) => PLOTLY_ESCAPES[c]);
}
