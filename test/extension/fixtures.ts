/** Small hand-made payloads whose decisions, fronts and picks are worked out by hand in the tests. */
import type { RibbonPayload, TimeseriesPayload, TpePayload, TpeTrial } from "greenai-common";
import { decisionOutcome, tpeDecision } from "greenai-common";

function trial(id: string, val: (number | null)[], energy: number[], extra: Partial<TpeTrial> = {}): TpeTrial {
  const finalLoss = val.length === 4 && typeof val[3] === "number" ? val[3] : null;
  return {
    id,
    train_loss: val.map((v) => (v === null ? null : v + 0.1)),
    val_loss: val,
    epoch_energy: energy,
    score_by_epoch: val,
    final_loss: finalLoss,
    epochs_run: val.length,
    diverged: false,
    params: { lr: 0.01 },
    ...extra,
  };
}

/**
 * 4 trials × 4 epochs, score = validation loss.
 * a: 1.0 .8 .6 .5 (1 J/epoch), b: .9 .85 .8 .75 (2 J/epoch), c: 1.2 .7 .55 .4 (1 J/epoch),
 * d: 1.5 then diverged (2 epochs, 1 J each). Energy of all runs: 4 + 8 + 4 + 2 = 18 J.
 */
export function smallTpe(): TpePayload {
  const trials = [
    trial("a", [1.0, 0.8, 0.6, 0.5], [1, 1, 1, 1]),
    trial("b", [0.9, 0.85, 0.8, 0.75], [2, 2, 2, 2]),
    trial("c", [1.2, 0.7, 0.55, 0.4], [1, 1, 1, 1]),
    trial("d", [1.5, null], [1, 1], { diverged: true, score_by_epoch: [1.5, null], final_loss: null }),
  ];
  return {
    schema_version: 1,
    kind: "tpe",
    title: "small TPE",
    score: "val-loss",
    total_epochs: 4,
    energy: { unit: "J", source: "synthetic", measured: false },
    trials,
    decision: tpeDecision(trials, 4, 0.25, 2),
  };
}

/**
 * smallTpe under successive halving, r0 = 1, η = 2 (worked by hand): rung 1 ranks all four by
 * val loss (b .9, a 1.0, c 1.2, d 1.5) and promotes b, a; rung 2 ranks a .8, b .85 and promotes a.
 * So c and d stop after epoch 1, b after epoch 2, a finishes: used 4 + 4 + 1 + 1 = 10 J of 18.
 */
export function halvingTpe(): TpePayload {
  const p = smallTpe();
  const stop: Record<string, number> = { b: 2, c: 1, d: 1 };
  return {
    ...p,
    policy: { kind: "sh", min_epochs: 1, reduction_factor: 2, rungs: [{ epoch: 1, entered: 4, promoted: ["b", "a"] }, { epoch: 2, entered: 2, promoted: ["a"] }] },
    decision: { budget_fraction: 0.25, budget_epoch: 1, keep: 1, ...decisionOutcome(p.trials, new Set(["a"]), (t) => stop[t.id] ?? 4, 1) },
  };
}

/**
 * Two instance types a ($1/h) and b ($3/h), QoS 100 ms, target 99 %.
 * Evaluations (order: pool, $/h, rate %, p99 ms): 0: [1,0] 1 80 300; 1: [2,0] 2 97 150;
 * 2: [0,1] 3 99.5 90; 3: [1,1] 4 99.9 70; 4: [3,0] 3 99.2 95.
 */
export function smallRibbon(): RibbonPayload {
  const ev = (order: number, pool: number[], price: number, rate: number, p99: number) => ({ order, pool, price_per_hour: price, rate, p99_ms: p99, feasible: rate >= 99 });
  return {
    schema_version: 1,
    kind: "ribbon",
    title: "small RIBBON",
    model: "toy",
    instance_types: ["a", "b"],
    prices_per_hour: [1, 3],
    qos_ms: 100,
    target_rate: 99,
    method: "improved",
    stop_reason: "budget",
    evaluations: [ev(0, [1, 0], 1, 80, 300), ev(1, [2, 0], 2, 97, 150), ev(2, [0, 1], 3, 99.5, 90), ev(3, [1, 1], 4, 99.9, 70), ev(4, [3, 0], 3, 99.2, 95)],
    best: { pool: [0, 1], price_per_hour: 3, rate: 99.5 },
    homogeneous: [
      { instance_type: "a", pool: [3, 0], price_per_hour: 3, rate: 99.2 },
      { instance_type: "b", pool: [0, 1], price_per_hour: 3, rate: 99.5 },
    ],
  };
}

/** `n` samples a second apart from t0 = 2024-01-01T00:00:00Z in three groups; `spikeAt` gets 1000. */
export function syntheticTimeseries(n: number, spikeAt = -1): TimeseriesPayload {
  const t0 = Date.UTC(2024, 0, 1);
  const t = new Array<number>(n);
  const util = new Array<number>(n);
  const power = new Array<number>(n);
  const mem = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    t[i] = t0 + i * 1000;
    util[i] = 50 + 40 * Math.sin(i / 50);
    power[i] = i === spikeAt ? 1000 : 200 + 50 * Math.cos(i / 70);
    mem[i] = 10 + (i % 100) / 10;
  }
  return {
    schema_version: 1,
    kind: "timeseries",
    title: "synthetic job",
    job_id: "42",
    series: [
      { name: "gpu utilisation", unit: "%", group: "utilization", device: "gpu0", t_ms: t, values: util },
      { name: "gpu power", unit: "W", group: "power", device: "gpu0", t_ms: t, values: power },
      { name: "gpu memory", unit: "GiB", group: "memory", device: "gpu0", t_ms: t, values: mem },
    ],
    facts: { "energy (kJ)": 123.456, node: "d-8-3-2" },
  };
}
