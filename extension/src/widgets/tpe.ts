/** TPE renderer: the figure plus a decision-point slider, a keep input and a log-scale toggle. */
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import type { TpePayload } from "greenai-common";
import { clampTpeView, tpeFigure, tpeInitialView, tpeSummary, type TpeFigure, type TpeView } from "../figures/tpe";
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
    const slider = rangeInput("greenai-slider greenai-tpe-epoch", 1, total, 1, this.view.budgetEpoch);
    slider.title = "Epoch T after which the trials are ranked and all but the best k stopped";
    const out = document.createElement("output");
    const fraction = () => `T = ${this.view.budgetEpoch} of ${total} epochs (${((100 * this.view.budgetEpoch) / total).toFixed(0)}% of the budget)`;
    out.textContent = fraction();
    slider.addEventListener("input", () => {
      this.view = clampTpeView(p, { ...this.view, budgetEpoch: Number(slider.value) });
      out.textContent = fraction();
      void this.requestDraw();
    });
    const keep = document.createElement("input");
    keep.type = "number";
    keep.className = "greenai-tpe-keep";
    keep.min = "1";
    keep.max = String(Math.max(1, p.trials.length));
    keep.step = "1";
    keep.value = String(this.view.keep);
    keep.addEventListener("change", () => {
      this.view = clampTpeView(p, { ...this.view, keep: Number(keep.value) });
      keep.value = String(this.view.keep);
      void this.requestDraw();
    });
    const log = document.createElement("input");
    log.type = "checkbox";
    log.className = "greenai-tpe-log";
    log.addEventListener("change", () => {
      this.view = { ...this.view, logY: log.checked };
      void this.requestDraw();
    });
    this.controls.append(labelled("decision after", slider, out), labelled("keep", keep), labelled("log loss", log));
  }

  protected figure(p: TpePayload, theme: PlotTheme): TpeFigure {
    const fig = tpeFigure(p, this.view, theme);
    this.last = fig;
    this.status.textContent = tpeSummary(p, fig.decision);
    return fig;
  }

  /** The current view (for tests and the summary panel). */
  get currentView(): TpeView {
    return this.view;
  }
}
