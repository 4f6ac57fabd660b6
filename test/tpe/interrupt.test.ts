/**
 * `%tpe replay` and `%tpe sweep` stop within a fraction of a second of an interrupt and say how far
 * they got. Scoring 300 curves of 100 epochs by lcfit (a curve fit per epoch) takes seconds of
 * synchronous work, so without the steps' checkpoints the abort timer could not fire before the
 * magic had finished.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { InterruptedError } from "../../kernel/src/errors";
import { dispatchMagic } from "../../kernel/src/magics/dispatch";
import { createRegistry } from "../../kernel/src/magics/registry";
import { fakeMagicContext } from "../helpers/magic-context";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-tpe-interrupt-"));
  const rows = ["run_id,epoch,train_loss,val_loss"];
  for (let r = 0; r < 300; r++) {
    const a = 0.5 + (r % 7) * 0.2;
    const b = 0.05 + (r % 11) * 0.02;
    const c = 0.1 + (r % 13) * 0.05;
    for (let e = 1; e <= 100; e++) {
      const wiggle = 0.01 * Math.sin(r * 31 + e * 7);
      const train = c + a / (1 + b * e) + wiggle;
      rows.push(`r${r},${e},${train.toFixed(5)},${(train + 0.1).toFixed(5)}`);
    }
  }
  fs.writeFileSync(path.join(dir, "curves.csv"), rows.join("\n") + "\n");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs a magic line, aborting after `ms`; the error and how long after the abort it came. */
async function interruptedAfter(line: string, ms: number): Promise<{ error: unknown; stoppedMs: number }> {
  const controller = new AbortController();
  let abortedAt = NaN;
  const timer = setTimeout(() => {
    abortedAt = Date.now();
    controller.abort();
  }, ms);
  const error = await dispatchMagic(createRegistry(), line, fakeMagicContext({ cwd: dir, signal: controller.signal })).then(
    () => new Error("the magic finished: the interrupt did not stop it"),
    (e: unknown) => e,
  );
  clearTimeout(timer);
  return { error, stoppedMs: Date.now() - abortedAt };
}

describe("interrupting %tpe replay and %tpe sweep", () => {
  it("stops replay while it scores, naming the trials scored", async () => {
    const { error, stoppedMs } = await interruptedAfter("tpe replay --curves curves.csv --score lcfit --budget 0.5", 1000);
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as Error).message).toMatch(/^interrupted while scoring by lcfit: \d+ of 300 trials scored; nothing replayed$/);
    expect(stoppedMs).toBeLessThan(1000);
  }, 60000);

  it("stops a sweep while it scores, naming the score", async () => {
    const { error, stoppedMs } = await interruptedAfter("tpe sweep --curves curves.csv --scores lcfit,tse", 1000);
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as Error).message).toMatch(/^interrupted while scoring by lcfit \(score 1 of 2\); no setting swept$/);
    expect(stoppedMs).toBeLessThan(1000);
  }, 60000);
});
