/**
 * `%tpe run`: live TPE on real training jobs. Runs N trial configurations (a grid, a list,
 * or a random sample of a search space) as commands, meters their energy, stops the losers
 * at the decision epoch and finishes the kept ones. The lead appends `tpeRunCommand` to the
 * `%tpe` magic. Thin adapter over kernel/src/trials.
 */
import * as fs from "fs";
import * as path from "path";
import { escapeHtml, formatNumber, makeBundle, type MimeBundle } from "../display/bundle";
import { presentTpe } from "../display/tpe";
import { UsageError } from "../errors";
import { SlurmBackend } from "../trials/slurm";
import type { TrialBackend } from "../trials/backend";
import type { PolicyOptions } from "../tpe";
import { pct } from "../tpe/percent";
import type { TpeRunReport } from "../trials/report";
import { runTrials, type TrialSpec } from "../trials/runner";
import { expandArgv, gridFromText, mulberry32, paramsListFromJson, sampleSpace, spaceFromText, templateNames, type Params } from "../trials/space";
import type { TpePayload } from "greenai-common";
import { METER_FLAGS, meterOptionsFromFlags } from "./energy";
import { checkScoreAtFirstRung, POLICY_FLAGS, POLICY_HELP, policyFromFlags, scoreOptionsFromFlags, unusedPolicyNotes } from "./tpe-flags";
import type { MagicCommand, MagicContext } from "./types";
import { PowerLimitError } from "../energy/power-limit";
import type { TuneResult } from "../energy/tune";
import { powerLine, type PowerCapSummary } from "../trials/power-cap";
import type { RunPowerLimit } from "../trials/runner";
import { tuneCommandSpec } from "./energy-tune";
import { parseArgs, tokenize, type FlagSpec } from "./options";

/** Result of `%tpe run`: the run report (also in <run-dir>/report.json) and notes on the flags; `power` for a capped run. */
export type TpeRunResult = TpeRunReport & { notes: string[]; power?: PowerCapSummary & { tune?: TuneResult } };

/** The %tpe run flags of a power-capped run (shared by the magic and `greenai tpe run`). */
export const POWER_FLAGS = [
  {
    name: "power-limit",
    type: "string",
    metavar: "W|auto",
    help:
      "cap the GPU's power limit at W watts for the trials (nvidia-smi -pl; needs root), restored after the run on every exit path; " +
      "auto: first tune it on the first trial's command (the %energy tune tuner, flags from --power-tune) and use the recommended limit",
  },
  { name: "power-limit-optional", type: "boolean", default: false, help: "when the limit cannot be set (no permission, no nvidia-smi), run the trials uncapped and say so, instead of failing before any trial starts" },
  { name: "power-gpu", type: "int", min: 0, metavar: "INDEX", help: "the GPU to cap (nvidia-smi -i); default 0 locally, each job's allocated GPUs on Slurm" },
  {
    name: "power-tune",
    type: "string",
    metavar: "'FLAGS'",
    help: "with --power-limit auto: %energy tune flags, quoted, at least --limits (e.g. '--limits 150,200,250 --max-slowdown 0.1 --prior v100.csv'); the probes meter the command (--measure)",
  },
  { name: "power-tune-epochs", type: "int", default: 1, min: 1, metavar: "E", help: "with --power-limit auto: {epochs} of each tuning run of the first trial's command" },
] as const satisfies readonly FlagSpec[];

/** The --power-limit flags as the runner's option (running the tuner for auto); undefined for an uncapped run. */
export async function powerLimitFromFlags(
  flags: Record<string, unknown>,
  backend: string,
  firstTrial: () => { id: string; argv: string[] },
  tuneEpochs: number,
  ctx: MagicContext,
  notes: string[],
  resumeDir?: string,
): Promise<{ limit?: RunPowerLimit; tune?: TuneResult }> {
  const given = flags["power-limit"] as string | undefined;
  const optional = flags["power-limit-optional"] as boolean;
  const gpu = flags["power-gpu"] as number | undefined;
  const tuneText = flags["power-tune"] as string | undefined;
  if (given === undefined) {
    const stray = [optional && "--power-limit-optional", gpu !== undefined && "--power-gpu", tuneText !== undefined && "--power-tune"].filter(Boolean);
    if (stray.length) throw new UsageError(`${stray.join(" and ")} need${stray.length > 1 ? "" : "s"} --power-limit W (or auto)`);
    return {};
  }
  if (given !== "auto") {
    const w = Number(given);
    if (!(Number.isFinite(w) && w > 0)) throw new UsageError(`--power-limit must be watts (a positive number, e.g. 200) or auto but got ${JSON.stringify(given)}`);
    if (tuneText !== undefined) notes.push("--power-tune ignored: the limit was given in watts");
    const sbatch = (flags["sbatch-args"] as string[] | undefined) ?? [];
    if (backend === "slurm" && !sbatch.some((a) => /^--(gres=gpu|gpus|gpus-per-node|gpus-per-task)\b/.test(a))) {
      // each job restores the limit it found: two jobs on one GPU (held ones included) would put back each other's cap
      notes.push("--power-limit on Slurm assumes each job has GPUs of its own (e.g. --sbatch-args --gres=gpu:1); jobs sharing a GPU would restore each other's cap");
    }
    return { limit: { watts: w, gpu, optional } };
  }
  if (backend === "slurm") throw new UsageError("--power-limit auto tunes on this machine, not on the jobs' nodes: with --backend slurm give the limit in watts (e.g. from %energy tune run on a GPU node)");
  // a resumed run keeps the limit its first session tuned (a second tuning could choose another)
  const earlier = resumeDir ? earlierAutoLimit(resumeDir) : undefined;
  if (earlier) {
    notes.push(`--power-limit auto: ${earlier.watts} W as tuned by the run's first session (${earlier.chosenBy}); not tuned again on --resume`);
    return { limit: { watts: earlier.watts, gpu, optional, chosenBy: earlier.chosenBy } };
  }
  if (tuneText === undefined) throw new UsageError("--power-limit auto needs --power-tune '--limits L1,L2,…' (the GPU's settable limits, and any other %energy tune flags)");
  // the tuner's own flags and code path (%energy tune), metering the first trial's command
  const first = firstTrial();
  const words = [...tokenize(tuneText), "--measure", "--epochs", String(tuneEpochs), ...(gpu !== undefined ? ["--gpu", String(gpu)] : [])];
  let parsed;
  try {
    parsed = parseArgs([...words, "--", ...first.argv], tuneCommandSpec.spec);
  } catch (e) {
    throw new UsageError(`--power-tune: ${(e as Error).message}`);
  }
  let tune: TuneResult;
  try {
    tune = (await tuneCommandSpec.run(parsed, ctx)).value as TuneResult;
  } catch (e) {
    if (!(e instanceof PowerLimitError)) throw e;
    if (!optional) throw new PowerLimitError(`--power-limit auto: the tuner could not set a limit, so no trial was started. ${e.message}; or pass --power-limit-optional to run the trials uncapped`, e.output, e.denied);
    return { limit: { watts: null, gpu, optional, chosenBy: "auto", refused: `--power-limit auto: the tuner could not set a limit (${e.message}); the trials ran uncapped (--power-limit-optional)` } };
  }
  const chosenBy = `auto: tuned on ${first.id} in ${tune.probes_used} probes (${tune.probes.map((p) => `${p.power_limit} W`).join(", ")}), saving ${(100 * tune.saved_fraction).toFixed(1)}% energy per epoch for ${(100 * tune.slowdown).toFixed(1)}% more time`;
  return { limit: { watts: tune.power_limit, gpu, optional, chosenBy }, tune };
}

/** The limit an earlier session of the run in `dir` tuned (run.json's power_limit), if any. */
function earlierAutoLimit(dir: string): { watts: number; chosenBy: string } | undefined {
  try {
    const p = JSON.parse(fs.readFileSync(path.join(dir, "run.json"), "utf8")).power_limit;
    if (typeof p?.requested_w === "number" && typeof p.chosen_by === "string" && p.chosen_by.startsWith("auto")) return { watts: p.requested_w, chosenBy: p.chosen_by };
  } catch {
    /* no run folder yet, or not one of ours: tune */
  }
  return undefined;
}

function timestamp(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Trial configurations from exactly one of --grid, --space (+ --samples, --seed), --configs. */
export function configsFromFlags(flags: Record<string, unknown>, cwd: string): Params[] {
  const grid = flags.grid as string | undefined;
  const space = flags.space as string | undefined;
  const configs = flags.configs as string | undefined;
  const given = [grid, space, configs].filter((x) => x !== undefined).length;
  if (given !== 1) throw new UsageError("give the trial configurations with exactly one of --grid, --space (with --samples) or --configs");
  if (grid !== undefined) return gridFromText(grid);
  if (space !== undefined) {
    const n = flags.samples as number | undefined;
    if (n === undefined) throw new UsageError("--space needs --samples N (how many configurations to draw)");
    return sampleSpace(spaceFromText(space), n, mulberry32(flags.seed as number));
  }
  const file = path.resolve(cwd, configs!);
  if (!fs.existsSync(file)) throw new UsageError(`--configs ${configs}: no such file (resolved to ${file})`);
  return paramsListFromJson(fs.readFileSync(file, "utf8"), configs!);
}

/** Trial specs: ids t01…, argv from the template with {param}, {epochs}, {trial} filled in. */
export function trialSpecsFrom(configs: readonly Params[], template: readonly string[], epochs: number): TrialSpec[] {
  if (template.length === 0) throw new UsageError("give the trial command after --, e.g. -- python3 train.py --lr {lr} --epochs {epochs}");
  const width = String(configs.length).length < 2 ? 2 : String(configs.length).length;
  const used = new Set(templateNames(template));
  return configs.map((params, i) => {
    for (const reserved of ["epochs", "trial"]) {
      if (reserved in params) throw new UsageError(`parameter name ${reserved} is reserved ({${reserved}} is filled in by %tpe run); rename it`);
    }
    const id = `t${String(i + 1).padStart(width, "0")}`;
    const argv = expandArgv(template, { ...params, epochs, trial: id });
    const unused = Object.keys(params).filter((k) => !used.has(k));
    if (unused.length) {
      const many = unused.length > 1;
      throw new UsageError(`the command does not use parameter${many ? "s" : ""} ${unused.map((u) => `{${u}}`).join(", ")}; add ${many ? "them" : "it"} to the command or drop ${many ? "them" : "it"}`);
    }
    return { id, params, argv };
  });
}

/** The run's report presented with its payload and notes (while running, `final` is false). */
function resultBundle(report: TpeRunReport, payload: TpePayload, notes: readonly string[], final: boolean, power?: PowerCapSummary): { text: string; bundle: MimeBundle } {
  const unit = report.energy_measured ? "J" : "J (estimate)";
  const head =
    `${report.title}: ${final ? "" : "running — "}kept ${report.kept.join(", ") || "none yet"}` +
    `${report.chosen_id ? `, best ${report.chosen_id}` : ""}; ` +
    `epochs ${report.epochs_run} of ${report.epochs_all} (saved ${pct(report.epoch_saved_fraction)}), ` +
    `energy ${formatNumber(report.energy_used_j)} of ${formatNumber(report.energy_all_j)} ${unit} (saved ${pct(report.energy_saved_fraction)})`;
  const rows = report.trials.map((t) => [
    t.id,
    Object.entries(t.params)
      .map(([k, v]) => `${k}=${v}`)
      .join(" "),
    t.status,
    t.epochs_run,
    t.score_at_budget,
    t.final_val_loss,
    t.energy_j,
    t.reason,
  ]);
  return presentTpe(
    {
      title: head,
      facts: [
        ["energy", report.energy_source],
        ["run folder", report.run_dir],
        ...(power ? [["power limit", powerLine(power)] as [string, string], ...power.notes.map((n): [string, string] => ["power note", n])] : []),
        ...notes.map((n): [string, string] => ["note", n]),
      ],
      tables: [
        {
          caption: "trials",
          columns: ["trial", "params", "status", "epochs", "score@T", "final val loss", "energy (J)", ...(power ? ["cap (W)"] : []), "reason"],
          rows: power ? rows.map((r) => [...r.slice(0, 7), power.trials[r[0] as string] ?? "none", r[7]]) : rows,
        },
      ],
      notes: report.meter_notes,
    },
    power ? { ...payload, title: `${payload.title} · ${powerLine(power)}` } : payload,
  );
}

let displayCounter = 0;

function policyLabel(p: PolicyOptions): string {
  if (p.policy === "tpe") return `tpe at ${p.budget}, keep ${p.keep}`;
  if (p.policy === "sh") return `sh from epoch ${p.minEpochs}, η = ${p.reductionFactor}, keep ≥ ${p.keep}`;
  return "no stopping";
}

export const tpeRunCommand: MagicCommand = {
  spec: {
    name: "tpe run",
    summary: "Run trials live, stop the losers early by TPE (or successive halving) and meter the energy saved.",
    description:
      "Each trial is the command after --, with {name} replaced by its parameters, {epochs} by --epochs and {trial} by its id " +
      "(each word stays one argument; no shell). A trial prints one JSON object per line with epoch and train_loss (optionally step, val_loss). " +
      "Every trial runs to a rung epoch and is held there (SIGSTOP); when all have arrived, the best scores go on " +
      "and the others are stopped (SIGTERM, SIGKILL after --grace). " +
      `${POLICY_HELP} %tpe replay takes the same policy flags and decides the same on the same curves. ` +
      "Energy per epoch is the metered device energy split among the trials running. " +
      "Results go to --run-dir as they arrive; after an interruption the same command with --resume continues. " +
      "--power-limit W caps the GPU (nvidia-smi -pl, root needed) for the trials: locally once for the run (the limit is the GPU's, shared by trials running at once), " +
      "put back after it on every exit path (also by each trial's supervisor if this process is killed); on Slurm each job caps its own GPUs around its trial and puts them back, scancel included. " +
      "--power-limit auto first tunes the limit on the first trial's command (%energy tune --measure with --power-tune's flags). " +
      "The run folder records the limit set, the original and each restore (\"power\" events); the result shows each trial's cap.",
    flags: [
      { name: "grid", type: "string", metavar: "SPEC", help: "grid of configurations: NAME=v1,v2;NAME=v1,v2" },
      { name: "space", type: "string", metavar: "SPEC", help: "search space to sample: NAME=log(LOW,HIGH);NAME=int(LOW,HIGH);NAME=uniform(LOW,HIGH);NAME=choice(A,B)" },
      { name: "samples", type: "int", min: 1, metavar: "N", help: "configurations drawn from --space" },
      { name: "seed", type: "int", default: 0, help: "seed of the --space sample" },
      { name: "configs", type: "string", metavar: "FILE", help: "configurations as a JSON array of objects or JSON lines" },
      { name: "epochs", type: "int", required: true, min: 1, help: "epochs of a complete trial (T_end)" },
      ...POLICY_FLAGS,
      { name: "concurrency", type: "int", default: 1, min: 1, help: "trials running at once (held trials do not count)" },
      { name: "time-limit", type: "number", min: 0.1, metavar: "S", help: "per-trial running time limit in seconds; past it the trial fails" },
      { name: "idle-timeout", type: "number", min: 0.1, metavar: "S", help: "a running trial silent for this many seconds after its first output line is hung and fails" },
      { name: "grace", type: "number", default: 5, min: 0, metavar: "S", help: "seconds between SIGTERM and SIGKILL when stopping a trial" },
      { name: "run-dir", type: "string", metavar: "DIR", help: "run folder (default runs/tpe-YYYYMMDD-HHMMSS)" },
      { name: "resume", type: "boolean", default: false, help: "continue the run in --run-dir: finished trials and recorded epochs are not rerun; a last line a crash cut short is removed first and bad lines are skipped, named in the result" },
      { name: "backend", type: "string", default: "local", choices: ["local", "slurm"], help: "local processes, or Slurm jobs (sbatch/squeue/scancel)" },
      { name: "sbatch-args", type: "list", metavar: "A,B", help: "extra sbatch options for --backend slurm, comma-separated (e.g. --partition=gpu,--gres=gpu:1)" },
      { name: "title", type: "string", help: "title of the result" },
      ...POWER_FLAGS,
      ...METER_FLAGS,
    ],
    positionals: [{ name: "command", help: "trial command after --, with {param}, {epochs} and {trial} placeholders", variadic: true }],
    examples: [
      "%tpe run --space 'lr=log(0.003,0.3);width=choice(16,64,128);depth=int(1,3)' --samples 8 --epochs 10 --budget 0.3 --keep 2 --concurrency 2 --run-dir runs/digits -- python3 ../examples/digits_train.py --lr {lr} --width {width} --depth {depth} --epochs {epochs} --as run",
      "%tpe run --grid 'lr=0.01,0.1;width=32,64' --epochs 20 --keep 1 --run-dir runs/g --resume -- python3 train.py --lr {lr} --width {width} --epochs {epochs}",
      "%tpe run --grid 'lr=0.01,0.1' --epochs 20 --power-limit 200 --power-limit-optional -- python3 train.py --lr {lr} --epochs {epochs}",
      "%tpe run --grid 'lr=0.01,0.1' --epochs 20 --power-limit auto --power-tune '--limits 150,200,250,300 --max-slowdown 0.1' -- python3 train.py --lr {lr} --epochs {epochs}",
    ],
  },
  async run(args, ctx) {
    const f = args.flags;
    const epochs = f.epochs as number;
    const configs = configsFromFlags(f, ctx.cwd);
    const specs = trialSpecsFrom(configs, args.positionals, epochs);
    const policy = policyFromFlags(f, specs.length);
    const { score, E, gamma } = scoreOptionsFromFlags(f);
    checkScoreAtFirstRung(score, policy, epochs, specs.length);
    const notes = unusedPolicyNotes(f, policy.policy);
    const runDir = path.resolve(ctx.cwd, (f["run-dir"] as string | undefined) ?? path.join("runs", `tpe-${timestamp()}`));
    let backend: TrialBackend | undefined;
    if (f.backend === "slurm") backend = new SlurmBackend({ sbatchArgs: (f["sbatch-args"] as string[] | undefined) ?? [] });
    else if (f["sbatch-args"]) throw new UsageError("--sbatch-args needs --backend slurm");
    const tuneEpochs = f["power-tune-epochs"] as number;
    // the first trial's command with {epochs} = --power-tune-epochs, for --power-limit auto
    const firstTrial = () => ({ id: specs[0].id, argv: trialSpecsFrom(configs.slice(0, 1), args.positionals, tuneEpochs)[0].argv! });
    const { limit: powerLimit, tune } = await powerLimitFromFlags(f, f.backend as string, firstTrial, tuneEpochs, ctx, notes, f.resume ? runDir : undefined);
    const displayId = `greenai-tpe-run-${process.pid}-${++displayCounter}`;
    const { report, payload, power } = await runTrials({
      trials: specs,
      totalEpochs: epochs,
      method: policy.policy,
      budget: policy.budget,
      keep: policy.keep,
      minEpochs: policy.minEpochs,
      reductionFactor: policy.reductionFactor,
      score,
      scoreOptions: { E, gamma },
      concurrency: f.concurrency as number,
      timeLimitS: f["time-limit"] as number | undefined,
      idleTimeoutS: f["idle-timeout"] as number | undefined,
      graceS: f.grace as number,
      runDir,
      resume: f.resume as boolean,
      backend,
      meter: meterOptionsFromFlags(f, ctx),
      cwd: ctx.cwd,
      signal: ctx.signal,
      title: (f.title as string | undefined) ?? `tpe run (${specs.length} trials, ${policyLabel(policy)})`,
      powerLimit,
      onUpdate: (u) => {
        ctx.progress(u.message, u.fraction);
        ctx.display(resultBundle(u.report, u.payload, notes, false).bundle, displayId);
      },
    });
    const powerOut = power ? { ...power, ...(tune ? { tune } : {}) } : undefined;
    const { text, bundle } = resultBundle(report, payload, notes, true, powerOut);
    // the live display ends as a one-line note; the full result is the cell's output
    const done = `${report.title}: finished (${report.kept.length} kept, ${report.stopped.length} stopped, ${report.failed.length} failed); run folder ${report.run_dir}`;
    ctx.display(makeBundle({ text: done, html: `<p>${escapeHtml(done)}</p>` }), displayId);
    const value: TpeRunResult = { ...report, notes, ...(powerOut ? { power: powerOut } : {}) };
    return { value, typeName: "TpeRunResult", text, bundle };
  },
};
