/**
 * The kernel's cell-energy output in JupyterLab (issue 14): its renderer draws the under-cell line's
 * text (never the HTML), wins over the table fallback, and a cell that has such an output gets no
 * second line from its metadata.
 */
import type { NotebookModel } from "@jupyterlab/notebook";
import { MimeModel, RenderMimeRegistry, standardRendererFactories } from "@jupyterlab/rendermime";
import type { ICodeCellModel } from "@jupyterlab/cells";
import { Widget } from "@lumino/widgets";
import { MIME_CELL_ENERGY } from "greenai-common";
import { CELL_ENERGY_CLASS, CELL_ENERGY_OUTPUT_CLASS, CellEnergyRenderer, CellEnergyTracker, hasCellEnergyOutput } from "../../extension/src/cell-energy";
import extensions, { cellEnergyRendererFactory, GREENAI_RANK } from "../../extension/src/mime";
import { SAMPLE_CELL_ENERGY } from "../helpers/cell-energy-sample";
import { fakeNotebookPanel, muteYjsNoise, notebookOf } from "./notebook-fixtures";

const energy = (over: Record<string, unknown> = {}) => ({ ...SAMPLE_CELL_ENERGY, ...over });

/** The display_data the kernel sends with `%energy meter --cell-output on`. */
const output = (e = energy()) => ({
  output_type: "display_data",
  data: { [MIME_CELL_ENERGY]: e, "text/html": "<table><tr><td>12.4 kJ</td></tr></table>", "text/plain": "12.4 kJ · 41 s · 302 W avg (GPU 0, nvidia-smi)" },
  metadata: {},
});

muteYjsNoise();

async function rendered(data: unknown): Promise<CellEnergyRenderer> {
  const r = cellEnergyRendererFactory.createRenderer({ mimeType: MIME_CELL_ENERGY, sanitizer: { sanitize: (s: string) => s }, resolver: null, linkHandler: null, latexTypesetter: null }) as CellEnergyRenderer;
  Widget.attach(r, document.body);
  await r.renderModel(new MimeModel({ data: { [MIME_CELL_ENERGY]: data as never } }));
  return r;
}

describe("CellEnergyRenderer", () => {
  afterEach(() => (document.body.innerHTML = ""));

  it("draws the same line as under a cell, with the same classes", async () => {
    const r = await rendered(energy({ carbon_g: 1.64 }));
    expect(r.node.textContent).toBe("12.4 kJ · 41 s · 302 W avg · 1.6 g CO₂e (GPU 0, nvidia-smi)");
    expect(r.node.classList.contains(CELL_ENERGY_CLASS)).toBe(true);
    expect(r.node.classList.contains(CELL_ENERGY_OUTPUT_CLASS)).toBe(true);
    expect(r.node.classList.contains("greenai-estimate")).toBe(false);
    expect(r.node.dataset.joules).toBe("12400");
    r.dispose();
  });

  it("marks an estimate, shows a hostile device name as text, and says when the record is unreadable", async () => {
    const evil = `<img src=x onerror="alert(1)">`;
    const r = await rendered(energy({ source: "estimate", estimate: true, devices: [evil] }));
    expect(r.node.classList.contains("greenai-estimate")).toBe(true);
    expect(r.node.querySelector("img")).toBeNull();
    expect(r.node.textContent).toContain(evil);
    expect(r.node.title).toMatch(/an estimate from a power model/);
    await r.renderModel(new MimeModel({ data: { [MIME_CELL_ENERGY]: { joules: "a lot" } as never } }));
    expect(r.node.textContent).toMatch(/could not be read/);
    expect(r.node.classList.contains("greenai-estimate")).toBe(false);
    r.dispose();
  });

  it("is registered safe at greenai's rank and wins over the HTML table and the text", () => {
    expect(cellEnergyRendererFactory).toMatchObject({ safe: true, defaultRank: GREENAI_RANK, mimeTypes: [MIME_CELL_ENERGY] });
    expect(extensions.find((e) => e.rendererFactory === cellEnergyRendererFactory)?.rank).toBe(GREENAI_RANK);
    const registry = new RenderMimeRegistry({ initialFactories: standardRendererFactories });
    for (const e of extensions) registry.addFactory(e.rendererFactory, e.rank);
    expect(registry.preferredMimeType(output().data, "any")).toBe(MIME_CELL_ENERGY);
  });
});

describe("one line per cell: a cell with a cell-energy output gets no line from its metadata", () => {
  const notebook = () =>
    notebookOf([
      { cell_type: "code", source: "1 + 1", id: "cell-a", metadata: { greenai: { energy: energy() } }, outputs: [], execution_count: null },
      { cell_type: "code", source: "2 + 2", id: "cell-b", metadata: { greenai: { energy: energy({ joules: 500 }) } }, outputs: [output()], execution_count: null },
      { cell_type: "markdown", source: "text", id: "md", metadata: {} },
    ]);
  const fakePanel = () => fakeNotebookPanel(notebook());
  const settle = () => new Promise((r) => setTimeout(r, 5));
  const line = (node: HTMLElement) => node.querySelector(`.${CELL_ENERGY_CLASS}`);
  const outputsOf = (model: NotebookModel, i: number) => (model.cells.get(i) as ICodeCellModel).outputs;

  it("hasCellEnergyOutput looks for the vendor type among the outputs", () => {
    const model = notebook();
    expect(hasCellEnergyOutput(outputsOf(model, 0))).toBe(false);
    expect(hasCellEnergyOutput(outputsOf(model, 1))).toBe(true);
    expect(hasCellEnergyOutput(null)).toBe(false);
  });

  it("draws no line on a cell with the output; the line follows the output as it comes and goes", async () => {
    const { panel, widgets, model } = fakePanel();
    const tracker = new CellEnergyTracker(panel as never, true);
    await settle();
    expect(line(widgets[0].node)?.textContent).toBe("12.4 kJ · 41 s · 302 W avg (GPU 0, nvidia-smi)");
    expect(line(widgets[1].node)).toBeNull();
    expect(line(widgets[2].node)).toBeNull();

    // cell a is run with --cell-output on: its output arrives, its line goes
    outputsOf(model, 0).add(output() as never);
    await settle();
    expect(line(widgets[0].node)).toBeNull();
    // cell b's outputs are cleared (re-run with the output off): its metadata line comes back
    outputsOf(model, 1).clear();
    await settle();
    expect(line(widgets[1].node)?.textContent).toBe("500 J · 41 s · 12 W avg (GPU 0, nvidia-smi)");
    tracker.dispose();
  });
});
