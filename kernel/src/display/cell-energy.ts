/**
 * The opt-in cell-energy output (issue 14; `%energy meter --cell-output on` or
 * GREENAI_CELL_ENERGY_OUTPUT=1): one display_data after a metered cell, so the energy travels as
 * an output and renders where cell metadata does not (nbconvert, GitHub, headless runs). The
 * vendor JSON is the execute_reply's `greenai_energy` record; the text comes from greenai-common,
 * as the extension's under-cell line does.
 */
import { carbonText, cellEnergyText, durationText, energySourceLabel, energyText, MIME_CELL_ENERGY, powerText, type CellEnergyPayload } from "greenai-common";
import { htmlTable, type MimeBundle } from "./bundle";

/** The cell-energy output: vendor JSON, a script-free HTML table (every string escaped) and one line of text. */
export function presentCellEnergy(e: CellEnergyPayload): MimeBundle {
  const estimate = e.estimate || e.source === "estimate";
  const columns = ["energy", "time", "average power", "source", "devices"];
  const row = [
    energyText(e.joules, "J"),
    durationText(e.seconds),
    powerText(e.average_w),
    estimate ? `${energySourceLabel(e.source, true)} (not a measurement)` : e.source,
    e.devices.join(", ") || "–",
  ];
  if (e.carbon_g !== undefined) {
    columns.push("CO₂e");
    row.push(e.carbon_basis ? `${carbonText(e.carbon_g)} (${e.carbon_basis})` : carbonText(e.carbon_g));
  }
  const html = htmlTable(columns, [row], { caption: "greenai: energy of this cell" });
  return { data: { [MIME_CELL_ENERGY]: e, "text/html": html, "text/plain": cellEnergyText(e) }, metadata: {} };
}
