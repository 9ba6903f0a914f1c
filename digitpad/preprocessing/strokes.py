"""The round, anti-aliased brush that draws strokes onto a canvas.

The pad and the drawn-digit benchmark both draw through here, so what the
benchmark measures is what the pad shows the network.
"""
import cv2
import numpy as np

INK = 255
SUBPIXEL_BITS = 4  # cv2 drawing takes fixed-point coordinates: 1/16 px precision


def _fixed(point):
    return (int(round(point[0] * (1 << SUBPIXEL_BITS))), int(round(point[1] * (1 << SUBPIXEL_BITS))))


def draw_segment(canvas, p0, p1, thickness):
    """A straight piece of stroke from p0 to p1 with round ends, so joined pieces never gap."""
    cv2.line(canvas, _fixed(p0), _fixed(p1), INK, int(thickness), cv2.LINE_AA, SUBPIXEL_BITS)


def draw_dot(canvas, p, thickness):
    """A stroke that never moved: a filled disc of the brush's diameter."""
    radius = max(1, int(round(thickness / 2)))
    cv2.circle(canvas, _fixed(p), radius << SUBPIXEL_BITS, INK, -1, cv2.LINE_AA, SUBPIXEL_BITS)


def draw_stroke(canvas, points, thickness):
    """A whole stroke: a dot where the pen went down, then consecutive points joined by
    segments; the same calls in the same order as the pad makes them while drawing."""
    draw_dot(canvas, points[0], thickness)
    for p0, p1 in zip(points[:-1], points[1:]):
        draw_segment(canvas, p0, p1, thickness)


def render(strokes, size, height=None):
    """A fresh uint8 canvas, ``size`` wide and ``height`` (default ``size``) tall, with every
    (points, thickness) stroke drawn on it."""
    canvas = np.zeros((size if height is None else height, size), np.uint8)
    for points, thickness in strokes:
        draw_stroke(canvas, points, thickness)
    return canvas


REDRAW_SIDE = 80  # pixels: the redrawn drawing's longer side (prepare shrinks it to 20 anyway)
REDRAW_WIDTH = 0.05  # the brush as a fraction of that side: a thin pen (docs/not-a-digit.md: widths compared)
BLOB = 0.25  # a path no longer than this fraction of the brush is a dot, not a tiny drawing
SEEN_SIDE = 200  # pixels: the longer side of strokes drawn as seen (a 6 px gap on a 400 px pad stays open)


def redraw(strokes, side=REDRAW_SIDE, width=REDRAW_WIDTH):
    """The (points, thickness) strokes drawn again on a fresh canvas, their path scaled so its
    longer side is ``side`` pixels and drawn with a brush of ``width * side``, so the network sees
    the same stroke width whatever brush the user picked and however small they wrote. A path
    shorter than a quarter of its brush (a dot, a tap, a wobble of the mouse) is a blob, and drawn
    as it was, scaled alike; so is every drawing with ``width`` None (``as_seen``), but never enlarged.
    """
    points = np.concatenate([np.asarray(p, np.float64).reshape(-1, 2) for p, _ in strokes])
    lo, hi = points.min(axis=0), points.max(axis=0)
    extent, thickest = float((hi - lo).max()), max(t for _, t in strokes)
    if width is not None and extent > BLOB * thickest:
        scale, brush = side / extent, [max(1, round(width * side))] * len(strokes)
    else:
        scale = side / (extent + thickest) if width is not None else min(1.0, side / (extent + thickest))
        brush = [max(1, round(t * scale)) for _, t in strokes]
    margin = max(brush) / 2 + 2
    size = np.ceil((hi - lo) * scale + 2 * margin).astype(int)
    canvas = np.zeros((int(size[1]), int(size[0])), np.uint8)
    for (p, _), b in zip(strokes, brush):
        draw_path(canvas, (np.asarray(p, np.float64).reshape(-1, 2) - lo) * scale + margin, b)
    return canvas


def as_seen(strokes, side=SEEN_SIDE):
    """The strokes as the user sees them, each with its own brush, at most ``side`` pixels at their
    longer side and never enlarged: where a brush closes the gaps between strokes, or the pad's
    anti-aliasing fills a hairline one, they are one piece of ink."""
    return redraw(strokes, side, width=None)


def draw_path(canvas, points, thickness):
    """A whole stroke in one call: the ink of ``draw_stroke`` but for the anti-aliasing where its
    pieces join, and several times faster for a long stroke (the pad redraws every frame)."""
    if len(points) == 1:
        draw_dot(canvas, points[0], thickness)
    else:
        cv2.polylines(canvas, [np.rint(np.asarray(points) * (1 << SUBPIXEL_BITS)).astype(np.int32)], False, INK,
                      int(thickness), cv2.LINE_AA, SUBPIXEL_BITS)
