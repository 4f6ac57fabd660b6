/**
 * TPE figure: cumulative energy (x) against loss (y) per trial. Stopped trials end where
 * the decision stopped them, kept trials run to the end and are highlighted.
 *
 * Two views: "as run" draws the payload's own decision, whatever policy made it (successive
 * halving stops trials at several rungs; a live trial stops where it really stopped); a
 * what-if view (slider or keep moved) recomputes the plain TPE rule with the shared
 * `tpeDecision`, so the slider and the kernel agree exactly.
 */
import { isNum, lossSeries, stopEpochAsRun, tpeDecision, type TpeDecision, type TpePayload, type TpeTrial } from "greenai-common";

// Shared with the kernel's presenter; re-exported for the figure's callers and tests.
export { lossSeries, stopEpochAsRun };
import { energyText, fmt, pct, plotlyText, roleColors, themeAxis, themeLayout } from "./format";
import type { Figure, PlotTheme, Trace } from "./types";

/** What the user chose: decision point and number kept. */
export interface TpeView {
  /** Epoch T after which trials are ranked, 1..total_epochs. */
  budgetEpoch: number;
  /** Trials kept, 1..number of trials. */
  keep: number;
  /** Log-scaled loss axis. */
  logY?: boolean;
  /** Show the payload's own decision (its policy, its real stop points), not a recomputation. */
  asRun?: boolean;
}

/** The figure plus the decision it shows. */
export interface TpeFigure extends Figure {
  decision: TpeDecision;
  view: TpeView;
}

/** The view the payload was computed with: its own decision, as run. */
export function tpeInitialView(p: TpePayload): TpeView {
  const v = clampTpeView(p, { budgetEpoch: p.decision?.budget_epoch ?? Math.ceil(p.total_epochs / 4), keep: p.decision?.keep ?? 1 });
  return p.decision ? { ...v, asRun: true } : v;
}

/**
 * The last epoch a what-if decision can be taken after: where every trial has losses. Live
 * trials that were stopped have none past `epochs_measured`, so they could not be ranked later.
 */
export function tpeLastDecisionEpoch(p: TpePayload): number {
  let last = Math.max(1, Math.floor(p.total_epochs) || 1);
  for (const t of p.trials) if (t.epochs_measured !== undefined && t.epochs_measured < t.epochs_run) last = Math.min(last, t.epochs_measured);
  return Math.max(1, last);
}

/** Keeps a view inside what the payload allows (T in 1..last decision epoch, keep in 1..trials). */
export function clampTpeView(p: TpePayload, v: TpeView): TpeView {
  const n = Math.max(1, p.trials.length);
  const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(Number.isFinite(x) ? x : lo)));
  return { ...v, budgetEpoch: clamp(v.budgetEpoch, 1, tpeLastDecisionEpoch(p)), keep: clamp(v.keep, 1, n) };
}

/** Whether the payload's decision came from something other than the plain TPE rule on complete curves. */
export function tpeIsPolicyRun(p: TpePayload): boolean {
  return p.policy !== undefined || p.trials.some((t) => t.epochs_measured !== undefined);
}

/** The decision for a clamped view: the payload's own as run, else `tpeDecision` at fraction T / total_epochs. */
function tpeDecisionFor(p: TpePayload, v: TpeView): TpeDecision {
  if (v.asRun && p.decision) return p.decision;
  return tpeDecision(p.trials, p.total_epochs, v.budgetEpoch / p.total_epochs, v.keep);
}


/** Cumulative energy after each epoch 1..n: E_t = Σ_{s ≤ t} epoch_energy[s − 1]. */
export function cumulativeEnergy(t: TpeTrial, n: number): number[] {
  const out = new Array<number>(n);
  let e = 0;
  for (let i = 0; i < n; i++) {
    const x = t.epoch_energy[i];
    e += isNum(x) ? x : 0;
    out[i] = e;
  }
  return out;
}

interface Polyline {
  x: (number | null)[];
  y: (number | null)[];
  text: (string | null)[];
}

function appendCurve(into: Polyline, t: TpeTrial, epochs: number, unit: string): { x: number; y: number; epoch: number } | null {
  const { values } = lossSeries(t);
  const n = Math.min(epochs, t.epochs_run, t.epoch_energy.length);
  const xs = cumulativeEnergy(t, n);
  let last: { x: number; y: number; epoch: number } | null = null;
  const id = plotlyText(t.id);
  for (let i = 0; i < n; i++) {
    const y = values[i];
    if (isNum(y)) {
      into.x.push(xs[i]);
      into.y.push(y);
      into.text.push(`${id} · epoch ${i + 1}<br>loss ${fmt(y, 4)} · ${fmt(xs[i], 4)} ${unit}`);
      last = { x: xs[i], y, epoch: i + 1 };
    } else {
      into.x.push(null);
      into.y.push(null);
      into.text.push(null);
    }
  }
  into.x.push(null); // gap between trials in one trace
  into.y.push(null);
  into.text.push(null);
  return last;
}

function paramsText(t: TpeTrial): string {
  if (!t.params) return "";
  const entries = Object.entries(t.params).slice(0, 8);
  return entries.map(([k, v]) => `<br>${plotlyText(k)} = ${plotlyText(v)}`).join("");
}

/** Builds the TPE figure for a view. Empty payloads give an empty plot with a note. */
export function tpeFigure(p: TpePayload, view: TpeView, theme: PlotTheme): TpeFigure {
  const v = clampTpeView(p, view);
  const colors = roleColors(theme);
  const unit = plotlyText(p.energy?.unit ?? "");
  const decision: TpeDecision = p.trials.length > 0 ? tpeDecisionFor(p, v) : p.decision;
  const kept = new Set(decision?.kept ?? []);
  const stopEpoch = v.asRun ? stopEpochAsRun(p) : () => v.budgetEpoch;
  const stoppedLine: Polyline = { x: [], y: [], text: [] };
  const keptLine: Polyline = { x: [], y: [], text: [] };
  const stopMarks: Polyline = { x: [], y: [], text: [] };
  const endMarks: Polyline = { x: [], y: [], text: [] };
  let anyVal = false;
  let chosenEnd: { x: number; y: number; text: string } | null = null;
  let bestEnd: { x: number; y: number; text: string } | null = null;

  for (const t of p.trials) {
    if (lossSeries(t).which === "val") anyVal = true;
    const id = plotlyText(t.id);
    if (kept.has(t.id)) {
      const end = appendCurve(keptLine, t, Infinity, unit);
      if (end) {
        const text = `${id} kept · ran ${end.epoch} epochs${t.diverged ? " (diverged)" : ""}<br>final loss ${fmt(t.final_loss, 4)} · ${fmt(end.x, 4)} ${unit}${paramsText(t)}`;
        endMarks.x.push(end.x);
        endMarks.y.push(end.y);
        endMarks.text.push(text);
        if (t.id === decision.chosen_id) chosenEnd = { ...end, text };
      }
    } else {
      const stop = stopEpoch(t);
      const end = appendCurve(stoppedLine, t, stop, unit);
      if (end) {
        const why = t.failed ? "failed" : t.diverged && t.epochs_run <= stop ? "diverged" : "stopped";
        stopMarks.x.push(end.x);
        stopMarks.y.push(end.y);
        stopMarks.text.push(`${id} ${why} after epoch ${end.epoch}<br>loss ${fmt(end.y, 4)} · ${fmt(end.x, 4)} ${unit}${paramsText(t)}`);
      }
    }
    if (t.id === decision?.true_best_id && !kept.has(t.id)) {
      // Where the true best would have ended had it not been stopped.
      const n = Math.min(t.epochs_run, t.epoch_energy.length);
      const e = cumulativeEnergy(t, n);
      if (n > 0 && isNum(t.final_loss)) bestEnd = { x: e[n - 1], y: t.final_loss, text: `${id}: true best, stopped at epoch ${Math.min(stopEpoch(t), t.epochs_run)}<br>final loss ${fmt(t.final_loss, 4)} had it run on` };
    }
  }

  const data: Trace[] = [
    {
      type: "scatter",
      mode: "lines",
      name: `stopped (${decision?.stopped.length ?? 0})`,
      x: stoppedLine.x,
      y: stoppedLine.y,
      text: stoppedLine.text,
      hoverinfo: "text",
      line: { color: colors.stopped, width: 1 },
      connectgaps: false,
      meta: { role: "stopped" },
    },
    {
      type: "scatter",
      mode: "markers",
      name: "stop point",
      x: stopMarks.x,
      y: stopMarks.y,
      text: stopMarks.text,
      hoverinfo: "text",
      marker: { symbol: "x-thin-open", size: 7, color: colors.stopMark, line: { width: 1.5, color: colors.stopMark } },
      meta: { role: "stop-point" },
    },
    {
      type: "scatter",
      mode: "lines",
      name: `kept (${decision?.kept.length ?? 0})`,
      x: keptLine.x,
      y: keptLine.y,
      text: keptLine.text,
      hoverinfo: "text",
      line: { color: colors.kept, width: 2.5 },
      connectgaps: false,
      meta: { role: "kept" },
    },
    {
      type: "scatter",
      mode: "markers",
      name: "kept: final",
      x: endMarks.x,
      y: endMarks.y,
      text: endMarks.text,
      hoverinfo: "text",
      marker: { symbol: "circle", size: 7, color: colors.kept },
      showlegend: false,
      meta: { role: "kept-end" },
    },
  ];
  if (chosenEnd) {
    data.push({
      type: "scatter",
      mode: "markers",
      name: "chosen",
      x: [chosenEnd.x],
      y: [chosenEnd.y],
      text: [chosenEnd.text],
      hoverinfo: "text",
      marker: { symbol: "star", size: 16, color: colors.best, line: { width: 1, color: theme.foreground } },
      meta: { role: "chosen" },
    });
  }
  if (bestEnd) {
    data.push({
      type: "scatter",
      mode: "markers",
      name: "true best (stopped)",
      x: [bestEnd.x],
      y: [bestEnd.y],
      text: [bestEnd.text],
      hoverinfo: "text",
      marker: { symbol: "star-open", size: 16, color: colors.bad, line: { width: 2, color: colors.bad } },
      meta: { role: "true-best" },
    });
  }

  const unitLabel = `cumulative energy (${unit}${p.energy && !p.energy.measured ? ", estimated" : ""})`;
  return {
    data,
    layout: {
      ...themeLayout(theme),
      title: { text: `${plotlyText(p.title)}<br><sub>${plotlyText(`${p.trials.length} trials × ${p.total_epochs} epochs · ranked by ${p.score} · energy ${p.energy?.measured ? "measured" : "estimated"}: ${p.energy?.source ?? "unknown"}`)}</sub>`, x: 0.01, xanchor: "left" },
      xaxis: { ...themeAxis(theme), title: { text: unitLabel }, rangemode: "tozero" },
      yaxis: { ...themeAxis(theme), title: { text: anyVal ? "validation loss" : "training loss" }, type: v.logY ? "log" : "linear" },
      hovermode: "closest",
      legend: { orientation: "h", y: -0.2 },
      margin: { t: 70, r: 20, b: 40, l: 60 },
      height: 440,
      uirevision: "tpe",
      annotations: p.trials.length === 0 ? [{ text: "no trials in this payload", showarrow: false, xref: "paper", yref: "paper", x: 0.5, y: 0.5 }] : [],
    },
    decision,
    view: v,
  };
}

/**
 * One line that says what the decision did: how it was taken (as run, or a what-if with the
 * plain TPE rule), k, energy saved, correlations, outcome.
 */
export function tpeSummary(p: TpePayload, d: TpeDecision | undefined, asRun = true): string {
  if (!d) return "no decision";
  const how =
    asRun && p.policy?.kind === "sh"
      ? `as run: successive halving, rungs at epochs ${p.policy.rungs.map((r) => r.epoch).join(", ")} of ${p.total_epochs}`
      : `${asRun ? "" : tpeIsPolicyRun(p) ? "what-if, plain TPE rule: " : ""}decision after epoch ${d.budget_epoch}/${p.total_epochs}`;
  const parts = [
    how,
    `${asRun && p.policy ? "finished" : "keep"} ${d.kept.length} of ${p.trials.length} by ${p.score}`,
    `energy saved ${pct(d.energy_saved_fraction)} (${energyText(d.energy_all - d.energy_used, p.energy?.unit ?? "")} of ${energyText(d.energy_all, p.energy?.unit ?? "")})`,
    `Spearman ${fmt(d.spearman)} · Kendall ${fmt(d.kendall)}`,
    d.true_best_id === null ? "no run finished" : d.best_survived ? "best survived" : `best stopped, regret ${fmt(d.regret, 3)}`,
  ];
  return parts.join(" · ");
}
