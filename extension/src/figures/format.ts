/** Small formatting helpers shared by the figure builders; pure. */
import { fmt } from "greenai-common";
import type { Layout, PlotTheme } from "./types";

/** Payload text for Plotly, escaped so that it shows as typed (one owner: greenai-common). */
export { plotlyText } from "greenai-common";

/** Numbers, energy, time, power, carbon and a cell's energy line: one home, greenai-common (the kernel writes them too). */
export { fmt, energyText, durationText, powerText, carbonText, energySourceLabel, cellEnergyText, type CellEnergy } from "greenai-common";

/** A fraction as a percentage with one decimal: 0.6321 → "63.2%". */
export function pct(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "–";
  return `${(100 * x).toFixed(1)}%`;
}

/** Dollars per hour, as greenai-common writes them in the RIBBON headlines. */
export { dollarsPerHour } from "greenai-common";

/** A pool as "2× c5.xlarge + 1× g4dn.xlarge" (types with count 0 left out). */
export function poolLabel(pool: readonly number[], types: readonly string[]): string {
  const parts = pool.map((n, i) => (n > 0 ? `${n}× ${types[i] ?? `type${i}`}` : "")).filter(Boolean);
  return parts.length ? parts.join(" + ") : "(empty pool)";
}

/** Layout keys that follow the theme; merged into every figure's layout. */
export function themeLayout(theme: PlotTheme): Layout {
  return {
    paper_bgcolor: theme.background,
    plot_bgcolor: theme.background,
    font: { color: theme.foreground, family: theme.fontFamily, size: 12 },
    colorway: theme.dark ? DARK_COLORWAY : LIGHT_COLORWAY,
    hoverlabel: { font: { family: theme.fontFamily } },
  };
}

/** Axis keys that follow the theme. */
export function themeAxis(theme: PlotTheme): Layout {
  return { gridcolor: theme.grid, zerolinecolor: theme.grid, linecolor: theme.grid, automargin: true };
}

/** Colour-blind-safe palettes (Okabe–Ito order), brighter on dark backgrounds. */
const LIGHT_COLORWAY = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"];
const DARK_COLORWAY = ["#56B4E9", "#E69F00", "#009E73", "#CC79A7", "#F0E442", "#0072B2", "#D55E00", "#FFFFFF"];

/** Named colours for roles in the figures, per theme. */
export function roleColors(theme: PlotTheme) {
  return theme.dark
    ? { kept: "#56B4E9", stopped: "rgba(200, 200, 200, 0.35)", stopMark: "#E69F00", best: "#F0E442", bad: "#FF6B6B", target: "#E69F00", front: "#009E73", faint: "rgba(200, 200, 200, 0.25)" }
    : { kept: "#0072B2", stopped: "rgba(90, 90, 90, 0.35)", stopMark: "#D55E00", best: "#E69F00", bad: "#C0392B", target: "#D55E00", front: "#009E73", faint: "rgba(120, 120, 120, 0.25)" };
}

/** An energy in joules as kWh, always in kWh (the status bar's unit): 6.84e6 J → "1.9 kWh". */
export function kwhText(joules: number | null | undefined): string {
  if (joules === null || joules === undefined || !Number.isFinite(joules)) return "– kWh";
  const kwh = joules / 3.6e6;
  return `${fmt(kwh, Math.abs(kwh) >= 10 ? 3 : 2)} kWh`;
}

