"""Training: mini-batch epochs, optimiser and schedule choice, fine-tuning with replay, accuracy.

Everything here works on arrays; the tools and the pad decide where data and models come from.
"""
import sys
import time

import numpy as np

from .checkpoint import load_checkpoint, save_checkpoint
from .losses import cross_entropy
from .model_io import ModelError
from .network import MLP
from .optim import OPTIMIZERS, cosine_lr, step_lr


class TrainingError(RuntimeError):
    """Training cannot start or go on; the message says what to do."""


def make_optimizer(name, params, lr, weight_decay=0.0, l2=0.0, momentum=0.9):
    """An optimiser from OPTIMIZERS by name, over ``params``."""
    if name == "sgd":
        return OPTIMIZERS["sgd"](params, lr=lr, momentum=momentum, weight_decay=weight_decay, l2=l2)
    return OPTIMIZERS[name](params, lr=lr, weight_decay=weight_decay, l2=l2)


def lr_schedule(kind, lr, epochs, steps_per_epoch, warmup_epochs=0.5, step_every=5):
    """The learning rate as a function of the optimiser's step count: ``cosine`` (with a linear
    warm-up), ``step`` (x0.1 every ``step_every`` epochs) or ``constant``."""
    total = epochs * steps_per_epoch
    if kind == "cosine":
        warmup = int(warmup_epochs * steps_per_epoch)
        return lambda step: cosine_lr(lr, step, total, warmup)
    if kind == "step":
        return lambda step: step_lr(lr, step // steps_per_epoch, step_every)
    if kind == "constant":
        return lambda step: lr
    raise ValueError(f"unknown schedule {kind!r}")


def optimizer_for(config, params):
    """The optimiser a run's settings (``optimizer``, ``lr``, ``weight_decay``, ``l2``, ``momentum``) ask for."""
    return make_optimizer(config["optimizer"], params, config["lr"], config["weight_decay"], config["l2"],
                          config["momentum"])


def schedule_for(config, steps_per_epoch):
    return lr_schedule(config["schedule"], config["lr"], config["epochs"], steps_per_epoch,
                       config["warmup_epochs"], config["step_every"])


class ProgressBar:
    """One self-rewriting line per epoch on a terminal: bar, loss, ETA (nothing when not a terminal)."""

    def __init__(self, enabled, label, stream=sys.stderr):
        self.enabled = enabled and stream.isatty()
        self.label = label
        self.stream = stream
        self.start = self.last = time.perf_counter()

    def __call__(self, i, n, loss):
        now = time.perf_counter()
        if not self.enabled or (now - self.last < 0.1 and i + 1 < n):
            return
        self.last = now
        done = (i + 1) / n
        eta = (now - self.start) / done * (1 - done)
        bar = "#" * int(30 * done) + "-" * (30 - int(30 * done))
        print(f"\r{self.label} [{bar}] {i + 1}/{n} loss {loss:.4f} ETA {eta:4.1f}s", end="", file=self.stream)

    def close(self):
        if self.enabled:
            print("\r\033[K", end="", file=self.stream)


def train_network(config, train, val, checkpoint, resume=False, augment=None, quiet=False, label="",
                  log=lambda line: print(line, file=sys.stderr), init=None):
    """Train one network from scratch (or from the weights of the model ``init``), or continue
    it from ``checkpoint`` when ``resume``.

    ``config`` holds the run's settings (sizes, epochs, batch_size, optimizer, lr, momentum,
    weight_decay, l2, schedule, warmup_epochs, step_every, dropout, weight_init, seed); a
    checkpoint only resumes a run with the same ones. After every epoch the validation accuracy
    is measured, the best weights kept and the checkpoint written atomically, so a kill loses at
    most one epoch. Returns ``(best model, state)``, or None when interrupted with Ctrl-C (the
    checkpoint then holds the last finished epoch).
    """
    (x_train, y_train), (x_val, y_val) = train, val
    seed, epochs = config["seed"], config["epochs"]
    if resume and checkpoint.exists():
        try:
            model, optimizer, best, state = load_checkpoint(checkpoint, lambda p: optimizer_for(config, p),
                                                             config["dropout"])
        except ModelError as e:
            raise TrainingError(f"cannot resume: {e}") from None
        if state["config"] != config:
            changed = sorted(k for k in config if state["config"].get(k) != config[k])
            raise TrainingError(f"the checkpoint was made with different settings ({', '.join(changed)}); "
                                "run with the same options, or without --resume to start over")
        log(f"resuming {label}from {checkpoint} after epoch {state['epochs_done']}")
    else:
        model = MLP(config["sizes"], init=config["weight_init"], seed=seed, dropout=config["dropout"]) \
            if init is None else MLP.from_arrays(init.arrays(), dropout=config["dropout"])
        optimizer = optimizer_for(config, model.parameters())
        best = {k: v.copy() for k, v in model.arrays().items()}
        state = {"config": config, "epochs_done": 0, "history": [], "best_epoch": 0, "best_val_accuracy": -1.0}

    lr_at = schedule_for(config, (len(x_train) + config["batch_size"] - 1) // config["batch_size"])
    try:
        for epoch in range(state["epochs_done"] + 1, epochs + 1):
            t0 = time.perf_counter()
            bar = ProgressBar(not quiet, f"{label}epoch {epoch}/{epochs}")
            rng = np.random.default_rng([seed, epoch])  # per epoch, so a resumed run matches
            loss, train_acc = train_epoch(model, optimizer, x_train, y_train, config["batch_size"], rng, lr_at,
                                          augment, bar)
            bar.close()
            val_loss, val_acc = loss_and_accuracy(model, x_val, y_val)
            seconds = time.perf_counter() - t0
            state["history"].append({"epoch": epoch, "train_loss": loss, "train_accuracy": train_acc,
                                     "val_loss": val_loss, "val_accuracy": val_acc,
                                     "lr": optimizer.lr, "seconds": round(seconds, 3)})
            if val_acc > state["best_val_accuracy"]:
                state.update(best_epoch=epoch, best_val_accuracy=val_acc)
                best = {k: v.copy() for k, v in model.arrays().items()}
            state["epochs_done"] = epoch
            try:
                save_checkpoint(checkpoint, model, optimizer, best, state)
            except OSError as e:
                raise TrainingError(f"cannot write the checkpoint {checkpoint}: {e.strerror or e}") from None
            log(f"{label}epoch {epoch:3d}/{epochs}  loss {loss:.4f}  val {100 * val_acc:6.2f}%  "
                f"lr {optimizer.lr:.2e}  {seconds:5.1f}s")
    except KeyboardInterrupt:
        log(f"\ninterrupted: {checkpoint} holds epoch {state['epochs_done']}")
        return None
    return MLP.from_arrays(best), state


def train_epoch(model, optimizer, x, y, batch_size, rng, lr_at=None, augment=None, progress=None):
    """Run one pass over (x, y) in a fresh random order; return the mean training loss
    and the training accuracy on the digits (both measured on the batches as trained, so
    while learning). A label of -1 marks a non-digit, trained towards the uniform distribution.

    ``lr_at(step)`` sets the learning rate before each optimiser step (a schedule);
    ``augment(batch, rng)`` may transform each batch of flat images;
    ``progress(batch_index, n_batches, loss)`` is called after every batch.
    """
    order = rng.permutation(len(x))
    n_batches = (len(x) + batch_size - 1) // batch_size
    total, correct = 0.0, 0
    for i in range(n_batches):
        idx = order[i * batch_size:(i + 1) * batch_size]
        xb, yb = x[idx], y[idx]
        if augment is not None:
            xb = augment(xb, rng)
        if lr_at is not None:
            optimizer.lr = lr_at(optimizer.steps)
        logits = model.forward(xb, rng)
        correct += int((logits.argmax(axis=1) == yb).sum())  # a non-digit (label -1) is never counted right
        loss, dlogits = cross_entropy(logits, yb)
        model.backward(dlogits)
        optimizer.step()
        total += loss
        if progress is not None:
            progress(i, n_batches, loss)
    return total / n_batches, correct / max(1, int((y >= 0).sum()))


def predict_in_batches(model, x, batch_size=2000):
    """Predicted labels for a large set, a slice at a time to bound memory."""
    return np.concatenate([model.logits(x[i:i + batch_size]).argmax(axis=1)
                           for i in range(0, len(x), batch_size)])


def accuracy(model, x, y):
    return float((predict_in_batches(model, x) == y).mean())


def loss_and_accuracy(model, x, y, batch_size=2000):
    """Mean cross-entropy and accuracy over a whole set."""
    total, correct = 0.0, 0
    for i in range(0, len(x), batch_size):
        logits = model.logits(x[i:i + batch_size])
        total += cross_entropy(logits, y[i:i + batch_size])[0] * len(logits)
        correct += int((logits.argmax(axis=1) == y[i:i + batch_size]).sum())
    return total / len(x), correct / len(x)


def split_held_out(labels, fraction, rng):
    """Indices (train, held_out): about ``fraction`` of each label held out, none from a lone sample."""
    train, held = [], []
    for label in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == label))
        k = int(round(fraction * len(idx))) if len(idx) > 1 else 0
        held.extend(idx[:k])
        train.extend(idx[k:])
    return np.array(train, np.int64), np.array(held, np.int64)


def balanced_choice(labels, n, rng):
    """About ``n`` indices drawn without replacement, the same number from every label present
    (fewer where a label has fewer), so a replayed set favours no digit."""
    classes = np.unique(labels)
    per_class = max(1, n // max(1, len(classes)))
    picked = [rng.choice(idx, size=min(per_class, len(idx)), replace=False)
              for idx in (np.flatnonzero(labels == c) for c in classes)]
    return np.concatenate(picked) if picked else np.zeros(0, np.int64)


def fine_tune(model, x_own, y_own, x_replay, y_replay, *, epochs, lr, replay, batch_size=128,
              weight_decay=1e-4, params=None, rng=None, augment=None, progress=None):
    """Continue training ``model`` on (x_own, y_own), mixed in every epoch with ``replay``
    class-balanced examples drawn afresh from (x_replay, y_replay) so that what the model
    already knows is rehearsed rather than forgotten (experience replay).

    Adam with a cosine schedule from ``lr``; ``params`` limits which parameters move (all by
    default). ``progress(fraction_done, loss)`` is called after every batch. Returns the mean
    loss of the last epoch.
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    n_replay = min(replay, len(x_replay))
    steps = (len(x_own) + n_replay + batch_size - 1) // batch_size
    optimizer = make_optimizer("adam", model.parameters() if params is None else params, lr, weight_decay)
    lr_at = lr_schedule("cosine", lr, epochs, steps, warmup_epochs=0.2)
    loss = float("nan")
    for epoch in range(epochs):
        pick = balanced_choice(y_replay, n_replay, rng) if n_replay else np.zeros(0, np.int64)
        x = np.concatenate([x_own, x_replay[pick]])
        y = np.concatenate([y_own, y_replay[pick]])
        report = None if progress is None else \
            (lambda i, n, batch_loss, e=epoch: progress((e + (i + 1) / n) / epochs, batch_loss))
        loss, _ = train_epoch(model, optimizer, x, y, batch_size, rng, lr_at, augment, report)
    return loss


def fine_tune_measured(model, images, labels, x_replay, y_replay, x_test, y_test, *, held_out, rng, epochs, lr,
                       replay, batch_size=128, weight_decay=1e-4, augment=None):
    """Fine-tune ``model`` on a person's own samples, about ``held_out`` of each digit kept out, and
    measure before and after: accuracy on the kept-out samples (None when there are none) and on
    the test set. The own samples are repeated to make up about a third of each epoch beside the
    ``replay`` replayed images. Returns {"before", "after", "trained_on", "held_out", "loss"}."""
    train_idx, held_idx = split_held_out(labels, held_out, rng)
    if not len(train_idx):
        raise TrainingError(f"no sample is left to train on after holding out {held_out}")

    def measure():
        held = accuracy(model, images[held_idx], labels[held_idx]) if len(held_idx) else None
        return {"samples_held_out": held, "mnist_test": accuracy(model, x_test, y_test)}

    before = measure()
    repeat = max(1, replay // (2 * len(train_idx)))
    loss = fine_tune(model, np.tile(images[train_idx], (repeat, 1)), np.tile(labels[train_idx], repeat),
                     x_replay, y_replay, epochs=epochs, lr=lr, replay=replay, batch_size=batch_size,
                     weight_decay=weight_decay, rng=rng, augment=augment)
    return {"before": before, "after": measure(), "trained_on": len(train_idx), "held_out": len(held_idx),
            "loss": loss}
