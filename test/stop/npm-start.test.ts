/**
 * Issue 15: however `npm start` (scripts/start.js) ends, no server and no kernel is left: one
 * Ctrl-C in a real terminal (a tmux pane, so the terminal's SIGINT goes to the foreground process
 * group exactly as when a user presses Ctrl-C), SIGTERM, and SIGKILL of start.js. Each time two
 * kernels are started through the server's REST API first.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { isAlive, listProcesses } from "../../kernel/src/trials/proc";
import { REPO_ROOT } from "../helpers/shared-data";
import { freePort } from "../helpers/free-port";
import { waitUntil } from "../helpers/wait";
import { describeProcs, processesWithEnv, waitNone } from "./procs";

const PYTHON = process.env.GREENAI_PYTHON || "/usr/bin/python3";

/** Why this test cannot run here, or undefined. The self-hosted Lab's REST API needs no frontend build (lab/build). */
function unavailable(): string | undefined {
  if (spawnSync(PYTHON, ["-c", "import jupyter_server, jupyterlab_server"]).status !== 0) return `${PYTHON} lacks jupyter_server/jupyterlab_server (apt-get install python3-jupyter-server python3-jupyterlab-server)`;
  if (!fs.existsSync(path.join(REPO_ROOT, "kernel/dist/cli.js"))) return "kernel/dist is not built (npm run build)";
  return undefined;
}

const why = unavailable();
const suite = why ? describe.skip : describe;
const noTmux = spawnSync("tmux", ["-V"]).status !== 0 ? "tmux is not installed (apt-get install tmux; it is in scripts/apt-packages.txt)" : undefined;

function post(url: string, token: string, body: object): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(url, { method: "POST", headers: { Authorization: `token ${token}`, "Content-Type": "application/json" } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(data);
  });
}

const cmdline = (pid: number) => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return "";
  }
};

/** The lab that start.js runs: its log, the Python server's pid and two kernels' pids. */
interface Lab {
  text: () => string;
  serverPid: number;
  kernelPids: number[];
}

/** Waits for start.js (writing `log`) to serve on `port`, then starts two kernels; every pid goes into `started`. */
async function labWithTwoKernels(port: number, log: string, started: number[]): Promise<Lab> {
  const text = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "");
  await waitUntil(() => /greenai JupyterLab is running/.test(text()) || /start\.js exited/.test(text()), "the server to come up", 90_000, 200);
  const token = /\?token=([0-9a-f]+)/.exec(text())?.[1];
  expect({ token, log: token ? "" : text() }).toMatchObject({ token: expect.any(String) });
  // the Python server itself, not the supervisor whose command line names it too
  const server = listProcesses().find((p) => /^\S*python3?\s\S*greenai_lab\.py/.test(cmdline(p.pid)) && cmdline(p.pid).includes(`--ServerApp.port=${port}`));
  expect(server).toBeDefined();
  const serverPid = server!.pid;
  started.push(serverPid);
  for (let i = 0; i < 2; i++) {
    const r = await post(`http://127.0.0.1:${port}/api/kernels`, token!, { name: "greenai" });
    expect(r.status).toBe(201);
  }
  const kernels = () => processesWithEnv("JPY_PARENT_PID", String(serverPid)).filter((p) => /greenai\.js kernel/.test(cmdline(p.pid)));
  await waitUntil(() => kernels().length === 2, "two kernel processes", 30_000, 100);
  const kernelPids = kernels().map((p) => p.pid);
  started.push(...kernelPids);
  return { text, serverPid, kernelPids };
}

/** What is left of the server and kernels after `ms` (empty when all are gone). */
async function leftAfter(lab: Lab, ms: number): Promise<{ left: string; log: string }> {
  const pids = [lab.serverPid, ...lab.kernelPids];
  const left = await waitNone(() => listProcesses().filter((p) => pids.includes(p.pid) && isAlive(p.pid)), ms);
  return { left: describeProcs(left), log: left.length ? lab.text() : "" };
}

suite(`npm start stops everything${why ? ` [SKIPPED: ${why}]` : ""}`, () => {
  const socket = `greenai-stop-${process.pid}`;
  const tmux = (...args: string[]) => spawnSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
  let dir: string;
  const started: number[] = [];
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "stop-start-"))));
  afterAll(() => {
    if (!noTmux) tmux("kill-server");
    for (const pid of started) if (isAlive(pid)) process.kill(pid, "SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  });

  (noTmux ? it.skip : it)(`one Ctrl-C in a terminal ends the server and both kernels within 10 s${noTmux ? ` [SKIPPED: ${noTmux}]` : ""}`, async () => {
    const port = await freePort();
    const log = path.join(dir, "ctrl-c.log");
    expect(tmux("new-session", "-d", "-s", "lab", "-x", "200", "-y", "50", "-c", REPO_ROOT).status).toBe(0);
    tmux("send-keys", "-t", "lab", `node scripts/start.js --no-build --port ${port} > ${log} 2>&1; echo "start.js exited $?" >> ${log}`, "Enter");
    const lab = await labWithTwoKernels(port, log, started);
    expect(tmux("send-keys", "-t", "lab", "C-c").status).toBe(0);
    expect(await leftAfter(lab, 10_000)).toEqual({ left: "", log: "" });
    await waitUntil(() => /start\.js exited/.test(lab.text()), "start.js to exit", 5_000, 100);
  });

  for (const sig of ["SIGTERM", "SIGKILL"] as const) {
    it(`${sig} to start.js ends the server and both kernels within 10 s`, async () => {
      const port = await freePort();
      const log = path.join(dir, `${sig}.log`);
      const out = fs.openSync(log, "w");
      const start = spawn(process.execPath, ["scripts/start.js", "--no-build", "--port", String(port)], { cwd: REPO_ROOT, stdio: ["ignore", out, out], detached: true });
      fs.closeSync(out);
      started.push(start.pid!);
      const lab = await labWithTwoKernels(port, log, started);
      start.kill(sig);
      expect(await leftAfter(lab, 10_000)).toEqual({ left: "", log: "" });
    });
  }
});
