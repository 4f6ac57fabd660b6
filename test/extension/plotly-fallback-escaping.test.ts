/**
 * The kernel's Plotly fallback (`application/vnd.plotly.v1+json`, what VS Code and plain
 * Jupyter draw) escapes every text it takes from data (issue 15, item 7): a payload whose ids,
 * titles, pool, series and score names hold markup is drawn by real plotly.js, and neither a link
 * nor bold text comes out; the markup shows literally. (jsdom: no WebGL, so fallbacks are drawn
 * with `scatter` in place of `scattergl`; the texts are the same.)
 */
import type { RibbonPayload, TimeseriesPayload, TpePayload } from "greenai-common";
import { plotlyText } from "greenai-common";
import { ribbonPlotly } from "../../kernel/src/display/ribbon";
import { timeseriesPlotly } from "../../kernel/src/display/timeseries";
import { energyCurveFigure, sweepFigure } from "../../kernel/src/display/tpe";
import { presentTune } from "../../kernel/src/magics/energy-tune";
import { comparisonPlotly } from "../../kernel/src/magics/energy-plan";
import type { TuneResult } from "../../kernel/src/energy/tune";
import { plotlyText as extensionPlotlyText } from "../../extension/src/figures/format";
import { smallRibbon, smallTpe, syntheticTimeseries } from "./fixtures";

const EVIL = '<a href="javascript:alert(1)">x</a><b>y</b>';

type Plotly = { newPlot(el: HTMLElement, data: unknown[], layout: object, config?: object): Promise<unknown>; purge(el: HTMLElement): void };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Plotly: Plotly = require("plotly.js-gl2d-dist-min");

/** Draws a fallback figure (scattergl as scatter: no WebGL in jsdom) and returns its SVG root. */
async function draw(fig: { data: unknown[]; layout: object }): Promise<HTMLElement> {
  const el = document.createElement("div");
  document.body.appendChild(el);
  const data = fig.data.map((t) => ({ ...(t as object), type: (t as { type?: string }).type === "scattergl" ? "scatter" : (t as { type?: string }).type }));
  await Plotly.newPlot(el, data, { ...fig.layout, width: 600, height: 400, showlegend: true }, { displayModeBar: false });
  return el;
}

/** No markup came alive: no link element, no bold span; the markup's text shows literally. */
function expectLiteral(el: HTMLElement, where: string): void {
  expect(el.querySelectorAll("svg a").length).toBe(0);
  const bold = [...el.querySelectorAll("tspan")].filter((t) => /font-weight:\s*bold/.test(t.getAttribute("style") ?? ""));
  expect(bold).toHaveLength(0);
  const texts = [...el.querySelectorAll(where)].map((n) => n.textContent ?? "");
  expect(texts.some((t) => t.includes(EVIL))).toBe(true);
}

afterEach(() => {
  for (const el of [...document.body.children]) {
    Plotly.purge(el as HTMLElement);
    el.remove();
  }
});

describe("Plotly fallback escaping", () => {
  it("one escaper: the extension's figures use greenai-common's", () => {
    expect(extensionPlotlyText).toBe(plotlyText);
    expect(plotlyText(EVIL)).toBe("&lt;a href=\"javascript:alert(1)\"&gt;x&lt;/a&gt;&lt;b&gt;y&lt;/b&gt;");
    expect(plotlyText("a & b")).toBe("a &amp; b");
  });

  it("unescaped, plotly.js would make a link and bold text of it (the test can fail)", async () => {
    const el = await draw({ data: [{ type: "scatter", x: [1], y: [1], name: EVIL }], layout: { title: { text: EVIL } } });
    expect(el.querySelectorAll("svg a").length).toBeGreaterThan(0);
    expect([...el.querySelectorAll("tspan")].some((t) => /font-weight:\s*bold/.test(t.getAttribute("style") ?? ""))).toBe(true);
  });

  it("RIBBON: title, method and instance types (hover texts of the pools)", async () => {
    const p: RibbonPayload = { ...smallRibbon(), title: EVIL, instance_types: [EVIL, "b"] };
    const fig = ribbonPlotly(p);
    const el = await draw(fig);
    expectLiteral(el, ".gtitle");
    for (const t of fig.data as { text?: string[] }[]) for (const s of t.text ?? []) expect(s).not.toMatch(/<a |<b>/);
  });

  it("RIBBON whole grid: the headline under the title", async () => {
    const r = smallRibbon();
    const p: RibbonPayload = { ...r, title: EVIL, method: "exhaustive", stop_reason: "complete", evaluations: [], grid: r.evaluations.map(({ pool, price_per_hour, rate }) => ({ pool, price_per_hour, rate })) } as RibbonPayload;
    const el = await draw(ribbonPlotly(p));
    expectLiteral(el, ".gtitle");
  });

  it("TPE: title, kept trial ids (legend) and the energy unit", async () => {
    const base = smallTpe();
    const ids = new Map(base.trials.map((t) => [t.id, `${EVIL}${t.id}`]));
    const p: TpePayload = {
      ...base,
      title: EVIL,
      energy: { ...base.energy, unit: EVIL as TpePayload["energy"]["unit"] },
      trials: base.trials.map((t) => ({ ...t, id: ids.get(t.id)! })),
      decision: { ...base.decision, kept: base.decision.kept.map((k) => ids.get(k)!), true_best_id: ids.get(base.decision.true_best_id ?? "") ?? null } as TpePayload["decision"],
    };
    const el = await draw(energyCurveFigure(p));
    expectLiteral(el, ".gtitle");
    expectLiteral(el, ".legendtext");
    expectLiteral(el, ".g-xtitle");
  });

  it("TPE sweep: score names (legend and hover text)", async () => {
    const p = { ...smallTpe(), title: EVIL };
    const points = [{ score: EVIL, budget_fraction: 0.25, keep: 1, energy_saved_fraction: 0.5, regret: 0.1, spearman: 0.9, pareto: true }];
    const fig = sweepFigure(p, points as never);
    const el = await draw(fig);
    expectLiteral(el, ".legendtext");
    expect((fig.data[0] as { text: string[] }).text[0]).toContain(plotlyText(EVIL));
  });

  it("time series: title and series names (legend)", async () => {
    const base = syntheticTimeseries(20);
    const p: TimeseriesPayload = { ...base, title: EVIL, series: base.series.map((s) => ({ ...s, name: `${EVIL} ${s.name}` })) };
    const el = await draw(timeseriesPlotly(p));
    expectLiteral(el, ".gtitle");
    expectLiteral(el, ".legendtext");
  });
  it("%energy tune: the title (it names the job)", async () => {
    const point = (w: number, probed: boolean) => ({ power_limit: w, probed, time_per_epoch: 10, time_sd: 0, average_power: w * 0.9, power_sd: 0, energy_per_epoch: 9 * w, energy_sd: 0, objective: 9 * w, p_within_bound: 1 });
    const r: TuneResult = {
      power_limit: 200, probes: [{ power_limit: 250, time_per_epoch: 10, average_power: 225 }, { power_limit: 200, time_per_epoch: 10, average_power: 180 }],
      predicted: [point(200, true), point(250, true)], saved_fraction: 0.2, slowdown: 0, probes_used: 2, objective: "energy", eta: 1, max_slowdown: null, prior_curves: 1, matched_curves: 0, stopped: "max-probes",
    };
    const fig = presentTune(r, [], EVIL).bundle.data["application/vnd.plotly.v1+json"] as { data: unknown[]; layout: object };
    expectLiteral(await draw(fig), ".gtitle");
  });

  it("%energy compare: GPU names (legend) and job names (axis ticks)", async () => {
    const at = (gpu: string) => ({ gpu, power_limit: 200, energy_per_epoch: 1000, time_per_epoch: 5, dollars_per_epoch: null });
    const fig = comparisonPlotly({ objective: "energy", gpus: [EVIL, "P100"], rows: [{ workload: EVIL, gpus: [at(EVIL), at("P100")], pick: "P100", margin: 0, runner_up: EVIL }] });
    const el = await draw(fig);
    expectLiteral(el, ".legendtext");
    expectLiteral(el, ".xtick");
  });
});
