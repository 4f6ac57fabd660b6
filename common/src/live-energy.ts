/**
 * The kernel's live energy on the wire (issue 14): what the kernel's meter sends and the
 * extension reads. One home, so the two sides cannot drift.
 */

/** Where the readings come from. */
export type LiveSource = "nvidia-smi" | "rapl" | "estimate";

export const LIVE_SOURCES: readonly LiveSource[] = ["nvidia-smi", "rapl", "estimate"];

/**
 * MIME type of the opt-in cell-energy output (`%energy meter --cell-output on`): a display_data
 * whose data is the cell's CellEnergyPayload, beside a text/html table and a text/plain line.
 */
export const MIME_CELL_ENERGY = "application/vnd.greenai.cell-energy+json";

/** Energy of one cell, as sent in execute_reply metadata under `greenai_energy` (and in the cell-energy output). */
export interface CellEnergyPayload {
  joules: number;
  seconds: number;
  average_w: number;
  source: LiveSource;
  estimate: boolean;
  devices: string[];
  /** ISO 8601 start of the cell. */
  started: string;
  cell_id?: string;
  /** g CO2e at the session's carbon intensity (`%energy carbon`; else the WORLD average), and which one. */
  carbon_g?: number;
  carbon_basis?: string;
}

/** The meter now, as sent in `greenai.energy` comm messages. */
export interface LiveSnapshot {
  t: number;
  power_w: number;
  total_j: number;
  /** ISO 8601: since when total_j counts (the meter's start). */
  since: string;
  source: LiveSource;
  estimate: boolean;
  devices: { name: string; power_w: number }[];
  /** g CO2e of total_j, as for a cell. */
  carbon_g?: number;
  carbon_basis?: string;
}

