"""Train the digit network on MNIST (and drawings) and save it as a model directory.

Usage:
    digitpad-train [--sizes 784,256,128,10] [--epochs 20] [--lr 1e-3] [--seed 0] [--out DIR [--overwrite]]
    digitpad-train --out DIR --resume                      # continue a killed or interrupted run
    digitpad-train --augment --pendigits digitpad/drawn/datasets/pendigits-orig.tra.gz   # also pen-drawn digits
    digitpad-train --init weights/ --non-digits 60000 --epochs 4 --lr 1e-4   # learn "not a digit"
    digitpad-train --init weights/ --samples samples/ --out weights-personal/  # fine-tune on your samples
    digitpad-train --init weights/ --trajectory --pendigits FILE --out DIR   # and read the strokes' path
(or python tools/train.py ... from a checkout). The recipe of the shipped model: docs/training.md.

The last 10,000 training images pick the best epoch, which is saved; the test set is read once, at
the end. A checkpoint is written atomically after every epoch to OUT.ckpt/: Ctrl-C stops at once
and --resume continues from the last finished epoch. The same options give the same weights on the
same BLAS kernels with the same number of BLAS threads (OPENBLAS_CORETYPE, OPENBLAS_NUM_THREADS;
docs/training.md); other kernels or another count add in another order, and training carries the
difference into different weights.
Without --out the model goes to a new folder weights-<date>-<time>/ in the checkout (installed: the
user's data folder); an existing model is replaced only with --overwrite, anything else never.

--augment distorts every batch (rotation, scale, shear, shift, elastic, stroke width). --pendigits
adds pen digits of --pendigits-writers (never the validation writers 26-30), each drawn
--pendigits-variants times as the pad draws (--pendigits-hands: with a random slant and width).
--forms N adds N drawings of digits as the world writes them (digitpad.drawn.forms), --non-digits N drawings
that are not digits, trained towards the uniform distribution (digitpad.drawn.nondigits), and --scans S
draws that share of them all as a scanner gives them (digitpad.drawn.scanlike). --samples fine-tunes --init
on the pad's saved samples, with replayed MNIST, measured before and after (digitpad.recipe).
--trajectory trains the network that reads the pad's strokes as the path the pen took (10 epochs,
on the pen digits, --forms and --non-digits; digitpad.drawn.trajectories) and saves --init with it;
of the training options it takes --epochs, --lr, --weight-decay, --seed and the --pendigits ones.
"""
import shlex
import signal
import sys
import time
from pathlib import Path

from digitpad import cli
from digitpad.recipe import (RECIPE_FIELDS, TRAJECTORY_FIELDS, Recipe, RecipeError, add_trajectory, claimed, fine_tune,
                             output_problem, train)
from digitpad.drawn.render import DEFAULT_DATA
from mnist_mlp.mnist import DEFAULT_DIR
from mnist_mlp.model_io import write_problem
from mnist_mlp.optim import OPTIMIZERS
from mnist_mlp.paths import USER


def parse_args(argv):
    d = Recipe()
    p = cli.parser(__doc__)
    p.add_argument("--sizes", default=",".join(map(str, d.sizes)), help="layer widths, 784 first, 10 last")
    p.add_argument("--epochs", type=int, default=None, help="default 20 (8 when fine-tuning)")
    p.add_argument("--batch-size", type=int, default=d.batch_size, help="images a step")
    p.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default=d.optimizer, help="how weights move")
    p.add_argument("--lr", type=float, default=None, help="peak learning rate: default 1e-3 (1e-4 fine-tuning)")
    p.add_argument("--momentum", type=float, default=d.momentum, help="SGD only")
    p.add_argument("--weight-decay", type=float, default=d.weight_decay, help="decoupled weight decay")
    p.add_argument("--l2", type=float, default=d.l2, help="L2 penalty added to the gradient")
    p.add_argument("--schedule", choices=["cosine", "step", "constant"], default=d.schedule,
                   help="the learning rate over the epochs")
    p.add_argument("--warmup-epochs", type=float, default=d.warmup_epochs, help="linear warm-up (cosine)")
    p.add_argument("--step-every", type=int, default=d.step_every, help="epochs between x0.1 drops (step)")
    p.add_argument("--dropout", type=float, default=d.dropout, help="probability of dropping a hidden unit")
    p.add_argument("--weight-init", choices=["he", "xavier"], default=d.weight_init, help="random initialisation")
    p.add_argument("--seed", type=cli.seed, default=d.seed, help="the same seed, the same weights")
    p.add_argument("--members", type=int, default=d.members,
                   help="an ensemble of this many networks (seeds SEED, SEED+1, ...), saved folded into one")
    p.add_argument("--augment", action="store_true", help="random distortions of every training batch")
    p.add_argument("--pendigits", type=Path, default=None, help="UNIPEN file of pen-drawn digits to train on")
    p.add_argument("--pendigits-writers", default=d.pendigits_writers, help="which of its writers")
    p.add_argument("--pendigits-variants", type=int, default=d.pendigits_variants, help="drawings of each")
    p.add_argument("--pendigits-hands", action="store_true", help="a random slant and width for each drawing")
    p.add_argument("--drawn-eval", type=Path, default=Path(DEFAULT_DATA),
                   help="UNIPEN file whose writers 26-30 are measured at the end (a missing path skips it)")
    p.add_argument("--non-digits", type=int, default=d.non_digits, help="drawings that are not digits")
    p.add_argument("--forms", type=int, default=d.forms, help="drawings of regional digit forms (digitpad.drawn.forms)")
    p.add_argument("--scans", type=float, default=d.scans, help="the share drawn as scans of paper")
    p.add_argument("--init", type=Path, default=None, help="start from this model's weights")
    p.add_argument("--samples", type=Path, default=None, help="the pad's samples folder to fine-tune on")
    p.add_argument("--trajectory", action="store_true", help="train the network that reads strokes as a path")
    p.add_argument("--held-out", type=float, default=0.25, help="share of samples kept for before/after")
    p.add_argument("--replay", type=int, default=3000, help="MNIST images replayed per fine-tuning epoch")
    p.add_argument("--overwrite", action="store_true", help="allow --out to replace an existing model")
    p.add_argument("--train-limit", type=int, default=None, help="only the first N training images (tests)")
    p.add_argument("--data", type=Path, default=DEFAULT_DIR, help="MNIST folder (fetched when missing)")
    p.add_argument("--out", type=Path, default=None,
                   help="model directory (default: a new weights-<date>-<time> in the checkout or user data folder)")
    p.add_argument("--checkpoint", type=Path, default=None, help="checkpoint directory (default: OUT.ckpt)")
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint")
    p.add_argument("--quiet", action="store_true", help="no progress bar, only a line per epoch")
    args = p.parse_args(argv)
    try:
        args.sizes = tuple(int(s) for s in args.sizes.split(","))
    except ValueError:
        p.error(f"--sizes must be comma-separated integers, got {args.sizes!r}")
    if args.samples is not None and args.init is None:
        p.error("fine-tuning on --samples needs --init MODEL")
    if args.trajectory and (args.init is None or args.samples is not None):
        p.error("--trajectory adds to a model: give --init MODEL (and no --samples)")
    if args.resume and (args.trajectory or args.samples is not None):
        p.error("--resume continues an interrupted training of the digit network; "
                f"{'--trajectory' if args.trajectory else '--samples'} has nothing to resume")
    tuning = args.samples is not None
    default_epochs = 10 if args.trajectory else 8 if tuning else 20
    args.epochs = default_epochs if args.epochs is None else args.epochs  # 0 is refused, not a default
    args.lr = (1e-4 if tuning else 1e-3) if args.lr is None else args.lr
    args.recipe = Recipe(**{name: getattr(args, name) for name in RECIPE_FIELDS})
    for problem in args.recipe.problems():
        p.error(problem)
    unused = [name for name in RECIPE_FIELDS if name not in TRAJECTORY_FIELDS
              and getattr(args.recipe, name) != getattr(d, name)] if args.trajectory else []
    if unused:
        p.error(f"--trajectory trains a network of its own: {', '.join('--' + n.replace('_', '-') for n in unused)} "
                f"{'does' if len(unused) == 1 else 'do'} not apply to it")
    if not 0 <= args.held_out <= 0.5:
        p.error("--held-out must be between 0 and 0.5 (most samples must be left to learn from)")
    if args.replay < 0:
        p.error("--replay must be 0 or more")
    if args.out is not None and args.out.name in ("", ".."):  # "", ".", "/", "x/..": no folder of its own
        p.error(f"--out {str(args.out)!r} names no folder of its own; give a new folder's name")
    if args.out is None:
        if args.resume:
            p.error("--resume needs the --out of the run it continues")
        args.out = USER / time.strftime("weights-%Y%m%d-%H%M%S")
    args.checkpoint = args.checkpoint or args.out.with_name(args.out.name + ".ckpt")
    problem = output_problem(args.out, args.checkpoint, args.overwrite, args.resume)
    if problem:
        p.error(problem)
    return args


def main(argv=None):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, stop)  # stopped by a service manager or `kill`: as by Ctrl-C, resumable
    program = ["python", "tools/train.py"] if sys.argv[0].endswith(".py") else ["digitpad-train"]
    command = shlex.join([*program, *(sys.argv[1:] if argv is None else argv)])  # recorded in model.json

    def log(line):
        print(line, file=sys.stderr)

    for path in (args.out, args.checkpoint):  # fail now, not after an hour of training
        problem = write_problem(path)
        if problem:
            sys.exit(f"error: {problem}")
    try:
        with claimed(args.out), claimed(args.checkpoint):
            if args.trajectory:
                print("\n".join(add_trajectory(args.recipe, args.out, command, log)))
                return 0
            if args.samples is not None:
                print("\n".join(fine_tune(args.recipe, args.samples, args.out, args.data, command, args.held_out,
                                          args.replay, log)))
                return 0
            summary = train(args.recipe, args.out, args.checkpoint, args.data, command, args.resume, args.quiet,
                            args.drawn_eval, log)
    except RecipeError as e:
        sys.exit(f"error: {e}")
    if summary is None:
        log(f"continue with the same options plus --out {args.out} --resume")
        return 130
    print(summary)
    return 0


def stop(signum, frame):
    """SIGTERM ends a run as Ctrl-C does: the checkpoint kept, and a word on how to resume."""
    raise KeyboardInterrupt


def command():
    """The installed command's entry point."""
    cli.run(main)
