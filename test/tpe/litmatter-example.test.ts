/**
 * litmatter mode on the official TPE example log (ncfrey/litmatter example_files/metrics.csv).
 * Expected values are computed here independently: a plain re-reading of the CSV with the
 * upstream formulas written out literally, and (when available) pandas via /usr/bin/python3.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import { createRegistry } from "../../kernel/src/magics/registry";
import { dispatchMagic } from "../../kernel/src/magics/dispatch";
import { lightningLogFromFile } from "../../kernel/src/tpe/read-curves";
import { litmatterScores } from "../../kernel/src/tpe/scores";
import { fakeMagicContext } from "../helpers/magic-context";
import { describeWithData } from "../helpers/shared-data";

const T = 10;
const E = 1;
const GAMMA = 0.999;
const REL = 1e-12;

function expectRel(actual: number, expected: number) {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(REL * Math.abs(expected));
}

/** Upstream's formulas, written out with filters over the raw step rows. */
function referenceFromCsv(file: string) {
  const lines = fs.readFileSync(file, "utf8").trim().split("\n");
  const head = lines[0].split(",");
  const iLoss = head.indexOf("train_loss_step");
  const iEpoch = head.indexOf("epoch");
  const rows = lines
    .slice(1)
    .map((l) => l.split(","))
    .filter((c) => c[iLoss] !== "")
    .map((c) => ({ epoch: parseInt(c[iEpoch], 10), loss: parseFloat(c[iLoss]) }));
  const sum = (rs: { loss: number }[]) => rs.reduce((a, r) => a + r.loss, 0);
  const B = rows.filter((r) => r.epoch === T).length;
  const tse = sum(rows.filter((r) => r.epoch < T)) / B;
  const tsee = sum(rows.filter((r) => r.epoch >= T - E + 1 && r.epoch <= T)) / B;
  let tseema = 0;
  for (let t = 0; t <= T; t++) tseema += (sum(rows.filter((r) => r.epoch === t)) / B) * GAMMA ** (T - t);
  return { tse, tsee, tseema, B, T_end: rows[rows.length - 1].epoch + 1, n: rows.length };
}

const PANDAS_SCRIPT = `
import json, sys
import pandas as pd
df = pd.read_csv(sys.argv[1])
df = df.dropna(subset=['train_loss_step'])[['train_loss_step', 'epoch', 'step']]
T, E, g = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
B = len(df[df['epoch'] == T])
tse = df[df['epoch'] < T].train_loss_step.sum() / B
tsee = df[(df['epoch'] >= T - E + 1) & (df['epoch'] <= T)].train_loss_step.sum() / B
ema = 0.0
for t in range(0, T + 1):
    ema += df[df['epoch'] == t].train_loss_step.sum() / B * g ** (T - t)
print(json.dumps({'tse': float(tse), 'tsee': float(tsee), 'tseema': float(ema), 'T_end': int(df.iloc[-1].epoch + 1)}))
`;

function pandasAvailable(): string | null {
  const r = spawnSync("/usr/bin/python3", ["-c", "import pandas"], { encoding: "utf8" });
  if (r.error) return `/usr/bin/python3 not runnable (${r.error.message})`;
  return r.status === 0 ? null : "pandas is not importable by /usr/bin/python3";
}

const fakeCtx = () => fakeMagicContext();

describeWithData("curves/litmatter-tpe-example/metrics.csv", "litmatter mode reproduces the official TPE example (T=10, E=1)", (file) => {
  const ref = referenceFromCsv(file);

  it("reads 1,890 step rows, 63 per epoch, 30 epochs", async () => {
    const log = await lightningLogFromFile(file);
    expect(log.steps).toHaveLength(1890);
    expect(ref.n).toBe(1890);
    expect(ref.B).toBe(63);
    expect(log.curve.trainLoss).toHaveLength(30);
    expect(log.curve.valLoss.every((v) => typeof v === "number")).toBe(true);
  });

  it("matches the literal upstream formulas to 1e-12", async () => {
    const log = await lightningLogFromFile(file);
    const s = litmatterScores(log.steps, T, { E, gamma: GAMMA });
    expectRel(s.tse, ref.tse);
    expectRel(s.tse_e, ref.tsee);
    expectRel(s.tse_ema, ref.tseema);
    expect(s.steps_per_epoch).toBe(ref.B);
    expect(s.T_end).toBe(ref.T_end);
  });

  const noPandas = pandasAvailable();
  (noPandas ? it.skip : it)(`matches pandas running the upstream estimator${noPandas ? ` [SKIPPED: ${noPandas}]` : ""}`, async () => {
    const r = spawnSync("/usr/bin/python3", ["-c", PANDAS_SCRIPT, file, String(T), String(E), String(GAMMA)], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    const py = JSON.parse(r.stdout);
    const log = await lightningLogFromFile(file);
    const s = litmatterScores(log.steps, T, { E, gamma: GAMMA });
    expectRel(s.tse, py.tse);
    expectRel(s.tse_e, py.tsee);
    expectRel(s.tse_ema, py.tseema);
    expect(s.T_end).toBe(py.T_end);
  });

  it("`tpe score --mode litmatter --json` prints numeric tse, tse_e, tse_ema", async () => {
    const out = await dispatchMagic(createRegistry(), `tpe score --log ${file} --epoch ${T} --mode litmatter --json`, fakeCtx());
    if (out.kind !== "result") throw new Error("expected a result");
    const v = JSON.parse(JSON.stringify(out.result.value));
    for (const k of ["tse", "tse_e", "tse_ema"]) expect(typeof v[k]).toBe("number");
    expectRel(v.tse, ref.tse);
    expectRel(v.tse_e, ref.tsee);
    expectRel(v.tse_ema, ref.tseema);
    expect(v.gamma).toBe(GAMMA);
    expect(out.json).toBe(true);
  });

  it("paper mode on the same log differs as documented: TSE(10) sums epochs 1..10 = log epochs 0..9", async () => {
    const out = await dispatchMagic(createRegistry(), `tpe score --log ${file} --epoch 10 --mode paper --gamma 0.999`, fakeCtx());
    if (out.kind !== "result") throw new Error("expected a result");
    const v = out.result.value as { tse: number; tse_e: number };
    // every epoch has 63 steps, so Σ_{e<10} mean_e = litmatter's tse (same B)
    expectRel(v.tse, ref.tse);
    // paper TSE-E(10, 1) is epoch t = 10 = log epoch 9, not litmatter's epoch 10
    const lines = fs.readFileSync(file, "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
    const e9 = lines.filter((c) => c[0] !== "" && c[1] === "9").map((c) => parseFloat(c[0]));
    expectRel(v.tse_e, e9.reduce((a, b) => a + b, 0) / e9.length);
  });
});
