/** `%energy meter`: the kernel's live energy meter now (energy/live-meter.ts). A thin adapter. */
import { energyText } from "greenai-common";
import { escapeHtml, formatNumber, htmlTable, makeBundle, textTable } from "../display/bundle";
import { kernelLiveMeter, type LiveSource } from "../energy/live-meter";
import { UsageError } from "../errors";
import type { MagicCommand } from "./types";

/** Result of `%energy meter`. */
export interface EnergyMeterState {
  running: boolean;
  /** Why there is no meter (running false). */
  reason?: string;
  source?: LiveSource;
  estimate?: boolean;
  /** Human-readable description of what is sampled and how. */
  description?: string;
  interval_ms?: number;
  power_w?: number;
  devices?: { name: string; power_w: number }[];
  /** ISO 8601: since when total_j counts. */
  since?: string;
  total_j?: number;
  /** Energy while no cell ran, J. */
  idle_j?: number;
  /** This session's cells, most recent last; `final` false: the cell's tail still holds the last reading. */
  cells?: { cell: string; execution_count?: number; started: string; seconds: number; joules: number; final: boolean }[];
  notes?: string[];
  /** Whether each metered cell gets its energy as an output (`--cell-output`, GREENAI_CELL_ENERGY_OUTPUT). */
  cell_output?: boolean;
}

/** What `--cell-output on` does, for the help and the confirmation. */
const CELL_OUTPUT_HELP =
  "on: after each cell, an output with its energy (a small table in nbconvert HTML and on GitHub, one line in JupyterLab), so headless runs " +
  "(nbclient, jupyter nbconvert --execute) keep it; off (default): none, the energy stays in the reply metadata and the JupyterLab cell metadata";

export const meterCommandSpec: MagicCommand = {
  spec: {
    name: "energy meter",
    summary: "Show the kernel's live energy meter: source, power now, energy since start, energy per cell; --cell-output on adds each cell's energy as an output (tables in nbconvert and on GitHub).",
    description:
      "The kernel samples power in a background thread while it runs: GPUs through one long-running nvidia-smi stream, " +
      "else CPU packages through RAPL, else CPU utilisation × a power model, labelled as an estimate. The energy at each instant goes to " +
      "the cell executing then; time between cells is idle (total = cells + idle). Each cell's energy is sent in its execute_reply " +
      "metadata (greenai_energy), and the JupyterLab status bar follows the comm greenai.energy, updated about every 2 s while the kernel " +
      "is free: during a cell that blocks the event loop (a synchronous loop) no update is sent and they resume after it; the cell's own " +
      "energy is still exact. A cell's last fraction of a sampling period holds the last reading until the next sample. Environment: " +
      "GREENAI_ENERGY_METER=off|auto|nvidia-smi|rapl|estimate (default auto), GREENAI_ENERGY_METER_INTERVAL_MS (default 500), " +
      "GREENAI_NVIDIA_SMI (the nvidia-smi to run), GREENAI_CELL_ENERGY_OUTPUT=1 (--cell-output on from the start, for runs that cannot edit " +
      "the notebook: GREENAI_CELL_ENERGY_OUTPUT=1 jupyter nbconvert --execute --to notebook x.ipynb). Tables in nbconvert and on GitHub: put " +
      "%energy meter --cell-output on in the notebook's first cell; each later cell then carries its energy as an output.",
    flags: [
      { name: "cells", type: "int", default: 20, min: 0, metavar: "N", help: "how many of this session's most recent cells to list (0: none)" },
      { name: "cell-output", type: "string", choices: ["on", "off"], metavar: "on|off", help: `for this session: ${CELL_OUTPUT_HELP}` },
    ],
    examples: ["%energy meter", "%energy meter --cell-output on", "%energy meter --cells 0 --json", "%energy meter --as meter"],
  },
  async run(args) {
    const m = kernelLiveMeter();
    const cellOutput = args.flags["cell-output"] as "on" | "off" | undefined;
    if (!m) {
      if (cellOutput === "on") {
        throw new UsageError("%energy meter --cell-output on needs the kernel's energy meter, and there is none: it is off (GREENAI_ENERGY_METER=off) or this is not the greenai kernel");
      }
      const reason =
        process.env.GREENAI_ENERGY_METER?.trim().toLowerCase() === "off"
          ? "the kernel's energy meter is off (GREENAI_ENERGY_METER=off); unset it and restart the kernel to meter cells"
          : "no live energy meter in this process: %energy meter shows the greenai kernel's meter (in the CLI, use greenai energy measure)";
      const value: EnergyMeterState = { running: false, reason };
      return { value, typeName: "EnergyMeterState", text: reason };
    }
    if (cellOutput) {
      m.cellOutput = cellOutput === "on";
      const text = m.cellOutput
        ? "energy output after each cell: on for this session (a table in nbconvert and on GitHub; %energy meter --cell-output off stops it)"
        : "energy output after each cell: off (the energy stays in each reply's metadata)";
      return { value: { running: m.state().status === "running", cell_output: m.cellOutput }, typeName: "EnergyMeterState", text };
    }
    const snap = m.snapshot();
    const st = m.state();
    const n = args.flags.cells as number;
    const all = m.cells();
    const cells = (n > 0 ? all.slice(-n) : []).map((c) => ({
      cell: c.cell_id ?? c.key,
      ...(c.execution_count !== undefined ? { execution_count: c.execution_count } : {}),
      started: new Date(c.start_ms).toISOString(),
      seconds: (c.end_ms - c.start_ms) / 1000,
      joules: c.joules,
      final: c.final,
    }));
    const notes = [...(st.notes ?? [])];
    if (st.error) notes.push(`meter error: ${st.error}`);
    if (m.workerExit) notes.push(m.workerExit);
    if (m.cellOutputProblem) notes.push(m.cellOutputProblem);
    if (m.lostSamples) notes.push(`${m.lostSamples} samples were overwritten before the kernel read them`);
    const value: EnergyMeterState = {
      running: st.status === "running",
      source: snap.source,
      estimate: snap.estimate,
      description: st.source,
      interval_ms: m.config.intervalMs,
      power_w: snap.power_w,
      devices: snap.devices,
      since: snap.since,
      total_j: snap.total_j,
      idle_j: m.idleJ(),
      cells,
      notes,
      cell_output: m.cellOutput,
    };
    const label = `${snap.source}${snap.estimate ? ", an estimate" : ""}`;
    const head =
      `live meter (${label}) every ${m.config.intervalMs} ms: ${formatNumber(snap.power_w, 4)} W now; ` +
      `${energyText(snap.total_j, "J")} since ${snap.since} (${energyText(m.idleJ(), "J")} idle, ${energyText(Math.max(0, snap.total_j - m.idleJ()), "J")} in ${all.length} cells)`;
    const devLine = snap.devices.map((d) => `${d.name} ${formatNumber(d.power_w, 4)} W`).join(", ");
    const cols = ["cell", "count", "started", "s", "J", "W avg"];
    const rows = cells.map((c) => [c.cell, c.execution_count ?? "", c.started, c.seconds, c.joules, c.seconds > 0 ? c.joules / c.seconds : 0]);
    const outputLine = `energy output after each cell: ${m.cellOutput ? "on" : "off"} (%energy meter --cell-output on|off)`;
    const parts = [head, `devices: ${devLine || "none yet"}`, outputLine, st.source ? `source: ${st.source}` : "", ...notes.map((x) => `note: ${x}`)].filter(Boolean);
    const text = [...parts, ...(rows.length ? [textTable(cols, rows)] : [])].join("\n");
    const html = parts.map((p) => `<p>${escapeHtml(p)}</p>`).join("") + (rows.length ? htmlTable(cols, rows, { maxRows: 200 }) : "");
    return { value, typeName: "EnergyMeterState", text, bundle: makeBundle({ html, text }) };
  },
};
