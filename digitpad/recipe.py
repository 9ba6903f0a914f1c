"""A training run as plain data (``Recipe``), and the runs themselves: ``train`` (MNIST and the
drawings the recipe asks for; one network, or an ensemble folded into one) and ``fine_tune`` (a
model on the pad's saved samples) and ``add_trajectory`` (the network that reads strokes as a path,
stored with a model). ``digitpad-train`` (tools/train.py) turns its options into a
Recipe and calls one of them; ``tools/bench.py`` uses the same defaults.
"""
import contextlib
import fcntl
import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from digitpad.drawn.benchmark import validation_digits, validation_metrics
from digitpad.drawn.render import VALIDATION_WRITERS
from digitpad.drawn.training import with_drawings
from digitpad.drawn.trajectories import COPIES, training_paths, train_trajectory
from digitpad.drawn.unipen import UnipenError, parse_writers, read_unipen, unipen_sha256
from mnist_mlp import MLP, ModelError, load_model, save_model
from mnist_mlp.checkpoint import checkpoint_problem
from mnist_mlp.files import FileProblem, read_regular
from mnist_mlp.ensemble import merge
from mnist_mlp.model_io import remove_folder, replace_problem
from mnist_mlp.mnist import FILES, DataError, fetch_mnist, load_mnist, training_split
from mnist_mlp.optim import OPTIMIZERS
from mnist_mlp.training import TrainingError, accuracy, fine_tune_measured, train_network
from digitpad.personal.samples import SampleError, load_samples
from digitpad.preprocessing.augment import Augmentation
from digitpad.preprocessing.trajectory import POINTS, SIZE
from digitpad.reading import TRAJECTORY

MAX_DRAWINGS = 1_000_000  # non-digits or forms: 3 GiB of inputs
HISTORY_MAX = 1 << 20  # bytes of a model's history.json carried over: one line an epoch


class RecipeError(ValueError):
    """A run that cannot go on; the message says why."""


@dataclass
class Recipe:
    """Everything that decides the weights a run makes: the same recipe, the same weights."""
    sizes: tuple = (784, 256, 128, 10)
    epochs: int = 20
    batch_size: int = 128
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.9  # SGD only
    weight_decay: float = 1e-4  # decoupled
    l2: float = 0.0
    schedule: str = "cosine"
    warmup_epochs: float = 0.5
    step_every: int = 5
    dropout: float = 0.0
    weight_init: str = "he"
    seed: int = 0
    members: int = 1
    train_limit: int = None
    augment: bool = False
    pendigits: Path = None
    pendigits_writers: str = "1-25"
    pendigits_variants: int = 4
    pendigits_hands: bool = False
    non_digits: int = 0
    forms: int = 0
    scans: float = 0.0
    init: Path = None

    def problems(self):
        """What is wrong with the recipe, as option-style messages; empty when it can run."""
        found = []
        if len(self.sizes) < 2 or self.sizes[0] != 784 or self.sizes[-1] != 10 or min(self.sizes) < 1:
            found.append("--sizes must start with 784 inputs and end with 10 outputs, e.g. 784,128,64,10")
        for name in ("epochs", "batch_size", "members", "pendigits_variants"):
            if not getattr(self, name) >= 1:
                found.append(f"--{name.replace('_', '-')} must be at least 1")
        if not self.lr > 0:  # also refuses nan
            found.append("--lr must be positive")
        if self.optimizer not in OPTIMIZERS:
            found.append(f"--optimizer must be one of {', '.join(sorted(OPTIMIZERS))}")
        if not 0 <= self.dropout < 1:
            found.append("--dropout must be in [0, 1)")
        for name in ("non_digits", "forms"):
            n, option = getattr(self, name), f"--{name.replace('_', '-')}"
            if n < 0:
                found.append(f"{option} must be 0 or more")
            elif n > MAX_DRAWINGS:
                found.append(f"{option} {n:,} would take {n * 784 * 4 / 2**30:.1f} GiB; at most {MAX_DRAWINGS:,}")
        if not 0 <= self.scans <= 1:
            found.append("--scans is a share: between 0 and 1")
        if self.init is not None and self.members != 1:
            found.append("--members trains networks from scratch; --init continues one model")
        try:
            if parse_writers(self.pendigits_writers) & parse_writers(VALIDATION_WRITERS):
                found.append(f"--pendigits-writers must leave out the validation writers {VALIDATION_WRITERS}")
        except ValueError as e:
            found.append(str(e))
        if self.pendigits is not None and not Path(self.pendigits).is_file():
            found.append(f"--pendigits {self.pendigits}: no such file (the UNIPEN file of pen-drawn digits)")
        return found

    def config(self):
        """The settings a checkpoint records: it only resumes a run with the same ones."""
        config = {k: v for k, v in asdict(self).items() if k not in ("forms", "scans", "init")}
        config["sizes"] = list(self.sizes)
        config.update({k: getattr(self, k) for k in ("forms", "scans") if getattr(self, k)})  # older ones resume
        config["pendigits"] = str(self.pendigits) if self.pendigits else None
        config["init"] = str(self.init) if self.init else None
        return config


RECIPE_FIELDS = [f.name for f in fields(Recipe)]
# What add_trajectory uses of a recipe; the rest describes the digit network's training.
TRAJECTORY_FIELDS = ("epochs", "lr", "weight_decay", "seed", "pendigits", "pendigits_writers", "forms", "non_digits",
                     "init")


def output_problem(out, checkpoint, overwrite=False, resume=False):
    """Why the run may not write ``out`` and its ``checkpoint`` folder, or None. Checked before the
    run starts: never a folder the tool did not make (mnist_mlp.model_io.replace_problem)."""
    problem = replace_problem(out)
    if problem:
        return f"--out: {problem}"
    if out.exists() and any(out.iterdir()) and not (overwrite or resume):
        return f"--out {out} already holds a model; add --overwrite to replace it, or choose another --out"
    problem = checkpoint_problem(checkpoint, out)
    return f"--checkpoint: {problem}" if problem else None


@contextlib.contextmanager
def claimed(out):
    """``out`` held for one run: another started for the same folder meanwhile stops at once
    (RecipeError), where it would have trained beside this one and replaced its checkpoint and then
    its model. The lock is a file beside the folder, removed at the end if this run made it."""
    out.parent.mkdir(parents=True, exist_ok=True)  # where the model goes in any case
    lock = out.with_name(f".{out.name}.lock")
    while True:
        try:
            try:
                fd, made = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600), True
            except FileExistsError:  # another run's, or left by one killed: locked only while one runs
                fd, made = os.open(lock, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW), False
        except OSError as e:
            raise RecipeError(f"cannot open the lock file {lock}: {e.strerror or e}; move it away") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RecipeError(f"another run is writing {out}; wait for it to end, or choose another folder") from None
        try:
            if os.stat(lock, follow_symlinks=False).st_ino == os.fstat(fd).st_ino:
                break  # still the file at that name: a run that ended and removed it cannot have freed it
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        yield
    finally:
        if made:
            os.unlink(lock)
        os.close(fd)


def load_data(data_dir, limit=None, log=print):
    """MNIST as flat float32 inputs in [0, 1]: training, validation (the last 10,000) and test
    (fetched into ``data_dir`` when missing); RecipeError when it cannot be had."""
    try:
        fetch_mnist(data_dir, log=log)
        return training_split(load_mnist(data_dir), limit)
    except DataError as e:
        raise RecipeError(str(e)) from None


def train(recipe, out, checkpoint, data_dir, command, resume=False, quiet=False, drawn_eval=None, log=print):
    """Run ``recipe`` and save the best epoch's model (its record in model.json, the epochs in
    history.json) to ``out``; the checkpoint in ``checkpoint`` after every epoch, removed at the
    end. Returns a one-line summary, or None when interrupted (the checkpoint then resumes it)."""
    if resume and not checkpoint.exists():
        raise RecipeError(f"--resume: no checkpoint at {checkpoint}")
    try:
        init = load_model(recipe.init) if recipe.init else None
    except ModelError as e:
        raise RecipeError(str(e)) from None
    if init is not None:
        recipe.sizes = tuple(init.sizes)  # the starting model decides the network
    config = recipe.config()
    data_sums = {name: digest for name, (_, _, digest) in FILES.items()}
    try:  # the files read at the end too, so that one it cannot read stops it before any work
        if recipe.pendigits:
            data_sums["pendigits"] = unipen_sha256(recipe.pendigits)
        validation = validation_digits(drawn_eval) if drawn_eval is not None else None
    except UnipenError as e:
        raise RecipeError(str(e)) from None
    (x_mnist, y_mnist), val, (x_test, y_test) = load_data(data_dir, recipe.train_limit, log)
    # An ensemble is trained one member at a time, each an ordinary run with its own seed (member 1
    # is the single network of the same recipe) and its own checkpoint, so a resume finds its place.
    members, states = [], []
    for i in range(recipe.members):
        seed = recipe.seed + i
        try:
            x_train, y_train = with_drawings(x_mnist, y_mnist, seed, recipe.pendigits, recipe.pendigits_writers,
                                             recipe.pendigits_variants, recipe.pendigits_hands, recipe.non_digits,
                                             recipe.forms, recipe.scans, log=log)
            ensemble = recipe.members > 1
            place, label = (checkpoint / f"member-{i + 1}", f"member {i + 1}/{recipe.members} ") if ensemble \
                else (checkpoint, "")
            result = train_network({**config, "seed": seed}, (x_train, y_train), val, place, resume,
                                   Augmentation() if recipe.augment else None, quiet, label, log=log, init=init)
        except (UnipenError, TrainingError) as e:
            raise RecipeError(str(e)) from None
        if result is None:
            return None
        members.append(result[0])
        states.append(result[1])
        del x_train, y_train
    final = merge(members) if len(members) > 1 else members[0]
    if init is not None:  # networks stored with it that read other inputs (the pen's path) go on with it
        final.companions = dict(init.companions)
    test_acc, val_acc = accuracy(final, x_test, y_test), accuracy(final, *val)
    drawn = validation_metrics(final, validation)
    history = [{**h, "member": i + 1} if len(members) > 1 else h for i, s in enumerate(states) for h in s["history"]]
    training = {"command": command, "config": config, "data": data_sums,
                "train_seconds": round(sum(h["seconds"] for h in history), 1)}
    if init is not None:  # how the starting model was made, so the chain of commands stays on record
        made = init.manifest.get("training", {}) if isinstance(init.manifest, dict) else {}
        training["init"] = {"model": str(recipe.init), "training": made}
    if len(members) > 1:
        training["best_epoch"] = [s["best_epoch"] for s in states]
        training["members"] = [{"seed": recipe.seed + i, "sizes": m.sizes, "best_epoch": s["best_epoch"],
                                "val_accuracy": s["best_val_accuracy"], "test_accuracy": accuracy(m, x_test, y_test)}
                               for i, (m, s) in enumerate(zip(members, states))]
    else:
        training["best_epoch"] = states[0]["best_epoch"]
    info = {"training": training, "metrics": {"val_accuracy": val_acc, "test_accuracy": test_acc,
                                              "mnist_test_samples": len(x_test), "drawn": drawn}}
    try:
        save_model(final, out, info=info, extra_files={"history.json": json.dumps(history, indent=1)})
    except OSError as e:
        raise RecipeError(f"cannot write {out}: {e.strerror or e}; the checkpoint {checkpoint} still holds the "
                          "run (--resume after fixing it)") from None
    if checkpoint.exists() and checkpoint_problem(checkpoint, out) is None:  # still the one this run wrote
        try:
            remove_folder(checkpoint)
        except OSError as e:
            log(f"warning: the model is saved, but its checkpoint {checkpoint} could not be removed: {e.strerror or e}")
    what = f"{len(members)} members folded into one network {final.sizes}" if len(members) > 1 else \
        f"epoch {states[0]['best_epoch']}"
    return (f"saved {out}: {what}, validation {100 * val_acc:.2f}%, test {100 * test_acc:.2f}%"
            + (f", drawn (writers {VALIDATION_WRITERS}) worst {100 * drawn['worst_accuracy']:.2f}% "
               f"({drawn['worst']}), mean {100 * drawn['mean_accuracy']:.2f}%" if drawn else ""))


def fine_tune(recipe, samples, out, data_dir, command, held_out=0.25, replay=3000, log=print):
    """Fine-tune the model ``recipe.init`` on the pad's samples in the folder ``samples`` (a share
    ``held_out`` kept out and measured before and after, with the MNIST test set), replaying
    ``replay`` MNIST images an epoch; saved to ``out``. Returns the lines of the before/after table."""
    try:
        init = load_model(recipe.init)
        model = MLP.from_arrays(init.arrays(), dropout=recipe.dropout)
        model.companions = dict(init.companions)
        images, labels, problems = load_samples(samples)
    except (ModelError, SampleError) as e:
        raise RecipeError(str(e)) from None
    for problem in problems:
        log(f"warning: {problem}")
    if len(images) < 2:
        raise RecipeError(f"{samples} holds {len(images)} usable samples; save some with the pad first")
    (x_mnist, y_mnist), _, (x_test, y_test) = load_data(data_dir, recipe.train_limit, log)
    try:
        result = fine_tune_measured(model, images, labels, x_mnist, y_mnist, x_test, y_test, held_out=held_out,
                                    rng=np.random.default_rng(recipe.seed), epochs=recipe.epochs, lr=recipe.lr,
                                    replay=replay, batch_size=recipe.batch_size, weight_decay=recipe.weight_decay,
                                    augment=Augmentation() if recipe.augment else None)
    except TrainingError as e:
        raise RecipeError(f"{samples}: {e}") from None
    log(f"{recipe.epochs} epochs, last loss {result['loss']:.4f}")
    before, after = result["before"], result["after"]
    info = {"training": {"command": command, "config": recipe.config(), "init": str(recipe.init),
                         "samples": {"folder": str(samples), "used": len(images), "trained_on": result["trained_on"],
                                     "held_out": result["held_out"], "skipped": len(problems)}},
            "metrics": {"test_accuracy": after["mnist_test"], "mnist_test_samples": len(x_test),
                        "fine_tuning": {"before": before, "after": after}}}
    try:
        save_model(model, out, info=info)
    except OSError as e:
        raise RecipeError(f"cannot write {out}: {e.strerror or e}") from None

    def pct(v):
        return "   n/a" if v is None else f"{100 * v:5.2f}%"

    return [f"fine-tuned on {result['trained_on']} samples ({result['held_out']} held out, {len(problems)} skipped)",
            f"{'':22} {'before':>8} {'after':>8}",
            f"{'held-out samples':22} {pct(before['samples_held_out']):>8} {pct(after['samples_held_out']):>8}",
            f"{'MNIST test':22} {pct(before['mnist_test']):>8} {pct(after['mnist_test']):>8}",
            f"saved {out}"]


def add_trajectory(recipe, out, command, log=print):
    """Train the trajectory network (digitpad.drawn.trajectories) on the pen digits of the recipe's
    writers, its forms and non-digits, and save the model ``recipe.init`` with it as its companion
    (digitpad.reading.TRAJECTORY) to ``out``, the digit network and its record as they were. Writers
    26-30 of the file, where it has them, are read before and after, as the pad reads them. Returns
    the lines of that table."""
    if recipe.pendigits is None:
        raise RecipeError("--trajectory learns from pen strokes: give --pendigits FILE")
    try:
        init = load_model(recipe.init)
        digits = read_unipen(recipe.pendigits, parse_writers(recipe.pendigits_writers))
        validation = validation_digits(recipe.pendigits)
        validation = validation if validation and validation[0] else None  # a file without writers 26-30
    except (ModelError, UnipenError) as e:
        raise RecipeError(str(e)) from None
    if not digits:
        raise RecipeError(f"{recipe.pendigits} holds no digits of writers {recipe.pendigits_writers}")
    rng = np.random.default_rng(recipe.seed)
    log(f"drawing {len(digits):,} pen digits x {COPIES}, {recipe.forms:,} forms and {recipe.non_digits:,} "
        "non-digits as paths")
    x, y = training_paths(digits, rng, forms=recipe.forms, non_digits=recipe.non_digits)
    network = train_trajectory(x, y, recipe.epochs, recipe.lr, recipe.weight_decay, recipe.seed,
                               log=lambda epoch, loss: log(f"epoch {epoch:3d}/{recipe.epochs}  loss {loss:.4f}"))
    model = MLP.from_arrays(init.arrays())
    before = validation_metrics(model, validation)  # the picture alone, whatever companion init had
    model.companions = {**init.companions, TRAJECTORY: network}
    after = validation_metrics(model, validation)
    network.manifest = {
        "input": {"shape": [SIZE], "dtype": "float32", "range": [0.0, 1.0],
                  "meaning": "digitpad.preprocessing.trajectory: the strokes as a path, sampled at "
                             f"{POINTS} points: x, y, the direction's x and y, pen down"},
        "training": {"command": command, "samples": len(x),
                     "config": {**{k: getattr(recipe, k) for k in TRAJECTORY_FIELDS},
                                "pendigits": str(recipe.pendigits), "init": str(recipe.init),
                                "sizes": network.sizes, "copies": COPIES},
                     "data": {"pendigits": unipen_sha256(recipe.pendigits)}},
        "metrics": {"drawn": after}}
    kept = {k: v for k, v in init.manifest.items() if k in ("training", "metrics", "personal")}
    try:  # the digit network's epochs, as train() wrote them beside it
        history = {"history.json": read_regular(Path(recipe.init) / "history.json", HISTORY_MAX).decode()}
    except (FileProblem, UnicodeDecodeError):
        history = {}
    try:
        save_model(model, out, info=kept, extra_files=history)
    except OSError as e:
        raise RecipeError(f"cannot write {out}: {e.strerror or e}") from None
    if before is None:
        return [f"saved {out} (the file has no writers {VALIDATION_WRITERS} to measure on)"]
    worse = after["worst_accuracy"] < before["worst_accuracy"]
    return [f"writers {VALIDATION_WRITERS}, the worst of {len(after['conditions'])} conditions, read once "
            f"(model.json's record; the pad's three views read more): the picture alone "
            f"{100 * before['worst_accuracy']:.2f}% -> {100 * after['worst_accuracy']:.2f}% with the path",
            *(["warning: the path reads them worse than the picture alone; more writers or epochs may help"]
              if worse else []),
            f"saved {out}"]
