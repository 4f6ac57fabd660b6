import * as path from "path";

/** The TypeScript fork tslab compiles cells with (resolved from tslab, as tslab does). */
export function tslabTypeScriptPath(): string {
  return require.resolve("@tslab/typescript-for-tslab", { paths: [path.dirname(require.resolve("tslab/package.json"))] });
}
