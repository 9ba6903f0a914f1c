"""The pad's strokes as the path the pen took: what the trajectory network reads beside the picture.

A picture loses the order in which a digit was written; the path keeps it. A 9 whose loop barely
closed and a 7 look alike as ink, but the 9 starts with a loop drawn anticlockwise and the 7 with a
bar drawn to the right. The path is the strokes joined in the order they were drawn (the pen's
jumps between them included, marked as pen up), scaled into a box of side 2 about its centre
keeping its shape, and sampled at POINTS places equally spaced along its length; at each, where
the pen is (x, y), which way it goes (the unit vector from the sample before to the one after) and
whether it is down. Every value is mapped into [0, 1], as the network's inputs are.
"""
import numpy as np

POINTS = 32  # samples along the path: 16, 24, 32 and 48 read writers 21-25 alike (docs/trajectory.md)
SIZE = 5 * POINTS  # x, y, two for the direction, pen down: the network's inputs


def trajectory_input(strokes, points=POINTS):
    """The (5 * points,) float32 input for strokes given as arrays of (x, y) points in the order they
    were drawn, in any units (the pad's pixels, y down); None when there are no points, ValueError
    for a point that is not finite. The samples' x first, then their y, the direction's x, its y, and
    pen down. Its cost grows with the number of points (one pass over them)."""
    strokes = [np.asarray(s, np.float64).reshape(-1, 2) for s in strokes]
    strokes = [s for s in strokes if len(s)]
    if not strokes:
        return None
    ink = np.concatenate(strokes)
    if not np.isfinite(ink).all():
        raise ValueError("stroke points must be finite numbers")
    lo, hi = ink.min(axis=0), ink.max(axis=0)
    half = max(float((hi - lo).max()) / 2, 1e-9)  # a single dot is a path of length 0 at the centre
    path = (ink - (lo + hi) / 2) / half
    # Pen down on the segment into each point but the first of each stroke (the jump to it).
    starts = np.cumsum([0] + [len(s) for s in strokes[:-1]])
    down = np.ones(len(path))
    down[starts] = 0.0
    step = np.hypot(*np.diff(path, axis=0).T)
    along = np.concatenate([[0.0], np.cumsum(step)])
    where = np.linspace(0.0, along[-1], points)
    sampled = np.stack([np.interp(where, along, path[:, k]) for k in (0, 1)], axis=1)
    segment = np.clip(np.searchsorted(along, where, side="right"), 1, len(path) - 1)
    pen = down[segment] if len(path) > 1 else np.ones(points)
    heading = np.gradient(sampled, axis=0) if points > 1 else np.zeros_like(sampled)
    heading /= np.maximum(np.hypot(*heading.T), 1e-9)[:, None]
    values = np.concatenate([(sampled.T.ravel() + 1) / 2, (heading.T.ravel() + 1) / 2, pen])
    return np.clip(values, 0.0, 1.0).astype(np.float32)  # 1 + a rounding error is still 1
