/** `%energy meter`: the kernel's live energy meter now (energy/live-meter.ts). A thin adapter. */
import { escapeHtml, formatNumber, htmlTable, makeBundle, textTable } from "../display/bundle";
import { kernelLiveMeter, type LiveSource } from "../energy/live-meter";
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
}

/** 12.3 J, 4.56 kJ, 1.23 kWh. */
function joulesText(j: number): string {
  if (j >= 3.6e6) return `${formatNumber(j / 3.6e6, 3)} kWh`;
  if (j >= 1000) return `${formatNumber(j / 1000, 3)} kJ`;
  return `${formatNumber(j, 3)} J`;
}

export const meterCommandSpec: MagicCommand = {
  spec: {
    name: "energy meter",
    summary: "Show the kernel's live energy meter: source, power now, energy since start, energy per cell.",
    description:
      "The kernel samples power in a background thread while it runs: GPUs through one long-running nvidia-smi stream, " +
      "else CPU packages through RAPL, else CPU utilisation × a power model, labelled as an estimate. The energy at each instant goes to " +
      "the cell executing then; time between cells is idle (total = cells + idle). Each cell's energy is sent in its execute_reply " +
      "metadata (greenai_energy), and the JupyterLab status bar follows the comm greenai.energy, updated about every 2 s while the kernel " +
      "is free: during a cell that blocks the event loop (a synchronous loop) no update is sent and they resume after it; the cell's own " +
      "energy is still exact. A cell's last fraction of a sampling period holds the last reading until the next sample. Environment: " +
      "GREENAI_ENERGY_METER=off|auto|nvidia-smi|rapl|estimate (default auto), GREENAI_ENERGY_METER_INTERVAL_MS (default 500), " +
      "GREENAI_NVIDIA_SMI (the nvidia-smi to run).",
    flags: [{ name: "cells", type: "int", default: 20, min: 0, metavar: "N", help: "how many of this session's most recent cells to list (0: none)" }],
    examples: ["%energy meter", "%energy meter --cells 0 --json", "%energy meter --as meter"],
  },
  async run(args) {
    const m = kernelLiveMeter();
    if (!m) {
      const reason =
        process.env.GREENAI_ENERGY_METER?.trim().toLowerCase() === "off"
          ? "the kernel's energy meter is off (GREENAI_ENERGY_METER=off); unset it and restart the kernel to meter cells"
          : "no live energy meter in this process: %energy meter shows the greenai kernel's meter (in the CLI, use greenai energy measure)";
      const value: EnergyMeterState = { running: false, reason };
      return { value, typeName: "EnergyMeterState", text: reason };
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
    };
    const label = `${snap.source}${snap.estimate ? ", an estimate" : ""}`;
    const head =
      `live meter (${label}) every ${m.config.intervalMs} ms: ${formatNumber(snap.power_w, 4)} W now; ` +
      `${joulesText(snap.total_j)} since ${snap.since} (${joulesText(m.idleJ())} idle, ${joulesText(Math.max(0, snap.total_j - m.idleJ()))} in ${all.length} cells)`;
    const devLine = snap.devices.map((d) => `${d.name} ${formatNumber(d.power_w, 4)} W`).join(", ");
    const cols = ["cell", "count", "started", "s", "J", "W avg"];
    const rows = cells.map((c) => [c.cell, c.execution_count ?? "", c.started, c.seconds, c.joules, c.seconds > 0 ? c.joules / c.seconds : 0]);
    const parts = [head, `devices: ${devLine || "none yet"}`, st.source ? `source: ${st.source}` : "", ...notes.map((x) => `note: ${x}`)].filter(Boolean);
    const text = [...parts, ...(rows.length ? [textTable(cols, rows)] : [])].join("\n");
    const html = parts.map((p) => `<p>${escapeHtml(p)}</p>`).join("") + (rows.length ? htmlTable(cols, rows, { maxRows: 200 }) : "");
    return { value, typeName: "EnergyMeterState", text, bundle: makeBundle({ html, text }) };
  },
};
