#!/usr/bin/python3
"""Replays recorded training curves through Optuna 3.1 pruners (the side-by-side baseline of
bench/tpe.bench.js).

One recorded run = one Optuna trial (study.ask()). Each epoch reports the validation loss
(trial.report(val_loss, epoch), epochs counted from 1) and the run stops at the first
should_prune(). A run whose loss turns non-finite fails at that epoch. Cost = epochs run
(and their recorded wall seconds). Pruning depends on the order in which trials arrive, so
every pruner is replayed over the same seeded shuffles of the runs.

Usage: /usr/bin/python3 bench/tpe_optuna.py CURVES_LONG_CSV [--seeds N] [--pruners median,sh,hyperband]
Prints one JSON object on stdout.
"""
import argparse
import csv
import json
import math
import random
import sys
import time

import optuna


def read_runs(path):
    """run_id -> list of (val_loss, wall_time_s) in epoch order."""
    rows = {}
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        for need in ("run_id", "epoch", "val_loss"):
            if need not in (reader.fieldnames or []):
                sys.exit(f"{path}:1: missing column {need!r}")
        for line, r in enumerate(reader, start=2):
            try:
                epoch = int(r["epoch"])
                val = float(r["val_loss"])
                wall = float(r["wall_time_s"]) if r.get("wall_time_s") not in (None, "") else 0.0
            except ValueError as e:
                sys.exit(f"{path}:{line}: {e}")
            rows.setdefault(r["run_id"], []).append((epoch, val, wall))
    runs = {}
    for rid, rs in rows.items():
        rs.sort()
        runs[rid] = [(v, w) for _, v, w in rs]
    return runs


def make_pruner(name):
    # Optuna 3.1.0 defaults, spelled out (see docs/tpe-method.md, section 8).
    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=0, interval_steps=1, n_min_trials=1)
    if name == "sh":
        return optuna.pruners.SuccessiveHalvingPruner(
            min_resource="auto", reduction_factor=4, min_early_stopping_rate=0, bootstrap_count=0
        )
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource="auto", reduction_factor=3, bootstrap_count=0)
    raise SystemExit(f"unknown pruner {name!r}")


def replay(runs, total_epochs, order, pruner, seed):
    study = optuna.create_study(direction="minimize", pruner=pruner, sampler=optuna.samplers.RandomSampler(seed=seed))
    epochs = 0
    wall = 0.0
    counts = {"complete": 0, "pruned": 0, "failed": 0}
    for rid in order:
        curve = runs[rid]
        trial = study.ask()
        state = None
        for step, (val, w) in enumerate(curve, start=1):
            epochs += 1
            wall += w
            if not math.isfinite(val):
                state = optuna.trial.TrialState.FAIL
                break
            trial.report(val, step)
            if trial.should_prune():
                state = optuna.trial.TrialState.PRUNED
                break
        if state is None and len(curve) < total_epochs:
            state = optuna.trial.TrialState.FAIL  # stopped short
        if state is None:
            study.tell(trial, curve[-1][0])
            counts["complete"] += 1
        else:
            study.tell(trial, state=state)
            counts["pruned" if state == optuna.trial.TrialState.PRUNED else "failed"] += 1
    try:
        best = study.best_value
        best_id = order[study.best_trial.number]
    except ValueError:
        best, best_id = None, None
    return {"epochs": epochs, "wall_s": wall, "best": best, "best_id": best_id, **counts}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("curves")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--pruners", default="median,sh,hyperband")
    args = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    runs = read_runs(args.curves)
    total = max(len(c) for c in runs.values())
    finals = {rid: c[-1][0] for rid, c in runs.items() if len(c) == total and all(math.isfinite(v) for v, _ in c)}
    true_best = min(finals.values())
    ids = sorted(runs)
    out = {
        "optuna": optuna.__version__,
        "n_trials": len(runs),
        "total_epochs": total,
        "all_epochs": sum(len(c) for c in runs.values()),
        "all_wall_s": sum(w for c in runs.values() for _, w in c),
        "true_best": true_best,
        "seeds": args.seeds,
        "pruners": {},
    }
    for name in args.pruners.split(","):
        t0 = time.perf_counter()
        per_seed = []
        for seed in range(args.seeds):
            order = ids[:]
            random.Random(seed).shuffle(order)
            r = replay(runs, total, order, make_pruner(name), seed)
            r["regret"] = None if r["best"] is None else r["best"] - true_best
            per_seed.append(r)
        out["pruners"][name] = {"runs": per_seed, "seconds": time.perf_counter() - t0}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
