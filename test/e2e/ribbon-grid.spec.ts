/**
 * The grid view in JupyterLab: a stored `%ribbon grid` output (every pool evaluated, nothing
 * searched) marks the feasible pools, labels the cheapest one, and the QoS slider re-picks.
 * The payload is the synthetic grid of scripts/sample-payloads.js; what the page must show is
 * computed here with greenai-common, the functions the extension draws with.
 */
import { expect, test } from "@jupyterlab/galata";
import { dollarsPerHour, poolCounts, ribbonGridPicks, type RibbonPayload } from "greenai-common";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const SHOTS = path.join(ROOT, "test-results", "e2e-screenshots");
// eslint-disable-next-line @typescript-eslint/no-var-requires -- a plain CommonJS script
const samples = require(path.join(ROOT, "scripts", "sample-payloads.js")) as {
  makeRibbonGridPayload(): RibbonPayload;
  bundleOf(p: RibbonPayload): { data: Record<string, unknown>; metadata: object };
};

const payload = samples.makeRibbonGridPayload();
const notebook = {
  cells: [
    {
      cell_type: "code",
      id: "ribbon-grid",
      metadata: {},
      execution_count: 1,
      source: ["%ribbon grid --data $ribbon --model synthetic-bert --out grid.json"],
      outputs: [{ output_type: "display_data", ...samples.bundleOf(payload) }],
    },
  ],
  metadata: { kernelspec: { name: "greenai", display_name: "TypeScript (greenai)", language: "typescript" }, language_info: { name: "typescript" } },
  nbformat: 4,
  nbformat_minor: 5,
};

/** A legend entry named exactly "feasible (n)" (not "infeasible (n)"). */
const feasibleLegend = (n: number) => new RegExp(`^feasible \\(${n}\\)$`);

/** The label the figure puts beside the cheapest feasible pool at a target. */
function cheapestLabel(targetRate: number): string {
  const c = ribbonGridPicks(payload, targetRate).cheapest;
  if (!c) throw new Error(`the sample grid has no feasible pool at ${targetRate}%`);
  return `cheapest feasible ${poolCounts(c.pool)} · ${dollarsPerHour(c.price_per_hour)}`;
}

test("a stored grid output marks feasible pools, labels the cheapest, and the slider re-picks", async ({ page, tmpPath }) => {
  const at99 = ribbonGridPicks(payload, 99);
  const at98 = ribbonGridPicks(payload, 98);
  // The check below is only worth something if the two targets pick different pools.
  expect(cheapestLabel(98)).not.toBe(cheapestLabel(99));
  expect(at98.feasible.length).toBeGreaterThan(at99.feasible.length);

  await page.contents.uploadContent(JSON.stringify(notebook), "text", `${tmpPath}/ribbon-grid.ipynb`);
  await page.notebook.openByPath(`${tmpPath}/ribbon-grid.ipynb`);
  await page.notebook.activate("ribbon-grid.ipynb");
  const out = page.locator(".jp-NotebookPanel .jp-OutputArea-output.greenai-ribbon").last();
  await expect(out.locator(".plot-container .main-svg").first()).toBeVisible();
  await expect(page.locator(".jp-NotebookPanel .jp-OutputArea-output table.greenai-table")).toHaveCount(0); // ours, not the HTML fallback

  // Feasible pools are marked: their own trace, one point each, named with the count.
  const traces = out.locator(".cartesianlayer .scatterlayer .trace");
  await expect.poll(() => traces.count()).toBeGreaterThanOrEqual(5); // infeasible, feasible, front, homogeneous, cheapest
  await expect(out.locator(".legendtext", { hasText: feasibleLegend(at99.feasible.length) })).toBeVisible();
  await expect(traces.nth(1).locator("path.point")).toHaveCount(at99.feasible.length);
  await expect(traces.nth(0).locator("path.point")).not.toHaveCount(0);
  await expect(out.locator(".gtitle")).toContainText(`all ${payload.grid!.length} pools evaluated · ${at99.feasible.length} feasible at 99%`);
  await expect(out.locator(".gtitle")).not.toContainText("0 pools evaluated");

  // The cheapest feasible pool is labelled on the plot and named under the controls.
  await expect(out.locator(".scatterlayer .textpoint", { hasText: cheapestLabel(99) })).toHaveCount(1);
  await expect(out.locator(".greenai-status")).toContainText(`cheapest feasible of all ${payload.grid!.length} pools`);
  await out.screenshot({ path: path.join(SHOTS, "ribbon-grid-99.png") });

  // Lower the QoS target: more pools are feasible and a cheaper pool is picked and labelled.
  const status = await out.locator(".greenai-status").textContent();
  await out.locator("input.greenai-ribbon-target").fill("98");
  await expect(out.locator("output")).toContainText("98% within");
  await expect(out.locator(".scatterlayer .textpoint", { hasText: cheapestLabel(98) })).toHaveCount(1);
  await expect(out.locator(".scatterlayer .textpoint", { hasText: cheapestLabel(99) })).toHaveCount(0);
  await expect(out.locator(".legendtext", { hasText: feasibleLegend(at98.feasible.length) })).toBeVisible();
  await expect(out.locator(".gtitle")).toContainText(`${at98.feasible.length} feasible at 98%`);
  await expect.poll(() => out.locator(".greenai-status").textContent()).not.toBe(status);
  await out.screenshot({ path: path.join(SHOTS, "ribbon-grid-98.png") });
});
