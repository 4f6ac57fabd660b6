/**
 * `%energy carbon`: grams of CO2e of an energy (a value, or a bound result) at a grid intensity
 * (a value, a region of the shipped table, or a time series), or, given no energy, the session
 * default intensity later results use. Thin adapter over energy/carbon.ts and carbon-table.ts.
 */
import * as path from "path";
import { DataFormatError, UsageError } from "../errors";
import {
  carbonFromSeries,
  carbonGFromJoules,
  constantPowerSeries,
  intensitySeriesFromCsv,
  J_PER_KWH,
  YEARLY_AVERAGE_NOTE,
  type CarbonIntensity,
  type IntensityRow,
} from "../energy/carbon";
import { hasSessionIntensity, regionIntensity, sessionIntensity, setSessionIntensity, shippedIntensityTable, CARBON_TABLE_FILE } from "../energy/carbon-table";
import { timestampMs } from "../energy/time";
import { textFromFile } from "../io/text-file";
import { escapeHtml, formatNumber, htmlTable, makeBundle, textTable } from "../display/bundle";
import { energyText } from "greenai-common";
import { carbonMassText, intensityShortText } from "../display/carbon";
import type { MagicCommand, MagicContext } from "./types";

/** Energy as everywhere (greenai-common), with kWh beside it below 1 MJ too: the intensity is per kWh. */
const energyWithKwh = (j: number) => (Math.abs(j) >= 1e6 ? energyText(j, "J") : `${energyText(j, "J")} (${formatNumber(j / J_PER_KWH, 4)} kWh)`);

export const ENERGY_CARBON_SCHEMA = "greenai.energy.carbon/1";

/** Result of `%energy carbon` (with or without energy). */
export interface EnergyCarbonResult {
  schema: typeof ENERGY_CARBON_SCHEMA;
  /** The energy converted, J; null when none was given (the command set or showed the default). */
  energy_j: number | null;
  /** g CO2e; null without energy. */
  carbon_g: number | null;
  /** The intensity used (for a series: its energy-weighted mean over the run). */
  intensity: CarbonIntensity;
  /** With --series: energy of the run outside the series' span, J, not counted in carbon_g. */
  uncovered_j?: number;
  /** The intensity later results use now (the session default, or the WORLD fallback). */
  session_default: CarbonIntensity;
  notes: string[];
}

/** Result of `%energy carbon --list`. */
export interface EnergyCarbonTable {
  file: string;
  regions: Omit<IntensityRow, "line">[];
}

/** Energy (and its window when known) read from a bound result or its JSON file. */
interface EnergyOfResult {
  energy_j: number;
  startMs?: number;
  endMs?: number;
  from: string;
}

/**
 * The energy of a result: `energy_j` (a %energy measure result, with start_ms/end_ms) or
 * `joules` (a cell's greenai.energy metadata, with started and seconds).
 */
function energyOfResult(value: unknown, from: string): EnergyOfResult {
  const hint = "expected a result with energy_j (bind one with %energy measure … --as m, then write $m) or joules";
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new DataFormatError(`${from}: not an object; ${hint}`);
  const o = value as Record<string, unknown>;
  const j = typeof o.energy_j === "number" ? o.energy_j : typeof o.joules === "number" ? o.joules : undefined;
  if (j === undefined || !Number.isFinite(j) || j < 0) throw new DataFormatError(`${from}: no energy; ${hint}`);
  let startMs = typeof o.start_ms === "number" ? o.start_ms : undefined;
  let endMs = typeof o.end_ms === "number" ? o.end_ms : undefined;
  if (startMs === undefined && o.started !== undefined && typeof o.seconds === "number") {
    const t = typeof o.started === "number" ? o.started : timestampMs(String(o.started));
    if (Number.isFinite(t)) {
      startMs = t;
      endMs = t + o.seconds * 1000;
    }
  }
  return { energy_j: j, startMs, endMs, from };
}

async function readResult(arg: string, cwd: string): Promise<EnergyOfResult> {
  const text = arg.trim();
  if (text.startsWith("{")) {
    try {
      return energyOfResult(JSON.parse(text), "the bound result");
    } catch (e) {
      if (e instanceof SyntaxError) throw new DataFormatError(`the result given is not valid JSON (${e.message})`);
      throw e;
    }
  }
  const file = path.resolve(cwd, text);
  const body = await textFromFile(file);
  try {
    return energyOfResult(JSON.parse(body), file);
  } catch (e) {
    if (e instanceof SyntaxError) throw new DataFormatError(`${file}: not JSON (${e.message}); give the --json output of a result, e.g. greenai energy measure … --json > run.json`);
    throw e;
  }
}

/** "FR 2023 (France): 56 g CO2e/kWh, yearly average; source …" */
function intensityLine(i: CarbonIntensity): string {
  if (i.kind === "value") return `${formatNumber(i.g_per_kwh)} g CO2e/kWh (user value)`;
  if (i.kind === "series") return `${formatNumber(i.g_per_kwh, 4)} g CO2e/kWh, energy-weighted mean of the series ${i.source}`;
  return `${formatNumber(i.g_per_kwh)} g CO2e/kWh: ${i.name} (${i.region}), yearly average ${i.year}${i.fallback ? " (no region set: the WORLD average stands in)" : ""}; source: ${i.source}`;
}

function present(value: EnergyCarbonResult, head: string) {
  const lines = [head, `intensity: ${intensityLine(value.intensity)}`, ...value.notes.map((n) => `note: ${n}`)];
  const text = lines.join("\n");
  const html = `<p><b>${escapeHtml(head)}</b><br>intensity: ${escapeHtml(intensityLine(value.intensity))}</p>` + value.notes.map((n) => `<p><i>${escapeHtml(n)}</i></p>`).join("");
  return { value, typeName: "EnergyCarbonResult", text, bundle: makeBundle({ html, text }) };
}

function listTable() {
  const rows = shippedIntensityTable();
  const value: EnergyCarbonTable = { file: CARBON_TABLE_FILE, regions: rows.map(({ line: _line, ...r }) => r) };
  const cols = ["region", "name", "g CO2e/kWh", "year", "source"];
  const cells = rows.map((r) => [r.region, r.name, r.g_per_kwh, r.year, r.source]);
  const head = `${rows.length} rows (WORLD and ${rows.length - 1} countries): yearly average carbon intensity of electricity generated (docs/carbon.md cites the sources). ${YEARLY_AVERAGE_NOTE}.`;
  const text = `${head}\n${textTable(cols, cells)}`;
  return { value, typeName: "EnergyCarbonTable", text, bundle: makeBundle({ html: `<p>${escapeHtml(head)}</p>${htmlTable(cols, cells)}`, text }) };
}

async function run(flags: Record<string, unknown>, positionals: string[], ctx: MagicContext) {
  if (flags.list) {
    if (positionals.length || ["intensity", "region", "series", "joules", "kwh"].some((k) => flags[k] !== undefined) || flags.reset) throw new UsageError("--list shows the table; give it alone");
    return listTable();
  }
  const chosen = (["intensity", "region", "series"] as const).filter((k) => flags[k] !== undefined);
  if (chosen.length > 1) throw new UsageError(`give one intensity: --${chosen.join(" or --")}, not both`);
  const energies = [flags.joules !== undefined ? "--joules" : "", flags.kwh !== undefined ? "--kwh" : "", positionals.length ? "a result" : ""].filter(Boolean);
  if (energies.length > 1) throw new UsageError(`give one energy: ${energies.join(" or ")}, not both`);
  if (positionals.length > 1) throw new UsageError(`give one result, not ${positionals.length} (write $name of a bound result, or a JSON file)`);
  const given: CarbonIntensity | undefined =
    flags.intensity !== undefined ? { g_per_kwh: flags.intensity as number, kind: "value", source: "user value" } : flags.region !== undefined ? regionIntensity(flags.region as string) : undefined;

  if (energies.length === 0) {
    if (flags.series !== undefined) throw new UsageError("--series needs an energy with its time: give a bound result ($m of %energy measure … --as m) or its JSON file");
    if (flags.reset) {
      if (given) throw new UsageError("--reset forgets the session default; give it without --intensity or --region");
      setSessionIntensity(undefined);
    } else if (given) setSessionIntensity(given);
    const now = sessionIntensity();
    const value: EnergyCarbonResult = { schema: ENERGY_CARBON_SCHEMA, energy_j: null, carbon_g: null, intensity: now, session_default: now, notes: [YEARLY_AVERAGE_NOTE] };
    const head = given
      ? `session default set: ${intensityShortText(now)}; later results that know their energy show CO2e with it`
      : flags.reset
        ? `session default cleared: results use the WORLD average (${intensityShortText(now)}) until --region or --intensity sets one`
        : hasSessionIntensity()
          ? `session default: ${intensityShortText(now)} (set it with --region CODE or --intensity G)`
          : `no session default: results use ${intensityShortText(now)} (set one with --region CODE or --intensity G)`;
    if (ctx.runTypeScript === undefined && given) value.notes.push("in the shell the default lasts for this one command: give --region or --intensity with each greenai energy carbon");
    return present(value, head);
  }
  if (flags.reset) throw new UsageError("--reset takes no energy");

  let energy: EnergyOfResult;
  if (flags.joules !== undefined) energy = { energy_j: flags.joules as number, from: "--joules" };
  else if (flags.kwh !== undefined) energy = { energy_j: (flags.kwh as number) * J_PER_KWH, from: "--kwh" };
  else energy = await readResult(positionals[0], ctx.cwd);

  const notes: string[] = [];
  if (flags.series !== undefined) {
    const file = path.resolve(ctx.cwd, flags.series as string);
    const series = intensitySeriesFromCsv(await textFromFile(file), file);
    if (energy.startMs === undefined || energy.endMs === undefined || !(energy.endMs > energy.startMs)) {
      throw new UsageError(`--series needs the energy's time: ${energy.from} has no start and end; give a bound result of %energy measure ($m), whose run has them`);
    }
    const c = carbonFromSeries([constantPowerSeries(energy.startMs, energy.endMs, energy.energy_j)], series);
    const intensity: CarbonIntensity = { g_per_kwh: c.mean_g_per_kwh ?? 0, kind: "series", source: path.basename(file) };
    notes.push("the result keeps its energy and its window, not its samples: its power is taken as constant over the run");
    if (c.uncovered_j > 0) notes.push(`${energyText(c.uncovered_j, "J")} of the run falls outside the series (${new Date(series.t_ms[0]).toISOString()} to the end of its last step) and is not counted: extend the series to cover the run`);
    const value: EnergyCarbonResult = { schema: ENERGY_CARBON_SCHEMA, energy_j: energy.energy_j, carbon_g: c.carbon_g, intensity, uncovered_j: c.uncovered_j, session_default: sessionIntensity(), notes };
    return present(value, `${energyWithKwh(energy.energy_j)} → ${carbonMassText(c.carbon_g)} CO2e with the series ${path.basename(file)}`);
  }
  const intensity = given ?? sessionIntensity();
  const g = carbonGFromJoules(energy.energy_j, intensity.g_per_kwh);
  notes.push(intensity.kind === "value" ? "one value for the whole run hides hour-to-hour swings: within one day the intensity of some grids varies about 3×" : YEARLY_AVERAGE_NOTE);
  const value: EnergyCarbonResult = { schema: ENERGY_CARBON_SCHEMA, energy_j: energy.energy_j, carbon_g: g, intensity, session_default: sessionIntensity(), notes };
  return present(value, `${energyWithKwh(energy.energy_j)} × ${formatNumber(intensity.g_per_kwh)} g CO2e/kWh = ${carbonMassText(g)} CO2e (${intensityShortText(intensity)})`);
}

export const carbonCommandSpec: MagicCommand = {
  spec: {
    name: "energy carbon",
    summary: "Grams of CO2e of an energy at a grid carbon intensity (a value, a region's yearly average, or a time series); sets the session default.",
    description:
      "g CO2e = energy / 3.6 MJ per kWh × intensity (g CO2e/kWh). The energy is --joules, --kwh, or a bound result ($m of %energy measure … --as m, " +
      "or a file of its --json output). The intensity is --intensity, --region (the shipped table of yearly averages by country, " +
      "from Ember's data via Our World in Data and co2.js; --list shows it, docs/carbon.md cites it) or --series (a CSV of time, g CO2e/kWh, " +
      "each row holding until the next; the run's energy is integrated per step). Without an intensity the session default is used, " +
      "or the WORLD average when none is set. Given no energy, --region or --intensity sets the session default: later %energy and %tpe " +
      "results show CO2e with it. A yearly average hides hour-to-hour swings (about 3× within a day in some grids); results say so.",
    flags: [
      { name: "intensity", type: "number", min: 0, metavar: "G", help: "grid carbon intensity, g CO2e per kWh" },
      { name: "region", type: "string", metavar: "CODE", help: "a region of the shipped table (yearly average): FR, DE, US, WORLD, … (see --list)" },
      { name: "series", type: "string", metavar: "FILE", help: "CSV of time, g CO2e/kWh (each row holds until the next); needs a result with its run's start and end" },
      { name: "joules", type: "number", min: 0, metavar: "J", help: "the energy, in joules" },
      { name: "kwh", type: "number", min: 0, metavar: "K", help: "the energy, in kilowatt-hours" },
      { name: "list", type: "boolean", help: "list the table's regions with their intensity, year and source" },
      { name: "reset", type: "boolean", help: "forget the session default (results use the WORLD average again)" },
    ],
    positionals: [{ name: "result", help: "$name of a bound result with energy (e.g. of %energy measure), or a JSON file of one" }],
    examples: [
      "%energy carbon --list",
      "%energy carbon --region FR",
      "%energy carbon --kwh 2.5 --region DE",
      "%energy measure --as m -- python3 train.py",
      "%energy carbon $m",
      "%energy carbon $m --series grid-hourly.csv",
      "greenai energy carbon --joules 3.6e6 --intensity 120 --json",
    ],
  },
  async run(args, ctx) {
    return run(args.flags, args.positionals, ctx);
  },
};
