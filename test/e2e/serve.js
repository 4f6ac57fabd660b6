#!/usr/bin/env node
/**
 * The server the browser tests run against (Playwright's webServer): a throw-away root
 * folder with the sample data and a notebook with stored outputs, the greenai kernelspec in
 * a throw-away prefix, and the self-hosted JupyterLab on 127.0.0.1 with Galata's helpers.
 * With --federated: the module-federation host (lab/build-federated) and the prebuilt
 * extension installed by copy, as a user's own JupyterLab 4 would load it.
 * No token: loopback only, and only for the tests. Needs `npm run build:e2e` first.
 * The server log (kernel output included) is written to test-results/e2e-server.log.
 */
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const ROOT = path.resolve(__dirname, "..", "..");
const FEDERATED = process.argv.includes("--federated");
const PORT = FEDERATED ? Number(process.env.GREENAI_E2E_FED_PORT || 18898) : Number(process.env.GREENAI_E2E_PORT || 18899);
const BUILD = path.join(ROOT, "lab", FEDERATED ? "build-federated" : "build");
const PYTHON = process.env.GREENAI_PYTHON || "/usr/bin/python3";

const needed = ["kernel/dist/cli.js", "data/samples/tpe.bundle.json", path.relative(ROOT, path.join(BUILD, "bundle.js"))];
if (FEDERATED) needed.push("extension/labextension/package.json");
for (const f of needed) {
  if (!fs.existsSync(path.join(ROOT, f))) {
    console.error(`e2e: ${f} is missing: run npm run build:e2e first`);
    process.exit(1);
  }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-e2e-"));
const serverRoot = path.join(tmp, "root");
const prefix = path.join(tmp, "prefix");
fs.mkdirSync(path.join(serverRoot, "data"), { recursive: true });
fs.cpSync(path.join(ROOT, "data", "samples"), path.join(serverRoot, "data", "samples"), { recursive: true });
fs.cpSync(path.join(ROOT, "data", "supercloud-sample"), path.join(serverRoot, "data", "supercloud-sample"), { recursive: true });
fs.mkdirSync(path.join(serverRoot, "notebooks"));
fs.copyFileSync(path.join(ROOT, "notebooks", "00-tour.ipynb"), path.join(serverRoot, "notebooks", "00-tour.ipynb"));

// A notebook whose outputs are the ready-made sample bundles, as a saved notebook would hold them.
const cells = ["tpe", "ribbon", "timeseries"].map((name, i) => ({
  cell_type: "code",
  id: `stored-${name}`,
  metadata: {},
  execution_count: i + 1,
  source: [`greenai.display(JSON.parse(require("fs").readFileSync("../data/samples/${name}.bundle.json", "utf8")));`],
  outputs: [{ output_type: "display_data", ...JSON.parse(fs.readFileSync(path.join(ROOT, "data", "samples", `${name}.bundle.json`), "utf8")) }],
}));
const tour = { cells, metadata: { kernelspec: { name: "greenai", display_name: "TypeScript (greenai)", language: "typescript" }, language_info: { name: "typescript" } }, nbformat: 4, nbformat_minor: 5 };
fs.writeFileSync(path.join(serverRoot, "notebooks", "stored-outputs.ipynb"), JSON.stringify(tour, null, 1));

const { spawnSync } = require("child_process");
const installs = [[path.join(ROOT, "kernel/bin/greenai.js"), "install", "--prefix", prefix]];
if (FEDERATED) installs.push([path.join(ROOT, "extension/scripts/install-labextension.js"), "--prefix", prefix]);
for (const argv of installs) {
  if (spawnSync(process.execPath, argv, { stdio: "inherit" }).status !== 0) process.exit(1);
}

const args = [
  path.join(ROOT, "lab", "greenai_lab.py"),
  "--ServerApp.ip=127.0.0.1",
  `--ServerApp.port=${PORT}`,
  "--ServerApp.port_retries=0",
  `--ServerApp.root_dir=${serverRoot}`,
  "--ServerApp.token=",
  "--ServerApp.password=",
  "--ServerApp.disable_check_xsrf=True",
  "--ServerApp.open_browser=False",
  ...(process.getuid && process.getuid() === 0 ? ["--allow-root"] : []),
];
// The server's log goes to a file beside the other artifacts, not into the test report.
const logDir = path.join(ROOT, "test-results");
fs.mkdirSync(logDir, { recursive: true });
const log = fs.openSync(path.join(logDir, FEDERATED ? "e2e-server-federated.log" : "e2e-server.log"), "w");
const child = spawn(PYTHON, args, {
  stdio: ["ignore", log, log],
  env: {
    ...process.env,
    GREENAI_LAB_TESTING: "1",
    GREENAI_LAB_BUILD: BUILD,
    JUPYTER_PATH: path.join(prefix, "share", "jupyter"),
    JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime"),
    GREENAI_LAB_STATE: path.join(tmp, "state"),
  },
});
const cleanup = () => fs.rmSync(tmp, { recursive: true, force: true });
const stop = () => child.exitCode === null && child.kill("SIGTERM");
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
child.on("exit", (code) => {
  cleanup();
  process.exit(code ?? 0);
});
