import { tpeDecision } from "greenai-common";
import {
  clampTpeView,
  cumulativeEnergy,
  lossSeries,
  stopEpochAsRun,
  tpeFigure,
  tpeInitialView,
  tpeLastDecisionEpoch,
  tpeSummary,
} from "../../extension/src/figures/tpe";
import { energyText } from "../../extension/src/figures/format";
import { DARK_THEME, LIGHT_THEME, type Trace } from "../../extension/src/figures/types";
import { halvingTpe, smallTpe } from "./fixtures";

const byRole = (data: Trace[], role: string) => data.find((t) => (t.meta as { role: string }).role === role) as Trace & { x: (number | null)[]; y: (number | null)[]; text: (string | null)[] };

describe("tpeFigure", () => {
  it("starts from the payload's own decision", () => {
    const p = smallTpe();
    expect(tpeInitialView(p)).toEqual({ budgetEpoch: 1, keep: 2, asRun: true });
    // for a plain TPE payload, as run and recomputed are the same decision and drawing
    expect(tpeFigure(p, tpeInitialView(p), LIGHT_THEME).data).toEqual(tpeFigure(p, { budgetEpoch: 1, keep: 2 }, LIGHT_THEME).data);
  });

  it("clamps views to 1..total epochs and 1..trials", () => {
    const p = smallTpe();
    expect(clampTpeView(p, { budgetEpoch: 0, keep: 0 })).toEqual({ budgetEpoch: 1, keep: 1 });
    expect(clampTpeView(p, { budgetEpoch: 99, keep: 99 })).toEqual({ budgetEpoch: 4, keep: 4 });
    expect(clampTpeView(p, { budgetEpoch: NaN, keep: 2.6 })).toEqual({ budgetEpoch: 1, keep: 3 });
  });

  it("cumulates energy per epoch", () => {
    expect(cumulativeEnergy(smallTpe().trials[1], 4)).toEqual([2, 4, 6, 8]);
  });

  it("draws validation loss when measured, else training loss", () => {
    const p = smallTpe();
    expect(lossSeries(p.trials[0]).which).toBe("val");
    const noVal = { ...p.trials[0], val_loss: [null, null, null, null] };
    expect(lossSeries(noVal).which).toBe("train");
  });

  it("at T = 1, keep 2: keeps a and b, stops c and d after epoch 1 (hand-computed)", () => {
    const p = smallTpe();
    const f = tpeFigure(p, { budgetEpoch: 1, keep: 2 }, LIGHT_THEME);
    expect(f.decision.kept).toEqual(["a", "b"]);
    expect(f.decision.stopped).toEqual(["c", "d"]);
    expect(f.decision.energy_all).toBe(18);
    expect(f.decision.energy_used).toBe(14); // a 4 + b 8 + c 1 + d 1
    expect(f.decision.energy_saved_fraction).toBeCloseTo(4 / 18, 12);
    expect(f.decision.spearman).toBeCloseTo(-1, 12);
    expect(f.decision.kendall).toBeCloseTo(-1, 12);
    expect(f.decision.best_survived).toBe(false);
    expect(f.decision.regret).toBeCloseTo(0.1, 12);

    const stopped = byRole(f.data, "stopped");
    expect(stopped.x).toEqual([1, null, 1, null]); // c and d, one epoch each, null between trials
    expect(stopped.y).toEqual([1.2, null, 1.5, null]);
    const marks = byRole(f.data, "stop-point");
    expect(marks.x).toEqual([1, 1]);
    expect(marks.y).toEqual([1.2, 1.5]);
    const kept = byRole(f.data, "kept");
    expect(kept.x).toEqual([1, 2, 3, 4, null, 2, 4, 6, 8, null]);
    expect(kept.y).toEqual([1.0, 0.8, 0.6, 0.5, null, 0.9, 0.85, 0.8, 0.75, null]);
    const chosen = byRole(f.data, "chosen");
    expect([chosen.x, chosen.y]).toEqual([[4], [0.5]]); // a ends at 4 J, loss 0.5
    const best = byRole(f.data, "true-best");
    expect([best.x, best.y]).toEqual([[4], [0.4]]); // c would have ended at 4 J, loss 0.4
  });

  it("moving the decision to T = 2 keeps a and c and the best survives", () => {
    const p = smallTpe();
    const f = tpeFigure(p, { budgetEpoch: 2, keep: 2 }, LIGHT_THEME);
    expect(f.decision.kept).toEqual(["a", "c"]);
    expect(f.decision.best_survived).toBe(true);
    expect(f.decision.energy_used).toBe(14); // a 4 + c 4 + b 4 + d 2
    expect(byRole(f.data, "true-best")).toBeUndefined();
    expect(byRole(f.data, "stopped").x).toEqual([2, 4, null, 1, null, null]); // b two epochs; d: epoch 2 loss missing
    expect(byRole(f.data, "stop-point").text[1]).toContain("diverged"); // d never reached a score at T = 2
  });

  it("recomputes exactly what the kernel's tpeDecision gives, for every T and k", () => {
    const p = smallTpe();
    for (let T = 1; T <= 4; T++) {
      for (let k = 1; k <= 4; k++) {
        expect(tpeFigure(p, { budgetEpoch: T, keep: k }, LIGHT_THEME).decision).toEqual(tpeDecision(p.trials, 4, T / 4, k));
      }
    }
  });

  it("labels axes with the energy unit and says when energy is estimated", () => {
    const f = tpeFigure(smallTpe(), { budgetEpoch: 1, keep: 2 }, LIGHT_THEME);
    const x = f.layout.xaxis as { title: { text: string } };
    const y = f.layout.yaxis as { title: { text: string }; type: string };
    expect(x.title.text).toBe("cumulative energy (J, estimated)");
    expect(y.title.text).toBe("validation loss");
    expect(y.type).toBe("linear");
    expect((tpeFigure(smallTpe(), { budgetEpoch: 1, keep: 2, logY: true }, LIGHT_THEME).layout.yaxis as { type: string }).type).toBe("log");
  });

  it("follows the theme's colours", () => {
    const light = tpeFigure(smallTpe(), { budgetEpoch: 1, keep: 2 }, LIGHT_THEME).layout;
    const dark = tpeFigure(smallTpe(), { budgetEpoch: 1, keep: 2 }, DARK_THEME).layout;
    expect(light.paper_bgcolor).toBe(LIGHT_THEME.background);
    expect(dark.paper_bgcolor).toBe(DARK_THEME.background);
    expect((dark.font as { color: string }).color).toBe(DARK_THEME.foreground);
  });

  it("escapes payload text so Plotly never reads it as markup", () => {
    const p = { ...smallTpe(), title: '<a href="javascript:alert(1)">x</a>' };
    p.trials = p.trials.map((t) => ({ ...t, id: `<b>${t.id}</b>` }));
    const f = tpeFigure(p, { budgetEpoch: 1, keep: 2 }, LIGHT_THEME);
    const title = (f.layout.title as { text: string }).text;
    expect(title).toContain("&lt;a href=");
    expect(title).not.toContain("<a ");
    expect(JSON.stringify(f.data)).not.toContain("<b>");
  });

  it("says what the decision did in one line", () => {
    const p = smallTpe();
    const s = tpeSummary(p, p.decision);
    expect(s).toContain("decision after epoch 1/4");
    expect(s).toContain("keep 2 of 4 by val-loss");
    expect(s).toContain("energy saved 22.2% (4 J of 18 J)");
    expect(s).toContain("best stopped, regret 0.1");
  });

  it("writes joules in a readable unit", () => {
    expect(energyText(97394890, "J")).toBe("97.4 MJ (27.1 kWh)");
    expect(energyText(4, "J")).toBe("4 J");
    expect(energyText(1500, "J")).toBe("1.5 kJ");
    expect(energyText(12.5, "kJ")).toBe("12.5 kJ");
    expect(energyText(null, "J")).toBe("– J");
  });

  it("handles a payload without trials", () => {
    const p = { ...smallTpe(), trials: [] };
    const f = tpeFigure(p, { budgetEpoch: 1, keep: 1 }, LIGHT_THEME);
    expect(byRole(f.data, "kept").x).toEqual([]);
    expect((f.layout.annotations as unknown[]).length).toBe(1);
  });
});

describe("tpeFigure as run and what-if", () => {
  it("draws a successive-halving payload as it ran: each trial stops at its own rung", () => {
    const p = halvingTpe();
    const stopAt = stopEpochAsRun(p);
    expect(["b", "c", "d"].map((id) => stopAt(p.trials.find((t) => t.id === id)!))).toEqual([2, 1, 1]);
    const f = tpeFigure(p, tpeInitialView(p), LIGHT_THEME);
    expect(f.decision).toBe(p.decision);
    expect(f.decision.energy_used).toBe(10);
    // b is drawn for two epochs (x = 2, 4 J), c and d for one
    const stopped = byRole(f.data, "stop-point");
    expect(stopped.x).toEqual([4, 1, 1]);
    expect(stopped.text[0]).toMatch(/^b stopped after epoch 2/);
    expect(tpeSummary(p, f.decision, true)).toMatch(/^as run: successive halving, rungs at epochs 1, 2 of 4 · finished 1 of 4 by val-loss · energy saved 44\.4/);
  });

  it("recomputes the plain TPE rule once a control moves, and says so", () => {
    const p = halvingTpe();
    const f = tpeFigure(p, { ...tpeInitialView(p), asRun: false }, LIGHT_THEME);
    expect(f.decision).toEqual(tpeDecision(p.trials, 4, 1 / 4, 1));
    expect(f.decision.kept).toEqual(["b"]); // best at T = 1; a is stopped there now
    expect(byRole(f.data, "stop-point").x).toEqual([1, 1, 1]);
    expect(tpeSummary(p, f.decision, false)).toMatch(/^what-if, plain TPE rule: decision after epoch 1\/4 · keep 1 of 4/);
  });

  it("lets a what-if decision of a live run go only as far as every trial has losses", () => {
    const p = smallTpe();
    // a live run stopped c and d after epoch 1 (their later energies are projections)
    p.trials[2] = { ...p.trials[2], epochs_measured: 1, val_loss: [1.2, null, null, null], score_by_epoch: [1.2, null, null, null] };
    p.trials[3] = { ...p.trials[3], epochs_measured: 1 };
    expect(tpeLastDecisionEpoch(p)).toBe(1);
    expect(clampTpeView(p, { budgetEpoch: 3, keep: 2 }).budgetEpoch).toBe(1);
    expect(tpeLastDecisionEpoch(smallTpe())).toBe(4);
    // as run, a stopped live trial is drawn to where it really stopped
    const q = smallTpe();
    q.trials[2] = { ...q.trials[2], epochs_measured: 2 };
    q.trials[3] = { ...q.trials[3], epochs_measured: 1 };
    expect(stopEpochAsRun(q)(q.trials[2])).toBe(2);
  });
});
