/**
 * Slurm backend: each trial attempt is one batch job (`sbatch` of a fixed wrapper script with
 * the trial's argv as its arguments: no shell string is built from config values), followed
 * through its output file, held and resumed with `scancel --signal=STOP|CONT --full`, stopped
 * with SIGTERM then SIGKILL to the job's processes and `scancel`. Where the job has GPUs and
 * nvidia-smi, the wrapper logs their power next to the trial's output (the job's own power log).
 *
 * Held jobs keep their allocation: with fewer nodes than trials, give the partition room
 * (OverSubscribe, or one GPU per trial) or the next trial waits for a held one's resources.
 *
 * A runner that dies without stopping its jobs (SIGKILL, a crashed kernel) cannot cancel them, and
 * a job cannot see the runner's death the way a local trial's supervisor does (another node): held
 * jobs stay queued or stopped. The next run in the same run folder, with or without --resume,
 * scancels every unfinished job the folder recorded (reap); until then, `scancel JOBID` by hand.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { DataFormatError, GreenaiError } from "../errors";
import { NVIDIA_SMI_FIELDS } from "../energy/nvidia-smi";
import { powerLogFromText, type PowerLog } from "../energy/power-log";
import type { DeviceSeries } from "../energy/series";
import type { OwnedSeries, RecordedAttempt, RunningTrial, TrialBackend, TrialCallbacks, TrialExit, TrialLaunch } from "./backend";
import { LineSplitter } from "../io/lines";
import { isAlive } from "./proc";

export interface SlurmBackendOptions {
  /** Extra sbatch options, e.g. ["--partition=gpu", "--gres=gpu:1"]. */
  sbatchArgs?: readonly string[];
  /** Environment for the Slurm commands and the jobs (e.g. SLURM_CONF). Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Polling period of squeue and the output files, ms. Default 200. */
  pollMs?: number;
  /** nvidia-smi sampling period inside jobs, ms. Default 100. */
  gpuLogMs?: number;
}

/**
 * Fixed wrapper: optional GPU power log, optional GPU power cap, then the trial's argv exactly as
 * given. The cap works like a Slurm prolog/epilog, but from inside the job (no slurm.conf change
 * and no root daemon): set before the trial, put back after it on every way it ends, scancel
 * included (TERM/INT/HUP are trapped, passed on to the trial, and the limit restored before the
 * wrapper exits; Slurm's KillWait must leave time for one nvidia-smi call per GPU). It assumes the
 * job's GPUs are its own (--gres=gpu:N): two jobs capping one GPU would each restore what they
 * found. A job that may not set the limit ends with exit code 97 before the trial runs, unless
 * the run is --power-limit-optional (then the trial runs uncapped).
 */
export const SLURM_WRAPPER = `#!/bin/sh
# greenai trial wrapper (written by greenai; do not edit): runs "$@" as one command.
# With GREENAI_POWER_LOG set, a GPU allocation and nvidia-smi, it logs the job's GPU power.
# With GREENAI_POWER_LIMIT=W (%tpe run --power-limit), like a prolog/epilog, it caps the job's GPUs
# (GREENAI_POWER_GPUS, else the allocation, else GPU 0) with nvidia-smi -pl before "$@" and puts
# each GPU's limit back after it, also when the job is cancelled (TERM, INT and HUP are trapped and
# passed on to "$@"); each change is a JSON line in GREENAI_POWER_RECORD. A cap that cannot be set
# ends the job with exit code 97 before "$@" runs; with GREENAI_POWER_OPTIONAL=1, "$@" runs uncapped.
meter=""
gpus="\${SLURM_JOB_GPUS:-\${CUDA_VISIBLE_DEVICES:-}}"
if [ -n "\${GREENAI_POWER_LOG:-}" ] && [ -n "$gpus" ] && command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=${NVIDIA_SMI_FIELDS.join(",")} --format=csv,nounits -lms "\${GREENAI_GPU_LOG_MS:-100}" -i "$gpus" > "$GREENAI_POWER_LOG" 2>/dev/null &
  meter=$!
fi
now() { t=$(date +%s%3N 2>/dev/null); case "$t" in ''|*N*) t="$(date +%s)000";; esac; printf '%s' "$t"; }
record() {
  [ -n "\${GREENAI_POWER_RECORD:-}" ] || return 0
  printf '{"type":"power","t_ms":%s,"action":"%s","gpu":%s,"limit_w":%s,"original_w":%s,"by":"job","detail":"%s"}\\n' "$(now)" "$1" "$2" "\${3:-null}" "\${4:-null}" "$(printf '%s' "$5" | tr '\\n\\r\\t"\\\\' '     ')" >> "$GREENAI_POWER_RECORD"
}
restore_list=""
restore() {
  for pair in $restore_list; do
    g=\${pair%%=*}
    w=\${pair#*=}
    if out=$(nvidia-smi -i "$g" -pl "$w" 2>&1); then
      record restored "$g" "$w" "" "put back after the trial"
    else
      record restore-failed "$g" "$w" "" "$out"
      echo "greenai: could not put GPU $g's power limit back to $w W: $out" >&2
    fi
  done
  restore_list=""
}
if [ -n "\${GREENAI_POWER_LIMIT:-}" ]; then
  for g in $(printf '%s' "\${GREENAI_POWER_GPUS:-\${gpus:-0}}" | tr ',' ' '); do
    orig=$(nvidia-smi -i "$g" --query-gpu=power.limit --format=csv,noheader,nounits 2>&1 | head -n 1 | tr -d ' ')
    case "$orig" in
      ''|*[!0-9.]*) out="cannot read GPU $g's power limit (nvidia-smi said: $orig)"; orig=""; ok="" ;;
      *) if out=$(nvidia-smi -i "$g" -pl "$GREENAI_POWER_LIMIT" 2>&1); then ok=1; else ok=""; fi ;;
    esac
    if [ -n "$ok" ]; then
      restore_list="$restore_list $g=$orig"
      record applied "$g" "$GREENAI_POWER_LIMIT" "$orig" "set before the trial"
    elif [ "\${GREENAI_POWER_OPTIONAL:-}" = 1 ]; then
      record not-applied "$g" "" "$orig" "$out"
      echo "greenai: nvidia-smi -i $g -pl $GREENAI_POWER_LIMIT failed: $out; the trial runs uncapped (--power-limit-optional)" >&2
    else
      record refused "$g" "" "$orig" "$out"
      echo "greenai: nvidia-smi -i $g -pl $GREENAI_POWER_LIMIT failed: $out; setting a GPU power limit needs root on the node (and nvidia-smi -pm 1); or pass --power-limit-optional to run uncapped" >&2
      restore
      exit 97
    fi
  done
fi
if [ -z "$restore_list" ]; then
  "$@"
  rc=$?
else
  child=""
  trap 'if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; fi' TERM INT HUP
  "$@" &
  child=$!
  while :; do
    wait "$child"
    rc=$?
    kill -0 "$child" 2>/dev/null || break
  done
  restore
fi
if [ -n "$meter" ]; then kill "$meter" 2>/dev/null; wait "$meter" 2>/dev/null; fi
exit $rc
`;

const END_STATES = new Set(["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED", "BOOT_FAIL", "DEADLINE", "REVOKED", "SPECIAL_EXIT"]);

interface Job {
  id: string;
  trial: string;
  attempt: number;
  stdoutPath: string;
  powerLog: string;
  offset: number;
  splitter: LineSplitter;
  cb: TrialCallbacks;
  state: string;
  running: boolean;
  ended: boolean;
  resolve: (e: TrialExit) => void;
}

export class SlurmBackend implements TrialBackend {
  readonly name = "slurm";
  /** Each job caps its own GPUs (the wrapper), on the node it runs on. */
  readonly powerScope = "trial";
  private readonly opts: SlurmBackendOptions;
  private readonly jobs = new Map<string, Job>();
  private timer?: NodeJS.Timeout;
  private polling = false;

  constructor(opts: SlurmBackendOptions = {}) {
    this.opts = opts;
  }

  private env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { ...(this.opts.env ?? process.env), ...extra };
  }

  /** Runs a Slurm command (argv, no shell); rejects with its stderr. */
  run(cmd: string, args: readonly string[], extraEnv: Record<string, string> = {}): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(cmd, [...args], { env: this.env(extraEnv), timeout: 30_000, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
        if (err) {
          const code = (err as NodeJS.ErrnoException).code;
          reject(new GreenaiError(code === "ENOENT" ? `${cmd} not found on PATH: install slurm-client or load the Slurm module` : `${cmd} ${args.join(" ")} failed: ${(stderr || err.message).trim()}`));
        } else resolve(stdout);
      });
    });
  }

  async start(launch: TrialLaunch, cb: TrialCallbacks): Promise<RunningTrial> {
    if (!launch.argv || launch.argv.length === 0) throw new RangeError(`trial ${launch.id}: the Slurm backend needs an argv`);
    const runDir = path.resolve(path.dirname(launch.stdoutPath), "..", "..");
    const wrapper = path.join(runDir, "slurm-wrapper.sh");
    if (!fs.existsSync(wrapper) || fs.readFileSync(wrapper, "utf8") !== SLURM_WRAPPER) fs.writeFileSync(wrapper, SLURM_WRAPPER, { mode: 0o755 });
    const powerLog = jobPowerLogPath(runDir, launch.id, launch.attempt);
    fs.writeFileSync(launch.stdoutPath, "");
    const out = await this.run(
      "sbatch",
      [
        "--parsable",
        `--job-name=greenai-${launch.id}`,
        `--output=${launch.stdoutPath}`,
        `--error=${launch.stderrPath}`,
        `--chdir=${launch.cwd}`,
        "--export=ALL",
        ...(this.opts.sbatchArgs ?? []),
        wrapper,
        ...launch.argv,
      ],
      { ...launch.env, PYTHONUNBUFFERED: "1", GREENAI_POWER_LOG: powerLog, GREENAI_GPU_LOG_MS: String(this.opts.gpuLogMs ?? 100), ...powerEnv(launch) },
    );
    const id = out.trim().split(";")[0];
    if (!/^\d+(_\d+)?$/.test(id)) throw new GreenaiError(`sbatch printed ${JSON.stringify(out.trim())}; expected a job id`);
    let resolveExit!: (e: TrialExit) => void;
    const exited = new Promise<TrialExit>((r) => (resolveExit = r));
    const job: Job = {
      id,
      trial: launch.id,
      attempt: launch.attempt,
      stdoutPath: launch.stdoutPath,
      powerLog,
      offset: 0,
      splitter: new LineSplitter((line) => cb.onLine(line, Date.now())),
      cb,
      state: "PENDING",
      running: false,
      ended: false,
      resolve: resolveExit,
    };
    this.jobs.set(id, job);
    this.ensurePolling();
    // signals to one job go out one after another: a STOP still on its way must not land after a TERM
    let chain: Promise<unknown> = Promise.resolve();
    const serial = <T>(op: () => Promise<T>): Promise<T> => {
      const next = chain.then(op, op);
      chain = next.catch(() => undefined);
      return next;
    };
    const signal = (sig: string) => this.run("scancel", [`--signal=${sig}`, "--full", id]).catch(() => undefined);
    const gone = async (ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        if (job.ended) return true;
        await new Promise((r) => setTimeout(r, 50));
      }
      return job.ended;
    };
    return {
      label: `job ${id}`,
      handle: { job: id },
      hold: () =>
        serial(async () => {
          if (!job.ended) await signal("STOP");
        }),
      resume: () =>
        serial(async () => {
          if (!job.ended) await signal("CONT");
        }),
      stop: (graceMs: number) =>
        serial(async () => {
          if (job.ended) return;
          if (!job.running) {
            await this.run("scancel", [id]).catch(() => undefined);
          } else {
            await signal("TERM");
            await signal("CONT"); // a held job receives the TERM once continued
            if (!(await gone(graceMs))) {
              await signal("KILL");
              await this.run("scancel", [id]).catch(() => undefined);
            }
          }
          if (!(await gone(30_000)) && !job.ended) {
            // Slurm keeps the job COMPLETING (e.g. a process escaped its tracking): do not wait forever
            job.ended = true;
            this.jobs.delete(id);
            job.splitter.flush();
            job.resolve({ code: null, signal: null, t_ms: Date.now(), detail: `job ${id} did not end 30 s after scancel (state ${job.state}); check for stray processes` });
          }
        }),
      exited,
      livePids: () => this.jobPids(id),
    };
  }

  /** PIDs of a job's processes on this node (`scontrol listpids`), zombies left out. */
  async jobPids(id: string): Promise<number[]> {
    let out: string;
    try {
      out = await this.run("scontrol", ["listpids", id]);
    } catch {
      return [];
    }
    return out
      .split("\n")
      .slice(1)
      .map((l) => Number(l.trim().split(/\s+/)[0]))
      .filter((p) => Number.isInteger(p) && p > 0 && isAlive(p));
  }

  /** Cancels the job an earlier, crashed session left. */
  async reap({ handle }: RecordedAttempt): Promise<void> {
    if (handle.job) await this.run("scancel", [handle.job]).catch(() => undefined);
  }

  /** Each job's own GPU power log (devices `gpu<i>@job<id>`), owned by the job's trial. */
  deviceSeries(attempts: readonly RecordedAttempt[]): OwnedSeries {
    const jobs = attempts.flatMap((a) => (a.handle.job ? [{ trial: a.trial, job: a.handle.job, file: jobPowerLogPath(a.runDir, a.trial, a.attempt) }] : []));
    const { series, owner, issues } = jobPowerSeries(jobs);
    return { series, owner, notes: issues };
  }

  private ensurePolling(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.opts.pollMs ?? 200);
  }

  private readNew(job: Job): void {
    let fd: number;
    try {
      fd = fs.openSync(job.stdoutPath, "r");
    } catch {
      return;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size <= job.offset) return;
      const buf = Buffer.alloc(size - job.offset);
      fs.readSync(fd, buf, 0, buf.length, job.offset);
      job.offset = size;
      job.splitter.push(buf.toString("utf8"));
    } finally {
      fs.closeSync(fd);
    }
  }

  private async exitOf(id: string, state: string): Promise<TrialExit> {
    let code: number | null = null;
    let sig: string | null = null;
    try {
      const out = await this.run("scontrol", ["show", "job", "-o", id]);
      const m = /ExitCode=(\d+):(\d+)/.exec(out);
      if (m) {
        code = Number(m[1]);
        if (Number(m[2]) > 0) sig = `signal ${m[2]}`;
      }
    } catch {
      /* job record already purged */
    }
    if (sig) code = null;
    return { code, signal: sig, t_ms: Date.now(), detail: state === "COMPLETED" || state === "" ? undefined : `Slurm state ${state}` };
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const active = [...this.jobs.values()].filter((j) => !j.ended);
      if (active.length === 0) return;
      let out = "";
      try {
        out = await this.run("squeue", ["-h", "-t", "all", "-j", active.map((j) => j.id).join(","), "-o", "%i|%T"]);
      } catch {
        return; // controller busy: try again next time
      }
      const states = new Map(
        out
          .split("\n")
          .filter((l) => l.includes("|"))
          .map((l) => l.trim().split("|") as [string, string]),
      );
      const now = Date.now();
      for (const job of active) {
        const st = states.get(job.id) ?? "";
        job.state = st || job.state;
        if (!job.running && (st === "RUNNING" || st === "COMPLETING" || st === "SUSPENDED" || END_STATES.has(st))) {
          job.running = true;
          job.cb.onRunning(now);
        }
        this.readNew(job);
        if (st === "" || END_STATES.has(st)) {
          // drain what slurmstepd still writes, then report the end
          await new Promise((r) => setTimeout(r, 150));
          this.readNew(job);
          job.splitter.flush();
          job.ended = true;
          const exit = await this.exitOf(job.id, st);
          job.resolve(exit);
          this.jobs.delete(job.id);
        }
      }
    } finally {
      this.polling = false;
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** The wrapper's environment for a capped attempt (see SLURM_WRAPPER); none for an uncapped run. */
function powerEnv(launch: TrialLaunch): Record<string, string> {
  const p = launch.power;
  if (!p) return { GREENAI_POWER_LIMIT: "", GREENAI_POWER_RECORD: "" };
  return {
    GREENAI_POWER_LIMIT: String(p.limit_w),
    GREENAI_POWER_OPTIONAL: p.optional ? "1" : "",
    GREENAI_POWER_GPUS: p.gpus?.length ? p.gpus.join(",") : "",
    GREENAI_POWER_RECORD: p.record,
  };
}

/** Path of a job's own GPU power log: trials/<id>/power-<attempt>.csv beside its output. */
export function jobPowerLogPath(runDir: string, trial: string, attempt: number): string {
  return path.join(runDir, "trials", trial, `power-${attempt}.csv`);
}

/**
 * GPU power series from jobs' own power logs (device `gpu<i>@job<id>`), with the trial each
 * device belongs to, read by energy/'s one power-log reader. Missing or empty logs (jobs
 * without GPUs) are skipped; a bad row is skipped and said where in `issues` (one bad row must
 * not lose a whole job's energy); a log that cannot be read at all is skipped and said why.
 */
export function jobPowerSeries(jobs: readonly { trial: string; job: string; file: string }[]): { series: DeviceSeries[]; owner: Map<string, string>; issues: string[] } {
  const series: DeviceSeries[] = [];
  const owner = new Map<string, string>();
  const issues: string[] = [];
  for (const j of jobs) {
    let text: string;
    try {
      text = fs.readFileSync(j.file, "utf8");
    } catch {
      continue;
    }
    if (text.trim() === "") continue;
    let log: PowerLog;
    try {
      log = powerLogFromText(text, j.file, { skipBadRows: true });
    } catch (e) {
      if (!(e instanceof DataFormatError)) throw e;
      issues.push(e.message);
      continue;
    }
    issues.push(...log.notes.filter((n) => !/ samples without a power value skipped$/.test(n)));
    for (const s of log.series) {
      const device = `gpu${s.device}@job${j.job}`;
      series.push({ ...s, device });
      owner.set(device, j.trial);
    }
  }
  return { series, owner, issues };
}
