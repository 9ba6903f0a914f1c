"""Softmax and the cross-entropy loss, computed so that no logit overflows."""
import numpy as np


def log_softmax(logits):
    """log p_i = z_i - log sum_j exp(z_j), with the max subtracted first (log-sum-exp).

    Subtracting the row's max makes every exponent <= 0, so exp never overflows
    and at least one term is exp(0) = 1, so the log never sees 0.
    """
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax(logits):
    """Probabilities that sum to 1 along each row."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    e /= e.sum(axis=1, keepdims=True)
    return e


def cross_entropy(logits, labels):
    """Mean negative log-likelihood of the true labels, and its gradient.

    For softmax followed by cross-entropy the gradient with respect to the
    logits is simply (p - onehot(label)) / N.
    """
    n = logits.shape[0]
    logp = log_softmax(logits)
    rows = np.arange(n)
    loss = -float(logp[rows, labels].mean())
    grad = np.exp(logp)
    grad[rows, labels] -= 1
    grad /= n
    return loss, grad
