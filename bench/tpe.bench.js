#!/usr/bin/env node
/**
 * TPE side by side with Optuna 3.1 on the same recorded curves (NAS-Bench-NLP WikiText-2 dev).
 * Optuna's MedianPruner, SuccessiveHalvingPruner and HyperbandPruner replay the runs through
 * bench/tpe_optuna.py (/usr/bin/python3; pruning depends on trial order, so it is averaged over
 * seeded shuffles); our TPE and TSE successive halving replay the same runs here. One table:
 * energy used (epochs, and recorded wall seconds), best final validation loss found, regret.
 * Our settings are fixed in advance (the method note's defaults), not tuned on these curves.
 *
 * Env: TPE_BENCH_SEEDS (default 10) Optuna trial orders; GREENAI_SHARED_DATA overrides ../shared/data.
 */
"use strict";
const { spawnSync } = require("child_process");
const path = require("path");
const fs = require("fs");
const tpe = require("../kernel/dist/tpe");

const ROOT = path.resolve(__dirname, "..");
const DATA = process.env.GREENAI_SHARED_DATA || path.resolve(ROOT, "../shared/data");
const CURVES = path.join(DATA, "curves/nasbench-nlp-wikitext2-dev/curves_long.csv");
const SEEDS = Number(process.env.TPE_BENCH_SEEDS || 10);
const PYTHON = "/usr/bin/python3";

function fmt(x, d = 4) {
  if (x === null || x === undefined || Number.isNaN(x)) return "n/a";
  return Number.isInteger(x) ? String(x) : x.toFixed(d);
}

function table(cols, rows) {
  const cells = [cols, ...rows];
  const w = cols.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  return cells.map((r) => r.map((c, i) => String(c).padEnd(w[i])).join("  ").trimEnd()).join("\n");
}

async function main() {
  if (!fs.existsSync(CURVES)) {
    console.log(`SKIPPED: ${CURVES} is absent (see ../shared/data/README.md)`);
    return;
  }
  const t0 = process.hrtime.bigint();
  const set = await tpe.curvesFromPath(CURVES);
  const byScore = {};
  const plan = (kind) => tpe.energyPlan({ kind });
  const build = (score, kind) => tpe.trialsFromCurves(set, score, {}, plan(kind)).trials;
  const ours = [];
  const add = (label, run) => {
    const ep = run("epochs");
    const wall = run("wall");
    ours.push({ label, epochs: ep.energy_used, wall: wall.energy_used, best: ep.chosen_id ? finals.get(ep.chosen_id) : null, regret: ep.regret, ok: ep.regret === 0 ? 1 : 0, n: 1 });
  };
  const trialsOf = (score, kind) => (byScore[`${score}/${kind}`] ||= build(score, kind));
  const finals = new Map(trialsOf("tse", "epochs").map((t) => [t.id, t.final_loss]));
  for (const [score, f] of [
    ["tse", 0.2],
    ["tse", 0.1],
    ["tse-e", 0.1],
    ["val-loss", 0.1],
  ]) {
    add(`ours: TPE ${score}, f=${f}, k=1`, (kind) => tpe.replayTpe(trialsOf(score, kind), set.totalEpochs, f, { count: 1 }));
  }
  for (const eta of [4, 3]) {
    add(`ours: SH tse, r0=1, η=${eta}`, (kind) => tpe.successiveHalving(trialsOf("tse", kind), set.totalEpochs, { minEpochs: 1, reductionFactor: eta }));
  }
  const oursMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const all = trialsOf("tse", "epochs").reduce((a, t) => a + t.epochs_run, 0);
  const allWall = trialsOf("tse", "wall").reduce((a, t) => a + t.epoch_energy.reduce((x, y) => x + y, 0), 0);
  const trueBest = Math.min(...[...finals.values()].filter((v) => v !== null));

  const rows = [{ label: "train everything (no stopping)", epochs: all, wall: allWall, best: trueBest, regret: 0, ok: 1, n: 1 }, ...ours];
  let optunaNote = "";
  const py = spawnSync(PYTHON, [path.join(__dirname, "tpe_optuna.py"), CURVES, "--seeds", String(SEEDS)], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (py.error || py.status !== 0) {
    optunaNote = `Optuna baseline not run: ${py.error ? py.error.message : py.stderr.trim().split("\n").pop()} (needs ${PYTHON} with python3-optuna)`;
  } else {
    const o = JSON.parse(py.stdout);
    const names = { median: "MedianPruner", sh: "SuccessiveHalvingPruner", hyperband: "HyperbandPruner" };
    for (const [key, p] of Object.entries(o.pruners)) {
      const rs = p.runs;
      const mean = (f) => rs.reduce((a, r) => a + f(r), 0) / rs.length;
      const regrets = rs.map((r) => r.regret).filter((r) => r !== null);
      rows.push({
        label: `Optuna ${o.optuna} ${names[key]} (mean of ${rs.length} orders)`,
        epochs: mean((r) => r.epochs),
        wall: mean((r) => r.wall_s),
        best: mean((r) => (r.best === null ? NaN : r.best)),
        regret: regrets.length === rs.length ? mean((r) => r.regret) : null,
        ok: rs.filter((r) => r.regret === 0).length,
        n: rs.length,
        optuna: true,
        seconds: p.seconds,
      });
    }
    optunaNote = `Optuna replay: ${rows.filter((r) => r.optuna).map((r) => `${r.label.split(" ")[2]} ${r.seconds.toFixed(1)} s`).join(", ")} for ${SEEDS} orders each`;
    if (o.all_epochs !== all) optunaNote += ` (warning: Optuna counted ${o.all_epochs} epochs in all, we ${all})`;
  }

  // Reference: the Optuna pruner with the lowest mean regret (then fewest epochs).
  const opt = rows.filter((r) => r.optuna && r.regret !== null).sort((a, b) => a.regret - b.regret || a.epochs - b.epochs)[0];
  const header = ["policy", "epochs used", "saved", opt ? `× ${opt.label.split(" ")[2]}` : "ratio", "wall-s used", "best found", "regret", "regret 0"];
  const out = rows.map((r) => [
    r.label,
    fmt(r.epochs, 1),
    `${(100 * (1 - r.epochs / all)).toFixed(1)}%`,
    opt ? (r.epochs / opt.epochs).toFixed(2) : "",
    fmt(r.wall, 0),
    fmt(r.best),
    fmt(r.regret),
    `${r.ok}/${r.n}`,
  ]);
  console.log(`TPE vs Optuna pruners on ${set.trials.length} NAS-Bench-NLP runs (${set.totalEpochs} epochs, ${all} epochs in all; true best final val loss ${fmt(trueBest)})`);
  console.log("Energy in epochs (no power recorded) and recorded wall seconds; ratio = epochs / reference Optuna pruner's epochs.\n");
  console.log(table(header, out));
  console.log(`\nours: ${ours.length} policies replayed in ${oursMs.toFixed(0)} ms (incl. reading the CSV). ${optunaNote}`);
  if (opt) {
    const wins = ours.filter((r) => r.regret !== null && r.regret <= opt.regret && r.epochs < opt.epochs);
    console.log(
      `Reference: ${opt.label} — regret ${fmt(opt.regret)}, ${fmt(opt.epochs, 1)} epochs. ` +
        (wins.length
          ? `At least matched with less energy by: ${wins.map((w) => `${w.label.replace("ours: ", "")} (${(w.epochs / opt.epochs).toFixed(2)}×)`).join("; ")}.`
          : "None of our fixed settings matches it with less energy."),
    );
  }
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exitCode = 1;
});
