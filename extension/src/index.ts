/**
 * @greenai/jupyterlab-greenai: JupyterLab renderers for greenai payloads and the notebook
 * summary panel. The package's JupyterLab entry points are ./mime (renderers) and ./plugin
 * (panel); this index re-exports the pure figure builders for other hosts and tests.
 */
export * from "./figures/types";
export * from "./figures/format";
export { decimateMinMax, lowerBound, upperBound, type Decimated } from "greenai-common";
export * from "./figures/tpe";
export * from "./figures/ribbon";
export * from "./figures/timeseries";
export * from "./summary";
export { GREENAI_RANK, rendererFactories, tpeRendererFactory, ribbonRendererFactory, timeseriesRendererFactory } from "./mime";
export { default as mimeExtensions } from "./mime";
