/**
 * Energy, time, power and carbon as people read them, and one cell's energy as one line
 * ("12.4 kJ · 41 s · 302 W avg (GPU 0, nvidia-smi)"). One home for the kernel's cell-energy
 * output and the extension's under-cell line, status bar and renderer (issue 14); pure.
 */

/** A number with `digits` significant digits, integers as they are; "–" for null/NaN. */
export function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  if (Number.isInteger(x)) return String(x);
  return Number(x.toPrecision(digits)).toString();
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
