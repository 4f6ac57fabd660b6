/** The shapes every figure builder returns: a Plotly figure as plain JSON. */

/** One Plotly trace; kept loose on purpose (plain JSON, checked in tests). */
export type Trace = Record<string, unknown>;
/** A Plotly layout object. */
export type Layout = Record<string, unknown>;

/** A Plotly figure `{data, layout}`, ready for `Plotly.react`. */
export interface Figure {
  data: Trace[];
  layout: Layout;
}

/** Colours of the current JupyterLab theme, read from its CSS variables. */
export interface PlotTheme {
  dark: boolean;
  /** Paper and plot background. */
  background: string;
  /** Text colour. */
  foreground: string;
  /** Grid and axis lines. */
  grid: string;
  /** Font family for every text in the plot. */
  fontFamily: string;
}

/** Fallback colours when no CSS variable is set (jsdom, nbconvert previews). */
export const LIGHT_THEME: PlotTheme = {
  dark: false,
  background: "#ffffff",
  foreground: "rgba(0, 0, 0, 0.87)",
  grid: "#e0e0e0",
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif",
};

export const DARK_THEME: PlotTheme = {
  dark: true,
  background: "#111111",
  foreground: "rgba(255, 255, 255, 1)",
  grid: "#424242",
  fontFamily: LIGHT_THEME.fontFamily,
};
