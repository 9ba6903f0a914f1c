"""Optimisers that update a network's Parameters from their gradients, in place.

An optimiser packs every parameter into one contiguous vector (and every
gradient into another) and points each Parameter at its slice, so that an
update is a handful of NumPy calls over all weights at once rather than a
handful per layer. Weights come first in the vector, biases after, so weight
decay, which spares biases, applies to one leading slice.

Weight decay is decoupled (Loshchilov & Hutter, 2019): after the gradient step
each weight shrinks by the factor ``1 - lr * weight_decay``, independently of
the gradient statistics. ``l2`` instead adds ``l2 * w`` to the gradient (classic
L2 regularisation). With plain SGD the two coincide; with Adam they differ.
"""
import math

import numpy as np


class Optimizer:
    def __init__(self, params, lr, weight_decay=0.0, l2=0.0):
        params = sorted(params, key=lambda p: not p.decay)  # stable: weights, then biases
        dtype = params[0].value.dtype
        total = sum(p.value.size for p in params)
        self.value = np.empty(total, dtype)
        self.grad = np.zeros(total, dtype)
        self.scratch = np.empty(total, dtype)
        self.n_decay = sum(p.value.size for p in params if p.decay)
        start = 0
        for p in params:
            end = start + p.value.size
            self.value[start:end] = p.value.ravel()
            p.value = self.value[start:end].reshape(p.value.shape)
            p.grad = self.grad[start:end].reshape(p.value.shape)
            start = end
        self.lr = lr
        self.weight_decay = weight_decay
        self.l2 = l2
        self.steps = 0

    def step(self):
        self.steps += 1
        weights, s = self.value[:self.n_decay], self.scratch[:self.n_decay]
        if self.l2:
            np.multiply(weights, self.l2, out=s)
            self.grad[:self.n_decay] += s
        self.update(self.value, self.grad)
        if self.weight_decay:
            weights *= 1.0 - self.lr * self.weight_decay

    def update(self, w, g):
        raise NotImplementedError

    def state_arrays(self):
        """The optimiser's running statistics by name, to checkpoint."""
        return {}

    def load_state_arrays(self, arrays, steps):
        """Restore what ``state_arrays`` gave; ``arrays`` must hold every name."""
        for name, target in self.state_arrays().items():
            target[...] = arrays[name]
        self.steps = steps


class SGD(Optimizer):
    """w -= lr * v, where the velocity v = momentum * v + g remembers past gradients."""

    def __init__(self, params, lr=0.1, momentum=0.9, weight_decay=0.0, l2=0.0):
        super().__init__(params, lr, weight_decay, l2)
        self.momentum = momentum
        self.velocity = np.zeros_like(self.value)

    def update(self, w, g):
        v = self.velocity
        v *= self.momentum
        v += g
        np.multiply(v, self.lr, out=self.scratch)
        w -= self.scratch

    def state_arrays(self):
        return {"velocity": self.velocity}


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): step along m / sqrt(v), where m and v are running
    means of the gradient and of its square, corrected for starting at zero.

    m and v are stored without their (1 - beta) factors (m <- beta1 m + g), which
    saves two passes over the weights per step; the factors are folded into
    the step size and epsilon, so the update is exactly Adam's.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, l2=0.0):
        super().__init__(params, lr, weight_decay, l2)
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.m = np.zeros_like(self.value)
        self.v = np.zeros_like(self.value)

    def update(self, w, g):
        m, v, s = self.m, self.v, self.scratch
        b1, b2, t = self.beta1, self.beta2, self.steps
        m *= b1
        m += g
        np.square(g, out=s)
        v *= b2
        v += s
        # m_hat = m (1-b1) / (1-b1^t) and sqrt(v_hat) = sqrt(v (1-b2) / (1-b2^t)).
        np.sqrt(v, out=s)
        s *= math.sqrt((1.0 - b2) / (1.0 - b2**t))
        s += self.eps
        np.divide(m, s, out=s)
        s *= self.lr * (1.0 - b1) / (1.0 - b1**t)
        w -= s

    def state_arrays(self):
        return {"m": self.m, "v": self.v}


OPTIMIZERS = {"sgd": SGD, "adam": Adam}


def cosine_lr(base_lr, step, total_steps, warmup_steps=0, min_lr=0.0):
    """Linear warm-up, then half a cosine from base_lr down to min_lr at total_steps."""
    if step < warmup_steps:
        return base_lr * (step + 1) / warmup_steps
    progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
    return min_lr + 0.5 * (base_lr - min_lr) * (1.0 + math.cos(math.pi * progress))


def step_lr(base_lr, epoch, every, gamma=0.1):
    """base_lr multiplied by gamma once every ``every`` epochs."""
    return base_lr * gamma ** (epoch // every)
