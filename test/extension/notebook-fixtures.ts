/** A notebook model and a stand-in NotebookPanel for the cell-energy tests (no Lab, jsdom only). */
import { NotebookModel } from "@jupyterlab/notebook";
import { Signal } from "@lumino/signaling";

/** yjs warns on every cell a NotebookModel builds outside a collaborative document: mute only that noise in this test file. */
export function muteYjsNoise(): void {
  const warn = console.warn.bind(console);
  const noise = /Invalid access: Add Yjs type|yjs#509|Clipboard API not available/;
  beforeAll(() => jest.spyOn(console, "warn").mockImplementation((...args: unknown[]) => (noise.test(String(args[0])) ? undefined : warn(...args))));
  afterAll(() => jest.restoreAllMocks());
}

/** A notebook model holding `cells` (nbformat 4.5). */
export function notebookOf(cells: unknown[]): NotebookModel {
  const model = new NotebookModel();
  model.fromJSON({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells } as unknown as Parameters<NotebookModel["fromJSON"]>[0]);
  return model;
}

/** What CellEnergyTracker reads of a NotebookPanel: the model, one widget (model + node) per cell, the kernel's messages. */
export function fakeNotebookPanel<M>(model: NotebookModel) {
  const kernel = { anyMessage: new Signal<unknown, M>({}) };
  const widgets = Array.from({ length: model.cells.length }, (_, i) => ({ model: model.cells.get(i), node: document.createElement("div") }));
  const panel = {
    model,
    content: { widgets },
    context: { ready: Promise.resolve() },
    sessionContext: { session: { kernel }, kernelChanged: new Signal<unknown, unknown>({}) },
    disposed: new Signal<unknown, void>({}),
  };
  return { panel, kernel, widgets, model };
}
