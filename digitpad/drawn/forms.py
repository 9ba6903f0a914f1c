"""Digits as the world writes them: a catalogue of regional forms, each drawn as pen strokes with
natural variation.

The pen digits of the training writers hold few continental 1s (a long up-stroke to the top, then
down), closed 4s, crossed 7s or 9s with a straight tail, yet much of the world writes them so.
Every form here is a small function of a random generator that returns the strokes of one drawing
(y pointing down, about one unit tall): its control points move a little, its proportions change,
it leans a little, as one hand differs from another. They are drawn through the pad's brush or as
scans (digitpad.drawn.render, digitpad.drawn.scanlike) and trained on as the digit they are; docs/digit-forms.png
shows each. Sources: handwriting charts of European, Latin American, Indian and East Asian school
scripts (the continental 1 and crossed 7 of Europe, the open 4, the 9 with a straight stem).
"""
import numpy as np

from digitpad.reading import canvas_input, canvas_reading, picture_input, picture_reading, strokes_input

from .render import labelled_rows, pad_readings, pad_strokes, random_condition, render_digit
from .scanlike import scan_picture

JITTER = 0.025  # of the height: how far a control point strays from its place


def _points(rng, points):
    """Control points moved a little at random."""
    points = np.asarray(points, np.float64)
    return points + rng.normal(0, JITTER, points.shape)


def _line(rng, *points):
    """A straight polyline through control points (corners stay sharp)."""
    return _points(rng, points)


def _curve(rng, *points, n=12):
    """A smooth curve through control points (Catmull-Rom), ``n`` points between each two."""
    p = _points(rng, points)
    p = np.vstack([2 * p[0] - p[1], p, 2 * p[-1] - p[-2]])
    t = np.linspace(0, 1, n, endpoint=False)[:, None]
    out = []
    for i in range(1, len(p) - 2):
        a, b, c, d = p[i - 1], p[i], p[i + 1], p[i + 2]
        out.append(0.5 * (2 * b + (c - a) * t + (2 * a - 5 * b + 4 * c - d) * t ** 2
                          + (3 * b - a - 3 * c + d) * t ** 3))
    return np.vstack(out + [p[-2][None]])


def _arc(rng, centre, radii, start, end, n=40):
    """An elliptic arc from ``start`` to ``end`` degrees (0 to the right, 90 down; y points down)."""
    cx, cy = np.asarray(centre) + rng.normal(0, JITTER, 2)
    rx, ry = np.asarray(radii) * rng.uniform(0.9, 1.1, 2)
    a = np.radians(np.linspace(start, end, n))
    return np.stack([cx + rx * np.cos(a), cy + ry * np.sin(a)], axis=1)


def _dot(rng, x, y):
    return _points(rng, [[x, y]])


def _flag(rng):
    """Where a 1's flag starts, 0.15-0.4 of the height from the top of its stem: short or long, as
    hands differ, falling 30-65 degrees from level. Nearer level it is a 7's top: a person reads it
    so, and so does the network (docs/paper-scans.md, "Forms a person reads as another digit")."""
    angle, length = np.radians(rng.uniform(30, 65)), rng.uniform(0.15, 0.4)
    return 0.35 - length * np.cos(angle), length * np.sin(angle)


def _join(*parts):
    """One stroke from several pieces drawn without lifting the pen."""
    return np.vstack(parts)


FORMS = {
    # 0
    "0 oval": (0, lambda r: [_arc(r, (0.3, 0.5), (0.28, 0.5), -100, 275)]),
    "0 slashed": (0, lambda r: [_arc(r, (0.3, 0.5), (0.28, 0.5), -100, 275), _line(r, (-0.06, 1.06), (0.66, -0.06))]),
    "0 dotted": (0, lambda r: [_arc(r, (0.3, 0.5), (0.28, 0.5), -100, 275), _dot(r, 0.3, 0.5)]),
    # 1
    "1 bar": (1, lambda r: [_line(r, (0.3, 0.0), (0.3, 1.0))]),
    "1 flag": (1, lambda r: [_line(r, _flag(r), (0.35, 0.0), (0.35, 1.0))]),
    "1 flag and foot": (1, lambda r: [_line(r, _flag(r), (0.35, 0.0), (0.35, 1.0)), _line(r, (0.1, 1.0), (0.6, 1.0))]),
    "1 continental": (1, lambda r: [_line(r, (0.0, 0.5), (0.42, 0.0), (0.42, 1.0))]),
    "1 continental, foot": (1, lambda r: [_line(r, (0.0, 0.45), (0.42, 0.0), (0.42, 1.0)),
                                          _line(r, (0.15, 1.0), (0.7, 1.0))]),
    # 2
    "2 plain": (2, lambda r: [_join(_curve(r, (0.05, 0.28), (0.3, 0.0), (0.55, 0.22), (0.42, 0.55), (0.05, 1.0)),
                                    _line(r, (0.62, 1.0)))]),
    "2 looped": (2, lambda r: [_join(_curve(r, (0.05, 0.28), (0.3, 0.0), (0.55, 0.22), (0.4, 0.58), (0.12, 0.9),
                                            (0.06, 0.8), (0.2, 0.8), (0.24, 0.98)), _line(r, (0.62, 0.98)))]),
    # 3
    "3 round": (3, lambda r: [_join(_curve(r, (0.05, 0.12), (0.3, 0.0), (0.52, 0.2), (0.25, 0.46)),
                                    _curve(r, (0.3, 0.48), (0.58, 0.7), (0.35, 1.0), (0.02, 0.88)))]),
    "3 flat top": (3, lambda r: [_join(_line(r, (0.05, 0.0), (0.55, 0.0), (0.25, 0.4)),
                                       _curve(r, (0.3, 0.42), (0.58, 0.68), (0.35, 1.0), (0.02, 0.86)))]),
    # 4
    "4 open": (4, lambda r: [_line(r, (0.3, 0.0), (0.02, 0.65), (0.62, 0.65)), _line(r, (0.46, 0.25), (0.46, 1.0))]),
    "4 closed": (4, lambda r: [_line(r, (0.46, 1.0), (0.46, 0.0), (0.02, 0.65), (0.62, 0.65))]),
    "4 square": (4, lambda r: [_line(r, (0.06, 0.0), (0.06, 0.6), (0.62, 0.6)), _line(r, (0.45, 0.05), (0.45, 1.0))]),
    # 5
    "5 two strokes": (5, lambda r: [_join(_line(r, (0.1, 0.0), (0.07, 0.45)),
                                          _curve(r, (0.3, 0.38), (0.56, 0.65), (0.35, 1.0), (0.02, 0.9))),
                                    _line(r, (0.1, 0.0), (0.58, 0.0))]),
    "5 one stroke": (5, lambda r: [_join(_line(r, (0.58, 0.0), (0.1, 0.0), (0.07, 0.45)),
                                         _curve(r, (0.3, 0.38), (0.56, 0.65), (0.35, 1.0), (0.02, 0.9)))]),
    # 6
    "6 curved": (6, lambda r: [_curve(r, (0.5, 0.04), (0.2, 0.25), (0.04, 0.65), (0.25, 1.0), (0.52, 0.82),
                                      (0.42, 0.55), (0.1, 0.62))]),
    "6 circle and stem": (6, lambda r: [_join(_line(r, (0.5, 0.0), (0.06, 0.72)),
                                              _arc(r, (0.3, 0.74), (0.25, 0.26), 180, 540))]),
    # 7
    "7 plain": (7, lambda r: [_line(r, (0.02, 0.0), (0.6, 0.0), (0.22, 1.0))]),
    "7 crossed": (7, lambda r: [_line(r, (0.02, 0.0), (0.6, 0.0), (0.22, 1.0)), _line(r, (0.18, 0.52), (0.58, 0.5))]),
    "7 hooked": (7, lambda r: [_line(r, (0.02, 0.18), (0.02, 0.0), (0.6, 0.0), (0.22, 1.0))]),
    "7 curved stem": (7, lambda r: [_join(_line(r, (0.02, 0.0)), _curve(r, (0.6, 0.0), (0.35, 0.45), (0.28, 1.0)))]),
    "7 crossed, hooked": (7, lambda r: [_line(r, (0.02, 0.18), (0.02, 0.0), (0.6, 0.0), (0.22, 1.0)),
                                        _line(r, (0.16, 0.52), (0.56, 0.5))]),
    # 8
    "8 one stroke": (8, lambda r: [_curve(r, (0.5, 0.1), (0.28, 0.0), (0.06, 0.2), (0.3, 0.48), (0.56, 0.75),
                                          (0.3, 1.0), (0.04, 0.75), (0.3, 0.48), (0.52, 0.2), (0.45, 0.08))]),
    "8 two loops": (8, lambda r: [_arc(r, (0.3, 0.24), (0.2, 0.23), 90, 450),
                                  _arc(r, (0.3, 0.73), (0.27, 0.27), -90, 270)]),
    # 9
    "9 straight tail": (9, lambda r: [_join(_arc(r, (0.3, 0.27), (0.26, 0.27), 0, -360),
                                            _line(r, (0.56, 0.3), (0.56, 1.0)))]),
    "9 slanted tail": (9, lambda r: [_join(_arc(r, (0.32, 0.27), (0.26, 0.27), 0, -360),
                                           _line(r, (0.58, 0.3), (0.3, 1.0)))]),
    "9 curved tail": (9, lambda r: [_join(_arc(r, (0.3, 0.27), (0.26, 0.27), 0, -360),
                                          _curve(r, (0.56, 0.3), (0.52, 0.8), (0.3, 1.0), (0.08, 0.9)))]),
}


def form_strokes(name, rng):
    """One drawing of the form ``name``: its strokes (y down), a little turned and its width a little
    changed, as another hand would write it."""
    strokes = FORMS[name][1](rng)
    angle = np.radians(rng.uniform(-6, 6))
    turn = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    stretch = np.diag([np.exp(rng.uniform(-0.2, 0.2)), 1.0])
    return [s @ stretch @ turn for s in strokes]


def form_drawings(names, rng, scans=0.0):
    """A drawing of each form named, as a user would hand it over: ``("strokes", strokes)``, the
    pad's strokes under a random condition, or, every second one, ``("canvas", canvas)``, the canvas
    its brush left (a picture of it); or, that share of them ``scans``, ``("scan", picture)``: the
    grey picture of a scan of it (digitpad.drawn.scanlike)."""
    for i, name in enumerate(names):
        strokes = form_strokes(name, rng)
        if rng.random() < scans:
            yield "scan", scan_picture(strokes, rng, y_up=False)
            continue
        condition = random_condition(rng, hands=True)
        if i % 2:
            yield "canvas", render_digit(strokes, condition, y_up=False)
        else:
            yield "strokes", pad_strokes(strokes, condition, y_up=False)


def form_inputs(names, rng, scans=0.0):
    """(len(names), 784) float32 inputs, the network's input for each of ``form_drawings`` as it is
    trained (digitpad.reading.strokes_input, canvas_input, picture_input)."""
    images = np.zeros((len(names), 784), np.float32)
    inputs = {"strokes": strokes_input, "canvas": canvas_input, "scan": picture_input}
    for i, (kind, ink) in enumerate(form_drawings(names, rng, scans)):
        image = inputs[kind](ink)
        if image is not None:
            images[i] = image.reshape(-1)
    return images


def form_readings(views, names, rng, scans=0.0):
    """(len(names), 10) probabilities: each of ``form_drawings`` read by ``views`` as the pad reads
    its strokes, a pad's canvas (digitpad.reading.canvas_reading) or a user's file
    (digitpad.reading.picture_reading)."""
    readings = {"strokes": lambda ink: pad_readings(views, [ink])[0],
                "canvas": lambda ink: canvas_reading(views, ink)[0],
                "scan": lambda ink: picture_reading(views, ink)[0]}
    return np.array([readings[kind](ink) for kind, ink in form_drawings(names, rng, scans)])


def training_forms(n, rng, scans=0.0):
    """``n`` drawings of the forms in turn, as ``form_inputs`` makes them: (n, 784) inputs, (n,) labels."""
    names = [list(FORMS)[i % len(FORMS)] for i in range(n)]
    return form_inputs(names, rng, scans), np.array([FORMS[name][0] for name in names], np.int64)


def mosaic(rng, per_form=8, zoom=2):
    """A row for each form: ``per_form`` drawings as the pad reads them, then as many scans, as the
    network learns them (and first reads them: digitpad.reading.canvas_reading thins an unsure thick scan), for
    looking at."""
    rows = [(name, np.vstack([form_inputs([name] * per_form, rng), form_inputs([name] * per_form, rng, 1.0)]))
            for name in FORMS]
    return labelled_rows(rows, zoom, label_width=170)
