"""Saving labelled samples: samples/<label>/<timestamp>-<n>.png plus the strokes as JSON.

Each file is written to a temporary name, flushed to disk, then given its final
name with a hard link, which fails rather than overwrite: an existing sample is
never replaced, and a crash leaves either no file or a complete one.
"""
import json
import os
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from mnist_mlp.mnist import as_inputs


class SampleError(Exception):
    """A sample could not be saved; nothing partial was left behind."""


def encode_png(image):
    """A (28, 28) float image in [0, 1] as 8-bit PNG bytes, white digit on black like MNIST."""
    ok, data = cv2.imencode(".png", np.clip(np.rint(image * 255), 0, 255).astype(np.uint8))
    if not ok:
        raise SampleError("PNG encoding failed")
    return data.tobytes()


def save_sample(root, label, image, strokes, now=None):
    """Save one sample under root/<label>/ and return the PNG's path.

    ``image`` is the network input (28, 28) in [0, 1]; ``strokes`` a JSON-able dict.
    """
    if label not in range(10):
        raise ValueError(f"label must be a digit 0-9, got {label!r}")
    folder = Path(root) / str(label)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    record = {"label": label, "saved_at": stamp, **strokes}
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
    fd, name = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return name


def load_samples(root):
    """All saved samples under root: ((N, 784) float32 images, (N,) labels, problems).

    A file that is not a 28x28 grey PNG, or a folder that is not a digit, is
    listed in ``problems`` (one sentence each) and skipped.
    """
    root = Path(root)
    if not root.is_dir():
        raise SampleError(f"{root}: no such samples folder")
    images, labels, problems = [], [], []
    for folder in sorted(p for p in root.iterdir() if not p.name.startswith(".")):
        if not folder.is_dir():
            continue
        if folder.name not in {str(d) for d in range(10)}:
            problems.append(f"{folder}: not a digit folder (0-9); skipped")
            continue
        for path in sorted(folder.glob("*.png")):
            image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
            if image is None:
                problems.append(f"{path}: not a readable PNG; skipped")
            elif image.shape != (28, 28) or image.dtype != np.uint8:
                problems.append(f"{path}: {image.shape} {image.dtype}, expected a 28x28 8-bit grey image; skipped")
            else:
                images.append(image)
                labels.append(int(folder.name))
    return as_inputs(np.array(images, np.uint8)), np.array(labels, np.int64), problems
