/**
 * Live energy in JupyterLab (issue 14), with the greenai kernel's meter (GREENAI_ENERGY_METER,
 * default auto: nvidia-smi, RAPL or the labelled estimate): a cell's energy appears under it
 * within 2 s of it finishing; the saved notebook holds it in the cell metadata under
 * greenai.energy; the status bar shows W and kWh and changes while `%sleep 5` runs; its popup
 * has the sparkline and the per-cell totals; the status item and the lines follow the dark theme.
 * Screenshots are saved under test-results/e2e-screenshots/.
 */
import { expect, test, type IJupyterLabPageFixture } from "@jupyterlab/galata";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const SHOTS = path.join(ROOT, "test-results", "e2e-screenshots");

const code = (id: string, source: string) => ({ cell_type: "code", id, metadata: {}, execution_count: null, source: [source], outputs: [] });
const notebook = {
  cells: [code("busy-loop", "let s = 0;\nfor (let i = 0; i < 3e7; i++) s += i;\ns"), code("sleep", "%sleep 5"), code("one-plus-one", "1 + 1")],
  metadata: { kernelspec: { name: "greenai", display_name: "TypeScript (greenai)", language: "typescript" }, language_info: { name: "typescript" } },
  nbformat: 4,
  nbformat_minor: 5,
};

/** "12.4 kJ · 41 s · 302 W avg (GPU 0, nvidia-smi)": energy · time · average power (devices, source). */
const CELL_LINE = /^[\d.]+ (J|kJ|MJ|GJ).* · .+ s(ec)? · [\d.–]+ k?W avg .*\((.+, )?(nvidia-smi|rapl|estimate)(, estimate)?\)$/;
/** "⚡ 287 W · 1.9 kWh (nvidia-smi)", or "⚡ busy… 287 W 12 s ago · 1.9 kWh (…)". */
const STATUS = /^⚡ (busy… )?[\d.]+ k?W.* · [\d.]+ kWh.*\(.+\)$/;

const status = (page: IJupyterLabPageFixture) => page.locator(".jp-StatusBar-Widget .greenai-energy-status");
const energyLine = (page: IJupyterLabPageFixture, cell: number) => page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").nth(cell).locator("> .greenai-cell-energy");
const colorOf = (page: IJupyterLabPageFixture, selector: string) => page.locator(selector).first().evaluate((el) => getComputedStyle(el).color);

test("energy per cell, saved in the metadata, and live power in the status bar", async ({ page, tmpPath }) => {
  await page.contents.uploadContent(JSON.stringify(notebook), "text", `${tmpPath}/energy.ipynb`);
  await page.notebook.openByPath(`${tmpPath}/energy.ipynb`);
  await page.notebook.activate("energy.ipynb");
  await expect(page.locator(".jp-NotebookPanel-toolbar .jp-KernelName")).toHaveText("TypeScript (greenai)", { timeout: 60_000 });

  // The status bar: power and kernel energy once the meter's first reading has come.
  await expect(status(page)).toHaveText(STATUS, { timeout: 60_000 });
  await expect(status(page)).toHaveAttribute("title", /greenai energy, (nvidia-smi|rapl|estimate)/);

  // A short busy cell: its energy is under it within 2 s of it finishing.
  expect(await page.notebook.runCell(0, { inplace: true, wait: true })).toBe(true);
  const finished = Date.now();
  await expect(energyLine(page, 0)).toHaveText(CELL_LINE, { timeout: 2000 });
  const within = Date.now() - finished;
  expect(within).toBeLessThanOrEqual(2000);
  console.log(`energy line under cell 1 ${within} ms after the run finished: ${await energyLine(page, 0).textContent()}`);

  // %sleep 5: the status text changes while it runs (new readings, or "busy…" with a growing age).
  const running = page.notebook.runCell(1, { inplace: true, wait: true });
  const seen = new Set<string>();
  const t0 = Date.now();
  while (Date.now() - t0 < 5500) {
    const text = (await status(page).textContent()) ?? "";
    expect(text).toMatch(STATUS);
    seen.add(text);
    await page.waitForTimeout(500);
  }
  expect(await running).toBe(true);
  console.log(`status texts during %sleep 5: ${[...seen].join(" | ")}`);
  expect(seen.size).toBeGreaterThanOrEqual(2);
  await expect(energyLine(page, 1)).toHaveText(CELL_LINE, { timeout: 2000 });
  await expect(energyLine(page, 1)).toContainText(/ · [56](\.\d)? s · /); // about 5 s
  await page.screenshot({ path: path.join(SHOTS, "energy-light.png") });

  // Saved: the notebook file on disk has greenai.energy in both cells' metadata.
  expect(await page.notebook.save()).toBe(true);
  const res = await page.request.get(`/api/contents/${tmpPath}/energy.ipynb?type=notebook&content=1`);
  expect(res.ok()).toBe(true);
  const saved = (await res.json()).content as { cells: { id: string; metadata: { greenai?: { energy?: Record<string, unknown> } } }[] };
  for (const cell of saved.cells.slice(0, 2)) {
    const e = cell.metadata.greenai?.energy;
    expect(e).toBeDefined();
    expect(typeof e!.joules).toBe("number");
    expect(typeof e!.seconds).toBe("number");
    expect(["nvidia-smi", "rapl", "estimate"]).toContain(e!.source);
    expect(Array.isArray(e!.devices)).toBe(true);
    expect(Number.isNaN(Date.parse(e!.started as string))).toBe(false);
  }
  expect(saved.cells[2].metadata.greenai).toBeUndefined(); // never run
  expect(saved.cells[1].metadata.greenai!.energy!.seconds as number).toBeGreaterThanOrEqual(4.9);

  // Drawn from the metadata: a reopened notebook shows the lines without running anything.
  expect(await page.notebook.close()).toBe(true);
  await page.notebook.openByPath(`${tmpPath}/energy.ipynb`);
  await page.notebook.activate("energy.ipynb");
  await expect(energyLine(page, 0)).toHaveText(CELL_LINE);
  await expect(energyLine(page, 1)).toHaveText(CELL_LINE);
  await expect(energyLine(page, 2)).toHaveCount(0);

  // The setting hides the lines (and shows them again); the metadata stays.
  const setShow = (show: boolean) =>
    page.evaluate(async (value) => {
      const registry = await (window as unknown as { galata: { getPlugin(id: string): Promise<{ set(id: string, key: string, v: unknown): Promise<void> } | undefined> } }).galata.getPlugin("@jupyterlab/apputils-extension:settings");
      await registry!.set("@greenai/jupyterlab-greenai:cell-energy", "showCellEnergy", value);
    }, show);
  await setShow(false);
  await expect(page.locator(".jp-NotebookPanel .greenai-cell-energy")).toHaveCount(0);
  await setShow(true);
  await expect(energyLine(page, 0)).toHaveText(CELL_LINE);

  // The popup: a sparkline and this notebook's per-cell totals.
  await status(page).click();
  const popup = page.locator(".greenai-energy-popup");
  await expect(popup).toBeVisible();
  // A flat line has an empty bounding box (Playwright calls it hidden): check the SVG and the path's points.
  await expect(popup.locator("svg.greenai-energy-spark")).toBeVisible();
  await expect(popup.locator("svg.greenai-energy-spark path.greenai-energy-spark-line").first()).toHaveAttribute("d", /^M[\d.]+,[\d.]+( L[\d.]+,[\d.]+)+$/);
  await expect(popup.locator(".greenai-energy-cells li")).toHaveCount(2);
  await popup.screenshot({ path: path.join(SHOTS, "energy-popup-light.png") });
  await page.keyboard.press("Escape");
  await page.locator(".jp-NotebookPanel .jp-Notebook").first().click({ position: { x: 5, y: 5 } });

  // Dark theme: the status item and the lines follow it.
  const lightStatus = await colorOf(page, ".jp-StatusBar-Widget .greenai-energy-status");
  const lightLine = await colorOf(page, ".jp-NotebookPanel .greenai-cell-energy");
  await page.theme.setDarkTheme();
  await expect(page.locator("body")).toHaveAttribute("data-jp-theme-light", "false");
  await expect.poll(() => colorOf(page, ".jp-StatusBar-Widget .greenai-energy-status")).not.toBe(lightStatus);
  await expect.poll(() => colorOf(page, ".jp-NotebookPanel .greenai-cell-energy")).not.toBe(lightLine);
  await page.screenshot({ path: path.join(SHOTS, "energy-dark.png") });
  await page.theme.setLightTheme();
});

test("the opt-in cell-energy output shows as one line per cell, not as the HTML table", async ({ page, tmpPath }) => {
  const nb = { ...notebook, cells: [code("turn-on", "%energy meter --cell-output on"), code("one-plus-one", "1 + 1")] };
  await page.contents.uploadContent(JSON.stringify(nb), "text", `${tmpPath}/energy-output.ipynb`);
  await page.notebook.openByPath(`${tmpPath}/energy-output.ipynb`);
  await page.notebook.activate("energy-output.ipynb");
  await expect(page.locator(".jp-NotebookPanel-toolbar .jp-KernelName")).toHaveText("TypeScript (greenai)", { timeout: 60_000 });
  await expect(status(page)).toHaveText(STATUS, { timeout: 60_000 }); // the meter has a reading, so cells get energies
  expect(await page.notebook.runCell(0, { inplace: true, wait: true })).toBe(true);
  expect(await page.notebook.runCell(1, { inplace: true, wait: true })).toBe(true);

  const cell = page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").nth(1);
  // The kernel's output (vendor JSON + HTML table + text) is drawn by the extension's renderer as the line...
  await expect(cell.locator(".jp-OutputArea .greenai-cell-energy-output")).toHaveText(CELL_LINE, { timeout: 2000 });
  await expect(cell.locator(".jp-OutputArea .greenai-cell-energy-output")).toHaveCount(1);
  // ...not as the HTML table meant for nbconvert and GitHub, and the metadata line is not drawn twice.
  await expect(cell.locator(".jp-OutputArea table")).toHaveCount(0);
  await expect(energyLine(page, 1)).toHaveCount(0);
  await expect(cell.locator(".greenai-cell-energy")).toHaveCount(1);
  await page.screenshot({ path: path.join(SHOTS, "energy-cell-output.png") });
});
