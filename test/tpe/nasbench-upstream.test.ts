/**
 * NAS-Bench-NLP logs as upstream ships them (`log_stats_model_*.json`, ../shared/data/upstream/)
 * read as exactly the curves of the long CSV made from the same 172 runs, and `%tpe` on either
 * gives the same decision; a zip of the logs (as upstream's logs.zip) reads the same. Small
 * synthetic logs check the format rules.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MIME_TPE } from "../../common/src/payloads";
import { DataFormatError } from "../../kernel/src/errors";
import { dispatchMagic } from "../../kernel/src/magics/dispatch";
import { createRegistry } from "../../kernel/src/magics/registry";
import type { TpeReplayResult, TpeSweepResult } from "../../kernel/src/magics/tpe";
import type { MagicResult } from "../../kernel/src/magics/types";
import type { CurveSet, TrialCurve } from "../../kernel/src/tpe/curves";
import { curvesFromPath, detectCurveFormat } from "../../kernel/src/tpe/read-curves";
import { curveFromNasbenchJsonText } from "../../kernel/src/tpe/read-nasbench";
import { fakeMagicContext } from "../helpers/magic-context";
import { zip } from "../io/archives";
import { describeWithData, sharedData } from "../helpers/shared-data";

const registry = createRegistry();

async function run<T>(line: string, cwd = process.cwd()): Promise<MagicResult<T>> {
  const out = await dispatchMagic(registry, line, fakeMagicContext({ cwd }));
  if (out.kind !== "result") throw new Error(`expected a result for ${line}`);
  return out.result as MagicResult<T>;
}

/** What a reader gives for a run, without where it was read. */
const curveFacts = (t: TrialCurve) => ({ id: t.id, trainLoss: t.trainLoss, valLoss: t.valLoss, wallTimeS: t.wallTimeS, status: t.status, params: t.params });

/** A replay or sweep result and its payload, without what says where and how the curves were read. */
function decisionJson(r: MagicResult<TpeReplayResult | TpeSweepResult>): unknown {
  const { curves, notes, ...value } = r.value;
  expect(typeof curves).toBe("string");
  expect(notes.length).toBeGreaterThan(0);
  delete (value as Partial<TpeReplayResult>).format;
  return JSON.parse(JSON.stringify({ value, payload: r.bundle!.data[MIME_TPE] }));
}

const LONG = "curves/nasbench-nlp-wikitext2-dev/curves_long.csv";
const long = sharedData(LONG);

describeWithData("upstream/nas-bench-nlp-wikitext2", "NAS-Bench-NLP upstream logs = the long CSV", (upstream) => {
  let fromLogs: CurveSet;
  let fromCsv: CurveSet;
  beforeAll(async () => {
    if (!long) throw new Error(`${LONG} is absent from the shared data; it is made from the same runs and needed here`);
    [fromLogs, fromCsv] = await Promise.all([curvesFromPath(upstream), curvesFromPath(long)]);
  });

  it("reads every run with the long CSV's ids, order, epochs, values, statuses and params", () => {
    expect(fromLogs.format).toBe("nas-bench-nlp");
    expect(fromLogs.trials).toHaveLength(172);
    expect(fromLogs.trials.map((t) => t.id)).toEqual(fromCsv.trials.map((t) => t.id));
    expect(fromLogs.totalEpochs).toBe(fromCsv.totalEpochs);
    expect(fromLogs.trials.map(curveFacts)).toEqual(fromCsv.trials.map(curveFacts));
    // the rules for diverged runs see the same thing: 3 runs say "loss is nan!" and hold NaN
    const nan = fromLogs.trials.filter((t) => t.status === "loss is nan!");
    expect(nan.map((t) => t.trainLoss.length).sort((a, b) => a - b)).toEqual([1, 1, 23]);
    for (const t of nan) expect(t.trainLoss.some((x) => Number.isNaN(x))).toBe(true);
  });

  it.each([
    "--budget 0.2 --keep 1 --score tse",
    "--budget 0.1 --keep 3 --score val-loss --energy wall",
    "--policy sh --min-epochs 1 --reduction-factor 3 --keep 2 --score tse-ema",
  ])("%%tpe replay %s gives the same decision on the folder as on the long CSV", async (flags) => {
    const a = await run<TpeReplayResult>(`tpe replay --curves ${upstream} ${flags} --json`);
    const b = await run<TpeReplayResult>(`tpe replay --curves ${long} ${flags} --json`);
    expect(a.value.format).toBe("nas-bench-nlp");
    expect(a.value.n_trials).toBe(172);
    expect(a.value.problems.filter((p) => p.problem === "diverged")).toHaveLength(3);
    expect(decisionJson(a)).toEqual(decisionJson(b));
  });

  it("reads the same runs out of a zip of the logs, in a folder inside it, other entries ignored", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nasbench-zip-"));
    try {
      const logs = fs.readdirSync(upstream).filter((f) => f.startsWith("log_stats_model_"));
      const entries: [string, string | Buffer][] = logs.map((f) => [`logs/${f}`, fs.readFileSync(path.join(upstream, f))]);
      // a folder entry, a macOS resource fork and the licence: none is a run
      entries.unshift(["logs/", ""], [`__MACOSX/logs/._${logs[0]}`, "junk"], ["LICENSE", "Apache-2.0"]);
      const file = path.join(tmp, "logs.zip");
      fs.writeFileSync(file, zip(entries));
      const set = await curvesFromPath(file);
      expect(set.format).toBe("nas-bench-nlp");
      expect(set.trials.map(curveFacts)).toEqual(fromCsv.trials.map(curveFacts));
      expect(set.trials[0].source.file).toBe(`${file}:logs/${logs[0]}`);
      const flags = "--budget 0.2 --keep 1 --score tse --json";
      const a = await run<TpeReplayResult>(`tpe replay --curves logs.zip ${flags}`, tmp);
      const b = await run<TpeReplayResult>(`tpe replay --curves ${long} ${flags}`);
      expect(decisionJson(a)).toEqual(decisionJson(b));
      fs.writeFileSync(file, zip([["README", "no logs here"]]));
      await expect(curvesFromPath(file)).rejects.toThrow(/logs\.zip: the zip archive holds no log_stats_model_\*\.json files/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("%tpe sweep gives the same points on the folder as on the long CSV", async () => {
    const flags = "--budgets 0.05,0.2 --keeps 1,5 --scores tse,val-loss";
    const a = await run<TpeSweepResult>(`tpe sweep --curves ${upstream} ${flags}`);
    const b = await run<TpeSweepResult>(`tpe sweep --curves ${long} ${flags}`);
    expect(a.value.points).toHaveLength(8);
    expect(decisionJson(a)).toEqual(decisionJson(b));
  });
});

describe("NAS-Bench-NLP log format", () => {
  const log = (o: Record<string, unknown>) =>
    JSON.stringify({ recepie_id: 7, experiment_id: 99, epochs: 3, num_params: 1000, lr: 0.001, batch_size: 20, emsize: 400, nhid: 600, nlayers: 3, dropout: 0.1, wdecay: 1.2e-6, status: "OK", ...o });
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "nasbench-"));
    // an extracted logs.zip keeps its folder: the logs sit one level down
    fs.mkdirSync(path.join(dir, "logs"));
    const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, "logs", name), text);
    write("log_stats_model_2_b.json", log({ train_losses: "[5.0, 4.0, 3.5]", val_losses: "[5.5, 4.5, 4.0]", wall_times: "[10, 11, 12]" }));
    // upstream writes diverged losses as bare NaN
    write("log_stats_model_1_a.json", log({ train_losses: [1], val_losses: [2], wall_times: [3], status: "loss is nan!" }).replace(/\[1\]/, "[NaN]").replace(/\[2\]/, "[NaN]"));
    write("notes.json", "{}");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads lists given as JSON lists or as strings, NaN as non-finite, runs in file-name order", async () => {
    const set = await curvesFromPath(dir);
    expect(set.format).toBe("nas-bench-nlp");
    expect(set.trials.map((t) => t.id)).toEqual(["log_stats_model_1_a", "log_stats_model_2_b"]);
    const [a, b] = set.trials;
    expect(a.trainLoss[0]).toBeNaN();
    expect(a.status).toBe("loss is nan!");
    expect(b).toMatchObject({ trainLoss: [5, 4, 3.5], valLoss: [5.5, 4.5, 4], wallTimeS: [10, 11, 12], status: "OK" });
    expect(b.params).toEqual({ recepie_id: 7, experiment_id: 99, n_epochs_logged: 3, epochs_planned: 3, num_params: 1000, lr: 0.001, batch_size: 20, emsize: 400, nhid: 600, nlayers: 3, dropout: 0.1, wdecay: 1.2e-6 });
    const r = await run<TpeReplayResult>(`tpe replay --curves ${dir} --budget 0.4 --keep 1`);
    expect(r.value.problems).toEqual([{ id: "log_stats_model_1_a", epochs_run: 1, problem: "diverged", reason: expect.any(String) }]);
  });

  it("reads one log file on its own", async () => {
    const file = path.join(dir, "logs", "log_stats_model_2_b.json");
    expect(detectCurveFormat(file, fs.readFileSync(file, "utf8"))).toBe("nas-bench-nlp");
    const set = await curvesFromPath(file);
    expect(set.trials.map((t) => t.id)).toEqual(["log_stats_model_2_b"]);
  });

  it.each([
    [log({ val_losses: [1] }), /x\.json: missing field "train_losses"/],
    [log({ train_losses: [1], val_losses: 3 }), /x\.json: field "val_losses" expects a list of numbers/],
    [log({ train_losses: [1, "a"], val_losses: [1, 2] }), /x\.json: field "train_losses" item 1 \(epoch 1\) expects a number/],
    [log({ train_losses: "[1,", val_losses: [1] }), /x\.json: field "train_losses" holds a string that is not a JSON list/],
    ["{not json", /x\.json: not valid JSON/],
    ["[1, 2]", /x\.json: expected a NAS-Bench-NLP log_stats_model_\*\.json object/],
  ])("rejects a bad log with a message naming the file and field (%#)", (text, re) => {
    expect(() => curveFromNasbenchJsonText(text, "x.json", "x")).toThrow(DataFormatError);
    expect(() => curveFromNasbenchJsonText(text, "x.json", "x")).toThrow(re);
  });
});
