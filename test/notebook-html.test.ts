/**
 * The tour notebook executed headless and rendered with nbconvert to HTML (what readers without
 * the extension get): every output shows its fallback, an HTML table or text, and none is empty.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { installKernelSpec, kernelTestsUnavailable, PYTHON } from "./helpers/kernel-session";
import { preparedDataDir, preparedDataUnavailable } from "./helpers/prepared-data";
import { REPO_ROOT } from "./helpers/shared-data";

const TOUR = path.join(REPO_ROOT, "notebooks", "00-tour.ipynb");

function unavailable(): string | undefined {
  const why = kernelTestsUnavailable();
  if (why) return why;
  if (spawnSync(PYTHON, ["-c", "import nbconvert, bs4"]).status !== 0) return "nbconvert is missing (apt-get install jupyter-nbconvert)";
  return fs.existsSync(TOUR) ? undefined : `${TOUR} is missing`;
}

const why = unavailable();
const suite = why ? describe.skip : describe;

suite(`nbconvert HTML fallbacks of 00-tour${why ? ` [SKIPPED: ${why}]` : ""}`, () => {
  type HtmlOutput = { cell: number; mime: string; text: string; tables: number; scripts: number };
  let html: HtmlOutput[] = [];
  /** The executed notebook's outputs in page order: does each carry a greenai payload? */
  let vendor: boolean[] = [];

  beforeAll(() => {
    const { jupyterPath } = installKernelSpec("greenai-htmltest");
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-html-"));
    const executed = path.join(outDir, "tour.ipynb");
    // Public data by name, as in notebooks.test.ts (the tour itself reads only data/samples).
    const dataEnv = preparedDataUnavailable() ? {} : { GREENAI_DATA_DIR: preparedDataDir(), GREENAI_OFFLINE: "1" };
    const env = { ...process.env, ...dataEnv, JUPYTER_PATH: jupyterPath };
    const run = spawnSync(PYTHON, [path.join(__dirname, "helpers", "run_notebook.py"), TOUR, executed, "greenai-htmltest", "600"], { env, encoding: "utf8", timeout: 900_000 });
    if (run.status !== 0) throw new Error(`executing the tour failed:\n${run.stderr.slice(-4000)}`);
    const conv = spawnSync(PYTHON, ["-m", "nbconvert", "--to", "html", executed, "--output-dir", outDir, "--output", "tour"], { env, encoding: "utf8", timeout: 300_000 });
    if (conv.status !== 0) throw new Error(`nbconvert failed:\n${conv.stderr.slice(-4000)}`);
    const list = spawnSync(PYTHON, [path.join(__dirname, "helpers", "html_outputs.py"), path.join(outDir, "tour.html")], { encoding: "utf8" });
    if (list.status !== 0) throw new Error(list.stderr);
    html = JSON.parse(list.stdout);
    const nb = JSON.parse(fs.readFileSync(executed, "utf8"));
    vendor = nb.cells
      .filter((c: { cell_type: string }) => c.cell_type === "code")
      .flatMap((c: { outputs: { data?: Record<string, unknown> }[] }) => c.outputs.map((o) => Object.keys(o.data ?? {}).some((k) => k.startsWith("application/vnd.greenai."))));
  }, 900_000);

  it("has one HTML output per notebook output, and a greenai payload per magic and display", () => {
    expect(html.length).toBe(vendor.length);
    expect(vendor.filter(Boolean).length).toBe(4); // %tpe replay, %ribbon search, %dataset job, greenai.display
  });

  it("shows the HTML fallback (a table) for every greenai output, never the vendor JSON", () => {
    html.forEach((o, i) => {
      if (!vendor[i]) return;
      expect(o.mime).toBe("text/html");
      expect(o.tables).toBeGreaterThan(0);
      expect(o.scripts).toBe(0);
      expect(o.text).not.toContain("schema_version");
    });
  });

  it("no output is empty, and each greenai one says what it is about", () => {
    for (const o of html) expect(o.text.length).toBeGreaterThan(0);
    const texts = html.filter((_, i) => vendor[i]).map((o) => o.text);
    expect(texts.every((t) => t.length > 40)).toBe(true);
    expect(texts[0]).toContain("TPE replay");
    expect(texts[1]).toMatch(/pool/i);
    expect(texts[2]).toContain("915956416469");
    expect(texts[3]).toContain("GPU utilisation");
  });
});
