/**
 * The thin part of every greenai renderer: parse the payload, build controls, draw with
 * lazily loaded plotly.js, follow resizes and live theme switches, clean up on dispose.
 * The figures themselves come from the pure builders in ../figures.
 */
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import type { Message } from "@lumino/messaging";
import { Widget } from "@lumino/widgets";
import { parsePayload, type GreenaiPayload } from "greenai-common";
import type { Figure, PlotTheme } from "../figures/types";
import { loadPlotly, PLOT_CONFIG, type PlotlyModule } from "./plotly";
import { readTheme, themeKey, watchTheme } from "./theme";

type Kind = GreenaiPayload["kind"];
type PayloadOf<K extends Kind> = Extract<GreenaiPayload, { kind: K }>;

/** Base renderer: subclasses build controls in `setup` and the figure in `figure`. */
export abstract class PlotRenderer<K extends Kind> extends Widget implements IRenderMime.IRenderer {
  /** Toolbar of sliders and inputs, above the plot. */
  readonly controls: HTMLDivElement;
  /** One line that states what the plot shows (updated with the view). */
  readonly status: HTMLDivElement;
  /** The node Plotly draws into. */
  readonly plotNode: HTMLDivElement;
  protected payload: PayloadOf<K> | null = null;
  protected plotly: PlotlyModule | null = null;
  private drawn = false;
  private drawing: Promise<void> | null = null;
  private again = false;
  private theme: PlotTheme;
  private stopTheme: () => void;
  private resizeObserver: ResizeObserver | null = null;
  private lastWidth = -1;
  private timers: ReturnType<typeof setTimeout>[] = [];

  constructor(
    protected readonly options: IRenderMime.IRendererOptions,
    readonly kind: K,
  ) {
    super();
    this.addClass("greenai-renderer");
    this.addClass(`greenai-${kind}`);
    this.controls = document.createElement("div");
    this.controls.className = "greenai-controls";
    this.status = document.createElement("div");
    this.status.className = "greenai-status";
    this.plotNode = document.createElement("div");
    this.plotNode.className = "greenai-plot";
    this.node.append(this.controls, this.status, this.plotNode);
    this.theme = readTheme();
    this.stopTheme = watchTheme(() => this.onThemeMutation());
  }

  /** Renders a model: a bad payload shows a short message; nothing here throws. */
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const r = parsePayload(this.kind, model.data[this.options.mimeType]);
    if (!r.ok) {
      this.showMessage(r.error);
      return;
    }
    this.payload = r.value as PayloadOf<K>;
    try {
      this.controls.replaceChildren();
      this.setup(this.payload);
      await this.requestDraw();
    } catch (err) {
      this.showMessage(`greenai ${this.kind}: could not draw this output (${err instanceof Error ? err.message : String(err)})`);
    }
  }

  /** Builds the controls for a payload (called once per `renderModel`). */
  protected abstract setup(payload: PayloadOf<K>): void;

  /** The figure for the current view and theme; also updates `status`. */
  protected abstract figure(payload: PayloadOf<K>, theme: PlotTheme): Figure;

  /** Called after each draw, with plotly loaded (e.g. to listen to relayout events). */
  protected afterDraw(_plotly: PlotlyModule): void {}

  /** True once Plotly has drawn at least once. */
  get isDrawn(): boolean {
    return this.drawn;
  }

  /** The theme the plot was last drawn with. */
  get currentTheme(): PlotTheme {
    return this.theme;
  }

  /**
   * Redraws for the current view; calls made while a draw runs are merged into one more draw.
   * Resolves when the plot shows the latest view.
   */
  requestDraw(): Promise<void> {
    if (this.drawing) {
      this.again = true;
      return this.drawing;
    }
    this.drawing = (async () => {
      try {
        do {
          this.again = false;
          await this.drawOnce();
        } while (this.again && !this.isDisposed);
      } finally {
        this.drawing = null;
      }
    })();
    return this.drawing;
  }

  private async drawOnce(): Promise<void> {
    if (!this.payload || this.isDisposed) return;
    this.theme = readTheme();
    const fig = this.figure(this.payload, this.theme);
    const plotly = this.plotly ?? (this.plotly = await loadPlotly());
    if (this.isDisposed) return;
    // A fixed height on the node: Plotly's responsive resize reads the node's height, which
    // windowed notebooks can collapse while a cell is off-screen.
    const h = fig.layout.height;
    if (typeof h === "number") this.plotNode.style.height = `${h}px`;
    await plotly.react(this.plotNode, fig.data as never, fig.layout as never, PLOT_CONFIG as never);
    this.drawn = true;
    this.afterDraw(plotly);
  }

  /** Replaces the output with a one-line message (bad payload, drawing error). */
  protected showMessage(text: string): void {
    this.controls.replaceChildren();
    this.status.textContent = "";
    this.plotNode.replaceChildren();
    const p = document.createElement("pre");
    p.className = "greenai-error";
    p.textContent = text;
    this.plotNode.append(p);
  }

  private onThemeMutation(): void {
    // Theme CSS may land just after the attribute flips: check now and twice more.
    for (const ms of [0, 150, 600]) {
      this.timers.push(
        setTimeout(() => {
          if (this.isDisposed || !this.drawn) return;
          const t = readTheme();
          if (themeKey(t) !== themeKey(this.theme)) void this.requestDraw();
        }, ms),
      );
    }
  }

  private resizePlot(): void {
    if (!this.drawn || !this.plotly || !this.isVisible || this.isDisposed) return;
    const w = this.plotNode.clientWidth;
    if (w === this.lastWidth || w === 0) return;
    this.lastWidth = w;
    void this.plotly.Plots.resize(this.plotNode);
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (typeof ResizeObserver !== "undefined" && !this.resizeObserver) {
      this.resizeObserver = new ResizeObserver(() => this.resizePlot());
      this.resizeObserver.observe(this.node);
    }
  }

  protected override onBeforeDetach(msg: Message): void {
    this.resizeObserver?.disconnect();
    this.resizeObserver = null;
    super.onBeforeDetach(msg);
  }

  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.lastWidth = -1;
    this.resizePlot();
  }

  protected override onResize(msg: Widget.ResizeMessage): void {
    super.onResize(msg);
    this.resizePlot();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.stopTheme();
    this.timers.forEach(clearTimeout);
    this.resizeObserver?.disconnect();
    if (this.plotly && this.drawn) this.plotly.purge(this.plotNode);
    super.dispose();
  }
}

/** A labelled control, e.g. `labelled("keep", input)`. */
export function labelled(text: string, control: HTMLElement, extra?: HTMLElement): HTMLLabelElement {
  const l = document.createElement("label");
  l.className = "greenai-control";
  const span = document.createElement("span");
  span.textContent = text;
  l.append(span, control);
  if (extra) l.append(extra);
  return l;
}

/** `<input type=range>` with bounds and a class for tests and styling. */
export function rangeInput(cls: string, min: number, max: number, step: number, value: number): HTMLInputElement {
  const i = document.createElement("input");
  i.type = "range";
  i.className = cls;
  i.min = String(min);
  i.max = String(max);
  i.step = String(step);
  i.value = String(value);
  return i;
}
