"""Reading a number: which strokes make each digit, and where the digits of an image are.

Both come down to boxes along a line. Boxes whose horizontal extents overlap by nearly all of
the narrower one belong to one digit (the cross of a 7, the two strokes of a 4); boxes that
overlap by less than a fifth are neighbours that touch. Between the two the geometry cannot
tell, and a caller that can read digits decides: ``read(groups)`` gives a confidence for each
group, and two groups join when one of them is a piece rather than a digit (shorter than the
digits around it, or no sure digit on its own) and they read better together than apart
(product of the groups' confidences). Without ``read``, any overlap of a fifth or more counts
as one digit. The order strokes were drawn in plays no part, so a 4 finished after the next digit
was started is still one 4.

The thresholds were chosen on development writers with ``tools/eval_drawn.py --numbers``
(README, "Whole numbers").
"""
import cv2
import numpy as np

from . import canvas_from_image
from .strokes import draw_path
from .thinning import holes

SURE = 0.9  # overlap, as a fraction of the narrower box, from which two boxes are surely one digit
APART = 0.2  # ... and below which they are two
ALONE = 0.9  # a part read with less confidence than this may be a piece of its neighbour
PIECE = 0.8  # ... as may a part less tall than this fraction of a whole digit
NARROWEST = 0.3  # overlaps are measured against at least this fraction of a digit's height
WIDE = 0.9  # a component wider than this times its height may be several touching digits...
SURELY_WIDE = 1.4  # ...and one wider than this probably is; below it, a cut must be clearly better
CAUTION = 0.85  # the factor a cut's confidence is held to below SURELY_WIDE (a wide 0 is not "()")
SOLID = 0.8  # no cut runs down through unbroken ink this much of the height: that is a blot, or along a stroke
LOOP = 0.15  # ... nor through paper enclosed by ink over this share of the box: a ring round it is one shape
TRACED = 0.75  # two strokes sharing this much of the ink of each are one digit (a 1 traced twice); of
# 2,100 made numbers (digitpad.drawn.numbers), two strokes of different digits shared at most 0.7
TRACE_SIDE = 32  # pixels: a digit's height while strokes' ink is compared
MAX_TRACE_SIDE = 384  # pixels: the longest side of all the strokes then (60 strokes: 35 MB at most)
CLOSE_CALL = 1.25  # a grouping the network settles by less than this factor is a doubt (the number is not sure)
# Boxes that overlap across by APART or more but share less than this share of the shorter one's height
# lie one above the other, and where together they make a column (no wider than COLUMN of its height),
# they are one digit, since a number's digits stand side by side: a 1 written in bits that lean, a
# column of dashes (which digitpad.reading then reads as no digit); a 7's bar above a 2's base is no column.
STACKED, COLUMN = 0.25, 0.5
SPECK = 0.002  # components smaller than this fraction of the largest one's area are dust
MAX_PIECES = 100  # pieces of ink in a picture of a number: 15 digits of several pieces each, and room


def stroke_boxes(strokes):
    """(n, 4) float boxes [x0, y0, x1, y1] of the pad's strokes ({"brush", "points"} dicts, or point
    lists), widened by half the brush so a stroke's box is its ink's."""
    boxes = np.zeros((len(strokes), 4))
    for i, stroke in enumerate(strokes):
        try:
            points = np.asarray(stroke["points"] if isinstance(stroke, dict) else stroke, np.float64).reshape(-1, 2)
            half = float(stroke.get("brush", 0) if isinstance(stroke, dict) else 0) / 2
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"stroke {i} is not {{'brush': width, 'points': [[x, y], ...]}}") from None
        if not len(points) or not np.isfinite(points).all() or not np.isfinite(half):
            raise ValueError(f"stroke {i} has no points, or points that are not finite numbers")
        boxes[i] = [*(points.min(axis=0) - half), *(points.max(axis=0) + half)]
    return boxes


def overlaps(boxes, least_width=0.0):
    """(n, n): the horizontal overlap of every two [x0, y0, x1, y1] boxes, as a fraction of the
    narrower one's width, or of ``least_width`` if that is more (a 1 is one brush wide: by its own
    width, any neighbour that touches it would cover all of it)."""
    x0, x1 = boxes[:, 0], boxes[:, 2]
    shared = np.minimum(x1[:, None], x1[None]) - np.maximum(x0[:, None], x0[None])
    width = x1 - x0
    narrower = np.maximum(np.minimum(width[:, None], width[None]), max(least_width, 1e-9))
    return np.clip(shared, 0, None) / narrower


def stacked(boxes):
    """(n, n) bool: whether every two [x0, y0, x1, y1] boxes share less than STACKED of the shorter
    one's height (one lies above the other) and make a column together, no wider than COLUMN of
    its height."""
    x0, y0, x1, y1 = boxes.T
    above = overlaps(boxes[:, [1, 0, 3, 2]]) < STACKED  # their overlap down, as a share of the shorter
    wide = np.maximum(x1[:, None], x1[None]) - np.minimum(x0[:, None], x0[None])
    tall = np.maximum(y1[:, None], y1[None]) - np.minimum(y0[:, None], y0[None])
    return above & (wide <= COLUMN * tall)


def traced(strokes, boxes):
    """(n, n): for every two of the pad's strokes, the ink they share as a share of the greater one's
    (each drawn once, at TRACE_SIDE pixels a digit): high only when one runs along the other for most
    of its length, not when a short stroke touches a long one. Only strokes whose boxes overlap by at
    least a third of the smaller one are drawn (no less can hold three quarters of its ink); the
    others share nothing."""
    n = len(strokes)
    shared = np.zeros((n, n))
    lo, hi = np.maximum(boxes[:, None, :2], boxes[None, :, :2]), np.minimum(boxes[:, None, 2:], boxes[None, :, 2:])
    meet = np.clip(hi - lo, 0, None).prod(axis=2)
    area = (boxes[:, 2:] - boxes[:, :2]).prod(axis=1)
    close = np.triu(meet >= np.minimum(area[:, None], area[None]) / 3, k=1)
    drawn = np.unique(np.nonzero(close))
    if not len(drawn):
        return shared
    lo, hi = boxes[drawn, :2].min(axis=0), boxes[drawn, 2:].max(axis=0)
    scale = TRACE_SIDE / max(float(np.percentile(boxes[:, 3] - boxes[:, 1], 75)), 1.0)
    scale = min(scale, MAX_TRACE_SIDE / max(float((hi - lo).max()), 1.0))  # bounded, however far apart
    w, h = np.ceil((hi - lo) * scale).astype(int) + 2
    ink = np.zeros((len(drawn), h * w), np.float32)
    for k, i in enumerate(drawn):
        stroke = strokes[i] if isinstance(strokes[i], dict) else {"points": strokes[i]}
        canvas = np.zeros((h, w), np.uint8)
        points = (np.asarray(stroke["points"], np.float64).reshape(-1, 2) - lo) * scale + 1
        draw_path(canvas, points, max(1, round(float(stroke.get("brush", 0)) * scale)))
        ink[k] = canvas.reshape(-1) > 127
    both = ink @ ink.T  # pixels inked by both, for every two drawn strokes at once
    amount = np.diag(both)
    shared[np.ix_(drawn, drawn)] = both / np.maximum(np.maximum(amount[:, None], amount[None]), 1)
    return np.where(close | close.T, shared, 0.0)


def group_boxes(boxes, read=None, together=None, doubts=None):
    """Indices of ``boxes`` grouped into digits, each group sorted, groups left to right; pairs marked
    in ``together`` (an (n, n) bool array) are one digit whatever else says. Each pair the network
    settled by less than CLOSE_CALL is added to the list ``doubts``, if one is given."""
    n = len(boxes)
    owner = list(range(n))

    def find(i):
        while owner[i] != i:
            owner[i] = owner[owner[i]]
            i = owner[i]
        return i

    def groups():
        found = {}
        for i in range(n):
            found.setdefault(find(i), []).append(i)
        return sorted(found.values(), key=lambda g: boxes[g, 0].min() + boxes[g, 2].max())

    def height(group):
        return boxes[group, 3].max() - boxes[group, 1].min()

    typical = np.percentile(boxes[:, 3] - boxes[:, 1], 75) if n else 0.0  # a whole digit's height
    ratios = overlaps(boxes, NARROWEST * typical)
    ratios = np.where((ratios >= APART) & stacked(boxes), 1.0, ratios)
    if together is not None:
        ratios = np.where(together, 1.0, ratios)
    i_s, j_s = np.nonzero(np.triu(ratios >= APART, k=1))  # only pairs that may be one digit are looked at
    pairs = sorted(zip(ratios[i_s, j_s].tolist(), i_s.tolist(), j_s.tolist()), reverse=True)
    for ratio, i, j in pairs:
        if ratio >= SURE:
            owner[find(i)] = find(j)
    for ratio, i, j in pairs:
        if ratio >= SURE or find(i) == find(j):
            continue
        if read is None:
            owner[find(i)] = find(j)
            continue
        apart = [g for g in groups() if find(g[0]) in (find(i), find(j))]
        separate = read(apart)
        # Merged, two neighbours often still read as one digit (41 as a 4). So a merge must read
        # better than the parts apart, and one part must be a piece rather than a digit: shorter
        # than the digits around it (a 5's flag, half of a 4) or no sure digit on its own.
        piece = min(height(g) for g in apart) < PIECE * typical or min(separate) < ALONE
        if not piece:
            continue
        joined, alone = read([sorted(apart[0] + apart[1])])[0], np.prod(separate)
        if doubts is not None and max(joined, alone) < CLOSE_CALL * min(joined, alone):
            doubts.append((i, j))
        if joined > alone:
            owner[find(i)] = find(j)
    return groups()


def group_strokes(strokes, read=None, boxes=None, doubts=None):
    """The pad's strokes (in its saved form, a list of {"brush": int, "points": [[x, y], ...]} in
    canvas pixels, in drawing order) grouped into digits: lists of stroke indices, left to right,
    e.g. ``[[0], [1, 2], [3]]``. ``read(groups)``, given lists of stroke indices, returns a
    confidence for each; it settles the groupings that geometry leaves open (its close calls added to
    ``doubts``, a list, if given). ``boxes``: the strokes' own (stroke_boxes), if already known."""
    if not len(strokes):
        return []
    boxes = stroke_boxes(strokes) if boxes is None else boxes
    # A stroke drawn over another (a 1 traced twice, up and back down) is the same digit: no digit of
    # a number is written on top of another, however sure each reads alone.
    return group_boxes(boxes, read, traced(strokes, boxes) >= TRACED, doubts)


def split_image(gray, read=None):
    """The digits of a number in a grey image (either polarity), left to right, as (x, y, w, h) boxes.

    Connected pieces of ink are grouped like strokes (a 5 whose flag does not touch its body stays
    one digit). A group much wider than tall may be touching digits: ``read(boxes)``, giving a
    confidence for each (x, y, w, h) box, picks the cut whose halves it reads with the highest joint
    confidence, if that beats reading it whole.
    """
    return split_canvas(canvas_from_image(gray), read)


def split_canvas(canvas, read=None, doubts=None, cuts=None):
    """``split_image`` for a canvas already made by ``canvas_from_image``; ValueError for more than
    MAX_PIECES pieces of ink (a grid of dots, a page of text), which are no number. ``cuts``, a list,
    is given the index of each box cut out of a wider one (touching digits, or a letter's strokes)."""
    _, _, stats, _ = cv2.connectedComponentsWithStats((canvas > 0).astype(np.uint8), connectivity=8)
    stats = stats[1:]
    if not len(stats):
        return []
    stats = stats[stats[:, cv2.CC_STAT_AREA] >= SPECK * stats[:, cv2.CC_STAT_AREA].max()]
    if len(stats) > MAX_PIECES:  # grouping compares every pair: refused before it costs
        raise ValueError(f"more than {MAX_PIECES} pieces of ink: not a number")
    boxes = np.array([[x, y, x + w, y + h] for x, y, w, h, _ in stats], np.float64)
    merged = []
    for group in group_boxes(boxes, None if read is None else lambda gs: read([_xywh(boxes[g]) for g in gs]),
                             doubts=doubts):
        box = _xywh(boxes[group])
        parts = _split_wide(canvas, box, read) if read is not None else [box]
        if cuts is not None and len(parts) > 1:
            cuts.extend(range(len(merged), len(merged) + len(parts)))
        merged.extend(parts)
    return merged


def _xywh(boxes):
    """The (x, y, w, h) box around [x0, y0, x1, y1] boxes."""
    x0, y0 = boxes[:, :2].min(axis=0)
    x1, y1 = boxes[:, 2:].max(axis=0)
    return int(x0), int(y0), int(x1 - x0), int(y1 - y0)


def _split_wide(canvas, box, read, depth=0):
    """``box`` whole, or cut in two where ``read`` is surest of both halves (each half again, up to 8
    digits). Every cut is tried, not only where the ink is thinnest: that is inside a 0 or an 8; but
    none down through ink unbroken for SOLID of the height (a solid square's halves are two fat 1s),
    nor through paper that ink encloses over LOOP of the box: two digits touch, they do not make a
    ring round anything (a circle, a face, a triangle cut in two read as a sure "61" or "67")."""
    x, y, w, h = box
    if w <= WIDE * h or depth >= 3:
        return [box]
    lo, hi = int(0.25 * h), w - int(0.25 * h)  # a digit is at least a quarter as wide as tall
    if hi <= lo:
        return [box]
    loops = holes(canvas[y:y + h, x:x + w] > 0, LOOP * w * h).any(axis=0)
    candidates = range(lo, hi, max(1, (hi - lo) // 24))  # at most about 24 cuts, each read as two digits
    best, best_score = None, float(np.prod(read([box])))
    prior = 1.0 if w > SURELY_WIDE * h else CAUTION
    for cut in candidates:
        if loops[cut] or _longest_run(canvas[y:y + h, x + cut] > 0) >= SOLID * h:
            continue
        halves = [_tight(canvas, (x, y, cut, h)), _tight(canvas, (x + cut, y, w - cut, h))]
        if any(b is None for b in halves):
            continue
        score = prior * float(np.prod(read(halves)))
        if score > best_score:
            best, best_score = halves, score
    if best is None:
        return [box]
    return [part for half in best for part in _split_wide(canvas, half, read, depth + 1)]


def _longest_run(ink):
    """The length of the longest run of True in a 1-D bool array."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], ink.astype(np.int8), [0]))))
    return int((edges[1::2] - edges[::2]).max()) if len(edges) else 0


def _tight(canvas, box):
    """``box`` shrunk to the ink inside it, or None when it holds none."""
    x, y, w, h = box
    bx, by, bw, bh = cv2.boundingRect(canvas[y:y + h, x:x + w])
    return None if bw == 0 or bh == 0 else (x + bx, y + by, bw, bh)
