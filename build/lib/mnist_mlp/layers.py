"""The pieces a network is built from: a parameter, a dense layer, ReLU and dropout.

Each layer has ``forward(x)``, which remembers what ``backward`` needs, and
``backward(dy)``, which takes dLoss/dOutput, stores the gradients of its own
parameters and returns dLoss/dInput.
"""
import numpy as np


class Parameter:
    """A trainable array and the gradient the last backward pass left in it.

    ``decay`` says whether weight decay applies: it does to weights, not to
    biases, which only shift a unit and do not make the function sharper.
    """

    def __init__(self, value, decay):
        self.value = value
        self.grad = np.zeros_like(value)
        self.decay = decay


def init_weights(n_in, n_out, scheme, rng, dtype):
    """Random weights whose scale keeps activations' variance steady layer to layer.

    He (2015): std = sqrt(2 / n_in), made for ReLU, which zeroes half its inputs.
    Xavier/Glorot (2010): std = sqrt(2 / (n_in + n_out)), for symmetric activations.
    """
    if scheme == "he":
        std = np.sqrt(2.0 / n_in)
    elif scheme == "xavier":
        std = np.sqrt(2.0 / (n_in + n_out))
    else:
        raise ValueError(f"unknown initialisation {scheme!r}: use 'he' or 'xavier'")
    return (rng.standard_normal((n_in, n_out)) * std).astype(dtype)


class Dense:
    """y = x @ W + b, with W of shape (n_in, n_out): one row of x per sample."""

    def __init__(self, W, b):
        self.W = Parameter(W, decay=True)
        self.b = Parameter(b, decay=False)
        self.x = None

    def forward(self, x):
        self.x = x
        y = x @ self.W.value
        y += self.b.value
        return y

    def backward(self, dy, need_dx=True):
        """dW = x^T dy and db = sum of dy over the batch; dx = dy W^T.

        The first layer passes ``need_dx=False``: nothing needs the gradient of
        the pixels, and skipping it saves a third of that layer's work.
        """
        np.matmul(self.x.T, dy, out=self.W.grad)
        np.sum(dy, axis=0, out=self.b.grad)
        return dy @ self.W.value.T if need_dx else None

    def parameters(self):
        return [self.W, self.b]


class ReLU:
    """y = max(x, 0); the gradient passes where the input was positive."""

    def __init__(self):
        self.y = None

    def forward(self, x):
        self.y = np.maximum(x, 0, out=x)  # x is this pass's own buffer: reuse it
        return self.y

    def backward(self, dy, need_dx=True):
        dy *= self.y > 0
        return dy

    def parameters(self):
        return []


class Dropout:
    """Inverted dropout (Srivastava et al. 2014): while training, each unit is zeroed
    with probability p and the survivors are scaled by 1 / (1 - p), so the expected
    activation is unchanged and inference needs no dropout and no rescaling.

    ``forward(x, rng)`` draws a fresh mask from ``rng``; with ``rng=None`` it is the
    identity, which keeps evaluation and gradient checks deterministic.
    """

    def __init__(self, p):
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability must be in [0, 1), got {p}")
        self.p = p
        self.mask = None

    def forward(self, x, rng=None):
        if rng is None or self.p == 0.0:
            self.mask = None
            return x
        keep = rng.random(x.shape, dtype=np.float32) >= self.p
        self.mask = keep.astype(x.dtype)
        self.mask *= 1.0 / (1.0 - self.p)
        x *= self.mask  # x is this pass's own buffer, as in ReLU
        return x

    def backward(self, dy, need_dx=True):
        if self.mask is not None:
            dy *= self.mask
        return dy

    def parameters(self):
        return []
