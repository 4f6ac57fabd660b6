/** A fraction as a percentage with one decimal (0.6321 → "63.2%"), for titles and summaries. */
export function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}
