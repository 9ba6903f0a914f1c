"""An ensemble of MLPs folded into one wider MLP.

Networks of the same depth, run side by side on the same input, are one network:
their first layers' weights are placed side by side, every later hidden layer's
on the block diagonal (so each member's units see only that member's units),
and the output layer's rows stacked and divided by the number of members. Its
logits are then exactly the mean of the members' logits, so an ensemble needs
no new file format, loader or inference code.
"""
import numpy as np

from .network import MLP


def merge(models):
    """One MLP whose logits equal the mean of ``models``' logits (same depth, inputs and outputs)."""
    if not models:
        raise ValueError("merge needs at least one model")
    sizes = [m.sizes for m in models]
    if len({(len(s), s[0], s[-1]) for s in sizes}) != 1:
        raise ValueError(f"members must share depth, inputs and outputs, got sizes {sizes}")
    members = [m.arrays() for m in models]
    depth = len(sizes[0]) - 1
    merged = {}
    for i in range(1, depth + 1):
        weights = [a[f"W{i}"] for a in members]
        biases = [a[f"b{i}"] for a in members]
        if i == depth:  # the outputs: the mean of the members' logits
            stacked = np.mean(weights, axis=0) if depth == 1 else np.concatenate(weights) / len(models)
            merged[f"W{i}"], merged[f"b{i}"] = stacked, np.mean(biases, axis=0)
        else:
            merged[f"W{i}"] = np.concatenate(weights, axis=1) if i == 1 else block_diagonal(weights)
            merged[f"b{i}"] = np.concatenate(biases)
    return MLP.from_arrays({k: v.astype(np.float32) for k, v in merged.items()})


def block_diagonal(blocks):
    out = np.zeros((sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)), blocks[0].dtype)
    row = col = 0
    for b in blocks:
        out[row:row + b.shape[0], col:col + b.shape[1]] = b
        row, col = row + b.shape[0], col + b.shape[1]
    return out
