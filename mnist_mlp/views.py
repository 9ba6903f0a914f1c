"""Reading an image three ways: the network's probabilities averaged over the image as it is and
turned by -TURN and +TURN degrees. The pad, predict.py and the server read every image so.

A digit turned by a few degrees is still the same digit, so its reading hardly moves; a drawing
that is not a digit gets a different guess in each view, and the average spreads out. Measured in
docs/not-a-digit.md ("Reading three turned views").
"""
from functools import lru_cache

import numpy as np

from .network import as_batch

TURN = 10.0  # degrees; chosen against 5 and 15 on writers 1-25 (docs/not-a-digit.md)


@lru_cache(maxsize=16)
def rotation(angle, side=28):
    """The (side * side, side * side) matrix ``T`` that turns a flattened side x side image by
    ``angle`` degrees about its centre, bilinear, zero outside: ``turned = image @ T``. The same
    turn as ``scipy.ndimage.rotate(image, angle, reshape=False, order=1)``."""
    a, centre = np.radians(angle), (side - 1) / 2
    rows, cols = np.mgrid[0:side, 0:side].reshape(2, -1) - centre
    # Each output pixel takes its value from the point the inverse turn sends it to.
    src_row = centre + rows * np.cos(a) + cols * np.sin(a)
    src_col = centre - rows * np.sin(a) + cols * np.cos(a)
    turn = np.zeros((side * side, side * side), np.float32)
    r0, c0 = np.floor(src_row).astype(int), np.floor(src_col).astype(int)
    for dr in (0, 1):
        for dc in (0, 1):
            r, c = r0 + dr, c0 + dc
            weight = (1 - np.abs(src_row - r)) * (1 - np.abs(src_col - c))
            inside = (r >= 0) & (r < side) & (c >= 0) & (c < side) & (weight > 0)
            turn[(r * side + c)[inside], np.flatnonzero(inside)] += weight[inside]
    turn.flags.writeable = False  # shared by every caller through the cache
    return turn


def reader(model, turn=TURN):
    """What reads images for the user: ``model`` through views turned by -turn, 0 and +turn degrees,
    or ``model`` itself for ``turn`` 0."""
    return TurnedViews(model, (-turn, 0, turn)) if turn else model


class TurnedViews:
    """``model`` read through views turned by ``angles`` degrees (0: the image as it is), their
    probabilities averaged. Answers ``predict_proba`` and ``predict`` as the model does."""

    def __init__(self, model, angles=(-TURN, 0, TURN)):
        self.model, self.angles = model, tuple(angles)
        if not self.angles:
            raise ValueError("at least one view is needed")
        self.turns = [None if a == 0 else rotation(a) for a in self.angles]

    def predict_proba(self, x):
        x = as_batch(x)
        # Clipped: four bilinear weights can sum to a hair over 1 in float32.
        views = [x if t is None else np.clip(x @ t, 0, 1) for t in self.turns]
        if len(x) == 1:
            # One image: a pass a view. A batch of three is no faster alone, and beside the server's
            # other worker thread it cost a quarter of the answers a second (OpenBLAS threads).
            return np.mean([self.model.predict_proba(v) for v in views], axis=0)
        # Several (a number's digits, a benchmark's batch): all the views in one forward pass.
        return self.model.predict_proba(np.concatenate(views)).reshape(len(views), len(x), -1).mean(axis=0)

    def predict(self, x):
        return self.predict_proba(x).argmax(axis=1)
