"""The pieces a network is built from: a parameter, a dense layer and ReLU.

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
