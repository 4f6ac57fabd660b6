import { CELL_ENERGY_CLASS, CellEnergyTracker, energyOfReply, parseReplyEnergy, readCellEnergy, recordReplyEnergy, renderCellEnergy, RequestCells, type MessageLike } from "../../extension/src/cell-energy";
import { SAMPLE_CELL_ENERGY } from "../helpers/cell-energy-sample";
import { fakeNotebookPanel, muteYjsNoise, notebookOf } from "./notebook-fixtures";

/** What the greenai kernel puts in an execute_reply's metadata (the protocol of issue 14). */
const energy = (over: Record<string, unknown> = {}) => ({ ...SAMPLE_CELL_ENERGY, cell_id: "cell-b", ...over });

const reply = (metadata: Record<string, unknown>, parent = "req-1"): MessageLike => ({
  header: { msg_type: "execute_reply", msg_id: "rep-1" },
  parent_header: { msg_id: parent },
  metadata,
  content: { status: "ok", execution_count: 3 },
});

muteYjsNoise();

const notebook = () =>
  notebookOf([
    { cell_type: "code", source: "1 + 1", id: "cell-a", metadata: {}, outputs: [], execution_count: null },
    { cell_type: "code", source: "%sleep 1", id: "cell-b", metadata: { greenai: { note: "kept" }, tags: ["x"] }, outputs: [], execution_count: null },
  ]);

describe("parseReplyEnergy", () => {
  it("reads the protocol's fields", () => {
    expect(parseReplyEnergy(energy())).toEqual(energy());
  });
  it.each([
    ["not an object", 42],
    ["negative joules", energy({ joules: -1 })],
    ["NaN seconds", energy({ seconds: NaN })],
    ["an unknown source", energy({ source: "guess" })],
    ["devices not strings", energy({ devices: [0] })],
    ["no start time", energy({ started: undefined })],
  ])("rejects %s (null, no throw)", (_, x) => expect(parseReplyEnergy(x)).toBeNull());
  it("an estimate source is an estimate whatever the flag says", () => {
    expect(parseReplyEnergy(energy({ source: "estimate", estimate: false }))?.estimate).toBe(true);
  });
});

describe("recordReplyEnergy: metadata greenai.energy from a fake execute_reply", () => {
  it("writes {joules, seconds, source, devices, started} into the cell named by cell_id, keeping other greenai keys", () => {
    const model = notebook();
    const cell = recordReplyEnergy(model, reply({ greenai_energy: energy() }));
    expect(cell?.id).toBe("cell-b");
    expect(model.cells.get(1).getMetadata("greenai")).toEqual({
      note: "kept",
      energy: { joules: 12400, seconds: 41.06, source: "nvidia-smi", devices: ["GPU 0"], started: "2026-12-03T08:00:00.000Z" },
    });
    expect(model.cells.get(1).getMetadata("tags")).toEqual(["x"]);
    expect(model.cells.get(0).getMetadata("greenai")).toBeUndefined();
    // The saved notebook (nbformat JSON) carries it.
    const saved = model.toJSON();
    expect((saved.cells[1].metadata as Record<string, any>).greenai.energy.joules).toBe(12400);
  });

  it("keeps carbon_g and marks a non-estimate source the meter called an estimate", () => {
    const model = notebook();
    recordReplyEnergy(model, reply({ greenai_energy: energy({ source: "rapl", estimate: true, carbon_g: 0.52, cell_id: "cell-a" }) }));
    expect(readCellEnergy(model.cells.get(0).getMetadata("greenai"))).toMatchObject({ source: "rapl", estimate: true, carbon_g: 0.52 });
  });

  it("finds the cell from the request's metadata.cellId when the reply has no cell_id", () => {
    const model = notebook();
    const requests = new RequestCells();
    requests.sent({ header: { msg_type: "execute_request", msg_id: "req-9" }, metadata: { cellId: "cell-a" } });
    const cell = recordReplyEnergy(model, reply({ greenai_energy: energy({ cell_id: undefined }) }, "req-9"), requests);
    expect(cell?.id).toBe("cell-a");
    expect(readCellEnergy(model.cells.get(0).getMetadata("greenai"))?.joules).toBe(12400);
  });

  it("writes nothing for a reply without energy (meter off, another kernel), another message type, or an unknown cell", () => {
    const model = notebook();
    expect(recordReplyEnergy(model, reply({}))).toBeNull();
    expect(recordReplyEnergy(model, { ...reply({ greenai_energy: energy() }), header: { msg_type: "kernel_info_reply" } })).toBeNull();
    expect(recordReplyEnergy(model, reply({ greenai_energy: energy({ cell_id: "gone" }) }))).toBeNull();
    expect(recordReplyEnergy(model, reply({ greenai_energy: "junk" }))).toBeNull();
    expect(model.cells.get(0).getMetadata("greenai")).toBeUndefined();
    expect(model.cells.get(1).getMetadata("greenai")).toEqual({ note: "kept" });
  });

  it("energyOfReply forgets a request once answered; the map is bounded", () => {
    const requests = new RequestCells(2);
    for (const id of ["r1", "r2", "r3"]) requests.sent({ header: { msg_type: "execute_request", msg_id: id }, metadata: { cellId: `c-${id}` } });
    const e = energy({ cell_id: undefined });
    expect(energyOfReply(reply({ greenai_energy: e }, "r1"), requests)?.cellId).toBeNull(); // evicted
    expect(energyOfReply(reply({ greenai_energy: e }, "r3"), requests)?.cellId).toBe("c-r3");
    expect(energyOfReply(reply({ greenai_energy: e }, "r3"), requests)?.cellId).toBeNull(); // taken
  });
});

describe("renderCellEnergy", () => {
  const record = { joules: 12400, seconds: 41.06, source: "nvidia-smi", devices: ["GPU 0"], started: "2026-12-03T08:00:00.000Z" };

  it("draws one line at the end of the cell and updates it in place", () => {
    const cell = document.createElement("div");
    cell.append(document.createElement("div"));
    const line = renderCellEnergy(cell, record);
    expect(cell.lastElementChild).toBe(line);
    expect(line?.className).toBe(CELL_ENERGY_CLASS);
    expect(line?.textContent).toBe("12.4 kJ · 41 s · 302 W avg (GPU 0, nvidia-smi)");
    renderCellEnergy(cell, { ...record, joules: 500, seconds: 2 });
    expect(cell.querySelectorAll(`.${CELL_ENERGY_CLASS}`)).toHaveLength(1);
    expect(cell.lastElementChild?.textContent).toBe("500 J · 2 s · 250 W avg (GPU 0, nvidia-smi)");
  });

  it("marks an estimate, and removes the line when the setting is off or the energy is gone", () => {
    const cell = document.createElement("div");
    const line = renderCellEnergy(cell, { ...record, source: "estimate", devices: ["CPU"] });
    expect(line?.classList.contains("greenai-estimate")).toBe(true);
    expect(line?.textContent).toContain("(CPU, estimate)");
    expect(renderCellEnergy(cell, record, false)).toBeNull();
    expect(cell.children).toHaveLength(0);
    renderCellEnergy(cell, record);
    renderCellEnergy(cell, null);
    expect(cell.children).toHaveLength(0);
  });
});

describe("CellEnergyTracker on a fake notebook panel", () => {
  /** Just what the tracker touches: session kernel signals, context.ready, model, cell widgets. */
  const fakePanel = () => fakeNotebookPanel<{ msg: MessageLike; direction: "send" | "recv" }>(notebook());
  const settle = () => new Promise((r) => setTimeout(r, 5));

  it("a reply's energy lands in the metadata and under its cell; the setting hides it; another kernel's replies do nothing", async () => {
    const { panel, kernel, widgets, model } = fakePanel();
    const tracker = new CellEnergyTracker(panel as never, true);
    await settle();
    kernel.anyMessage.emit({ direction: "send", msg: { header: { msg_type: "execute_request", msg_id: "req-1" }, metadata: { cellId: "cell-a" } } });
    kernel.anyMessage.emit({ direction: "recv", msg: reply({ greenai_energy: energy({ cell_id: undefined }) }) });
    await settle();
    expect(readCellEnergy(model.cells.get(0).getMetadata("greenai"))?.joules).toBe(12400);
    expect(widgets[0].node.querySelector(`.${CELL_ENERGY_CLASS}`)?.textContent).toBe("12.4 kJ · 41 s · 302 W avg (GPU 0, nvidia-smi)");
    expect(widgets[1].node.querySelector(`.${CELL_ENERGY_CLASS}`)).toBeNull();

    kernel.anyMessage.emit({ direction: "recv", msg: reply({}) }); // a kernel without a meter
    await settle();
    expect(widgets[1].node.children).toHaveLength(0);

    tracker.setShow(false);
    await settle();
    expect(widgets[0].node.querySelector(`.${CELL_ENERGY_CLASS}`)).toBeNull();
    expect(readCellEnergy(model.cells.get(0).getMetadata("greenai"))).not.toBeNull();
    tracker.setShow(true);
    await settle();
    expect(widgets[0].node.querySelector(`.${CELL_ENERGY_CLASS}`)).not.toBeNull();

    tracker.dispose();
    kernel.anyMessage.emit({ direction: "recv", msg: reply({ greenai_energy: energy() }) });
    expect(model.cells.get(1).getMetadata("greenai")).toEqual({ note: "kept" });
  });

  it("draws the lines of a notebook opened with energies in its metadata", async () => {
    const { panel, widgets, model } = fakePanel();
    model.cells.get(1).setMetadata("greenai", { energy: energy({ source: "estimate", devices: ["cpu"] }) });
    new CellEnergyTracker(panel as never, true);
    await settle();
    expect(widgets[1].node.textContent).toBe("12.4 kJ · 41 s · 302 W avg (cpu, estimate)");
  });
});
