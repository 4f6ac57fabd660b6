/**
 * A RIBBON problem (pool space, workload, latency profile) and what both data-folder readers
 * (read.ts for the RIBBON artifact, read-kairos.ts for Kairos) share to build one.
 */
import * as fs from "fs";
import { DataFormatError } from "../errors";
import type { PoolSpace } from "./catalogue";
import type { LatencyProfile, SizeMix, Workload } from "./workload";

/** Everything the simulator and the optimisers need for one model. */
export interface RibbonProblem {
  space: PoolSpace;
  workload: Workload;
  profile: LatencyProfile;
  /** Count N of the artifact's homogeneous baseline N × type 1 (`homogeneous.json`), if known. */
  baselineCount?: number;
  configFile: string;
  dataDir: string;
}

/** Overrides of a model's settings (CLI flags). */
export interface RibbonProblemOverrides {
  types?: string[];
  maxCounts?: number[];
  qosMs?: number;
  meanGapMs?: number;
  queries?: number;
  mix?: SizeMix;
}

/** Default number of simulated queries, as the artifact's evaluator uses. */
export const RIBBON_DEFAULT_QUERIES = 25_000;

/** Reads a file as UTF-8 text, turning a missing file into a DataFormatError that says what it is for. */
export function readText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataFormatError(`${file}: cannot read ${what} (${code ?? String(err)})`);
  }
}
