/**
 * The layer rule of docs/architecture.md, enforced: reads every import in kernel/src,
 * common/src and extension/src and fails on one that points the wrong way, and on an
 * import cycle between kernel modules. Change the table here and the doc together.
 */
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..");
const KERNEL = path.join(ROOT, "kernel", "src");

/**
 * What each part of kernel/src may import besides itself, greenai-common and npm packages.
 * A part is the first folder under kernel/src, or the file name for top-level files.
 */
const ALLOWED: Record<string, readonly string[]> = {
  errors: [],
  io: ["errors"],
  energy: ["io", "errors"],
  ribbon: ["io", "errors"],
  tpe: ["energy", "io", "errors"],
  datasets: ["energy", "io", "errors"],
  trials: ["tpe", "energy", "io", "errors"],
  display: ["tpe", "ribbon", "energy", "datasets", "trials", "io", "errors"],
  magics: ["display", "tpe", "ribbon", "energy", "datasets", "trials", "io", "errors"],
  kernel: ["magics", "display", "tpe", "ribbon", "energy", "datasets", "trials", "io", "errors"],
  // The public library and the `greenai` command sit on top of everything.
  index: ["kernel", "magics", "display", "tpe", "ribbon", "energy", "datasets", "trials", "io", "errors"],
  cli: ["kernel", "magics", "display", "tpe", "ribbon", "energy", "datasets", "trials", "io", "errors"],
};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.tsx?$/.test(e.name) && !e.name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** Module specifiers of static imports, re-exports, `import("…")` and `require("…")`. */
function importSpecifiers(source: string): string[] {
  const text = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const out: string[] = [];
  const patterns = [/\b(?:import|export)\b[^'"`;]*?\bfrom\s*["']([^"']+)["']/g, /\bimport\s*["']([^"']+)["']/g, /\b(?:import|require)\s*\(\s*["']([^"']+)["']\s*\)/g];
  for (const re of patterns) for (const m of text.matchAll(re)) out.push(m[1]);
  return out;
}

function partOf(file: string): string {
  const rel = path.relative(KERNEL, file).split(path.sep);
  return rel.length === 1 ? rel[0].replace(/\.tsx?$/, "") : rel[0];
}

/** Resolves a relative specifier to a kernel source file (file.ts or folder/index.ts). */
function resolveLocal(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base + ".ts", base + ".tsx", path.join(base, "index.ts")]) if (fs.existsSync(c)) return c;
  return null;
}

describe("architecture: who may import whom (docs/architecture.md)", () => {
  const files = sourceFiles(KERNEL);

  test("the spec parser finds every import form", () => {
    const src = [
      `import { a } from "../energy/series";`,
      `import type { B } from "./b";`,
      `export * from "../tpe";`,
      `import {\n  c,\n  d,\n} from "../ribbon/read";`,
      `const m = await import("./magics/registry");`,
      `const p = require("../../package.json");`,
      `import "./side-effect";`,
      `// import { x } from "../not-real";`,
    ].join("\n");
    expect(importSpecifiers(src).sort()).toEqual(
      ["../energy/series", "./b", "../tpe", "../ribbon/read", "./magics/registry", "../../package.json", "./side-effect"].sort(),
    );
  });

  test("every part of kernel/src is in the layer table", () => {
    const parts = [...new Set(files.map(partOf))].sort();
    expect(parts.filter((p) => !(p in ALLOWED))).toEqual([]);
  });

  test("kernel/src imports only downward", () => {
    const wrong: string[] = [];
    for (const f of files) {
      const from = partOf(f);
      for (const spec of importSpecifiers(fs.readFileSync(f, "utf8"))) {
        if (!spec.startsWith(".")) continue;
        const target = resolveLocal(f, spec);
        if (!target || !target.startsWith(KERNEL + path.sep)) continue; // package.json and the like
        const to = partOf(target);
        if (to !== from && !ALLOWED[from]?.includes(to)) wrong.push(`${path.relative(ROOT, f)} imports ${spec} (${from} → ${to})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  test("no import cycles between kernel modules", () => {
    const graph = new Map<string, string[]>();
    for (const f of files) {
      const deps: string[] = [];
      for (const spec of importSpecifiers(fs.readFileSync(f, "utf8"))) {
        const t = spec.startsWith(".") ? resolveLocal(f, spec) : null;
        if (t) deps.push(t);
      }
      graph.set(f, deps);
    }
    const cycles = new Set<string>();
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (f: string) => {
      state.set(f, "open");
      stack.push(f);
      for (const d of graph.get(f) ?? []) {
        // A folder's index.ts re-exports its members; a member importing a sibling through it is not a cycle of ideas.
        if (path.basename(d) === "index.ts") continue;
        if (state.get(d) === "open") cycles.add(stack.slice(stack.indexOf(d)).concat(d).map((x) => path.relative(KERNEL, x)).join(" → "));
        else if (!state.has(d)) visit(d);
      }
      stack.pop();
      state.set(f, "done");
    };
    for (const f of files) if (!state.has(f)) visit(f);
    expect([...cycles]).toEqual([]);
  });

  test("common/src imports no other package of ours", () => {
    const wrong = sourceFiles(path.join(ROOT, "common", "src")).flatMap((f) =>
      importSpecifiers(fs.readFileSync(f, "utf8"))
        .filter((s) => !s.startsWith("./") || /greenai-kernel|jupyterlab-greenai/.test(s))
        .map((s) => `${path.relative(ROOT, f)} imports ${s}`),
    );
    expect(wrong).toEqual([]);
  });

  test("the extension imports greenai-common, never the kernel", () => {
    const wrong = sourceFiles(path.join(ROOT, "extension", "src")).flatMap((f) =>
      importSpecifiers(fs.readFileSync(f, "utf8"))
        .filter((s) => /greenai-kernel|kernel\/src|\.\.\/\.\.\/(kernel|common)\//.test(s))
        .map((s) => `${path.relative(ROOT, f)} imports ${s}`),
    );
    expect(wrong).toEqual([]);
  });
});
