"""Training: mini-batch epochs, optimiser and schedule choice, fine-tuning with replay, accuracy.

Everything here works on arrays; the tools and the pad decide where data and models come from.
"""
import numpy as np

from .losses import cross_entropy
from .optim import OPTIMIZERS, cosine_lr, step_lr


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


def train_epoch(model, optimizer, x, y, batch_size, rng, lr_at=None, augment=None, progress=None):
    """Run one pass over (x, y) in a fresh random order; return the mean training loss
    and the training accuracy (both measured on the batches as trained, so while learning).

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
        correct += int((logits.argmax(axis=1) == yb).sum())
        loss, dlogits = cross_entropy(logits, yb)
        model.backward(dlogits)
        optimizer.step()
        total += loss
        if progress is not None:
            progress(i, n_batches, loss)
    return total / n_batches, correct / len(x)


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
