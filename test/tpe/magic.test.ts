/** %tpe through the dispatcher (as the kernel and CLI run it), with a fake context. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MIME_TPE, type TpePayload } from "../../common/src/payloads";
import { tpeDecision } from "../../common/src/tpe-decision";
import { dispatchMagic, type DispatchOutcome } from "../../kernel/src/magics/dispatch";
import { createRegistry } from "../../kernel/src/magics/registry";
import { tpeMagic, type TpeReplayResult, type TpeScoreResult, type TpeSweepResult } from "../../kernel/src/magics/tpe";
import type { MagicResult } from "../../kernel/src/magics/types";
import { DataFormatError, UsageError } from "../../kernel/src/errors";
import { PLOTLY_MIME } from "../../kernel/src/display/bundle";
import { drawn } from "../../kernel/src/display/precision";
import { fakeMagicContext } from "../helpers/magic-context";
import { sharedData } from "../helpers/shared-data";

let dir: string;
const ctx = () => fakeMagicContext({ cwd: dir });
const registry = createRegistry();

async function run<T>(line: string): Promise<MagicResult<T>> {
  const out: DispatchOutcome = await dispatchMagic(registry, line, ctx());
  if (out.kind !== "result") throw new Error(`expected a result for ${line}`);
  return out.result as MagicResult<T>;
}

// Five runs over 10 epochs: r0 learns fastest and ends best; r4 diverges at epoch 6.
function syntheticCurves(): string {
  const lines = ["run_id,epoch,train_loss,val_loss,wall_time_s"];
  for (let r = 0; r < 5; r++) {
    for (let e = 0; e < 10; e++) {
      if (r === 4 && e > 5) break;
      const tr = r === 4 && e === 5 ? "nan" : String(2 + r * 0.3 + 3 / (1 + e) - 0.01 * e);
      const val = r === 4 && e === 5 ? "nan" : String(2.2 + r * 0.3 + 3 / (1 + e));
      lines.push(`r${r},${e},${tr},${val},${10 + r}`);
    }
  }
  return lines.join("\n") + "\n";
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tpe-magic-"));
  fs.writeFileSync(path.join(dir, "curves.csv"), syntheticCurves());
  fs.writeFileSync(path.join(dir, "empty.csv"), "");
  fs.writeFileSync(path.join(dir, "bad.csv"), "run_id,epoch,train_loss,val_loss\na,0,1.5,2\na,1,oops,2\n");
  fs.writeFileSync(path.join(dir, "nocol.csv"), "run_id,epoch,train_loss\na,0,1.5\n");
  fs.mkdirSync(path.join(dir, "power"));
  // one nvidia-smi log per run: 2 GPUs at 100 W and 50 W for the run's epochs × wall seconds
  for (let r = 0; r < 5; r++) {
    const secs = (r === 4 ? 6 : 10) * (10 + r);
    const rows = ["timestamp, index, power.draw [W]"];
    for (let t = 0; t <= secs; t += 1) {
      const ts = new Date(Date.UTC(2024, 0, 1, 0, 0, t)).toISOString().replace("T", " ").replace(/-/g, "/").replace("Z", "");
      rows.push(`${ts}, 0, 100.00 W`, `${ts}, 1, 50.00 W`);
    }
    fs.writeFileSync(path.join(dir, "power", `r${r}.csv`), rows.join("\n") + "\n");
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("%tpe replay", () => {
  it("returns the CLI contract fields and a typed value", async () => {
    const r = await run<TpeReplayResult>("tpe replay --curves curves.csv --budget 0.2 --keep 1 --score tse --json");
    const v = JSON.parse(JSON.stringify(r.value));
    expect(r.typeName).toBe("TpeReplayResult");
    expect(typeof v.spearman).toBe("number");
    expect(typeof v.kendall).toBe("number");
    expect(typeof v.energy_saved_fraction).toBe("number");
    expect(typeof v.best_survived).toBe("boolean");
    expect(typeof v.regret).toBe("number");
    expect(v.kept).toEqual(["r0"]);
    expect(v.budget_epoch).toBe(2);
    // epochs: 4 × 10 + 6 = 46 in all; used = 5 × 2 + 8 more for r0 = 18
    expect(v.energy_all).toBe(46);
    expect(v.energy_used).toBe(18);
    expect(v.energy_unit).toBe("epochs");
    expect(v.problems).toEqual([{ id: "r4", epochs_run: 6, problem: "diverged", reason: expect.stringMatching(/non-finite loss at epoch 6/) }]);
  });

  it("emits the vendor payload, a Plotly figure, HTML and text; the payload recomputes the same decision", async () => {
    const r = await run<TpeReplayResult>("tpe replay --curves curves.csv --budget 0.3 --keep 2 --score val-loss");
    const data = r.bundle!.data;
    expect(Object.keys(data).sort()).toEqual([MIME_TPE, PLOTLY_MIME, "text/html", "text/plain"].sort());
    const p = data[MIME_TPE] as TpePayload;
    expect(p).toMatchObject({ schema_version: 1, kind: "tpe", score: "val-loss", total_epochs: 10, energy: { unit: "epochs", measured: false } });
    for (const t of p.trials) expect(t.score_by_epoch).toHaveLength(t.epochs_run);
    expect(p.trials.find((t) => t.id === "r4")!.diverged).toBe(true);
    expect(tpeDecision(p.trials, p.total_epochs, 0.3, 2)).toEqual(p.decision);
    expect(JSON.parse(JSON.stringify(p))).toEqual(p); // JSON-safe: no NaN or undefined inside
    // drawn curves carry 6 significant digits; what decisions read keeps full precision
    const r0 = p.trials.find((t) => t.id === "r0")!;
    const full = Number(String(2.2 + 3 / 7));
    expect(r0.val_loss[6]).toBe(2.62857);
    expect(r0.val_loss[6]).toBe(drawn(full));
    expect(r0.score_by_epoch[6]).toBe(full);
    expect(data["text/html"]).not.toMatch(/<script/i);
    expect(r.text).toMatch(/Runs reported, not dropped/);
  });

  it("says so when successive halving has no rung (K ≥ N): every trial to the end", async () => {
    const r = await run<TpeReplayResult>("tpe replay --curves curves.csv --policy sh --keep 5");
    expect(r.value.rungs).toEqual([]);
    expect(r.value.kept).toHaveLength(5);
    expect(r.text).toMatch(/successive halving, no rung: every trial to the end/);
    expect(r.text).not.toMatch(/rungs at {2}epochs/);
  });

  it("runs successive halving with its own flags", async () => {
    const r = await run<TpeReplayResult>("tpe replay --curves curves.csv --policy sh --min-epochs 1 --reduction-factor 2 --budget 0.5");
    expect(r.value.policy).toBe("sh");
    // 5 → 2 at epoch 1, 2 → 1 at epoch 2; no rung once one trial is left
    expect(r.value.rungs!.map((x) => x.epoch)).toEqual([1, 2]);
    expect(r.value.notes.join()).toMatch(/--budget ignored by --policy sh/);
    const p = r.bundle!.data[MIME_TPE] as TpePayload;
    expect(p.policy?.kind).toBe("sh");
    expect(r.value.kept).toEqual(["r0"]);
    // the fallback figure's legend names the rungs runs were stopped at
    const names = (r.bundle!.data[PLOTLY_MIME] as { data: { name: string }[] }).data.map((d) => d.name);
    expect(names).toContain("stopped at epochs 1, 2"); // 3 of 5 lose at rung 1, 1 of 2 at rung 2
  });

  it("takes --keep as the fewest promoted at a rung, and the old spellings as aliases", async () => {
    const r = await run<TpeReplayResult>("tpe replay --curves curves.csv --method sh --min-epochs 1 --eta 2 --keep 2");
    expect(r.value.policy).toBe("sh");
    expect(r.value.reduction_factor).toBe(2);
    // 5 → max(2, ⌊5/2⌋) = 2 at epoch 1, then 2 ≤ K: both finish
    expect(r.value.rungs!.map((x) => [x.epoch, x.entered, x.promoted.length])).toEqual([[1, 5, 2]]);
    expect(r.value.kept.sort()).toEqual(["r0", "r1"]);
    await expect(run("tpe replay --curves curves.csv --policy sh --reduction-factor 3 --eta 2")).rejects.toThrow(/--reduction-factor is given twice/);
  });

  it("replays policy none as every trial to the end", async () => {
    const r = await run<TpeReplayResult>("tpe replay --curves curves.csv --policy none");
    expect(r.value.kept).toHaveLength(5);
    expect(r.value.energy_saved_fraction).toBe(0);
  });

  it("accounts energy from average power, and from measured power logs", async () => {
    const w = await run<TpeReplayResult>("tpe replay --curves curves.csv --power-w 300");
    expect(w.value.energy_unit).toBe("J");
    expect(w.value.energy_measured).toBe(false);
    expect(w.value.energy_source).toMatch(/^estimated: 300 W/);
    expect(w.value.energy_all).toBe(300 * (10 * (10 + 11 + 12 + 13) + 6 * 14));
    const m = await run<TpeReplayResult>("tpe replay --curves curves.csv --power-logs power");
    expect(m.value.energy_measured).toBe(true);
    expect(m.value.energy_source).toMatch(/^measured: per-trial nvidia-smi power logs/);
    expect(m.value.energy_all).toBeCloseTo(150 * (10 * (10 + 11 + 12 + 13) + 6 * 14), 6);
    expect(m.value.energy_saved_fraction).toBeCloseTo(w.value.energy_saved_fraction, 12);
  });

  it.each([
    ["--budget 0", /--budget must be a fraction in \(0, 1\] of the epoch budget but got 0/],
    ["--budget 1.5", /--budget must be a fraction in \(0, 1\] of the epoch budget but got 1\.5/],
    ["--keep 6", /--keep 6: keep \(6\) is larger than the number of trials \(5\) in .*curves\.csv/],
    ["--keep abc", /--keep: keep must be a count/],
    ["--score nope", /--score expects one of tse, tse-e/],
    ["--power-w 300 --power-logs power", /give one of --power-w, --power-logs, not several/],
    ["--workload x", /--workload and --power-limit go with --power-model/],
    ["--gamma 0", /--gamma must be in \(0, 1\]/],
    ["--score lcfit --budget 0.1", /--score lcfit fits a curve to at least 3 epoch losses but the first rung is at epoch 1: raise --budget to 0\.3 or more/],
    ["--score lcfit-final --policy sh --min-epochs 2", /--score lcfit-final fits .* first rung is at epoch 2: raise --min-epochs to 3 or more/],
  ])("rejects %s", async (flags, re) => {
    const p = run(`tpe replay --curves curves.csv ${flags}`);
    await expect(p).rejects.toThrow(UsageError);
    await expect(run(`tpe replay --curves curves.csv ${flags}`)).rejects.toThrow(re);
  });

  it("scores lcfit at an early rung when step losses give the fit its points", async () => {
    for (const [id, a] of [["a", 1], ["b", 2]] as const) {
      const rows = ["epoch,step,train_loss_step,val_loss"];
      let step = 0;
      for (let e = 0; e < 4; e++) {
        for (let k = 0; k < 3; k++) rows.push(`${e},${step},${a + 3 / ++step},`);
        rows.push(`${e},${step},,${a + 1 / (e + 1)}`);
      }
      fs.mkdirSync(path.join(dir, "steps", id), { recursive: true });
      fs.writeFileSync(path.join(dir, "steps", id, "metrics.csv"), rows.join("\n") + "\n");
    }
    const r = await run<TpeReplayResult>("tpe replay --curves steps --score lcfit --budget 0.25 --keep 1");
    expect(r.value.budget_epoch).toBe(1);
    expect(r.value.unscored_at_budget).toEqual([]);
    expect(r.value.kept).toHaveLength(1);
  });

  it.each([
    ["empty.csv", /empty\.csv: empty file/],
    ["bad.csv", /bad\.csv:3:3: column "train_loss" expects a number/],
    ["nocol.csv", /nocol\.csv:1: missing column "val_loss"/],
    ["missing.csv", /missing\.csv: no such file or folder/],
  ])("names the file and line of bad input (%s)", async (file, re) => {
    await expect(run(`tpe replay --curves ${file}`)).rejects.toThrow(DataFormatError);
    await expect(run(`tpe replay --curves ${file}`)).rejects.toThrow(re);
  });

  it("needs wall times for wall-based energy", async () => {
    fs.writeFileSync(path.join(dir, "nowall.csv"), "run_id,epoch,train_loss,val_loss\na,0,2,3\na,1,1,2\n");
    await expect(run("tpe replay --curves nowall.csv --energy wall")).rejects.toThrow(/nowall\.csv:2: run a has no valid wall_time_s for epoch 1/);
  });

  const zeus = sharedData("energy/zeus-nsdi23/summary_power_v100.csv");
  (zeus ? it : it.skip)(`estimates joules from the Zeus device model${zeus ? "" : " [SKIPPED: ../shared/data/energy/zeus-nsdi23 absent]"}`, async () => {
    const r = await run<TpeReplayResult>(`tpe replay --curves curves.csv --power-model ${zeus} --workload squad/bert_base_uncased/32/adamw --power-limit 200`);
    expect(r.value.energy_unit).toBe("J");
    expect(r.value.energy_source).toMatch(/^estimated: Zeus NSDI'23 V100 trace, squad\/bert_base_uncased\/32\/adamw at a 200 W limit/);
    const rows = fs.readFileSync(zeus!, "utf8").split("\n").map((l) => l.split(",")).filter((c) => c.slice(0, 4).join("/") === "squad/bert_base_uncased/32/adamw");
    const at = (w: string) => rows.find((c) => c[4] === w)!;
    const scale = Number(at("200")[5]) / Number(at("250")[5]);
    const wallAll = 10 * (10 + 11 + 12 + 13) + 6 * 14;
    expect(r.value.energy_all).toBeCloseTo(wallAll * scale * Number(at("200")[6]), 6);
  });
});

describe("%tpe score", () => {
  it("asks which trial of a multi-trial file, or scores all", async () => {
    await expect(run("tpe score --log curves.csv --epoch 3")).rejects.toThrow(/holds 5 trials; pick one with --trial ID/);
    const one = await run<TpeScoreResult>("tpe score --log curves.csv --epoch 3 --trial r1");
    expect(one.value.trial_id).toBe("r1");
    const tr = [2 + 0.3 + 3, 2 + 0.3 + 1.5 - 0.01, 2 + 0.3 + 1 - 0.02];
    expect(one.value.tse).toBeCloseTo(tr[0] + tr[1] + tr[2], 12);
    expect(one.value.tse_e).toBeCloseTo(tr[2], 12);
    expect(one.value.tse_ema).toBeCloseTo(0.81 * tr[0] + 0.9 * tr[1] + tr[2], 12);
    const all = await run<TpeScoreResult>("tpe score --log curves.csv --epoch 3 --all");
    expect(all.value.trials).toHaveLength(5);
    expect(all.value.tse).toBeNull();
  });
  it("adds measured energy from a power log", async () => {
    const r = await run<TpeScoreResult>("tpe score --log curves.csv --epoch 3 --trial r0 --power power/r0.csv");
    expect(r.value.energy!.total_kJ).toBeCloseTo((150 * 100) / 1e3, 9);
    expect(r.value.energy!.source).toMatch(/^measured: nvidia-smi log/);
  });
  it("rejects epoch 0 in paper mode and beyond the log", async () => {
    await expect(run("tpe score --log curves.csv --epoch 0 --trial r0")).rejects.toThrow(/--epoch must be ≥ 1 in paper mode/);
    await expect(run("tpe score --log curves.csv --epoch 11 --trial r0")).rejects.toThrow(/--epoch 11 is beyond the 10 epochs of r0/);
  });
});

describe("%tpe sweep", () => {
  it("returns points, the frontier and the best setting", async () => {
    const r = await run<TpeSweepResult>("tpe sweep --curves curves.csv --budgets 0.1,0.3 --keeps 1,2,9 --scores tse,val-loss");
    expect(r.value.points).toHaveLength(2 * 2 * 2);
    expect(r.value.skipped).toHaveLength(4);
    expect(r.value.best).toMatchObject({ regret: 0, budget_fraction: 0.1, keep: 1 });
    // the frontier, checked by brute force: exactly the points with a regret that no other point
    // beats on one axis while matching it on the other
    const dominated = (a: (typeof r.value.points)[number]) =>
      r.value.points.some(
        (b) => b.regret !== null && a.regret !== null && b.energy_saved_fraction >= a.energy_saved_fraction && b.regret <= a.regret && (b.energy_saved_fraction > a.energy_saved_fraction || b.regret < a.regret),
      );
    const want = r.value.points.filter((a) => a.regret !== null && !dominated(a));
    expect(r.value.frontier).toEqual(want);
    expect(want.length).toBeGreaterThan(0);
    const p = r.bundle!.data[MIME_TPE] as TpePayload;
    expect(p.sweep).toHaveLength(8);
  });
  it("rejects bad lists", async () => {
    await expect(run("tpe sweep --curves curves.csv --budgets 0,0.2")).rejects.toThrow(/--budgets: each fraction must be in \(0, 1\] but got 0/);
    await expect(run("tpe sweep --curves curves.csv --scores tse,foo")).rejects.toThrow(/--scores: unknown score "foo"/);
  });
});

describe("the magic", () => {
  it("keeps its commands in a plain array that can be extended", () => {
    expect(Array.isArray(tpeMagic.commands)).toBe(true);
    expect(tpeMagic.commands.map((c) => c.spec.name)).toEqual(["tpe replay", "tpe score", "tpe sweep"]);
  });
  it("answers --help with usage", async () => {
    const out = await dispatchMagic(registry, "tpe replay --help", ctx());
    expect(out.kind).toBe("help");
    if (out.kind === "help") expect(out.text).toMatch(/--budget F/);
    // the --score help lists the scores (%tpe run shares it and lists them nowhere else)
    for (const cmd of ["tpe replay", "tpe run"]) {
      const h = await dispatchMagic(registry, `${cmd} --help`, ctx());
      if (h.kind !== "help") throw new Error("no help");
      expect(h.text).toMatch(/lcfit-final: the fitted/);
      expect(h.text).not.toMatch(/listed above/);
    }
  });
});

const nas = sharedData("curves/nasbench-nlp-wikitext2-dev/curves_long.csv");
(nas ? describe : describe.skip)(`CLI contract on NAS-Bench-NLP${nas ? "" : " [SKIPPED: ../shared/data/curves/nasbench-nlp-wikitext2-dev absent]"}`, () => {
  it("replay --budget 0.2 --keep 1 --score val-loss", async () => {
    const r = await run<TpeReplayResult>(`tpe replay --curves ${nas} --budget 0.2 --keep 1 --score val-loss --json`);
    expect(r.value.best_survived).toBe(true);
    expect(r.value.energy_saved_fraction).toBeGreaterThanOrEqual(0.75);
    expect(r.value.problems.filter((p) => p.problem === "diverged")).toHaveLength(3);
    await expect(run(`tpe replay --curves ${nas} --keep 173`)).rejects.toThrow(/keep \(173\) is larger than the number of trials \(172\)/);
  });
});
