"""One epoch of mini-batch training, and accuracy on a data set."""
import numpy as np

from .losses import cross_entropy


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
