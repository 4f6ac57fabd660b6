/**
 * The cell-energy output headless (issue 14): a tiny notebook run by `jupyter nbconvert --execute
 * --to notebook` (nbclient underneath, as our users run notebooks in CI), turned on by its first
 * cell or by GREENAI_CELL_ENERGY_OUTPUT=1, keeps each cell's energy as an output; `nbconvert --to
 * html` of it shows the table. The estimate meter keeps it self-contained (no GPU, no RAPL needed).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MIME_CELL_ENERGY } from "greenai-common";
import { installKernelSpec, kernelTestsUnavailable, PYTHON } from "../helpers/kernel-session";

const KERNEL = "greenai-cell-energy-headless";
const HTML_OUTPUTS = path.join(__dirname, "..", "helpers", "html_outputs.py");

function unavailable(): string | undefined {
  const why = kernelTestsUnavailable();
  if (why) return why;
  if (spawnSync(PYTHON, ["-c", "import nbconvert, nbclient, bs4"]).status !== 0) return "nbconvert, nbclient or bs4 is missing (apt-get install jupyter-nbconvert python3-bs4)";
  return undefined;
}

const why = unavailable();
const suite = why ? describe.skip : describe;
if (why) console.warn(`SKIPPED headless cell-energy tests: ${why}`);

type Output = { output_type: string; data?: Record<string, unknown> };
type Cell = { cell_type: string; source: string; outputs: Output[]; metadata: Record<string, unknown> };

function notebook(sources: string[]): object {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: KERNEL, display_name: "greenai", language: "typescript" } },
    cells: sources.map((source, i) => ({ cell_type: "code", id: `c${i}`, source, metadata: {}, outputs: [], execution_count: null })),
  };
}

/** Executes `nb` with `jupyter nbconvert --execute --to notebook`; returns the saved notebook's path. */
function executeHeadless(dir: string, name: string, nb: object, env: NodeJS.ProcessEnv): string {
  const src = path.join(dir, `${name}.ipynb`);
  fs.writeFileSync(src, JSON.stringify(nb));
  const args = ["-m", "nbconvert", "--execute", "--to", "notebook", `--ExecutePreprocessor.kernel_name=${KERNEL}`, "--ExecutePreprocessor.timeout=120", src, "--output-dir", dir, "--output", `${name}.out`];
  const run = spawnSync(PYTHON, args, { env, encoding: "utf8", timeout: 240_000 });
  if (run.status !== 0) throw new Error(`nbconvert --execute ${name} failed:\n${run.stderr.slice(-4000)}`);
  return path.join(dir, `${name}.out.ipynb`);
}

const energyOutputs = (c: Cell) => c.outputs.filter((o) => o.output_type === "display_data" && o.data && MIME_CELL_ENERGY in o.data);

suite(`cell-energy output in headless runs and nbconvert HTML${why ? ` [SKIPPED: ${why}]` : ""}`, () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-cell-energy-"));
    const { jupyterPath } = installKernelSpec(KERNEL);
    env = { ...process.env, JUPYTER_PATH: jupyterPath, GREENAI_ENERGY_METER: "estimate", GREENAI_ENERGY_METER_INTERVAL_MS: "100", GREENAI_CELL_ENERGY_OUTPUT: "" };
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe("turned on by the notebook's first cell", () => {
    let cells: Cell[];
    let executed: string;
    beforeAll(() => {
      executed = executeHeadless(dir, "magic", notebook(["%energy meter --cell-output on", "%sleep 1", "1 + 1"]), env);
      cells = JSON.parse(fs.readFileSync(executed, "utf8")).cells;
    }, 300_000);

    it("saves one cell-energy output per metered cell: vendor JSON, an HTML table and the text line", () => {
      // the first cell may end before the meter's first sample; later ones are metered
      for (const cell of cells.slice(1)) {
        const outs = energyOutputs(cell);
        expect(outs).toHaveLength(1);
        const data = outs[0].data!;
        const e = data[MIME_CELL_ENERGY] as { joules: number; seconds: number; source: string; estimate: boolean };
        expect(e).toMatchObject({ source: "estimate", estimate: true });
        expect(e.joules).toBeGreaterThanOrEqual(0);
        const html = [data["text/html"]].flat().join("");
        expect(html).toMatch(/^<table class="greenai-table"><caption>greenai: energy of this cell<\/caption>/);
        expect(html).toContain("<td>estimate (not a measurement)</td>");
        expect([data["text/plain"]].flat().join("")).toMatch(/ avg .*\(cpu.*estimate\)$/);
      }
      expect((energyOutputs(cells[1])[0].data![MIME_CELL_ENERGY] as { seconds: number }).seconds).toBeGreaterThanOrEqual(1);
      // the energy is in the outputs, not in cell metadata (only the JupyterLab extension writes greenai.energy)
      expect(cells.every((c) => !("greenai" in c.metadata))).toBe(true);
    });

    it("renders the table in `jupyter nbconvert --to html`", () => {
      const conv = spawnSync(PYTHON, ["-m", "nbconvert", "--to", "html", executed, "--output-dir", dir, "--output", "magic"], { env, encoding: "utf8", timeout: 120_000 });
      if (conv.status !== 0) throw new Error(`nbconvert --to html failed:\n${conv.stderr.slice(-4000)}`);
      const list = spawnSync(PYTHON, [HTML_OUTPUTS, path.join(dir, "magic.html")], { encoding: "utf8" });
      if (list.status !== 0) throw new Error(list.stderr);
      const outputs: { cell: number; mime: string; text: string; tables: number; scripts: number }[] = JSON.parse(list.stdout);
      const tables = outputs.filter((o) => o.text.startsWith("greenai: energy of this cell"));
      expect(tables.map((o) => o.cell)).toEqual(expect.arrayContaining([1, 2]));
      for (const o of tables) {
        expect(o).toMatchObject({ mime: "text/html", tables: 1, scripts: 0 });
        expect(o.text).toMatch(/^greenai: energy of this cell energy time average power source devices CO₂e [\d.]+ k?J [\d.]+ s /);
        expect(o.text).toContain("estimate (not a measurement)");
        expect(o.text).not.toContain(MIME_CELL_ENERGY);
      }
    });
  });

  it("is turned on by GREENAI_CELL_ENERGY_OUTPUT=1 for a notebook that does not ask", () => {
    const executed = executeHeadless(dir, "env", notebook(["%sleep 1", "1 + 1"]), { ...env, GREENAI_CELL_ENERGY_OUTPUT: "1" });
    const cells: Cell[] = JSON.parse(fs.readFileSync(executed, "utf8")).cells;
    expect(energyOutputs(cells[1])).toHaveLength(1);
    // and not without it
    const plain = executeHeadless(dir, "plain", notebook(["%sleep 1", "1 + 1"]), env);
    expect(JSON.parse(fs.readFileSync(plain, "utf8")).cells.flatMap(energyOutputs)).toEqual([]);
  }, 300_000);
});
