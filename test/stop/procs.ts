/**
 * Process checks for the stop tests: which processes carry an environment variable (the run
 * folder of a trial, the parent pid Jupyter gave a kernel), and in which state they are.
 */
import { listProcesses, processEnv, type ProcInfo } from "../../kernel/src/trials/proc";

/** Live (non-zombie) processes whose environment has `name` = `value`. */
export function processesWithEnv(name: string, value: string): ProcInfo[] {
  return listProcesses().filter((p) => p.state !== "Z" && p.state !== "X" && processEnv(p.pid)?.get(name) === value);
}

/** "pid state comm" per process, for failure messages. */
export const describeProcs = (ps: readonly ProcInfo[]) => ps.map((p) => `${p.pid} ${p.state} ${p.comm}`).join(", ");

/** Polls until `ps()` is empty; returns what is left after `ms`. */
export async function waitNone(ps: () => ProcInfo[], ms: number): Promise<ProcInfo[]> {
  const until = Date.now() + ms;
  for (;;) {
    const left = ps();
    if (left.length === 0 || Date.now() >= until) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}
