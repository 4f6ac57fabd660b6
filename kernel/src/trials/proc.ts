/**
 * Process-tree helpers on Linux /proc (edge module). Zombies count as gone: they hold no
 * resources and are reaped by their parent (or PID 1) whenever it gets to it.
 */
import * as fs from "fs";

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** Single-letter state: R, S, D, T (stopped), Z (zombie), … */
  state: string;
  comm: string;
}

/** Parses /proc/<pid>/stat text; null when malformed. */
export function procInfoFromStat(text: string): ProcInfo | null {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).split(" ");
  const [state, ppid, pgid, sid] = [rest[0], Number(rest[1]), Number(rest[2]), Number(rest[3])];
  if (![pid, ppid, pgid, sid].every(Number.isInteger)) return null;
  return { pid, ppid, pgid, sid, state, comm: text.slice(open + 1, close) };
}

/** Every process visible in /proc (empty where /proc is absent). */
export function listProcesses(procRoot = "/proc"): ProcInfo[] {
  let names: string[];
  try {
    names = fs.readdirSync(procRoot);
  } catch {
    return [];
  }
  const out: ProcInfo[] = [];
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const info = procInfoFromStat(fs.readFileSync(`${procRoot}/${n}/stat`, "utf8"));
      if (info) out.push(info);
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** Live (non-zombie) members of process group `pgid`. */
export function groupMembers(pgid: number, procs: readonly ProcInfo[] = listProcesses()): number[] {
  return procs.filter((p) => p.pgid === pgid && p.state !== "Z" && p.state !== "X").map((p) => p.pid);
}

/** Live descendants of `pid` (not including it), following parent links. */
export function descendants(pid: number, procs: readonly ProcInfo[] = listProcesses()): number[] {
  const children = new Map<number, number[]>();
  for (const p of procs) {
    const c = children.get(p.ppid);
    if (c) c.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const state = new Map(procs.map((p) => [p.pid, p.state]));
  const out: number[] = [];
  const stack = [...(children.get(pid) ?? [])];
  while (stack.length) {
    const q = stack.pop()!;
    if (state.get(q) !== "Z" && state.get(q) !== "X") out.push(q);
    stack.push(...(children.get(q) ?? []));
  }
  return out;
}

/** Whether a live (non-zombie) process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    const info = procInfoFromStat(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
    return info !== null && info.state !== "Z" && info.state !== "X";
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** A process's environment (/proc/<pid>/environ) as name → value; null when it is gone or not ours to read. */
export function processEnv(pid: number): Map<string, string> | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/environ`, "utf8");
  } catch {
    return null;
  }
  const env = new Map<string, string>();
  for (const kv of text.split("\0")) {
    const eq = kv.indexOf("=");
    if (eq > 0) env.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  return env;
}

/** Sends a signal to a process group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits for `p` at most `ms`; the timer is cleared as soon as `p` settles. */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
