/**
 * Federated smoke test: the prebuilt extension (extension/labextension, built by
 * build-labextension), installed by copy into a Jupyter data directory, is found by the server,
 * loaded by a module-federation host through the shared JupyterLab singletons, and draws
 * stored outputs: what a user with their own JupyterLab 4 gets.
 */
import { expect, test } from "@jupyterlab/galata";
import * as path from "path";

const SHOTS = path.join(path.resolve(__dirname, "..", ".."), "test-results", "e2e-screenshots");

test("the prebuilt extension loads by module federation and renders stored outputs", async ({ page }) => {
  const loaded = await page.evaluate(() => (window as unknown as { greenaiFederated: { loaded: string[]; failed: string[] } }).greenaiFederated);
  expect(loaded).toEqual({ loaded: ["@greenai/jupyterlab-greenai"], failed: [] });
  const plugins = await page.evaluate(() => (window as unknown as { jupyterapp: { hasPlugin(id: string): boolean } }).jupyterapp.hasPlugin("@greenai/jupyterlab-greenai:summary"));
  expect(plugins).toBe(true);

  await page.notebook.openByPath("notebooks/stored-outputs.ipynb");
  await page.notebook.activate("stored-outputs.ipynb");
  for (const kind of ["tpe", "ribbon", "timeseries"]) {
    const out = page.locator(`.jp-NotebookPanel .jp-OutputArea-output.greenai-${kind}`).last();
    await expect(out.locator(".plot-container .main-svg").first()).toBeVisible();
    await expect.poll(async () => out.locator(".cartesianlayer .scatterlayer .trace").count()).toBeGreaterThanOrEqual(3);
  }
  await expect(page.locator(".jp-NotebookPanel-toolbar .greenai-summary-button").first()).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, "federated-stored-outputs.png") });
});
