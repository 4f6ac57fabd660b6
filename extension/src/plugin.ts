/**
 * The plugins of the extension (the package's "jupyterlab.extension"):
 *  - summary: a side panel listing the greenai results of the active notebook (energy measured
 *    and saved, pools chosen, data sets loaded), refreshed as cells run, opened by a notebook
 *    toolbar button or the "greenai: Show Notebook Summary" command;
 *  - cell-energy: each cell's energy (from the greenai kernel's execute_reply) stored in its
 *    metadata under greenai.energy and shown under it, unless the cell has the kernel's
 *    cell-energy output (drawn by mime.ts); a setting hides the lines (issue 14);
 *  - energy-status: live power and the kernel's energy in the status bar (issue 14).
 */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from "@jupyterlab/application";
import { ICommandPalette } from "@jupyterlab/apputils";
import { INotebookTracker, type NotebookPanel } from "@jupyterlab/notebook";
import type { Kernel } from "@jupyterlab/services";
import { ISettingRegistry } from "@jupyterlab/settingregistry";
import { IStatusBar, showPopup } from "@jupyterlab/statusbar";
import { LabIcon, ToolbarButton } from "@jupyterlab/ui-components";
import { CELL_METADATA_KEY, CellEnergyTracker, readCellEnergy } from "./cell-energy";
import { EnergyComm, EnergyStatus, type CellTotal } from "./energy-status";
import { SummaryPanel } from "./panel";
import { summarizeNotebook, type CellOutputs } from "./summary";

export const COMMAND_OPEN_SUMMARY = "greenai:open-summary";
export const SUMMARY_PANEL_ID = "greenai-summary-panel";

const LEAF_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24"><path class="jp-icon3" fill="#616161" d="M17 8C8 10 5.9 16.2 3.8 21.3l1.9.7 1-2.3c.5.2 1 .3 1.3.3C19 20 22 3 22 3c-1 2-8 2.3-13 3.3S2 11.5 2 13.5s1.8 3.8 1.8 3.8C7 8 17 8 17 8z"/></svg>`;

export const leafIcon = new LabIcon({ name: "greenai:leaf", svgstr: LEAF_SVG });

/** The outputs of every cell of a notebook panel, read from its model (no copies of the data). */
export function cellOutputsOf(panel: NotebookPanel): CellOutputs[] {
  const model = panel.content.model;
  if (!model) return [];
  const cells: CellOutputs[] = [];
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    if (cell.type !== "code") continue;
    const outputs = (cell as unknown as { outputs: { length: number; get(i: number): { data: Record<string, unknown> } } }).outputs;
    const list: CellOutputs["outputs"] = [];
    for (let k = 0; k < outputs.length; k++) list.push({ data: outputs.get(k).data as Record<string, unknown> });
    cells.push({ index: i, outputs: list });
  }
  return cells;
}

/** Scrolls a notebook to output `output` of cell `cell`, selects the cell and flashes the output. */
export async function jumpToOutput(panel: NotebookPanel, cell: number, output: number): Promise<void> {
  const nb = panel.content;
  if (cell < 0 || cell >= nb.widgets.length) return;
  nb.activeCellIndex = cell;
  await nb.scrollToItem(cell, "start");
  const node = nb.widgets[cell].node.querySelectorAll(".jp-OutputArea-child")[output] as HTMLElement | undefined;
  if (node) {
    node.scrollIntoView({ block: "start", behavior: "smooth" });
    node.classList.add("greenai-flash");
    setTimeout(() => node.classList.remove("greenai-flash"), 1500);
  }
}

const summaryPlugin: JupyterFrontEndPlugin<void> = {
  id: "@greenai/jupyterlab-greenai:summary",
  description: "Side panel summarising the greenai results of the active notebook.",
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker, palette: ICommandPalette | null) => {
    const panel = new SummaryPanel();
    panel.id = SUMMARY_PANEL_ID;
    panel.title.icon = leafIcon;
    app.shell.add(panel, "right", { rank: 850 });

    let timer: ReturnType<typeof setTimeout> | null = null;
    const refresh = () => {
      timer = null;
      const nb = tracker.currentWidget;
      if (!nb || nb.isDisposed) {
        panel.showSummary(null, null);
        return;
      }
      panel.showSummary(nb.title.label || nb.context.path, summarizeNotebook(cellOutputsOf(nb)), (c, o) => void jumpToOutput(nb, c, o));
    };
    const schedule = () => {
      if (timer === null) timer = setTimeout(refresh, 250);
    };

    let watched: NotebookPanel | null = null;
    const watch = (nb: NotebookPanel | null) => {
      watched?.model?.contentChanged.disconnect(schedule);
      watched = nb;
      if (nb) {
        void nb.context.ready.then(() => {
          if (watched === nb) {
            nb.model?.contentChanged.connect(schedule);
            schedule();
          }
        });
      }
      schedule();
    };
    tracker.currentChanged.connect((_, nb) => watch(nb));
    watch(tracker.currentWidget);

    app.commands.addCommand(COMMAND_OPEN_SUMMARY, {
      label: "Show Notebook Summary",
      caption: "Open the greenai panel: energy measured and saved, pools chosen, data sets loaded",
      icon: leafIcon,
      execute: () => {
        if (!panel.isAttached) app.shell.add(panel, "right", { rank: 850 });
        app.shell.activateById(panel.id);
        refresh();
      },
    });
    palette?.addItem({ command: COMMAND_OPEN_SUMMARY, category: "greenai" });

    app.docRegistry.addWidgetExtension("Notebook", {
      createNew: (nb: NotebookPanel) => {
        const button = new ToolbarButton({
          className: "greenai-summary-button",
          icon: leafIcon,
          tooltip: "greenai summary of this notebook",
          onClick: () => {
            tracker.currentWidget !== nb && nb.activate();
            void app.commands.execute(COMMAND_OPEN_SUMMARY);
          },
        });
        nb.toolbar.insertItem(10, "greenaiSummary", button);
        return button;
      },
    });
  },
};

export const CELL_ENERGY_PLUGIN_ID = "@greenai/jupyterlab-greenai:cell-energy";

/** Energy per cell: metadata greenai.energy from each execute_reply, and a line under the cell. */
const cellEnergyPlugin: JupyterFrontEndPlugin<void> = {
  id: CELL_ENERGY_PLUGIN_ID,
  description: "Stores each cell's energy (from the greenai kernel) in its metadata and shows it under the cell.",
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ISettingRegistry],
  activate: (_app: JupyterFrontEnd, tracker: INotebookTracker, registry: ISettingRegistry | null) => {
    let show = true;
    const trackers = new Set<CellEnergyTracker>();
    tracker.widgetAdded.connect((_, nb) => {
      const t = new CellEnergyTracker(nb, show);
      trackers.add(t);
      nb.disposed.connect(() => trackers.delete(t));
    });
    if (registry) {
      registry
        .load(CELL_ENERGY_PLUGIN_ID)
        .then((settings) => {
          const apply = () => {
            show = settings.get("showCellEnergy").composite !== false;
            for (const t of trackers) t.setShow(show);
          };
          settings.changed.connect(apply);
          apply();
        })
        .catch((err: unknown) => console.warn(`greenai: cell energy settings not loaded (${String(err)}); the lines are shown`));
    }
  },
};

/** The per-cell energies of a notebook, labelled by execution count, for the status popup. */
export function cellTotalsOf(panel: NotebookPanel | null): CellTotal[] {
  const model = panel?.model;
  if (!model) return [];
  const out: CellTotal[] = [];
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    const energy = readCellEnergy(cell.getMetadata(CELL_METADATA_KEY));
    if (!energy) continue;
    const count = (cell as unknown as { executionCount?: number | null }).executionCount;
    out.push({ label: typeof count === "number" ? `[${count}]` : `cell ${i + 1}`, energy });
  }
  return out;
}

/** The status-bar item: live power and kernel energy of the current notebook's kernel. */
const energyStatusPlugin: JupyterFrontEndPlugin<void> = {
  id: "@greenai/jupyterlab-greenai:energy-status",
  description: "Live power and the kernel's energy since start in the status bar, from the greenai kernel's meter.",
  autoStart: true,
  requires: [INotebookTracker],
  optional: [IStatusBar],
  activate: (_app: JupyterFrontEnd, tracker: INotebookTracker, statusBar: IStatusBar | null) => {
    if (!statusBar) return;
    const item = new EnergyStatus({
      cellTotals: () => cellTotalsOf(tracker.currentWidget),
      showDetails: (body, anchor) => void showPopup({ body, anchor, align: "left", hasDynamicSize: true }),
    });
    statusBar.registerStatusItem("greenai:energy-status", { item, align: "left", rank: 5, isActive: () => true });

    const comms = new Map<Kernel.IKernelConnection, EnergyComm>();
    const commOf = (kernel: Kernel.IKernelConnection): EnergyComm => {
      let c = comms.get(kernel);
      if (!c) {
        c = new EnergyComm(kernel, () => item.refresh());
        comms.set(kernel, c);
        kernel.disposed.connect(() => {
          comms.get(kernel)?.dispose();
          comms.delete(kernel);
          follow();
        });
      }
      return c;
    };
    let watched: NotebookPanel | null = null;
    const follow = () => {
      const kernel = watched?.sessionContext.session?.kernel ?? null;
      item.setFeed(kernel && !kernel.isDisposed ? commOf(kernel).feed : null);
    };
    const watch = (nb: NotebookPanel | null) => {
      watched?.sessionContext.kernelChanged.disconnect(follow);
      watched = nb;
      nb?.sessionContext.kernelChanged.connect(follow);
      follow();
    };
    tracker.currentChanged.connect((_, nb) => watch(nb));
    watch(tracker.currentWidget);
  },
};

export default [summaryPlugin, cellEnergyPlugin, energyStatusPlugin];
