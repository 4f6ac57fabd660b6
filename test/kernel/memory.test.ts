/**
 * Memory after many large outputs (issue 15): 500 execute requests, each printing a 100 kB
 * output, must leave the kernel's resident memory within 20% of where it stood after a warm-up,
 * once the outputs are cleared (the client keeps none). The test forces no GC: the kernel runs as a
 * user starts it. While the cells run, RSS must also stay within 80% above that level (the
 * collections after cells; without them it peaked at 2.2x).
 */
import * as fs from "fs";
import { KernelSession, kernelTestsUnavailable, streamText } from "../helpers/kernel-session";

/**
 * What the growth was (issue 15, measured with 500 cells): not a leak. With a full GC before each
 * reading (node --expose-gc), heapUsed stays at 103-104 MB from cell 50 to cell 500. tslab builds a
 * new TypeScript Program and checker for every cell; ~1.1 MB of it per cell is promoted to the old
 * generation, which V8 collects only near ~4x the live size and then keeps grown: RSS 310 -> 550 MB
 * (stock tslab: the same sawtooth, 171 -> 430 -> 298 MB). The kernel now collects after a cell when
 * the heap has grown 32 MB (or half the live size) and when it has been idle for a second
 * (kernel/src/kernel/heap.ts); both readings here are taken the same way, after 2 s idle.
 * On a busy machine RSS also grew by ~70 MB outside the V8 heap (most likely glibc arenas of the
 * kernel's other threads keeping freed output buffers); the kernelspec's MALLOC_ARENA_MAX=1 stopped
 * that in our runs (install.ts).
 */
const why = kernelTestsUnavailable();
const suite = why ? describe.skip : describe;
if (why) console.warn(`SKIPPED kernel memory test: ${why}`);

/** Resident memory of a process in kB (VmRSS in /proc/PID/status). */
function rssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]);
}

const OUTPUT_BYTES = 100_000;
/** One TypeScript cell with a 100 kB output, different each time (no caching of equal strings); nothing is kept in a variable. */
const cell = (i: number) => `console.log(String(${i}).padEnd(${OUTPUT_BYTES}, "x"))`;

suite(`kernel memory${why ? ` [SKIPPED: ${why}]` : ""}`, () => {
  let k: KernelSession;
  beforeAll(async () => {
    k = await new KernelSession().start();
  }, 120000);
  afterAll(async () => {
    await k?.stop();
  });

  it("returns to within 20% of its resident memory after 500 executions with 100 kB outputs", async () => {
    const pidOut = await k.execute("console.log(process.pid)");
    const pid = Number(streamText(pidOut).trim());
    expect(Number.isInteger(pid) && pid > 1).toBe(true);
    /** RSS once the kernel has been idle 2 s, as a user leaves it between cells. */
    const idleRss = async () => {
      await new Promise((r) => setTimeout(r, 2000));
      await k.execute("1");
      return rssKb(pid);
    };
    // Warm-up: RSS rises ~20% over the first ~100-200 cells and is flat after (here, two busy cores
    // beside it: 189 MB at cell 50, then 221-243 from cell 250 to 520), and a last-resort GC at the end
    // frees none of it: warm-up (most likely compiled code and the compiler's caches), not output kept. With
    // GREENAI_HEAP_TRIM=off this test still fails from here (233 MB after warm-up, 377 at the end).
    const warm = 100;
    for (let i = 0; i < warm; i++) {
      const r = await k.execute(cell(i));
      expect(r.reply.status).toBe("ok");
    }
    const before = await idleRss();
    const samples: number[] = [];
    for (let i = warm; i < warm + 500; i++) {
      const r = await k.execute(cell(i));
      if (r.reply.status !== "ok") throw new Error(`cell ${i}: ${JSON.stringify(r.reply)}`);
      expect(streamText(r).length).toBe(OUTPUT_BYTES + 1); // the output came whole; then it is dropped here
      if (i % 50 === 0) samples.push(rssKb(pid));
    }
    const after = await idleRss();
    console.log(`kernel RSS: ${before} kB after warm-up, ${after} kB after 500 more (samples every 50: ${samples.join(", ")})`);
    expect(after).toBeLessThanOrEqual(before * 1.2);
    // The peak: around cell 300 RSS jumps for one reading and falls back (seen up to 1.65x: 204 -> 337
    // -> 232 MB, most likely the optimizing compiler's scratch memory for a hot TypeScript function).
    // 1.8x still fails without the collections (2.04x, GREENAI_HEAP_TRIM=off).
    expect(Math.max(...samples)).toBeLessThanOrEqual(before * 1.8);
  }, 180000);
});
