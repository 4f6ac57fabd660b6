/**
 * `%energy plan` (energy to reach a target: batch size and power limit together) and
 * `%energy compare` (the same jobs across GPU types). Thin adapters over energy/plan.ts and
 * energy/compare.ts.
 */
import * as fs from "fs";
import * as path from "path";
import { plotlyText } from "greenai-common";
import { escapeHtml, htmlTable, makeBundle, textTable } from "../display/bundle";
import { UsageError } from "../errors";
import { compareGpus, type GpuCompareObjective, type GpuCompareRow } from "../energy/compare";
import { planFromTraces, type PlanRow } from "../energy/plan";
import { trainRowsFromFile, zeusPowerTableFromFile } from "../energy/read-sweep";
import type { MagicCommand } from "./types";

/** Result of `%energy plan`. */
export interface EnergyPlan {
  train: string;
  power: string;
  gpu: string;
  eta: number;
  rows: PlanRow[];
}

/** Result of `%energy compare`. */
export interface GpuComparison {
  objective: GpuCompareObjective;
  gpus: string[];
  rows: GpuCompareRow[];
}

function existing(rel: string, flag: string, cwd: string): string {
  const file = path.resolve(cwd, rel);
  if (!fs.existsSync(file)) throw new UsageError(`--${flag} ${rel}: no such file (resolved to ${file})`);
  return file;
}

/** "a=1,b=2" → {a: 1, b: 2}; every value a positive number. */
function pairs(items: readonly string[] | undefined, flag: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items ?? []) {
    const m = /^([^=]+)=(.+)$/.exec(item);
    const v = m ? Number(m[2]) : NaN;
    if (!m || !(v > 0)) throw new UsageError(`--${flag} ${item}: expected NAME=NUMBER (a positive number), e.g. --${flag} ${flag === "price" ? "v100=2.48" : "cifar100=1024"}`);
    out[m[1].trim()] = v;
  }
  return out;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const r3 = (x: number) => Number(x.toPrecision(4));

export const planCommandSpec: MagicCommand = {
  spec: {
    name: "energy plan",
    summary: "Energy to reach a target accuracy: choose batch size and power limit together (Zeus traces).",
    description:
      "For each job (dataset/network/optimizer) and target metric of the train trace: epochs to the target = the median over runs " +
      "(a batch size counts when at least half of its runs reached the target); energy to target = epochs × time_per_epoch × " +
      "average_power from the power trace at each (batch size, limit). The plan minimises η·E + (1 − η)·P_max·T and is compared " +
      "with the default batch size at the highest limit. Neither trace names a default batch size: give it with --default-batch, " +
      "else the median batch size (of those that reach the target and have a sweep) is the default. All numbers come from the " +
      "recorded traces (measured by Zeus's authors); nothing is measured here.",
    flags: [
      { name: "train", type: "string", required: true, metavar: "FILE", help: "Zeus train trace (summary_train.csv): epochs to each target per run" },
      { name: "power", type: "string", required: true, metavar: "FILE", help: "Zeus power trace of one GPU (summary_power_<gpu>.csv)" },
      { name: "eta", type: "number", default: 1, min: 0, max: 1, help: "weight of energy in η·E + (1 − η)·P_max·T (1: least energy; 0: least time)" },
      { name: "default-batch", type: "list", metavar: "KEY=B,…", help: "default batch size per dataset or dataset/network/optimizer (e.g. cifar100=1024); else the median batch size" },
      { name: "target", type: "string", default: "all", choices: ["all", "hardest"], help: "all target metrics, or per job only the last (hardest) target of the trace that some batch size reaches" },
    ],
    examples: ["%data path zeus-nsdi23 --as z", "%energy plan --train $z/summary_train.csv --power $z/summary_power_v100.csv --target hardest", "greenai energy plan --train summary_train.csv --power summary_power_p100.csv --eta 0.5 --json"],
  },
  async run(args, ctx) {
    const train = existing(args.flags.train as string, "train", ctx.cwd);
    const powerFile = existing(args.flags.power as string, "power", ctx.cwd);
    const eta = args.flags.eta as number;
    const { gpu, rows: power } = await zeusPowerTableFromFile(powerFile);
    let rows = planFromTraces(await trainRowsFromFile(train), power, { eta, defaults: pairs(args.flags["default-batch"] as string[] | undefined, "default-batch") });
    if (args.flags.target === "hardest") {
      // the last target per job in the trace's order: targets are listed from easiest to hardest
      const last = new Map<string, PlanRow>();
      for (const r of rows) last.set(`${r.dataset}/${r.network}/${r.optimizer}`, r);
      rows = [...last.values()];
    }
    const value: EnergyPlan = { train, power: powerFile, gpu, eta, rows };
    const cols = ["job", "target", "default b", "b", "limit (W)", "epochs", "energy (kJ)", "time (h)", "baseline b@W", "baseline kJ", "baseline h", "saved", "time change"];
    const table = rows.map((r) => [
      `${r.dataset}/${r.network}/${r.optimizer}`,
      r.target_metric,
      `${r.default_batch_size}${r.default_from === "median" ? " (median)" : ""}`,
      r.best.batch_size,
      r.best.power_limit,
      r.best.epochs,
      r3(r.best.energy_j / 1000),
      r3(r.best.time_s / 3600),
      `${r.baseline.batch_size}@${r.baseline.power_limit}`,
      r3(r.baseline.energy_j / 1000),
      r3(r.baseline.time_s / 3600),
      pct(r.saved_fraction),
      pct(r.time_change),
    ]);
    const head = `${rows.length} (job, target) plans on ${gpu} (${eta === 1 ? "least energy" : `η = ${eta}`}): energy to target = median epochs × s/epoch × W, from the recorded traces, against the default batch size at the highest limit.`;
    const text = `${head}\n${textTable(cols, table)}`;
    const plotly = {
      data: [{ type: "bar", name: "energy saved to target (%)", x: rows.map((r) => `${r.dataset} ${r.target_metric}`), y: rows.map((r) => 100 * r.saved_fraction) }],
      layout: { title: { text: `energy-to-target saving per job on ${gpu}` }, yaxis: { title: { text: "energy saved (%)" } } },
    };
    return { value, typeName: "EnergyPlan", text, bundle: makeBundle({ plotly, html: `<p>${escapeHtml(head)}</p>${htmlTable(cols, table, { maxRows: 300 })}`, text }) };
  },
};

/** Plotly bars: each job's energy, time or dollars per epoch on each GPU at its best limit (names from data, escaped). */
export function comparisonPlotly({ objective, gpus, rows }: GpuComparison): { data: unknown[]; layout: object } {
  const y = (at: GpuCompareRow["gpus"][number] | undefined) => (!at ? null : objective === "energy" ? at.energy_per_epoch : objective === "time" ? at.time_per_epoch : at.dollars_per_epoch);
  return {
    data: gpus.map((g) => ({ type: "bar", name: plotlyText(g), x: rows.map((r) => plotlyText(r.workload)), y: rows.map((r) => y(r.gpus.find((x) => x.gpu === g))) })),
    layout: { title: { text: `${objective} per epoch at each GPU's best limit` }, barmode: "group", yaxis: { title: { text: objective === "energy" ? "J/epoch" : objective === "time" ? "s/epoch" : "$/epoch" }, type: "log" } },
  };
}

export const compareCommandSpec: MagicCommand = {
  spec: {
    name: "energy compare",
    summary: "Compare GPU types on the same jobs: energy, time and cost per epoch at each GPU's best limit.",
    description:
      "Reads two or more power sweeps in the Zeus format (the GPU name comes from summary_power_<gpu>.csv). For each job that " +
      "appears in at least two, each GPU is taken at its own best limit (least energy for --objective energy, least time for time " +
      "and dollars), and the GPU with the least objective per epoch is picked, with its margin to the runner-up.",
    flags: [
      { name: "power", type: "list", required: true, metavar: "A.csv,B.csv", help: "power sweeps of two or more GPU types (summary_power_<gpu>.csv)" },
      { name: "price", type: "list", metavar: "GPU=USD,…", help: "price per GPU-hour, e.g. v100=2.48,p100=1.46 (adds $ per epoch; needed for --objective dollars)" },
      { name: "objective", type: "string", default: "energy", choices: ["energy", "time", "dollars"], help: "pick the GPU with the least energy, time or dollars per epoch" },
      { name: "max-slowdown", type: "number", min: 0, metavar: "F", help: "each GPU's limits at most this fraction slower than its highest limit" },
    ],
    examples: ["%data path zeus-nsdi23 --as z", "%energy compare --power $z/summary_power_v100.csv,$z/summary_power_p100.csv", "greenai energy compare --power v100.csv,p100.csv --price v100=2.48,p100=1.46 --objective dollars --json"],
  },
  async run(args, ctx) {
    const files = (args.flags.power as string[]).map((rel) => existing(rel, "power", ctx.cwd));
    if (files.length < 2) throw new UsageError("--power needs two or more sweeps, comma-separated (e.g. --power summary_power_v100.csv,summary_power_p100.csv)");
    const sweeps = await Promise.all(files.map((f) => zeusPowerTableFromFile(f)));
    const names = sweeps.map((s) => s.gpu);
    if (new Set(names).size !== names.length) throw new UsageError(`--power: two sweeps have the same GPU name (${names.join(", ")}); name the files summary_power_<gpu>.csv`);
    const prices = pairs(args.flags.price as string[] | undefined, "price");
    const unknown = Object.keys(prices).filter((g) => !names.includes(g));
    if (unknown.length) throw new UsageError(`--price names ${unknown.join(", ")}, not among the sweeps' GPUs (${names.join(", ")})`);
    const objective = args.flags.objective as GpuCompareObjective;
    const rows = compareGpus(sweeps, { objective, prices, maxSlowdown: args.flags["max-slowdown"] as number | undefined });
    const value: GpuComparison = { objective, gpus: names, rows };
    const cols = ["job", ...names.flatMap((g) => [`${g} W`, `${g} J/epoch`, `${g} s/epoch`, ...(prices[g] ? [`${g} $/epoch`] : [])]), "pick", "margin"];
    const table = rows.map((r) => [
      r.workload,
      ...names.flatMap((g) => {
        const at = r.gpus.find((x) => x.gpu === g);
        return [at?.power_limit ?? null, at ? r3(at.energy_per_epoch) : null, at ? r3(at.time_per_epoch) : null, ...(prices[g] ? [at?.dollars_per_epoch != null ? r3(at.dollars_per_epoch) : null] : [])];
      }),
      r.pick,
      pct(r.margin),
    ]);
    const wins = names.map((g) => `${g} ${rows.filter((r) => r.pick === g).length}`).join(", ");
    const head = `${rows.length} jobs on ${names.join(" and ")}, each GPU at its best limit; least ${objective} per epoch: ${wins}. From the recorded sweeps.`;
    const text = `${head}\n${textTable(cols, table)}`;
    const plotly = comparisonPlotly(value);
    return { value, typeName: "GpuComparison", text, bundle: makeBundle({ plotly, html: `<p>${escapeHtml(head)}</p>${htmlTable(cols, table, { maxRows: 300 })}`, text }) };
  },
};
