/**
 * `%energy`: meter a command (`%energy measure -- CMD …`) and advise a GPU power limit from a
 * sweep (`%energy powercap --trace FILE`); `tune` (energy-tune.ts), `plan` and `compare`
 * (energy-plan.ts) live in their own files. Thin adapters over kernel/src/energy.
 */
import { plotlyText } from "greenai-common";
import * as fs from "fs";
import * as path from "path";
import { escapeHtml, formatNumber, htmlTable, makeBundle, textTable } from "../display/bundle";
import { presentMeasurement } from "../display/timeseries";
import { UsageError } from "../errors";
import { measureCommand, measureEnergy, measurementPayload, type EnergyMeasurement } from "../energy/measure";
import { adviseFromSweep, type PowerLimitRecommendation } from "../energy/powercap";
import { sweepRowsFromFile } from "../energy/read-sweep";
import { METER_FLAGS, meterOptionsFromFlags } from "./energy-meter-flags";
import { compareCommandSpec, planCommandSpec } from "./energy-plan";
import { tuneCommandSpec } from "./energy-tune";
import { meterCommandSpec } from "./energy-meter";
import { carbonCommandSpec } from "./energy-carbon";
import { serveCommandSpec } from "./energy-serve";
import type { Magic, MagicCommand } from "./types";

// the meter flags live in their own module (energy-tune uses them too); importers of ./energy keep them
export { METER_FLAGS, meterOptionsFromFlags };

/** Result of `%energy measure` (the series are left out of `--json` output but kept here); its schema lets `$name` pass it whole (to %energy carbon). */
export type EnergyMeasureResult = Omit<EnergyMeasurement, "series"> & { samples: number; schema: "greenai.energy.measure/1" };

/** Result of `%energy powercap`. */
export interface PowercapAdvice {
  trace: string;
  eta: number;
  max_time_increase: number | null;
  /** One entry per (dataset, network, batch_size, optimizer). */
  recommendations: PowerLimitRecommendation[];
}

const measureCommandSpec: MagicCommand = {
  spec: {
    name: "energy measure",
    summary: "Meter the energy of a command (or of a wait) on GPUs, CPU packages or an estimate.",
    description:
      "Runs the command given after -- (an argv, no shell) and meters the devices while it runs: GPUs by nvidia-smi, CPU packages by RAPL, " +
      "or, where nothing can be measured, CPU utilisation × a power model, always labelled as an estimate. The energy is the devices' whole " +
      "energy over the run, other work on them included. As a cell magic (%%energy measure on the first line) it meters the TypeScript " +
      "body of the cell instead; in code, use greenai.measureEnergy(async () => …).",
    flags: [...METER_FLAGS, { name: "duration", type: "number", min: 0, metavar: "S", help: "meter for S seconds instead of running a command (an idle baseline)" }],
    positionals: [{ name: "command", help: "the command and its arguments, after --", variadic: true }],
    body: "optional",
    bodyLanguage: "typescript",
    examples: ["%energy measure -- python3 train.py --epochs 1", "%%energy measure\nawait trainOneEpoch()", "%energy measure --duration 5 --meter estimate --power-model 10,65", "%energy measure --json -- sleep 1"],
  },
  async run(args, ctx) {
    const argv = args.positionals;
    const duration = args.flags.duration as number | undefined;
    if (ctx.body !== undefined) {
      if (argv.length > 0 || duration !== undefined) throw new UsageError("%%energy measure meters the cell body: give no command and no --duration");
      if (!ctx.runTypeScript) throw new UsageError("%%energy measure meters TypeScript cells: use it in a notebook");
      const run = ctx.runTypeScript;
      const opts = { ...meterOptionsFromFlags(args.flags, ctx), signal: ctx.signal };
      const m = await measureEnergy(() => run(ctx.body ?? ""), opts);
      const { text, bundle } = presentMeasurement(m, measurementPayload(m, "energy of the cell"));
      const { series, result: _result, ...rest } = m;
      const value: EnergyMeasureResult = { ...rest, samples: series.reduce((a, s) => a + s.t_ms.length, 0), schema: "greenai.energy.measure/1" };
      return { value, typeName: "EnergyMeasureResult", text, bundle };
    }
    if (argv.length === 0 && duration === undefined) throw new UsageError("give a command after -- (e.g. %energy measure -- python3 train.py) or --duration S");
    if (argv.length > 0 && duration !== undefined) throw new UsageError("give either a command or --duration, not both");
    const opts = { ...meterOptionsFromFlags(args.flags, ctx), signal: ctx.signal };
    ctx.progress(argv.length ? `metering ${argv[0]}…` : `metering for ${duration} s…`);
    const m = argv.length ? await measureCommand(argv, { ...opts, cwd: ctx.cwd, onOutput: (l) => ctx.log(l) }) : await measureEnergy(undefined, { ...opts, waitMs: duration! * 1000 });
    const title = argv.length ? `energy of ${argv.join(" ")}`.slice(0, 120) : `energy over ${duration} s`;
    const { text, bundle } = presentMeasurement(m, measurementPayload(m, title));
    const { series, ...rest } = m;
    const value: EnergyMeasureResult = { ...rest, samples: series.reduce((a, s) => a + s.t_ms.length, 0), schema: "greenai.energy.measure/1" };
    return { value, typeName: "EnergyMeasureResult", text, bundle };
  },
};

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

const powercapSpec: MagicCommand = {
  spec: {
    name: "energy powercap",
    summary: "Recommend the GPU power limit that minimises energy (or a weighted energy-time cost) from a power sweep.",
    description:
      "Reads a sweep in the Zeus trace format (dataset,network,batch_size,optimizer,power_limit,time_per_epoch,average_power; " +
      "or only the last three for your own sweep). For each workload, energy per epoch = time_per_epoch × average_power at each limit; " +
      "the chosen limit minimises η·E + (1 − η)·P_max·T (η = 1: energy alone) and its time cost is shown against the maximum limit.",
    flags: [
      { name: "trace", type: "string", required: true, metavar: "FILE", help: "power sweep CSV (seconds per epoch, watts)" },
      { name: "eta", type: "number", default: 1, min: 0, max: 1, help: "weight of energy in the cost, 0..1 (1: minimise energy; 0: minimise time)" },
      { name: "max-time-increase", type: "number", min: 0, metavar: "F", help: "only limits at most this fraction slower per epoch than the maximum limit (0.1 = 10 %)" },
    ],
    examples: [
      "%data path zeus-nsdi23 --as zeus", "%energy powercap --trace $zeus/summary_power_v100.csv",
      "%energy powercap --trace sweep.csv --eta 0.5 --as advice",
      "greenai energy powercap --trace summary_power_p100.csv --max-time-increase 0.05 --json",
    ],
  },
  async run(args, ctx) {
    const rel = args.flags.trace as string;
    const file = path.resolve(ctx.cwd, rel);
    if (!fs.existsSync(file)) throw new UsageError(`--trace ${rel}: no such file (resolved to ${file})`);
    const eta = args.flags.eta as number;
    const mti = args.flags["max-time-increase"] as number | undefined;
    const recs = adviseFromSweep(sweepRowsFromFile(file), { eta, maxTimeIncrease: mti });
    const value: PowercapAdvice = { trace: file, eta, max_time_increase: mti ?? null, recommendations: recs };
    const cols = ["dataset", "network", "batch", "optimizer", "limit (W)", "J/epoch", "s/epoch", "max (W)", "J/epoch @max", "s/epoch @max", "energy saved", "time cost"];
    const rows = recs.map((r) => [
      r.dataset,
      r.network,
      r.batch_size,
      r.optimizer,
      r.power_limit,
      r.energy_per_epoch,
      r.time_per_epoch,
      r.at_max.power_limit,
      r.at_max.energy_per_epoch,
      r.at_max.time_per_epoch,
      pct(r.energy_saving_fraction),
      pct(r.time_cost_fraction),
    ]);
    const saved = recs.map((r) => r.energy_saving_fraction).sort((a, b) => a - b);
    const cost = recs.map((r) => r.time_cost_fraction).sort((a, b) => a - b);
    const med = (xs: number[]) => xs[Math.floor((xs.length - 1) / 2)];
    const goal = eta === 1 ? "least energy" : `least ${eta}·energy + ${formatNumber(1 - eta)}·P_max·time`;
    const head =
      `${recs.length} workloads in ${path.basename(file)}: the limit with ${goal}` +
      (mti !== undefined ? ` (at most ${pct(mti)} slower)` : "") +
      ` saves a median ${pct(med(saved))} energy per epoch for a median ${pct(med(cost))} more time.`;
    const text = `${head}\n${textTable(cols, rows)}`;
    const plotly = {
      data: [
        {
          type: "scatter",
          mode: "markers",
          name: "chosen limit vs maximum",
          x: recs.map((r) => 100 * r.time_cost_fraction),
          y: recs.map((r) => 100 * r.energy_saving_fraction),
          text: recs.map((r) => plotlyText(`${r.dataset}/${r.network} b${r.batch_size ?? "?"} ${r.optimizer}: ${r.power_limit} W`)), // names from the CSV: shown literally
          hoverinfo: "text+x+y",
        },
      ],
      layout: { title: { text: "power-limit trade-off per workload" }, xaxis: { title: { text: "extra time per epoch (%)" } }, yaxis: { title: { text: "energy saved per epoch (%)" } } },
    };
    const html = `<p>${escapeHtml(head)}</p>${htmlTable(cols, rows, { maxRows: 200 })}`;
    return { value, typeName: "PowercapAdvice", text, bundle: makeBundle({ plotly, html, text }) };
  },
};

export const energyMagic: Magic = {
  name: "energy",
  summary: "meter energy (and show the kernel's live meter); tune and advise GPU power limits; plan energy to a target accuracy; compare GPU types; carbon of energy; serve OpenMetrics",
  commands: [measureCommandSpec, powercapSpec, tuneCommandSpec, planCommandSpec, compareCommandSpec, carbonCommandSpec, meterCommandSpec, serveCommandSpec],
};
