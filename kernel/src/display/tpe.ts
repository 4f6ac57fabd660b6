/**
 * The presenter of the TPE output kind: a TpePayload plus a small summary (facts and tables)
 * becomes one MIME bundle: the vendor JSON (drawn curves rounded, ./precision.ts), a Plotly
 * fallback, script-free HTML and plain text. `%tpe replay`, `%tpe sweep`, `%tpe run` and
 * `%tpe score` (no payload) all present through here.
 */
import { budgetEpoch, lossSeries, plotlyText, stopEpochAsRun, type CarbonNote, type TpePayload, type TpeSweepPoint } from "greenai-common";
import { escapeHtml, formatNumber, htmlTable, makeBundle, textTable, type MimeBundle } from "./bundle";
import { carbonMassText, carbonNote, carbonNoteOf, joulesOf } from "./carbon";
import { SCORE_HELP, type TpeReplayResult, type TpeSweepResult } from "../tpe";
import { pct } from "../tpe/percent";
import { drawn, trialForDisplay } from "./precision";

/** A table under the facts: caption, columns, rows. */
export interface SummaryTable {
  caption: string;
  columns: string[];
  rows: unknown[][];
  /** Only in the HTML (a detail the text leaves out). */
  htmlOnly?: boolean;
}

/** What the text and HTML say besides the figure. */
export interface TpeSummary {
  title: string;
  /** Label–value rows. */
  facts: [string, string][];
  tables?: SummaryTable[];
  /** Italic notes under the HTML. */
  notes?: string[];
}

/** A number for a summary, "n/a" for null. */
export function num(x: number | null, digits = 4): string {
  return x === null ? "n/a" : formatNumber(x, digits);
}

/** Text, HTML and (with a payload) the vendor JSON and the Plotly fallback of one TPE result. */
export function presentTpe(summary: TpeSummary, payload?: TpePayload): { text: string; bundle: MimeBundle } {
  const carbon = payload && carbonFact(payload);
  if (carbon) {
    summary = { ...summary, facts: [...summary.facts, carbon.fact] };
    payload = { ...payload!, energy: { ...payload!.energy, carbon: carbon.note } };
  }
  const tables = summary.tables ?? [];
  const text =
    `${summary.title}\n${textTable(["", ""], summary.facts)}` +
    tables
      .filter((t) => !t.htmlOnly)
      .map((t) => `\n\n${t.caption}:\n${textTable(t.columns, t.rows)}`)
      .join("");
  const html =
    htmlTable(["", ""], summary.facts, { caption: summary.title }) +
    tables.map((t) => `\n${htmlTable(t.columns, t.rows, { caption: t.caption, maxRows: 200 })}`).join("") +
    (summary.notes ?? []).map((n) => `\n<p><i>${escapeHtml(n)}</i></p>`).join("");
  if (!payload) return { text, bundle: makeBundle({ html, text }) };
  const shown: TpePayload = { ...payload, trials: payload.trials.map(trialForDisplay) };
  const plotly = payload.sweep ? sweepFigure(payload, payload.sweep) : energyCurveFigure(payload);
  return { text, bundle: makeBundle({ payload: shown, plotly, html, text }) };
}

/** CO2e of the energy used and of training all, when the payload's energy unit is an energy. */
function carbonFact(p: TpePayload): { fact: [string, string]; note: CarbonNote } | null {
  const used = joulesOf(p.decision.energy_used, p.energy.unit);
  const all = joulesOf(p.decision.energy_all, p.energy.unit);
  if (used === null || all === null || !Number.isFinite(used) || !Number.isFinite(all)) return null;
  const note = carbonNoteOf(used);
  return { fact: ["CO2e used / all", `${carbonNote(used)} / ${carbonMassText(carbonNoteOf(all).carbon_g)} CO2e${p.energy.measured ? "" : " (from estimated energy)"}`], note };
}

/** Legend of the stopped runs: "stopped at epoch 10", "stopped at epochs 1, 4, 16". */
export function stoppedLabel(epochs: ReadonlySet<number>): string {
  const e = [...epochs].sort((a, b) => a - b);
  if (e.length === 0) return "stopped";
  if (e.length > 5) return `stopped at epochs ${e[0]}–${e[e.length - 1]}`;
  return `stopped at epoch${e.length > 1 ? "s" : ""} ${e.join(", ")}`;
}

/**
 * Cumulative energy and loss (validation where measured, else training) of each trial, as far
 * as the policy ran it: kept trials one trace each, stopped ones in grey, the epochs they did
 * not run dotted.
 */
export function energyCurveFigure(p: TpePayload): { data: object[]; layout: object } {
  const kept = new Set(p.decision.kept);
  const stopAt = stopEpochAsRun(p);
  const stoppedX: (number | null)[] = [];
  const stoppedY: (number | null)[] = [];
  const unrunX: (number | null)[] = [];
  const unrunY: (number | null)[] = [];
  const keptTraces: object[] = [];
  const stopEpochs = new Set<number>();
  let anyVal = false;
  for (const t of p.trials) {
    const loss = lossSeries(t);
    if (loss.which === "val") anyVal = true;
    let e = 0;
    const xs: number[] = [];
    const ys: (number | null)[] = [];
    for (let i = 0; i < t.epochs_run; i++) {
      e += t.epoch_energy[i] ?? 0;
      xs.push(drawn(e) as number);
      ys.push(drawn(loss.values[i] ?? null));
    }
    if (kept.has(t.id)) {
      keptTraces.push({
        type: "scatter",
        mode: "lines",
        name: plotlyText(`kept: ${t.id}${t.id === p.decision.true_best_id ? " (true best)" : ""}`),
        x: xs,
        y: ys,
        line: { width: 2 },
      });
      continue;
    }
    const stop = stopAt(t);
    stopEpochs.add(stop);
    stoppedX.push(...xs.slice(0, stop), null);
    stoppedY.push(...ys.slice(0, stop), null);
    if (stop < xs.length) {
      unrunX.push(...xs.slice(Math.max(0, stop - 1)), null);
      unrunY.push(...ys.slice(Math.max(0, stop - 1)), null);
    }
  }
  const data: object[] = [
    { type: "scatter", mode: "lines", name: "not run (saved)", x: unrunX, y: unrunY, line: { color: "rgba(150,150,150,0.25)", width: 1, dash: "dot" }, hoverinfo: "skip" },
    { type: "scatter", mode: "lines", name: stoppedLabel(stopEpochs), x: stoppedX, y: stoppedY, line: { color: "rgba(120,120,120,0.55)", width: 1 } },
    ...keptTraces,
  ];
  return {
    data,
    layout: {
      title: { text: plotlyText(p.title) },
      xaxis: { title: { text: plotlyText(`cumulative energy of the trial (${p.energy.unit})`) } },
      yaxis: { title: { text: anyVal ? "validation loss" : "training loss" } },
      hovermode: "closest",
    },
  };
}

/** Energy saved vs regret of every sweep point, one colour per score, and the frontier. */
export function sweepFigure(p: TpePayload, points: readonly TpeSweepPoint[]): { data: object[]; layout: object } {
  const byScore = new Map<string, TpeSweepPoint[]>();
  for (const q of points) byScore.set(q.score, [...(byScore.get(q.score) ?? []), q]);
  const frontier = points.filter((q) => q.pareto).sort((a, b) => b.energy_saved_fraction - a.energy_saved_fraction || (a.regret ?? Infinity) - (b.regret ?? Infinity));
  return {
    data: [
      ...[...byScore].map(([s, ps]) => ({
        type: "scatter",
        mode: "markers",
        name: plotlyText(s),
        x: ps.map((q) => q.energy_saved_fraction),
        y: ps.map((q) => q.regret),
        text: ps.map((q) => plotlyText(`${s}: f=${q.budget_fraction} (T=${budgetEpoch(q.budget_fraction, p.total_epochs)}), k=${q.keep}, ρ=${num(q.spearman, 3)}`)),
        hoverinfo: "text+x+y",
      })),
      {
        type: "scatter",
        mode: "lines",
        name: "frontier",
        x: frontier.map((q) => q.energy_saved_fraction),
        y: frontier.map((q) => q.regret),
        line: { color: "black", dash: "dot" },
      },
    ],
    layout: {
      title: { text: plotlyText(p.title) },
      xaxis: { title: { text: plotlyText(`energy saved (fraction; ${p.energy.unit})`) }, range: [0, 1] },
      yaxis: { title: { text: "regret (final validation loss − best)" } },
      hovermode: "closest",
    },
  };
}

/** Facts and tables of a `%tpe replay`. */
export function replaySummary(v: TpeReplayResult, title: string): TpeSummary {
  const T = v.budget_epoch;
  const count = (what: string) => v.problems.filter((x) => x.problem === what).length;
  const policyText =
    v.policy === "sh"
      ? v.rungs?.length
        ? `successive halving, rungs at ${v.rungs.map((r) => r.epoch).join(", ")} epochs`
        : "successive halving, no rung: every trial to the end"
      : v.policy === "none"
        ? "none: every trial to the end"
        : `TPE, decision after epoch ${T} (f = ${v.budget_fraction})`;
  const facts: [string, string][] = [
    ["policy", policyText],
    ["score", `${v.score}: ${SCORE_HELP[v.score]}`],
    ["trials", `${v.n_trials} (${count("diverged")} diverged, ${count("incomplete")} incomplete)`],
    ["kept to the end", v.kept.length <= 5 ? v.kept.join(", ") || "none" : `${v.kept.length} trials`],
    ["energy used / all", `${num(v.energy_used, 6)} / ${num(v.energy_all, 6)} ${v.energy_unit}`],
    ["energy saved", pct(v.energy_saved_fraction)],
    ["energy source", v.energy_source],
    ["Spearman ρ / Kendall τ-b", `${num(v.spearman)} / ${num(v.kendall)} (score at epoch ${T} vs final validation loss)`],
    ["true best survived", v.best_survived ? "yes" : "no"],
    ["regret", v.regret === null ? "n/a (no kept trial finished)" : `${num(v.regret)} (${num(v.chosen_final_loss)} vs best ${num(v.true_best_final_loss)})`],
  ];
  const tables: SummaryTable[] = [];
  if (v.problems.length) {
    tables.push({ caption: "Runs reported, not dropped (never chosen)", columns: ["run", "problem", "epochs", "reason"], rows: v.problems.map((x) => [x.id, x.problem, x.epochs_run, x.reason]) });
  }
  if (v.rungs) tables.push({ caption: "rungs", columns: ["rung epoch", "entered", "promoted"], rows: v.rungs.map((r) => [r.epoch, r.entered, r.promoted.length]), htmlOnly: true });
  return { title, facts, tables };
}

/** Facts and the frontier table of a `%tpe sweep`; `energySource` says where its energy came from. */
export function sweepSummary(v: TpeSweepResult, energySource: string, title: string): TpeSummary {
  const { best, max_regret: maxRegret } = v;
  const cols = ["score", "f", "T", "k", "energy saved", "regret", "Spearman", "Kendall", "best survived"];
  const rows = v.frontier.map((p) => [p.score, p.budget_fraction, p.budget_epoch, p.keep, pct(p.energy_saved_fraction), num(p.regret), num(p.spearman, 3), num(p.kendall, 3), p.best_survived ? "yes" : "no"]);
  const head = best
    ? `Best with regret ≤ ${maxRegret}: ${best.score}, f = ${best.budget_fraction} (epoch ${best.budget_epoch}), keep ${best.keep}: ${pct(best.energy_saved_fraction)} energy saved`
    : `No setting reaches regret ≤ ${maxRegret}`;
  return {
    title,
    facts: [
      ["best", head],
      ["energy", energySource],
    ],
    tables: [{ caption: "Frontier (energy saved vs regret)", columns: cols, rows }],
  };
}
