/** RIBBON renderer: the figure plus a QoS-target slider (and a rate/p99 switch where p99 was measured). */
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { ribbonIsGrid, type RibbonPayload } from "greenai-common";
import { fmt } from "../figures/format";
import { ribbonFigure, ribbonHasP99, ribbonInitialView, ribbonStatusLine, yRange, type RibbonFigure, type RibbonView } from "../figures/ribbon";
import type { PlotTheme } from "../figures/types";
import { labelled, PlotRenderer, rangeInput } from "./base";

/**
 * Slider bounds for the target rate, up to 100 %: from a little below the lowest rate seen in a
 * search; in the grid view, from the bottom of the y range drawn (the grid's many hopeless pools
 * would squeeze the useful band into a few pixels).
 */
export function rateBounds(p: RibbonPayload): { min: number; max: number; step: number } {
  if (ribbonIsGrid(p)) {
    const lo = yRange(p.grid ?? [], ribbonInitialView(p))?.[0] ?? p.target_rate;
    return { min: Math.max(0, Math.floor(Math.min(lo, p.target_rate))), max: 100, step: 0.1 };
  }
  const rates = p.evaluations.map((e) => e.rate).filter(Number.isFinite);
  const lo = Math.min(p.target_rate, ...rates);
  return { min: Math.max(0, Math.floor(lo) - 1), max: 100, step: 0.1 };
}

/** Slider bounds for the p99 bound, in ms: the measured p99 range with some margin. */
export function latencyBounds(p: RibbonPayload): { min: number; max: number; step: number } {
  const ps = p.evaluations.map((e) => e.p99_ms).filter((x): x is number => typeof x === "number" && Number.isFinite(x));
  const lo = Math.min(p.qos_ms, ...ps);
  const hi = Math.max(p.qos_ms, ...ps);
  const step = Math.max(0.1, Number(((hi - lo) / 200).toPrecision(1)));
  return { min: Math.max(0, Math.floor(lo * 0.9)), max: Math.ceil(hi * 1.1), step };
}

export class RibbonRenderer extends PlotRenderer<"ribbon"> {
  private view: RibbonView = { metric: "rate", targetRate: 99, latencyMs: 0 };
  last: RibbonFigure | null = null;

  constructor(options: IRenderMime.IRendererOptions) {
    super(options, "ribbon");
  }

  protected setup(p: RibbonPayload): void {
    this.view = ribbonInitialView(p);
    const rb = rateBounds(p);
    const slider = rangeInput("greenai-slider greenai-ribbon-target", rb.min, rb.max, rb.step, this.view.targetRate);
    slider.title = "QoS target: share of queries that must finish within the latency bound";
    const out = document.createElement("output");
    const show = () => {
      out.textContent = this.view.metric === "rate" ? `${fmt(this.view.targetRate, 4)}% within ${fmt(p.qos_ms)} ms` : `p99 ≤ ${fmt(this.view.latencyMs, 4)} ms`;
    };
    show();
    const label = labelled("QoS target", slider, out);
    slider.addEventListener("input", () => {
      const x = Number(slider.value);
      this.view = this.view.metric === "rate" ? { ...this.view, targetRate: x } : { ...this.view, latencyMs: x };
      show();
      void this.requestDraw();
    });
    this.controls.append(label);
    if (ribbonHasP99(p)) {
      const select = document.createElement("select");
      select.className = "greenai-ribbon-metric";
      for (const [value, text] of [
        ["rate", "rate within QoS (%)"],
        ["p99", "p99 latency (ms)"],
      ]) {
        const o = document.createElement("option");
        o.value = value;
        o.textContent = text;
        select.append(o);
      }
      select.addEventListener("change", () => {
        this.view = { ...this.view, metric: select.value === "p99" ? "p99" : "rate" };
        const b = this.view.metric === "rate" ? rb : latencyBounds(p);
        slider.min = String(b.min);
        slider.max = String(b.max);
        slider.step = String(b.step);
        slider.value = String(this.view.metric === "rate" ? this.view.targetRate : this.view.latencyMs);
        show();
        void this.requestDraw();
      });
      this.controls.append(labelled("y axis", select));
    }
  }

  protected figure(p: RibbonPayload, theme: PlotTheme): RibbonFigure {
    const fig = ribbonFigure(p, this.view, theme);
    this.last = fig;
    this.status.textContent = ribbonStatusLine(p, fig);
    return fig;
  }

  get currentView(): RibbonView {
    return this.view;
  }
}
