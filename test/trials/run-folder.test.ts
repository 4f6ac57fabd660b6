/**
 * Resuming a run folder: what must match (the settings, named in the message; the backend that
 * started it), and run.json files written before min_epochs, reduction_factor and score_options
 * existed (they had eta).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RunFolder, type RunFolderSpec } from "../../kernel/src/trials/run-folder";
import { runTrials, type RunTrialsOptions, type TrialSpec } from "../../kernel/src/trials/runner";

const meter = { meter: "estimate" as const, intervalMs: 50, estimate: { model: { name: "none", idle_w: 0, max_w: 0 } } };
const trials: TrialSpec[] = [0.5, 2, 1, 1.5].map((loss0, i) => ({
  id: `f${i}`,
  params: { loss0 },
  fn: function* (params) {
    for (let epoch = 1; epoch <= 4; epoch++) yield { epoch, train_loss: (params.loss0 as number) / epoch };
  },
}));

let tmp: string;
beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-run-folder-"))));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A finished run with these settings; returns its folder and run.json as written today. */
async function madeRun(name: string, opts: Partial<RunTrialsOptions>): Promise<{ dir: string; spec: RunFolderSpec }> {
  const dir = path.join(tmp, name);
  await runTrials({ trials, totalEpochs: 4, keep: 1, concurrency: 1, graceS: 1, runDir: dir, meter, ...opts });
  return { dir, spec: JSON.parse(fs.readFileSync(path.join(dir, "run.json"), "utf8")) };
}

/** Rewrites run.json as greenai wrote it before the stopping policy was shared: eta, no r0/η/score options. */
function writeOldSpec(dir: string, spec: RunFolderSpec): void {
  const { score_options: _s, min_epochs: _m, reduction_factor: _r, ...old } = spec;
  fs.writeFileSync(path.join(dir, "run.json"), JSON.stringify({ ...old, eta: 3 }, null, 2));
}

describe("resuming a run folder", () => {
  it("an old tpe folder resumes with the settings it ran with", async () => {
    const { dir, spec } = await madeRun("old-tpe", { budget: 0.5 });
    writeOldSpec(dir, spec);
    const { folder } = RunFolder.open(dir, spec);
    expect(folder.spec).toEqual(spec);
    const { report } = await runTrials({ trials, totalEpochs: 4, budget: 0.5, keep: 1, concurrency: 1, graceS: 1, runDir: dir, meter, resume: true });
    expect(report.kept).toEqual(["f0"]);
  });

  it("an old successive-halving folder is refused with the reason", async () => {
    const { dir, spec } = await madeRun("old-sh", { method: "sh", minEpochs: 1, reductionFactor: 2 });
    expect(RunFolder.open(dir, spec).folder.spec).toEqual(spec);
    writeOldSpec(dir, spec);
    expect(() => RunFolder.open(dir, spec)).toThrow(`run folder ${dir} was made by an older greenai (successive-halving rungs changed); start a new run folder`);
  });

  it("other settings: the message names what differs and what is compared", async () => {
    const { dir, spec } = await madeRun("settings", { budget: 0.5 });
    expect(() => RunFolder.open(dir, { ...spec, total_epochs: 5, keep: 2 })).toThrow(
      "(total epochs, keep differ; resuming compares policy, score, score options, total epochs, budget fraction, keep, min epochs, reduction factor, rungs, trials)",
    );
    expect(() => RunFolder.open(dir, { ...spec, score_options: { E: 2, gamma: 0.9 } })).toThrow(/\(score options differ; /);
  });

  it("another backend is refused, naming both (its leftovers are reaped by the one that started them)", async () => {
    const { dir, spec } = await madeRun("backend", { budget: 0.5 });
    expect(spec.backend).toBe("local");
    expect(() => RunFolder.open(dir, { ...spec, backend: "slurm" })).toThrow(`run folder ${dir} was started with --backend local, not slurm`);
  });
});
