/** Time-series renderer: the figure, the job's facts, and re-decimation when the visible range changes. */
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import type { TimeseriesPayload } from "greenai-common";
import { fmt } from "../figures/format";
import { rangeFromRelayout, timeseriesFigure, type TimeseriesFigure, type TimeseriesView } from "../figures/timeseries";
import type { PlotTheme } from "../figures/types";
import { PlotRenderer } from "./base";
import type { PlotlyModule } from "./plotly";

type PlotEmitter = HTMLElement & { on?: (ev: string, fn: (e: Record<string, unknown>) => void) => void };

export class TimeseriesRenderer extends PlotRenderer<"timeseries"> {
  private view: TimeseriesView = {};
  private listening = false;
  private debounce: ReturnType<typeof setTimeout> | null = null;
  last: TimeseriesFigure | null = null;

  constructor(options: IRenderMime.IRendererOptions) {
    super(options, "timeseries");
  }

  protected setup(p: TimeseriesPayload): void {
    this.view = {};
    this.listening = false;
    if (p.facts && Object.keys(p.facts).length > 0) {
      const dl = document.createElement("dl");
      dl.className = "greenai-facts";
      for (const [k, v] of Object.entries(p.facts)) {
        const dt = document.createElement("dt");
        dt.textContent = k;
        const dd = document.createElement("dd");
        dd.textContent = typeof v === "number" ? fmt(v, 4) : String(v);
        dl.append(dt, dd);
      }
      this.controls.append(dl);
    }
  }

  protected figure(p: TimeseriesPayload, theme: PlotTheme): TimeseriesFigure {
    const fig = timeseriesFigure(p, this.view, theme);
    this.last = fig;
    // The window on show, for tests and for anyone reading the DOM: "all" or "t0,t1" in ms.
    this.node.dataset.window = this.view.range ? this.view.range.map((x) => Math.round(x)).join(",") : "all";
    this.status.textContent =
      `${p.series.length} series · ${fmt(fig.pointsTotal)} samples · ${fmt(fig.pointsDrawn)} points drawn` +
      (fig.pointsDrawn < fig.pointsTotal ? " (min–max decimated; zoom in for detail)" : "") +
      (fig.webgl ? " · WebGL" : "");
    return fig;
  }

  protected override afterDraw(_plotly: PlotlyModule): void {
    const node = this.plotNode as PlotEmitter;
    if (this.listening || typeof node.on !== "function") return;
    this.listening = true;
    node.on("plotly_relayout", (ev) => {
      const r = rangeFromRelayout(ev);
      if (r === null) return;
      const next = r === "all" ? undefined : r;
      if (this.debounce) clearTimeout(this.debounce);
      this.debounce = setTimeout(() => {
        this.view = { ...this.view, range: next };
        void this.requestDraw();
      }, 120);
    });
  }

  /** Sets the visible window (ms since the epoch) and redraws; `undefined` shows the whole job. */
  setRange(range: [number, number] | undefined): Promise<void> {
    this.view = { ...this.view, range };
    return this.requestDraw();
  }

  override dispose(): void {
    if (this.debounce) clearTimeout(this.debounce);
    super.dispose();
  }
}
