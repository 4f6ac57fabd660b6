#!/usr/bin/env node
/**
 * `npm start`: build what is out of date, install the greenai kernelspec and the JupyterLab
 * extension into a project-local prefix (.local/), and start JupyterLab 4 on 127.0.0.1 with a
 * random token, opened on notebooks/. Prints the URL to open.
 *
 *   npm start [-- --port N] [--ip ADDR] [--no-token] [--system-lab] [--no-build] [--smoke]
 *
 * --ip ADDR      listen on ADDR instead of 127.0.0.1 (other interfaces only when asked)
 * --port N       port (default: a free one from 8888 up)
 * --no-token     no token: only with --ip 127.0.0.1 (the default), never on other interfaces
 * --system-lab   use an installed `jupyter lab` (JupyterLab 4) instead of the self-hosted one
 * --no-build     skip the build step (use what is built)
 * --smoke        start, check the kernel and the tour notebook are served, stop (for CI)
 *
 * Ctrl-C (once), SIGTERM or SIGHUP stop the server and every kernel it started (and their live
 * trials); if this script is killed outright, the server and its kernels stop by themselves.
 */
"use strict";
const { spawn, spawnSync } = require("child_process");
const crypto = require("crypto");
const fs = require("fs");
const http = require("http");
const net = require("net");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const PREFIX = path.join(ROOT, ".local");
const DATA_DIR = path.join(PREFIX, "share", "jupyter");
const PYTHON = process.env.GREENAI_PYTHON || "/usr/bin/python3";
const TOUR = "00-tour.ipynb";

function parseArgs(argv) {
  const o = { ip: "127.0.0.1", port: 0, token: true, systemLab: false, build: true, smoke: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    if (a === "--ip") o.ip = val();
    else if (a === "--port") o.port = Number(val());
    else if (a === "--no-token") o.token = false;
    else if (a === "--system-lab") o.systemLab = true;
    else if (a === "--no-build") o.build = false;
    else if (a === "--smoke") o.smoke = true;
    else if (a === "--help" || a === "-h") {
      console.log(fs.readFileSync(__filename, "utf8").split("*/")[0].replace(/^#!.*\n\/\*\*\n/, "").replace(/^ \* ?/gm, ""));
      process.exit(0);
    } else fail(`unknown option ${JSON.stringify(a)} (see npm start -- --help)`);
  }
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) fail(`--port must be an integer in 0..65535 but got ${o.port}`);
  if (!o.token && !isLoopback(o.ip)) fail(`--no-token is only allowed on 127.0.0.1, not on ${o.ip}`);
  return o;
}

function fail(msg) {
  console.error(`npm start: ${msg}`);
  process.exit(2);
}

const isLoopback = (ip) => ip === "127.0.0.1" || ip === "localhost" || ip === "::1";

function step(msg) {
  console.log(`\x1b[32m▸\x1b[0m ${msg}`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: ROOT, ...opts });
  if (r.status !== 0) {
    console.error(`npm start: ${[cmd, ...args].map((x) => path.relative(ROOT, x) || x).join(" ")} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

/** Newest modification time (ms) of the files under `paths` (files or folders), 0 if none. */
function newest(paths) {
  let t = 0;
  const walk = (p) => {
    let st;
    try {
      st = fs.statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p)) if (e !== "node_modules") walk(path.join(p, e));
    } else t = Math.max(t, st.mtimeMs);
  };
  paths.forEach((p) => walk(path.join(ROOT, p)));
  return t;
}

const mtime = (p) => {
  try {
    return fs.statSync(path.join(ROOT, p)).mtimeMs;
  } catch {
    return 0;
  }
};

/** Runs `build` when `output` is missing or older than any of `inputs`. */
function buildIfStale(name, inputs, output, build) {
  if (mtime(output) >= newest(inputs) && mtime(output) > 0) return;
  step(`building ${name}`);
  const t0 = Date.now();
  build();
  console.log(`  ${name} built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

function tsc(project) {
  run(process.execPath, [require.resolve("typescript/bin/tsc", { paths: [ROOT] }), "-p", project]);
}

/**
 * Builds what is stale, and of the two Lab builds only the one that will be served: the self-hosted
 * frontend (which bundles the extension from source), or the prebuilt labextension that an
 * installed JupyterLab loads (--system-lab). Each is over a minute of CPU on a first start.
 */
function build(selfHosted) {
  buildIfStale("greenai-common", ["common/src", "common/tsconfig.json"], "common/dist/index.js", () => tsc("common/tsconfig.json"));
  buildIfStale("greenai kernel", ["kernel/src", "kernel/tsconfig.json", "common/dist"], "kernel/dist/cli.js", () => tsc("kernel/tsconfig.json"));
  buildIfStale("extension (TypeScript)", ["extension/src", "extension/tsconfig.json", "common/dist"], "extension/lib/index.js", () => tsc("extension/tsconfig.json"));
  if (!selfHosted) {
    buildIfStale("extension (prebuilt labextension)", ["extension/lib", "extension/style", "extension/package.json", "common/dist"], "extension/labextension/package.json", () =>
      run(process.execPath, [path.join(ROOT, "extension/scripts/build-labextension.js")]),
    );
    return;
  }
  buildIfStale("JupyterLab frontend (webpack, a minute or two the first time)", ["lab/src", "lab/webpack.config.js", "lab/package.json", "extension/lib", "extension/style", "package-lock.json"], "lab/build/bundle.js", () =>
    run(process.execPath, [require.resolve("webpack-cli/bin/cli.js", { paths: [path.join(ROOT, "lab")] }), "--config", "webpack.config.js", "--mode", "production"], { cwd: path.join(ROOT, "lab") }),
  );
}

function checkPython() {
  const r = spawnSync(PYTHON, ["-c", "import jupyter_server, jupyterlab_server; print(jupyter_server.__version__, jupyterlab_server.__version__)"], { encoding: "utf8" });
  if (r.status !== 0) {
    console.error(
      `npm start: ${PYTHON} cannot import jupyter_server and jupyterlab_server.\n` +
        `  On Debian/Ubuntu: sudo apt-get install python3-jupyter-server python3-jupyterlab-server\n` +
        `  Or point GREENAI_PYTHON at a Python that has them.`,
    );
    process.exit(1);
  }
  return r.stdout.trim();
}

/** An installed `jupyter lab` of major version 4, or null. */
function systemLab() {
  const r = spawnSync("jupyter", ["lab", "--version"], { encoding: "utf8" });
  return r.status === 0 && /^4\./.test(r.stdout.trim()) ? r.stdout.trim() : null;
}

/** The kernelspec, and for an installed JupyterLab the prebuilt extension (the self-hosted one bundles it). */
function install(selfHosted) {
  step(`installing the greenai kernelspec${selfHosted ? "" : " and extension"} into ${path.relative(ROOT, PREFIX)}/`);
  run(process.execPath, [path.join(ROOT, "kernel/bin/greenai.js"), "install", "--prefix", PREFIX]);
  if (!selfHosted) run(process.execPath, [path.join(ROOT, "extension/scripts/install-labextension.js"), "--prefix", PREFIX]);
}

function freePort(host, from) {
  return new Promise((resolve, reject) => {
    const tryPort = (p) => {
      const srv = net.createServer();
      srv.once("error", (err) => (err.code === "EADDRINUSE" && p < from + 100 ? tryPort(p + 1) : reject(err)));
      srv.listen(p, host, () => srv.close(() => resolve(p)));
    };
    tryPort(from);
  });
}

function get(url, headers = {}) {
  return new Promise((resolve) => {
    const req = http.get(url, { headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("error", () => resolve({ status: 0, body: "" }));
    req.setTimeout(5000, () => req.destroy());
  });
}

async function waitReady(base, token, child, timeoutMs = 60000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (child.exitCode !== null) return false;
    const r = await get(`${base}/api/status`, token ? { Authorization: `token ${token}` } : {});
    if (r.status === 200) return true;
    await new Promise((res) => setTimeout(res, 300));
  }
  return false;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (Number(process.versions.node.split(".")[0]) < 20) fail(`Node ≥ 20 is needed, this is ${process.version}`);
  const useSystem = o.systemLab ? systemLab() : null;
  if (o.systemLab && !useSystem) fail("--system-lab: no `jupyter lab` of version 4 on PATH");
  if (!useSystem) step(`Python: ${PYTHON} (jupyter_server, jupyterlab_server ${checkPython()})`);
  if (o.build) build(!useSystem);
  else if (!fs.existsSync(path.join(ROOT, "kernel/dist/cli.js"))) fail("--no-build, but nothing is built: run npm run build first");
  install(!useSystem);

  const host = o.ip === "localhost" ? "127.0.0.1" : o.ip;
  const port = o.port || (await freePort(host, 8888));
  const token = o.token ? crypto.randomBytes(24).toString("hex") : "";
  const env = {
    ...process.env,
    JUPYTER_PATH: [DATA_DIR, process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter),
    JUPYTER_RUNTIME_DIR: path.join(PREFIX, "runtime"),
    GREENAI_LAB_STATE: path.join(PREFIX, "lab-state"),
    // the self-hosted server stops (kernels first) if its supervisor is killed outright
    GREENAI_LAB_WATCH_PARENT: "1",
  };
  const flags = [
    `--ServerApp.ip=${o.ip}`,
    `--ServerApp.port=${port}`,
    "--ServerApp.port_retries=0",
    `--ServerApp.root_dir=${path.join(ROOT, "notebooks")}`,
    `--ServerApp.token=${token}`,
    "--ServerApp.open_browser=False",
    ...(o.token ? [] : ["--ServerApp.password=", "--ServerApp.disable_check_xsrf=True"]),
    ...(typeof process.getuid === "function" && process.getuid() === 0 ? ["--allow-root"] : []),
  ];
  const [cmd, args] = useSystem ? ["jupyter", ["lab", ...flags]] : [PYTHON, [path.join(ROOT, "lab/greenai_lab.py"), ...flags]];
  step(`starting ${useSystem ? `JupyterLab ${useSystem} (installed)` : "JupyterLab 4 (self-hosted)"} on ${o.ip}:${port}`);
  const { child, stop } = startServer(cmd, args, env, (code) => process.exit(o.smoke ? process.exitCode ?? 0 : code));

  const base = `http://${o.ip.includes(":") ? `[${o.ip}]` : o.ip}:${port}`;
  if (!(await waitReady(base, token, child))) {
    console.error("npm start: the server did not come up within 60 s (see its log above)");
    stop();
    process.exitCode = 1;
    return;
  }
  const url = `${base}/lab/tree/${TOUR}${token ? `?token=${token}` : ""}`;
  console.log(`\n  greenai JupyterLab is running. Open:\n\n    ${url}\n\n  Stop with Ctrl-C.\n`);
  if (o.smoke) {
    process.exitCode = await smoke(base, token, !useSystem);
    stop();
  }
}

/**
 * Starts the server under kernel/bin/supervise.js, in its own session: a Ctrl-C in the terminal
 * reaches only this script, which stops the server once (SIGTERM, so jupyter_server shuts its
 * kernels down), waits for it, then ends any kernel it left (processes whose JPY_PARENT_PID is the
 * server's). If this script is killed (even SIGKILL), the supervisor sees its pipe close and
 * stops the server; kernels whose server is gone exit by themselves (they watch JPY_PARENT_PID).
 * `onExit(code)` runs once all is stopped.
 */
function startServer(cmd, args, env, onExit) {
  const child = spawn(process.execPath, [SUPERVISOR, "--grace-ms", String(SERVER_GRACE_MS), "--report-fd", "3", "--", cmd, ...args], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ["pipe", "inherit", "inherit", "pipe"],
  });
  let serverPid = null;
  child.stdio[3].setEncoding("utf8");
  child.stdio[3].on("data", (d) => {
    const m = /"pid":(\d+)/.exec(d);
    if (m && serverPid === null) serverPid = Number(m[1]);
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return console.log(`npm start: already stopping (the server gets up to ${SERVER_GRACE_MS / 1000} s to shut its kernels down)`);
    stopping = true;
    if (child.exitCode === null) {
      console.log("npm start: stopping the server and its kernels…");
      child.kill("SIGTERM");
    }
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  process.on("SIGHUP", stop);
  child.on("exit", async (code, sig) => {
    if (serverPid !== null) await endKernelsOf(serverPid);
    onExit(code ?? (sig ? 1 : 0));
  });
  return { child, stop };
}

/** Seconds the server gets to shut its kernels down before SIGKILL (jupyter_server waits up to 5 s per kernel). */
const SERVER_GRACE_MS = 15000;
const SUPERVISOR = path.join(ROOT, "kernel/bin/supervise.js");

/** Ends what survived the server: kernels (and their trials) carry JPY_PARENT_PID = the server's pid. */
async function endKernelsOf(serverPid) {
  const { listProcesses, processEnv } = require(path.join(ROOT, "kernel/dist/trials/proc.js"));
  const left = () => listProcesses().filter((p) => p.state !== "Z" && p.state !== "X" && processEnv(p.pid)?.get("JPY_PARENT_PID") === String(serverPid));
  const signal = (pids, sig) => pids.forEach((p) => {
    try {
      process.kill(p.pid, sig);
    } catch {
      /* gone */
    }
  });
  let procs = left();
  if (procs.length === 0) return;
  console.log(`npm start: ending ${procs.length} process(es) the server left: ${procs.map((p) => `${p.pid} ${p.comm}`).join(", ")}`);
  signal(procs, "SIGTERM");
  signal(procs, "SIGCONT"); // held trials get the TERM only once continued
  const until = Date.now() + 5000;
  while ((procs = left()).length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  signal(procs, "SIGKILL");
}

/** --smoke: the kernelspec is listed, the tour notebook, the app page and the greenai extension are served. */
async function smoke(base, token, selfHosted) {
  const auth = token ? { Authorization: `token ${token}` } : {};
  const specs = await get(`${base}/api/kernelspecs`, auth);
  const nb = await get(`${base}/api/contents/${TOUR}?content=0`, auth);
  const page = await get(`${base}/lab?token=${token}`);
  const unauth = await get(`${base}/api/contents/${TOUR}?content=0`);
  const checks = [
    ["kernelspec greenai listed", specs.status === 200 && JSON.parse(specs.body || "{}").kernelspecs?.greenai !== undefined],
    [`${TOUR} served`, nb.status === 200],
    ["JupyterLab page served", page.status === 200 && page.body.includes("jupyter-config-data")],
    selfHosted
      ? ["greenai extension bundled and served", await bundledExtensionServed(base, page.body)]
      : ["greenai extension in page config", page.body.includes("@greenai/jupyterlab-greenai")],
    ["requests without the token refused", !token || unauth.status === 403],
  ];
  for (const [name, ok] of checks) console.log(`  ${ok ? "ok  " : "FAIL"} ${name}`);
  const failed = checks.filter(([, ok]) => !ok).length;
  console.log(`smoke: ${checks.length - failed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

/** The chunk of lab/build holding the greenai plugin is served at the page's static URL. */
async function bundledExtensionServed(base, pageBody) {
  const staticUrl = /"fullStaticUrl":\s*"([^"]+)"/.exec(pageBody)?.[1];
  const dir = path.join(ROOT, "lab/build");
  const chunk = fs.readdirSync(dir).find((f) => f.endsWith(".js") && fs.readFileSync(path.join(dir, f), "utf8").includes('"@greenai/jupyterlab-greenai:summary"'));
  return Boolean(staticUrl && chunk) && (await get(`${base}${staticUrl}/${chunk}`)).status === 200;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
