"""Saving labelled samples: samples/<label>/<timestamp>-<n>.png plus the strokes as JSON.

Each file is written to a temporary name, flushed to disk, then given its final
name with a hard link, which fails rather than overwrite: an existing sample is
never replaced, and a crash leaves either no file or a complete one.
"""
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from mnist_mlp.files import FileProblem, read_regular, umask
from mnist_mlp.mnist import as_inputs
from digitpad.preprocessing.images import ImageError, decode_gray, image_size, read_file


MAX_RECORD_BYTES = 1 << 20  # a sample's JSON: a few KB of strokes; far more is not the pad's
MAX_STROKE_POINTS = 100_000  # over all strokes of one sample
MAX_STROKES = 1_000
MAX_COORDINATE = 1e6
MAX_CANVAS = 10_000  # pixels a side
MAX_BRUSH = 1_000  # pixels
DIGITS = [str(d) for d in range(10)]


class SampleError(Exception):
    """A sample could not be saved; nothing partial was left behind."""


@dataclass(frozen=True)
class StrokeSample:
    """A saved sample as drawn: its label, strokes (float (n, 2) arrays in canvas pixels, y down),
    each stroke's brush diameter and the canvas (width, height)."""
    label: int
    strokes: tuple
    brushes: tuple
    canvas_size: tuple
    path: Path


def encode_png(image):
    """A (28, 28) float image in [0, 1] as 8-bit PNG bytes, white digit on black like MNIST."""
    ok, data = cv2.imencode(".png", np.clip(np.rint(image * 255), 0, 255).astype(np.uint8))
    if not ok:
        raise SampleError("PNG encoding failed")
    return data.tobytes()


def save_sample(root, label, image, strokes, now=None):
    """Save one sample under root/<label>/ and return the PNG's path.

    ``image`` is the network input (28, 28) in [0, 1]; ``strokes`` a JSON-able dict (its own
    ``label`` or ``saved_at``, if any, never override the real ones).
    """
    if type(label) is not int or not 0 <= label <= 9:  # not True, 3.0 or a NumPy integer either
        raise ValueError(f"label must be an int from 0 to 9, got {label!r}")
    image = np.asarray(image)
    if image.shape != (28, 28) or image.dtype.kind != "f" or not np.isfinite(image).all():
        raise ValueError(f"image must be a (28, 28) float array of finite values, got {image.shape} {image.dtype}")
    if not isinstance(strokes, dict):
        raise ValueError(f"strokes must be a dict, got {type(strokes).__name__}")
    folder = Path(root) / str(label)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    record = {**strokes, "label": label, "saved_at": stamp}
    temps = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temps.append(_synced_temp(folder, encode_png(image)))
        temps.append(_synced_temp(folder, (json.dumps(record) + "\n").encode()))
        png_tmp, json_tmp = temps
        for n in range(1, 100_000):
            stem = folder / f"{stamp}-{n}"
            try:
                os.link(json_tmp, stem.with_suffix(".json"))  # claims the name, or fails if taken
            except FileExistsError:
                continue
            try:
                os.link(png_tmp, stem.with_suffix(".png"))
            except FileExistsError:
                os.unlink(stem.with_suffix(".json"))
                continue
            return stem.with_suffix(".png")
        raise SampleError(f"{folder}: no free file name for {stamp}")
    except OSError as e:
        raise SampleError(f"cannot save in {folder}: {e.strerror or e}") from None
    finally:
        for tmp in temps:
            os.unlink(tmp)


def _synced_temp(folder, data):
    """A temporary file in ``folder`` holding ``data`` on disk, with the permissions the user's umask
    gives new files (mkstemp's are private); on any failure (a full disk) it is removed again."""
    fd, name = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o666 & ~_UMASK)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        os.unlink(name)
        raise
    return name


_UMASK = umask()  # read once, at import, before the pad starts any thread


def load_samples(root):
    """All saved samples under root: ((N, 784) float32 images, (N,) labels, problems).

    A file that is not a 28x28 grey PNG, or a folder that is not a digit, is
    listed in ``problems`` (one sentence each) and skipped.
    """
    images, labels, problems = [], [], []
    for folder, path in _sample_files(root, "*", problems):
        if path.suffix.lower() == ".json":
            continue
        if path.suffix.lower() != ".png":
            problems.append(f"{path}: not a PNG sample; skipped")
            continue
        try:
            data = read_file(path, MAX_RECORD_BYTES)
            kind, width, height = image_size(data)
            if (width, height) != (28, 28):
                raise ImageError(f"{width}x{height} pixels, expected a 28x28 sample")
            image = decode_gray(data, 28 * 28, background=0)  # white ink on black: see-through is no ink
        except ImageError as e:
            problems.append(f"{path}: {e}; skipped")
            continue
        images.append(image)
        labels.append(int(folder.name))
    return as_inputs(np.array(images, np.uint8)), np.array(labels, np.int64), problems


def stroke_sample_counts(root):
    """How many samples with strokes each digit has under root (their JSON files, counted, not
    read): a (10,) int array; SampleError when root is no samples folder."""
    counts = np.zeros(10, np.int64)
    for folder, _ in _sample_files(root, "*.json", []):
        counts[int(folder.name)] += 1
    return counts


def load_stroke_samples(root, per_digit=None):
    """The samples under root that kept their strokes: (list of StrokeSample, problems).

    Each ``<label>/*.json`` the pad wrote is read (regular files of at most 1 MiB only)
    and checked; anything else is listed in ``problems`` and skipped, oldest first within
    each digit so "the last sample" means the most recent one. With ``per_digit``, only the
    most recent that many files of each digit are read.
    """
    samples, problems = [], []
    files = list(_sample_files(root, "*.json", problems))
    if per_digit is not None:  # files come folder by folder, oldest first
        by_digit = {}
        for folder, path in files:
            by_digit.setdefault(folder, []).append(path)
        files = [(folder, path) for folder, paths in by_digit.items() for path in paths[len(paths) - per_digit:]]
    for folder, path in files:
        try:
            strokes, brushes, canvas_size = _read_strokes(path)
        except ValueError as e:
            problems.append(f"{path}: {e}; skipped")
            continue
        samples.append(StrokeSample(int(folder.name), strokes, brushes, canvas_size, path))
    return samples, problems


def _saved_order(path):
    """Sort key: numbers in a name compared as numbers, so the 10th sample saved in one second
    (``<stamp>-10``) comes after the 9th, not before the 2nd."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def _sample_files(root, pattern, problems):
    """(digit folder, file) pairs under root, in the order saved; other folders go to ``problems``."""
    root = Path(root)
    if not root.is_dir():
        raise SampleError(f"{root}: no such samples folder")
    try:
        entries = sorted(p for p in root.iterdir() if not p.name.startswith("."))
    except OSError as e:
        raise SampleError(f"{root}: cannot list ({e.strerror or e})") from None
    if root.name in DIGITS and not any(p.name in DIGITS for p in entries) and any(p.suffix == ".png" for p in entries):
        raise SampleError(f"{root} looks like the folder of one digit's samples; pass the folder above it, "
                          f"{root.parent}")
    for folder in entries:
        if not folder.is_dir():
            continue
        if folder.name not in DIGITS:
            problems.append(f"{folder}: not a digit folder (0-9); skipped")
            continue
        try:
            files = sorted((f for f in folder.glob(pattern) if not f.name.startswith(".")), key=_saved_order)
        except OSError as e:
            problems.append(f"{folder}: cannot list ({e.strerror or e}); skipped")
            continue
        yield from ((folder, f) for f in files)


def _read_strokes(path):
    """A sample JSON's (strokes as float arrays, brushes, canvas size), or ValueError saying what is wrong."""
    try:
        record = json.loads(read_regular(path, MAX_RECORD_BYTES))
    except FileProblem as e:
        raise ValueError(str(e)) from None
    except (UnicodeDecodeError, ValueError, RecursionError):  # ValueError: bad JSON, 5,000-digit numbers
        raise ValueError("not a JSON sample record") from None
    return parse_strokes(record)


def parse_strokes(record):
    """(strokes as float (n, 2) arrays, brushes, canvas size) from the pad's stroke record
    ``{"canvas_size": [w, h], "strokes": [{"brush": int, "points": [[x, y], ...]}, ...]}``, checked
    field by field and bounded in size, or ValueError saying what is wrong."""
    raw = record.get("strokes") if isinstance(record, dict) else None
    if not isinstance(raw, list) or not raw:
        raise ValueError("no strokes")
    canvas_size = record.get("canvas_size")
    if not (isinstance(canvas_size, list) and len(canvas_size) == 2
            and all(type(v) is int and 1 <= v <= MAX_CANVAS for v in canvas_size)):
        raise ValueError(f"canvas_size must be [width, height], whole numbers from 1 to {MAX_CANVAS}")
    if len(raw) > MAX_STROKES:
        raise ValueError(f"more than {MAX_STROKES} strokes")
    strokes, brushes, total = [], [], 0
    for stroke in raw:
        points = stroke.get("points") if isinstance(stroke, dict) else None
        if not isinstance(points, list) or not points:
            raise ValueError("a stroke without points")
        brush = stroke.get("brush")
        if type(brush) is not int or not 1 <= brush <= MAX_BRUSH:
            raise ValueError(f"a stroke's brush must be a whole number from 1 to {MAX_BRUSH}")
        brushes.append(brush)
        total += len(points)
        if total > MAX_STROKE_POINTS:
            raise ValueError(f"more than {MAX_STROKE_POINTS} points")
        if not all(isinstance(p, list) and len(p) == 2 and all(type(v) in (int, float) for v in p)  # no bools
                   for p in points):
            raise ValueError("points must be [x, y] number pairs")
        if not all(abs(v) <= MAX_COORDINATE for p in points for v in p):  # NaN fails this too
            raise ValueError(f"point coordinates must be finite and within {MAX_COORDINATE:g} of 0")
        strokes.append(np.array(points, np.float64))
    return tuple(strokes), tuple(brushes), tuple(canvas_size)
