#!/usr/bin/env node
/**
 * Builds the prebuilt (federated) extension into extension/labextension without Python:
 * `@jupyterlab/core-meta` stands in for the core package that `jupyter labextension build`
 * would pass as --core-path, then `build-labextension` (webpack) runs on the package.
 * Usage: node scripts/build-labextension.js [--development]
 */
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const pkgDir = path.resolve(__dirname, "..");
const dev = process.argv.includes("--development");

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: pkgDir, ...opts });
  if (r.status !== 0) {
    console.error(`build-labextension: ${path.basename(cmd)} ${args.join(" ")} failed (exit ${r.status})`);
    process.exit(r.status || 1);
  }
}

// 1. The core package description of the JupyterLab minor we target.
const coreMeta = path.dirname(require.resolve("@jupyterlab/core-meta/package.json", { paths: [pkgDir] }));
const coreDir = path.join(pkgDir, "core");
fs.mkdirSync(coreDir, { recursive: true });
fs.copyFileSync(path.join(coreMeta, "core.package.json"), path.join(coreDir, "package.json"));

// 2. TypeScript → lib/ (greenai-common must be built first; `npm run build` at the root does both).
const commonDist = path.dirname(require.resolve("greenai-common", { paths: [pkgDir] }));
if (!fs.existsSync(path.join(commonDist, "index.js"))) run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "../common/tsconfig.json"]);
run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.json"]);

// 3. webpack module federation → labextension/.
const builderBin = path.join(path.dirname(require.resolve("@jupyterlab/builder/package.json", { paths: [pkgDir] })), "lib", "build-labextension.js");
run(process.execPath, [builderBin, "--core-path", coreDir, ...(dev ? ["--development", "--source-map"] : []), pkgDir]);

// 4. Check what Jupyter will look for.
const built = JSON.parse(fs.readFileSync(path.join(pkgDir, "labextension", "package.json"), "utf8"));
const b = built.jupyterlab && built.jupyterlab._build;
if (!b || !b.load || !b.mimeExtension || !b.extension || !fs.existsSync(path.join(pkgDir, "labextension", b.load))) {
  console.error("build-labextension: labextension/package.json lacks jupyterlab._build {load, extension, mimeExtension}");
  process.exit(1);
}
console.log(`Built ${built.name} ${built.version} → ${path.relative(process.cwd(), path.join(pkgDir, "labextension"))} (remote entry ${b.load})`);
