/**
 * `%energy tune -- CMD …`: the few-probe power-limit tuner (energy/tune.ts) on a job. Thin
 * adapter: it turns CMD into a probe, reads the priors, calls the core and presents the result.
 *
 * How a probe runs CMD (documented in the help):
 * - CMD contains `{power_limit}`: CMD applies the limit itself (or replays a recorded sweep);
 *   the tuner never calls nvidia-smi.
 * - otherwise the tuner sets the limit with `nvidia-smi -pl` around each run and restores the
 *   limit it found (energy/power-limit.ts), on every exit path.
 * - without --measure, CMD prints one JSON object with time_per_epoch (s) and average_power (W);
 *   with --measure, the tuner meters CMD itself: time per epoch = wall time / --epochs, power =
 *   the GPUs' metered energy / wall time.
 */
import * as fs from "fs";
import * as path from "path";
import { plotlyText } from "greenai-common";
import { escapeHtml, formatNumber, htmlTable, makeBundle, textTable } from "../display/bundle";
import { DataFormatError, InterruptedError, UsageError } from "../errors";
import { measureCommand, runCommand } from "../energy/measure";
import { withPowerLimit } from "../energy/power-limit";
import { workloadKey } from "../energy/powercap";
import { sweepRowsFromFile } from "../energy/read-sweep";
import { tunePowerLimit, type TuneObjective, type TuneProbe, type TuneResult } from "../energy/tune";
import { METER_FLAGS, meterOptionsFromFlags } from "./energy-meter-flags";
import type { MagicCommand, MagicContext } from "./types";

const PLACEHOLDER = "{power_limit}";

/** The last stdout line that is a JSON object with positive time_per_epoch and average_power. */
export function probeFromOutput(lines: readonly string[], limit: number, cmd: string): TuneProbe {
  for (let i = lines.length - 1; i >= 0; i--) {
    const t = lines[i].trim();
    if (!t.startsWith("{")) continue;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(t);
    } catch {
      continue;
    }
    const time = Number(o.time_per_epoch);
    const power = Number(o.average_power);
    if (time > 0 && power > 0) return { power_limit: limit, time_per_epoch: time, average_power: power };
    throw new DataFormatError(`${cmd} at ${limit} W printed ${t.slice(0, 200)}; expected positive "time_per_epoch" (s) and "average_power" (W)`);
  }
  throw new DataFormatError(
    `${cmd} at ${limit} W printed no JSON object with "time_per_epoch" and "average_power" (last line: ${JSON.stringify((lines[lines.length - 1] ?? "").slice(0, 200))}); ` +
      "make it print one, e.g. {\"time_per_epoch\": 12.3, \"average_power\": 180}, or give --measure to meter the command",
  );
}

/** The last lines a job printed, for the error when it fails (its output never goes to stdout: --json stays one object). */
class OutputTail {
  private readonly lines: string[] = [];
  constructor(private readonly ctx: MagicContext) {}
  push = (line: string) => {
    this.lines.push(line);
    if (this.lines.length > 20) this.lines.shift();
    this.ctx.progress(line.slice(0, 120));
  };
  text(): string {
    return this.lines.length ? `; its last output:\n${this.lines.join("\n")}` : "; it printed nothing";
  }
}

/** Runs argv to the end; its stdout lines are returned. */
async function runForOutput(argv: readonly string[], ctx: MagicContext, signal: AbortSignal, limit: number): Promise<string[]> {
  const lines: string[] = [];
  const tail = new OutputTail(ctx);
  let r: { code: number | null; signal: string | null };
  try {
    r = await runCommand(argv, { cwd: ctx.cwd, signal, onStdout: (l) => lines.push(l), onStderr: tail.push });
  } catch (e) {
    if (e instanceof InterruptedError) throw e;
    throw new UsageError((e as Error).message);
  }
  if (r.code !== 0) throw new DataFormatError(`${argv.join(" ")} failed at ${limit} W (${r.signal ?? `exit code ${r.code}`})${tail.text()}`);
  return lines;
}

/** The probe that runs CMD at one limit, as the module comment describes. */
function commandProbe(argv: readonly string[], flags: Record<string, unknown>, ctx: MagicContext, notes: string[]): (limit: number) => Promise<TuneProbe> {
  const selfLimited = argv.some((a) => a.includes(PLACEHOLDER));
  const gpu = flags.gpu as number;
  const epochs = flags.epochs as number;
  const measure = flags.measure as boolean;
  return async (limit) => {
    const cmd = argv.map((a) => a.split(PLACEHOLDER).join(String(limit)));
    ctx.progress(`probing ${limit} W: ${cmd.join(" ")}`.slice(0, 120));
    // the job stops on an interrupt, and also when this process is signalled while the limit is set
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    ctx.signal.addEventListener("abort", onAbort);
    if (ctx.signal.aborted) stop.abort();
    const once = async (): Promise<TuneProbe> => {
      if (!measure) return probeFromOutput(await runForOutput(cmd, ctx, stop.signal, limit), limit, cmd[0]);
      const tail = new OutputTail(ctx);
      const m = await measureCommand(cmd, { ...meterOptionsFromFlags(flags, ctx), nvidiaSmi: { gpus: [gpu] }, cwd: ctx.cwd, signal: stop.signal, onOutput: tail.push });
      if (m.exit_code !== 0) throw new DataFormatError(`${cmd.join(" ")} failed at ${limit} W (${m.signal ?? `exit code ${m.exit_code}`})${tail.text()}`);
      const gpus = m.devices.filter((d) => d.device.startsWith("gpu"));
      const energy = (gpus.length ? gpus : m.devices).reduce((a, d) => a + d.energy_j, 0);
      if (!gpus.length) notes.push(`no GPU was metered at ${limit} W (${m.meter.source}); average_power is that of ${m.devices.map((d) => d.device).join(", ") || "nothing"}`);
      return { power_limit: limit, time_per_epoch: m.duration_s / epochs, average_power: m.duration_s > 0 ? energy / m.duration_s : 0 };
    };
    try {
      return await (selfLimited ? once() : withPowerLimit(limit, once, { gpu, onSignal: () => stop.abort() }));
    } finally {
      ctx.signal.removeEventListener("abort", onAbort);
    }
  };
}

/** The probe that reads a recorded sweep's row of `workload` at each limit (no command runs). */
function replayProbe(rel: string, workload: string | undefined, cwd: string): (limit: number) => TuneProbe {
  if (!workload) throw new UsageError("--replay needs --workload KEY (dataset/network/batch_size/optimizer) to pick the rows to replay");
  const file = path.resolve(cwd, rel);
  if (!fs.existsSync(file)) throw new UsageError(`--replay ${rel}: no such file (resolved to ${file})`);
  const rows = sweepRowsFromFile(file).filter((r) => workloadKey(r) === workload);
  if (!rows.length) throw new UsageError(`--replay ${rel}: no rows of workload ${workload}; keys look like dataset/network/batch_size/optimizer`);
  return (limit) => {
    const r = rows.find((q) => q.power_limit === limit);
    if (!r) throw new UsageError(`--replay ${rel}: ${workload} has no row at ${limit} W (it has ${rows.map((q) => q.power_limit).join(", ")} W); give those in --limits`);
    return { power_limit: limit, time_per_epoch: r.time_per_epoch, average_power: r.average_power };
  };
}

/** Plotly figure: predicted energy (± sd) and time against the limit, probes marked. */
function tunePlotly(r: TuneResult, title: string): { data: unknown[]; layout: object } {
  const x = r.predicted.map((p) => p.power_limit);
  const probes = [...r.probes].sort((a, b) => a.power_limit - b.power_limit);
  return {
    data: [
      { type: "scatter", mode: "lines", name: "energy per epoch (predicted ± sd, J)", x, y: r.predicted.map((p) => p.energy_per_epoch), error_y: { type: "data", array: r.predicted.map((p) => (Number.isFinite(p.energy_sd) ? p.energy_sd : 0)), visible: true } },
      { type: "scatter", mode: "markers", name: "energy per epoch (probed, J)", x: probes.map((p) => p.power_limit), y: probes.map((p) => p.time_per_epoch * p.average_power), marker: { size: 11, symbol: "circle" } },
      { type: "scatter", mode: "lines", name: "time per epoch (predicted ± sd, s)", x, y: r.predicted.map((p) => p.time_per_epoch), yaxis: "y2", line: { dash: "dot" }, error_y: { type: "data", array: r.predicted.map((p) => (Number.isFinite(p.time_sd) ? p.time_sd : 0)), visible: true } },
      { type: "scatter", mode: "markers", name: "time per epoch (probed, s)", x: probes.map((p) => p.power_limit), y: probes.map((p) => p.time_per_epoch), yaxis: "y2", marker: { size: 9, symbol: "diamond" } },
      { type: "scatter", mode: "markers", name: `chosen: ${r.power_limit} W`, x: [r.power_limit], y: [r.predicted.find((p) => p.power_limit === r.power_limit)!.energy_per_epoch], marker: { size: 18, symbol: "star" } },
    ],
    layout: {
      title: { text: plotlyText(title) },
      xaxis: { title: { text: "power limit (W)" } },
      yaxis: { title: { text: "energy per epoch (J)" } },
      yaxis2: { title: { text: "time per epoch (s)" }, overlaying: "y", side: "right" },
      legend: { orientation: "h" },
    },
  };
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** Text, HTML and Plotly of a tuning result. */
export function presentTune(r: TuneResult, notes: readonly string[], title: string) {
  const goal = r.objective === "cost" ? `least ${r.eta}·energy + ${formatNumber(1 - r.eta)}·P_max·time` : `least ${r.objective}`;
  const head =
    `${title}: ${r.power_limit} W (${goal}${r.max_slowdown !== null ? `, at most ${pct(r.max_slowdown)} slower` : ""}) ` +
    `saves ${pct(r.saved_fraction)} energy per epoch for ${pct(r.slowdown)} more time against ${r.probes[0].power_limit} W, ` +
    `after ${r.probes_used} probes (${r.stopped}; ${r.prior_curves} prior curves, ${r.matched_curves} matching the workload). ` +
    "Probed rows are measured; the others are predicted from the priors.";
  const cols = ["limit (W)", "kind", "s/epoch", "± s", "W", "± W", "J/epoch", "± J", "within bound"];
  const rows = r.predicted.map((p) => [
    p.power_limit,
    p.probed ? `probe ${r.probes.findIndex((q) => q.power_limit === p.power_limit) + 1}` : "predicted",
    p.time_per_epoch,
    p.time_sd,
    p.average_power,
    p.power_sd,
    p.energy_per_epoch,
    p.energy_sd,
    r.max_slowdown === null ? "" : pct(p.p_within_bound),
  ]);
  const text = `${head}\n${textTable(cols, rows)}${notes.map((n) => `\nnote: ${n}`).join("")}`;
  const html = `<p>${escapeHtml(head)}</p>${htmlTable(cols, rows)}${notes.map((n) => `<p><i>note: ${escapeHtml(n)}</i></p>`).join("")}`;
  return { text, bundle: makeBundle({ plotly: tunePlotly(r, title), html, text }) };
}

export const tuneCommandSpec: MagicCommand = {
  spec: {
    name: "energy tune",
    summary: "Find a job's best GPU power limit with a few probes (the tuner picks which limits to try).",
    description:
      "Runs CMD (after --) at a few power limits chosen by the tuner and recommends one. The first probe is the highest limit " +
      "(the reference for the saving and the slowdown). Prior sweeps (Zeus format, other workloads or GPUs) predict the shape of " +
      "time and power against the fraction of the highest limit; the next probe is the limit where the objective is most likely " +
      "to improve. The recommendation is always a probed (measured) limit. " +
      "If CMD contains {power_limit}, it is replaced by the limit in watts and CMD applies the limit itself (or replays a recorded " +
      "sweep); otherwise the tuner sets the limit with `nvidia-smi -i GPU -pl W` before each run and restores the limit it found " +
      "afterwards, also on errors and interrupts (setting a limit needs root). Without --measure, CMD must print one JSON object " +
      "with time_per_epoch (s) and average_power (W); with --measure the tuner meters CMD itself, and CMD should run --epochs epochs " +
      "(or a few iterations: then give the matching count). With --replay FILE no command runs: each probe is read from the " +
      "recorded sweep's row of --workload (a dry run of the tuner on a Zeus trace).",
    flags: [
      { name: "limits", type: "numbers", required: true, min: 1, metavar: "L1,L2,…", help: "the settable power limits, watts (e.g. 100,125,150,175,200,225,250)" },
      { name: "max-probes", type: "int", default: 4, min: 1, metavar: "N", help: "at most N runs of CMD, the highest limit included" },
      { name: "objective", type: "string", default: "energy", choices: ["energy", "time", "cost"], help: "minimise energy per epoch, time per epoch, or Zeus's cost η·energy + (1 − η)·max_limit·time" },
      { name: "eta", type: "number", default: 0.5, min: 0, max: 1, help: "η, the weight of energy in --objective cost (0..1)" },
      { name: "max-slowdown", type: "number", min: 0, metavar: "F", help: "only limits whose time per epoch is at most (1 + F) × the time at the highest limit (0.1 = 10%)" },
      { name: "prior", type: "list", metavar: "FILE,…", help: "power sweeps of other workloads or GPUs in the Zeus format (summary_power_<gpu>.csv)" },
      { name: "workload", type: "string", metavar: "KEY", help: "dataset/network/batch_size/optimizer: prior rows of this workload (and of the same dataset/network) weigh more" },
      { name: "replay", type: "string", metavar: "FILE", help: "no command: read each probe from this recorded sweep's rows of --workload (a dry run on a Zeus trace)" },
      { name: "measure", type: "boolean", default: false, help: "meter CMD with the project's meter instead of reading its JSON line" },
      { name: "epochs", type: "number", default: 1, min: 1e-9, metavar: "E", help: "with --measure: epochs one run of CMD trains (time per epoch = wall time / E)" },
      { name: "gpu", type: "int", default: 0, min: 0, metavar: "INDEX", help: "GPU whose limit is set (nvidia-smi -i) and metered" },
      ...METER_FLAGS,
    ],
    positionals: [{ name: "command", help: "the job's command and arguments after --; {power_limit} is replaced by the limit in watts", variadic: true }],
    examples: [
      "%data path zeus-nsdi23 --as z",
      "%energy tune --limits 100,125,150,175,200,225,250 --prior $z/summary_power_p100.csv --workload cifar100/shufflenetv2/1024/adadelta -- python3 replay.py {power_limit}",
      "%energy tune --limits 100,125,150,175,200,225,250 --replay $z/summary_power_v100.csv --workload imagenet/resnet50/256/adadelta --prior $z/summary_power_p100.csv",
      "%energy tune --limits 150,200,250,300 --measure --epochs 1 --max-slowdown 0.1 -- python3 train.py --epochs 1",
      "greenai energy tune --limits 125,150,175,200,225,250 --max-probes 4 --prior v100.csv --json -- ./train.sh {power_limit}",
    ],
  },
  async run(args, ctx) {
    const argv = args.positionals;
    const replay = args.flags.replay as string | undefined;
    if (replay !== undefined && argv.length > 0) throw new UsageError("give either --replay FILE or a command after --, not both");
    if (replay === undefined && argv.length === 0) throw new UsageError("give the job's command after -- (e.g. %energy tune --limits 150,200,250 -- python3 train.py {power_limit}), or --replay FILE");
    const priors = ((args.flags.prior as string[] | undefined) ?? []).map((rel) => {
      const file = path.resolve(ctx.cwd, rel);
      if (!fs.existsSync(file)) throw new UsageError(`--prior ${rel}: no such file (resolved to ${file})`);
      return { source: path.basename(file), rows: sweepRowsFromFile(file) };
    });
    const notes: string[] = [];
    const probe = replay !== undefined ? replayProbe(replay, args.flags.workload as string | undefined, ctx.cwd) : commandProbe(argv, args.flags, ctx, notes);
    const r = await tunePowerLimit(probe, {
      limits: args.flags.limits as number[],
      maxProbes: args.flags["max-probes"] as number,
      objective: args.flags.objective as TuneObjective,
      eta: args.flags.eta as number,
      maxSlowdown: args.flags["max-slowdown"] as number | undefined,
      priors,
      workload: args.flags.workload as string | undefined,
      signal: ctx.signal,
    });
    const { text, bundle } = presentTune(r, [...new Set(notes)], replay !== undefined ? `power limit for ${args.flags.workload} (replayed from ${path.basename(replay)})` : `power limit for ${argv.join(" ")}`.slice(0, 100));
    return { value: r, typeName: "TuneResult", text, bundle };
  },
};
