"""Train the digit network on MNIST and save it as a model directory.

Usage:
    python tools/train.py [--sizes 784,256,128,10] [--epochs 20] [--optimizer adam]
                          [--lr 1e-3] [--weight-decay 1e-4] [--seed 0] [--out DIR [--overwrite]]
    python tools/train.py --out DIR --resume  # continue a killed or interrupted run
    python tools/train.py --augment --pendigits ../shared/data/pendigits/pendigits-orig.tra
    python tools/train.py --init weights/ --samples samples/ --out weights-personal/   # fine-tune
    python tools/train.py --init weights/ --non-digits 60000 --epochs 4 --lr 1e-4 ...  # learn "not a digit"

The last 10,000 training images are held out for validation: the epoch with
the best validation accuracy is the one saved. The test set is touched once,
for the final report. A checkpoint is written atomically after every epoch to
OUT.ckpt/; Ctrl-C stops at once, keeping the last finished epoch there, and
--resume continues from it. The same seed gives the same weights. Without --out the
model goes to a new folder weights-<date>-<time>/, named at the end; an existing model
is replaced only with --overwrite, and a folder holding anything else never is.

--augment distorts every training batch at random (rotation, scale, shear,
shift, elastic distortion, stroke thickness). --pendigits adds pen-drawn digits
from the given writers (never the validation writers 26-30), each rendered
--pendigits-variants times through the pad's brush and preprocessing at a random
pad size, digit size, place and brush width (and, with --pendigits-hands, a random
slant and width of the writing). When the pen-digit file is there,
accuracy on the validation writers is measured at the end and recorded.

--forms N adds N drawings of the catalogue of digits as the world writes them (drawn.forms: the
continental 1, crossed 7s, closed 4s, ...). --scans S draws that share of the pen digits, forms and
non-digits as a scanner gives them (drawn.scanlike: small bitmaps, thick strokes filling their box,
binarized, upscaled), read the way a user's file is read.

--non-digits N adds N drawings that are not digits (drawn.nondigits: letters, other alphabets and
scripts, signs, scribbles, hatching, dots and dashes, polygons, two marks; never the held-out
families), whose target is the uniform distribution, so the network spreads its probability over
them instead of naming a digit (outlier exposure). --init MODEL without --samples starts from
MODEL's weights instead of random ones, with all the training data.

Fine-tuning (--init MODEL --samples DIR) continues training MODEL on the pad's
saved samples, mixed with replayed MNIST so that nothing is forgotten. A part of
the samples (--held-out) is kept out of training, and accuracy on it and on the
MNIST test set is printed before and after (mnist_mlp.training.fine_tune: Adam, cosine
schedule, class-balanced replay). The result goes to --out; writing over the --init
model needs --overwrite. The pad's own "teach it your hand" (key t) is personal.adapt.
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

from drawn.benchmark import validation_metrics  # noqa: E402
from drawn.render import DEFAULT_DATA, VALIDATION_WRITERS  # noqa: E402
from drawn.training import with_drawings  # noqa: E402
from drawn.unipen import UnipenError, parse_writers  # noqa: E402
from mnist_mlp import MLP, ModelError, load_model, save_model  # noqa: E402
from mnist_mlp.ensemble import merge  # noqa: E402
from mnist_mlp.checkpoint import checkpoint_problem  # noqa: E402
from mnist_mlp.model_io import replace_problem, write_problem  # noqa: E402
from mnist_mlp.mnist import DEFAULT_DIR, FILES, DataError, fetch_mnist, load_mnist, sha256, training_split  # noqa: E402
from mnist_mlp.optim import OPTIMIZERS  # noqa: E402
from mnist_mlp.training import TrainingError, accuracy, fine_tune_measured, train_network  # noqa: E402
from pad.samples import SampleError, load_samples  # noqa: E402
from preprocessing.augment import Augmentation  # noqa: E402

MAX_NON_DIGITS = 1_000_000  # 3 GiB of inputs


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--sizes", default="784,256,128,10", help="layer widths, input first, 10 outputs last")
    p.add_argument("--epochs", type=int, default=None, help="default 20 (8 when fine-tuning)")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="adam")
    p.add_argument("--lr", type=float, default=None, help="peak learning rate: default 1e-3 (1e-4 fine-tuning)")
    p.add_argument("--momentum", type=float, default=0.9, help="SGD only")
    p.add_argument("--weight-decay", type=float, default=1e-4, help="decoupled weight decay")
    p.add_argument("--l2", type=float, default=0.0, help="L2 penalty added to the gradient")
    p.add_argument("--schedule", choices=["cosine", "step", "constant"], default="cosine")
    p.add_argument("--warmup-epochs", type=float, default=0.5, help="linear warm-up (cosine schedule)")
    p.add_argument("--step-every", type=int, default=5, help="epochs between x0.1 drops (step schedule)")
    p.add_argument("--dropout", type=float, default=0.0, help="probability of dropping each hidden unit")
    p.add_argument("--weight-init", choices=["he", "xavier"], default="he", help="random initialisation")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--members", type=int, default=1,
                   help="train an ensemble of this many networks (seeds SEED, SEED+1, ...), one after another, "
                        "and save it folded into one equivalent network")
    p.add_argument("--augment", action="store_true", help="random distortions of every training batch")
    p.add_argument("--pendigits", type=Path, default=None, help="UNIPEN file of pen-drawn digits to train on")
    p.add_argument("--pendigits-writers", default="1-25", help="which writers of --pendigits to train on")
    p.add_argument("--pendigits-variants", type=int, default=4, help="renderings of each pen-drawn digit")
    p.add_argument("--pendigits-hands", action="store_true",
                   help="give each rendering a random slant and width too, as different people write")
    p.add_argument("--drawn-eval", type=Path, default=Path(DEFAULT_DATA),
                   help="UNIPEN file whose validation writers (26-30) are measured at the end, if present "
                        "(a path that does not exist, e.g. none, skips it)")
    p.add_argument("--non-digits", type=int, default=0, help="drawings that are not digits to train on")
    p.add_argument("--forms", type=int, default=0,
                   help="drawings of the catalogue of regional digit forms (drawn.forms) to train on")
    p.add_argument("--scans", type=float, default=0.0,
                   help="the share of pen digits, forms and non-digits drawn as scans of paper (drawn.scanlike)")
    p.add_argument("--init", type=Path, default=None, help="start from this model's weights instead of random ones")
    p.add_argument("--samples", type=Path, default=None, help="the pad's samples folder to fine-tune on")
    p.add_argument("--held-out", type=float, default=0.25, help="fraction of samples kept for before/after")
    p.add_argument("--replay", type=int, default=3000, help="MNIST images replayed per fine-tuning epoch")
    p.add_argument("--overwrite", action="store_true", help="allow --out to replace an existing model")
    p.add_argument("--train-limit", type=int, default=None,
                   help="use only the first N training images (quick experiments and tests)")
    p.add_argument("--data", type=Path, default=DEFAULT_DIR, help="MNIST folder (fetched when missing)")
    p.add_argument("--out", type=Path, default=None, help="model directory to write (default: a new "
                   "weights-<date>-<time>/)")
    p.add_argument("--checkpoint", type=Path, default=None, help="checkpoint directory (default OUT.ckpt)")
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint")
    p.add_argument("--quiet", action="store_true", help="no progress bar, only a line per epoch")
    p.add_argument("--report", action="store_true", help="write reports/<out name>/ (tools/report.py) at the end")
    args = p.parse_args(argv)
    try:
        args.sizes = [int(s) for s in args.sizes.split(",")]
    except ValueError:
        p.error(f"--sizes must be comma-separated integers, got {args.sizes!r}")
    if len(args.sizes) < 2 or args.sizes[0] != 784 or args.sizes[-1] != 10 or min(args.sizes) < 1:
        p.error("--sizes must start with 784 inputs and end with 10 outputs, e.g. 784,128,64,10")
    if args.samples is not None and args.init is None:
        p.error("fine-tuning on --samples needs --init MODEL")
    tuning = args.samples is not None
    args.epochs = (8 if tuning else 20) if args.epochs is None else args.epochs  # 0 is refused below, not a default
    args.lr = (1e-4 if tuning else 1e-3) if args.lr is None else args.lr
    for name in ("epochs", "batch_size", "members"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.lr <= 0:
        p.error("--lr must be positive")
    if not 0 <= args.dropout < 1:
        p.error("--dropout must be in [0, 1)")
    if not 0 <= args.held_out <= 0.5:
        p.error("--held-out must be between 0 and 0.5 (most samples must be left to learn from)")
    if args.replay < 0 or args.non_digits < 0:
        p.error(f"--{'replay' if args.replay < 0 else 'non-digits'} must be 0 or more")
    if args.forms < 0 or args.forms > MAX_NON_DIGITS:
        p.error(f"--forms must be between 0 and {MAX_NON_DIGITS:,}")
    if not 0 <= args.scans <= 1:
        p.error("--scans is a share: between 0 and 1")
    if args.non_digits > MAX_NON_DIGITS:
        p.error(f"--non-digits {args.non_digits:,} would take {args.non_digits * 784 * 4 / 2**30:.1f} GiB; "
                f"at most {MAX_NON_DIGITS:,}")
    if args.init is not None and args.members != 1:
        p.error("--members trains networks from scratch; --init continues one model")
    if args.out is None:
        if args.resume:
            p.error("--resume needs the --out of the run it continues")
        args.out = Path(time.strftime("weights-%Y%m%d-%H%M%S"))
    problem = replace_problem(args.out)
    if problem:
        p.error(f"--out: {problem}")
    if args.out.exists() and any(args.out.iterdir()) and not (args.overwrite or args.resume):
        p.error(f"--out {args.out} already holds a model; add --overwrite to replace it, or choose another --out")
    args.checkpoint = args.checkpoint or args.out.with_name(args.out.name + ".ckpt")
    problem = checkpoint_problem(args.checkpoint, args.out)
    if problem:
        p.error(f"--checkpoint: {problem}")
    try:
        writers = parse_writers(args.pendigits_writers)
    except ValueError as e:
        p.error(str(e))
    if writers & parse_writers(VALIDATION_WRITERS):
        p.error(f"--pendigits-writers must leave out the validation writers {VALIDATION_WRITERS}")
    if args.pendigits is not None and not args.pendigits.is_file():
        p.error(f"--pendigits {args.pendigits}: no such file (the UNIPEN file pendigits-orig.tra)")
    if args.pendigits_variants < 1:
        p.error("--pendigits-variants must be at least 1")
    return args


def run_config(args):
    """The settings that define a run: a checkpoint only resumes a run with the same ones."""
    keys = ["sizes", "epochs", "batch_size", "optimizer", "lr", "momentum", "weight_decay", "l2",
            "schedule", "warmup_epochs", "step_every", "dropout", "weight_init", "seed", "members", "train_limit",
            "augment", "pendigits", "pendigits_writers", "pendigits_variants", "pendigits_hands", "non_digits"]
    keys += [k for k in ("forms", "scans") if getattr(args, k)]  # recorded when used: older checkpoints still resume
    config = {k: getattr(args, k) for k in keys}
    config["pendigits"] = str(args.pendigits) if args.pendigits else None
    config["init"] = str(args.init) if args.init else None
    return config


def load_data(args):
    """Flat float32 inputs in [0, 1]: training, validation (the last 10,000) and test."""
    try:
        fetch_mnist(args.data, log=lambda msg: print(msg, file=sys.stderr))
        return training_split(load_mnist(args.data), args.train_limit)
    except DataError as e:
        sys.exit(f"error: {e}")


def load_init(args):
    """The model --init names, its layer sizes put into args (they decide the network)."""
    try:
        model = load_model(args.init)
    except ModelError as e:
        sys.exit(f"error: {e}")
    args.sizes = model.sizes
    return model


def fine_tune_samples(args, command):
    try:
        model = MLP.from_arrays(load_model(args.init).arrays(), dropout=args.dropout)
        images, labels, problems = load_samples(args.samples)
    except (ModelError, SampleError) as e:
        sys.exit(f"error: {e}")
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    if len(images) < 2:
        sys.exit(f"error: {args.samples} holds {len(images)} usable samples; save some with the pad first")
    (x_mnist, y_mnist), _, (x_test, y_test) = load_data(args)
    try:
        result = fine_tune_measured(model, images, labels, x_mnist, y_mnist, x_test, y_test, held_out=args.held_out,
                                    rng=np.random.default_rng(args.seed), epochs=args.epochs, lr=args.lr,
                                    replay=args.replay, batch_size=args.batch_size, weight_decay=args.weight_decay,
                                    augment=Augmentation() if args.augment else None)
    except TrainingError as e:
        sys.exit(f"error: {args.samples}: {e}")
    print(f"{args.epochs} epochs, last loss {result['loss']:.4f}", file=sys.stderr)
    before, after = result["before"], result["after"]
    info = {"training": {"command": command, "config": run_config(args), "init": str(args.init),
                         "samples": {"folder": str(args.samples), "used": len(images),
                                     "trained_on": result["trained_on"], "held_out": result["held_out"],
                                     "skipped": len(problems)}},
            "metrics": {"test_accuracy": after["mnist_test"], "mnist_test_samples": len(x_test),
                        "fine_tuning": {"before": before, "after": after}}}
    try:
        save_model(model, args.out, info=info)
    except OSError as e:
        sys.exit(f"error: cannot write {args.out}: {e.strerror or e}")

    def pct(v):
        return "   n/a" if v is None else f"{100 * v:5.2f}%"

    print(f"fine-tuned on {result['trained_on']} samples ({result['held_out']} held out, {len(problems)} skipped)")
    print(f"{'':22} {'before':>8} {'after':>8}")
    print(f"{'held-out samples':22} {pct(before['samples_held_out']):>8} {pct(after['samples_held_out']):>8}")
    print(f"{'MNIST test':22} {pct(before['mnist_test']):>8} {pct(after['mnist_test']):>8}")
    print(f"saved {args.out}")
    return 0


def main(argv=None):
    args = parse_args(argv)
    command = shlex.join(["python", "tools/train.py", *(sys.argv[1:] if argv is None else argv)])
    for path in (args.out, args.checkpoint):  # fail now, not after an hour of training
        problem = write_problem(path)
        if problem:
            sys.exit(f"error: {problem}")
    if args.samples is not None:
        return fine_tune_samples(args, command)
    if args.resume and not args.checkpoint.exists():
        sys.exit(f"error: --resume: no checkpoint at {args.checkpoint}")
    init = load_init(args) if args.init else None
    config = run_config(args)
    (x_mnist, y_mnist), val, (x_test, y_test) = load_data(args)
    data_sums = {name: digest for name, (_, _, digest) in FILES.items()}
    if args.pendigits:
        data_sums["pendigits"] = sha256(args.pendigits.read_bytes())

    # An ensemble is trained one member at a time, each an ordinary run with its own seed
    # (so member 1 is exactly the single network of the same command without --members),
    # and each with its own checkpoint, so --resume continues whichever was unfinished.
    ensemble = args.members > 1
    members, states = [], []
    for i in range(args.members):
        seed = args.seed + i
        try:
            x_train, y_train = with_drawings(x_mnist, y_mnist, seed, args.pendigits, args.pendigits_writers,
                                             args.pendigits_variants, args.pendigits_hands, args.non_digits,
                                             args.forms, args.scans, log=lambda msg: print(msg, file=sys.stderr))
        except UnipenError as e:
            sys.exit(f"error: {e}")
        checkpoint, label = (args.checkpoint / f"member-{i + 1}", f"member {i + 1}/{args.members} ") if ensemble \
            else (args.checkpoint, "")
        try:
            result = train_network({**config, "seed": seed}, (x_train, y_train), val, checkpoint, args.resume,
                                   Augmentation() if args.augment else None, args.quiet, label, init=init)
        except TrainingError as e:
            sys.exit(f"error: {e}")
        if result is None:
            print(f"continue with the same options plus --out {args.out} --resume", file=sys.stderr)
            return 130
        members.append(result[0])
        states.append(result[1])
        del x_train, y_train

    final = merge(members) if ensemble else members[0]
    test_acc = accuracy(final, x_test, y_test)
    val_acc = accuracy(final, *val)
    drawn = validation_metrics(final, args.drawn_eval)
    history = [{**h, "member": i + 1} if ensemble else h for i, s in enumerate(states) for h in s["history"]]
    training = {"command": command, "config": config, "data": data_sums,
                "train_seconds": round(sum(h["seconds"] for h in history), 1)}
    if init is not None:  # how the starting model was made, so the chain of commands stays on record
        made = init.manifest.get("training", {}) if isinstance(init.manifest, dict) else {}
        training["init"] = {"model": str(args.init), "training": made}
    if ensemble:
        training["best_epoch"] = [s["best_epoch"] for s in states]
        training["members"] = [{"seed": args.seed + i, "sizes": m.sizes, "best_epoch": s["best_epoch"],
                                "val_accuracy": s["best_val_accuracy"], "test_accuracy": accuracy(m, x_test, y_test)}
                               for i, (m, s) in enumerate(zip(members, states))]
    else:
        training["best_epoch"] = states[0]["best_epoch"]
    info = {"training": training,
            "metrics": {"val_accuracy": val_acc, "test_accuracy": test_acc,
                        "mnist_test_samples": len(x_test), "drawn": drawn}}
    try:
        save_model(final, args.out, info=info, extra_files={"history.json": json.dumps(history, indent=1)})
    except OSError as e:
        sys.exit(f"error: cannot write {args.out}: {e.strerror or e}; the checkpoint {args.checkpoint} "
                 "still holds the run (--resume after fixing it)")
    if checkpoint_problem(args.checkpoint, args.out) is None:  # still the one this run wrote
        shutil.rmtree(args.checkpoint, ignore_errors=True)
    if args.report:
        import report  # tools/report.py, beside this script

        page = report.write_report(args.out, Path("reports") / args.out.resolve().name, args.data,
                                   args.drawn_eval if args.drawn_eval.exists() else None)
        print(f"report: {page}", file=sys.stderr)
    what = f"{len(members)} members folded into one network {final.sizes}" if ensemble else \
        f"epoch {states[0]['best_epoch']}"
    print(f"saved {args.out}: {what}, validation {100 * val_acc:.2f}%, test {100 * test_acc:.2f}%"
          + (f", drawn (writers {VALIDATION_WRITERS}) worst {100 * drawn['worst_accuracy']:.2f}% "
             f"({drawn['worst']}), mean {100 * drawn['mean_accuracy']:.2f}%" if drawn else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
