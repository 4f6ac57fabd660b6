/**
 * One block per file type of the release, on hand-written fixtures (test/datasets/fixtures)
 * that carry the pitfalls of docs/supercloud-format.md; expected values are written by hand.
 */
import * as fs from "fs";
import * as path from "path";
import { Table } from "apache-arrow";
import { csvTableFromFile } from "../../kernel/src/datasets/read";
import { tableFromCsvText } from "../../kernel/src/datasets/reader";
import {
  CPU_SPEC,
  CPU_SUMMARY_SPEC,
  GPU_SPEC,
  LABELS_SPEC,
  LABEL_STATS_SPEC,
  NODE_SPEC,
  SLURM_SPEC,
} from "../../kernel/src/datasets/schemas";
import { parseTresMapping } from "../../kernel/src/datasets/tres";

const FIX = path.join(__dirname, "fixtures");

function col(t: Table, name: string): unknown[] {
  const c = t.getChild(name);
  if (!c) throw new Error(`no column ${name}`);
  return [...c].map((v) => (v && typeof v === "object" && "toArray" in v ? [...(v as Iterable<unknown>)] : v));
}
function types(t: Table): Record<string, string> {
  return Object.fromEntries(t.schema.fields.map((f) => [f.name, String(f.type)]));
}

describe("scheduler log (slurm-log.csv)", () => {
  let t: Table;
  beforeAll(async () => {
    const r = await csvTableFromFile(SLURM_SPEC, path.join(FIX, "slurm-log.csv"));
    expect(r.report).toMatchObject({ header: true, rowsRead: 5, rowsKept: 5, skippedRows: 0, issues: [] });
    t = r.table;
  });

  it("has the 29 columns in order with their exact Arrow types, then the decoded ones", () => {
    expect(t.schema.fields.slice(0, 29).map((f) => f.name)).toEqual(SLURM_SPEC.columns.map((c) => c.name));
    expect(types(t)).toMatchObject({
      id_job: "Int64",
      id_array_job: "Int64",
      id_array_task: "Uint32",
      nodes_alloc: "Int32",
      nodelist: "Utf8",
      mem_req: "Uint64",
      partition: "Dictionary<Int32, Utf8>",
      timelimit: "Uint32",
      time_submit: "Timestamp<SECOND, UTC>",
      time_end: "Timestamp<SECOND, UTC>",
      time_suspended: "Int64",
      tres_req: "Utf8",
      job_type: "Dictionary<Int32, Utf8>",
      nodes: "List<Utf8>",
      mem_req_mb: "Uint64",
      mem_per_cpu: "Bool",
      tres_alloc_map: "Map<{key:Uint32, value:Uint64}>",
      gpus_req: "Int32",
      gpu_job: "Bool",
    });
    expect(t.numCols).toBe(29 + SLURM_SPEC.derived.length);
  });

  it("reads ids as exact Int64", () => {
    expect(col(t, "id_job")).toEqual([38215570926613n, 9102736451884n, 55501234567n, 77123456789012n, 88000000000001n]);
    expect(col(t, "priority")).toEqual([10412n, 108421n, 500n, 99n, -5n]);
  });

  it("keeps mem_req exact in UInt64, with the top bit set, NO_VAL64 and 2^64−1", () => {
    expect(col(t, "mem_req")).toEqual([9223372036854779808n, 4000n, 262144n, 18446744073709551614n, 18446744073709551615n]);
    expect(col(t, "mem_per_cpu")).toEqual([true, false, false, null, null]);
    expect(col(t, "mem_req_mb")).toEqual([4000n, 4000n, 262144n, null, null]);
  });

  it("parses quoted, unquoted and empty nodelists", () => {
    expect(col(t, "nodelist")).toEqual(["['r5502311-n724019', 'r6104478-n724019']", "['r3309187-n580244']", "[]", "['r5502311-n724019']", "['r3309187-n580244']"]);
    expect(col(t, "nodes")).toEqual([["r5502311-n724019", "r6104478-n724019"], ["r3309187-n580244"], [], ["r5502311-n724019"], ["r3309187-n580244"]]);
  });

  it("turns \\N and empty cells into nulls", () => {
    expect(col(t, "constraints")).toEqual(["xeon-g6", null, "xeon-e5", "xeon-g6&6248", null]);
    expect(col(t, "gres_used")).toEqual([null, null, null, null, null]);
    expect(col(t, "tres_alloc")[2]).toBeNull();
    expect(col(t, "tres_alloc_map")[2]).toBeNull();
  });

  it("keeps 4294967294 / 4294967295 raw and decodes them to nulls", () => {
    expect(col(t, "id_array_task")).toEqual([4294967294, 4294967294, 4294967294, 3, 4294967294]);
    expect(col(t, "array_task_id")).toEqual([null, null, null, 3, null]);
    expect(col(t, "timelimit")).toEqual([720, 1440, 4294967295, 60, 4294967294]);
    expect(col(t, "timelimit_minutes")).toEqual([720, 1440, null, 60, null]);
  });

  it("reads times as UTC timestamps, 0 (unset) as null", () => {
    expect(col(t, "time_start")).toEqual([1626100862000, 1618901240000, null, 1625000100000, 1633046400000]);
    expect(col(t, "time_end")[2]).toBeNull();
    expect(new Date(col(t, "time_submit")[0] as number).toISOString()).toBe("2021-07-12T14:40:00.000Z");
  });

  it("decodes the state with its REQUEUE flag", () => {
    expect(col(t, "state")).toEqual([3, 5, 0, 1027, 11]);
    expect(col(t, "state_base")).toEqual([3, 5, 0, 3, 11]);
    expect(col(t, "state_name")).toEqual(["COMPLETED", "FAILED", "PENDING", "COMPLETED", "OUT_OF_MEMORY"]);
  });

  it("decodes TRES as UInt64 maps, NO_VAL64 as null, and finds GPU jobs from tres_req", () => {
    const m = t.getChild("tres_alloc_map")!.get(0)!.toJSON();
    expect(m).toEqual({ "1": 40n, "2": 160000n, "3": null, "4": 2n, "5": 40n, "1002": 2n });
    expect((t.getChild("tres_req_map")!.get(4)!.toJSON() as Record<string, bigint>)["2"]).toBe(9223372036854775807n);
    expect(col(t, "gpus_req")).toEqual([2, 0, 0, 1, 0]);
    expect(col(t, "gpu_job")).toEqual([true, false, false, true, false]);
  });

  it("reads dictionary columns", () => {
    expect(col(t, "partition")).toEqual(["normal", "xeon-p8", "normal", "gaia", "test"]);
    expect(col(t, "job_type")).toEqual(["LLSUB:BATCH", "OTHER", "LLSUB:INTERACTIVE", "LLMAPREDUCE:MAP", "OTHER"]);
  });

  it("reads the same rows without a header (the documented column order)", () => {
    const text = fs.readFileSync(path.join(FIX, "slurm-log.csv"), "utf8").split("\n").slice(1).join("\n");
    const r = tableFromCsvText(SLURM_SPEC, text, "headerless.csv");
    expect(r.report.header).toBe(false);
    expect(r.table.numRows).toBe(5);
    expect(col(r.table, "mem_req")).toEqual(col(t, "mem_req"));
  });

  it("gives the file's 29 columns alone with decode: false", async () => {
    const r = await csvTableFromFile(SLURM_SPEC, path.join(FIX, "slurm-log.csv"), { decode: false });
    expect(r.table.schema.fields.map((f) => f.name)).toEqual(SLURM_SPEC.columns.map((c) => c.name));
    expect(col(r.table, "mem_req")).toEqual(col(t, "mem_req"));
  });

  it("reads by header name when columns are in another order", () => {
    const text = "state,id_job,mem_req\n3,1,9223372036854779808\n";
    const r = tableFromCsvText(SLURM_SPEC, text, "reordered.csv", { mode: "lenient" });
    expect(col(r.table, "id_job")).toEqual([1n]);
    expect(col(r.table, "mem_per_cpu")).toEqual([true]);
    expect(r.report.missingColumns).toContain("nodelist");
  });

  it("accepts integral decimal text in integer columns (pandas re-saved) and rejects fractions", () => {
    const lines = fs.readFileSync(path.join(FIX, "slurm-log.csv"), "utf8").split("\n");
    const row = lines[2].split(",");
    row[7] = "1.0"; // cpus_req
    expect(col(tableFromCsvText(SLURM_SPEC, [lines[0], row.join(",")].join("\n"), "f.csv").table, "cpus_req")).toEqual([1]);
    row[7] = "1.5";
    expect(() => tableFromCsvText(SLURM_SPEC, [lines[0], row.join(",")].join("\n"), "f.csv")).toThrow(/f\.csv, line 2, column 8 \(cpus_req\): expected a 32-bit integer but got "1\.5"/);
  });
});

describe("CPU time series (cpu/NNNN/<id_job>-timeseries.csv)", () => {
  let t: Table;
  beforeAll(async () => {
    t = (await csvTableFromFile(CPU_SPEC, path.join(FIX, "cpu-timeseries.csv"))).table;
  });

  it("has the 13 columns with their types; Step is text", () => {
    expect(types(t)).toEqual({
      Step: "Utf8",
      Node: "Utf8",
      Series: "Int32",
      ElapsedTime: "Int64",
      EpochTime: "Timestamp<SECOND, UTC>",
      CPUFrequency: "Float64",
      CPUTime: "Float64",
      CPUUtilization: "Float64",
      RSS: "Int64",
      VMSize: "Int64",
      Pages: "Int64",
      ReadMB: "Float64",
      WriteMB: "Float64",
    });
  });

  it("keeps Step values batch, -1, -4 and 0 as strings", () => {
    expect(col(t, "Step")).toEqual(["-4", "-4", "batch", "batch", "batch", "-1", "0"]);
  });

  it("reads mixed integer/decimal text (also pandas re-saved) exactly", () => {
    expect(col(t, "CPUTime")).toEqual([0, 0, 39.87, 39.87, 0, 0, 1.5]);
    expect(col(t, "ReadMB")).toEqual([0.002104, 0.0021039999999999995, 512.338104, 512.338104, 0, 0.001, 0.001]);
    expect(col(t, "CPUUtilization")).toEqual([0, 0, 398.7, 398.7, 0, 0, 15]);
  });

  it("keeps a partial last interval as written (6 s, not 10 s)", () => {
    const el = col(t, "ElapsedTime") as bigint[];
    expect(el.slice(2, 5)).toEqual([10n, 14390n, 14396n]);
    expect(Number(el[4] - el[3])).toBe(6);
    const ep = col(t, "EpochTime") as number[];
    expect((ep[4] - ep[3]) / 1000).toBe(6);
  });
});

describe("CPU summary (cpu/NNNN/<id_job>-summary.csv)", () => {
  it("has 40 columns: Min/Max/Sum/Avg per metric with exact types", async () => {
    const { table: t } = await csvTableFromFile(CPU_SUMMARY_SPEC, path.join(FIX, "cpu-summary.csv"));
    expect(t.numCols).toBe(40);
    expect(types(t)).toMatchObject({
      ElapsedTime: "Int64",
      Min_EpochTime: "Timestamp<SECOND, UTC>",
      Sum_EpochTime: "Int64",
      Avg_EpochTime: "Float64",
      Sum_RSS: "Int64",
      Avg_RSS: "Float64",
      Sum_CPUTime: "Float64",
    });
    expect(col(t, "Step")).toEqual(["batch", "-4"]);
    expect(col(t, "Sum_EpochTime")).toEqual([4878331376n, 3252216134n]);
    expect(col(t, "Avg_EpochTime")).toEqual([1626110458.666667, 1626108067]);
    expect(col(t, "Sum_ReadMB")).toEqual([1024.676208, 0.004208]);
    expect(col(t, "ElapsedTime")).toEqual([14396n, 14400n]);
  });
});

describe("GPU time series (gpu/NNNN/<id_job>-<node>.csv)", () => {
  it("reads whole-second timestamps as Timestamp(ms), N/A as null", async () => {
    const { table: t } = await csvTableFromFile(GPU_SPEC, path.join(FIX, "gpu-integer.csv"));
    expect(types(t)).toEqual({
      timestamp: "Timestamp<MILLISECOND, UTC>",
      gpu_index: "Int32",
      utilization_gpu_pct: "Float64",
      utilization_memory_pct: "Float64",
      memory_free_MiB: "Float64",
      memory_used_MiB: "Float64",
      temperature_gpu: "Float64",
      temperature_memory: "Float64",
      power_draw_W: "Float64",
      pcie_link_width_current: "Int32",
    });
    expect(col(t, "timestamp")).toEqual([1626100863000, 1626100863000, 1626100863000, 1626100863000, 1626100864000, 1626100864000]);
    expect(col(t, "gpu_index")).toEqual([0, 1, 0, 1, 0, 1]);
    expect(col(t, "temperature_memory")).toEqual([39, 38, 58, null, 58, 57]);
    expect(col(t, "power_draw_W")).toEqual([38.12, 40, 231.4, 220, 240.5, null]);
  });

  it("reads ms-fractional timestamps to the millisecond", async () => {
    const { table: t } = await csvTableFromFile(GPU_SPEC, path.join(FIX, "gpu-fractional.csv"));
    expect(col(t, "timestamp")).toEqual([1626100901217, 1626100901300, 1626100901401, 1626100902000]);
    expect(col(t, "power_draw_W")).toEqual([231.4, 232, 232.05, 230.1]);
  });

  it("adds id_job and node columns taken from the file name", async () => {
    const { table: t } = await csvTableFromFile(GPU_SPEC, path.join(FIX, "gpu-fractional.csv"), {
      constants: [
        { name: "id_job", int64: 38215570926613n },
        { name: "node", text: "r5502311-n724019" },
      ],
    });
    expect(col(t, "id_job")).toEqual([38215570926613n, 38215570926613n, 38215570926613n, 38215570926613n]);
    expect(col(t, "node")[0]).toBe("r5502311-n724019");
  });
});

describe("node data (node-data.csv)", () => {
  it("reads Time as Float64 (integer or decimal text) plus a timestamp; text and nulls", async () => {
    const { table: t } = await csvTableFromFile(NODE_SPEC, path.join(FIX, "node-data.csv"));
    expect(types(t)).toMatchObject({ Node: "Utf8", Time: "Float64", UserPIDCount: "Utf8", FSlatency: "Float64", timestamp: "Timestamp<MILLISECOND, UTC>" });
    expect(col(t, "Time")).toEqual([1626100800, 1626101100, 1626100800]);
    expect(col(t, "timestamp")).toEqual([1626100800000, 1626101100000, 1626100800000]);
    expect(col(t, "UserPIDCount")).toEqual(["0:231|26650918337402:12|", "0:229|", null]);
    expect(col(t, "FSlatency")).toEqual([0.000412, null, 0.0005]);
    expect(col(t, "LoadAvg")).toEqual([12.5, 0.02, null]);
  });
});

describe("labelled job ids (labelled_jobids.csv)", () => {
  it("reads id_job and model by header name and keeps other columns as text", async () => {
    const { table: t, report } = await csvTableFromFile(LABELS_SPEC, path.join(FIX, "labelled_jobids.csv"));
    expect(types(t)).toEqual({ id_job: "Int64", model: "Utf8", source: "Utf8" });
    expect(col(t, "id_job")).toEqual([38215570926613n, 77123456789012n, 9102736451884n]);
    expect(col(t, "model")).toEqual(["vgg16", "U3-32", "distilbert"]);
    expect(report.extraColumns).toEqual(["source"]);
  });

  it("needs a header", () => {
    expect(() => tableFromCsvText(LABELS_SPEC, "38215570926613,vgg16\n", "labelled_jobids.csv")).toThrow(/labelled_jobids\.csv, line 1, column 1: expected a header row naming the columns \(id_job, model\)/);
  });

  it("needs id_job and model even in lenient mode", () => {
    expect(() => tableFromCsvText(LABELS_SPEC, "id_job,family\n1,x\n", "labelled_jobids.csv", { mode: "lenient" })).toThrow(/column "model" is missing from the header/);
  });
});

describe("labelled job statistics (labelled_job_stats.csv)", () => {
  it("reads every column as text (schema unknown)", async () => {
    const { table: t } = await csvTableFromFile(LABEL_STATS_SPEC, path.join(FIX, "labelled_job_stats.csv"));
    expect(types(t)).toEqual({ model: "Utf8", count: "Utf8", family: "Utf8" });
    expect(col(t, "family")).toEqual(["VGG, vision", "U-Net"]);
    expect(col(t, "count")).toEqual(["560", "1431"]);
  });
});

describe("TRES mapping (tres-mapping.txt)", () => {
  it.each([
    ["1,cpu\n2,mem\n1002,gres/gpu:volta\n", { 1: "cpu", 2: "mem", 1002: "gpu:volta" }],
    ["id|name\n4|node\n1001|gres/gpu:tesla\n", { 4: "node", 1001: "gpu:tesla" }],
    ["1\tcpu\r\n5\tbilling\r\n", { 1: "cpu", 5: "billing" }],
    ["cpu=1\nmem=2\n", { 1: "cpu", 2: "mem" }],
  ])("reads %p", (text, names) => {
    const m = parseTresMapping(text);
    expect(m.source).toBe("file");
    expect(m.names).toEqual(names);
  });

  it("falls back to the documented table", () => {
    const m = parseTresMapping("");
    expect(m.source).toBe("default");
    expect(m.names[1002]).toBe("gpu:volta");
    expect(m.names[4]).toBe("node");
  });
});
