"""A straight line broken into pieces, a column of dots or a dashed line: no digit.

Prepared to 28x28, the gaps of such a line close and its dots run together, and the network reads
it as a sure 1 (five dots in a column as a sure 3). At the canvas's own size the pieces are plain, so
digitpad.reading answers it as no digit before the network is asked. No pen digit of writers 26-30
and no optdigits scan is such a line; a few MNIST 1s binarized until they break along their length
are (tests/test_broken.py, docs/not-a-digit.md "Broken lines").
"""
import cv2
import numpy as np

from . import _check_canvas, _pieces
from .thinning import along_and_across, fitted_line

PIECES = 3  # a line in this many pieces or more (a 1 with a gap, an i, a ! are two) ...
MOST = 0.5  # ... none of which holds this share of the ink (a 1 beside two specks is a 1) ...
STRAIGHT = 0.15  # ... whose ink, all of it, spreads across its fitted line less than this times along it
SPECK = 0.02  # pieces under this share of the ink are specks (noise, a photo's grain), not counted
INK = 0.25  # pieces are of ink this share of the strongest or more: a faint picture's ink is faint throughout,
# and a thin grey pen's strokes fade between their darker stretches (MNIST digits thinned: none is a line)


def is_broken_line(canvas):
    """Whether the ink of a pad-like ``canvas`` (uint8, white ink on black) is one STRAIGHT line of
    PIECES or more separate pieces of INK (8-connected, specks aside), none holding MOST of them."""
    canvas = _check_canvas(canvas)
    ink = canvas >= max(1, INK * int(canvas.max()))
    areas = _pieces(ink)[2][1:, cv2.CC_STAT_AREA]
    areas = areas[areas >= SPECK * areas.sum()]
    if len(areas) < PIECES or areas.max() >= MOST * areas.sum():
        return False
    ys, xs = np.nonzero(canvas)
    along, across = along_and_across(fitted_line(ys, xs), ys, xs)
    return bool(across.std() < STRAIGHT * along.std())
