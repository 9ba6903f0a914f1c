"""The multilayer perceptron: a stack of Dense layers with ReLU (and optional dropout) between them."""
import numpy as np

from .layers import Dense, Dropout, ReLU, init_weights
from .losses import softmax

INPUT_SIZE = 784
N_CLASSES = 10
# Below this top probability the answer is "not sure": the network was trained to spread its
# probability over drawings that are not digits, so the pad, predict.py and the server refuse them.
# The largest threshold (in steps of 0.05) at which pad writers 1-5 and 6-10, each read by a model
# trained without them, answer 99% of their digits on average: docs/paper-scans.md.
SURE = 0.5
# A 1 is sure from half of it, when no other digit has half as much as the 1: a single stroke is the
# digit the network is least sure of when it is right (the median top probability of scanned 1s read
# right is 0.51-0.89, of the other digits 0.90-1.00), and few drawings that are not digits are read as
# 1s. Chosen without the sets the README reports: docs/paper-scans.md.
ONE_FACTOR = 0.5
ONE_LEAD = 2


def is_sure(probabilities, threshold=SURE):
    """Whether the top digit is sure: its probability reaches ``threshold``, or it is a 1 with
    ``ONE_FACTOR`` of the threshold and ``ONE_LEAD`` times the next digit's probability (so a near
    tie is never sure); a tie at the top never is, whatever the threshold (no digit is likelier: a
    line of dots, read as every digit a tenth). ``probabilities`` is one vector of ten, or a batch
    of them (one answer per row)."""
    p = np.asarray(probabilities)
    second, top = np.moveaxis(np.sort(p, axis=-1)[..., -2:], -1, 0)
    one = (p.argmax(axis=-1) == 1) & (top >= ONE_FACTOR * threshold) & (top >= ONE_LEAD * second)
    return ((top >= threshold) | one) & (top > second)


class MLP:
    """A network described by its layer sizes, e.g. ``[784, 128, 64, 10]``.

    Every hidden layer is Dense followed by ReLU, and by Dropout when
    ``dropout`` > 0; the last Dense layer gives logits, which ``predict_proba``
    turns into probabilities with softmax. Dropout only acts in ``forward``
    when it is given a random generator (training); the saved weights do not
    depend on it. Nothing here depends on the number of layers.
    """

    def __init__(self, sizes, init="he", seed=0, dtype=np.float32, dropout=0.0):
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes must list at least two positive layer widths, got {sizes}")
        rng = np.random.default_rng(seed)
        self.manifest = {}  # the model.json it was loaded from, if any
        self.companions = {}  # {name: MLP}: networks stored with this one that read other inputs (model_io)
        self.layers = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            W = init_weights(n_in, n_out, init, rng, dtype)
            self.layers.append(Dense(W, np.zeros(n_out, dtype)))
            if i < len(sizes) - 2:
                self.layers.append(ReLU())
                if dropout:
                    self.layers.append(Dropout(dropout))

    @classmethod
    def from_arrays(cls, arrays, dropout=0.0):
        """Build a network from ``{"W1": ..., "b1": ..., "W2": ...}`` (shapes already checked)."""
        n_layers = len(arrays) // 2
        sizes = [arrays["W1"].shape[0]] + [arrays[f"W{i}"].shape[1] for i in range(1, n_layers + 1)]
        model = cls(sizes, dtype=arrays["W1"].dtype, dropout=dropout)
        for i, dense in enumerate(model.dense_layers(), start=1):
            dense.W.value = arrays[f"W{i}"]
            dense.b.value = arrays[f"b{i}"]
        return model

    @property
    def sizes(self):
        dense = self.dense_layers()
        return [dense[0].W.value.shape[0]] + [d.W.value.shape[1] for d in dense]

    def dense_layers(self):
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def arrays(self):
        """The weights by their file names: W1, b1, W2, b2, ..."""
        out = {}
        for i, dense in enumerate(self.dense_layers(), start=1):
            out[f"W{i}"] = dense.W.value
            out[f"b{i}"] = dense.b.value
        return out

    def features(self, x, n_layers, batch_size=4096):
        """The output of the first ``n_layers`` Dense+ReLU layers for a batch (what the layers after
        them see), computed a slice at a time; ``n_layers`` = 0 gives x itself."""
        arrays = self.arrays()
        out = []
        for start in range(0, len(x), batch_size):
            h = x[start:start + batch_size]
            for i in range(1, n_layers + 1):
                h = np.maximum(h @ arrays[f"W{i}"] + arrays[f"b{i}"], 0)
            out.append(h)
        return np.concatenate(out) if out else x[:0]

    def head(self, n_layers):
        """A new network made of copies of the last ``n_layers`` Dense layers."""
        arrays, total = self.arrays(), len(self.dense_layers())
        return MLP.from_arrays({f"{kind}{i + 1}": arrays[f"{kind}{total - n_layers + i + 1}"].copy()
                                for i in range(n_layers) for kind in "Wb"})

    def with_head(self, head):
        """A new network: this one's first layers followed by ``head`` in place of its last ones."""
        arrays, head_arrays = self.arrays(), head.arrays()
        n_head, total = len(head_arrays) // 2, len(self.dense_layers())
        merged = {name: a.copy() for name, a in arrays.items() if int(name[1:]) <= total - n_head}
        merged.update({f"{name[0]}{int(name[1:]) + total - n_head}": a.copy() for name, a in head_arrays.items()})
        model = MLP.from_arrays(merged)
        model.companions = dict(self.companions)  # they read other inputs: a new head leaves them as they were
        return model

    def forward(self, x, rng=None):
        """Logits for a batch x of shape (N, n_inputs), remembering what ``backward`` needs.

        ``rng`` draws the dropout masks while training; without it dropout is off.
        """
        for layer in self.layers:
            x = layer.forward(x, rng) if isinstance(layer, Dropout) else layer.forward(x)
        return x

    def backward(self, dlogits):
        """Backpropagate dLoss/dLogits, leaving each parameter's gradient in ``.grad``."""
        d = dlogits
        for i in range(len(self.layers) - 1, -1, -1):
            d = self.layers[i].backward(d, need_dx=i > 0)

    def logits(self, x):
        """Like ``forward`` but remembers nothing for backward: safe to call from many threads."""
        dense = self.dense_layers()
        for i, layer in enumerate(dense):
            x = x @ layer.W.value + layer.b.value
            if i < len(dense) - 1:
                np.maximum(x, 0, out=x)
        return x

    def predict_proba(self, x):
        """Class probabilities, (N, 10) float32 rows summing to 1.

        x holds pixels in [0, 1] (white digit on black), shaped (N, 784),
        (N, 28, 28) or a single (28, 28) image.
        """
        x = as_batch(x, self.sizes[0])
        return softmax(self.logits(x)).astype(np.float32, copy=False)

    def predict(self, x):
        """The most probable digit for each image."""
        return self.predict_proba(x).argmax(axis=1)


def as_batch(x, n_inputs=INPUT_SIZE):
    """Check a batch of images and flatten it to (N, n_inputs) float32, or raise ValueError."""
    x = np.asarray(x)
    if x.dtype.kind != "f":
        raise ValueError(
            f"expected floating-point pixels in [0, 1], got dtype {x.dtype}"
            + (" (divide uint8 images by 255)" if x.dtype.kind in "ui" else "")
        )
    side = int(round(np.sqrt(n_inputs)))
    if x.ndim == 2 and x.shape == (side, side) and n_inputs != side:
        x = x.reshape(1, n_inputs)
    elif x.ndim == 3 and x.shape[1:] == (side, side):
        x = x.reshape(len(x), n_inputs)
    elif x.ndim == 1 and x.shape[0] == n_inputs:
        x = x.reshape(1, n_inputs)
    if x.ndim != 2 or x.shape[1] != n_inputs:
        raise ValueError(
            f"expected images shaped (N, {n_inputs}), (N, {side}, {side}) or ({side}, {side}), "
            f"got {x.shape}"
        )
    x = x.astype(np.float32, copy=False)
    if x.size and not (np.isfinite(x).all() and x.min() >= 0.0 and x.max() <= 1.0):
        raise ValueError("pixel values must be finite and in [0, 1]")
    return x
