/**
 * Outputs never destroy inputs (issue 15, item 5): `--arrow` and `--out` go through
 * io/output-file, so a command refuses to write over a file it reads, refuses a trailing-slash
 * name, and says when it replaced an existing file.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { tableFromIPC } from "apache-arrow";
import { dispatchMagic } from "../../kernel/src/magics/dispatch";
import { createRegistry } from "../../kernel/src/magics/registry";
import type { MagicResult } from "../../kernel/src/magics/types";
import type { DatasetGenerateResult, DatasetLoadResult, DatasetSqlResult } from "../../kernel/src/magics/dataset";
import type { RibbonGridResult } from "../../kernel/src/magics/ribbon";
import { fakeMagicContext } from "../helpers/magic-context";
import { describeWithData } from "../helpers/shared-data";

const SAMPLE = path.resolve(__dirname, "../../data/supercloud-sample");
const registry = createRegistry();
let tmp: string;
let data: string;

async function run<T>(line: string): Promise<MagicResult<T>> {
  const out = await dispatchMagic(registry, line, fakeMagicContext({ cwd: tmp }));
  if (out.kind !== "result") throw new Error(`expected a result, got help:\n${out.text}`);
  return out.result as MagicResult<T>;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-safe-out-"));
  process.env.GREENAI_CACHE_DIR = path.join(tmp, "cache");
  data = path.join(tmp, "sc");
  fs.cpSync(SAMPLE, data, { recursive: true });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("%dataset --arrow", () => {
  it("refuses to write over the scheduler log it reads (arrow and duckdb engines), which stays intact", async () => {
    const log = path.join(data, "slurm-log.csv");
    const before = fs.readFileSync(log);
    for (const engine of ["arrow", "duckdb"]) {
      await expect(run(`dataset load supercloud --path sc --table slurm --engine ${engine} --arrow sc/slurm-log.csv`)).rejects.toThrow(/--arrow sc\/slurm-log\.csv is an input of this command/);
    }
    await expect(run(`dataset load supercloud --path sc --table slurm --arrow ./sc/../sc/slurm-log.csv`)).rejects.toThrow(/is an input of this command/);
    await expect(run(`dataset sql --path sc --arrow sc/slurm-log.csv "SELECT 1 AS x"`)).rejects.toThrow(/is an input of this command/);
    expect(fs.readFileSync(log).equals(before)).toBe(true);
  });

  it("refuses a file inside a series folder it reads", async () => {
    const gpuFile = fs.readdirSync(path.join(data, "gpu"), { recursive: true }).map(String).find((f) => f.endsWith(".csv"))!;
    await expect(run(`dataset load supercloud --path sc --table gpu --arrow sc/gpu/${gpuFile}`)).rejects.toThrow(/lies inside .*gpu, which this command reads/);
  });

  it("refuses a trailing slash, and says when it replaced an existing file (text and value)", async () => {
    await expect(run(`dataset load supercloud --path sc --table node --arrow node.arrow/`)).rejects.toThrow(/--arrow node\.arrow\/: a file name may not end with "\/"/);
    expect(fs.existsSync(path.join(tmp, "node.arrow"))).toBe(false);
    const first = await run<DatasetLoadResult>(`dataset load supercloud --path sc --table node --arrow node.arrow`);
    expect(first.value.arrow_file).toMatchObject({ path: path.join(tmp, "node.arrow"), overwritten: false });
    expect(first.text).not.toMatch(/replaced/);
    const second = await run<DatasetLoadResult>(`dataset load supercloud --path sc --table node --arrow node.arrow`);
    expect(second.value.arrow_file!.overwritten).toBe(true);
    expect(second.text).toMatch(/Arrow file .*node\.arrow \(\d+ bytes\) \(replaced the existing file\)/);
    expect(tableFromIPC(fs.readFileSync(path.join(tmp, "node.arrow"))).numRows).toBe(second.value.rows);
    const sql = await run<DatasetSqlResult>(`dataset sql --path sc --arrow node.arrow "SELECT 1 AS x"`);
    expect(sql.value.arrow_file!.overwritten).toBe(true);
    expect(sql.text).toMatch(/replaced the existing file/);
  });
});

describe("%dataset generate --out", () => {
  it("counts the files it replaced", async () => {
    const a = await run<DatasetGenerateResult>(`dataset generate --out gen --slurm-rows 20`);
    expect(a.value.overwritten_files).toBe(0);
    const b = await run<DatasetGenerateResult>(`dataset generate --out gen --slurm-rows 20`);
    expect(b.value.overwritten_files).toBe(1);
    expect(b.text).toMatch(/1 existing file\(s\) replaced/);
    expect(fs.readdirSync(path.join(tmp, "gen"))).toEqual(["slurm-log.csv"]);
  });
});

describeWithData("ribbon", "%ribbon grid --out", (dir) => {
  it("refuses a file inside the data folder before simulating, and a trailing slash", async () => {
    const rel = path.relative(tmp, dir);
    await expect(run(`ribbon grid --data ${rel} --model mtwnd --out ${rel}/query/configs/mtwnd.json`)).rejects.toThrow(/lies inside .*, which this command reads/);
    await expect(run(`ribbon grid --data ${rel} --model mtwnd --out t.json/`)).rejects.toThrow(/a file name may not end with "\/"/);
    const g = await run<RibbonGridResult>(`ribbon grid --data ${rel} --model mtwnd --out t.json`);
    expect(g.value.overwritten).toBe(false);
    const again = await run<RibbonGridResult>(`ribbon grid --data ${rel} --model mtwnd --out t.json`);
    expect(again.value.overwritten).toBe(true);
    expect(again.text).toMatch(/t\.json \(replaced the existing file\)/);
  });
});
