"""Confusion matrix and the per-class scores derived from it."""
import numpy as np


def confusion_matrix(true, predicted, n_classes=10):
    """counts[t, p] = how many samples of class t were predicted as p."""
    counts = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(counts, (np.asarray(true), np.asarray(predicted)), 1)
    return counts


def class_scores(counts):
    """Per class: precision = TP / predicted as it, recall = TP / truly it, F1 their harmonic mean."""
    tp = np.diag(counts).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.nan_to_num(tp / counts.sum(axis=0))
        recall = np.nan_to_num(tp / counts.sum(axis=1))
        f1 = np.nan_to_num(2 * precision * recall / (precision + recall))
    return {"precision": precision, "recall": recall, "f1": f1, "support": counts.sum(axis=1)}


def most_confused(counts, k=5):
    """The k largest off-diagonal cells as (true, predicted, count), largest first."""
    off = counts.copy()
    np.fill_diagonal(off, 0)
    order = np.argsort(off, axis=None)[::-1][:k]
    return [(int(t), int(p), int(off[t, p])) for t, p in zip(*np.unravel_index(order, off.shape)) if off[t, p]]


def format_pairs(pairs):
    """``most_confused``'s pairs as one line, "4->9: 3, 7->1: 2", or "none"."""
    return ", ".join(f"{t}->{p}: {n}" for t, p, n in pairs) or "none"


def format_confusion(counts):
    """The matrix as a text table: rows are true digits, columns predictions."""
    width = max(4, len(str(counts.max())) + 1)
    lines = ["true\\pred" + "".join(f"{p:>{width}}" for p in range(counts.shape[1]))]
    for t, row in enumerate(counts):
        lines.append(f"{t:>9}" + "".join(f"{c:>{width}}" for c in row))
    return "\n".join(lines)
