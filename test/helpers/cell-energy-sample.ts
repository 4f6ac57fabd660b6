import type { CellEnergyPayload } from "greenai-common";

/** One cell's energy as the greenai kernel reports it (execute_reply metadata, cell-energy output): the tests' sample. */
export const SAMPLE_CELL_ENERGY: Readonly<CellEnergyPayload> = {
  joules: 12400,
  seconds: 41.06,
  average_w: 302,
  source: "nvidia-smi",
  estimate: false,
  devices: ["GPU 0"],
  started: "2026-12-03T08:00:00.000Z",
};
