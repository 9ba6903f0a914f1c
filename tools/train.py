"""Train the digit network on MNIST and save it as a model directory.

Usage:
    python tools/train.py [--sizes 784,256,128,10] [--epochs 20] [--optimizer adam]
                          [--lr 1e-3] [--weight-decay 1e-4] [--seed 0] [--out weights/]
    python tools/train.py --resume            # continue a killed or interrupted run

The last 10,000 training images are held out for validation: the epoch with
the best validation accuracy is the one saved. The test set is touched once,
for the final report. A checkpoint is written atomically after every epoch to
OUT.ckpt/; Ctrl-C stops at once, keeping the last finished epoch there, and
--resume continues from it. The same seed gives the same weights.
"""
import argparse
import json
import shlex
import shutil
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mnist_mlp import MLP, ModelError, save_model  # noqa: E402
from mnist_mlp.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from mnist_mlp.mnist import DEFAULT_DIR, FILES, DataError, fetch_mnist, load_mnist  # noqa: E402
from mnist_mlp.optim import OPTIMIZERS, cosine_lr, step_lr  # noqa: E402
from mnist_mlp.training import accuracy, train_epoch  # noqa: E402

VALIDATION_SIZE = 10_000


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--sizes", default="784,256,128,10", help="layer widths, input first, 10 outputs last")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="adam")
    p.add_argument("--lr", type=float, default=1e-3, help="peak learning rate")
    p.add_argument("--momentum", type=float, default=0.9, help="SGD only")
    p.add_argument("--weight-decay", type=float, default=1e-4, help="decoupled weight decay")
    p.add_argument("--l2", type=float, default=0.0, help="L2 penalty added to the gradient")
    p.add_argument("--schedule", choices=["cosine", "step", "constant"], default="cosine")
    p.add_argument("--warmup-epochs", type=float, default=0.5, help="linear warm-up (cosine schedule)")
    p.add_argument("--step-every", type=int, default=5, help="epochs between x0.1 drops (step schedule)")
    p.add_argument("--init", choices=["he", "xavier"], default="he")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--train-limit", type=int, default=None,
                   help="use only the first N training images (quick experiments and tests)")
    p.add_argument("--data", type=Path, default=DEFAULT_DIR, help="MNIST folder (fetched when missing)")
    p.add_argument("--out", type=Path, default=Path("weights"), help="model directory to write")
    p.add_argument("--checkpoint", type=Path, default=None, help="checkpoint directory (default OUT.ckpt)")
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint")
    p.add_argument("--quiet", action="store_true", help="no progress bar, only a line per epoch")
    args = p.parse_args(argv)
    try:
        args.sizes = [int(s) for s in args.sizes.split(",")]
    except ValueError:
        p.error(f"--sizes must be comma-separated integers, got {args.sizes!r}")
    if len(args.sizes) < 2 or args.sizes[0] != 784 or args.sizes[-1] != 10 or min(args.sizes) < 1:
        p.error("--sizes must start with 784 inputs and end with 10 outputs, e.g. 784,128,64,10")
    for name in ("epochs", "batch_size"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.lr <= 0:
        p.error("--lr must be positive")
    args.checkpoint = args.checkpoint or args.out.with_name(args.out.name + ".ckpt")
    return args


def run_config(args):
    """The settings that define a run: a checkpoint only resumes a run with the same ones."""
    keys = ["sizes", "epochs", "batch_size", "optimizer", "lr", "momentum", "weight_decay", "l2",
            "schedule", "warmup_epochs", "step_every", "init", "seed", "train_limit"]
    return {k: getattr(args, k) for k in keys}


def make_optimizer(args, params):
    if args.optimizer == "sgd":
        return OPTIMIZERS["sgd"](params, lr=args.lr, momentum=args.momentum,
                                 weight_decay=args.weight_decay, l2=args.l2)
    return OPTIMIZERS["adam"](params, lr=args.lr, weight_decay=args.weight_decay, l2=args.l2)


def make_schedule(args, steps_per_epoch):
    """lr as a function of the optimiser's step count."""
    total = args.epochs * steps_per_epoch
    if args.schedule == "cosine":
        warmup = int(args.warmup_epochs * steps_per_epoch)
        return lambda step: cosine_lr(args.lr, step, total, warmup)
    if args.schedule == "step":
        return lambda step: step_lr(args.lr, step // steps_per_epoch, args.step_every)
    return lambda step: args.lr


class ProgressBar:
    """One self-rewriting line per epoch on a terminal: bar, loss, ETA."""

    def __init__(self, enabled, label):
        self.enabled = enabled and sys.stderr.isatty()
        self.label = label
        self.start = self.last = time.perf_counter()

    def __call__(self, i, n, loss):
        now = time.perf_counter()
        if not self.enabled or (now - self.last < 0.1 and i + 1 < n):
            return
        self.last = now
        done = (i + 1) / n
        eta = (now - self.start) / done * (1 - done)
        bar = "#" * int(30 * done) + "-" * (30 - int(30 * done))
        print(f"\r{self.label} [{bar}] {i + 1}/{n} loss {loss:.4f} ETA {eta:4.1f}s", end="", file=sys.stderr)

    def close(self):
        if self.enabled:
            print("\r\033[K", end="", file=sys.stderr)


def load_data(args):
    """Flat float32 inputs in [0, 1]: training, validation (last 10,000) and test."""
    try:
        fetch_mnist(args.data, log=lambda msg: print(msg, file=sys.stderr))
        d = load_mnist(args.data)
    except DataError as e:
        sys.exit(f"error: {e}")
    x = d["x_train"].reshape(len(d["x_train"]), -1).astype(np.float32) / 255
    y = d["y_train"].astype(np.int64)
    x_test = d["x_test"].reshape(len(d["x_test"]), -1).astype(np.float32) / 255
    split = len(x) - VALIDATION_SIZE
    x_train, y_train = x[:split][:args.train_limit], y[:split][:args.train_limit]
    return (x_train, y_train), (x[split:], y[split:]), (x_test, d["y_test"].astype(np.int64))


def main(argv=None):
    args = parse_args(argv)
    config = run_config(args)
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = load_data(args)

    if args.resume:
        if not args.checkpoint.exists():
            sys.exit(f"error: --resume: no checkpoint at {args.checkpoint}")
        try:
            model, optimizer, best, state = load_checkpoint(args.checkpoint, lambda p: make_optimizer(args, p))
        except ModelError as e:
            sys.exit(f"error: cannot resume: {e}")
        if state["config"] != config:
            changed = sorted(k for k in config if state["config"].get(k) != config[k])
            sys.exit(f"error: the checkpoint was made with different settings ({', '.join(changed)}); "
                     "run with the same options, or without --resume to start over")
        print(f"resuming from {args.checkpoint} after epoch {state['epochs_done']}", file=sys.stderr)
    else:
        model = MLP(args.sizes, init=args.init, seed=args.seed)
        optimizer = make_optimizer(args, model.parameters())
        best = {k: v.copy() for k, v in model.arrays().items()}
        state = {"config": config, "epochs_done": 0, "history": [], "best_epoch": 0, "best_val_accuracy": -1.0}

    steps_per_epoch = (len(x_train) + args.batch_size - 1) // args.batch_size
    lr_at = make_schedule(args, steps_per_epoch)
    try:
        for epoch in range(state["epochs_done"] + 1, args.epochs + 1):
            t0 = time.perf_counter()
            bar = ProgressBar(not args.quiet, f"epoch {epoch}/{args.epochs}")
            rng = np.random.default_rng([args.seed, epoch])  # per epoch, so a resumed run matches
            loss = train_epoch(model, optimizer, x_train, y_train, args.batch_size, rng, lr_at, progress=bar)
            bar.close()
            val_acc = accuracy(model, x_val, y_val)
            seconds = time.perf_counter() - t0
            state["history"].append({"epoch": epoch, "train_loss": loss, "val_accuracy": val_acc,
                                     "lr": optimizer.lr, "seconds": round(seconds, 3)})
            if val_acc > state["best_val_accuracy"]:
                state.update(best_epoch=epoch, best_val_accuracy=val_acc)
                best = {k: v.copy() for k, v in model.arrays().items()}
            state["epochs_done"] = epoch
            save_checkpoint(args.checkpoint, model, optimizer, best, state)
            print(f"epoch {epoch:3d}/{args.epochs}  loss {loss:.4f}  val {100 * val_acc:6.2f}%  "
                  f"lr {optimizer.lr:.2e}  {seconds:5.1f}s", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"\ninterrupted: {args.checkpoint} holds epoch {state['epochs_done']}; "
              "continue with the same command plus --resume", file=sys.stderr)
        return 130

    final = MLP.from_arrays(best)
    test_acc = accuracy(final, x_test, y_test)
    info = {
        "training": {
            "command": shlex.join(["python", "tools/train.py", *(sys.argv[1:] if argv is None else argv)]),
            "config": config,
            "data": {name: digest for name, (_, _, digest) in FILES.items()},
            "train_seconds": round(sum(h["seconds"] for h in state["history"]), 1),
            "best_epoch": state["best_epoch"],
        },
        "metrics": {"val_accuracy": state["best_val_accuracy"], "test_accuracy": test_acc,
                    "mnist_test_samples": len(x_test)},
    }
    save_model(final, args.out, info=info, extra_files={"history.json": json.dumps(state["history"], indent=1)})
    shutil.rmtree(args.checkpoint, ignore_errors=True)
    print(f"saved {args.out}: epoch {state['best_epoch']}, validation {100 * state['best_val_accuracy']:.2f}%, "
          f"test {100 * test_acc:.2f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
