/**
 * `%dataset` and `%data` through the dispatcher (what the kernel and `greenai` both run),
 * including the CLI contract used by scripts.
 */
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import type { AddressInfo } from "net";
import { tableFromIPC } from "apache-arrow";
import { parsePayload, MIME_TIMESERIES } from "greenai-common";
import { dispatchMagic } from "../../kernel/src/magics/dispatch";
import { createRegistry } from "../../kernel/src/magics/registry";
import type { MagicResult } from "../../kernel/src/magics/types";
import { DataFormatError, GreenaiError, UsageError } from "../../kernel/src/errors";
import type { DatasetJobResult, DatasetLoadResult, DatasetSqlResult, DatasetJobsResult, DataListResult, DataFetchResult, DatasetGenerateResult, DatasetIndexResult } from "../../kernel/src/magics/dataset";
import { SLURM_SPEC } from "../../kernel/src/datasets/schemas";
import { tableRowsJsonForTest } from "./helpers";
import { fakeMagicContext } from "../helpers/magic-context";

const ROOT = path.resolve(__dirname, "../..");
const SAMPLE = path.join(ROOT, "data/supercloud-sample");
const registry = createRegistry();
let tmp: string;
const progress: string[] = [];

function ctx(body?: string) {
  const c = fakeMagicContext({ cwd: tmp, body });
  return { ...c, progress: (m: string) => progress.push(m) };
}
async function run<T>(line: string, body?: string): Promise<MagicResult<T>> {
  const out = await dispatchMagic(registry, line, ctx(body));
  if (out.kind !== "result") throw new Error(`expected a result, got help:\n${out.text}`);
  // --json prints value: it must serialise.
  expect(() => JSON.stringify(out.result.value)).not.toThrow();
  return out.result as MagicResult<T>;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-magic-"));
  process.env.GREENAI_CACHE_DIR = path.join(tmp, "cache");
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("%dataset load: the CLI contract", () => {
  it.each(["slurm", "cpu", "cpu-summary", "gpu", "node", "labels"])("--table %s gives rows and columns with Arrow types", async (table) => {
    const r = await run<DatasetLoadResult>(`dataset load supercloud --path ${SAMPLE} --table ${table} --json`);
    expect(r.typeName).toBe("DatasetLoadResult");
    expect(r.value.rows).toBeGreaterThan(0);
    expect(r.value.columns.length).toBeGreaterThanOrEqual(2);
    for (const c of r.value.columns) {
      expect(typeof c.name).toBe("string");
      expect(typeof c.type).toBe("string");
    }
    expect(r.value.skipped_rows).toBe(0);
  });

  it("reports exact types for the scheduler log", async () => {
    const r = await run<DatasetLoadResult>(`dataset load supercloud --path ${SAMPLE} --table slurm --head 3`);
    const types = Object.fromEntries(r.value.columns.map((c) => [c.name, c.type]));
    expect(types).toMatchObject({ id_job: "Int64", mem_req: "Uint64", time_start: "Timestamp<SECOND, UTC>", nodes: "List<Utf8>", partition: "Dictionary<Int32, Utf8>" });
    expect(r.value.rows).toBe(400);
    expect(r.value.head).toHaveLength(3);
    // 64-bit values beyond 2^53 stay exact as text in JSON.
    const big = r.value.head.map((h) => h.mem_req).find((m) => typeof m === "string");
    if (big !== undefined) expect(BigInt(big as string)).toBeGreaterThan(2n ** 53n);
    expect(r.bundle!.data["text/html"]).toMatch(/<table class="greenai-table">/);
    expect(r.text).toMatch(/^slurm: 400 rows × 40 columns from 1 file/);
  });

  it("--job loads one job's series lazily", async () => {
    const jobs = await run<DatasetJobsResult>(`dataset jobs --path ${SAMPLE} --labelled-only --limit 100`);
    const id = jobs.value.jobs.find((j) => j.gpu_series)!.id_job;
    const r = await run<DatasetLoadResult>(`dataset load supercloud --path ${SAMPLE} --table gpu --job ${id}`);
    expect(r.value.files).toBeGreaterThanOrEqual(1);
    expect(new Set(r.value.head.map((h) => String(h.id_job)))).toEqual(new Set([id]));
  });

  it("--arrow writes an Arrow IPC file that reads back with the same schema and values", async () => {
    const file = "out/slurm.arrow";
    const r = await run<DatasetLoadResult>(`dataset load supercloud --path ${SAMPLE} --table slurm --gpu-only --arrow ${file}`);
    expect(r.value.arrow_file!.path).toBe(path.join(tmp, file));
    const back = tableFromIPC(fs.readFileSync(path.join(tmp, file)));
    expect(back.numRows).toBe(r.value.rows);
    expect(back.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(r.value.columns.map((c) => `${c.name}:${c.type}`));
    expect(tableRowsJsonForTest(back).slice(0, 10)).toEqual(r.value.head);
  });

  it("--no-decode gives the file's columns only", async () => {
    const r = await run<DatasetLoadResult>(`dataset load supercloud --path ${SAMPLE} --table slurm --no-decode --head 0`);
    expect(r.value.columns.map((c) => c.name)).toEqual(SLURM_SPEC.columns.map((c) => c.name));
    await expect(run(`dataset load supercloud --path ${SAMPLE} --table slurm --no-decode --gpu-only`)).rejects.toThrow(/reads the decoded gpu_job column/);
  });

  it("--engine duckdb gives the same columns", async () => {
    const a = await run<DatasetLoadResult>(`dataset load supercloud --path ${SAMPLE} --table slurm --labelled-only`);
    const d = await run<DatasetLoadResult>(`dataset load supercloud --path ${SAMPLE} --table slurm --labelled-only --engine duckdb`);
    expect(d.value.columns).toEqual(a.value.columns);
    expect(d.value.rows).toBe(a.value.rows);
    // DuckDB names no files: the report counts the rows that came back.
    expect(d.value).toMatchObject({ engine: "duckdb", files: 0, rows_read: a.value.rows, filtered_rows: 0, skipped_rows: 0, issues: [] });
    expect(d.text).toMatch(/^slurm: \d+ rows × 40 columns from DuckDB\n/);
    await expect(run(`dataset load supercloud --path ${SAMPLE} --table slurm --engine duckdb --lenient`)).rejects.toThrow(/--lenient works with --engine arrow only/);
  });

  it("names file, line and column for a bad file, and --lenient skips and counts", async () => {
    const dir = path.join(tmp, "bad");
    fs.mkdirSync(dir);
    const lines = fs.readFileSync(path.join(SAMPLE, "slurm-log.csv"), "utf8").split("\n");
    lines[7] = lines[7].replace(/^(\d+),/, "$1x,");
    fs.writeFileSync(path.join(dir, "slurm-log.csv"), lines.join("\n"));
    await expect(run(`dataset load supercloud --path ${dir} --table slurm`)).rejects.toThrow(DataFormatError);
    await expect(run(`dataset load supercloud --path ${dir} --table slurm`)).rejects.toThrow(/^slurm-log\.csv, line 8, column 1 \(id_job\): expected a 64-bit integer but got "\d+x"$/);
    const r = await run<DatasetLoadResult>(`dataset load supercloud --path ${dir} --table slurm --lenient`);
    expect(r.value).toMatchObject({ rows: 399, skipped_rows: 1 });
    expect(r.value.issues[0]).toMatchObject({ file: "slurm-log.csv", line: 8, column: 1, columnName: "id_job" });
    expect(r.bundle!.data["text/html"]).toMatch(/1 problem\(s\)/);
  });

  it("rejects bad arguments with usage errors", async () => {
    await expect(run(`dataset load mnist --path ${SAMPLE} --table slurm`)).rejects.toThrow(UsageError);
    await expect(run(`dataset load supercloud --path ${SAMPLE} --table jobs`)).rejects.toThrow(/--table expects one of slurm, cpu/);
    await expect(run(`dataset load supercloud --path ${SAMPLE} --table slurm --from yesterday`)).rejects.toThrow(/--from expects an ISO date\/time/);
    await expect(run(`dataset load supercloud --path ${SAMPLE} --table slurm --from 2021-02-01 --to 2021-01-01`)).rejects.toThrow(/--from must not be after --to/);
    await expect(run(`dataset load supercloud --path ${SAMPLE} --table slurm --job 12x`)).rejects.toThrow(/a job id is a non-negative integer/);
    await expect(run(`dataset load supercloud --table slurm`)).rejects.toThrow(/needs --path/);
    await expect(run(`dataset load supercloud --path ${tmp}/nowhere --table slurm`)).rejects.toThrow(GreenaiError);
  });

  it("filters by time given as ISO or epoch seconds alike", async () => {
    const a = await run<DatasetLoadResult>(`dataset load supercloud --path ${SAMPLE} --table slurm --from 2021-07-12 --to 2021-07-12T23:59:59`);
    const b = await run<DatasetLoadResult>(`dataset load supercloud --path ${SAMPLE} --table slurm --from 1626048000 --to 1626134399`);
    expect(a.value.rows).toBe(b.value.rows);
    expect(a.value.rows).toBeGreaterThan(10);
    expect(a.value.filtered_rows).toBe(400 - a.value.rows);
  });
});

describe("%dataset jobs and %dataset job", () => {
  it("lists jobs with label, series and energy", async () => {
    const r = await run<DatasetJobsResult>(`dataset jobs --path ${SAMPLE} --gpu-only --labelled-only --energy --limit 100`);
    expect(r.value.rows).toBe(20);
    expect(r.value.gpu_series_jobs).toBe(10);
    for (const j of r.value.jobs) {
      expect(j.label).not.toBeNull();
      if (j.gpu_series) expect(j.energy_j).toBeGreaterThan(0);
      else expect(j.energy_j).toBeNull();
    }
    expect(r.text.split("\n")[0]).toBe("20 job(s) (10 with GPU series, 20 labelled)");
    expect(r.text.split("\n")[1]).toMatch(/^id_job +state .*gpu_series +energy_j$/);
    const few = await run<DatasetJobsResult>(`dataset jobs --path ${SAMPLE} --gpu-only --labelled-only --limit 3`);
    expect(few.text.split("\n")[0]).toBe("20 job(s) (10 with GPU series, 20 labelled); first 3 shown");
    expect(few.text).not.toMatch(/energy_j/);
  });

  it("joins one job and shows its series as a timeseries bundle", async () => {
    const jobs = await run<DatasetJobsResult>(`dataset jobs --path ${SAMPLE} --labelled-only --limit 100`);
    const j = jobs.value.jobs.find((x) => x.gpu_series && x.cpu_series)!;
    const r = await run<DatasetJobResult>(`dataset job ${j.id_job} --path ${SAMPLE} --max-points 200 --arrow job.arrow`);
    expect(r.typeName).toBe("DatasetJobResult");
    expect(r.value.label).toBe(j.label);
    expect(r.value.record!.id_job).toBe(Number(j.id_job));
    expect(r.value.energy!.unit).toBe("J");
    expect(r.value.energy!.energy_j).toBeGreaterThan(0);
    expect(r.value.gpu!.devices.length).toBeGreaterThanOrEqual(2);
    const p = parsePayload("timeseries", r.bundle!.data[MIME_TIMESERIES]);
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    expect(p.value.job_id).toBe(j.id_job);
    expect(p.value.series.map((s) => s.group)).toEqual(expect.arrayContaining(["utilization", "power", "memory"]));
    for (const s of p.value.series) {
      expect(s.t_ms.length).toBe(s.values.length);
      expect(s.t_ms.length).toBeLessThanOrEqual(200);
    }
    expect(p.value.facts!["GPU energy (J)"]).toBe(Math.round(r.value.energy!.energy_j));
    expect(r.bundle!.data["application/vnd.plotly.v1+json"]).toBeDefined();
    const back = tableFromIPC(fs.readFileSync(path.join(tmp, "job.arrow")));
    expect(back.numRows).toBe(r.value.gpu!.rows);
  });

  it("says when a job is unknown", async () => {
    await expect(run(`dataset job 1 --path ${SAMPLE}`)).rejects.toThrow(/job 1 is not in slurm-log\.csv/);
  });
});

describe("%dataset sql, index, generate", () => {
  it("answers SQL from the line or the cell body, as Arrow", async () => {
    const r = await run<DatasetSqlResult>(`dataset sql --path ${SAMPLE} "SELECT count(*) AS n FROM slurm WHERE gpu_job"`);
    expect(r.value.columns).toEqual([{ name: "n", type: "Int64", nullable: true }]);
    const gpu = await run<DatasetLoadResult>(`dataset load supercloud --path ${SAMPLE} --table slurm --gpu-only`);
    expect(r.value.head[0].n).toBe(gpu.value.rows);
    const b = await run<DatasetSqlResult>(`dataset sql --path ${SAMPLE} --arrow q.arrow --limit 5`, "SELECT id_job, model FROM labels ORDER BY id_job");
    expect(b.value).toMatchObject({ rows: 5, truncated: true });
    expect(tableFromIPC(fs.readFileSync(path.join(tmp, "q.arrow"))).numRows).toBe(5);
    await expect(run(`dataset sql --path ${SAMPLE}`)).rejects.toThrow(/needs a query/);
  });

  it("builds the index, then reads it from the cache", async () => {
    const dir = path.join(tmp, "copy");
    fs.cpSync(SAMPLE, dir, { recursive: true });
    const a = await run<DatasetIndexResult>(`dataset index --path ${dir}`);
    expect(a.value).toMatchObject({ from: "built", gpu_jobs: 12, cpu_jobs: 22 });
    const b = await run<DatasetIndexResult>(`dataset index --path ${dir} --refresh`);
    expect(b.value.from).toBe("built");
    expect(fs.existsSync(a.value.cache_file)).toBe(true);
  });

  it("generates the sample byte for byte, and a scheduler log of N rows", async () => {
    const r = await run<DatasetGenerateResult>(`dataset generate --out gen`);
    expect(r.value.files).toBe(65);
    for (const f of ["slurm-log.csv", "node-data.csv", "labelled_jobids.csv"]) {
      expect(fs.readFileSync(path.join(tmp, "gen", f)).equals(fs.readFileSync(path.join(SAMPLE, f)))).toBe(true);
    }
    const s = await run<DatasetGenerateResult>(`dataset generate --out big --slurm-rows 2000 --seed 3`);
    expect(s.value.slurm_rows).toBe(2000);
    const text = fs.readFileSync(path.join(tmp, "big/slurm-log.csv"), "utf8");
    expect(text.split("\n")[0]).toBe(SLURM_SPEC.columns.map((c) => c.name).join(","));
    expect(text.trimEnd().split("\n")).toHaveLength(2001);
  });
});

describe("%data list and %data fetch", () => {
  it("lists the manifest", async () => {
    const r = await run<DataListResult>("data list");
    expect(r.value.datasets.map((d) => d.name)).toContain("supercloud-202201");
  });

  it("fetches from a local server into --dest, relative to the notebook folder", async () => {
    const content = "a,b\n1,2\n";
    const server = http.createServer((_req, res) => res.end(content));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    try {
      const port = (server.address() as AddressInfo).port;
      const manifest = {
        schema_version: 1,
        datasets: [{ name: "tiny", title: "t", homepage: "h", citation: "c", licence: "CC0", total_bytes: 8, files: [{ path: "x/t.csv", url: `http://127.0.0.1:${port}/t.csv`, bytes: 8, sha256: null }], notes: [] }],
      };
      fs.writeFileSync(path.join(tmp, "m.json"), JSON.stringify(manifest));
      const r = await run<DataFetchResult>("data fetch tiny --manifest m.json --dest dl");
      expect(r.value.downloads).toEqual([expect.objectContaining({ path: "x/t.csv", status: "downloaded", verified: "size", bytes: 8 })]);
      expect(fs.readFileSync(path.join(tmp, "dl/x/t.csv"), "utf8")).toBe(content);
      const again = await run<DataFetchResult>("data fetch tiny --manifest m.json --dest dl");
      expect(again.value.downloads[0].status).toBe("present");
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
