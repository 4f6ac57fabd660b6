/**
 * TPE renderer: the figure plus a decision-point slider, a keep input and a log-scale toggle.
 * It opens on the payload's own decision ("as run"); moving a control shows the plain TPE
 * rule at that point instead, and for policy or live runs a button goes back to the run.
 */
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import type { TpePayload } from "greenai-common";
import { clampTpeView, tpeFigure, tpeInitialView, tpeIsPolicyRun, tpeLastDecisionEpoch, tpeSummary, type TpeFigure, type TpeView } from "../figures/tpe";
import type { PlotTheme } from "../figures/types";
import { labelled, PlotRenderer, rangeInput } from "./base";

export class TpeRenderer extends PlotRenderer<"tpe"> {
  private view: TpeView = { budgetEpoch: 1, keep: 1 };
  /** The last figure drawn (its decision is what the status line shows). */
  last: TpeFigure | null = null;

  constructor(options: IRenderMime.IRendererOptions) {
    super(options, "tpe");
  }

  protected setup(p: TpePayload): void {
    this.view = tpeInitialView(p);
    const total = Math.max(1, p.total_epochs);
    const slider = rangeInput("greenai-slider greenai-tpe-epoch", 1, tpeLastDecisionEpoch(p), 1, this.view.budgetEpoch);
    slider.title = "Epoch T after which the trials are ranked and all but the best k stopped";
    const out = document.createElement("output");
    const fraction = () => `T = ${this.view.budgetEpoch} of ${total} epochs (${((100 * this.view.budgetEpoch) / total).toFixed(0)}% of the budget)`;
    out.textContent = fraction();
    const keep = document.createElement("input");
    keep.type = "number";
    keep.className = "greenai-tpe-keep";
    keep.min = "1";
    keep.max = String(Math.max(1, p.trials.length));
    keep.step = "1";
    keep.value = String(this.view.keep);
    const asRun = document.createElement("button");
    asRun.className = "greenai-tpe-as-run";
    asRun.textContent = "as run";
    asRun.title = "Show the decision the run itself took (its policy and real stop points)";
    asRun.disabled = true;
    /** Moves to a new view, keeping the controls in step with it. */
    const show = (v: TpeView) => {
      this.view = clampTpeView(p, v);
      slider.value = String(this.view.budgetEpoch);
      keep.value = String(this.view.keep);
      out.textContent = fraction();
      asRun.disabled = this.view.asRun === true;
      void this.requestDraw();
    };
    slider.addEventListener("input", () => show({ ...this.view, asRun: false, budgetEpoch: Number(slider.value) }));
    keep.addEventListener("change", () => show({ ...this.view, asRun: false, keep: Number(keep.value) }));
    asRun.addEventListener("click", () => show({ ...tpeInitialView(p), logY: this.view.logY }));
    const log = document.createElement("input");
    log.type = "checkbox";
    log.className = "greenai-tpe-log";
    log.addEventListener("change", () => show({ ...this.view, logY: log.checked }));
    this.controls.append(labelled("decision after", slider, out), labelled("keep", keep), labelled("log loss", log));
    if (tpeIsPolicyRun(p)) this.controls.append(asRun);
  }

  protected figure(p: TpePayload, theme: PlotTheme): TpeFigure {
    const fig = tpeFigure(p, this.view, theme);
    this.last = fig;
    this.status.textContent = tpeSummary(p, fig.decision, fig.view.asRun === true);
    return fig;
  }
}
