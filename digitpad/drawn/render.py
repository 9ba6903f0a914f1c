"""Render pen trajectories onto a pad-like canvas, through the pad's own brush.

A condition fixes how a person might have drawn: pad size, digit height as a
fraction of the pad, where its centre is, brush diameter, and for training also
the writing's slant and width, so one trajectory stands in for several hands.
"""
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from digitpad.preprocessing.strokes import render
from digitpad.reading import canvas_input, path_reading, strokes_input

from .scanlike import scan_input

DEFAULT_DATA = Path(__file__).resolve().parent / "datasets" / "pendigits-orig.tra.gz"  # writers 1-30, CC BY 4.0
VALIDATION_WRITERS = "26-30"  # never trained on: numbers on them predict how a new person fares


@dataclass(frozen=True)
class Condition:
    name: str
    canvas: int  # pad side, pixels
    height: float  # digit height / pad side
    centre: tuple  # (x, y) of the digit's box centre, as fractions of the pad
    brush: int  # brush diameter, pixels
    slant: float = 0.0  # horizontal shift per unit of height: > 0 leans right, like italics
    width: float = 1.0  # horizontal stretch: < 1 narrower, > 1 wider


CONDITIONS = [
    Condition("centred", 400, 0.70, (0.50, 0.50), 26),
    Condition("small-corner", 400, 0.35, (0.25, 0.25), 26),
    Condition("off-centre", 400, 0.45, (0.70, 0.35), 26),
    Condition("thin-brush", 400, 0.70, (0.50, 0.50), 8),
    Condition("thick-brush", 400, 0.70, (0.50, 0.50), 48),
    Condition("canvas-280", 280, 0.70, (0.50, 0.50), 18),
    Condition("canvas-1000", 1000, 0.70, (0.50, 0.50), 64),
    Condition("tiny-thick-brush", 400, 0.10, (0.25, 0.25), 26),  # 40 px tall with the default brush
]


def place(strokes, size, height, centre, margin=0.0, slant=0.0, width=1.0, y_up=True):
    """The strokes slanted and stretched, flipped if ``y_up`` (a tablet's y points up, a pad's
    down), scaled to ``height * size`` tall (and at most 0.9 of the pad wide), and moved so their
    box centre is at ``centre * size``, or as near as keeps the box ``margin`` pixels inside the pad."""
    up = 1.0 if y_up else -1.0  # slant leans right in the picture either way
    shape = np.array([[width, 0.0], [up * width * slant, 1.0]])  # row vectors: x' = width * (x + slant * y)
    strokes = [np.asarray(s, np.float64) @ shape for s in strokes]
    points = np.concatenate(strokes)
    lo, hi = points.min(axis=0), points.max(axis=0)
    extent = np.maximum(hi - lo, 1.0)
    scale = min(height * size / extent[1], 0.9 * size / extent[0])
    half = (hi - lo) * scale / 2 + margin
    target = np.clip(np.array(centre) * size, np.minimum(half, size / 2), np.maximum(size - half, size / 2))
    middle = (lo + hi) / 2
    placed = []
    for s in strokes:
        p = (s - middle) * scale
        if y_up:
            p[:, 1] = -p[:, 1]
        placed.append(p + target)
    return placed


def pad_strokes(strokes, condition, y_up=True):
    """The (points, brush) strokes a pad of this condition would hold; ``y_up=False`` for strokes
    in the pad's own coordinates (y pointing down)."""
    margin = condition.brush / 2 + 3  # the brush's radius and its anti-aliased rim
    placed = place(strokes, condition.canvas, condition.height, condition.centre, margin,
                   condition.slant, condition.width, y_up)
    return [(p, condition.brush) for p in placed]


def render_digit(strokes, condition, y_up=True):
    """The uint8 canvas a pad of this condition would hold (what the user sees)."""
    return render(pad_strokes(strokes, condition, y_up), condition.canvas)


def random_condition(rng, hands=False):
    """A plausible way to draw on the pad: any size from small to large, anywhere, any brush;
    with ``hands``, also a random slant and width, as different people write."""
    canvas = int(rng.choice([280, 400, 600]))
    height = rng.uniform(0.25, 0.75)
    margin = height / 2 + 0.03
    centre = tuple(rng.uniform(min(margin, 0.5), max(1 - margin, 0.5), size=2))
    # Brush from thin to thick relative to the digit: 2% to 20% of its height.
    brush = max(2, int(round(rng.uniform(0.02, 0.20) * height * canvas)))
    if not hands:
        return Condition("random", canvas, height, centre, brush)
    return Condition("random", canvas, height, centre, brush,
                     slant=rng.uniform(-0.3, 0.3), width=float(np.exp(rng.uniform(-0.25, 0.25))))


def drawn_input(strokes, condition, y_up=True):
    """The (28, 28) network input the pad makes of these strokes drawn under ``condition``: their
    path placed as the condition says, redrawn at the stroke width the pad predicts from
    (digitpad.preprocessing.strokes.redraw), and prepared; None for no ink."""
    return strokes_input(pad_strokes(strokes, condition, y_up))


def brushed_input(strokes, condition, y_up=True):
    """The (28, 28) network input of the canvas itself, strokes as wide as the condition's brush
    left them: what a picture of the drawing gives (predict.py, the server); None for no ink."""
    return canvas_input(render_digit(strokes, condition, y_up))


def network_inputs(digits, conditions, y_up=True, brushed=(), scans=(), rng=None):
    """(N, 784) float32 network inputs: each digit (anything with ``.strokes``) drawn under its
    condition, as the pad would predict from it (``drawn_input``), as a picture of it shows it
    (``brushed_input``) for the indices in ``brushed``, or as a scan of it (digitpad.drawn.scanlike, drawn
    with ``rng``) for those in ``scans``."""
    images = np.zeros((len(digits), 784), np.float32)
    brushed, scans = set(brushed), set(scans)
    for i, (digit, condition) in enumerate(zip(digits, conditions)):
        if i in scans:
            image = scan_input(digit.strokes, rng, y_up)
        else:
            image = (brushed_input if i in brushed else drawn_input)(digit.strokes, condition, y_up)
        if image is not None:
            images[i] = image.reshape(-1)
    return images


def pad_inputs(pads):
    """(N, 784) float32: the network's input for each of ``pads`` (the pad's (points, brush) strokes
    of one drawing), blank for a drawing without ink."""
    images = np.zeros((len(pads), 784), np.float32)
    for i, strokes in enumerate(pads):
        image = strokes_input(strokes)
        if image is not None:
            images[i] = image.reshape(-1)
    return images


def pad_readings(views, pads):
    """(N, 10) probabilities: each of ``pads`` read as the pad reads it, its picture and its path
    (digitpad.reading.path_reading), in one batch. (The pad also answers a broken line as no digit:
    none of the pen digits is one, tests/test_broken.py.)"""
    return path_reading(views, views.predict_proba(pad_inputs(pads)), [[points for points, _ in s] for s in pads])


def drawn_readings(views, digits, conditions, y_up=True):
    """``pad_readings`` of each digit (anything with ``.strokes``) drawn under its condition."""
    return pad_readings(views, [pad_strokes(d.strokes, c, y_up) for d, c in zip(digits, conditions)])


def training_inputs(digits, variants, rng, hands=False, scans=0.0):
    """Each digit drawn ``variants`` times under random conditions (see ``random_condition``):
    (N, 784) inputs and (N,) labels. Every second rendering is the brushed canvas rather than the
    redrawn strokes, so the network reads pictures of digits at any stroke width as well as the pad;
    with ``scans``, that share of them is a scan of it instead (digitpad.drawn.scanlike), drawn from a
    stream of its own."""
    chosen, n = list(digits) * variants, len(digits)
    brushed = [i for i in range(len(chosen)) if (i % n + i // n) % 2]  # each digit both ways, turn by turn
    conditions = [random_condition(rng, hands) for _ in chosen]
    scanner = np.random.default_rng(rng.integers(2**63)) if scans else None
    scanned = np.flatnonzero(scanner.random(len(chosen)) < scans) if scans else ()
    images = network_inputs(chosen, conditions, brushed=brushed, scans=scanned, rng=scanner)
    return images, np.array([d.label for d in chosen], np.int64)


def labelled_rows(rows, zoom=3, label_width=150):
    """One picture of rows of 28x28 inputs, each row named on its left: ``rows`` is
    ``[(name, [(28, 28) or (784,) inputs])]``, shown dark on light as a person would read them."""
    side = 28 * zoom
    width = max(len(images) for _, images in rows)
    out = []
    for name, images in rows:
        tiles = [cv2.resize(255 - (255 * np.asarray(im).reshape(28, 28)).astype(np.uint8), (side, side),
                            interpolation=cv2.INTER_NEAREST) for im in images]
        tiles += [np.full((side, side), 255, np.uint8)] * (width - len(tiles))
        label = np.full((side, label_width), 255, np.uint8)
        cv2.putText(label, name, (6, side // 2 + 5), cv2.FONT_HERSHEY_SIMPLEX, 0.45, 0, 1, cv2.LINE_AA)
        out.append(np.hstack([label, *tiles]))
    return np.vstack(out)
