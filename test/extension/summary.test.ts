import { MIME_RIBBON, MIME_TIMESERIES, MIME_TPE } from "greenai-common";
import { SummaryPanel } from "../../extension/src/panel";
import { energyLine, summarizeNotebook, type CellOutputs } from "../../extension/src/summary";
import { smallRibbon, smallTpe, syntheticTimeseries } from "./fixtures";

function notebook(): CellOutputs[] {
  return [
    { index: 0, outputs: [] },
    { index: 2, outputs: [{ data: { "text/plain": "hello" } }, { data: { [MIME_TPE]: smallTpe(), "text/html": "<table></table>", "text/plain": "tpe" } }] },
    { index: 3, outputs: [{ data: { [MIME_TPE]: JSON.stringify(smallTpe()) } }] },
    { index: 5, outputs: [{ data: { [MIME_RIBBON]: smallRibbon() } }] },
    { index: 6, outputs: [{ data: { [MIME_TIMESERIES]: syntheticTimeseries(10) } }] },
    { index: 7, outputs: [{ data: { "application/vnd.greenai.table+json": { schema_version: 1, title: "jobs.csv", rows: [[1], [2], [3]] } } }] },
    { index: 8, outputs: [{ data: { "application/vnd.greenai.energy+json": { schema_version: 1, title: "cell energy", energy_j: 1234.5 } } }] },
    { index: 9, outputs: [{ data: { [MIME_RIBBON]: { schema_version: 7 } } }] },
  ];
}

describe("summarizeNotebook", () => {
  const s = summarizeNotebook(notebook());

  it("lists every greenai output with its cell and output index", () => {
    expect(s.items.map((i) => [i.kind, i.cell, i.output])).toEqual([
      ["tpe", 2, 1],
      ["tpe", 3, 0],
      ["ribbon", 5, 0],
      ["timeseries", 6, 0],
      ["table", 7, 0],
      ["energy", 8, 0],
      ["ribbon", 9, 0],
    ]);
  });

  it("adds up TPE energy per unit (two runs of 18 J, 4 J saved each)", () => {
    expect(s.energy).toEqual([{ unit: "J", measured: false, used: 28, all: 36, saved: 8, runs: 2 }]);
    expect(energyLine(s.energy[0])).toBe("TPE saved 8 J of 36 J (22.2%) in 2 runs, estimated");
    expect(s.items[0].lines[0]).toBe("energy saved 22.2% (4 J of 18 J, estimated)");
  });

  it("states the CO₂e a result carries beside its energy, with the intensity used", () => {
    const tpe = smallTpe();
    const ts = syntheticTimeseries(10);
    const c = summarizeNotebook([
      { index: 0, outputs: [{ data: { [MIME_TPE]: { ...tpe, energy: { ...tpe.energy, carbon: { carbon_g: 1.5, g_per_kwh: 56, intensity: "FR 2023" } } } } }] },
      { index: 1, outputs: [{ data: { [MIME_TIMESERIES]: { ...ts, carbon: { carbon_g: 2500, g_per_kwh: 483.18, intensity: "WORLD 2023 average, no region set" } } } }] },
    ]);
    expect(c.items[0].lines).toContain("CO₂e of the energy used: 1.5 g CO₂e (FR 2023, 56 g/kWh)");
    expect(c.items[1].lines).toContain("CO₂e of the job's energy: 2.5 kg CO₂e (WORLD 2023 average, no region set, 483 g/kWh)");
    expect(s.items[0].lines.some((l) => l.includes("CO₂e"))).toBe(false);
  });

  it("lists energies that jobs measured", () => {
    expect(s.measured).toEqual([{ cell: 6, output: 0, title: "synthetic job", label: "energy (kJ)", value: 123.456 }]);
  });

  it("lists the pools chosen with their cost", () => {
    expect(s.pools).toEqual([{ cell: 5, output: 0, model: "toy", pool: "1× b", pricePerHour: 3, rate: 99.5 }]);
  });

  it("lists the data sets loaded", () => {
    expect(s.datasets.map((d) => [d.title, d.detail])).toEqual([
      ["synthetic job", "job 42: 3 series, 30 samples"],
      ["jobs.csv", "3 rows"],
    ]);
  });

  it("reads energy fields of kinds it does not know", () => {
    expect(s.items[5].lines).toEqual(["energy j: 1235"]);
  });

  it("lists unreadable payloads instead of throwing", () => {
    expect(s.items[6].title).toBe("unreadable RIBBON output");
    expect(s.items[6].lines[0]).toContain("schema_version 7");
  });

  it("gives an empty summary for a notebook without greenai outputs", () => {
    expect(summarizeNotebook([{ index: 0, outputs: [{ data: { "text/plain": "1" } }] }])).toEqual({ items: [], energy: [], measured: [], pools: [], datasets: [] });
  });
});

describe("SummaryPanel", () => {
  it("shows sections and links that jump to outputs", () => {
    const panel = new SummaryPanel();
    const jumps: [number, number][] = [];
    panel.showSummary("tour.ipynb", summarizeNotebook(notebook()), (c, o) => jumps.push([c, o]));
    const n = panel.node;
    expect(n.querySelector(".greenai-summary-title")?.textContent).toBe("greenai · tour.ipynb");
    expect(n.querySelectorAll(".greenai-summary-energy li").length).toBe(2); // TPE total + one measured job
    expect(n.querySelector(".greenai-summary-measured")?.textContent).toContain("synthetic job: energy (kJ) 123.5 (measured)");
    expect(n.querySelector(".greenai-summary-pools li")?.textContent).toContain("toy: 1× b at $3.000/h");
    expect(n.querySelectorAll(".greenai-summary-datasets li").length).toBe(2);
    expect(n.querySelectorAll(".greenai-summary-item").length).toBe(7);
    const link = n.querySelector<HTMLAnchorElement>(".greenai-summary-ribbon .greenai-summary-link")!;
    expect(link.textContent).toBe("cell 6");
    link.click();
    expect(jumps).toEqual([[5, 0]]);
  });

  it("says what to do when there is nothing to show", () => {
    const panel = new SummaryPanel();
    expect(panel.node.textContent).toContain("Open a notebook");
    panel.showSummary("empty.ipynb", summarizeNotebook([]));
    expect(panel.node.textContent).toContain("No greenai results in this notebook yet");
  });

  it("never renders payload text as markup", () => {
    const panel = new SummaryPanel();
    const tpe = { ...smallTpe(), title: "<img src=x onerror=alert(1)>" };
    panel.showSummary("x", summarizeNotebook([{ index: 0, outputs: [{ data: { [MIME_TPE]: tpe } }] }]));
    expect(panel.node.querySelector("img")).toBeNull();
    expect(panel.node.textContent).toContain("<img src=x onerror=alert(1)>");
  });
});
