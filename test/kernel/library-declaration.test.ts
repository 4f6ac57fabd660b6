/**
 * `greenai` in notebooks is declared the first time code mentions it (issue 14: a declared library
 * makes every later cell's TypeScript program larger). Runs the built kernel parts in-process.
 */
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../helpers/shared-data";

const MAIN = path.join(REPO_ROOT, "kernel/dist/kernel/main.js");
const why = fs.existsSync(MAIN) ? undefined : "kernel/dist is not built (npm run build)";
const suite = why ? describe.skip : describe;

suite(`the greenai library in notebooks${why ? ` [SKIPPED: ${why}]` : ""}`, () => {
  it("is declared on first mention (cell, completion), typed, and again after a reset", async () => {
    const { createKernelParts } = require(MAIN);
    const parts = createKernelParts({ display() {} });
    await parts.ready;
    const ex = parts.executor;
    const out: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => void out.push(a.join(" "));
    try {
      expect(await ex.execute("1+1")).toBe(true);
      expect("greenai" in ex.locals).toBe(false); // not declared or bound by a cell that does not use it
      expect(ex.complete("greenai.makeB", 13).candidates).toContain("makeBundle");
      expect(await ex.execute("typeof greenai.makeBundle")).toBe(true);
      expect(await ex.execute("let q: number = greenai;")).toBe(false);
      expect(ex.lastError?.evalue).toMatch(/is not assignable to type 'number'/);
      ex.reset();
      expect(await ex.execute("typeof greenai.makeBundle")).toBe(true);
    } finally {
      console.log = log;
      parts.executor.close();
    }
    expect(out).toEqual(["2", "function", "function"]);
  }, 120000);
});
