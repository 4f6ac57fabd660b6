/**
 * The mime-renderer extension: one safe renderer per greenai payload type.
 * Rank −1 puts ours before every fallback in the bundle (html 50, text 120) and before
 * jupyterlab-plotly (rank 0 in 5.x, 2 in 6.x) when a bundle also carries Plotly JSON.
 */
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { MIME_CELL_ENERGY, MIME_RIBBON, MIME_TIMESERIES, MIME_TPE } from "greenai-common";
import { CellEnergyRenderer } from "./cell-energy";
import { RibbonRenderer } from "./widgets/ribbon";
import { TimeseriesRenderer } from "./widgets/timeseries";
import { TpeRenderer } from "./widgets/tpe";

/** Renderer rank for every greenai MIME type (lower wins). */
export const GREENAI_RANK = -1;

export const tpeRendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [MIME_TPE],
  defaultRank: GREENAI_RANK,
  createRenderer: (options) => new TpeRenderer(options),
};

export const ribbonRendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [MIME_RIBBON],
  defaultRank: GREENAI_RANK,
  createRenderer: (options) => new RibbonRenderer(options),
};

export const timeseriesRendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [MIME_TIMESERIES],
  defaultRank: GREENAI_RANK,
  createRenderer: (options) => new TimeseriesRenderer(options),
};

/** The kernel's cell-energy output (`%energy meter --cell-output on`), drawn as the under-cell line. */
export const cellEnergyRendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [MIME_CELL_ENERGY],
  defaultRank: GREENAI_RANK,
  createRenderer: () => new CellEnergyRenderer(),
};

/** All the factories, for hosts that register them directly. */
export const rendererFactories = [tpeRendererFactory, ribbonRendererFactory, timeseriesRendererFactory, cellEnergyRendererFactory];

const extensions: IRenderMime.IExtension[] = [
  { id: "@greenai/jupyterlab-greenai:tpe", rendererFactory: tpeRendererFactory, rank: GREENAI_RANK, dataType: "json" },
  { id: "@greenai/jupyterlab-greenai:ribbon", rendererFactory: ribbonRendererFactory, rank: GREENAI_RANK, dataType: "json" },
  { id: "@greenai/jupyterlab-greenai:timeseries", rendererFactory: timeseriesRendererFactory, rank: GREENAI_RANK, dataType: "json" },
  { id: "@greenai/jupyterlab-greenai:cell-energy-output", rendererFactory: cellEnergyRendererFactory, rank: GREENAI_RANK, dataType: "json" },
];

export default extensions;
