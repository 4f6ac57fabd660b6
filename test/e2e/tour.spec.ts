/**
 * The tour notebook in the self-hosted JupyterLab, in Chromium: stored outputs render, all
 * cells run with the greenai kernel, each renderer draws a plot, sliders change the figures,
 * the summary panel lists the results, and the plots follow a switch to the dark theme.
 * Screenshots are saved under test-results/e2e-screenshots/.
 */
import { expect, test, type IJupyterLabPageFixture } from "@jupyterlab/galata";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const SHOTS = path.join(ROOT, "test-results", "e2e-screenshots");
const KINDS = ["tpe", "ribbon", "timeseries"] as const;

/** The output node of a greenai renderer in the open notebook. */
const output = (page: IJupyterLabPageFixture, kind: string) => page.locator(`.jp-NotebookPanel .jp-OutputArea-output.greenai-${kind}`).last();

/** Waits until a renderer has drawn a real Plotly plot (SVG with traces), not just an element. */
async function expectPlot(page: IJupyterLabPageFixture, kind: string, minTraces: number): Promise<void> {
  const out = output(page, kind);
  await expect(out.locator(".plot-container .main-svg").first()).toBeVisible();
  await expect.poll(async () => out.locator(".cartesianlayer .scatterlayer .trace").count()).toBeGreaterThanOrEqual(minTraces);
  await expect(out.locator(".gtitle")).not.toHaveText("");
}

/** The SVG path of a renderer's first trace line: changes whenever the figure does. */
const firstLine = (page: IJupyterLabPageFixture, kind: string) => output(page, kind).locator(".cartesianlayer .scatterlayer .trace path.js-line").first().getAttribute("d");

const plotBackground = (page: IJupyterLabPageFixture, kind: string) => output(page, kind).locator(".main-svg").first().evaluate((el) => getComputedStyle(el).backgroundColor);

test.describe("greenai extension in JupyterLab", () => {
  test("stored outputs render without running anything", async ({ page }) => {
    await page.notebook.openByPath("notebooks/stored-outputs.ipynb");
    await page.notebook.activate("stored-outputs.ipynb");
    for (const kind of KINDS) await expectPlot(page, kind, 3);
    // Ours, not the HTML fallback, was chosen for every bundle.
    await expect(page.locator(".jp-NotebookPanel .jp-OutputArea-output table.greenai-table")).toHaveCount(0);
    await page.screenshot({ path: path.join(SHOTS, "stored-outputs.png") });
  });

  test("the tour runs with the greenai kernel; sliders, summary panel and dark theme work", async ({ page, tmpPath }) => {
    await page.contents.uploadFile(path.join(ROOT, "notebooks", "00-tour.ipynb"), `${tmpPath}/00-tour.ipynb`);
    await page.notebook.openByPath(`${tmpPath}/00-tour.ipynb`);
    await page.notebook.activate("00-tour.ipynb");
    await expect(page.locator(".jp-NotebookPanel-toolbar .jp-KernelName")).toHaveText("TypeScript (greenai)", { timeout: 60_000 });

    // The summary panel, opened before anything ran, fills in live as the cells run.
    await page.locator(".jp-NotebookPanel-toolbar .greenai-summary-button").first().click();
    await expect(page.locator("#greenai-summary-panel")).toContainText("No greenai results in this notebook yet");

    await page.notebook.run();
    for (const kind of KINDS) await expectPlot(page, kind, 3);
    await expect(page.locator(".jp-NotebookPanel .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")).toHaveCount(0);
    await expect(page.locator(".jp-NotebookPanel .jp-OutputArea-output.greenai-timeseries")).toHaveCount(2);
    await page.screenshot({ path: path.join(SHOTS, "tour-light.png") });

    // TPE: move the decision point; kept/stopped trials, energy saved and the plot change.
    const tpe = output(page, "tpe");
    await tpe.scrollIntoViewIfNeeded();
    const tpeStatus = await tpe.locator(".greenai-status").textContent();
    const tpeLine = await firstLine(page, "tpe");
    await tpe.locator("input.greenai-tpe-epoch").fill("35");
    await expect(tpe.locator(".greenai-status")).toContainText("decision after epoch 35/50");
    await expect.poll(() => firstLine(page, "tpe")).not.toBe(tpeLine);
    expect(await tpe.locator(".greenai-status").textContent()).not.toBe(tpeStatus);
    await tpe.screenshot({ path: path.join(SHOTS, "tpe-slider-35.png") });

    // RIBBON: lower the QoS target; the target line moves and a cheaper pool is picked.
    const ribbon = output(page, "ribbon");
    await ribbon.scrollIntoViewIfNeeded();
    const ribbonStatus = await ribbon.locator(".greenai-status").textContent();
    const targetLine = await ribbon.locator(".shapelayer path").first().getAttribute("d");
    await ribbon.locator("input.greenai-ribbon-target").fill("97");
    await expect(ribbon.locator("output")).toContainText("97% within 40 ms");
    await expect.poll(() => ribbon.locator(".shapelayer path").first().getAttribute("d")).not.toBe(targetLine);
    await expect.poll(() => ribbon.locator(".greenai-status").textContent()).not.toBe(ribbonStatus);
    await ribbon.screenshot({ path: path.join(SHOTS, "ribbon-target-97.png") });

    // Time series: select the last 15 minutes with the range selector; the renderer re-windows.
    const ts = output(page, "timeseries");
    await ts.scrollIntoViewIfNeeded();
    await expect(ts).toHaveAttribute("data-window", "all");
    await ts.locator(".rangeselector .button", { hasText: "15 min" }).click();
    await expect(ts).not.toHaveAttribute("data-window", "all");
    const [t0, t1] = (await ts.getAttribute("data-window"))!.split(",").map(Number);
    expect(t1 - t0).toBeCloseTo(15 * 60_000, -3);
    await ts.screenshot({ path: path.join(SHOTS, "timeseries-15min.png") });

    // Summary panel: it now lists the notebook's results and links to them.
    await page.locator(".jp-NotebookPanel-toolbar .greenai-summary-button").first().click();
    const panel = page.locator("#greenai-summary-panel");
    await expect(panel).toBeVisible();
    await expect(panel.locator(".greenai-summary-item")).toHaveCount(4); // %tpe, %ribbon, %dataset job, one greenai.display
    await expect(panel.locator(".greenai-summary-energy")).toContainText("TPE saved 65.2 MJ (18.1 kWh) of 97.4 MJ (27.1 kWh) (67.0%) in 1 run, estimated");
    await expect(panel.locator(".greenai-summary-energy")).toContainText("Job 915956416469 (bert): GPU energy (J) 62393 (measured)");
    await expect(panel.locator(".greenai-summary-pools")).toContainText("toy: 2× c5.2xlarge + 2× g4dn.xlarge at $1.732/h");
    await expect(panel.locator(".greenai-summary-datasets")).toContainText("Job 915956416469");
    await expect(panel.locator(".greenai-summary-datasets")).toContainText("Job 4242");
    await panel.locator(".greenai-summary-ribbon .greenai-summary-link").click();
    await expect(page.locator(".jp-NotebookPanel .jp-Cell.jp-mod-active .greenai-ribbon")).toHaveCount(1);
    await page.screenshot({ path: path.join(SHOTS, "summary-panel.png") });

    // Dark theme: the plots follow without re-running.
    const light = await plotBackground(page, "tpe");
    await page.theme.setDarkTheme();
    await expect(page.locator("body")).toHaveAttribute("data-jp-theme-light", "false");
    for (const kind of KINDS) await expect.poll(() => plotBackground(page, kind)).not.toBe(light);
    const layoutColor = await page.evaluate(() => getComputedStyle(document.body).getPropertyValue("--jp-layout-color0").trim());
    expect(layoutColor).not.toBe("");
    await output(page, "tpe").scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, "tour-dark.png") });
    await page.theme.setLightTheme();
  });
});
