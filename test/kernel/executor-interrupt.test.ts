/**
 * What the executor replies when a magic is interrupted (no kernel process; a fake tslab executor):
 * the magic's own InterruptedError (which says what was done) when it stops by itself; a cell error
 * after a 1 s grace when it does not stop; and a cell error even when it finished as the interrupt
 * came, so the handler still aborts the queued cells (stop_on_error).
 */
import type { Executor } from "tslab/dist/executor";
import type { MimeBundle } from "../../kernel/src/display/bundle";
import { checkpoint, InterruptedError } from "../../kernel/src/errors";
import { ErrorCollector } from "../../kernel/src/kernel/errors";
import { MagicExecutor } from "../../kernel/src/kernel/executor";
import { MagicRegistry } from "../../kernel/src/magics/dispatch";
import type { MagicContext } from "../../kernel/src/magics/types";

const fakeBase = { locals: {}, execute: async () => true, interrupt: () => undefined, reset: () => undefined, close: () => undefined } as unknown as Executor;

/** An executor whose one magic, %work, runs `run`; and the bundles it displays. */
function executorWith(run: (ctx: MagicContext) => Promise<string>) {
  const shown: MimeBundle[] = [];
  const registry = new MagicRegistry([
    { name: "work", summary: "test work", commands: [{ spec: { name: "work", summary: "runs the test's function", flags: [] }, run: async (_args, ctx) => ({ value: null, text: await run(ctx) }) }] },
  ]);
  const executor = new MagicExecutor(fakeBase, new ErrorCollector(), registry, { display: (b) => shown.push(b) });
  return { executor, shown };
}

/** Runs `%work`, interrupting after `ms`; the outcome, the error and how long after the interrupt it ended. */
async function interruptAfter(executor: MagicExecutor, ms: number) {
  let interruptedAt = NaN;
  setTimeout(() => {
    interruptedAt = Date.now();
    executor.interrupt();
  }, ms);
  const ok = await executor.execute("%work");
  return { ok, error: executor.lastError, afterMs: Date.now() - interruptedAt };
}

describe("MagicExecutor.interrupt", () => {
  it("replies with the magic's own InterruptedError, which says what was done", async () => {
    const { executor } = executorWith(async (ctx) => {
      for (let i = 0; ; i++) {
        await new Promise((r) => setTimeout(r, 5));
        await checkpoint(ctx.signal).catch(() => {
          throw new InterruptedError(`interrupted after ${i} steps`);
        });
      }
    });
    const r = await interruptAfter(executor, 200);
    expect(r.ok).toBe(false);
    expect(r.error?.ename).toBe("InterruptedError");
    expect(r.error?.evalue).toMatch(/^interrupted after \d+ steps$/);
    expect(r.afterMs).toBeLessThan(500);
  });

  it("gives up on a magic that does not stop after 1 s", async () => {
    const { executor } = executorWith(() => new Promise<string>(() => undefined));
    const r = await interruptAfter(executor, 100);
    expect(r.ok).toBe(false);
    expect(r.error?.ename).toBe("InterruptedError");
    expect(r.error?.evalue).toMatch(/did not stop within 1 s/);
    expect(r.afterMs).toBeGreaterThanOrEqual(900);
    expect(r.afterMs).toBeLessThan(2000);
  });

  it("fails the cell when the magic finished as the interrupt came, showing its result", async () => {
    const { executor, shown } = executorWith(() => new Promise<string>((resolve) => setTimeout(() => resolve("the result"), 300)));
    const r = await interruptAfter(executor, 100);
    expect(r.ok).toBe(false);
    expect(r.error?.ename).toBe("InterruptedError");
    expect(r.error?.evalue).toMatch(/as the command finished; its result is shown above/);
    expect(shown.map((b) => b.data["text/plain"])).toContain("the result");
  });

  it("runs a magic that was not interrupted as before", async () => {
    const { executor, shown } = executorWith(async () => "done");
    expect(await executor.execute("%work")).toBe(true);
    expect(shown.map((b) => b.data["text/plain"])).toEqual(["done"]);
  });
});
