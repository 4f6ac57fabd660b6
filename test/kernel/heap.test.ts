/** HeapTrimmer: when the kernel asks V8 for a full collection (kernel/src/kernel/heap.ts). */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as v8 from "v8";
import { fullCollection, HeapTrimmer } from "../../kernel/src/kernel/heap";
import { REPO_ROOT } from "../helpers/shared-data";

const MB = 1024 * 1024;

/** A trimmer over a fake heap: `heap.used` is what it reads, collect() drops it to `heap.live`. */
function fake(opts: { idleMs?: number } = {}) {
  const heap = { used: 100 * MB, live: 100 * MB, collects: 0 };
  const t = new HeapTrimmer({
    used: () => heap.used,
    collect: async () => {
      heap.collects++;
      heap.used = heap.live;
    },
    defer: (f) => f(),
    idleMs: opts.idleMs ?? 20,
  });
  return { heap, t };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("HeapTrimmer", () => {
  it("collects once the heap has grown past max(32 MB, half the live size) since the last collection", async () => {
    const { heap, t } = fake();
    t.afterCell(); // first cell: the baseline
    expect(t.allowance()).toBe(50 * MB);
    heap.used += 45 * MB;
    t.beforeCell();
    t.afterCell();
    expect(heap.collects).toBe(0);
    heap.used += 10 * MB; // 55 MB over a 100 MB baseline: past 50 MB
    t.beforeCell();
    t.afterCell();
    await tick();
    expect(heap.collects).toBe(1);
    expect(heap.used).toBe(100 * MB);
  });

  it("allows 32 MB over a small heap, half the live size over a large one", async () => {
    const small = fake();
    small.heap.used = small.heap.live = 20 * MB;
    small.t.afterCell();
    expect(small.t.allowance()).toBe(32 * MB);
    const { heap, t } = fake();
    heap.used = heap.live = 400 * MB;
    t.afterCell();
    expect(t.allowance()).toBe(200 * MB);
    heap.used += 150 * MB;
    t.beforeCell();
    t.afterCell();
    await tick();
    expect(heap.collects).toBe(0);
    heap.used += 60 * MB;
    t.beforeCell();
    t.afterCell();
    await tick();
    expect(heap.collects).toBe(1);
  });

  it("collects a smaller growth only after the kernel has been idle, and a new cell postpones it", async () => {
    const { heap, t } = fake({ idleMs: 30 });
    t.afterCell();
    heap.used += 10 * MB; // over 8 MB, under the 50 MB allowance
    t.beforeCell();
    t.afterCell();
    await new Promise((r) => setTimeout(r, 10));
    t.beforeCell(); // a cell arrives before the kernel was idle long enough
    await new Promise((r) => setTimeout(r, 50));
    expect(heap.collects).toBe(0);
    t.afterCell();
    await new Promise((r) => setTimeout(r, 60));
    expect(heap.collects).toBe(1);
  });

  it("does nothing when idle with little new heap, or when V8 collected by itself", async () => {
    const { heap, t } = fake({ idleMs: 10 });
    t.afterCell();
    heap.used += 4 * MB;
    t.afterCell();
    heap.used = 90 * MB; // V8's own collection: the new baseline
    t.afterCell();
    heap.used += 40 * MB; // 40 MB over 90: under the 45 MB allowance
    t.afterCell();
    expect(heap.collects).toBe(0);
    await new Promise((r) => setTimeout(r, 40));
    expect(heap.collects).toBe(1); // only the idle collection of the 40 MB
  });

  it("is off with GREENAI_HEAP_TRIM=off", async () => {
    let collects = 0;
    let used = 100 * MB;
    const t = new HeapTrimmer({ used: () => used, collect: async () => void collects++, defer: (f) => f() }, { GREENAI_HEAP_TRIM: "off" });
    t.afterCell();
    used += 500 * MB;
    t.afterCell();
    await tick();
    expect(collects).toBe(0);
  });

  it("stops trying when the collection is not available", async () => {
    let calls = 0;
    let used = 100 * MB;
    const t = new HeapTrimmer({ used: () => used, collect: async () => { calls++; throw new Error("no measureMemory"); }, defer: (f) => f() });
    t.afterCell();
    used += 100 * MB;
    t.afterCell();
    await tick();
    used += 100 * MB;
    t.afterCell();
    await tick();
    expect(calls).toBe(1);
  });

  it("fullCollection frees unreachable memory in this process", async () => {
    {
      let garbage: number[][] | undefined = Array.from({ length: 200 }, () => Array.from({ length: 10_000 }, (_, i) => i + 0.5));
      const withGarbage = v8.getHeapStatistics().used_heap_size;
      expect(garbage.length).toBe(200);
      garbage = undefined;
      await fullCollection();
      const after = v8.getHeapStatistics().used_heap_size;
      // 200 x 10,000 doubles = 16 MB of unreachable arrays
      expect(withGarbage - after).toBeGreaterThan(12 * MB);
    }
  });

  // jest gives tests their own `process`, so Node's warning is checked in a plain node process.
  const dist = path.join(REPO_ROOT, "kernel/dist/kernel/heap.js");
  (fs.existsSync(dist) ? it : it.skip)(`fullCollection writes no ExperimentalWarning to stderr (a cell's output in the kernel)${fs.existsSync(dist) ? "" : " [SKIPPED: kernel/dist is not built]"}`, () => {
    const code = `require(${JSON.stringify(dist)}).fullCollection().then(() => setTimeout(() => console.log("collected"), 50))`;
    const r = spawnSync(process.execPath, ["-e", code], { encoding: "utf8" });
    expect(r.stdout.trim()).toBe("collected");
    expect(r.stderr).not.toMatch(/ExperimentalWarning|measureMemory/);
  });
});
