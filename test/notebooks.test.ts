/**
 * Every notebook in notebooks/ runs top to bottom, headless, with the greenai kernel:
 * no cell errors, no code cell without output, vendor payloads stored as JSON objects.
 * Public data come by name (`%data path NAME`) from a prepared folder laid out from
 * ../shared/data (GREENAI_DATA_DIR), offline and with an empty cache, so nothing is downloaded.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { installKernelSpec, kernelTestsUnavailable, PYTHON } from "./helpers/kernel-session";
import { preparedDataDir, preparedDataUnavailable } from "./helpers/prepared-data";
import { REPO_ROOT } from "./helpers/shared-data";

const NOTEBOOKS = path.join(REPO_ROOT, "notebooks");
const notebooks = fs.existsSync(NOTEBOOKS) ? fs.readdirSync(NOTEBOOKS).filter((f) => f.endsWith(".ipynb")).sort() : [];

function unavailable(): string | undefined {
  const why = kernelTestsUnavailable();
  if (why) return why;
  return spawnSync(PYTHON, ["-c", "import nbclient, nbformat"]).status === 0 ? undefined : "nbclient is missing (apt-get install python3-nbclient)";
}

const why = unavailable();
const suite = why ? describe.skip : describe;
const noData = preparedDataUnavailable();

/** Whether a notebook gets public data by name (it then needs the prepared folder). */
function usesPublicData(name: string): boolean {
  return /%data path /.test(fs.readFileSync(path.join(NOTEBOOKS, name), "utf8"));
}
const withData = notebooks.filter((n) => !noData || !usesPublicData(n));
const withoutData = notebooks.filter((n) => !withData.includes(n));

suite(`notebooks run headless${why ? ` [SKIPPED: ${why}]` : ""}`, () => {
  let jupyterPath = "";
  let outDir = "";
  const dataEnv: Record<string, string> = {};
  beforeAll(() => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-notebooks-"));
    jupyterPath = installKernelSpec("greenai-nbtest").jupyterPath;
    if (!noData) {
      dataEnv.GREENAI_DATA_DIR = preparedDataDir();
      dataEnv.GREENAI_CACHE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-empty-cache-"));
      dataEnv.GREENAI_OFFLINE = "1";
    }
  });
  afterAll(() => {
    for (const dir of [outDir, dataEnv.GREENAI_CACHE_DIR]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("finds notebooks", () => expect(notebooks.length).toBeGreaterThan(0));

  if (withoutData.length) {
    it.skip.each(withoutData)(`%s [SKIPPED: it reads public data by name, and ${noData}]`, () => undefined);
  }

  it.each(withData)("%s", (name) => {
    const out = path.join(outDir, name);
    const r = spawnSync(PYTHON, [path.join(__dirname, "helpers/run_notebook.py"), path.join(NOTEBOOKS, name), out, "greenai-nbtest", "900"], {
      env: { ...process.env, ...dataEnv, JUPYTER_PATH: jupyterPath },
      encoding: "utf8",
      timeout: 1_200_000,
    });
    if (r.status !== 0) throw new Error(`${name} failed:\n${r.stderr.slice(-4000)}`);
    const nb = JSON.parse(fs.readFileSync(out, "utf8"));
    for (const [i, cell] of nb.cells.entries()) {
      if (cell.cell_type !== "code" || cell.source.join?.("").trim() === "" || cell.source === "") continue;
      const outputs = cell.outputs as any[];
      expect(outputs.filter((o) => o.output_type === "error")).toEqual([]);
      const src = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
      // Declarations may print nothing; a cell with a magic always shows its result.
      if (/^\s*%/m.test(src) && outputs.length === 0) throw new Error(`${name}: cell ${i} has a magic but no output`);
      for (const o of outputs) {
        for (const [mime, value] of Object.entries(o.data ?? {})) {
          if (mime.startsWith("application/vnd.greenai.")) {
            expect(typeof value).toBe("object");
            expect((value as any).schema_version).toEqual(expect.any(Number));
          }
        }
      }
    }
  }, 1_200_000);
});
