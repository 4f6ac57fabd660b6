/**
 * Keeps the kernel's heap from swelling with the TypeScript compiler's per-cell garbage (issue 15).
 *
 * What was measured (500 cells, /usr/bin/python3 driver, 2 cores): nothing leaks. With a full GC
 * before each reading, heapUsed stays at 103-104 MB from cell 50 to cell 500. But tslab builds a new
 * Program and type checker for every cell and keeps the previous one until the next cell, so about
 * 1.1 MB per cell survives the young-generation collections and is promoted. V8 collects the old
 * generation only when it reaches its limit (about 4x the live size, ~400 MB here), and afterwards
 * keeps the grown heap (heapTotal 344 MB for 105 MB used), so RSS never comes back: 276 -> 537 MB
 * over 500 cells. Stock tslab shows the same sawtooth (171 -> 430 -> 298 MB).
 *
 * So after a cell, when the heap has grown by more than max(32 MB, half the live size) since the
 * last collection, the kernel asks V8 for a full collection, which keeps the heap near its live
 * size and RSS flat. And once the kernel has been idle for a second after a cell that left more
 * than 8 MB of new heap, it collects too, so an idle kernel sits at its live size whatever the
 * phase of that cycle it stopped in. The collection is started with `vm.measureMemory({execution: "eager"})`, the
 * one public Node API that starts a full GC without `--expose-gc`: V8 marks incrementally and
 * concurrently, so a cell that arrives meanwhile is not held up by one long pause. It is started
 * after the cell's reply (setImmediate), never during a cell's own work.
 *
 * GREENAI_HEAP_TRIM=off turns it off (to compare).
 */
import * as v8 from "v8";
import * as vm from "vm";

export interface HeapTrimmerOptions {
  /** Growth (bytes) that always allows a collection; default 32 MB. */
  minGrowth?: number;
  /** Growth as a fraction of the live size after the last collection; default 0.5. */
  growthFraction?: number;
  /** Used heap bytes now (tests inject their own). */
  used?: () => number;
  /** Starts a full collection; resolves when it is done. */
  collect?: () => Promise<unknown>;
  /** Runs `f` after the current turn (tests run it at once). */
  defer?: (f: () => void) => void;
  /** Idle time (ms) after a cell before a small growth is collected; default 1000. */
  idleMs?: number;
  /** Growth (bytes) an idle kernel collects; default 8 MB. */
  idleGrowth?: number;
}

export class HeapTrimmer {
  /** Collections started so far. */
  collections = 0;
  /** Used heap after the last collection (or the lowest seen); undefined before the first cell. */
  private baseline?: number;
  private running = false;
  private disabled: boolean;
  private readonly minGrowth: number;
  private readonly growthFraction: number;
  private readonly used: () => number;
  private readonly collect: () => Promise<unknown>;
  private readonly defer: (f: () => void) => void;
  private readonly idleMs: number;
  private readonly idleGrowth: number;
  private idleTimer?: NodeJS.Timeout;

  constructor(opts: HeapTrimmerOptions = {}, env: NodeJS.ProcessEnv = process.env) {
    this.disabled = env.GREENAI_HEAP_TRIM === "off";
    this.minGrowth = opts.minGrowth ?? 32 * 1024 * 1024;
    this.growthFraction = opts.growthFraction ?? 0.5;
    this.used = opts.used ?? (() => v8.getHeapStatistics().used_heap_size);
    this.collect = opts.collect ?? fullCollection;
    this.defer = opts.defer ?? ((f) => void setImmediate(f));
    this.idleMs = opts.idleMs ?? 1000;
    this.idleGrowth = opts.idleGrowth ?? 8 * 1024 * 1024;
  }

  /** Call when a cell starts: an idle collection not yet begun waits for the next idle time. */
  beforeCell(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** Bytes the heap may grow past the baseline before a collection starts. */
  allowance(): number {
    return Math.max(this.minGrowth, this.growthFraction * (this.baseline ?? 0));
  }

  /** Call when a cell has finished: starts a collection if the heap has grown enough since the last one. */
  afterCell(): void {
    if (this.disabled || this.running) return;
    const used = this.used();
    if (this.baseline === undefined || used < this.baseline) {
      // the first cell, or V8 collected by itself: measure growth from here
      this.baseline = used;
      return;
    }
    if (used - this.baseline > this.allowance()) return this.start();
    if (used - this.baseline > this.idleGrowth) {
      this.beforeCell();
      this.idleTimer = setTimeout(() => {
        this.idleTimer = undefined;
        if (!this.running) this.start();
      }, this.idleMs);
      this.idleTimer.unref();
    }
  }

  private start(): void {
    this.running = true;
    this.collections++;
    this.defer(() => {
      this.collect()
        .then(
          () => {
            this.baseline = this.used();
          },
          () => {
            // no way to collect on this Node: stop trying (stderr here would land in a cell's output)
            this.disabled = true;
          },
        )
        .finally(() => {
          this.running = false;
        });
    });
  }
}

/** A full garbage collection through vm.measureMemory's eager mode (see the file comment). */
export function fullCollection(): Promise<unknown> {
  // vm.measureMemory is marked experimental: Node's one-time ExperimentalWarning would be written to
  // stderr, which during a session is the current cell's output. Keep it out.
  const emitWarning = process.emitWarning;
  process.emitWarning = () => undefined;
  try {
    return vm.measureMemory({ mode: "summary", execution: "eager" });
  } catch (e) {
    return Promise.reject(e);
  } finally {
    process.emitWarning = emitWarning;
  }
}
