/**
 * Polls `cond` until it holds, for tests that wait on other processes: a fixed sleep that is
 * long enough on an idle machine is too short on a loaded CI runner.
 */
export async function waitUntil(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
