/** The renderers mounted in jsdom: real plotly.js draws SVG; no layout, so structure is asserted, not geometry. */
import { MimeModel, RenderMimeRegistry, standardRendererFactories } from "@jupyterlab/rendermime";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { Widget } from "@lumino/widgets";
import { MIME_CELL_ENERGY, MIME_RIBBON, MIME_TIMESERIES, MIME_TPE } from "greenai-common";
import extensions, { GREENAI_RANK, ribbonRendererFactory, timeseriesRendererFactory, tpeRendererFactory } from "../../extension/src/mime";
import type { PlotRenderer } from "../../extension/src/widgets/base";

type AnyRenderer = PlotRenderer<"tpe"> | PlotRenderer<"ribbon"> | PlotRenderer<"timeseries">;
import type { RibbonRenderer } from "../../extension/src/widgets/ribbon";
import type { TimeseriesRenderer } from "../../extension/src/widgets/timeseries";
import type { TpeRenderer } from "../../extension/src/widgets/tpe";
import { halvingTpe, smallRibbon, smallTpe, syntheticTimeseries } from "./fixtures";

const mounted: Widget[] = [];

function create<T extends AnyRenderer>(factory: IRenderMime.IRendererFactory, mimeType: string): T {
  const r = factory.createRenderer({ mimeType, sanitizer: { sanitize: (s: string) => s }, resolver: null, linkHandler: null, latexTypesetter: null }) as unknown as T;
  Widget.attach(r, document.body);
  mounted.push(r);
  return r;
}

afterEach(() => {
  while (mounted.length) mounted.pop()?.dispose();
  delete document.body.dataset.jpThemeLight;
  document.body.style.removeProperty("--jp-layout-color0");
});

const traces = (r: AnyRenderer) => r.plotNode.querySelectorAll(".scatterlayer .trace");

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("rank and safety", () => {
  it("every factory is safe and ranked below every fallback", () => {
    for (const f of [tpeRendererFactory, ribbonRendererFactory, timeseriesRendererFactory]) {
      expect(f.safe).toBe(true);
      expect(f.defaultRank).toBe(GREENAI_RANK);
    }
    expect(extensions.map((e) => e.rendererFactory.mimeTypes[0])).toEqual([MIME_TPE, MIME_RIBBON, MIME_TIMESERIES, MIME_CELL_ENERGY]);
    expect(extensions.every((e) => e.rank === GREENAI_RANK)).toBe(true);
  });

  it("wins over html, text and a Plotly renderer registered before it", () => {
    const registry = new RenderMimeRegistry({ initialFactories: standardRendererFactories });
    // jupyterlab-plotly 5.x registers rank 0, 6.x rank 2; both come before ours here.
    registry.addFactory({ safe: true, mimeTypes: ["application/vnd.plotly.v1+json"], createRenderer: () => new Widget() as never }, 0);
    for (const e of extensions) registry.addFactory(e.rendererFactory, e.rank);
    for (const mime of [MIME_TPE, MIME_RIBBON, MIME_TIMESERIES]) {
      const bundle = { [mime]: {}, "application/vnd.plotly.v1+json": {}, "text/html": "<table></table>", "text/plain": "x" };
      expect(registry.preferredMimeType(bundle, "ensure")).toBe(mime);
      expect(registry.preferredMimeType(bundle, "any")).toBe(mime);
    }
  });

  it("a rank of 50 would lose to the html fallback (why the rank matters)", () => {
    const registry = new RenderMimeRegistry({ initialFactories: standardRendererFactories });
    registry.addFactory(tpeRendererFactory, 50);
    expect(registry.preferredMimeType({ [MIME_TPE]: {}, "text/html": "<p></p>" }, "ensure")).toBe("text/html");
  });
});

describe("TPE renderer", () => {
  it("draws the plot and recomputes when the slider moves", async () => {
    const r = create<TpeRenderer>(tpeRendererFactory, MIME_TPE);
    await r.renderModel(new MimeModel({ data: { [MIME_TPE]: smallTpe() as never } }));
    expect(r.plotNode.querySelector(".plot-container .main-svg")).not.toBeNull();
    expect(traces(r).length).toBe(6); // stopped, stop points, kept, kept ends, chosen, true best
    expect(r.status.textContent).toContain("decision after epoch 1/4");
    expect(r.status.textContent).toContain("best stopped");
    expect(r.node.querySelector(".gtitle")?.textContent).toContain("small TPE");
    expect(r.plotNode.style.height).toBe("440px"); // fixed, so responsive resizes never collapse it

    const slider = r.node.querySelector<HTMLInputElement>("input.greenai-tpe-epoch")!;
    expect([slider.min, slider.max, slider.value]).toEqual(["1", "4", "1"]);
    slider.value = "2";
    slider.dispatchEvent(new Event("input"));
    await r.requestDraw();
    expect(r.last?.decision.kept).toEqual(["a", "c"]);
    expect(r.status.textContent).toContain("decision after epoch 2/4");
    expect(r.status.textContent).toContain("best survived");
    expect(traces(r).length).toBe(5); // the "true best (stopped)" marker is gone
    const gd = r.plotNode as unknown as { data: { name: string }[] };
    expect(gd.data.map((d) => d.name)).toContain("kept (2)");
  });

  it("changes the number kept", async () => {
    const r = create<TpeRenderer>(tpeRendererFactory, MIME_TPE);
    await r.renderModel(new MimeModel({ data: { [MIME_TPE]: smallTpe() as never } }));
    const keep = r.node.querySelector<HTMLInputElement>("input.greenai-tpe-keep")!;
    keep.value = "9";
    keep.dispatchEvent(new Event("change"));
    await r.requestDraw();
    expect(keep.value).toBe("4"); // clamped to the number of trials
    expect(r.last?.decision.kept).toEqual(["a", "b", "c", "d"]);
  });

  it("opens a successive-halving payload as run, and goes back to it after a what-if", async () => {
    const r = create<TpeRenderer>(tpeRendererFactory, MIME_TPE);
    await r.renderModel(new MimeModel({ data: { [MIME_TPE]: halvingTpe() as never } }));
    const asRun = r.node.querySelector<HTMLButtonElement>("button.greenai-tpe-as-run")!;
    expect(asRun.disabled).toBe(true);
    expect(r.status.textContent).toMatch(/^as run: successive halving/);
    expect(r.last?.decision.energy_used).toBe(10);
    const slider = r.node.querySelector<HTMLInputElement>("input.greenai-tpe-epoch")!;
    slider.value = "2";
    slider.dispatchEvent(new Event("input"));
    await r.requestDraw();
    expect(asRun.disabled).toBe(false);
    expect(r.status.textContent).toMatch(/^what-if, plain TPE rule: decision after epoch 2\/4/);
    asRun.click();
    await r.requestDraw();
    expect([asRun.disabled, slider.value]).toEqual([true, "1"]);
    expect(r.last?.decision.energy_used).toBe(10);
  });

  it("has no as-run button for a plain TPE payload (its decision is the slider's)", async () => {
    const r = create<TpeRenderer>(tpeRendererFactory, MIME_TPE);
    await r.renderModel(new MimeModel({ data: { [MIME_TPE]: smallTpe() as never } }));
    expect(r.node.querySelector("button.greenai-tpe-as-run")).toBeNull();
  });

  it("reads a payload sent as JSON text (tslab display.raw)", async () => {
    const r = create<TpeRenderer>(tpeRendererFactory, MIME_TPE);
    await r.renderModel(new MimeModel({ data: { [MIME_TPE]: JSON.stringify(smallTpe()) } }));
    expect(traces(r).length).toBe(6);
  });

  it("shows a short message for a bad or newer payload, without throwing", async () => {
    const r = create<TpeRenderer>(tpeRendererFactory, MIME_TPE);
    await r.renderModel(new MimeModel({ data: { [MIME_TPE]: "{not json" } }));
    expect(r.node.querySelector(".greenai-error")?.textContent).toBe("greenai tpe output is not valid JSON");
    await r.renderModel(new MimeModel({ data: { [MIME_TPE]: { ...smallTpe(), schema_version: 9 } as never } }));
    expect(r.node.querySelector(".greenai-error")?.textContent).toContain("update greenai");
    expect(r.plotNode.querySelector(".main-svg")).toBeNull();
  });

  it("never turns payload text into links or markup", async () => {
    const r = create<TpeRenderer>(tpeRendererFactory, MIME_TPE);
    const p = { ...smallTpe(), title: '<a href="javascript:alert(1)">click</a><script>alert(2)</script>' };
    await r.renderModel(new MimeModel({ data: { [MIME_TPE]: p as never } }));
    expect(r.node.querySelectorAll("a, script").length).toBe(0);
    expect(r.node.querySelector(".gtitle")?.textContent).toContain('<a href="javascript:alert(1)">click</a>');
  });

  it("follows a live switch to the dark theme", async () => {
    const r = create<TpeRenderer>(tpeRendererFactory, MIME_TPE);
    await r.renderModel(new MimeModel({ data: { [MIME_TPE]: smallTpe() as never } }));
    const bg = () => (r.plotNode.querySelector(".main-svg") as SVGElement).style.background;
    expect(bg()).toBe("rgb(255, 255, 255)");
    document.body.style.setProperty("--jp-layout-color0", "#111111");
    document.body.dataset.jpThemeLight = "false";
    await waitFor(() => r.currentTheme.dark);
    await r.requestDraw();
    expect(bg()).toBe("rgb(17, 17, 17)");
  });

  it("purges plotly on dispose", async () => {
    const r = create<TpeRenderer>(tpeRendererFactory, MIME_TPE);
    await r.renderModel(new MimeModel({ data: { [MIME_TPE]: smallTpe() as never } }));
    const node = r.plotNode;
    r.dispose();
    expect(node.querySelector(".main-svg")).toBeNull();
  });
});

describe("RIBBON renderer", () => {
  it("draws the plot and re-picks when the QoS slider moves", async () => {
    const r = create<RibbonRenderer>(ribbonRendererFactory, MIME_RIBBON);
    await r.renderModel(new MimeModel({ data: { [MIME_RIBBON]: smallRibbon() as never } }));
    expect(r.plotNode.querySelector(".plot-container .main-svg")).not.toBeNull();
    expect(traces(r).length).toBe(6); // path, front, feasible, infeasible, homogeneous, pick
    expect(r.plotNode.querySelectorAll(".shapelayer path").length).toBe(1); // the target line
    expect(r.status.textContent).toContain("cheapest feasible of 5 evaluated: 1× b at $3.000/h");

    const slider = r.node.querySelector<HTMLInputElement>("input.greenai-ribbon-target")!;
    slider.value = "97";
    slider.dispatchEvent(new Event("input"));
    await r.requestDraw();
    expect(r.last?.pick?.order).toBe(1);
    expect(r.status.textContent).toContain("2× a at $2.000/h");
    const gd = r.plotNode as unknown as { layout: { shapes: { y0: number }[] } };
    expect(gd.layout.shapes[0].y0).toBe(97);

    slider.value = "100";
    slider.dispatchEvent(new Event("input"));
    await r.requestDraw();
    expect(r.status.textContent).toContain("no evaluated pool meets this target");
  });

  it("switches to the p99 view", async () => {
    const r = create<RibbonRenderer>(ribbonRendererFactory, MIME_RIBBON);
    await r.renderModel(new MimeModel({ data: { [MIME_RIBBON]: smallRibbon() as never } }));
    const select = r.node.querySelector<HTMLSelectElement>("select.greenai-ribbon-metric")!;
    select.value = "p99";
    select.dispatchEvent(new Event("change"));
    await r.requestDraw();
    expect(r.currentView.metric).toBe("p99");
    expect(r.node.querySelector(".g-ytitle")?.textContent).toBe("p99 latency (ms)");
  });
});

describe("time-series renderer", () => {
  it("draws one trace per series, the facts and a range slider", async () => {
    const r = create<TimeseriesRenderer>(timeseriesRendererFactory, MIME_TIMESERIES);
    await r.renderModel(new MimeModel({ data: { [MIME_TIMESERIES]: syntheticTimeseries(500) as never } }));
    expect(traces(r).length).toBe(6); // 3 in the plot, drawn again in the range slider
    expect(r.plotNode.querySelectorAll(".rangeslider-container .trace").length).toBe(3);
    expect([...r.node.querySelectorAll(".greenai-facts dt")].map((d) => d.textContent)).toEqual(["energy (kJ)", "node"]);
    expect(r.status.textContent).toContain("3 series · 1500 samples · 1500 points drawn");
  });

  it("re-decimates when the range changes", async () => {
    const r = create<TimeseriesRenderer>(timeseriesRendererFactory, MIME_TIMESERIES);
    await r.renderModel(new MimeModel({ data: { [MIME_TIMESERIES]: syntheticTimeseries(10_000) as never } }));
    expect(r.last?.pointsDrawn).toBeLessThanOrEqual(3 * 4000);
    const t0 = Date.UTC(2024, 0, 1);
    await r.setRange([t0, t0 + 100_000]);
    const x = (r.plotNode as unknown as { data: { x: number[] }[] }).data[0].x;
    expect(x.filter((t) => t >= t0 && t <= t0 + 100_000).length).toBe(101); // every sample of the window
  });
});
