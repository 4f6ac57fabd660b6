/** Small formatting helpers shared by the figure builders; pure. */
import type { Layout, PlotTheme } from "./types";

/** Payload text for Plotly, escaped so that it shows as typed (one owner: greenai-common). */
export { plotlyText } from "greenai-common";

/** A number with `digits` significant digits, integers as they are; "–" for null/NaN. */
export function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  if (Number.isInteger(x)) return String(x);
  return Number(x.toPrecision(digits)).toString();
}

/** A fraction as a percentage with one decimal: 0.6321 → "63.2%". */
export function pct(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "–";
  return `${(100 * x).toFixed(1)}%`;
}

/**
 * An energy with a readable unit: joules are scaled to kJ/MJ/GJ (with kWh beside from 1 MJ),
 * other units are kept: energyText(97394890, "J") → "97.4 MJ (27.1 kWh)".
 */
export function energyText(x: number | null | undefined, unit: string, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return `– ${unit}`;
  if (unit !== "J") return `${fmt(x, digits)} ${unit}`;
  const a = Math.abs(x);
  const [div, u] = a >= 1e9 ? [1e9, "GJ"] : a >= 1e6 ? [1e6, "MJ"] : a >= 1e3 ? [1e3, "kJ"] : [1, "J"];
  const kwh = a >= 1e6 ? ` (${fmt(x / 3.6e6, digits)} kWh)` : "";
  return `${fmt(x / div, digits)} ${u}${kwh}`;
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

/** A duration in seconds: "0.53 s", "41 s", "2 min 5 s", "1 h 02 min"; "– s" for a bad value. */
export function durationText(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return "– s";
  if (seconds < 10) return `${fmt(seconds, 2)} s`;
  if (seconds < 59.5) return `${Math.round(seconds)} s`;
  const total = Math.round(seconds);
  if (total < 3600) return `${Math.floor(total / 60)} min ${total % 60} s`;
  const min = Math.floor(total / 60) % 60;
  return `${Math.floor(total / 3600)} h ${String(min).padStart(2, "0")} min`;
}

/** A power in watts: "3.2 W", "302 W", "1.25 kW"; "– W" for a bad value. */
export function powerText(watts: number | null | undefined): string {
  if (watts === null || watts === undefined || !Number.isFinite(watts)) return "– W";
  const a = Math.abs(watts);
  if (a >= 1000) return `${fmt(watts / 1000, 3)} kW`;
  if (a >= 10) return `${Math.round(watts)} W`;
  return `${fmt(watts, 2)} W`;
}

/** An energy in joules as kWh, always in kWh (the status bar's unit): 6.84e6 J → "1.9 kWh". */
export function kwhText(joules: number | null | undefined): string {
  if (joules === null || joules === undefined || !Number.isFinite(joules)) return "– kWh";
  const kwh = joules / 3.6e6;
  return `${fmt(kwh, Math.abs(kwh) >= 10 ? 3 : 2)} kWh`;
}

/** Grams of CO₂-equivalent: "3.1 g CO₂e", "0.7 kg CO₂e" (from 100 g), "1.2 t CO₂e" (from 1 t). */
export function carbonText(grams: number | null | undefined): string {
  if (grams === null || grams === undefined || !Number.isFinite(grams)) return "– g CO₂e";
  const a = Math.abs(grams);
  if (a >= 1e6) return `${fmt(grams / 1e6, 2)} t CO₂e`;
  if (a >= 100) return `${fmt(grams / 1000, 2)} kg CO₂e`;
  return `${fmt(grams, 2)} g CO₂e`;
}

/** Where a power reading came from, as shown beside it; an estimate always says "estimate". */
export function energySourceLabel(source: string, estimate: boolean): string {
  if (source === "estimate") return "estimate";
  return estimate ? `${source}, estimate` : source;
}

/** What a cell spent, as stored in its metadata under `greenai.energy` (issue 14). */
export interface CellEnergy {
  joules: number;
  seconds: number;
  /** "nvidia-smi", "rapl" or "estimate". */
  source: string;
  /** The devices metered, e.g. ["GPU 0"]. */
  devices: string[];
  /** When the cell started, ISO 8601. */
  started: string;
  /** Set only when the meter called a non-"estimate" source an estimate. */
  estimate?: boolean;
  /** Grams of CO₂e, when the kernel knows a carbon intensity. */
  carbon_g?: number;
}

/**
 * One line for a cell's energy, e.g. "12.4 kJ · 41 s · 302 W avg (GPU 0, nvidia-smi)";
 * average W = joules / seconds; carbon is added when known.
 */
export function cellEnergyText(e: CellEnergy): string {
  const avg = e.seconds > 0 ? powerText(e.joules / e.seconds) : "– W";
  const where = [...e.devices, energySourceLabel(e.source, e.estimate === true)].join(", ");
  const carbon = e.carbon_g !== undefined ? ` · ${carbonText(e.carbon_g)}` : "";
  return `${energyText(e.joules, "J")} · ${durationText(e.seconds)} · ${avg} avg${carbon} (${where})`;
}
