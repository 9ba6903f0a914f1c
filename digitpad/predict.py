"""Classify digit images from files, through the same preprocessing as the pad.

Usage:
    digitpad-predict IMAGE_OR_FOLDER... [--weights weights/] [--top K] [--threshold 0.5] [--json]
    digitpad-predict --number IMAGE... [--json]     # each image read as a whole number
(or python tools/predict.py from a checkout)

PNG, JPEG or BMP up to 50 megapixels (digitpad.preprocessing.images); dark-on-light and
light-on-dark are both recognised, transparency is paper. Prints one line per file:
the digit and its confidence (with --top, the K most likely digits), or "?" and the best
guess when the confidence is under --threshold (probably not a digit); --json prints one
JSON object per line with all ten probabilities, "sure" and "scan" ({"file", "error"} for a file
that fails). A picture that is a small bitmap blown up, as a scanned digit set is (or a photo so
blurred or noisy that its ink's edges are as soft), is taken for a scan ("scan": true) and its
probabilities are sharpened at --temperature (0.8; 1 reads them as the network gives them:
docs/paper.md). With --number each image is
read as a number of several digits (digitpad.reading.numbers): "path: 2024 (lowest confidence
97.1%)", a "?" for each digit under --threshold, or with --json {"file", "number", "sure",
"digits": [{"digit", "confidence", "sure", "box"}], "scan"}. A folder stands for the images in it
and in its subfolders (the pad's samples/ included). A file that cannot be read is reported on
stderr and the others still run; the exit code is 1 if any failed. A picture read as no digit
that reads as a number of sure digits gets a hint on stderr to add --number (with --json, a
"hint" in its object).
"""
import json
import os
import sys
from pathlib import Path

import numpy as np

from digitpad import cli
from mnist_mlp import SURE, ModelError, is_sure, load_model
from mnist_mlp.paths import WEIGHTS
from digitpad.reading.numbers import best_number, number_hint, read_image
from digitpad.preprocessing.images import ImageError, read_gray
from digitpad.reading import NO_INK, SCAN_TEMPERATURE, TurnedViews, best_guess, digit_answer, picture_reading

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp"}


def images_in(folder):
    """The PNG, JPEG and BMP files in a folder and its subfolders, in name order, and
    ``(folder, message)`` for each folder below that could not be listed."""
    found, problems = [], []
    for top, dirs, files in os.walk(folder, onerror=problems.append):
        dirs.sort()
        found.extend(Path(top) / f for f in sorted(files) if Path(f).suffix.lower() in IMAGE_SUFFIXES)
    return found, [(Path(e.filename), f"cannot list ({e.strerror})") for e in problems]


def expand(paths):
    """Files to classify, each with None, or with why it gives none (a path that cannot be looked
    at, a folder that cannot be listed or has no images)."""
    for path in paths:
        try:
            is_folder = path.is_dir()
        except OSError as e:  # a name too long, a folder on the way that cannot be entered
            yield path, f"cannot look at it ({e.strerror})"
            continue
        if not is_folder:
            yield path, None
            continue
        images, problems = images_in(path)
        yield from problems
        if not images and not problems:
            yield path, "a folder with no PNG, JPEG or BMP images, in it or below"
        elif images:
            print(f"{shown(path)}: {len(images)} image{'s' if len(images) > 1 else ''}", file=sys.stderr)
        yield from ((image, None) for image in images)


def shown(path):
    """A path as one printable line: control characters and undecodable bytes escaped."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii")
                   if c.isascii() else c.encode("utf-8", "backslashreplace").decode("ascii") for c in str(path))


def json_name(path):
    """A path for JSON: as it is when it is valid text, escaped when its bytes are not (a lone
    surrogate would make the line invalid UTF-8)."""
    try:
        str(path).encode("utf-8")
        return str(path)
    except UnicodeEncodeError:
        return shown(path)


def gray_of(path):
    try:
        return read_gray(path)
    except ImageError as e:
        raise ValueError(str(e)) from None


NO_NUMBER = "the model gives no number for it (its weights are too large)"


def read_number(model, path, threshold, temperature=SCAN_TEMPERATURE):
    """The number object for one image file (digitpad.reading.numbers: "?" for a digit under ``threshold``,
    a scan's digits sharpened at ``temperature``), or ValueError."""
    number = read_image(model, gray_of(path), threshold=threshold, temperature=temperature)
    if "error" in number:
        raise ValueError(number["error"])
    if not number["digits"]:
        raise ValueError(f"no digits found: {NO_INK}")
    if not np.isfinite([d["confidence"] for d in number["digits"]]).all():
        raise ValueError(NO_NUMBER)
    return number


def show_number(path, number, as_json):
    if as_json:
        print(json.dumps({"file": json_name(path), **number}))
    else:
        lowest = min(d["confidence"] for d in number["digits"])
        guess = best_number(number)
        unsure = "" if number["sure"] else f"not sure of every digit: best guess {guess}, "
        print(f"{shown(path)}: {number['number']} ({unsure}lowest confidence {100 * lowest:.1f}%)")


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("images", nargs="+", help="PNG, JPEG or BMP files, or folders of them")
    p.add_argument("--weights", type=Path, default=WEIGHTS, help="model directory")
    p.add_argument("--top", type=int, default=1, help="show the K most likely digits")
    p.add_argument("--threshold", type=float, default=SURE,
                   help="under this confidence the answer is ? with the best guess, as in the pad "
                        "(a 1 needs half, and twice any other digit's)")
    p.add_argument("--json", action="store_true", help="one JSON object per file, with all probabilities")
    p.add_argument("--number", action="store_true", help="read each image as a number of several digits")
    p.add_argument("--temperature", type=cli.temperature, default=SCAN_TEMPERATURE,
                   help="a scan's probabilities are sharpened at this temperature, 0.05-20 (1: as the network "
                        "gives them)")
    args = p.parse_args(argv)
    if not 1 <= args.top <= 10:
        p.error("--top must be between 1 and 10")
    if args.number and args.top != 1:
        p.error("--top shows the likeliest readings of one digit; --number shows each digit's best")
    if not 0 <= args.threshold <= 1:
        p.error("--threshold must be between 0 and 1")
    if not all(name.strip() for name in args.images):  # Path("") is the current folder: all of it was read
        p.error("an empty name is no file (an unset variable?); give a file or a folder, '.' for this one")
    args.images = [Path(name) for name in args.images]
    try:
        model = load_model(args.weights)
    except ModelError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    failed, views = False, TurnedViews(model)
    for path, problem in expand(args.images):
        try:
            if problem:
                raise ValueError(problem)
            if args.number:
                show_number(path, read_number(model, path, args.threshold, args.temperature), args.json)
                continue
            gray = gray_of(path)
            probabilities, _, scan = picture_reading(views, gray, args.temperature)  # read as the pad reads
            if not np.isfinite(probabilities).all():  # finite weights whose sums overflow float32
                raise ValueError(NO_NUMBER)
        except ValueError as e:
            failed = True
            print(f"error: {shown(path)}: {e}", file=sys.stderr)
            if args.json:  # a JSON reader sees every file, the failed ones too
                print(json.dumps({"file": json_name(path), "error": str(e)}))
            continue
        sure = bool(is_sure(probabilities, args.threshold))
        hint = None if sure else number_hint(model, gray, args.threshold, args.temperature)
        if args.json:
            answer = {"file": json_name(path), **digit_answer(probabilities, args.threshold, scan=scan)}
            print(json.dumps({**answer, "hint": f"reads as the number {hint}: add --number"} if hint else answer))
        else:
            order = np.argsort(probabilities)[::-1][:args.top]
            guesses = ", ".join(f"{d} ({100 * probabilities[d]:.1f}%)" for d in order)
            # Sure at the usual threshold, it is a digit: only the --threshold asked for is not reached.
            doubt = f"under --threshold {args.threshold:g}" if is_sure(probabilities) else "not sure it is a digit"
            guess = f"best guess {guesses}" if best_guess(probabilities) is not None else "no best guess"
            print(f"{shown(path)}: " + (guesses if sure else f"? {doubt}; {guess}"))
            if hint:
                print(f"hint: {shown(path)} reads as the number {hint}: add --number to read numbers", file=sys.stderr)
    return 1 if failed else 0


def command():
    """The installed command's entry point."""
    cli.run(main)
