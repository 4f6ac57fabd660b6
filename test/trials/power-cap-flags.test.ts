/**
 * The --power-limit flags of %tpe run (magics/tpe-run.ts powerLimitFromFlags): what they ask of
 * the runner, and plain usage errors for flags that do not go together.
 */
import { UsageError } from "../../kernel/src/errors";
import { powerLimitFromFlags } from "../../kernel/src/magics/tpe-run";
import { fakeMagicContext } from "../helpers/magic-context";

const first = () => ({ id: "t01", argv: ["python3", "train.py"] });
const ctx = () => fakeMagicContext({ cwd: "/tmp" });
const flags = (f: Record<string, unknown>) => ({ "power-limit-optional": false, "power-tune-epochs": 1, ...f });

describe("powerLimitFromFlags", () => {
  it("no --power-limit: an uncapped run", async () => {
    expect(await powerLimitFromFlags(flags({}), "local", first, 1, ctx(), [])).toEqual({});
  });

  it("W: the runner's option, GPU and optional as given", async () => {
    const notes: string[] = [];
    expect(await powerLimitFromFlags(flags({ "power-limit": "175", "power-gpu": 1, "power-limit-optional": true }), "local", first, 1, ctx(), notes)).toEqual({ limit: { watts: 175, gpu: 1, optional: true } });
    expect(notes).toEqual([]);
  });

  it.each([
    [{ "power-limit-optional": true }, "--power-limit-optional needs --power-limit W (or auto)"],
    [{ "power-gpu": 0, "power-tune": "--limits 1,2" }, "--power-gpu and --power-tune need --power-limit W (or auto)"],
    [{ "power-limit": "lots" }, '--power-limit must be watts (a positive number, e.g. 200) or auto but got "lots"'],
    [{ "power-limit": "-5" }, "--power-limit must be watts"],
    [{ "power-limit": "auto" }, "--power-limit auto needs --power-tune '--limits L1,L2,…'"],
    [{ "power-limit": "auto", "power-tune": "--limits 150,250 --bogus 1" }, "--power-tune: "],
  ])("%j is a usage error: %s", async (f, message) => {
    const err = await powerLimitFromFlags(flags(f), "local", first, 1, ctx(), []).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toContain(message);
  });

  it("Slurm: auto is refused (it would tune on this machine, not the jobs' nodes); W without a per-job GPU request gets a note", async () => {
    const err = await powerLimitFromFlags(flags({ "power-limit": "auto", "power-tune": "--limits 150,250" }), "slurm", first, 1, ctx(), []).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toContain("with --backend slurm give the limit in watts");
    const notes: string[] = [];
    await powerLimitFromFlags(flags({ "power-limit": "150" }), "slurm", first, 1, ctx(), notes);
    expect(notes).toEqual([expect.stringContaining("assumes each job has GPUs of its own")]);
    const none: string[] = [];
    await powerLimitFromFlags(flags({ "power-limit": "150", "sbatch-args": ["--partition=gpu", "--gres=gpu:1"] }), "slurm", first, 1, ctx(), none);
    expect(none).toEqual([]);
  });
});
