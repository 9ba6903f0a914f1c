"""Labelled scans of handwritten digits: the optdigits-orig text format, and any folder with
subfolders ``0``-``9`` of image files.

optdigits-orig (UCI "Optical Recognition of Handwritten Digits", its original bitmaps): a header
of ``key = value`` lines (``entwidth``, ``entheight``, ...), then for every digit ``entheight`` rows
of ``entwidth`` characters ``0``/``1`` (1 = ink, top row first) and a line holding its label.
"""
import os
import re
from pathlib import Path

import cv2
import numpy as np

from mnist_mlp.files import FileProblem, read_maybe_gzip

DEFAULT_OPTDIGITS = Path(__file__).resolve().parent / "datasets" / "optdigits-orig.tra.gz"  # 1,934 scans, CC BY 4.0
MAX_FILE_BYTES = 16 << 20  # uncompressed: 8 times the 2 MB of the real file
MAX_DIGITS = 20_000  # 10 times its 1,934: each becomes an image, and a PNG on disk for the reading
MAX_SIDE = 256  # pixels: a bitmap side the header may ask for
SCAN_ZOOM, SCAN_MARGIN = 4, 0.25  # a bitmap as a user's scan: 4x larger, a quarter of its side as margin
BOXED_SIDE, BOXED_INK = 16, 40  # USPS's and Semeion's side; MNIST pixels over this are the digit's box
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp"}
MAX_DEPTH = 32  # folders below a class folder; os.walk recurses, and a deeper tree is no labelled set


class ScanSetError(ValueError):
    """A labelled set that cannot be read; the message names the file (and line) and says why."""


def read_optdigits(path, limit=None):
    """``(bitmaps, labels)``: (N, height, width) bool bitmaps (True = ink) and (N,) int64 labels
    from an optdigits-orig file (plain or gzip-compressed), at most ``limit`` of them; ScanSetError
    for anything malformed."""
    try:
        text = read_maybe_gzip(path, MAX_FILE_BYTES).decode("ascii")
    except FileProblem as e:
        raise ScanSetError(f"{path}: {e}") from None
    except UnicodeDecodeError as e:
        raise ScanSetError(f"{path}: not an optdigits text file ({e.reason} at byte {e.start})") from None
    lines = text.splitlines()  # at most 16 MB of text; the digits in it are bounded below
    header = {}
    n = 0
    while n < len(lines) and not re.fullmatch(r"[01]+", lines[n].strip()):
        key, _, value = lines[n].partition("=")
        header[key.strip()] = value.strip()
        n += 1
    try:
        width, height = int(header.get("entwidth", 32)), int(header.get("entheight", 32))
    except ValueError:
        raise ScanSetError(f"{path}: entwidth and entheight must be whole numbers") from None
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        raise ScanSetError(f"{path}: bitmaps of {width}x{height} are outside 1..{MAX_SIDE} pixels a side")
    bitmaps, labels = [], []
    while n < len(lines) and (limit is None or len(labels) < limit):
        if not lines[n].strip():
            n += 1
            continue
        rows = [line.strip() for line in lines[n:n + height]]
        if len(rows) < height or len(lines) <= n + height:
            raise ScanSetError(f"{path}:{n + 1}: the file ends inside a digit")
        bad = next((i for i, row in enumerate(rows) if len(row) != width or not re.fullmatch(r"[01]+", row)), None)
        if bad is not None:
            raise ScanSetError(f"{path}:{n + 1 + bad}: a row of {width} characters 0 or 1 was expected")
        label = lines[n + height].strip()
        if not re.fullmatch(r"[0-9]", label):
            raise ScanSetError(f"{path}:{n + 1 + height}: a label 0-9 was expected, got {label[:20]!r}")
        if len(labels) == MAX_DIGITS:
            raise ScanSetError(f"{path}: more than {MAX_DIGITS:,} digits (read at most that many, or pass --limit)")
        bitmaps.append(np.array([[c == "1" for c in row] for row in rows], bool))
        labels.append(int(label))
        n += height + 1
    if not labels:
        raise ScanSetError(f"{path}: no digits in it")
    return np.array(bitmaps), np.array(labels, np.int64)


def scan_picture(bitmap, zoom=SCAN_ZOOM, margin=SCAN_MARGIN):
    """A bitmap (bool, or ink from 0 to 1; more is full ink) as the grey picture a user's scan of it would be: dark ink
    on white paper, ``zoom`` times larger (each bit a square of pixels, as a scanner's dots), with a
    white margin of ``margin`` times its side all round."""
    ink = np.repeat(np.repeat(np.clip(np.asarray(bitmap, np.float32), 0, 1), zoom, axis=0), zoom, axis=1)
    picture = np.rint(255 * (1 - ink)).astype(np.uint8)
    pad = int(round(margin * zoom * max(bitmap.shape)))
    return cv2.copyMakeBorder(picture, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)


def number_bitmap(bitmaps, gaps):
    """One bitmap of a number written left to right: each of ``bitmaps`` (2-D, all as tall) cut to
    the columns its ink spans and set beside the next with ``gaps[k]`` blank columns after the k-th
    (one gap fewer than bitmaps), as the digits of a number on a form. ValueError for bitmaps of
    different heights, a blank one or a negative gap."""
    bitmaps = [np.asarray(b) for b in bitmaps]
    if not bitmaps or any(b.ndim != 2 for b in bitmaps) or len({b.shape[0] for b in bitmaps}) != 1:
        raise ValueError("number_bitmap needs one or more 2-D bitmaps, all of one height")
    if len(gaps) != len(bitmaps) - 1 or min(gaps, default=0) < 0:
        raise ValueError("number_bitmap needs a gap of 0 or more between each two bitmaps")
    parts = []
    for k, bitmap in enumerate(bitmaps):
        columns = np.flatnonzero(bitmap.any(axis=0))
        if not len(columns):
            raise ValueError(f"bitmap {k} of the number has no ink")
        parts.append(bitmap[:, columns[0]:columns[-1] + 1])
        if k < len(gaps):
            parts.append(np.zeros((bitmap.shape[0], gaps[k]), bitmap.dtype))
    return np.hstack(parts)


def boxed(images, binary, fit=False, side=BOXED_SIDE):
    """(N, side, side) float32 ink from 0 to 1: each uint8 image's ink (white on black, as MNIST's)
    cropped and sized to the square: stretched to fill it, as Semeion's description says it sized its
    digits (a 1 becomes a bar as wide as the box, or a diagonal), or with ``fit`` keeping its shape,
    its longer side across the box and centred; binarized at half (as Semeion) or grey (as USPS)."""
    if images.dtype != np.uint8:
        raise ValueError(f"boxed takes uint8 images (0-255, as MNIST's), got {images.dtype}")
    out = np.zeros((len(images), side, side), np.float32)
    for i, image in enumerate(images):
        x, y, w, h = cv2.boundingRect((image > BOXED_INK).astype(np.uint8))
        if not (w and h):
            continue
        size = (side, side) if not fit else tuple(max(1, round(n * side / max(w, h))) for n in (w, h))
        left, top = (side - size[0]) // 2, (side - size[1]) // 2
        out[i, top:top + size[1], left:left + size[0]] = cv2.resize(
            image[y:y + h, x:x + w], size, interpolation=cv2.INTER_AREA) / 255
    return (out > 0.5).astype(np.float32) if binary else out


def labelled_folder(folder):
    """``(files, problems)``: ``[(path, label)]`` for the PNG, JPEG and BMP files in the subfolders
    ``0``-``9`` of ``folder`` (and below them), in name order, and a message for each class folder
    with no image and each file that is not one; ScanSetError when there is no class folder at all."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScanSetError(f"{folder}: not a folder")
    files, problems = [], []
    for label in range(10):
        top = folder / str(label)
        if not top.is_dir():
            continue
        found = []
        for where, dirs, names in os.walk(top, onerror=lambda e: problems.append(f"{e.filename}: cannot list")):
            if len(Path(where).relative_to(top).parts) >= MAX_DEPTH:
                problems.append(f"{where}: folders nested deeper than {MAX_DEPTH}, not read")
                dirs.clear()
                continue
            dirs.sort()
            for name in sorted(names):
                path = Path(where) / name
                if path.suffix.lower() in IMAGE_SUFFIXES:
                    found.append(path)
                else:
                    problems.append(f"{path}: not a PNG, JPEG or BMP file, skipped")
        if not found:
            problems.append(f"{top}: no images of {label}")
        files.extend((path, label) for path in found)
    if not any((folder / str(label)).is_dir() for label in range(10)):
        raise ScanSetError(f"{folder}: no subfolders named 0-9 (one folder of images for each digit)")
    return files, problems
