/**
 * Energy per cell (issue 14): the greenai kernel puts `greenai_energy` in the metadata of each
 * execute_reply; this stores it in the cell's metadata under `greenai.energy` and draws one line
 * under the cell from that metadata (so a reopened notebook shows it too), in the manner of
 * jupyterlab-execute-time. Parsing and metadata writing are pure enough to test without a Lab.
 *
 * The kernel's opt-in cell-energy output (`%energy meter --cell-output on`) carries the same
 * record as an output, for nbconvert, GitHub and headless runs; here CellEnergyRenderer draws it as
 * the same line, and a cell with such an output gets no line under it (one line per cell). The
 * renderer rather than the under-cell line draws then, because a notebook run headless has the
 * output but no `greenai.energy` metadata (only this extension writes it).
 */
import type { ICellModel, ICodeCellModel } from "@jupyterlab/cells";
import type { INotebookModel, NotebookPanel } from "@jupyterlab/notebook";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import type { Kernel, KernelMessage } from "@jupyterlab/services";
import { Widget } from "@lumino/widgets";
import { isNum, isObj, LIVE_SOURCES, MIME_CELL_ENERGY, type CellEnergyPayload, type LiveSource } from "greenai-common";
import { cellEnergyText, type CellEnergy } from "./figures/format";

export type { CellEnergy } from "./figures/format";

/** The key of an execute_reply's message metadata the kernel writes (the protocol). */
export const REPLY_ENERGY_KEY = "greenai_energy";
/** The cell metadata key; the record lives under `greenai.energy`. */
export const CELL_METADATA_KEY = "greenai";
/** Class of the line drawn under a cell (and of the cell-energy output, which looks the same). */
export const CELL_ENERGY_CLASS = "greenai-cell-energy";
/** Extra class of the cell-energy output's line. */
export const CELL_ENERGY_OUTPUT_CLASS = "greenai-cell-energy-output";

const SOURCES = new Set<unknown>(LIVE_SOURCES);

/** The `greenai_energy` object of an execute_reply, as the kernel sends it (greenai-common's wire type). */
export type ReplyEnergy = CellEnergyPayload;

/** Reads a reply's `greenai_energy`; null when it is absent or malformed (never throws). */
export function parseReplyEnergy(x: unknown): ReplyEnergy | null {
  if (!isObj(x)) return null;
  const { joules, seconds, average_w, source, estimate, devices, started, cell_id, carbon_g } = x;
  if (!isNum(joules) || joules < 0 || !isNum(seconds) || seconds < 0) return null;
  if (!SOURCES.has(source)) return null;
  if (!Array.isArray(devices) || !devices.every((d) => typeof d === "string")) return null;
  if (typeof started !== "string") return null;
  return {
    joules,
    seconds,
    average_w: isNum(average_w) ? average_w : seconds > 0 ? joules / seconds : 0,
    source: source as LiveSource,
    estimate: estimate === true || source === "estimate",
    devices: devices as string[],
    started,
    ...(typeof cell_id === "string" && cell_id ? { cell_id } : {}),
    ...(isNum(carbon_g) ? { carbon_g } : {}),
  };
}

/** The record stored in a cell's metadata: `{joules, seconds, source, devices, started, carbon_g?}`. */
export function cellEnergyFromReply(r: ReplyEnergy): CellEnergy {
  const e: CellEnergy = { joules: r.joules, seconds: r.seconds, source: r.source, devices: [...r.devices], started: r.started };
  if (r.estimate && r.source !== "estimate") e.estimate = true;
  if (r.carbon_g !== undefined) e.carbon_g = r.carbon_g;
  return e;
}

/** Reads `greenai.energy` from a cell's `greenai` metadata value; null when absent or malformed. */
export function readCellEnergy(greenai: unknown): CellEnergy | null {
  if (!isObj(greenai)) return null;
  const r = parseReplyEnergy(greenai.energy);
  return r ? cellEnergyFromReply(r) : null;
}

/** The parts of a kernel message this module reads (a KernelMessage.IMessage fits). */
export interface MessageLike {
  header: { msg_type: string; msg_id?: string };
  parent_header?: { msg_id?: string } | Record<string, never>;
  metadata?: unknown;
  content?: unknown;
}

/**
 * Remembers which cell each execute_request came from (JupyterLab 4 sends `metadata.cellId`),
 * so a reply without `cell_id` still finds its cell. Bounded: old requests are forgotten.
 */
export class RequestCells {
  private readonly ids = new Map<string, string>();
  constructor(private readonly max = 1000) {}

  /** Notes an outgoing message; only execute_requests with a cellId are kept. */
  sent(msg: MessageLike): void {
    if (msg.header.msg_type !== "execute_request" || !msg.header.msg_id) return;
    const cellId = isObj(msg.metadata) ? msg.metadata.cellId : undefined;
    if (typeof cellId !== "string") return;
    this.ids.set(msg.header.msg_id, cellId);
    if (this.ids.size > this.max) this.ids.delete(this.ids.keys().next().value as string);
  }

  /** The cell of the request a reply answers (and forgets it). */
  take(reply: MessageLike): string | null {
    const id = (reply.parent_header as { msg_id?: string } | undefined)?.msg_id;
    if (!id) return null;
    const cell = this.ids.get(id) ?? null;
    this.ids.delete(id);
    return cell;
  }
}

/** A reply's energy and the id of its cell; null for any other message or one without energy. */
export function energyOfReply(msg: MessageLike, requests?: RequestCells): { cellId: string | null; energy: CellEnergy } | null {
  if (msg.header.msg_type !== "execute_reply") return null;
  const fromRequest = requests?.take(msg) ?? null;
  const r = parseReplyEnergy(isObj(msg.metadata) ? msg.metadata[REPLY_ENERGY_KEY] : undefined);
  if (!r) return null;
  return { cellId: r.cell_id ?? fromRequest, energy: cellEnergyFromReply(r) };
}

/**
 * Stores a reply's energy in its cell's metadata (`greenai.energy`, other `greenai` keys kept).
 * Returns the cell model written, or null when the message has no energy or no cell matches.
 */
export function recordReplyEnergy(model: INotebookModel, msg: MessageLike, requests?: RequestCells): ICellModel | null {
  const found = energyOfReply(msg, requests);
  if (!found || !found.cellId) return null;
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    if (cell.id !== found.cellId) continue;
    const old = cell.getMetadata(CELL_METADATA_KEY);
    cell.setMetadata(CELL_METADATA_KEY, { ...(isObj(old) ? old : {}), energy: found.energy });
    return cell;
  }
  return null;
}

/**
 * Draws (or updates, or removes) the energy line at the end of a cell's node: removed when
 * `energy` is null or `show` is false. Returns the line, or null when there is none.
 */
export function renderCellEnergy(cellNode: HTMLElement, energy: CellEnergy | null, show = true): HTMLElement | null {
  let line = cellNode.querySelector<HTMLElement>(`:scope > .${CELL_ENERGY_CLASS}`);
  if (!energy || !show) {
    line?.remove();
    return null;
  }
  if (!line) {
    line = document.createElement("div");
    line.className = CELL_ENERGY_CLASS;
    cellNode.appendChild(line);
  }
  fillEnergyLine(line, energy, "stored in the cell metadata under greenai.energy");
  return line;
}

/** Writes a cell's energy into a line element: its text, estimate mark and tooltip (`where`: where the record lives). */
function fillEnergyLine(line: HTMLElement, energy: CellEnergy, where: string): void {
  const text = cellEnergyText(energy);
  if (line.textContent !== text) line.textContent = text;
  const estimate = energy.source === "estimate" || energy.estimate === true;
  line.classList.toggle("greenai-estimate", estimate);
  line.dataset.joules = String(energy.joules);
  line.title = `greenai: energy of this cell's last run, started ${energy.started}${estimate ? " (an estimate from a power model, not a measurement)" : ""}; ${where}`;
}

/** The output models of a cell, as far as this module reads them (a code cell's IOutputAreaModel fits). */
interface OutputsLike {
  readonly length: number;
  get(i: number): { data: Record<string, unknown> };
}

function outputsOf(cell: ICellModel): (OutputsLike & Partial<Pick<ICodeCellModel["outputs"], "changed">>) | null {
  return cell.type === "code" ? (cell as ICodeCellModel).outputs : null;
}

/** Whether outputs hold a cell-energy output (the kernel's `--cell-output on`): then no line goes under the cell. */
export function hasCellEnergyOutput(outputs: OutputsLike | null | undefined): boolean {
  if (!outputs) return false;
  for (let i = 0; i < outputs.length; i++) if (MIME_CELL_ENERGY in outputs.get(i).data) return true;
  return false;
}

/** Renders the kernel's cell-energy output as the under-cell line (theme colours; text only, never HTML). */
export class CellEnergyRenderer extends Widget implements IRenderMime.IRenderer {
  constructor() {
    super();
    this.addClass(CELL_ENERGY_CLASS);
    this.addClass(CELL_ENERGY_OUTPUT_CLASS);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const r = parseReplyEnergy(model.data[MIME_CELL_ENERGY]);
    if (!r) {
      this.node.textContent = "greenai: this cell-energy output could not be read (expected joules, seconds, source, devices, started)";
      this.node.classList.remove("greenai-estimate");
      return;
    }
    fillEnergyLine(this.node, cellEnergyFromReply(r), "an output of the cell (%energy meter --cell-output on)");
  }
}

/**
 * Per notebook panel: records each execute_reply's energy in its cell and keeps the lines under
 * the cells in step with the metadata. Dispose to disconnect.
 */
export class CellEnergyTracker {
  private readonly requests = new RequestCells();
  private kernel: Kernel.IKernelConnection | null = null;
  private readonly dirty = new Set<ICellModel>();
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private watchedCells = new Set<ICellModel>();
  /** The outputs watched, to their cell: a cell-energy output arriving or cleared changes its line. */
  private watchedOutputs = new Map<unknown, ICellModel>();
  private disposed = false;

  constructor(
    private readonly panel: NotebookPanel,
    private show: boolean,
  ) {
    panel.sessionContext.kernelChanged.connect(this.onKernelChanged, this);
    this.setKernel(panel.sessionContext.session?.kernel ?? null);
    void panel.context.ready.then(() => {
      if (this.disposed) return;
      panel.model?.cells.changed.connect(this.onCellsChanged, this);
      this.watchCells();
      this.renderAll();
    });
    panel.disposed.connect(() => this.dispose());
  }

  /** Turns the lines on or off (the setting); the metadata is written either way. */
  setShow(show: boolean): void {
    this.show = show;
    this.renderAll();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.setKernel(null);
    this.panel.sessionContext.kernelChanged.disconnect(this.onKernelChanged, this);
    this.panel.model?.cells.changed.disconnect(this.onCellsChanged, this);
    for (const c of this.watchedCells) c.metadataChanged.disconnect(this.onMetadataChanged, this);
    for (const c of this.watchedCells) outputsOf(c)?.changed?.disconnect(this.onOutputsChanged, this);
    this.watchedCells.clear();
    this.watchedOutputs.clear();
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
  }

  private onKernelChanged(): void {
    this.setKernel(this.panel.sessionContext.session?.kernel ?? null);
  }

  private setKernel(kernel: Kernel.IKernelConnection | null): void {
    this.kernel?.anyMessage.disconnect(this.onAnyMessage, this);
    this.kernel = kernel;
    kernel?.anyMessage.connect(this.onAnyMessage, this);
  }

  private onAnyMessage(_: Kernel.IKernelConnection, args: Kernel.IAnyMessageArgs): void {
    const msg = args.msg as KernelMessage.IMessage & MessageLike;
    if (args.direction === "send") this.requests.sent(msg);
    else if (msg.header.msg_type === "execute_reply" && this.panel.model) recordReplyEnergy(this.panel.model, msg, this.requests);
  }

  private onCellsChanged(): void {
    this.watchCells();
    this.renderAll();
  }

  private watchCells(): void {
    const model = this.panel.model;
    if (!model) return;
    const now = new Set<ICellModel>();
    for (let i = 0; i < model.cells.length; i++) now.add(model.cells.get(i));
    for (const c of this.watchedCells) {
      if (now.has(c)) continue;
      c.metadataChanged.disconnect(this.onMetadataChanged, this);
      const outputs = outputsOf(c);
      outputs?.changed?.disconnect(this.onOutputsChanged, this);
      this.watchedOutputs.delete(outputs);
    }
    for (const c of now) {
      if (this.watchedCells.has(c)) continue;
      c.metadataChanged.connect(this.onMetadataChanged, this);
      const outputs = outputsOf(c);
      if (outputs?.changed) {
        outputs.changed.connect(this.onOutputsChanged, this);
        this.watchedOutputs.set(outputs, c);
      }
    }
    this.watchedCells = now;
  }

  private onOutputsChanged(outputs: unknown): void {
    const cell = this.watchedOutputs.get(outputs);
    if (!cell) return;
    this.dirty.add(cell);
    this.schedule();
  }

  private onMetadataChanged(cell: ICellModel, change: { key: string }): void {
    if (change.key !== CELL_METADATA_KEY) return;
    this.dirty.add(cell);
    this.schedule();
  }

  private renderAll(): void {
    const model = this.panel.model;
    if (!model) return;
    for (let i = 0; i < model.cells.length; i++) this.dirty.add(model.cells.get(i));
    this.schedule();
  }

  // Deferred: the notebook creates the widget of a new cell in its own handler of the same signal.
  private schedule(): void {
    if (this.flushTimer === null) this.flushTimer = setTimeout(() => this.flush(), 0);
  }

  private flush(): void {
    this.flushTimer = null;
    if (this.disposed) return;
    for (const w of this.panel.content.widgets) {
      if (!this.dirty.has(w.model)) continue;
      // a cell that shows its energy as an output (the kernel's --cell-output on) gets no second line
      const energy = hasCellEnergyOutput(outputsOf(w.model)) ? null : readCellEnergy(w.model.getMetadata(CELL_METADATA_KEY));
      renderCellEnergy(w.node, energy, this.show);
    }
    this.dirty.clear();
  }
}
