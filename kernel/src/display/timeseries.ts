/**
 * Presenter of time series (a Supercloud job, a metered run): a TimeseriesPayload and a summary
 * become one bundle with the vendor JSON, a Plotly fallback, HTML and text.
 */
import { plotlyText, type TimeseriesPayload } from "greenai-common";
import type { JobReport } from "../datasets/jobs";
import type { EnergyMeasurement } from "../energy/measure";
import { escapeHtml, formatNumber, htmlTable, makeBundle, textTable, type MimeBundle } from "./bundle";
import { carbonNote, carbonNoteOf } from "./carbon";

/**
 * Utilisation and power lines over UTC time. With both groups, utilisation (%) is on the left
 * axis and power (W) on the right; with one group, it takes the left axis alone.
 */
export function timeseriesPlotly(p: TimeseriesPayload): { data: unknown[]; layout: object } {
  const drawn = p.series.filter((s) => s.group === "utilization" || s.group === "power");
  const twoAxes = drawn.some((s) => s.group === "utilization") && drawn.some((s) => s.group === "power");
  const data = drawn.map((s) => ({
    type: "scattergl",
    mode: "lines",
    // measurement series already carry the device in their name ("power gpu0")
    name: plotlyText(s.device && !s.name.includes(s.device) ? `${s.name} ${s.device}` : s.name),
    x: s.t_ms.map((t) => new Date(t).toISOString()),
    y: s.values,
    yaxis: twoAxes && s.group === "power" ? "y2" : "y",
  }));
  const power = { title: { text: "power (W)" } };
  const layout: Record<string, unknown> = {
    title: { text: plotlyText(p.title) },
    xaxis: { title: { text: "time (UTC)" }, rangeslider: { visible: true } },
    yaxis: drawn.some((s) => s.group === "utilization") ? { title: { text: "utilisation (%)" } } : power,
    legend: { orientation: "h" },
  };
  if (twoAxes) layout.yaxis2 = { ...power, overlaying: "y", side: "right" };
  return { data, layout };
}

/** The bundle of a payload with its text and HTML; a payload without series shows text and HTML only. */
export function presentTimeseries(payload: TimeseriesPayload, summary: { text: string; html: string }): MimeBundle {
  const drawn = payload.series.length > 0;
  return makeBundle({ payload: drawn ? payload : undefined, plotly: drawn ? timeseriesPlotly(payload) : undefined, html: summary.html, text: summary.text });
}

/** `%dataset job`: one line of summary; facts, per-GPU energy and the scheduler record in the HTML. */
export function presentJobReport(r: JobReport): { text: string; bundle: MimeBundle } {
  const { id_job: id, record, cpu, gpu, energy } = r;
  const label = r.view.label;
  const text =
    `job ${id}${label ? ` (${label})` : ""}: ` +
    [record ? `${record.state_name ?? "?"}` : "not in the log", cpu ? `CPU series ${cpu.rows} rows` : "no CPU series", gpu ? `GPU series ${gpu.rows} rows on ${gpu.devices.length} GPU(s)` : "no GPU series", energy ? `GPU energy ${Math.round(energy.energy_j)} J` : ""]
      .filter(Boolean)
      .join(", ");
  const energyRows = (energy?.per_gpu ?? []).map((g) => [`gpu${g.gpu_index}@${g.node}`, Math.round(g.energy_j), g.mean_power_w === null ? null : Math.round(g.mean_power_w * 10) / 10, g.duration_s, g.samples, g.timestamps]);
  const html =
    `<p>${escapeHtml(text)}</p>${htmlTable(["fact", "value"], Object.entries(r.facts))}` +
    (energyRows.length ? htmlTable(["GPU", "energy (J)", "mean power (W)", "seconds", "samples", "timestamps"], energyRows, { caption: "GPU energy, trapezoidal per GPU" }) : "") +
    (record ? `<details><summary>scheduler record</summary>${htmlTable(["column", "value"], Object.entries(record).map(([k, v]) => [k, v]), { maxRows: 100 })}</details>` : "");
  return { text, bundle: presentTimeseries(r.payload, { text, html }) };
}

/** `%energy measure`: energy, source and a per-device table; notes (e.g. estimates) below. */
export function presentMeasurement(m: EnergyMeasurement, payload: TimeseriesPayload): { text: string; bundle: MimeBundle } {
  const rows = m.devices.map((d) => [d.device, d.energy_j, d.mean_power_w, d.estimated ? "estimate" : "measured", d.missing_s]);
  const cols = ["device", "energy (J)", "mean power (W)", "kind", "uncovered (s)"];
  const head = `${payload.title}: ${formatNumber(m.energy_j)} J in ${formatNumber(m.duration_s)} s` + (m.meter.measured ? "" : " (ESTIMATE)");
  const notes = m.meter.notes.length ? `\n${m.meter.notes.map((n) => `note: ${n}`).join("\n")}` : "";
  const carbon = carbonNote(m.energy_j);
  const text = `${head}\nsource: ${m.meter.source}\ncarbon: ${carbon}\n${textTable(cols, rows)}${notes}`;
  payload = { ...payload, carbon: carbonNoteOf(m.energy_j) };
  const html =
    `<p><b>${escapeHtml(head)}</b><br>source: ${escapeHtml(m.meter.source)}<br>carbon: ${escapeHtml(carbon)}</p>` +
    htmlTable(cols, rows) +
    m.meter.notes.map((n) => `<p><i>${escapeHtml(n)}</i></p>`).join("");
  return { text, bundle: makeBundle({ payload, plotly: timeseriesPlotly(payload), html, text }) };
}
