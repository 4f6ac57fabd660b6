/** Lazy plotly.js: one async chunk, fetched on the first draw and shared by every renderer. */
import type * as PlotlyTypes from "plotly.js";

export type PlotlyModule = typeof PlotlyTypes;

let pending: Promise<PlotlyModule> | null = null;

/** Resolves plotly.js, loading its chunk once; a failed load is retried on the next call. */
export function loadPlotly(): Promise<PlotlyModule> {
  if (!pending) {
    pending = import(/* webpackChunkName: "greenai-plotly" */ "plotly.js-gl2d-dist-min")
      .then((m) => ((m as unknown as { default?: PlotlyModule }).default ?? (m as unknown as PlotlyModule)))
      .catch((err) => {
        pending = null;
        throw err;
      });
  }
  return pending;
}

/** Plotly config for every greenai plot. */
export const PLOT_CONFIG = {
  responsive: true,
  displaylogo: false,
  modeBarButtonsToRemove: ["sendDataToCloud", "lasso2d", "select2d"],
} as const;
