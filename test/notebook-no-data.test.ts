/**
 * A new user's first minute: tpe.ipynb run in a copy of the repository (the working tree, as a
 * clone has it, plus the built kernel) with no ../shared beside it, no GREENAI_DATA_DIR, an empty
 * cache and no network. The first data cell must stop with one message that names the data set
 * and the command that fetches it, and the kernel must stay alive for the cells after it.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { kernelTestsUnavailable, PYTHON } from "./helpers/kernel-session";
import { REPO_ROOT } from "./helpers/shared-data";

function unavailable(): string | undefined {
  const why = kernelTestsUnavailable();
  if (why) return why;
  if (spawnSync(PYTHON, ["-c", "import nbclient, nbformat"]).status !== 0) return "nbclient is missing (apt-get install python3-nbclient)";
  if (spawnSync("git", ["-C", REPO_ROOT, "rev-parse"]).status !== 0) return `${REPO_ROOT} is not a git checkout`;
  return undefined;
}

/** Copies what a clone of the working tree has (tracked and untracked, not ignored), the built dist/ folders, and links node_modules. */
function copyOfRepository(dest: string): void {
  const r = spawnSync("git", ["-C", REPO_ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`git ls-files failed: ${r.stderr}`);
  for (const rel of r.stdout.split("\0").filter(Boolean)) {
    const from = path.join(REPO_ROOT, rel);
    if (!fs.existsSync(from) || fs.statSync(from).isDirectory()) continue; // deleted in the tree, or a submodule
    fs.mkdirSync(path.dirname(path.join(dest, rel)), { recursive: true });
    fs.copyFileSync(from, path.join(dest, rel));
  }
  for (const built of ["kernel/dist", "common/dist"]) fs.cpSync(path.join(REPO_ROOT, built), path.join(dest, built), { recursive: true });
  // Dependencies only (tslab, zeromq, …); the workspace links in it lead back to this checkout's common/.
  fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dest, "node_modules"), "dir");
}

const why = unavailable();
const suite = why ? describe.skip : describe;

suite(`tpe.ipynb without any data${why ? ` [SKIPPED: ${why}]` : ""}`, () => {
  let tmp = "";
  let repo = "";
  let executed: any;

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-nodata-"));
    repo = path.join(tmp, "repo"); // tmp/shared does not exist: nothing beside the copy
    copyOfRepository(repo);
    const prefix = path.join(tmp, "prefix");
    const install = spawnSync(process.execPath, [path.join(repo, "kernel/bin/greenai.js"), "install", "--prefix", prefix, "--name", "greenai-nodata"], { encoding: "utf8" });
    if (install.status !== 0) throw new Error(`greenai install failed: ${install.stderr}`);
    const env: NodeJS.ProcessEnv = { ...process.env, JUPYTER_PATH: path.join(prefix, "share", "jupyter"), GREENAI_CACHE_DIR: path.join(tmp, "empty-cache"), GREENAI_OFFLINE: "1" };
    delete env.GREENAI_DATA_DIR;
    delete env.GREENAI_SHARED_DATA;
    // No network: GREENAI_OFFLINE=1 stops downloads before they start, as on a machine without
    // network but deterministic and without a 20 s wait. Proxy variables are removed as well, so
    // that nothing in this environment could give the kernel a way out if a download were tried.
    for (const k of Object.keys(env)) if (/^(https?|all|no)_proxy$/i.test(k)) delete env[k];
    const out = path.join(tmp, "tpe.out.ipynb");
    const run = spawnSync(PYTHON, [path.join(__dirname, "helpers/run_notebook.py"), path.join(repo, "notebooks/tpe.ipynb"), out, "greenai-nodata", "300", "--allow-errors"], {
      env,
      encoding: "utf8",
      timeout: 600_000,
    });
    if (run.status !== 0) throw new Error(`running tpe.ipynb failed:\n${run.stderr.slice(-4000)}`);
    executed = JSON.parse(fs.readFileSync(out, "utf8"));
  }, 600_000);
  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const codeCells = () => executed.cells.filter((c: any) => c.cell_type === "code") as { source: string[]; outputs: any[] }[];
  const source = (c: { source: string[] }) => c.source.join("");

  it("has no notebook, example or README that points at ../shared", () => {
    const files = ["README.md", ...["notebooks", "examples"].flatMap((d) => (fs.readdirSync(path.join(repo, d), { recursive: true }) as string[]).map((f) => path.join(d, f)))];
    const hits = files.filter((f) => fs.statSync(path.join(repo, f)).isFile() && fs.readFileSync(path.join(repo, f), "utf8").includes("shared/"));
    expect(hits).toEqual([]);
  });

  it("stops at the first data cell with one error naming the data set and the fetch command", () => {
    const cells = codeCells();
    const first = cells.findIndex((c) => /%data path /.test(source(c)));
    expect(first).toBeGreaterThanOrEqual(0);
    // No cell before it failed: the data cell is where a user without data first stops.
    expect(cells.slice(0, first).flatMap((c) => c.outputs.filter((o) => o.output_type === "error"))).toEqual([]);
    const errors = cells[first].outputs.filter((o) => o.output_type === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0].ename).toBe("DataUnavailableError");
    expect(errors[0].evalue).toContain("nas-bench-nlp-wikitext2");
    expect(errors[0].evalue).toContain("greenai data fetch nas-bench-nlp-wikitext2");
    expect(errors[0].evalue).toContain("GREENAI_DATA_DIR");
  });

  it("keeps the kernel alive: a later TypeScript cell runs and prints", () => {
    const cells = codeCells();
    const later = cells.find((c) => source(c).includes("greenai.tse(losses, 3)"));
    expect(later).toBeDefined();
    expect(later!.outputs.filter((o) => o.output_type === "error")).toEqual([]);
    const printed = later!.outputs.filter((o) => o.output_type === "stream").map((o) => [o.text].flat().join("")).join("");
    expect(printed).toBe("9.5 2.5 5\n");
  });

  it("says in a later magic that its data name is not bound, listing what is", () => {
    const cells = codeCells();
    const replay = cells.find((c) => /^%tpe replay --curves \$nasbench/m.test(source(c)));
    const err = replay?.outputs.find((o) => o.output_type === "error");
    expect(err?.ename).toBe("UsageError");
    expect(err?.evalue).toMatch(/\$nasbench is not bound \(no name is bound by --as yet\)/);
  });
});
