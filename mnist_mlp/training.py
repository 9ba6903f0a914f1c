"""One epoch of mini-batch training, and accuracy on a data set."""
import numpy as np

from .losses import cross_entropy


def train_epoch(model, optimizer, x, y, batch_size, rng, lr_at=None, augment=None, progress=None):
    """Run one pass over (x, y) in a fresh random order; return the mean training loss.

    ``lr_at(step)`` sets the learning rate before each optimiser step (a schedule);
    ``augment(batch, rng)`` may transform each batch of flat images;
    ``progress(batch_index, n_batches, loss)`` is called after every batch.
    """
    order = rng.permutation(len(x))
    n_batches = (len(x) + batch_size - 1) // batch_size
    total = 0.0
    for i in range(n_batches):
        idx = order[i * batch_size:(i + 1) * batch_size]
        xb, yb = x[idx], y[idx]
        if augment is not None:
            xb = augment(xb, rng)
        if lr_at is not None:
            optimizer.lr = lr_at(optimizer.steps)
        loss, dlogits = cross_entropy(model.forward(xb), yb)
        model.backward(dlogits)
        optimizer.step()
        total += loss
        if progress is not None:
            progress(i, n_batches, loss)
    return total / n_batches


def predict_in_batches(model, x, batch_size=2000):
    """Predicted labels for a large set, a slice at a time to bound memory."""
    return np.concatenate([model.forward(x[i:i + batch_size]).argmax(axis=1)
                           for i in range(0, len(x), batch_size)])


def accuracy(model, x, y):
    return float((predict_in_batches(model, x) == y).mean())
