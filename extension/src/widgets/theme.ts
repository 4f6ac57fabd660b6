/** The current JupyterLab theme as plot colours, and a watcher for live theme switches. */
import { DARK_THEME, LIGHT_THEME, type PlotTheme } from "../figures/types";

/** Dark iff the body says `data-jp-theme-light="false"` (as JupyterLab's vega renderer reads it). */
export function isDarkTheme(doc: Document = document): boolean {
  return doc.body?.dataset.jpThemeLight === "false";
}

/** Reads colours from the theme's CSS variables, with fixed fallbacks where one is unset. */
export function readTheme(doc: Document = document): PlotTheme {
  const dark = isDarkTheme(doc);
  const base = dark ? DARK_THEME : LIGHT_THEME;
  const css = doc.body && doc.defaultView ? doc.defaultView.getComputedStyle(doc.body) : null;
  const v = (name: string) => css?.getPropertyValue(name).trim() || "";
  return {
    dark,
    background: v("--jp-layout-color0") || base.background,
    foreground: v("--jp-ui-font-color1") || base.foreground,
    grid: v("--jp-border-color2") || base.grid,
    fontFamily: v("--jp-ui-font-family") || base.fontFamily,
  };
}

/** A stable key of a theme, to skip redraws when nothing changed. */
export function themeKey(t: PlotTheme): string {
  return [t.dark, t.background, t.foreground, t.grid, t.fontFamily].join("|");
}

/** Calls `onChange` when JupyterLab switches theme (body `data-jp-theme-*` attributes); returns a stop function. */
export function watchTheme(onChange: () => void, doc: Document = document): () => void {
  if (typeof MutationObserver === "undefined" || !doc.body) return () => undefined;
  const obs = new MutationObserver(() => onChange());
  obs.observe(doc.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "data-jp-theme-name"] });
  return () => obs.disconnect();
}
