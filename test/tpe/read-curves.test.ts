import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DataFormatError } from "../../kernel/src/errors";
import { runStatus } from "../../kernel/src/tpe/curves";
import {
  curveFromLightningCsvText,
  curvesFromJsonlText,
  curvesFromLongCsvText,
  curvesFromPath,
  detectCurveFormat,
} from "../../kernel/src/tpe/read-curves";

const LONG = `run_id,epoch,train_loss,val_loss,test_loss,wall_time_s
a,0,5.0,5.5,5.4,10
a,1,4.0,4.5,4.4,11
b,1,4.5,5.0,4.9,12
b,0,6.0,6.5,6.4,10
c,0,nan,nan,nan,3
`;

describe("long CSV", () => {
  it("groups rows by run in file order, sorts epochs, keeps nan as non-finite", () => {
    const { trials } = curvesFromLongCsvText(LONG, "x.csv");
    expect(trials.map((t) => t.id)).toEqual(["a", "b", "c"]);
    expect(trials[1].trainLoss).toEqual([6, 4.5]);
    expect(trials[1].wallTimeS).toEqual([10, 12]);
    expect(trials[2].trainLoss[0]).toBeNaN();
    expect(trials[0].source).toEqual({ file: "x.csv", line: 2 });
    const st = runStatus(trials[2], 2);
    expect(st.diverged).toBe(true);
    expect(st.reason).toMatch(/non-finite loss at epoch 1/);
    expect(runStatus(trials[0], 2)).toMatchObject({ problem: null, finalLoss: 4.5 });
    expect(runStatus(trials[0], 3)).toMatchObject({ problem: "incomplete", finalLoss: null });
  });
  it("accepts 1-based epochs when no epoch 0 is present", () => {
    const { trials } = curvesFromLongCsvText("run_id,epoch,train_loss,val_loss\na,1,3,4\na,2,2,3\n", "x.csv");
    expect(trials[0].trainLoss).toEqual([3, 2]);
  });
  it.each([
    ["", /^x\.csv: empty file/],
    ["run_id,epoch,train_loss,val_loss\n", /^x\.csv:1: header only, no data rows/],
    ["run_id,epoch,train_loss\na,0,1\n", /^x\.csv:1: missing column "val_loss"; expected a header with run_id,epoch,train_loss,val_loss/],
    ["id,epoch,loss\na,0,1\n", /^x\.csv:1: missing columns "run_id", "train_loss", "val_loss"/],
    ["run_id,epoch,train_loss,val_loss\na,0,1,2\na,1,abc,2\n", /^x\.csv:3:3: column "train_loss" expects a number \(or nan\/inf for a diverged run\) but got "abc"/],
    ["run_id,epoch,train_loss,val_loss\na,0,1,2\na,x,1,2\n", /^x\.csv:3:2: column "epoch" expects a whole number ≥ 0 but got "x"/],
    ["run_id,epoch,train_loss,val_loss\na,0,1,2\na,0,1,2\n", /^x\.csv:3: run a has epoch 0 twice \(also on line 2\)/],
    ["run_id,epoch,train_loss,val_loss\na,0,1,2\na,2,1,2\n", /^x\.csv:3: run a jumps to epoch 2 but epoch 1 is missing/],
    ["run_id,epoch,train_loss,val_loss\na,0,1\n", /^x\.csv:2: row has 3 fields but the header has 4/],
    ["run_id,epoch,train_loss,val_loss\n,0,1,2\n", /^x\.csv:2:1: column "run_id" is empty/],
  ])("rejects bad input %#", (text, re) => {
    expect(() => curvesFromLongCsvText(text, "x.csv")).toThrow(DataFormatError);
    expect(() => curvesFromLongCsvText(text, "x.csv")).toThrow(re);
  });
});

describe("Lightning CSVLogger", () => {
  const LOG = `train_loss_step,epoch,step,val_loss,train_loss_epoch
4,0,0,,
2,0,1,,
,0,1,3.5,
,0,1,,3.1
3,1,2,,
1,1,3,,
,1,3,2.5,
,1,3,,2.2
`;
  it("averages step losses per epoch (not train_loss_epoch) and takes val per epoch", () => {
    const log = curveFromLightningCsvText(LOG, "m.csv", "v0");
    expect(log.curve.trainLoss).toEqual([3, 2]);
    expect(log.curve.valLoss).toEqual([3.5, 2.5]);
    expect(log.curve.stepLoss).toEqual([[4, 2], [3, 1]]);
    expect(log.steps.map((s) => s.epoch)).toEqual([0, 0, 1, 1]);
  });
  it("falls back to train_loss_epoch without step losses, and to a per-epoch train_loss", () => {
    const epochOnly = "epoch,step,val_loss,train_loss_epoch\n0,1,3.5,\n0,1,,3.1\n1,3,2.5,\n1,3,,2.2\n";
    expect(curveFromLightningCsvText(epochOnly, "m.csv", "v").curve.trainLoss).toEqual([3.1, 2.2]);
    const perEpoch = "epoch,step,train_loss,val_loss\n0,1,3,4\n1,3,2,3\n";
    const log = curveFromLightningCsvText(perEpoch, "m.csv", "v");
    expect(log.curve.trainLoss).toEqual([3, 2]);
    expect(log.curve.stepLoss).toBeUndefined();
    expect(log.notes.join()).toMatch(/one value per epoch/);
  });
  it.each([
    ["step,val_loss\n1,2\n", /^m\.csv:1: missing column "epoch"/],
    ["epoch,step,val_loss\n0,1,2\n", /^m\.csv:1: no training loss column/],
    ["train_loss_step,epoch,step\n1,0,0\nbad,0,1\n", /^m\.csv:3:1: column "train_loss_step" expects a number/],
    ["train_loss_step,epoch,step\n1,0,0\n1,2,1\n", /^m\.csv: epoch 1 has no training or validation loss rows/],
    ["train_loss_step,epoch,step\n1,1,0\n1,0,1\n", /^m\.csv:3: epoch 0 after epoch 1 \(line 2\); step rows must be in training order/],
  ])("rejects bad input %#", (text, re) => expect(() => curveFromLightningCsvText(text, "m.csv", "v")).toThrow(re));
});

describe("JSON lines", () => {
  it("reads per-epoch records and whole runs, with Python's NaN", () => {
    const text = [
      '{"run_id": "a", "epoch": 0, "train_loss": 3, "val_loss": 4, "wall_time_s": 9}',
      '{"run_id": "a", "epoch": 1, "train_loss": 2, "val_loss": 3, "wall_time_s": 9}',
      "",
      '{"id": "b", "train_loss": [3, NaN], "val_loss": [4, -Infinity], "status": "loss is nan!", "params": {"lr": 0.1}}',
    ].join("\n");
    const { trials } = curvesFromJsonlText(text, "r.jsonl");
    const b = trials.find((t) => t.id === "b")!;
    expect(b.trainLoss[1]).toBeNaN();
    expect(b.valLoss[1]).toBe(-Infinity);
    expect(b.params).toEqual({ lr: 0.1 });
    expect(runStatus(b, 2).diverged).toBe(true);
    expect(trials.find((t) => t.id === "a")!.wallTimeS).toEqual([9, 9]);
  });
  it.each([
    ["", /^r\.jsonl: empty file/],
    ['{"run_id": "a", "epoch": 0, "train_loss": 1, "val_loss": 2}\n{oops', /^r\.jsonl:2: not valid JSON/],
    ['{"epoch": 0, "train_loss": 1, "val_loss": 2}', /^r\.jsonl:1: missing "run_id"/],
    ['{"run_id": "a", "epoch": 0, "train_loss": "x", "val_loss": 2}', /^r\.jsonl:1:1: column "train_loss" expects a number/],
    ['{"run_id": "a", "epoch": 0, "val_loss": 2}', /^r\.jsonl:1: missing field "train_loss"/],
  ])("rejects bad input %#", (text, re) => expect(() => curvesFromJsonlText(text, "r.jsonl")).toThrow(re));
});

describe("curvesFromPath", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "tpe-read-"));
    fs.writeFileSync(path.join(dir, "curves.csv"), LONG);
    fs.writeFileSync(path.join(dir, "models.csv"), "run_id,status,lr\na,OK,0.001\nc,loss is nan!,0.01\n");
    for (const v of ["version_0", "version_1"]) {
      fs.mkdirSync(path.join(dir, "logs", v), { recursive: true });
      fs.writeFileSync(path.join(dir, "logs", v, "metrics.csv"), `train_loss_step,epoch,step,val_loss\n${v === "version_0" ? 2 : 3},0,0,\n,0,0,1.5\n`);
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads a long CSV and the models.csv beside it", async () => {
    const set = await curvesFromPath(path.join(dir, "curves.csv"));
    expect(set.format).toBe("long-csv");
    expect(set.totalEpochs).toBe(2);
    expect(set.trials.find((t) => t.id === "c")!.status).toBe("loss is nan!");
    expect(set.trials.find((t) => t.id === "a")!.params).toEqual({ lr: 0.001 });
  });
  it("reads a folder of Lightning logs, one trial per metrics.csv", async () => {
    const set = await curvesFromPath(path.join(dir, "logs"));
    expect(set.format).toBe("lightning-csv");
    expect(set.trials.map((t) => [t.id, t.trainLoss[0]])).toEqual([
      ["version_0", 2],
      ["version_1", 3],
    ]);
  });
  it("honours a forced format for folders and zips", async () => {
    const both = path.join(dir, "both");
    fs.mkdirSync(both);
    fs.writeFileSync(path.join(both, "curves_long.csv"), LONG);
    fs.writeFileSync(path.join(both, "log_stats_model_1_a.json"), JSON.stringify({ train_losses: [3, 2], val_losses: [4, 3], status: "OK" }));
    expect((await curvesFromPath(both)).format).toBe("long-csv");
    expect((await curvesFromPath(both, { format: "long-csv" })).format).toBe("long-csv");
    const nas = await curvesFromPath(both, { format: "nas-bench-nlp" });
    expect([nas.format, nas.trials.map((t) => t.id)]).toEqual(["nas-bench-nlp", ["log_stats_model_1_a"]]);
    const logs = path.join(dir, "logs");
    await expect(curvesFromPath(logs, { format: "nas-bench-nlp" })).rejects.toThrow(/logs: folder holds no log_stats_model_\*\.json files \(format nas-bench-nlp\)/);
    await expect(curvesFromPath(logs, { format: "long-csv" })).rejects.toThrow(/logs: folder holds no curves_long\.csv \(format long-csv\)/);
    await expect(curvesFromPath(both, { format: "jsonl" })).rejects.toThrow(/both: a folder; format jsonl reads one JSON-lines file/);
    fs.writeFileSync(path.join(dir, "logs.zip"), "");
    await expect(curvesFromPath(path.join(dir, "logs.zip"), { format: "lightning-csv" })).rejects.toThrow(/logs\.zip: a zip archive is read as NAS-Bench-NLP logs, not as format lightning-csv/);
  });
  it("names a missing path", async () => {
    await expect(curvesFromPath(path.join(dir, "nope.csv"))).rejects.toThrow(/nope\.csv: no such file or folder/);
  });
  it("cuts runs to --epochs", async () => {
    const set = await curvesFromPath(path.join(dir, "curves.csv"), { totalEpochs: 1 });
    expect(set.trials[0].trainLoss).toEqual([5]);
  });
  it("detects formats", () => {
    expect(detectCurveFormat("a.jsonl", "")).toBe("jsonl");
    expect(detectCurveFormat("a.csv", "run_id,epoch\n")).toBe("long-csv");
    expect(detectCurveFormat("a.csv", "train_loss_step,epoch,step\n")).toBe("lightning-csv");
  });
});
