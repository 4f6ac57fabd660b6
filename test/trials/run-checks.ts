/** Checks shared by the runner tests: what the logs say, and whether processes are gone. */
import * as fs from "fs";
import * as path from "path";
import { EpochTracker, parseTrialLine } from "../../kernel/src/trials/records";
import { projectionPerEpochJ, type TpeRunReport } from "../../kernel/src/trials/report";
import { readEvents } from "../../kernel/src/trials/run-folder";
import { isAlive, listProcesses } from "../../kernel/src/trials/proc";

/** Epochs per trial and attempt, read back from the stdout logs in the run folder. */
export function epochsFromLogs(runDir: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const root = path.join(runDir, "trials");
  for (const id of fs.readdirSync(root).sort()) {
    const counts: number[] = [];
    const logs = fs.readdirSync(path.join(root, id)).filter((f) => /^stdout-\d+\.log$/.test(f));
    for (const f of logs.sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]))) {
      const tr = new EpochTracker();
      let n = 0;
      for (const line of fs.readFileSync(path.join(root, id, f), "utf8").split("\n")) {
        const p = parseTrialLine(line);
        if (p.kind === "record") n += tr.add(p.record, 0).length;
      }
      n += tr.finish().length;
      counts.push(n);
    }
    out.set(id, counts);
  }
  return out;
}

/**
 * Recomputes the report's savings from the logs (epochs) and the per-epoch energies, and
 * checks them against the report.
 */
export function expectReportMatchesLogs(report: TpeRunReport, totalEpochs: number): void {
  const logs = epochsFromLogs(report.run_dir);
  let run = 0;
  let all = 0;
  let used = 0;
  let allE = 0;
  for (const t of report.trials) {
    const attempts = logs.get(t.id) ?? [];
    run += attempts.reduce((a, b) => a + b, 0);
    const last = attempts[attempts.length - 1] ?? 0;
    expect(t.epochs_run).toBe(last);
    expect(t.epoch_energy_j).toHaveLength(last);
    const failed = t.status === "failed";
    all += failed ? last : totalEpochs;
    used += t.energy_j;
    // time after the last epoch is folded into it; a trial with no epoch keeps it in energy_j
    const measured = last > 0 ? t.epoch_energy_j.reduce((a, b) => a + b, 0) : t.energy_j;
    allE += measured + (t.status === "stopped" ? (totalEpochs - last) * projectionPerEpochJ(t.epoch_energy_j) : 0);
  }
  expect(report.epochs_run).toBe(run);
  expect(report.epochs_all).toBe(all);
  expect(report.epoch_saved_fraction).toBeCloseTo(1 - run / all, 12);
  expect(report.energy_used_j).toBeCloseTo(used, 6);
  expect(report.energy_all_j).toBeCloseTo(allE, 6);
  expect(report.energy_saved_fraction).toBeCloseTo(1 - used / allE, 9);
}

/** PIDs recorded in the run's start events whose process groups still have live members. */
export function liveTrialProcesses(runDir: string): number[] {
  const { events } = readEvents(path.join(runDir, "events.jsonl"));
  const pgids = new Set(events.flatMap((e) => (e.type === "start" && e.pid ? [e.pid] : [])));
  return listProcesses()
    .filter((p) => pgids.has(p.pgid) && p.state !== "Z" && isAlive(p.pid))
    .map((p) => p.pid);
}

/** Processes whose environment names this run folder (trials and anything they spawned). */
export function processesOfRun(runDir: string): number[] {
  const out: number[] = [];
  for (const p of listProcesses()) {
    if (p.state === "Z") continue;
    try {
      if (fs.readFileSync(`/proc/${p.pid}/environ`, "utf8").split("\0").includes(`GREENAI_RUN_DIR=${runDir}`)) out.push(p.pid);
    } catch {
      /* gone */
    }
  }
  return out;
}
