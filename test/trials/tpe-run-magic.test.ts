import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MIME_TPE, type TpePayload } from "../../common/src";
import { UsageError } from "../../kernel/src/errors";
import { dispatchMagic, MagicRegistry } from "../../kernel/src/magics/dispatch";
import { configsFromFlags, tpeRunCommand, trialSpecsFrom, type TpeRunResult } from "../../kernel/src/magics/tpe-run";
import { fakeMagicContext } from "../helpers/magic-context";
import { processesOfRun } from "./run-checks";

const FAKE = path.join(__dirname, "fixtures/fake_trial.js");
/** The lead appends tpeRunCommand to %tpe; here a registry holds it alone. */
const registry = () => new MagicRegistry([{ name: "tpe", summary: "tpe", commands: [tpeRunCommand] }]);

function ctx(cwd: string) {
  const c = fakeMagicContext({ cwd });
  return { c, displays: c.displays, progress: c.progressCalls };
}

describe("%tpe run", () => {
  it("runs a grid through the command template and shows one updating display", async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "tpe-run-"));
    const { c, displays, progress } = ctx(cwd);
    const line = `tpe run --grid 'loss0=0.7,1.5,1.1,0.9' --epochs 6 --budget 0.34 --keep 1 --concurrency 2 --grace 1 --meter estimate --interval-ms 50 --run-dir runs/g -- ${process.execPath} ${FAKE} --loss0 {loss0} --epochs {epochs} --epoch-ms 40`;
    const out = await dispatchMagic(registry(), line, c);
    if (out.kind !== "result") throw new Error("no result");
    const v = out.result.value as TpeRunResult;
    expect(out.result.typeName).toBe("TpeRunResult");
    expect(v.run_dir).toBe(path.join(cwd, "runs/g"));
    expect(v.trials.map((t) => t.id)).toEqual(["t01", "t02", "t03", "t04"]);
    expect(v.trials.map((t) => t.params.loss0)).toEqual([0.7, 1.5, 1.1, 0.9]);
    expect(v.kept).toEqual(["t01"]);
    expect(v.trials.map((t) => t.status)).toEqual(["finished", "stopped", "stopped", "stopped"]);
    const payload = out.result.bundle!.data[MIME_TPE] as TpePayload;
    expect(payload.schema_version).toBe(1);
    expect(payload.decision.kept).toEqual(["t01"]);
    expect(payload.energy.measured).toBe(false);
    // every live display update used the same display id
    const ids = new Set(displays.map((d) => d.id));
    expect(ids.size).toBe(1);
    expect(displays.length).toBeGreaterThan(1);
    expect(progress.length).toBeGreaterThan(0);
    expect(processesOfRun(v.run_dir)).toEqual([]);
    expect(fs.existsSync(path.join(v.run_dir, "report.json"))).toBe(true);
  });

  it("notes the policy flags it ignores, as %tpe replay does", async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "tpe-run-"));
    const { c } = ctx(cwd);
    const line = `tpe run --grid 'loss0=0.7,1.5' --epochs 3 --method sh --budget 0.5 --concurrency 2 --grace 1 --meter estimate --interval-ms 50 --run-dir runs/n -- ${process.execPath} ${FAKE} --loss0 {loss0} --epochs {epochs} --epoch-ms 10`;
    const out = await dispatchMagic(registry(), line, c);
    if (out.kind !== "result") throw new Error("no result");
    const v = out.result.value as TpeRunResult;
    expect(v.notes).toEqual(["--budget ignored by --policy sh"]);
    expect(out.result.text).toMatch(/note\s+--budget ignored by --policy sh/);
    expect(processesOfRun(v.run_dir)).toEqual([]);
  });

  it("checks its configuration flags", async () => {
    const { c } = ctx(os.tmpdir());
    const d = (line: string) => dispatchMagic(registry(), line, c);
    await expect(d("tpe run --epochs 5 -- x {a}")).rejects.toThrow(/exactly one of --grid, --space/);
    await expect(d("tpe run --epochs 5 --grid a=1 --space 'a=int(1,2)' -- x {a}")).rejects.toThrow(/exactly one/);
    await expect(d("tpe run --epochs 5 --space 'a=int(1,2)' -- x {a}")).rejects.toThrow(/--samples/);
    await expect(d("tpe run --epochs 5 --grid a=1,2")).rejects.toThrow(/command after --/);
    await expect(d("tpe run --epochs 5 --grid a=1,2 -- x {b}")).rejects.toThrow(/\{b\} but no parameter b/);
    // the cores' RangeErrors reach the user as usage errors of the command
    await expect(d("tpe run --epochs 5 --grid a=1,2 -- x {b}")).rejects.toThrow(UsageError);
    await expect(d("tpe run --epochs 5 --grid 'a=1,,2' -- x {a}")).rejects.toThrow(UsageError);
    await expect(d("tpe run --epochs 5 --grid a=1,2 --keep 3 -- x {a}")).rejects.toThrow(/--keep 3: keep \(3\) is larger than the number of trials \(2\)/);
    await expect(d("tpe run --epochs 5 --grid 'a=1,2;b=3' -- x {a}")).rejects.toThrow(/does not use parameter \{b\}/);
    await expect(d("tpe run --epochs 5 --grid a=1 --sbatch-args=--x -- x {a}")).rejects.toThrow(UsageError);
    await expect(d("tpe run --grid a=1 -- x {a}")).rejects.toThrow(/needs --epochs/);
    // a curve fit before epoch 3 would score nobody and stop every trial: refused before any starts
    await expect(d("tpe run --epochs 10 --grid a=1,2 --score lcfit -- x {a}")).rejects.toThrow(/first rung is at epoch 2: raise --budget to 0\.3 or more/);
    await expect(d("tpe run --epochs 10 --grid a=1,2 --policy sh --score lcfit-final -- x {a}")).rejects.toThrow(/first rung is at epoch 1: raise --min-epochs to 3/);
    await expect(d("tpe run --epochs 2 --grid a=1,2 --score lcfit -- x {a}")).rejects.toThrow(/runs of 2 epochs are too short for it; use another --score/);
  });

  it("draws a reproducible sample of a space and fills {epochs} and {trial}", () => {
    const flags = { space: "lr=log(0.001,0.1);width=choice(16,64)", samples: 3, seed: 4 };
    const a = configsFromFlags(flags, "/");
    expect(configsFromFlags(flags, "/")).toEqual(a);
    const specs = trialSpecsFrom(a, ["python3", "t.py", "--lr={lr}", "--width", "{width}", "--epochs", "{epochs}", "--name", "{trial}"], 7);
    expect(specs[2].argv).toEqual(["python3", "t.py", `--lr=${a[2].lr}`, "--width", String(a[2].width), "--epochs", "7", "--name", "t03"]);
    expect(() => trialSpecsFrom([{ epochs: 3 }], ["x", "{epochs}"], 7)).toThrow(/reserved/);
  });
});
