/**
 * The files of the MIT Supercloud Datacenter Challenge release (202201) as table specs:
 * every column in file order with its exact Arrow type, plus the decoded columns the
 * loaders add (sentinels as nulls, the nodelist as a list, TRES as maps). Pure.
 * Reference: docs/supercloud-format.md.
 */
import {
  BoolBuilder,
  ColumnBuilder,
  DictUtf8Builder,
  Float64Builder,
  Int32Builder,
  Int64Builder,
  IntParse,
  PyListBuilder,
  TresMapBuilder,
  Utf8Builder,
  rowWords,
} from "./columns";

/** Slurm NO_VAL (32-bit): "not set", e.g. id_array_task of a job that is not an array task. */
export const NO_VAL = 4294967294;
/** Slurm INFINITE (32-bit): e.g. a time limit without limit. */
export const INFINITE = 4294967295;
/** Slurm NO_VAL64 as decimal text: appears as a TRES value (`3=18446744073709551614`). */
export const NO_VAL64 = 18446744073709551614n;
/** Bit 63 of mem_req: the low bits are MB per CPU rather than MB per node. */
export const MEM_PER_CPU = 1n << 63n;
/** Slurm job state flag OR-ed into `state` when the job was requeued. */
export const JOB_REQUEUE_FLAG = 1024;

/** Base job states (`state & 0xFF`). */
export const JOB_STATES: Readonly<Record<number, string>> = {
  0: "PENDING",
  1: "RUNNING",
  2: "SUSPENDED",
  3: "COMPLETED",
  4: "CANCELLED",
  5: "FAILED",
  6: "TIMEOUT",
  7: "NODE_FAIL",
  8: "PREEMPTED",
  9: "BOOT_FAIL",
  10: "DEADLINE",
  11: "OUT_OF_MEMORY",
};

/** TRES ids (tres-mapping.txt; the fallback when the file is absent or unreadable). */
export const DEFAULT_TRES: Readonly<Record<number, string>> = {
  1: "cpu",
  2: "mem",
  3: "energy",
  4: "node",
  5: "billing",
  6: "fs/disk",
  7: "vmem",
  8: "pages",
  1001: "gpu:tesla",
  1002: "gpu:volta",
};

/** TRES ids that count GPUs. */
export const GPU_TRES_IDS: readonly number[] = [1001, 1002];

/** A column of the file. */
export interface ColumnSpec {
  name: string;
  make(): ColumnBuilder;
  /** Needed even in lenient mode (a row cannot be placed without it). */
  key?: boolean;
  /** May be absent from the header in strict mode too (filled with nulls). */
  optional?: boolean;
}

/** A column the loader adds, decoded from one file column. */
export interface DerivedSpec {
  name: string;
  /** Name of the file column (or earlier decoded column) it is computed from. */
  source: string;
  make(): ColumnBuilder;
  /**
   * Computes the value from the source column's parsed value at `row` and appends it to
   * `out` (a null source gives null). Without it, the builder parses the source field's text.
   */
  derive?(src: ColumnBuilder, row: number, out: ColumnBuilder): void;
  /** One line for the docs: what it holds. */
  doc: string;
}

/** A UInt32 column with Slurm's NO_VAL and INFINITE as nulls. */
function sentinelNull(name: string, source: string, doc: string): DerivedSpec {
  return {
    name,
    source,
    doc,
    make: () => new Int32Builder(name, true),
    derive(src, row, out) {
      const v = src.numberAt(row);
      if (Number.isNaN(v) || v === NO_VAL || v === INFINITE) out.appendNull();
      else (out as Int32Builder).appendInt(v);
    },
  };
}

/** Whether rowWords holds NO_VAL64 or INFINITE64. */
function isNoVal64(): boolean {
  return rowWords[1] === 0xffffffff && rowWords[0] >= 0xfffffffe;
}

/** Which file a table comes from. */
export type SupercloudTableName = "slurm" | "cpu" | "cpu-summary" | "gpu" | "node" | "labels" | "label-stats";

export interface TableSpec {
  name: SupercloudTableName;
  /** How users know the file, for messages: `scheduler log (slurm-log.csv)`. */
  title: string;
  columns: readonly ColumnSpec[];
  derived: readonly DerivedSpec[];
  /** Whether the file must start with a header row (read by column name). */
  header: "optional" | "required";
  /** Unknown header columns: an error in strict mode (read as text in lenient mode), or always kept as text. */
  extraColumns: "error" | "keep";
  /** Whether a quoted field may span lines (RFC 4180); no Supercloud file needs it. */
  quotedNewlines: boolean;
}

const i32 = (name: string, o: Partial<ColumnSpec> = {}): ColumnSpec => ({ name, make: () => new Int32Builder(name, false, !o.key), ...o });
const u32 = (name: string): ColumnSpec => ({ name, make: () => new Int32Builder(name, true) });
const i64 = (name: string, o: Partial<ColumnSpec> = {}): ColumnSpec => ({ name, make: () => new Int64Builder(name, "int64", !o.key), ...o });
const u64 = (name: string): ColumnSpec => ({ name, make: () => new Int64Builder(name, "uint64") });
const f64 = (name: string): ColumnSpec => ({ name, make: () => new Float64Builder(name) });
const utf8 = (name: string, o: Partial<ColumnSpec> = {}): ColumnSpec => ({ name, make: () => new Utf8Builder(name, !o.key), ...o });
const dict = (name: string, id: number): ColumnSpec => ({ name, make: () => new DictUtf8Builder(name, true, id) });
const epochS = (name: string, zeroIsNull: boolean, o: Partial<ColumnSpec> = {}): ColumnSpec => ({
  name,
  make: () => new Int64Builder(name, "epoch-s", !o.key, { zeroIsNull }),
  ...o,
});

/** The scheduler log: `slurm-log.csv` (or `scheduler-log.csv`), 29 columns. */
export const SLURM_SPEC: TableSpec = {
  name: "slurm",
  title: "scheduler log (slurm-log.csv)",
  header: "optional",
  extraColumns: "error",
  quotedNewlines: false,
  columns: [
    i64("id_job", { key: true }),
    i64("id_array_job"),
    u32("id_array_task"),
    i64("id_user"),
    i64("kill_requid"),
    i32("nodes_alloc"),
    utf8("nodelist"),
    i32("cpus_req"),
    i32("derived_ec"),
    i32("exit_code"),
    utf8("gres_used"),
    i32("array_max_tasks"),
    i32("array_task_pending"),
    utf8("constraints"),
    i32("flags"),
    u64("mem_req"),
    dict("partition", 1),
    i64("priority"),
    i32("state"),
    u32("timelimit"),
    epochS("time_submit", true),
    epochS("time_eligible", true),
    epochS("time_start", true),
    epochS("time_end", true),
    i64("time_suspended"),
    i32("track_steps"),
    utf8("tres_alloc"),
    utf8("tres_req"),
    dict("job_type", 2),
  ],
  derived: [
    { name: "nodes", source: "nodelist", doc: "nodelist parsed into a list of node names", make: () => new PyListBuilder("nodes") },
    sentinelNull("array_task_id", "id_array_task", "id_array_task, null for 4294967294 (NO_VAL: not an array task)"),
    sentinelNull("timelimit_minutes", "timelimit", "timelimit in minutes, null for 4294967295 (INFINITE) and 4294967294 (NO_VAL)"),
    {
      name: "mem_per_cpu",
      source: "mem_req",
      doc: "bit 63 of mem_req: true if mem_req_mb is per CPU, false if per node; null for NO_VAL64",
      make: () => new BoolBuilder("mem_per_cpu"),
      derive(src, row, out) {
        if (!(src as Int64Builder).wordsAt(row) || isNoVal64()) out.appendNull();
        else (out as BoolBuilder).appendBool(rowWords[1] >= 0x80000000);
      },
    },
    {
      name: "mem_req_mb",
      source: "mem_req",
      doc: "mem_req without its MEM_PER_CPU bit, in MB (per CPU or per node, see mem_per_cpu); null for NO_VAL64",
      make: () => new Int64Builder("mem_req_mb", "uint64"),
      derive(src, row, out) {
        if (!(src as Int64Builder).wordsAt(row) || isNoVal64()) out.appendNull();
        else (out as Int64Builder).appendWords(rowWords[0], rowWords[1] & 0x7fffffff);
      },
    },
    {
      name: "state_base",
      source: "state",
      doc: "state & 0xFF (the REQUEUE flag 1024 removed)",
      make: () => new Int32Builder("state_base", false),
      derive(src, row, out) {
        const v = src.numberAt(row);
        if (Number.isNaN(v)) out.appendNull();
        else (out as Int32Builder).appendInt(v & 0xff);
      },
    },
    {
      name: "state_name",
      source: "state",
      doc: "name of state_base: PENDING, RUNNING, COMPLETED, CANCELLED, FAILED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY, …",
      make: () => new DictUtf8Builder("state_name", true, 3),
      derive(src, row, out) {
        const v = src.numberAt(row);
        if (Number.isNaN(v)) out.appendNull();
        else (out as DictUtf8Builder).appendString(JOB_STATES[v & 0xff] ?? `STATE_${v & 0xff}`);
      },
    },
    { name: "tres_alloc_map", source: "tres_alloc", doc: "tres_alloc as a map TRES id → value (NO_VAL64 → null)", make: () => new TresMapBuilder("tres_alloc_map") },
    { name: "tres_req_map", source: "tres_req", doc: "tres_req as a map TRES id → value (NO_VAL64 → null)", make: () => new TresMapBuilder("tres_req_map") },
    {
      name: "gpus_req",
      source: "tres_req_map",
      doc: "GPUs requested: the larger of TRES 1001 (gpu:tesla) and 1002 (gpu:volta) in tres_req, 0 if neither",
      make: () => new Int32Builder("gpus_req", false),
      derive(src, row, out) {
        const v = (src as TresMapBuilder).maxOfKeys(row, GPU_TRES_IDS);
        if (Number.isNaN(v)) out.appendNull();
        else (out as Int32Builder).appendInt(Math.min(v, 2147483647));
      },
    },
    {
      name: "gpu_job",
      source: "gpus_req",
      doc: "true if tres_req requests GPUs (gres_used is always empty, so this is the GPU test)",
      make: () => new BoolBuilder("gpu_job"),
      derive(src, row, out) {
        const v = src.numberAt(row);
        if (Number.isNaN(v)) out.appendNull();
        else (out as BoolBuilder).appendBool(v > 0);
      },
    },
  ],
};

/** The CPU metrics in file order, with their kind: the series columns, and the Min/Max/Sum/Avg of a summary. */
const CPU_METRICS: readonly { name: string; kind: "epoch" | "int" | "float" }[] = [
  { name: "EpochTime", kind: "epoch" },
  { name: "CPUFrequency", kind: "float" },
  { name: "CPUTime", kind: "float" },
  { name: "CPUUtilization", kind: "float" },
  { name: "RSS", kind: "int" },
  { name: "VMSize", kind: "int" },
  { name: "Pages", kind: "int" },
  { name: "ReadMB", kind: "float" },
  { name: "WriteMB", kind: "float" },
];

/** The metrics of a CPU summary in order, with their kind (for the generator and the docs). */
export const CPU_SUMMARY_METRICS = CPU_METRICS;

/** A column holding a CPU metric's exact values: epoch seconds, Int64 or Float64 by its kind. */
function cpuMetricColumn(name: string, kind: (typeof CPU_METRICS)[number]["kind"]): ColumnSpec {
  return kind === "epoch" ? epochS(name, false) : kind === "int" ? i64(name) : f64(name);
}

/** The columns both CPU files start with: the step, node and series a row belongs to, and when. */
const CPU_KEY_COLUMNS: readonly ColumnSpec[] = [utf8("Step", { key: true }), utf8("Node"), i32("Series"), i64("ElapsedTime")];

/** CPU time series `cpu/NNNN/<id_job>-timeseries.csv`: one row per (Step, Node, Series) every 10 s. */
export const CPU_SPEC: TableSpec = {
  name: "cpu",
  title: "CPU time series (cpu/NNNN/<id_job>-timeseries.csv)",
  header: "optional",
  extraColumns: "error",
  quotedNewlines: false,
  columns: [...CPU_KEY_COLUMNS, ...CPU_METRICS.map((m) => cpuMetricColumn(m.name, m.kind))],
  derived: [],
};

/** CPU summary `cpu/NNNN/<id_job>-summary.csv`: Min/Max/Sum/Avg per metric, 40 columns. */
export const CPU_SUMMARY_SPEC: TableSpec = {
  name: "cpu-summary",
  title: "CPU summary (cpu/NNNN/<id_job>-summary.csv)",
  header: "optional",
  extraColumns: "error",
  quotedNewlines: false,
  columns: [
    ...CPU_KEY_COLUMNS,
    ...CPU_METRICS.flatMap((m): ColumnSpec[] => [
      cpuMetricColumn(`Min_${m.name}`, m.kind),
      cpuMetricColumn(`Max_${m.name}`, m.kind),
      m.kind === "float" ? f64(`Sum_${m.name}`) : i64(`Sum_${m.name}`),
      f64(`Avg_${m.name}`),
    ]),
  ],
  derived: [],
};

/** GPU time series `gpu/NNNN/<id_job>-<node>.csv`: nvidia-smi every ~100 ms, all GPUs of the node. */
export const GPU_SPEC: TableSpec = {
  name: "gpu",
  title: "GPU time series (gpu/NNNN/<id_job>-<node>.csv)",
  header: "optional",
  extraColumns: "error",
  quotedNewlines: false,
  columns: [
    { name: "timestamp", key: true, make: () => new Int64Builder("timestamp", "epoch-s-to-ms", false) },
    i32("gpu_index", { key: true }),
    f64("utilization_gpu_pct"),
    f64("utilization_memory_pct"),
    f64("memory_free_MiB"),
    f64("memory_used_MiB"),
    f64("temperature_gpu"),
    f64("temperature_memory"),
    f64("power_draw_W"),
    i32("pcie_link_width_current"),
  ],
  derived: [],
};

/** node-data.csv: 5-minute samples per node. */
export const NODE_SPEC: TableSpec = {
  name: "node",
  title: "node data (node-data.csv)",
  header: "optional",
  extraColumns: "error",
  quotedNewlines: false,
  columns: [utf8("Node", { key: true }), f64("Time"), utf8("UserPIDCount"), f64("FSlatency"), f64("LoadAvg"), f64("MemoryFreeInactiveKB"), f64("LustreRPCTotals")],
  derived: [
    {
      name: "timestamp",
      source: "Time",
      doc: "Time (epoch seconds) as Timestamp(ms, UTC)",
      make: () => new Int64Builder("timestamp", "epoch-s-to-ms", true),
    },
  ],
};

/** labelled_jobids.csv: read by header name; id_job and model are needed, other columns kept as text. */
export const LABELS_SPEC: TableSpec = {
  name: "labels",
  title: "labelled job ids (labelled_jobids.csv)",
  header: "required",
  extraColumns: "keep",
  quotedNewlines: false,
  columns: [i64("id_job", { key: true }), utf8("model", { key: true })],
  derived: [],
};

/** labelled_job_stats.csv: schema unknown, so every column is text. */
export const LABEL_STATS_SPEC: TableSpec = {
  name: "label-stats",
  title: "labelled job statistics (labelled_job_stats.csv)",
  header: "required",
  extraColumns: "keep",
  quotedNewlines: true,
  columns: [],
  derived: [],
};

export const TABLE_SPECS: Readonly<Record<SupercloudTableName, TableSpec>> = {
  slurm: SLURM_SPEC,
  cpu: CPU_SPEC,
  "cpu-summary": CPU_SUMMARY_SPEC,
  gpu: GPU_SPEC,
  node: NODE_SPEC,
  labels: LABELS_SPEC,
  "label-stats": LABEL_STATS_SPEC,
};
