/**
 * The shipped intensity table (kernel/data/carbon-intensity.csv, see docs/carbon.md for its
 * sources) and the session's default intensity. Edge module: reads the file once.
 *
 * The session default is what `%energy carbon --region FR` (with no energy) sets; results that
 * know their energy show CO2e with it, or with the WORLD average, labelled so, when none is set.
 * It lives as long as the process: the kernel's session, or one `greenai` command.
 */
import * as path from "path";
import { textFromFileSync } from "../io/text-file";
import { intensityForRegion, intensityFromRow, intensityTableFromCsv, type CarbonIntensity, type IntensityRow } from "./carbon";

/** kernel/data/carbon-intensity.csv, from kernel/src/energy (ts-jest) and kernel/dist/energy alike. */
export const CARBON_TABLE_FILE = path.join(__dirname, "..", "..", "data", "carbon-intensity.csv");

let table: IntensityRow[] | undefined;
let sessionDefault: CarbonIntensity | undefined;

/** The shipped table's rows (read once). */
export function shippedIntensityTable(): IntensityRow[] {
  table ??= intensityTableFromCsv(textFromFileSync(CARBON_TABLE_FILE), CARBON_TABLE_FILE);
  return table;
}

/** A region's yearly average from the shipped table; RangeError listing the codes when unknown. */
export function regionIntensity(region: string): CarbonIntensity {
  return intensityFromRow(intensityForRegion(shippedIntensityTable(), region));
}

/** Sets (or, with undefined, clears) the session's default intensity. */
export function setSessionIntensity(i: CarbonIntensity | undefined): void {
  sessionDefault = i;
}

/** The intensity results use: the session default, else the WORLD average marked as a fallback. */
export function sessionIntensity(): CarbonIntensity {
  return sessionDefault ?? { ...regionIntensity("WORLD"), fallback: true };
}

/** True when the user set a session default. */
export function hasSessionIntensity(): boolean {
  return sessionDefault !== undefined;
}
