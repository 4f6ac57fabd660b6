/**
 * The tour notebook executed headless and rendered with nbconvert to HTML (what readers without
 * the extension get): every output shows its fallback, an HTML table or text, and none is empty.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { installKernelSpec, kernelTestsUnavailable, PYTHON } from "./helpers/kernel-session";
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
  let outputs: { cell: number; mime: string; text: string; tables: number; scripts: number }[] = [];

  beforeAll(() => {
    const { jupyterPath } = installKernelSpec("greenai-htmltest");
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-html-"));
    const r = spawnSync(
      PYTHON,
      ["-m", "nbconvert", "--to", "html", "--execute", TOUR, "--output-dir", outDir, "--output", "tour", "--ExecutePreprocessor.kernel_name=greenai-htmltest", "--ExecutePreprocessor.timeout=600"],
      { env: { ...process.env, JUPYTER_PATH: jupyterPath }, encoding: "utf8", timeout: 900_000 },
    );
    if (r.status !== 0) throw new Error(`nbconvert failed:\n${r.stderr.slice(-4000)}`);
    const html = path.join(outDir, "tour.html");
    const list = spawnSync(PYTHON, [path.join(__dirname, "helpers", "html_outputs.py"), html], { encoding: "utf8" });
    if (list.status !== 0) throw new Error(list.stderr);
    outputs = JSON.parse(list.stdout);
  }, 900_000);

  it("has one output per displayed payload", () => {
    expect(outputs.length).toBe(3);
  });

  it("shows the HTML fallback (a table) for every output, never the vendor JSON", () => {
    for (const o of outputs) {
      expect(o.mime).toBe("text/html");
      expect(o.tables).toBeGreaterThan(0);
      expect(o.scripts).toBe(0);
      expect(o.text).not.toContain("schema_version");
    }
  });

  it("no output is empty, and each says what it is about", () => {
    const texts = outputs.map((o) => o.text);
    expect(texts.every((t) => t.length > 40)).toBe(true);
    expect(texts[0]).toContain("TPE replay");
    expect(texts[1]).toContain("RIBBON pool search");
    expect(texts[2]).toContain("GPU utilisation");
  });
});
