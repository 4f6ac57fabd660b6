/**
 * Real public data lives in ../shared/data beside the repository (see its README).
 * Tests that need it use describeWithData, which skips with the reason when it is absent.
 */
import * as fs from "fs";
import * as path from "path";

export const REPO_ROOT = path.resolve(__dirname, "../..");
export const SHARED_DATA = process.env.GREENAI_SHARED_DATA ?? path.resolve(REPO_ROOT, "../shared/data");

/** Absolute path of a file or folder under ../shared/data, or undefined when it is missing. */
export function sharedData(rel: string): string | undefined {
  const p = path.join(SHARED_DATA, rel);
  return fs.existsSync(p) ? p : undefined;
}

/** describe() when ../shared/data/<rel> exists; otherwise a skipped block that says why. */
export function describeWithData(rel: string, name: string, fn: (dir: string) => void): void {
  const p = sharedData(rel);
  if (p) {
    describe(name, () => fn(p));
  } else {
    describe.skip(`${name} [SKIPPED: ${path.join(SHARED_DATA, rel)} is absent; see ../shared/data/README.md]`, () => {
      it("needs the shared data", () => undefined);
    });
  }
}
