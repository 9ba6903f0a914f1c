"""A straight line broken into pieces, a column of dots or a dashed line: no digit.

Prepared to 28x28, the gaps of such a line close and its dots run together, and the network reads
it as a sure 1 (five dots in a column as a sure 3). At the canvas's own size the pieces are plain, so
digitpad.reading answers it as no digit before the network is asked. No digit of the pen data, of
optdigits or of MNIST (as it is, or boxed 16x16 grey or binary) is such a line (docs/not-a-digit.md,
"Broken lines").
"""
import cv2
import numpy as np

from . import _check_canvas
from .thinning import along_and_across, fitted_line

PIECES = 3  # a line in this many pieces or more (a 1 with a gap, an i, a ! are two) ...
MOST = 0.5  # ... none of which holds this share of the ink (a 1 beside two specks is a 1) ...
STRAIGHT = 0.2  # ... whose ink spreads across its fitted line less than this times along it
INK = 128  # of 255: the pieces are of ink this strong (a faint rim joins dashes redrawn close together)


def is_broken_line(canvas):
    """Whether the ink of a pad-like ``canvas`` (uint8, white ink on black) is one straight line of
    PIECES or more separate pieces of INK (8-connected), none holding MOST of it."""
    canvas = _check_canvas(canvas)
    ink = canvas >= INK
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA]
    if n - 1 < PIECES or areas.max() >= MOST * areas.sum():
        return False
    ys, xs = np.nonzero(ink)
    along, across = along_and_across(fitted_line(ys, xs), ys, xs)
    return bool(across.std() < STRAIGHT * along.std())
