/**
 * CO2e beside an energy figure, in one place: "12.4 kJ · 1.2 g CO2e (FR 2023)". Every presenter
 * that shows energy (%energy, %tpe) calls carbonNote; the intensity is the session default or,
 * when none was set, the WORLD average, labelled "WORLD 2023 average, no region set".
 */
import { energyText, type CarbonNote } from "greenai-common";
import { carbonGFromJoules, intensityLabel, type CarbonIntensity } from "../energy/carbon";
import { sessionIntensity } from "../energy/carbon-table";
import { formatNumber } from "./bundle";

/** A mass of CO2e: g below a kilogram, kg below a tonne, else t; 3 significant digits. */
export function carbonMassText(g: number): string {
  if (g >= 1e6) return `${formatNumber(g / 1e6, 3)} t`;
  if (g >= 1e3) return `${formatNumber(g / 1e3, 3)} kg`;
  return `${formatNumber(g, 3)} g`;
}

/** Where an intensity comes from, short: "FR 2023", "WORLD 2023 average, no region set", "user value 120 g/kWh". */
export function intensityShortText(i: CarbonIntensity): string {
  if (i.kind === "value") return `user value ${formatNumber(i.g_per_kwh)} g/kWh`;
  return intensityLabel(i);
}

/** The carbon of an energy figure with the intensity it used (payload form). */
export function carbonNoteOf(energyJ: number, intensity: CarbonIntensity = sessionIntensity()): CarbonNote {
  return { carbon_g: carbonGFromJoules(Math.max(0, energyJ), intensity.g_per_kwh), g_per_kwh: intensity.g_per_kwh, intensity: intensityShortText(intensity) };
}

/** "12.4 kJ · 1.2 g CO2e (FR 2023)"; the energy as greenai-common writes it everywhere (kWh beside from 1 MJ). */
export function carbonNote(energyJ: number, intensity: CarbonIntensity = sessionIntensity()): string {
  const n = carbonNoteOf(energyJ, intensity);
  return `${energyText(energyJ, "J")} · ${carbonMassText(n.carbon_g)} CO2e (${n.intensity})`;
}

/** Joules of an amount in a TPE energy unit; null for units that are not energy (epochs, seconds). */
export function joulesOf(amount: number, unit: string): number | null {
  if (unit === "J") return amount;
  if (unit === "kJ") return amount * 1e3;
  if (unit === "Wh") return amount * 3600;
  if (unit === "kWh") return amount * 3.6e6;
  return null;
}
