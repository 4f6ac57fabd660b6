#!/usr/bin/env node
/**
 * Installs the prebuilt extension by copying extension/labextension into a Jupyter data
 * directory, where any JupyterLab 4 (pip, conda, or our self-hosted one) finds it.
 *
 *   node extension/scripts/install-labextension.js [--prefix DIR | --user | --sys-prefix | --data-dir DIR] [--symlink]
 *
 * --prefix DIR   → DIR/share/jupyter (then run Jupyter with JUPYTER_PATH=DIR/share/jupyter)
 * --user         → $XDG_DATA_HOME/jupyter or ~/.local/share/jupyter (the default)
 * --sys-prefix   → /usr/local/share/jupyter
 * --data-dir DIR → DIR itself
 * --symlink      → link instead of copy (for development: rebuilds show up at once)
 */
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");

const pkgDir = path.resolve(__dirname, "..");
const src = path.join(pkgDir, "labextension");

function usage(msg) {
  if (msg) console.error(`install-labextension: ${msg}`);
  console.error("usage: install-labextension.js [--prefix DIR | --user | --sys-prefix | --data-dir DIR] [--symlink]");
  process.exit(2);
}

/** The Jupyter data directory for the chosen scope (same rules as `greenai install`). */
function dataDirFrom(argv) {
  let dir = null;
  let scopes = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--prefix" || a === "--data-dir") {
      const v = argv[++i];
      if (!v) usage(`${a} needs a directory`);
      dir = a === "--prefix" ? path.join(path.resolve(v), "share", "jupyter") : path.resolve(v);
      scopes++;
    } else if (a === "--user") {
      dir = path.join(process.env.XDG_DATA_HOME || path.join(os.homedir(), ".local", "share"), "jupyter");
      scopes++;
    } else if (a === "--sys-prefix") {
      dir = "/usr/local/share/jupyter";
      scopes++;
    } else if (a !== "--symlink") {
      usage(`unknown argument ${JSON.stringify(a)}`);
    }
  }
  if (scopes > 1) usage("give at most one of --prefix, --user, --sys-prefix, --data-dir");
  return dir || path.join(process.env.XDG_DATA_HOME || path.join(os.homedir(), ".local", "share"), "jupyter");
}

/** Copies (or links) the built extension to <dataDir>/labextensions/<name>; returns that path. */
function installLabextension(dataDir, { symlink = false } = {}) {
  const pkgFile = path.join(src, "package.json");
  if (!fs.existsSync(pkgFile)) throw new Error(`${pkgFile} is missing: build it first (npm run build:labextension -w extension)`);
  const pkg = JSON.parse(fs.readFileSync(pkgFile, "utf8"));
  if (!pkg.jupyterlab || !pkg.jupyterlab._build) throw new Error(`${pkgFile} has no jupyterlab._build: it is not a built labextension`);
  const dest = path.join(dataDir, "labextensions", ...pkg.name.split("/"));
  fs.rmSync(dest, { recursive: true, force: true }); // chunk names change with every build
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  if (symlink) fs.symlinkSync(src, dest, "dir");
  else {
    fs.cpSync(src, dest, { recursive: true });
    fs.writeFileSync(
      path.join(dest, "install.json"),
      JSON.stringify({ packageManager: "npm", packageName: pkg.name, uninstallInstructions: `Remove ${dest}` }, null, 2) + "\n",
    );
  }
  return dest;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  try {
    const dest = installLabextension(dataDirFrom(argv), { symlink: argv.includes("--symlink") });
    console.log(`Installed ${path.basename(path.dirname(dest))}/${path.basename(dest)} in ${dest}`);
  } catch (err) {
    console.error(`install-labextension: ${err.message}`);
    process.exit(1);
  }
}

module.exports = { installLabextension, dataDirFrom };
