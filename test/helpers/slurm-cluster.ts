/**
 * A throwaway single-node Slurm cluster on localhost for tests (see ../shared/docs/slurm-notes.md):
 * munged, slurmctld and slurmd run from a temporary folder as the current user, on free ports,
 * with every config file generated there; stop() cancels the jobs, stops the daemons and removes it.
 * The partition allows oversubscription so that held (SIGSTOPped) jobs do not block new ones.
 */
import { execFile, spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

const BINARIES = ["munged", "mungekey", "munge", "unmunge", "slurmctld", "slurmd", "sbatch", "squeue", "scancel", "scontrol", "sinfo"];
const SBIN = ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"];
const PREFIX = "greenai-slurm-";

function which(bin: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(":"), ...SBIN];
  for (const d of dirs) {
    const p = path.join(d, bin);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** Why a local cluster cannot run here (missing binaries), or null when it can. */
export function slurmUnavailableReason(): string | null {
  const missing = BINARIES.filter((b) => !which(b));
  if (missing.length === 0) return null;
  return `Slurm/munge binaries missing (${missing.join(", ")}); install with: apt-get install -y slurmctld slurmd slurm-client munge`;
}

export interface SlurmCluster {
  dir: string;
  /** Environment for Slurm commands and jobs (SLURM_CONF, PATH with sbin). */
  env: NodeJS.ProcessEnv;
  cpus: number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = execFile(cmd, args, { env, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code as number) ?? 1 : 0, stdout: String(stdout), stderr: String(stderr) });
    });
    if (input !== undefined) c.stdin!.end(input);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, proc: ChildProcess, log: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`${what} exited (${proc.exitCode ?? proc.signalCode}) while starting; log ${log}:\n${fs.existsSync(log) ? fs.readFileSync(log, "utf8").slice(-2000) : ""}`);
    }
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`${what} not ready after ${ms} ms; log ${log}`);
}

function spawnDaemon(bin: string, args: string[], log: string, env: NodeJS.ProcessEnv): ChildProcess {
  const fd = fs.openSync(log, "a");
  const p = spawn(bin, args, { env, stdio: ["ignore", fd, fd] });
  fs.closeSync(fd);
  return p;
}

async function stopProc(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const done = new Promise((r) => p.once("exit", r));
  p.kill("SIGTERM");
  await Promise.race([done, sleep(5000)]);
  if (p.exitCode === null && p.signalCode === null) {
    p.kill("SIGKILL");
    await done;
  }
}

/** Ends processes left by an earlier test run that crashed: their SLURM_CONF points into a removed greenai-slurm- folder. */
export function reapStaleClusters(): void {
  for (const n of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const env = fs.readFileSync(`/proc/${n}/environ`, "utf8").split("\0");
      const conf = env.find((e) => e.startsWith("SLURM_CONF=") && e.includes(`/${PREFIX}`));
      if (conf && !fs.existsSync(conf.slice("SLURM_CONF=".length))) process.kill(Number(n), "SIGKILL");
    } catch {
      /* gone or not ours */
    }
  }
}

export async function startSlurmCluster(): Promise<SlurmCluster> {
  reapStaleClusters();
  const T = fs.mkdtempSync(path.join("/tmp", PREFIX));
  for (const d of ["state", "spool", "log", "munge"]) fs.mkdirSync(path.join(T, d));
  fs.chmodSync(T, 0o755);
  fs.chmodSync(path.join(T, "munge"), 0o755);
  const user = os.userInfo().username;
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: [...SBIN, ...(process.env.PATH ?? "").split(":")].join(":"), SLURM_CONF: path.join(T, "slurm.conf") };
  const sock = path.join(T, "munge", "munge.socket");
  const procs: ChildProcess[] = [];
  const stopAll = async () => {
    for (const p of procs.reverse()) await stopProc(p);
    fs.rmSync(T, { recursive: true, force: true });
  };
  try {
    const key = await run(which("mungekey")!, ["-c", "-k", path.join(T, "munge", "munge.key")], env);
    if (key.code !== 0) throw new Error(`mungekey failed: ${key.stderr}`);
    const munged = spawnDaemon(
      which("munged")!,
      ["-F", `--key-file=${path.join(T, "munge", "munge.key")}`, `--socket=${sock}`, `--pid-file=${path.join(T, "munge", "munged.pid")}`, `--seed-file=${path.join(T, "munge", "munged.seed")}`],
      path.join(T, "log", "munged.log"),
      env,
    );
    procs.push(munged);
    await waitFor("munged", munged, path.join(T, "log", "munged.log"), async () => {
      const cred = await run(which("munge")!, ["-n", "-S", sock], env);
      if (cred.code !== 0) return false;
      return (await run(which("unmunge")!, ["-S", sock], env, cred.stdout)).code === 0;
    });
    const probe = await run(which("slurmd")!, ["-C"], env);
    const hwCpus = Number(/CPUs=(\d+)/.exec(probe.stdout)?.[1] ?? os.cpus().length);
    const hwMem = Number(/RealMemory=(\d+)/.exec(probe.stdout)?.[1] ?? 1000);
    const cpus = Math.max(1, hwCpus);
    const [ctldPort, dPort] = [await freePort(), await freePort()];
    const conf = [
      "ClusterName=greenaitest",
      "SlurmctldHost=localhost(127.0.0.1)",
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      `SlurmUser=${user}`,
      `SlurmdUser=${user}`,
      "AuthType=auth/munge",
      "CredType=cred/munge",
      `AuthInfo=socket=${sock}`,
      "CommunicationParameters=NoCtldInAddrAny,NoInAddrAny",
      `StateSaveLocation=${path.join(T, "state")}`,
      `SlurmdSpoolDir=${path.join(T, "spool")}`,
      `SlurmctldPidFile=${path.join(T, "slurmctld.pid")}`,
      `SlurmdPidFile=${path.join(T, "slurmd.pid")}`,
      `SlurmctldLogFile=${path.join(T, "log", "slurmctld.log")}`,
      `SlurmdLogFile=${path.join(T, "log", "slurmd.log")}`,
      "ProctrackType=proctrack/linuxproc",
      "TaskPlugin=task/none",
      "JobAcctGatherType=jobacct_gather/none",
      "MpiDefault=none",
      "MailProg=/bin/true",
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_Core",
      "SchedulerParameters=batch_sched_delay=0",
      "ReturnToService=2",
      "KillWait=2",
      `NodeName=localhost NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${Math.min(1000, hwMem)} State=UNKNOWN`,
      "PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:16",
      "",
    ].join("\n");
    fs.writeFileSync(path.join(T, "slurm.conf"), conf);
    const ctld = spawnDaemon(which("slurmctld")!, ["-D", "-f", path.join(T, "slurm.conf")], path.join(T, "log", "slurmctld.out"), env);
    procs.push(ctld);
    await waitFor("slurmctld", ctld, path.join(T, "log", "slurmctld.log"), async () => (await run(which("scontrol")!, ["ping"], env)).code === 0);
    const slurmd = spawnDaemon(which("slurmd")!, ["-D", "-N", "localhost", "-f", path.join(T, "slurm.conf")], path.join(T, "log", "slurmd.out"), env);
    procs.push(slurmd);
    await waitFor("slurmd", slurmd, path.join(T, "log", "slurmd.log"), async () => (await run(which("sinfo")!, ["-h", "-n", "localhost", "-o", "%t"], env)).stdout.trim() === "idle");
  } catch (e) {
    await stopAll();
    throw e;
  }
  return {
    dir: T,
    env,
    cpus: 0,
    async stop() {
      // jobs first: slurmstepd detaches and would outlive the daemons
      await run(which("scancel")!, [`--user=${user}`], env);
      const until = Date.now() + 15_000;
      while (Date.now() < until) {
        const q = await run(which("squeue")!, ["-h"], env);
        const pids = await run(which("scontrol")!, ["listpids"], env);
        if (q.stdout.trim() === "" && !/^\s*\d+/m.test(pids.stdout)) break;
        await sleep(100);
      }
      await stopAll();
    },
  };
}
