#!/usr/bin/env python3
"""Small PyTorch CPU training on scikit-learn's bundled digits (8x8 images, 10 classes).

A trial for `%tpe run`: prints one JSON object per line on stdout, flushed:
  {"epoch": 3, "train_loss": 0.41, "val_loss": 0.38, "val_acc": 0.90, "step": 135}
`train_loss` is the mean of the minibatch losses computed during the epoch (the TSE input),
`val_loss` the mean cross-entropy on the held-out split after the epoch, `step` the
optimiser steps done so far. With --log-steps it also prints one line per minibatch:
  {"epoch": 3, "step": 91, "train_loss": 0.44}

Needs Debian python3-torch and python3-sklearn (no downloads: the data set ships with sklearn).

Fault injection for tests of the trial runner: --crash-after-epoch N raises after epoch N,
--hang-after-epoch N sleeps forever after epoch N (ignoring nothing: SIGTERM still ends it).

Example:
  python3 examples/digits_train.py --lr 0.05 --width 64 --depth 2 --epochs 10
"""
import argparse
import json
import math
import sys
import time


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--lr", type=float, default=0.05, help="SGD learning rate")
    p.add_argument("--width", type=int, default=64, help="hidden units per layer")
    p.add_argument("--depth", type=int, default=2, help="hidden layers")
    p.add_argument("--epochs", type=int, default=10, help="passes over the training split")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--seed", type=int, default=0, help="seed of the weights and batch order")
    p.add_argument("--val-fraction", type=float, default=0.2)
    p.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    p.add_argument("--repeat", type=int, default=1, help="passes over the training split per epoch")
    p.add_argument("--log-steps", action="store_true", help="also print one record per minibatch")
    p.add_argument("--crash-after-epoch", type=int, default=0, help="raise after this epoch (test aid)")
    p.add_argument("--hang-after-epoch", type=int, default=0, help="sleep forever after this epoch (test aid)")
    return p.parse_args(argv)


def load_digits_xy():
    """sklearn's bundled digits (1797 8x8 images): read from its data file with numpy,
    which skips importing scikit-learn itself (about 1 s per trial); same data as load_digits()."""
    import importlib.util
    import os
    import numpy as np

    spec = importlib.util.find_spec("sklearn")
    for root in (spec.submodule_search_locations or []) if spec else []:
        path = os.path.join(root, "datasets", "data", "digits.csv.gz")
        if os.path.exists(path):
            data = np.loadtxt(path, delimiter=",")
            return data[:, :-1], data[:, -1].astype(np.int64)
    from sklearn.datasets import load_digits

    d = load_digits()
    return d.data, d.target


def emit(obj):
    # json.dumps writes NaN/Infinity for non-finite floats; the runner reads those as divergence.
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main(argv):
    args = parse_args(argv)
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    data, target = load_digits_xy()
    x = torch.tensor(data, dtype=torch.float32) / 16.0
    y = torch.tensor(target, dtype=torch.long)
    # Fixed split (seed 1234), so every trial validates on the same images.
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(1234))
    n_val = int(round(args.val_fraction * len(x)))
    val_idx, train_idx = perm[:n_val], perm[n_val:]
    train = TensorDataset(x[train_idx], y[train_idx])
    x_val, y_val = x[val_idx], y[val_idx]
    loader = DataLoader(
        train,
        batch_size=args.batch_size,
        shuffle=True,
        num_workers=args.workers,
        generator=torch.Generator().manual_seed(args.seed),
    )

    layers = []
    width_in = x.shape[1]
    for _ in range(args.depth):
        layers += [nn.Linear(width_in, args.width), nn.ReLU()]
        width_in = args.width
    layers.append(nn.Linear(width_in, 10))
    model = nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    loss_fn = nn.CrossEntropyLoss()

    step = 0
    for epoch in range(1, args.epochs + 1):
        model.train()
        total, batches = 0.0, 0
        for _ in range(args.repeat):
            for xb, yb in loader:
                opt.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()
                step += 1
                value = loss.item()
                total += value
                batches += 1
                if args.log_steps:
                    emit({"epoch": epoch, "step": step, "train_loss": value})
        model.eval()
        with torch.no_grad():
            logits = model(x_val)
            val_loss = loss_fn(logits, y_val).item()
            val_acc = (logits.argmax(1) == y_val).float().mean().item()
        train_loss = total / batches
        emit({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss, "val_acc": val_acc, "step": step})
        if not (math.isfinite(train_loss) and math.isfinite(val_loss)):
            return 0  # diverged: the record above says so
        if args.crash_after_epoch and epoch == args.crash_after_epoch:
            raise RuntimeError(f"injected crash after epoch {epoch} (--crash-after-epoch)")
        if args.hang_after_epoch and epoch == args.hang_after_epoch:
            while True:
                time.sleep(3600)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
