"""Thick ink made a pen's width again, so a scan reads like a drawing.

Scanned digit sets size every digit to its box (optdigits, and sets like USPS and Semeion): a 1
becomes a solid bar half as wide as it is tall, a pen line a band. The network learned pen strokes,
whose width is a tenth of the digit or so, and reads such a blot as nothing in particular. Where the
strokes are thick for their size, the ink is smoothed (its ragged, scanned edge taken off), thinned
to its centre line (Zhang and Suen's thinning, which keeps every loop and every piece) and drawn
again with a pen of PEN times its size. A straight bar, as wide all along, is thinned from a lower
width: a 1 stretched to fill a square box is a diagonal band, whose width says nothing that its centre
line does not.
Ink of ordinary width is left as it is, and so, unless it is a bar, is ink no wider than
MIN_WIDTH pixels of the picture: a pen photographed or scanned at a low resolution (a digit 15-30
px tall) is as thick for its size as a scan's bar, but its thickness is the pen's, and thinning it
took its loops, closed by the pen, for a bar (a small 8, 6 or 9 read as a sure 1). So is a blot of
ink up to BLOT_WIDTH pixels wide that fills its outline (FILLED): a thick pen on a digit under about
50 px tall shuts its loops and fills its bends, and what thinning leaves of it is a bar. Such ink is
thinned only when it is one straight, even bar: a 1 of a scanned set handed over at its own size
(16 px tall) is no wider than a pen. (A 9 or 6 whose filled head is half its length still passes
for even: docs/paper-photos.md, "Small handwriting".)
Nor, unless it is a bar, is thick ink in a picture at its own resolution (a photo, a pad's drawing:
its edges sharp to a pixel), only in a small bitmap blown up (``blown_up``), as scans of digit sets
are handed over: such sets size their digits to a box of 16-32 dots, so a blob of ink there is
mostly a 1 stretched across it, while a blob in a photo is as often a bold 8 whose loops a marker
filled, which thinning makes a sure 1.
Reading (digitpad.reading.canvas_reading) takes the thinned ink only where the ink as it is is not read surely:
a bold 8 or 9 of a scan has filled loops that thinning takes for a bar too.
"""
import cv2
import numpy as np

from . import _check_canvas

SIDE = 64  # pixels: the ink's longer side while its width is measured and it is thinned
THICK = 0.24  # strokes wider than this, as a fraction of the ink's longer side, are thinned
BAND = 0.12  # ... and from this width when they are one straight bar without a hole (STRAIGHT, LONG, EVEN)
STRAIGHT = 0.08  # a centre line is straight when all of it lies this close to the line fitted through it
LONG = 0.7  # ... and that line runs along this much of the ink's longer side
EVEN = 1.2  # ... and the ink is nowhere along it wider than this times its usual width (a filled loop is)
PEN = 0.10  # ... and drawn again this wide (MNIST's strokes: about 2.5 px of 20)
MARGIN = 4  # pixels of background around the ink at that size, so thinning sees its edge
MIN_WIDTH = 8  # pixels of the picture: strokes no wider are a pen's, however thick for their size
BLOT_WIDTH = 12  # pixels of the picture: ... and so are strokes up to this wide in a blot:
FILLED = 0.85  # ... ink that fills this share of its convex hull
BLOWN_UP = 0.9  # a bitmap blown up in squares: this share of the change between neighbours lies on one grid
MAX_ZOOM = 16  # ... of squares from 2 to this many pixels a side
STAIRS = 0.17  # ... or in squares resampled: this share of the steps along the ink's outline, or less, diagonal
SOFT = 1.0  # pixels: ... or blown up smoothly: its ink's edges this wide (twice, bicubic: 1.1-1.6; a photo: 0.4-0.8)
INK = 2  # ink fainter than the darkest over this is no ink while the strokes are measured and thinned

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
    """The centre lines of a bool 2-D ``mask``, one pixel wide, with every loop kept (Zhang and
    Suen, 1984), and a piece that would thin away to nothing (a 2x2 square, some discs) kept as its
    innermost pixel. Each pass takes a layer off every side; it runs until nothing changes."""
    mask = np.asarray(mask, bool)
    image = np.pad(mask, 1).astype(np.uint8)
    for _ in range(sum(mask.shape)):  # a bound far past what any mask needs, so it cannot spin
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
    centre = image[1:-1, 1:-1].astype(bool)
    n, pieces = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    lost = np.setdiff1d(np.arange(1, n), pieces[centre])
    if len(lost):
        depth = _distance(mask)
        for piece in lost:
            inside = np.flatnonzero(pieces == piece)
            centre.flat[inside[np.argmax(depth.flat[inside])]] = True
    return centre


def stroke_width(mask):
    """The strokes' typical width in pixels: twice the median distance from the centre lines of a
    bool ``mask`` to the background (about one more than the pixels across); 0 for an empty mask."""
    centre = skeleton(mask)
    if not centre.any():
        return 0.0
    return 2.0 * float(np.median(_distance(mask)[centre]))


def thinned(canvas):
    """``canvas`` (uint8, white ink on black) itself when its strokes are no wider than THICK times
    the ink's longer side (BAND times for one straight, even bar with no hole) or, but for such a
    bar, than MIN_WIDTH pixels (BLOT_WIDTH for a blot) or when the canvas is not a bitmap blown up;
    else the ink at SIDE pixels, smoothed, thinned and drawn again with a pen of PEN times SIDE: a
    new canvas of at most SIDE + 2 MARGIN pixels a side (the network's input is scaled to its box
    anyway). Pictures are at most 1,200 px a side by now (digitpad.preprocessing.images)."""
    canvas = _check_canvas(canvas)
    x, y, w, h = cv2.boundingRect(canvas)
    if w == 0 or h == 0:
        return canvas
    f = SIDE / max(w, h)
    size = (max(1, round(w * f)), max(1, round(h * f)))
    small = cv2.resize(canvas[y:y + h, x:x + w], size, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
    mask = np.pad(small > int(small.max()) // INK, MARGIN)
    width = stroke_width(mask)
    if width <= BAND * SIDE or (width <= THICK * SIDE and holes(mask, min_area=1).any()):
        return canvas  # ordinary width, or a loop under THICK (a slashed 0 written thick is no bar)
    # A scan's edge is ragged: opening and blurring by the width to be taken off smooths it, so the
    # centre line grows no spurs from its teeth (strokes much thinner than the thickest go with them).
    # The blur can close a small loop; those as big as the pen is wide are kept open, a pinhole in a
    # blot is not (it would make a 1 a 0).
    k = max(1, round(width - PEN * SIDE))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    smooth = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, disc)
    smooth = cv2.GaussianBlur(smooth.astype(np.float32), (0, 0), k / 4) > 0.5
    smooth &= ~holes(mask, min_area=(PEN * SIDE) ** 2)
    if not smooth.any():  # nothing as wide as the strokes: a scatter of thin ink, left alone
        return canvas
    centre = skeleton(smooth)
    thin_only_a_bar = (width <= THICK * SIDE or width / f <= MIN_WIDTH
                       or (width / f <= BLOT_WIDTH and _filled(mask) >= FILLED)
                       or not blown_up(canvas))
    if thin_only_a_bar and not _bar(mask, centre):
        return canvas  # a pen's width, a small blot, a photo's bold ink: thinned only when one straight, even bar
    pen = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (round(PEN * SIDE),) * 2)
    return cv2.dilate(centre.astype(np.uint8) * 255, pen)


def blown_up(canvas):
    """Whether a 2-D ``canvas`` is a small bitmap blown up, as scans of digit sets are handed over:
    by whole squares (BLOWN_UP of the change between neighbouring pixels, across and down each, lies
    on the borders of one grid of squares from 2 to MAX_ZOOM pixels; on a photo or a pad's drawing,
    whose edges fall anywhere, about half lies on the best grid of 2), in squares resampled (blown
    up 2.5 times, or 17, turned a little, noisy: at most STAIRS of the steps along the ink's outline
    are diagonal; a photo's 0.18-0.78), or smoothly (its ink's edges are SOFT pixels wide or more; a
    photo's are under one, but a blurred photo's count too). Only the ink's box and a pixel round it
    are looked at."""
    ink = np.asarray(canvas, np.int16)
    x, y, w, h = cv2.boundingRect((ink > 0).astype(np.uint8))
    ink = ink[max(0, y - 1):y + h + 1, max(0, x - 1):x + w + 1]
    changes = [np.abs(np.diff(ink, axis=axis)).sum(axis=1 - axis) for axis in (1, 0)]  # at each column, each row
    if not all(c.any() for c in changes):
        return False
    if any(all(np.bincount(np.arange(len(c)) % zoom, weights=c).max() >= BLOWN_UP * c.sum() for c in changes)
           for zoom in range(2, MAX_ZOOM + 1)):
        return True
    full = np.percentile(ink[ink > 0], 95)
    outline, _ = cv2.findContours((ink >= 0.5 * full).astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    steps = np.concatenate([np.diff(line[:, 0], axis=0, append=line[:1, 0]) for line in outline])
    if np.count_nonzero(steps.all(axis=1)) <= STAIRS * len(steps):
        return True  # an outline of upright and level runs: squares, resampled, turned a little or noisy
    # An edge's width: the pixels between paper and ink over the length of the ink's outline.
    between = np.count_nonzero((ink > 0.1 * full) & (ink < 0.9 * full))
    return between >= SOFT * sum(cv2.arcLength(line, True) for line in outline)


def _bar(mask, centre):
    """Whether the bool ``mask`` (at SIDE pixels) is one straight bar about its ``centre`` lines:
    none of them further than STRAIGHT times SIDE from the line fitted through them, which they follow
    for LONG times SIDE, and the ink as wide all along that line, within EVEN times its median width
    (a 9 or a 6 written thick, its loop filled, has a straight centre too once smoothed, but a head
    wider than its tail; when the head fills half the length, the median is the head's and it passes)."""
    ys, xs = np.nonzero(centre)
    if len(xs) < 2:
        return False
    line = fitted_line(ys, xs)
    along, across = along_and_across(line, ys, xs)
    if np.abs(across).max() > STRAIGHT * SIDE or np.ptp(along) < LONG * SIDE:
        return False
    along, across = along_and_across(line, *np.nonzero(mask))
    # The ink's width in six slices across the line, its two thin ends (a tenth each) left out.
    edges = np.linspace(*np.percentile(along, [10, 90]), 7)
    slices = [(along >= a) & (along < b) for a, b in zip(edges[:-1], edges[1:])]
    widths = [np.ptp(across[inside]) + 1 for inside in slices if inside.any()]
    return max(widths) <= EVEN * np.median(widths)


def fitted_line(ys, xs):
    """The straight line (vx, vy, x0, y0: a unit direction and a point) fitted through the pixels at
    rows ``ys`` and columns ``xs``, by least squares."""
    return cv2.fitLine(np.stack([xs, ys], axis=1).astype(np.float32), cv2.DIST_L2, 0, 0.01, 0.01).ravel()


def along_and_across(line, ys, xs):
    """The coordinates of the pixels at rows ``ys`` and columns ``xs`` along ``line`` (fitted_line)
    and across it."""
    vx, vy, x0, y0 = line
    return (xs - x0) * vx + (ys - y0) * vy, (xs - x0) * vy - (ys - y0) * vx


def _filled(mask):
    """The share of its convex hull that the ink of a bool ``mask`` fills: 1 or more for a blot (its
    pixels are counted, the hull runs through their centres), less for strokes with open bends and
    loops between them."""
    hull = cv2.convexHull(cv2.findNonZero(mask.astype(np.uint8)))
    return float(mask.sum()) / max(cv2.contourArea(hull), 1.0)


def _distance(mask):
    """Each pixel's distance to the background of a bool ``mask``, outside it counted as background."""
    return cv2.distanceTransform(np.pad(mask, 1).astype(np.uint8), cv2.DIST_L2, 5)[1:-1, 1:-1]


def holes(mask, min_area):
    """The background a bool ``mask`` encloses in pieces of at least ``min_area`` pixels: the insides
    of its loops (less any ink inside them). Beyond the mask's edges is background."""
    outside = np.pad(~np.asarray(mask, bool), 1, constant_values=True).astype(np.uint8)
    cv2.floodFill(outside, None, (0, 0), 2)
    n, pieces, stats, _ = cv2.connectedComponentsWithStats((outside == 1).astype(np.uint8), connectivity=4)
    big = np.flatnonzero(stats[1:, cv2.CC_STAT_AREA] >= min_area) + 1
    return np.isin(pieces[1:-1, 1:-1], big)
