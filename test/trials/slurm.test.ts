/**
 * The same live trials through a real single-node Slurm cluster on localhost (started and
 * stopped by this file): sbatch, log files followed as they grow, holds by
 * scancel --signal=STOP, stops by scancel, energy also from the jobs' own GPU power logs
 * (a stand-in nvidia-smi on the jobs' PATH, since no GPU is at hand).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { InterruptedError } from "../../kernel/src/errors";
import { readEvents } from "../../kernel/src/trials/run-folder";
import { runTrials, type TrialSpec } from "../../kernel/src/trials/runner";
import { SlurmBackend } from "../../kernel/src/trials/slurm";
import { DIGITS, PYTHON, torchUnavailableReason } from "../helpers/python-torch";
import { slurmUnavailableReason, startSlurmCluster, type SlurmCluster } from "../helpers/slurm-cluster";
import { epochsFromLogs, expectReportMatchesLogs, processesOfRun } from "./run-checks";

const why = slurmUnavailableReason() ?? torchUnavailableReason();
const describeSlurm = why === null ? describe : (name: string, fn: () => void) => describe.skip(`${name} [SKIPPED: ${why}]`, fn);

const CONFIGS = [
  { lr: 0.002, width: 16, depth: 1 },
  { lr: 0.1, width: 64, depth: 2 },
  { lr: 0.01, width: 32, depth: 1 },
  { lr: 0.05, width: 128, depth: 2 },
  { lr: 0.001, width: 64, depth: 3 },
  { lr: 0.2, width: 32, depth: 2 },
  { lr: 0.005, width: 128, depth: 1 },
  { lr: 0.03, width: 16, depth: 3 },
];

function digitsTrials(epochs: number, env: Record<string, string> = {}): TrialSpec[] {
  return CONFIGS.map((p, i) => ({
    id: `t${i + 1}`,
    params: p,
    env,
    // Four passes per epoch: Slurm trials are followed through polled log files and held through
    // scancel, so on a loaded machine a loser could run to the end before its SIGSTOP lands if
    // epochs were short (with two passes, one CI run saw a loser slip from epoch 3 to 10).
    argv: [PYTHON, DIGITS, "--lr", String(p.lr), "--width", String(p.width), "--depth", String(p.depth), "--epochs", String(epochs), "--workers", String(i % 2), "--repeat", "4"],
  }));
}

/** A stand-in nvidia-smi: one GPU at a steady 100 W, in nvidia-smi's local-time csv format. */
function fakeNvidiaSmiDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-smi-"));
  fs.writeFileSync(
    path.join(dir, "nvidia-smi"),
    `#!/bin/sh
case "$*" in *--query-gpu=timestamp,index,*) ;; *) echo "unexpected arguments: $*" >&2; exit 9;; esac
echo "timestamp, index, utilization.gpu [%], utilization.memory [%], memory.free [MiB], memory.used [MiB], temperature.gpu, temperature.memory, power.draw [W], pcie.link.width.current"
while :; do
  echo "$(date +'%Y/%m/%d %H:%M:%S.%3N'), 0, 90, 40, 1000, 15000, 60, [N/A], 100.00, 16"
  sleep 0.1
done
`,
    { mode: 0o755 },
  );
  return dir;
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "slurm-run-"));

describe("SlurmBackend without a cluster", () => {
  it("deviceSeries reads each job's own power log and gives its GPUs to the job's trial", () => {
    const runDir = tmp();
    const header = "timestamp, index, utilization.gpu [%], utilization.memory [%], memory.free [MiB], memory.used [MiB], temperature.gpu, temperature.memory, power.draw [W], pcie.link.width.current";
    const row = (s: number, gpu: number, w: number) => `2024/05/01 12:00:0${s}.000, ${gpu}, 90, 40, 1000, 15000, 60, [N/A], ${w.toFixed(2)}, 16`;
    fs.mkdirSync(path.join(runDir, "trials", "a"), { recursive: true });
    fs.writeFileSync(path.join(runDir, "trials", "a", "power-2.csv"), [header, row(0, 0, 100), row(0, 1, 50), row(1, 0, 110), row(1, 1, 60)].join("\n") + "\n");
    fs.writeFileSync(path.join(runDir, "trials", "a", "power-3.csv"), "not a power log\n");
    const { series, owner, notes } = new SlurmBackend().deviceSeries([
      { runDir, trial: "a", attempt: 1, handle: { job: "11" } }, // no log: a job without GPUs
      { runDir, trial: "a", attempt: 2, handle: { job: "12" } },
      { runDir, trial: "a", attempt: 3, handle: { job: "13" } }, // a malformed log: noted, skipped
      { runDir, trial: "b", attempt: 1, handle: { pid: 77 } }, // not a job
    ]);
    expect(notes).toHaveLength(1);
    expect(notes![0]).toContain("power-3.csv");
    expect(series.map((s) => [s.device, s.values])).toEqual([
      ["gpu0@job12", [100, 110]],
      ["gpu1@job12", [50, 60]],
    ]);
    expect([...owner]).toEqual([
      ["gpu0@job12", "a"],
      ["gpu1@job12", "a"],
    ]);
  });
});
const meter = { meter: "auto" as const, intervalMs: 100 };

describeSlurm("live trials on a local Slurm cluster", () => {
  let cluster: SlurmCluster;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    cluster = await startSlurmCluster();
    env = { ...cluster.env, PATH: `${fakeNvidiaSmiDir()}:${cluster.env.PATH}` };
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  const backend = () => new SlurmBackend({ env, sbatchArgs: ["--cpus-per-task=1"], pollMs: 100 });

  it("8 trials, concurrency 2, TPE at 30 % keeping 2: losers cancelled early, kept finish, savings match the logs, job GPU logs metered", async () => {
    const dir = path.join(tmp(), "run");
    const t0 = Date.now();
    const { report } = await runTrials({
      trials: digitsTrials(10, { CUDA_VISIBLE_DEVICES: "0" }),
      totalEpochs: 10,
      budget: 0.3,
      keep: 2,
      concurrency: 2,
      graceS: 3,
      runDir: dir,
      meter,
      backend: backend(),
    });
    const wall = (Date.now() - t0) / 1000;
    expect(report.kept).toHaveLength(2);
    expect(report.stopped).toHaveLength(6);
    expect(report.failed).toEqual([]);
    const byId = Object.fromEntries(report.trials.map((t) => [t.id, t]));
    const ranked = report.trials.filter((t) => t.score_at_budget !== null).sort((a, b) => a.score_at_budget! - b.score_at_budget!);
    expect(report.kept.slice().sort()).toEqual(ranked.slice(0, 2).map((t) => t.id).sort());
    const { events } = readEvents(path.join(dir, "events.jsonl"));
    const endOf = (id: string) => events.find((e) => e.type === "end" && e.trial === id)!.t_ms;
    for (const id of report.kept) expect(byId[id]).toMatchObject({ status: "finished", epochs_run: 10, exit_code: 0 });
    for (const id of report.stopped) {
      expect(byId[id].status).toBe("stopped");
      // a held job is seen through a polled log file: a few epochs may slip out before SIGSTOP lands
      expect(byId[id].epochs_run).toBeGreaterThanOrEqual(3);
      expect(byId[id].epochs_run).toBeLessThan(10);
      for (const k of report.kept) expect(endOf(id)).toBeLessThan(endOf(k));
    }
    expect(events.filter((e) => e.type === "start").every((e) => /^\d+$/.test((e as { job?: string }).job ?? ""))).toBe(true);
    expect(processesOfRun(dir)).toEqual([]);
    expectReportMatchesLogs(report, 10);
    // each job logged its "GPU" at 100 W: a kept trial got its own GPU energy on top of its CPU share
    for (const id of report.kept) {
      const log = fs.readFileSync(path.join(dir, "trials", id, "power-1.csv"), "utf8");
      expect(log.split("\n").length).toBeGreaterThan(10);
      const t = byId[id];
      expect(t.energy_j).toBeGreaterThan(0.5 * 100 * t.active_s);
    }
    console.log(
      `slurm digits TPE: wall ${wall.toFixed(1)} s; kept ${report.kept.join(",")}; epochs ${report.epochs_run}/${report.epochs_all} ` +
        `(saved ${(100 * report.epoch_saved_fraction).toFixed(1)}%); energy ${report.energy_used_j.toFixed(1)}/${report.energy_all_j.toFixed(1)} J ` +
        `(saved ${(100 * report.energy_saved_fraction).toFixed(1)}%); stopped epochs ${report.stopped.map((id) => byId[id].epochs_run).join(",")}`,
    );
  }, 240_000);

  it("a crashing and a hanging job are failed while the rest finish", async () => {
    const dir = path.join(tmp(), "run");
    const trials = digitsTrials(5).slice(0, 4);
    trials[1].argv!.push("--crash-after-epoch", "2");
    trials[2].argv!.push("--hang-after-epoch", "1");
    const { report } = await runTrials({ trials, totalEpochs: 5, method: "none", concurrency: 2, idleTimeoutS: 4, graceS: 2, runDir: dir, meter, backend: backend() });
    const s = Object.fromEntries(report.trials.map((t) => [t.id, t]));
    expect(s.t2).toMatchObject({ status: "failed", exit_code: 1, epochs_run: 2 });
    expect(s.t2.reason).toMatch(/injected crash after epoch 2/);
    expect(s.t3).toMatchObject({ status: "failed", epochs_run: 1 });
    expect(s.t3.reason).toMatch(/hung: no output for 4 s/);
    expect(s.t1).toMatchObject({ status: "finished", epochs_run: 5 });
    expect(s.t4).toMatchObject({ status: "finished", epochs_run: 5 });
    expect(processesOfRun(dir)).toEqual([]);
    expectReportMatchesLogs(report, 5);
  }, 240_000);

  it("an interrupt cancels every job and the run folder resumes", async () => {
    const dir = path.join(tmp(), "run");
    const trials = digitsTrials(6).slice(0, 4);
    const ac = new AbortController();
    let heldAtAbort: string[] = [];
    const first = runTrials({
      trials,
      totalEpochs: 6,
      budget: 0.34,
      keep: 1,
      concurrency: 2,
      graceS: 2,
      runDir: dir,
      meter,
      backend: backend(),
      signal: ac.signal,
      updateIntervalMs: 100,
      onUpdate: (u) => {
        const held = u.report.trials.filter((t) => t.status === "held").map((t) => t.id);
        if (!ac.signal.aborted && held.length >= 2 && u.report.trials.some((t) => t.status === "running" && t.epochs_run >= 1)) {
          heldAtAbort = held;
          ac.abort();
        }
      },
    });
    await expect(first).rejects.toThrow(InterruptedError);
    expect(processesOfRun(dir)).toEqual([]);
    const { report } = await runTrials({ trials, totalEpochs: 6, budget: 0.34, keep: 1, concurrency: 2, graceS: 2, runDir: dir, meter, backend: backend(), resume: true });
    expect(report.finished).toBe(true);
    expect(report.kept).toHaveLength(1);
    const logs = epochsFromLogs(dir);
    for (const id of heldAtAbort) if (report.stopped.includes(id)) expect(logs.get(id)).toHaveLength(1);
    expect(report.trials.find((t) => t.id === report.kept[0])).toMatchObject({ status: "finished", epochs_run: 6 });
    expect(processesOfRun(dir)).toEqual([]);
    expectReportMatchesLogs(report, 6);
  }, 240_000);
});
