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
    logits is simply (p - target) / N, the target being onehot(label). A label
    of -1 (not any class: a drawing that is not a digit) has the uniform
    distribution as its target, so the network learns to spread its
    probability there instead of betting on a class (outlier exposure,
    Hendrycks et al. 2019): its loss is -mean_i log p_i.
    """
    n, k = logits.shape
    logp = log_softmax(logits)
    known = labels >= 0
    rows = np.flatnonzero(known)
    losses = -logp.mean(axis=1)
    losses[rows] = -logp[rows, labels[rows]]
    grad = np.exp(logp)
    grad[rows, labels[rows]] -= 1
    grad[~known] -= 1.0 / k
    grad /= n
    return float(losses.mean()), grad
