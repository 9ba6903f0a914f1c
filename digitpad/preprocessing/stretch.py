"""A scanned digit that was stretched to fill a square box, and that digit narrowed again.

Some scanned sets size every digit to a square box whatever its shape (Semeion says so of its
16x16 bitmaps): a 1, much taller than wide, becomes a band from corner to corner, which the network
reads as a slanted stroke or an 8 and not surely as anything. How wide the digit was is lost, so
digitpad.reading.picture_reading reads such ink again narrowed to several widths (NARROWER) and takes what
those readings say together, where that is a 1 (docs/paper-scans.md, "Stretched 1s read narrowed too").
"""
import cv2
import numpy as np

from . import _check_canvas
from .thinning import INK, MARGIN, SIDE, along_and_across, blown_up, fitted_line, holes, skeleton, stroke_width

SQUARE = 0.15  # ink whose box is this close to a square (width over height) may have been stretched to it
NARROWER = (0.75, 0.5, 0.35)  # ... and is read again at these shares of its width
ONE_WIDTH = 0.3  # a 1 so found is one band: its strokes thinner than this share of the box (not a blot)
BENT = 0.15  # ... nine tenths of its centre line this close to a straight line, as a share of the box
SPECK = 0.01  # ... and one piece: others no larger than this share of the box
HOLE = 0.005  # ... with no hole of this share of the box (a narrow triangle's outline)
OTHER = 0.4  # a reading that names another digit with this much, though unsurely, is left as it is
PAD = 8  # pixels of background round a narrowed canvas


def may_be_stretched(canvas):
    """Whether a pad-like ``canvas`` (uint8, white ink on black) may be a scanned bitmap whose digit
    was stretched to a square: its ink's box is within SQUARE of a square and it is a small bitmap
    blown up (digitpad.preprocessing.thinning.blown_up), not a sharp photo or a drawing; a blurred one counts,
    as a bitmap blown up smoothly does."""
    canvas = _check_canvas(canvas)
    x, y, w, h = cv2.boundingRect(canvas)
    if not (w and h) or abs(w / h - 1) > SQUARE:
        return False
    return bool(blown_up(canvas))


def narrowed(canvas, share):
    """The ink of ``canvas`` squeezed across to ``share`` of its width (its height kept), with PAD
    pixels of background round it."""
    canvas = _check_canvas(canvas)
    x, y, w, h = cv2.boundingRect(canvas)
    if not (w and h):
        return canvas
    squeezed = cv2.resize(canvas[y:y + h, x:x + w], (max(1, round(w * share)), h), interpolation=cv2.INTER_AREA)
    return cv2.copyMakeBorder(squeezed, PAD, PAD, PAD, PAD, cv2.BORDER_CONSTANT, value=0)


def is_band(canvas):
    """Whether the ink of a pad-like ``canvas``, its box scaled to SIDE pixels square, is one band, as
    a 1 stretched across a square is: one piece (but specks under SPECK of the square) with no hole
    of HOLE of it; its strokes (digitpad.preprocessing.thinning.stroke_width) thinner than ONE_WIDTH of the
    square, as a blot's are not; nine tenths of its centre line (a flag or a spur aside) within
    BENT of the square from one straight line, as a 7, a 4, a "<" or an arch is not."""
    canvas = _check_canvas(canvas)
    x, y, w, h = cv2.boundingRect(canvas)
    if not (w and h):
        return False
    square = cv2.resize(canvas[y:y + h, x:x + w], (SIDE, SIDE), interpolation=cv2.INTER_AREA)
    mask = np.pad(square > int(square.max()) // INK, MARGIN)
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if (np.count_nonzero(stats[1:, cv2.CC_STAT_AREA] >= SPECK * SIDE ** 2) != 1
            or holes(mask, min_area=HOLE * SIDE ** 2).any() or stroke_width(mask) >= ONE_WIDTH * SIDE):
        return False
    ys, xs = np.nonzero(skeleton(mask))
    if len(xs) < 2:
        return False
    _, across = along_and_across(fitted_line(ys, xs), ys, xs)
    return bool(np.percentile(np.abs(across), 90) <= BENT * SIDE)
