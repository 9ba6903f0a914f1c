"""Thick ink made a pen's width again, so a scan reads like a drawing.

Scanned digit sets size every digit to its box (optdigits, and sets like USPS and Semeion): a 1
becomes a solid bar half as wide as it is tall, a pen line a band. The network learned pen strokes,
whose width is a tenth of the digit or so, and reads such a blot as nothing in particular. Where the
strokes are thick for their size, the ink is smoothed (its ragged, scanned edge taken off), thinned
to its centre line (Zhang and Suen's thinning, which keeps every loop and every piece) and drawn
again with a pen of PEN times its size. Ink of ordinary width is left as it is.
"""
import cv2
import numpy as np

SIDE = 64  # pixels: the ink's longer side while its width is measured and it is thinned
THICK = 0.24  # strokes wider than this, as a fraction of the ink's longer side, are thinned
PEN = 0.10  # ... and drawn again this wide (MNIST's strokes: about 2.5 px of 20)
MARGIN = 4  # pixels of background around the ink at that size, so thinning sees its edge

# Zhang-Suen: a pixel's eight neighbours, clockwise from north, are the bits of its code.
_NEIGHBOURS = [(-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1)]


def _deletable(first):
    """For each 8-bit neighbour code, whether Zhang and Suen's sub-iteration (the first, or the
    second) takes the pixel off: it lies on the edge (2-6 neighbours, one run of them), and on the
    south-east edge or north-west corner (first) or the north-west edge or south-east corner."""
    table = np.zeros(256, bool)
    for code in range(256):
        n, ne, e, se, s, sw, w, nw = ((code >> i) & 1 for i in range(8))
        ring = (n, ne, e, se, s, sw, w, nw)
        runs = sum(1 for i in range(8) if ring[i] == 0 and ring[(i + 1) % 8] == 1)
        side = (n * e * s == 0 and e * s * w == 0) if first else (n * e * w == 0 and n * s * w == 0)
        table[code] = 2 <= sum(ring) <= 6 and runs == 1 and side
    return table


_PASSES = (_deletable(True), _deletable(False))


def skeleton(mask):
    """The centre lines of a bool ``mask``, one pixel wide, with every loop and piece kept
    (Zhang and Suen, 1984); each pass takes one layer off every side, so at most half the
    mask's shorter side passes run."""
    image = np.pad(np.asarray(mask, bool), 1).astype(np.uint8)
    for _ in range(min(mask.shape) // 2 + 1):
        changed = False
        for table in _PASSES:
            code = np.zeros(image.shape, np.uint8)
            for bit, (dy, dx) in enumerate(_NEIGHBOURS):
                code |= np.roll(image, (-dy, -dx), axis=(0, 1)) << bit
            off = (image == 1) & table[code]
            if off.any():
                image[off], changed = 0, True
        if not changed:
            break
    return image[1:-1, 1:-1].astype(bool)


def stroke_width(mask):
    """The strokes' typical width in pixels: twice the median distance from the centre lines of a
    bool ``mask`` to the background (a line n pixels across measures n + 1); 0 for an empty mask."""
    centre = skeleton(mask)
    if not centre.any():
        return 0.0
    distance = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 5)
    return 2.0 * float(np.median(distance[centre]))


def thinned(canvas):
    """``canvas`` (uint8, white ink on black) itself when its strokes are no wider than THICK times
    the ink's longer side, else the ink at SIDE pixels, smoothed, thinned and drawn again with a pen
    of PEN times SIDE (a new, smaller canvas; the network's input is scaled to its box anyway)."""
    x, y, w, h = cv2.boundingRect(canvas)
    if w == 0 or h == 0:
        return canvas
    f = SIDE / max(w, h)
    size = (max(1, round(w * f)), max(1, round(h * f)))
    small = cv2.resize(canvas[y:y + h, x:x + w], size, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
    mask = np.pad(small > max(1, int(small.max()) // 2), MARGIN)
    width = stroke_width(mask)
    if width <= THICK * SIDE:
        return canvas
    # A scan's edge is ragged: opening and blurring by the width to be taken off smooths it, so the
    # centre line grows no spurs from its teeth.
    k = max(1, round(width - PEN * SIDE))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    smooth = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, disc)
    smooth = cv2.GaussianBlur(smooth.astype(np.float32), (0, 0), k / 4) > 0.5
    smooth &= ~_holes(mask)  # the blur may fill a small loop (an 8's, thick ink round a pinhole): kept open
    if not smooth.any():  # nothing as wide as the strokes: a scatter of thin ink, left alone
        return canvas
    pen = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (round(PEN * SIDE),) * 2)
    return cv2.dilate(skeleton(smooth).astype(np.uint8) * 255, pen)


def _holes(mask):
    """The background a bool ``mask`` (with background all round it) encloses: the loops' insides."""
    outside = (~mask).astype(np.uint8)
    cv2.floodFill(outside, None, (0, 0), 2)
    return outside == 1
