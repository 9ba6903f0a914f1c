"""Strokes as a scanner gives them: written with a pen on paper, scanned at low resolution,
binarized or grey, then upscaled, and read the way a user's file is read.

Real scans of handwriting (forms, envelopes) are often kept as small bitmaps (16x16, 32x32) whose
digit was stretched to fill the box: thick strokes, a 1 as wide as a third of its height or more,
jagged edges where the binarization cut through grey. Drawings on the pad never look like that, so
the network learns them from these renderings (docs/paper-scans.md).
"""
import cv2
import numpy as np

from digitpad.preprocessing.strokes import draw_path
from digitpad.preprocessing.thinning import holes
from digitpad.reading import picture_input

SIDES = (16, 20, 24, 32)  # the scanned bitmap's side, pixels
SUPER = 8  # drawn this many times finer, then averaged down: the scanner's optics
# How often, and how far, a bitmap's narrower side is stretched across its box, as scanned sets do
# when they size every digit to the box (a 1 then as wide as half its height or more).
STRETCHED, STRETCH = 0.6, (0.45, 0.8)
PENS = (0.05, 0.25)  # the pen's width, a share of the side: a fine pen to a marker
LEVELS = (0.3, 0.6)  # where the scanner binarizes, from dark to light
LOOP = 1 / 64  # the least hole, a share of the bitmap, that a pen filling it makes a blot: 2x2 px at 16 px


def scan_picture(strokes, rng, y_up=True):
    """The grey uint8 picture (dark ink on white) of a scan of these strokes: a bitmap of a random
    side in SIDES whose digit fills its box (STRETCHED of the time its narrower side stretched to
    STRETCH of the box), written with a pen of 5-25% of the side, but never so thick that it fills
    a loop of the drawing (``bitmap``), binarized at a random level (or kept grey, a quarter of the
    time), a few edge pixels flipped, then upscaled 2-6 times, each bit a square, with a margin."""
    side = int(rng.choice(SIDES))
    points = [np.asarray(s, np.float64).reshape(-1, 2) * (1, -1 if y_up else 1) for s in strokes]
    pen = rng.uniform(PENS[0], PENS[1])
    stretch = rng.uniform(*STRETCH) if rng.random() < STRETCHED else None
    ink = bitmap(points, side, pen, stretch)
    if rng.random() < 0.75:
        ink = (ink > rng.uniform(*LEVELS)).astype(np.float32)
        edge = cv2.morphologyEx(ink, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
        flip = edge & (rng.random(ink.shape) < 0.06)
        ink[flip] = 1 - ink[flip]
    zoom = int(rng.integers(2, 7))
    picture = np.repeat(np.repeat(np.rint(255 * (1 - ink)).astype(np.uint8), zoom, axis=0), zoom, axis=1)
    margin = int(rng.integers(2, 9)) * zoom
    return cv2.copyMakeBorder(picture, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=255)


def bitmap(points, side, pen, stretch=None):
    """The (side, side) float32 grey bitmap (1 = ink) of strokes (y down) written with a pen of ``pen``
    of the side, the drawing filling the box (its narrower side stretched to ``stretch`` of it, if
    given). Where that pen fills a loop that the thinnest pen keeps open, it is made thinner until
    none is filled: a blot that was a 0 or an 8 is a digit no one can read (docs/paper-scans.md)."""
    loops = _loops(_bitmap(points, side, PENS[0], stretch))
    ink = _bitmap(points, side, pen, stretch)
    while pen > PENS[0] and _loops(ink) < loops:
        pen = max(PENS[0], pen * 0.75)
        ink = _bitmap(points, side, pen, stretch)
    return ink


def _bitmap(points, side, pen, stretch):
    every = np.concatenate(points)
    lo, hi = every.min(axis=0), every.max(axis=0)
    fine_side, width = side * SUPER, pen * side * SUPER
    scale = (fine_side - width - 2) / max(float((hi - lo).max()), 1e-6)
    offset = (fine_side - (hi - lo) * scale) / 2
    fine = np.zeros((fine_side, fine_side), np.uint8)
    for p in points:
        draw_path(fine, (p - lo) * scale + offset, max(1, int(round(width))))
    x, y, w, h = cv2.boundingRect(fine)
    size = np.array([w, h], np.float64) * side / max(w, h)
    if stretch is not None:  # the bitmap stretched to fill its box: its narrower side grows
        size[np.argmin(size)] = max(size.min(), stretch * side)
    size = np.maximum(1, np.rint(size)).astype(int)
    small = cv2.resize(fine[y:y + h, x:x + w], tuple(size), interpolation=cv2.INTER_AREA)
    ink = np.zeros((side, side), np.float32)
    top, left = (side - size[1]) // 2, (side - size[0]) // 2
    ink[top:top + size[1], left:left + size[0]] = small.astype(np.float32) / 255
    return ink


def _loops(ink):
    """How many loops the ink closes: holes of paper, binarized as dark as the scanner may (LEVELS),
    of at least LOOP of the bitmap (where two thin strokes cross at a slant, a pinhole is no loop)."""
    inside = holes(ink > LEVELS[0], min_area=LOOP * ink.size)
    return cv2.connectedComponents(inside.astype(np.uint8), connectivity=4)[0] - 1


def scan_input(strokes, rng, y_up=True):
    """The (28, 28) network input that training takes for a user's file of ``scan_picture``
    (digitpad.reading.picture_input: canvas_from_image, then prepare, as the file is read first); None when
    nothing is left."""
    return picture_input(scan_picture(strokes, rng, y_up))
