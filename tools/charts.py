"""Charts drawn with OpenCV alone (no matplotlib): lines, bars, heat maps, image grids.

Every function returns a BGR uint8 image sized to be read at its natural size.
"""
import os
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

from mnist_mlp.files import umask

FONT = cv2.FONT_HERSHEY_SIMPLEX
WHITE, INK, GRID, MUTED = (255, 255, 255), (40, 40, 40), (225, 225, 225), (120, 120, 120)
PALETTE = [(180, 119, 31), (14, 127, 255), (44, 160, 44), (40, 39, 214), (189, 103, 148)]  # tab10, BGR
MARGIN = dict(left=70, right=20, top=46, bottom=56)


def png_problem(path):
    """Why a picture cannot be written at ``path``, or None: asked before the work that makes it,
    so a misspelt folder does not cost a whole evaluation."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        return f"{path}: give a path ending in .png"
    if not path.parent.is_dir():
        return f"{path}: there is no folder {path.parent}"
    if path.is_symlink() or (path.exists() and not path.is_file()):
        return f"{path} is not a plain file (a folder, a link, a FIFO or a device); give a new .png path"
    if not os.access(path.parent, os.W_OK):
        return f"{path}: cannot write in {path.parent}"
    return None


def write_png(path, image):
    """Write ``image`` as a PNG at ``path`` (replacing a file there) through a new file beside it,
    so a failure leaves what was there; False, said on stderr, when it cannot."""
    path, data, new = Path(path), cv2.imencode(".png", image)[1].tobytes(), None
    try:
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as f:
            new = f.name
            f.write(data)
        os.chmod(new, 0o666 & ~umask())  # made 0600; a picture gets the user's usual mode, as cv2.imwrite gives
        os.replace(new, path)
        return True
    except OSError as e:
        if new is not None and os.path.exists(new):
            os.unlink(new)
        print(f"error: cannot write {path}: {e.strerror or e}", file=sys.stderr)
        return False


def text(img, s, org, scale=0.45, color=INK, thickness=1, align="left"):
    (w, h), _ = cv2.getTextSize(s, FONT, scale, thickness)
    x, y = org
    if align == "center":
        x -= w // 2
    elif align == "right":
        x -= w
    cv2.putText(img, s, (int(x), int(y)), FONT, scale, color, thickness, cv2.LINE_AA)


def canvas(width, height, title):
    img = np.full((height, width, 3), 255, np.uint8)
    text(img, title, (width // 2, 28), 0.6, INK, 1, "center")
    return img


def nice_ticks(lo, hi, count=6):
    """Round tick values covering [lo, hi]."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / count
    step = 10 ** np.floor(np.log10(raw))
    step *= next(m for m in (1, 2, 2.5, 5, 10) if raw <= m * step)
    return np.arange(np.ceil(lo / step) * step, hi + step / 2, step)


def _fmt(v):
    v = 0.0 if abs(v) < 1e-12 else float(v)  # no "-0"
    return f"{v:g}" if abs(v) >= 0.01 or v == 0 else f"{v:.0e}"


def axes(img, x_range, y_range, xlabel, ylabel):
    """Draw axes with ticks and labels; return a function mapping data (x, y) to pixels."""
    h, w = img.shape[:2]
    left, right, top, bottom = MARGIN["left"], w - MARGIN["right"], MARGIN["top"], h - MARGIN["bottom"]
    (x0, x1), (y0, y1) = x_range, y_range

    def to_px(x, y):
        px = left + (np.asarray(x, float) - x0) / (x1 - x0) * (right - left)
        py = bottom - (np.asarray(y, float) - y0) / (y1 - y0) * (bottom - top)
        return px, py

    for v in nice_ticks(y0, y1):
        if y0 <= v <= y1:
            _, py = to_px(x0, v)
            cv2.line(img, (left, int(py)), (right, int(py)), GRID, 1)
            text(img, _fmt(v), (left - 6, py + 4), 0.4, MUTED, 1, "right")
    for v in nice_ticks(x0, x1, 8):
        if x0 <= v <= x1:
            px, _ = to_px(v, y0)
            cv2.line(img, (int(px), bottom), (int(px), bottom + 4), INK, 1)
            text(img, _fmt(v), (px, bottom + 18), 0.4, MUTED, 1, "center")
    cv2.rectangle(img, (left, top), (right, bottom), INK, 1)
    text(img, xlabel, ((left + right) // 2, h - 14), 0.45, INK, 1, "center")
    vertical_label(img, ylabel, top, bottom, 8)
    return to_px


def vertical_label(img, s, top, bottom, left):
    """An axis title written bottom to top, centred between rows top and bottom, 20 px wide from left."""
    label = np.full((20, bottom - top, 3), 255, np.uint8)
    text(label, s, ((bottom - top) // 2, 15), 0.45, INK, 1, "center")
    img[top:bottom, left:left + 20] = cv2.rotate(label, cv2.ROTATE_90_COUNTERCLOCKWISE)


def legend(img, names, corner="top-right"):
    h, w = img.shape[:2]
    width = max(cv2.getTextSize(n, FONT, 0.42, 1)[0][0] for n in names) + 40
    x = w - MARGIN["right"] - width - 8 if corner.endswith("right") else MARGIN["left"] + 8
    y = MARGIN["top"] + 8 if corner.startswith("top") else h - MARGIN["bottom"] - 8 - 18 * len(names)
    cv2.rectangle(img, (x, y), (x + width, y + 18 * len(names) + 6), WHITE, -1)
    cv2.rectangle(img, (x, y), (x + width, y + 18 * len(names) + 6), GRID, 1)
    for i, name in enumerate(names):
        cy = y + 14 + 18 * i
        cv2.line(img, (x + 6, cy - 4), (x + 28, cy - 4), PALETTE[i % len(PALETTE)], 2, cv2.LINE_AA)
        text(img, name, (x + 34, cy), 0.42)


def line_chart(series, title, xlabel, ylabel, size=(640, 400), y_range=None, legend_corner="top-right"):
    """``series``: {name: (xs, ys)}, one coloured line each, with a legend."""
    img = canvas(*size, title)
    xs = np.concatenate([np.asarray(x, float) for x, _ in series.values()])
    ys = np.concatenate([np.asarray(y, float) for _, y in series.values()])
    if y_range is None:
        pad = (ys.max() - ys.min()) * 0.05 or 0.05
        y_range = (ys.min() - pad, ys.max() + pad)
    to_px = axes(img, (xs.min(), xs.max() if xs.max() > xs.min() else xs.min() + 1), y_range, xlabel, ylabel)
    for i, (x, y) in enumerate(series.values()):
        px, py = to_px(x, np.clip(y, *y_range))
        points = np.stack([px, py], axis=1).round().astype(np.int32)
        cv2.polylines(img, [points], False, PALETTE[i % len(PALETTE)], 2, cv2.LINE_AA)
        for p in points if len(points) <= 60 else []:
            cv2.circle(img, tuple(p), 3, PALETTE[i % len(PALETTE)], -1, cv2.LINE_AA)
    legend(img, list(series), legend_corner)
    return img


def bar_chart(groups, labels, title, xlabel, ylabel, size=(640, 400), y_range=None, value_format=None,
              legend_corner="top-right"):
    """``groups``: {name: values}, bars side by side per label; values printed above when given a format."""
    img = canvas(*size, title)
    values = np.array(list(groups.values()), float)
    y_range = y_range or (0, values.max() * 1.1 or 1)
    to_px = axes(img, (-0.5, len(labels) - 0.5), y_range, xlabel, ylabel)
    # replace the numeric x ticks with the labels
    h = img.shape[0]
    img[h - MARGIN["bottom"] + 1:h - 30, MARGIN["left"] + 1:] = 255
    width = 0.8 / len(groups)
    for g, vals in enumerate(groups.values()):
        for i, v in enumerate(vals):
            x = i - 0.4 + width * (g + 0.5)
            (xa, ya), (xb, yb) = [to_px(x + d, y) for d, y in ((-width / 2, y_range[0]), (width / 2, v))]
            yb = max(yb, MARGIN["top"])
            cv2.rectangle(img, (int(xa), int(ya)), (int(xb), int(yb)), PALETTE[g % len(PALETTE)], -1)
            if value_format:
                text(img, value_format.format(v), ((xa + xb) / 2, yb - 4), 0.36, INK, 1, "center")
    for i, label in enumerate(labels):
        px, _ = to_px(i, y_range[0])
        text(img, str(label), (px, h - MARGIN["bottom"] + 18), 0.45, INK, 1, "center")
    if len(groups) > 1:
        legend(img, list(groups), legend_corner)
    return img


def heatmap(matrix, title, xlabel, ylabel, cell=44):
    """A square matrix as shaded cells with each count written in it (row = true, column = predicted)."""
    n = len(matrix)
    left, top = 70, 56
    img = canvas(left + n * cell + 20, top + n * cell + 50, title)
    off = np.array(matrix, float)
    scale = np.log1p(off) / np.log1p(off.max() or 1)
    for r in range(n):
        for c in range(n):
            shade = scale[r, c]
            color = (255 - 200 * shade, 255 - 130 * shade, 255 - 40 * shade) if r != c else \
                (255 - 120 * shade, 255 - 40 * shade, 255 - 150 * shade)
            p0, p1 = (left + c * cell, top + r * cell), (left + (c + 1) * cell - 1, top + (r + 1) * cell - 1)
            cv2.rectangle(img, p0, p1, color, -1)
            value = int(matrix[r][c])
            if value:
                text(img, str(value), (p0[0] + cell / 2, p0[1] + cell / 2 + 5), 0.42,
                     WHITE if shade > 0.6 else INK, 1, "center")
        text(img, str(r), (left - 10, top + r * cell + cell / 2 + 5), 0.45, INK, 1, "right")
        text(img, str(r), (left + r * cell + cell / 2, top - 8), 0.45, INK, 1, "center")
    cv2.rectangle(img, (left, top), (left + n * cell - 1, top + n * cell - 1), INK, 1)
    text(img, xlabel, (left + n * cell / 2, top + n * cell + 30), 0.45, INK, 1, "center")
    vertical_label(img, ylabel, top, top + n * cell, 14)
    return img


def mosaic(tiles, columns, gap=4, background=255):
    """Equal-sized tiles (grey or BGR) in a grid, ``columns`` wide."""
    tiles = [t if t.ndim == 3 else cv2.cvtColor(t, cv2.COLOR_GRAY2BGR) for t in tiles]
    h, w = tiles[0].shape[:2]
    rows = (len(tiles) + columns - 1) // columns
    img = np.full((rows * (h + gap) + gap, columns * (w + gap) + gap, 3), background, np.uint8)
    for i, t in enumerate(tiles):
        y, x = gap + (i // columns) * (h + gap), gap + (i % columns) * (w + gap)
        img[y:y + h, x:x + w] = t
    return img


def diverging(values):
    """Blue (negative) - white (zero) - red (positive) BGR colours for values in [-1, 1]."""
    v = np.clip(values, -1, 1)[..., None]
    blue, red, white = np.array([180, 80, 20.0]), np.array([30, 40, 200.0]), np.array([255, 255, 255.0])
    return np.where(v < 0, white + (blue - white) * -v, white + (red - white) * v).astype(np.uint8)


def titled(img, title):
    """The image with a title band above it."""
    band = canvas(img.shape[1], 40, title)
    return np.vstack([band, img])
