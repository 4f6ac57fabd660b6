/**
 * Carbon: energy × grid carbon intensity. Pure (text in, numbers out; the shipped table is read
 * by carbon-table.ts).
 *
 * - g CO2e = E / 3.6 MJ/kWh × I, with E in joules and I in g CO2e/kWh.
 * - A time series of intensity is a step function: row i holds from its time until the next row;
 *   the last row holds for as long as the step before it. Energy is integrated per step with the
 *   library's one integrator (series.ts windowEnergies), so the carbon of a run is
 *   Σ_i E_i × I_i over the steps, and energy outside the series is reported, never guessed.
 * - A yearly average hides hour-to-hour swings (about 3× within a day in some grids): every
 *   carbon figure carries the intensity it used, so a result can say so.
 */
import { DataFormatError } from "../errors";
import { csvRecordsFromText, headerIndex } from "../io/csv";
import { seriesEnergy, windowEnergies, type DeviceSeries, type IntegrateOptions } from "./series";
import { timestampMs } from "./time";

/** Joules in one kilowatt-hour. */
export const J_PER_KWH = 3.6e6;

/** What a yearly average leaves out; results that use one say this. */
export const YEARLY_AVERAGE_NOTE =
  "a yearly average hides hour-to-hour swings: within one day the intensity of some grids varies about 3×; give a time series (--series FILE) for a closer figure";

/** One row of an intensity table: a region's yearly average grid intensity. */
export interface IntensityRow {
  /** Region code as typed by users: ISO 3166-1 alpha-2 (FR, US) or WORLD. */
  region: string;
  name: string;
  /** Yearly average, g CO2e per kWh generated. */
  g_per_kwh: number;
  /** Year the average is for. */
  year: number;
  source: string;
  /** 1-based line in the table file (for messages). */
  line: number;
}

/** The intensity a carbon figure used, as every result states it. */
export interface CarbonIntensity {
  /** g CO2e/kWh; for a series, the energy-weighted mean over the run. */
  g_per_kwh: number;
  /** "value": given by the user; "region": a row of the table; "series": a user time series. */
  kind: "value" | "region" | "series";
  region?: string;
  name?: string;
  year?: number;
  /** Where the number comes from: the table's source, "user value", or the series file. */
  source: string;
  /** True when nothing was chosen and the WORLD average stood in. */
  fallback?: boolean;
}

/** g CO2e = E / 3.6e6 × I (E in J, I in g CO2e/kWh). */
export function carbonGFromJoules(energyJ: number, gPerKwh: number): number {
  if (!(Number.isFinite(energyJ) && energyJ >= 0)) throw new RangeError(`energy must be a finite number of joules ≥ 0 but got ${energyJ}`);
  if (!(Number.isFinite(gPerKwh) && gPerKwh >= 0)) throw new RangeError(`carbon intensity must be a finite number of g CO2e/kWh ≥ 0 but got ${gPerKwh}`);
  return (energyJ / J_PER_KWH) * gPerKwh;
}

const TABLE_COLUMNS = ["region", "name", "g_per_kwh", "year", "source"] as const;

/**
 * Reads an intensity table (CSV with the columns region, name, g_per_kwh, year, source).
 * A bad row throws a DataFormatError naming the file, its line and what was expected.
 */
export function intensityTableFromCsv(text: string, file: string): IntensityRow[] {
  const records = csvRecordsFromText(text, file);
  if (records.length === 0) throw new DataFormatError(`${file}: empty; expected a header ${TABLE_COLUMNS.join(",")} and one row per region`);
  const idx = headerIndex(records[0].cells, true);
  const missing = TABLE_COLUMNS.filter((c) => !idx.has(c));
  if (missing.length) throw new DataFormatError(`${file}:${records[0].line}: header lacks ${missing.map((m) => `"${m}"`).join(", ")}; expected ${TABLE_COLUMNS.join(",")}`);
  const cell = (cells: string[], c: (typeof TABLE_COLUMNS)[number]) => (cells[idx.get(c)!] ?? "").trim();
  const rows: IntensityRow[] = [];
  const seen = new Map<string, number>();
  for (const r of records.slice(1)) {
    const at = `${file}:${r.line}`;
    const region = cell(r.cells, "region").toUpperCase();
    if (!/^[A-Z][A-Z0-9_-]*$/.test(region)) throw new DataFormatError(`${at}: region ${JSON.stringify(cell(r.cells, "region"))} must be a code of letters and digits, e.g. FR or WORLD`);
    if (seen.has(region)) throw new DataFormatError(`${at}: region ${region} is listed twice (first on line ${seen.get(region)}); keep one row per region`);
    const g = Number(cell(r.cells, "g_per_kwh"));
    if (cell(r.cells, "g_per_kwh") === "" || !Number.isFinite(g) || g < 0) {
      throw new DataFormatError(`${at}: g_per_kwh of ${region} must be a number ≥ 0 (g CO2e per kWh) but got ${JSON.stringify(cell(r.cells, "g_per_kwh"))}`);
    }
    const yearText = cell(r.cells, "year");
    const year = Number(yearText);
    if (!/^\d{4}$/.test(yearText) || year < 1990) throw new DataFormatError(`${at}: year of ${region} must be a four-digit year (1990 or later) but got ${JSON.stringify(yearText)}`);
    const source = cell(r.cells, "source");
    if (!source) throw new DataFormatError(`${at}: source of ${region} is empty; every row names where its number comes from`);
    seen.set(region, r.line);
    rows.push({ region, name: cell(r.cells, "name") || region, g_per_kwh: g, year, source, line: r.line });
  }
  if (rows.length === 0) throw new DataFormatError(`${file}: no rows after the header`);
  return rows;
}

/** The row of a region, by code or by name (any case); RangeError listing the codes when none matches. */
export function intensityForRegion(rows: readonly IntensityRow[], region: string): IntensityRow {
  const key = region.trim().toUpperCase();
  const row = rows.find((r) => r.region === key) ?? rows.find((r) => r.name.toUpperCase() === key);
  if (!row) throw new RangeError(`unknown region ${JSON.stringify(region)}; the table has ${rows.map((r) => r.region).join(", ")} (%energy carbon --list shows them)`);
  return row;
}

/** The intensity a table row stands for. */
export function intensityFromRow(row: IntensityRow): CarbonIntensity {
  return { g_per_kwh: row.g_per_kwh, kind: "region", region: row.region, name: row.name, year: row.year, source: row.source };
}

/** A time series of grid intensity: g CO2e/kWh from each time (ms since the epoch) until the next. */
export interface IntensitySeries {
  t_ms: number[];
  g_per_kwh: number[];
  /** Where it came from, for messages and results. */
  file: string;
}

/**
 * Reads a series of intensity: CSV rows of (time, g CO2e/kWh), an optional header line first.
 * Times are ISO 8601 / `YYYY/MM/DD HH:MM:SS` (local time without a zone) or epoch seconds, and
 * must increase. At least two rows (the last row's step is as long as the one before it).
 */
export function intensitySeriesFromCsv(text: string, file: string): IntensitySeries {
  const records = csvRecordsFromText(text, file);
  const t_ms: number[] = [];
  const g: number[] = [];
  records.forEach((r, i) => {
    const [timeText = "", valueText = ""] = r.cells.map((c) => c.trim());
    const t = timestampMs(timeText);
    if (i === 0 && Number.isNaN(t)) return; // a header line
    const at = `${file}:${r.line}`;
    if (Number.isNaN(t)) throw new DataFormatError(`${at}: time ${JSON.stringify(timeText)} is not a date-time (2026-01-31T14:00:00Z) or epoch seconds`);
    const v = Number(valueText);
    if (valueText === "" || !Number.isFinite(v) || v < 0) throw new DataFormatError(`${at}: intensity ${JSON.stringify(valueText)} must be a number ≥ 0 (g CO2e/kWh) in the second column`);
    if (t_ms.length && !(t > t_ms[t_ms.length - 1])) throw new DataFormatError(`${at}: time ${timeText} does not come after the row before; sort the series by time`);
    t_ms.push(t);
    g.push(v);
  });
  if (t_ms.length < 2) throw new DataFormatError(`${file}: ${t_ms.length} row(s) of (time, g CO2e/kWh); a series needs at least two, each holding until the next`);
  return { t_ms, g_per_kwh: g, file };
}

/** Carbon of power series against an intensity series. */
export interface SeriesCarbon {
  carbon_g: number;
  /** Energy inside the series' span, J (the part that has a carbon figure). */
  energy_j: number;
  /** Energy before the series' first time or after its last step, J: not counted in carbon_g. */
  uncovered_j: number;
  /** carbon_g / energy in kWh: the energy-weighted mean intensity; null without energy. */
  mean_g_per_kwh: number | null;
}

/** Step boundaries of a series: each row's time, then the end of the last step. */
export function intensityBoundariesMs(s: IntensitySeries): number[] {
  const n = s.t_ms.length;
  return [...s.t_ms, s.t_ms[n - 1] + (s.t_ms[n - 1] - s.t_ms[n - 2])];
}

/**
 * Σ over steps of (energy in the step / 3.6e6) × the step's intensity, summed over devices.
 * Energy per step comes from series.ts windowEnergies (the one integrator); energy outside the
 * steps is returned as uncovered_j.
 */
export function carbonFromSeries(power: readonly DeviceSeries[], intensity: IntensitySeries, opts: IntegrateOptions = {}): SeriesCarbon {
  const bounds = intensityBoundariesMs(intensity);
  let carbon = 0;
  let inside = 0;
  let total = 0;
  for (const s of power) {
    const steps = windowEnergies(s, bounds, opts);
    steps.forEach((w, i) => {
      carbon += (w.energy_j / J_PER_KWH) * intensity.g_per_kwh[i];
      inside += w.energy_j;
    });
    total += seriesEnergy(s, opts).energy_j;
  }
  return { carbon_g: carbon, energy_j: inside, uncovered_j: Math.max(0, total - inside), mean_g_per_kwh: inside > 0 ? (carbon / inside) * J_PER_KWH : null };
}

/**
 * A two-sample power series of constant power E / (end − start) (a result that kept its energy and
 * its window but not its samples), so it can be integrated against an intensity series.
 */
export function constantPowerSeries(startMs: number, endMs: number, energyJ: number, device = "run"): DeviceSeries {
  if (!(endMs > startMs)) throw new RangeError(`a run's end (${endMs}) must come after its start (${startMs})`);
  const w = (1000 * energyJ) / (endMs - startMs);
  return { device, kind: "power", t_ms: [startMs, endMs], values: [w, w] };
}

/** "FR 2023 (France)"-style label of an intensity, for results and the one-line carbon note. */
export function intensityLabel(i: CarbonIntensity): string {
  if (i.kind === "value") return "user value";
  if (i.kind === "series") return `series ${i.source}`;
  return `${i.region}${i.year ? ` ${i.year}` : ""}${i.fallback ? " average, no region set" : ""}`;
}
