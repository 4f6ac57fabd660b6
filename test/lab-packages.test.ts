/**
 * One copy of each JupyterLab singleton in node_modules: a second @jupyterlab/coreutils or
 * @lumino/widgets makes the self-hosted Lab fail with "No provider for …" (see the pinning notes).
 */
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "./helpers/shared-data";

const SINGLETONS = ["@jupyterlab/application", "@jupyterlab/coreutils", "@jupyterlab/services", "@jupyterlab/rendermime", "@lumino/widgets", "@lumino/coreutils", "@jupyter/web-components", "@jupyter/react-components"];
const NODE_MODULES = path.join(REPO_ROOT, "node_modules");

/** Every installed version of `name`, found in nested node_modules folders too. */
function versionsOf(name: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const visit = (nm: string, depth: number) => {
    const pkg = path.join(nm, name, "package.json");
    if (fs.existsSync(pkg)) {
      const v = JSON.parse(fs.readFileSync(pkg, "utf8")).version as string;
      found.set(v, [...(found.get(v) ?? []), path.relative(REPO_ROOT, path.dirname(pkg))]);
    }
    if (depth > 6) return;
    for (const entry of fs.readdirSync(nm, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      const dirs = entry.name.startsWith("@") ? fs.readdirSync(path.join(nm, entry.name)).map((d) => path.join(nm, entry.name, d)) : [path.join(nm, entry.name)];
      for (const d of dirs) {
        const nested = path.join(d, "node_modules");
        if (fs.existsSync(nested)) visit(nested, depth + 1);
      }
    }
  };
  visit(NODE_MODULES, 0);
  return found;
}

const installed = fs.existsSync(path.join(NODE_MODULES, "@jupyterlab", "application"));
(installed ? describe : describe.skip)(`JupyterLab singletons${installed ? "" : " [SKIPPED: node_modules has no @jupyterlab/application: run npm ci]"}`, () => {
  it.each(SINGLETONS)("%s is installed once", (name) => {
    const v = versionsOf(name);
    expect([...v.entries()].map(([ver, where]) => `${ver} at ${where.join(", ")}`)).toHaveLength(1);
  });
});
