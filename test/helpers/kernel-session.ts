/**
 * Drives the installed greenai kernel through Debian's jupyter_client (test/helpers/kernel_client.py),
 * started in a temporary folder outside the repository, as Jupyter would start it.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as readline from "readline";
import { REPO_ROOT } from "./shared-data";

export const PYTHON = "/usr/bin/python3";

export interface IopubMsg {
  msg_type: string;
  content: any;
}
export interface ExecResult {
  reply: any;
  iopub: IopubMsg[];
}

/** Why the Python side cannot run, or undefined when it can. */
export function kernelTestsUnavailable(): string | undefined {
  if (!fs.existsSync(PYTHON)) return `${PYTHON} is missing (apt-get install python3)`;
  const r = spawnSync(PYTHON, ["-c", "import jupyter_client"], { encoding: "utf8" });
  if (r.status !== 0) return "jupyter_client is missing (apt-get install python3-jupyter-client)";
  if (!fs.existsSync(path.join(REPO_ROOT, "kernel/dist/kernel/main.js"))) return "kernel/dist is not built (npm run build)";
  return undefined;
}

/** Installs the kernelspec into a fresh prefix; returns the JUPYTER_PATH to use. */
export function installKernelSpec(name = "greenai-test"): { jupyterPath: string; prefix: string } {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-prefix-"));
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, "kernel/bin/greenai.js"), "install", "--prefix", prefix, "--name", name], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`greenai install failed: ${r.stderr}`);
  return { jupyterPath: path.join(prefix, "share", "jupyter"), prefix };
}

export class KernelSession {
  private proc!: ChildProcessWithoutNullStreams;
  private lines!: AsyncIterableIterator<string>;
  readyS = NaN;
  readonly cwd: string;
  private stderr = "";

  constructor(readonly kernelName = "greenai-test") {
    this.cwd = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-nb-"));
  }

  async start(): Promise<this> {
    const { jupyterPath } = installKernelSpec(this.kernelName);
    this.proc = spawn(PYTHON, [path.join(__dirname, "kernel_client.py"), this.kernelName, this.cwd], {
      env: { ...process.env, JUPYTER_PATH: jupyterPath, PYTHONUNBUFFERED: "1" },
    });
    this.proc.stderr.on("data", (d) => (this.stderr += d.toString()));
    this.lines = readline.createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
    const first = await this.next();
    this.readyS = first.ready_s;
    return this;
  }

  private async next(): Promise<any> {
    const r = await this.lines.next();
    if (r.done) throw new Error(`kernel client exited: ${this.stderr.slice(-2000)}`);
    const v = JSON.parse(r.value);
    if (v.error) throw new Error(`kernel client: ${v.error}`);
    return v;
  }

  async request(req: object): Promise<any> {
    this.proc.stdin.write(JSON.stringify(req) + "\n");
    return this.next();
  }

  execute(code: string, opts: { timeout?: number; stop_on_error?: boolean } = {}): Promise<ExecResult> {
    return this.request({ op: "execute", code, ...opts });
  }

  /** Pid of the client process: the kernel's parent (its JPY_PARENT_PID). */
  get pid(): number {
    return this.proc.pid!;
  }

  /** SIGKILLs the client, as a crashing front end would die. */
  kill(): void {
    this.proc.kill("SIGKILL");
  }

  async stop(): Promise<void> {
    if (!this.proc || this.proc.exitCode !== null) return;
    try {
      await this.request({ op: "shutdown" });
    } catch {
      this.proc.kill("SIGKILL");
    }
  }
}

/** Concatenated stream text of one execution. */
export function streamText(r: ExecResult, name = "stdout"): string {
  return r.iopub.filter((m) => m.msg_type === "stream" && m.content.name === name).map((m) => m.content.text).join("");
}
