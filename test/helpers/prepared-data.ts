/**
 * A GREENAI_DATA_DIR folder laid out from ../shared/data in the prepared layouts of the
 * manifest's data sets (what `greenai data fetch NAME --to DIR` writes), so notebooks and
 * tests get their data by name, as a user's offline copy would give it. Symlinks where the
 * shared copy already has the prepared layout; the Kairos archive is extracted (its .py dropped).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SHARED_DATA } from "./shared-data";

/** Data set name → the folder under ../shared/data that holds it (in the prepared layout but for Kairos). */
const SOURCES: Record<string, string> = {
  "nas-bench-nlp-wikitext2": "upstream/nas-bench-nlp-wikitext2",
  "sc21-ribbon": "ribbon",
  "hpdc23-kairos": "kairos",
  "zeus-nsdi23": "energy/zeus-nsdi23",
  "litmatter-tpe-example": "curves/litmatter-tpe-example",
};

/** The data sets the prepared folder holds (supercloud-202201 has no shared copy). */
export const PREPARED_DATASETS = Object.keys(SOURCES);

/** Why the prepared folder cannot be made here, or undefined when it can. */
export function preparedDataUnavailable(): string | undefined {
  const missing = Object.values(SOURCES).filter((rel) => !fs.existsSync(path.join(SHARED_DATA, rel)));
  if (missing.length) return `the shared test data are missing (${missing.map((rel) => path.join(SHARED_DATA, rel)).join(", ")}); see ../shared/data/README.md`;
  return undefined;
}

let made: string | undefined;

// Made once per test file (jest gives each its own module registry): removed after the file's
// tests, links only (rm does not follow them into the shared data). Registered on import, as
// a hook cannot be added from inside a test.
if (typeof afterAll === "function") {
  afterAll(() => {
    if (made) fs.rmSync(made, { recursive: true, force: true });
    made = undefined;
  });
}

/** The prepared folder (made once per test process); throws with the reason when the shared data are absent. */
export function preparedDataDir(): string {
  if (made) return made;
  const why = preparedDataUnavailable();
  if (why) throw new Error(`cannot lay out a prepared data folder: ${why}`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-prepared-"));
  for (const [name, rel] of Object.entries(SOURCES)) {
    if (name !== "hpdc23-kairos") fs.symlinkSync(path.join(SHARED_DATA, rel), path.join(root, name), "dir");
  }
  layOutKairos(path.join(SHARED_DATA, SOURCES["hpdc23-kairos"]), path.join(root, "hpdc23-kairos"));
  made = root;
  return root;
}

/** Kairos: the json/csv files beside data.tar.gz as they are, the archive extracted into data/ without its .py files. */
function layOutKairos(src: string, dest: string): void {
  fs.mkdirSync(dest);
  for (const f of fs.readdirSync(src)) {
    if (f !== "data.tar.gz") fs.symlinkSync(path.join(src, f), path.join(dest, f));
  }
  // The archive's entries start with data/, so extracting into dest gives dest/data/.
  const r = spawnSync("tar", ["-xzf", path.join(src, "data.tar.gz"), "-C", dest, "--exclude=*.py"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`extracting ${src}/data.tar.gz failed: ${r.stderr || r.error}`);
  if (!fs.existsSync(path.join(dest, "data"))) throw new Error(`${src}/data.tar.gz has no data/ folder`);
}
