"""How well real scans of handwritten digits are read: each one exactly as predict.py reads a file.

Usage:
    python tools/eval_scans.py [SET] [--weights weights/] [--threshold 0.5] [--temperature 0.8]
                               [--skip N] [--limit N] [--zoom 4] [--json] [--mosaic PATH.png] [--keep DIR]
    python tools/eval_scans.py --mnist-boxed grey|binary [--fit] [--skip N] [--limit N] ...
    python tools/eval_scans.py --non-digits N [--weights weights/] [--threshold 0.5] [--temperature 0.8]
                               [--seed S] [--json]
    python tools/eval_scans.py --numbers N [SET | --mnist-boxed grey|binary [--fit]] [--skip N] [--limit N]
                               [--seed S] [--zoom 4] [--threshold 0.5] [--temperature 0.8] [--json]
                               [--mosaic PATH.png]

SET is an optdigits-orig file (default digitpad/scans/datasets/optdigits-orig.tra.gz: 32x32 binary
bitmaps of digits written on paper forms and scanned) or a folder with subfolders 0-9 of PNG,
JPEG or BMP files. An optdigits bitmap is first written as the PNG a user's scan of it would be
(dark ink on white, 4x larger or --zoom times, a margin all round; --keep DIR keeps them). Prints the share read
right, read right and sure (top probability at least --threshold: mnist_mlp.is_sure), and answered (sure); per digit
the unsure and the wrong ones; the most confused pairs. A scan that is a small bitmap blown up is read
sharpened at --temperature (digitpad.reading.picture_reading; 1 reads it as the network gives it, as
the tool did before 2.2.0). --mosaic writes every unsure or wrong scan
beside the 28x28 input the network read (with none, a line saying so).

--mnist-boxed reads MNIST's test digits (never trained on; fetched by tools/fetch_mnist.py) as scans
of other sets are made: each one's ink stretched to fill a 16x16 box (as Semeion says it sized its
digits; with --fit keeping its shape, its longer side across the box), grey (as USPS) or binary (as
Semeion), then written as optdigits bitmaps are.

--non-digits N draws N drawings of each non-digit family (digitpad.drawn.nondigits; script letters and shapes
are never trained on) and reads them as scans three ways (digitpad.scans.benchmark.non_digit_scans): scanned
as training scans pen digits, and stretched to a 16x16 box, binary and grey, as --mnist-boxed makes
its digits; it prints the share of each family refused: answered "?", and with no hint that it
reads as a number (a letter cut into a sure "14").

--numbers N writes N numbers of 2-6 digits, each made of distinct bitmaps of the set (optdigits or
--mnist-boxed, --skip and --limit choosing which) set apart side by side, as one scan, and reads each
as predict.py --number reads a file (digitpad.scans.numbers): the shares with as many digits found as
written, read right, sure, sure and right, sure and wrong; --mosaic writes the first 60 numbers
unsure or wrong, each digit found boxed: green right and sure, orange unsure (its best guess right),
red read as another digit.
"""
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digitpad import cli  # noqa: E402
from charts import canvas, mosaic, png_problem, write_png  # noqa: E402

from mnist_mlp.mnist import DataError, load_mnist  # noqa: E402
from mnist_mlp.paths import MNIST, WEIGHTS  # noqa: E402
from mnist_mlp import SURE, ModelError, load_model  # noqa: E402
from digitpad.reading import SCAN_TEMPERATURE, TurnedViews  # noqa: E402
from digitpad.scans.benchmark import (non_digit_refusal, non_digit_scans, read_scans, refusal_lines, summary,  # noqa: E402
                                      summary_lines, trouble_tiles, write_scans)
from digitpad.scans.numbers import DIGITS, MAX_TILES, read_numbers, scanned_numbers  # noqa: E402
from digitpad.scans.sets import DEFAULT_OPTDIGITS, SCAN_ZOOM, ScanSetError, boxed, labelled_folder, read_optdigits  # noqa: E402

MAX_NON_DIGITS = 1_000  # of each family, three ways: about 40,000 pictures, 0.5 GB, 20 minutes here
MAX_NUMBERS = 10_000  # made one at a time: ~15 minutes here at 8x; 50 for 256 px bitmaps at 8x, 0.3 GB
MAX_ZOOM = 8  # a bitmap of at most 256 px a side (digitpad.scans.sets.MAX_SIDE) as a picture of at most 2,048


def show_refusal(views, args):
    result = non_digit_refusal(views, non_digit_scans(args.non_digits, args.seed), args.threshold, args.temperature)
    if args.json:
        print(json.dumps({"non_digits": args.non_digits, "seed": args.seed, "threshold": args.threshold,
                          "temperature": args.temperature,
                          "families": len(result["families"]), "refused": result}, indent=1))
    else:
        print(f"non-digits refused at threshold {args.threshold}, temperature {args.temperature} "
              f"({args.non_digits} of each family), as scans:")
        print("\n".join(refusal_lines(result)))
    return 0


def show_numbers(views, args, end):
    bitmaps, labels = set_bitmaps(args, end)
    try:
        numbers = scanned_numbers(bitmaps, labels, args.numbers, np.random.default_rng([args.seed, 2_024]),
                                  args.zoom or SCAN_ZOOM)
    except ValueError as e:  # too few digits in the set
        print(f"error: {args.name}: {e}", file=sys.stderr)
        return 1
    tiles = [] if args.mosaic else None
    result = read_numbers(views.model, numbers, args.threshold, args.temperature, tiles)
    if args.json:
        print(json.dumps({"set": args.name, "seed": args.seed, **result}, indent=1))
    else:
        print(f"{result['numbers']} numbers of {DIGITS[0]}-{DIGITS[1]} digits from {args.name}, "
              f"threshold {args.threshold}, temperature {args.temperature}")
        print("\n".join(f"{key.replace('_', ' '):<16} {100 * result[key]:6.2f}%"
                        for key in ("found", "right", "sure", "sure_and_right", "sure_and_wrong")))
    return show_mosaic(args.mosaic, tiles, 3, f"the first {len(tiles or [])} numbers unsure or wrong (at most "
                                              f"{MAX_TILES})")


def show_mosaic(path, tiles, columns, what):
    """Write ``tiles`` to the PNG at ``path``, if one was asked for, after the results are printed (a
    mosaic that cannot be written loses no result): 0, or 1 when it could not be written."""
    if not path:
        return 0
    # None to show is shown too: the file at ``path`` is always this run's, never an older run's.
    image = mosaic(tiles, columns=columns) if tiles else canvas(360, 40, "none unsure or wrong")
    if not write_png(path, image):
        return 1
    print(f"mosaic of {what}: {path}" if tiles else f"mosaic: none unsure or wrong to show: {path}", file=sys.stderr)
    return 0


def set_bitmaps(args, end):
    """``(bitmaps, labels)`` ``skip`` to ``end`` of MNIST boxed or of an optdigits file."""
    if args.mnist_boxed:
        test = load_mnist(MNIST)
        return (boxed(test["x_test"][args.skip:end], args.mnist_boxed == "binary", args.fit),
                test["y_test"][args.skip:end])
    return tuple(a[args.skip:] for a in read_optdigits(args.set, end))


def scan_files(args, end, scratch):
    """``(files, problems)``: the labelled images to read, scans ``skip`` to ``end`` of the set; the
    bitmaps of MNIST or of an optdigits file written as PNGs into --keep or ``scratch`` first."""
    if not args.mnist_boxed and args.set.is_dir():
        files, problems = labelled_folder(args.set)
        return files[args.skip:end], problems
    bitmaps, labels = set_bitmaps(args, end)
    folder = args.keep or Path(scratch)
    folder.mkdir(parents=True, exist_ok=True)
    return write_scans(bitmaps, labels, folder, args.zoom or SCAN_ZOOM), []


def main(argv=None):
    p = cli.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("set", nargs="?", type=Path, default=None,
                   help="an optdigits-orig file, or a folder with subfolders 0-9 (default: the optdigits file shipped)")
    p.add_argument("--weights", type=Path, default=WEIGHTS, help=f"the model folder (default: {WEIGHTS})")
    p.add_argument("--threshold", type=float, default=SURE,
                   help=f"under this confidence the answer is ? (a 1 needs half, and twice any other digit's; "
                        f"default {SURE})")
    p.add_argument("--temperature", type=cli.temperature, default=SCAN_TEMPERATURE,
                   help=f"a scan's reading is sharpened at this temperature, 0.05-20 (1: as the network gives it; "
                        f"default {SCAN_TEMPERATURE}, fitted by tools/fit_scan_temperature.py)")
    p.add_argument("--mnist-boxed", choices=["grey", "binary"], default=None,
                   help="instead of SET, MNIST's test digits stretched to 16x16, grey (as USPS) or binary (as Semeion)")
    p.add_argument("--fit", action="store_true",
                   help="with --mnist-boxed: each digit keeps its shape, its longer side across the box, not stretched")
    p.add_argument("--skip", type=int, default=0, help="leave out the first N scans")
    p.add_argument("--limit", type=int, default=None, help="read only N scans (default: all)")
    p.add_argument("--zoom", type=int, default=None,
                   help=f"bitmaps are written this many times larger (1-{MAX_ZOOM}; default {SCAN_ZOOM})")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--mosaic", type=Path, default=None,
                   help="write the unsure and wrong scans (with --numbers: the first 60 numbers unsure or wrong) "
                        "to this PNG")
    p.add_argument("--keep", type=Path, default=None,
                   help="write the scans made of bitmaps into this new folder, a subfolder a digit")
    p.add_argument("--non-digits", type=int, default=None,
                   help="instead, draw this many of each non-digit family as scans: refused?")
    p.add_argument("--numbers", type=int, default=None,
                   help="instead, read this many numbers of 2-6 of the set's digits, each one scan")
    p.add_argument("--seed", type=cli.seed, default=None,
                   help="with --non-digits or --numbers: which are made (default 0)")
    args = p.parse_args(argv)
    if args.seed is not None and args.non_digits is None and args.numbers is None:
        p.error("--seed is for --non-digits and --numbers")
    if args.numbers is not None:
        if not 1 <= args.numbers <= MAX_NUMBERS:
            p.error(f"--numbers must be between 1 and {MAX_NUMBERS:,}")
        given = [o for o, v in (("--non-digits", args.non_digits is not None), ("--keep", args.keep),
                                ("a folder", args.set and args.set.is_dir())) if v]
        if given:
            p.error(f"--numbers makes and reads its own numbers of the set's bitmaps: {', '.join(given)} "
                    "cannot go with it")
    args.seed = args.seed or 0
    if args.non_digits is not None:
        if not 1 <= args.non_digits <= MAX_NON_DIGITS:
            p.error(f"--non-digits must be between 1 and {MAX_NON_DIGITS:,} (each family's scans are held in memory)")
        given = [o for o, v in (("SET", args.set), ("--mnist-boxed", args.mnist_boxed), ("--fit", args.fit),
                                ("--skip", args.skip), ("--limit", args.limit), ("--zoom", args.zoom),
                                ("--mosaic", args.mosaic), ("--keep", args.keep)) if v]
        if given:
            p.error(f"--non-digits draws its own drawings: {', '.join(given)} cannot go with it")
    if not 0 <= args.threshold <= 1:
        p.error("--threshold must be between 0 and 1")
    if args.limit is not None and args.limit < 1:
        p.error("--limit must be at least 1")
    if args.skip < 0:
        p.error("--skip must be 0 or more")
    if args.mosaic and (problem := png_problem(args.mosaic)):
        p.error(f"--mosaic {problem}")
    if args.mnist_boxed and args.set is not None:
        p.error("--mnist-boxed reads MNIST's test digits: give it no SET")
    if args.fit and not args.mnist_boxed:
        p.error("--fit is for --mnist-boxed")
    if args.zoom is not None and not 1 <= args.zoom <= MAX_ZOOM:
        p.error(f"--zoom must be 1 to {MAX_ZOOM}")
    for option, given in (("--zoom", args.zoom is not None), ("--keep", args.keep is not None)):
        if given and args.set is not None and args.set.is_dir():
            p.error(f"{option} is for bitmaps (optdigits, --mnist-boxed); a folder's images are read as they are")
    args.set = None if args.mnist_boxed else args.set or Path(DEFAULT_OPTDIGITS)
    args.name = str(args.set) if args.set else f"MNIST test, boxed {args.mnist_boxed}" + ", fitted" * args.fit
    args.name += f", written {args.zoom}x" if args.zoom else ""
    end = None if args.limit is None else args.skip + args.limit
    if args.keep is not None and args.keep.exists():
        p.error(f"--keep {args.keep} already exists; name a new folder")
    try:
        views = TurnedViews(load_model(args.weights))
        if args.non_digits is not None:
            return show_refusal(views, args)
        if args.numbers is not None:
            return show_numbers(views, args, end)
        with tempfile.TemporaryDirectory(prefix="eval-scans-") as scratch:
            files, problems = scan_files(args, end, scratch)
            for problem in problems:
                print(f"warning: {problem}", file=sys.stderr)
            if not files:
                print(f"error: {args.name}: no images to read" + (f" after --skip {args.skip}" if args.skip else ""),
                      file=sys.stderr)
                return 1
            readings = read_scans(views, files, args.temperature)
            tiles = trouble_tiles(readings, args.threshold) if args.mosaic else []
    except (DataError, ModelError, ScanSetError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    result = {"set": args.name, "temperature": args.temperature, **summary(readings, args.threshold)}
    print(json.dumps(result, indent=1) if args.json else "\n".join(summary_lines(result)))
    return show_mosaic(args.mosaic, tiles, 10, f"the {len(tiles)} unsure or wrong")


if __name__ == "__main__":
    cli.run(main)
