/**
 * Issue 15: the kernel watches its parent like IPython (JPY_PARENT_PID). A parent that starts
 * the kernel as Jupyter does and is then SIGKILLed takes the kernel with it within seconds.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { isAlive } from "../../kernel/src/trials/proc";
import { REPO_ROOT } from "../helpers/shared-data";
import { freePort } from "../helpers/free-port";
import { waitUntil } from "../helpers/wait";

const BIN = path.join(REPO_ROOT, "kernel/bin/greenai.js");
const built = fs.existsSync(path.join(REPO_ROOT, "kernel/dist/kernel/main.js"));
const suite = built ? describe : describe.skip;

/** CPU ticks (user + system) the process has used so far. */
function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]);
}

/** Resolves once the process used no CPU for `quietMs` (the kernel compiles the library's types at start, blocking its loop). */
async function settled(pid: number, quietMs: number): Promise<void> {
  let last = cpuTicks(pid);
  let since = Date.now();
  await waitUntil(
    () => {
      const now = cpuTicks(pid);
      if (now !== last) [last, since] = [now, Date.now()];
      return Date.now() - since >= quietMs;
    },
    "the kernel to finish starting",
    60_000,
    100,
  );
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s: net.Socket = net.connect(port, "127.0.0.1", () => (s.destroy(), resolve(true)));
    s.on("error", () => resolve(false));
  });

/** A stand-in for jupyter_client: starts the kernel with JPY_PARENT_PID set to itself, prints its pid, then waits. */
const PARENT = `
const { spawn } = require("child_process");
const k = spawn(process.execPath, [process.argv[1], "kernel", "--config-path", process.argv[2]],
  { env: { ...process.env, JPY_PARENT_PID: String(process.pid) }, stdio: ["ignore", "ignore", "inherit"], detached: true });
console.log(k.pid);
setInterval(() => {}, 1000);
`;

suite(`kernel parent watch${built ? "" : " [SKIPPED: kernel/dist is not built; run npm run build]"}`, () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "stop-kernel-"))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("exits within 5 s of its parent being SIGKILLed", async () => {
    const ports = [];
    for (let i = 0; i < 5; i++) ports.push(await freePort());
    const [shell_port, iopub_port, stdin_port, control_port, hb_port] = ports;
    const conn = path.join(dir, "kernel.json");
    fs.writeFileSync(
      conn,
      JSON.stringify({ shell_port, iopub_port, stdin_port, control_port, hb_port, ip: "127.0.0.1", key: "k", transport: "tcp", signature_scheme: "hmac-sha256", kernel_name: "greenai" }),
    );
    const parent = spawn(process.execPath, ["-e", PARENT, BIN, conn], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    parent.stderr.on("data", (d) => (stderr += d));
    const kernelPid = await new Promise<number>((resolve) => parent.stdout.once("data", (d) => resolve(Number(String(d).trim()))));
    try {
      await waitUntil(() => accepts(hb_port), "the kernel's heartbeat port", 30_000, 200);
      await settled(kernelPid, 600);
      expect(isAlive(kernelPid)).toBe(true);
      parent.kill("SIGKILL");
      const t0 = Date.now();
      await waitUntil(() => !isAlive(kernelPid), "the kernel to exit after its parent died", 5_000, 50);
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(stderr).toMatch(/JPY_PARENT_PID \d+\) is gone; shutting down/);
    } finally {
      parent.kill("SIGKILL");
      if (isAlive(kernelPid)) process.kill(kernelPid, "SIGKILL");
    }
  });
});
