"""Fit the temperature at which scans are read (digitpad.reading.SCAN_TEMPERATURE) by likelihood.

Usage:
    python tools/fit_scan_temperature.py [--weights weights/] [--non-digits 200] [--limit N] [--json]

Reads, as the network gives them (temperature 1), the development scans only: optdigits scans 1-967
(the second half is held out) and MNIST's test digits 2,000-3,999 boxed four ways (stretched and
fitted, binary and grey, as tools/eval_scans.py --mnist-boxed makes them), and --non-digits drawings
of each non-digit family trained on, as scans three ways (the held-out families stay held out).
Prints, for each temperature, the mean loss of the digits, of the non-digits and of the two
(digitpad.scans.calibration), and the temperature where the last is least. About 5 minutes here;
--limit N reads only the first N scans of each development set.
"""
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digitpad import cli  # noqa: E402

from mnist_mlp import ModelError, load_model  # noqa: E402
from mnist_mlp.mnist import DEFAULT_DIR, DataError, fetch_mnist, load_mnist  # noqa: E402
from mnist_mlp.paths import WEIGHTS  # noqa: E402
from digitpad.drawn.nondigits import HELD_OUT  # noqa: E402
from digitpad.reading import TurnedViews  # noqa: E402
from digitpad.scans.benchmark import non_digit_scans, read_scans, write_scans  # noqa: E402
from digitpad.scans.calibration import best, losses, non_digit_readings  # noqa: E402
from digitpad.scans.sets import DEFAULT_OPTDIGITS, boxed, read_optdigits  # noqa: E402

OPTDIGITS_DEVELOPMENT = 967  # the first half; tools/eval_scans.py --skip 967 reads the other
MNIST_DEVELOPMENT = slice(2000, 4000)  # the test digits the scans' reading was designed on
MAX_NON_DIGITS = 1_000  # of each family, three ways, as tools/eval_scans.py allows


def development_bitmaps(mnist, limit=None):
    """``[(bitmaps, labels)]``: the development scans' bitmaps, optdigits' first and MNIST's boxed
    (at most ``limit`` of each)."""
    sets = [read_optdigits(Path(DEFAULT_OPTDIGITS), min(OPTDIGITS_DEVELOPMENT, limit or OPTDIGITS_DEVELOPMENT))]
    images, labels = (a[MNIST_DEVELOPMENT][:limit] for a in (mnist["x_test"], mnist["y_test"]))
    sets += [(boxed(images, binary, fit), labels) for binary in (True, False) for fit in (False, True)]
    return sets


def main(argv=None):
    p = cli.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--weights", type=Path, default=WEIGHTS, help="the model's folder")
    p.add_argument("--non-digits", type=int, default=200, help="drawings of each non-digit family (default 200)")
    p.add_argument("--limit", type=int, default=None, help="read only N scans of each development set")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = p.parse_args(argv)
    if not 1 <= args.non_digits <= MAX_NON_DIGITS:
        p.error(f"--non-digits must be between 1 and {MAX_NON_DIGITS:,}")
    if args.limit is not None and args.limit < 1:
        p.error("--limit must be at least 1")
    try:
        views = TurnedViews(load_model(args.weights))
        fetch_mnist(DEFAULT_DIR, log=lambda msg: print(msg, file=sys.stderr))
        mnist = load_mnist(DEFAULT_DIR)
    except (ModelError, DataError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    digits = []
    for bitmaps, labels in development_bitmaps(mnist, args.limit):
        with tempfile.TemporaryDirectory(prefix="fit-temperature-") as scratch:
            digits += [r for r in read_scans(views, write_scans(bitmaps, labels, Path(scratch)), temperature=1)
                       if not r.problem]
    scans = non_digit_scans(args.non_digits)
    pictures = [picture for way in scans.values() for family, drawn in way.items() if family not in HELD_OUT
                for picture in drawn]
    non_digits = non_digit_readings(views, pictures)
    rows = losses(np.array([r.probabilities for r in digits]), [r.label for r in digits], non_digits)
    if args.json:
        print(json.dumps({"digits": len(digits), "non_digits": len(non_digits), "best": best(rows),
                          "losses": [dict(zip(("temperature", "digits", "non_digits", "mean"), r)) for r in rows]},
                         indent=1))
        return 0
    print(f"{len(digits)} development scans of digits, {len(non_digits)} of non-digits (families trained on)")
    print("temperature  digits  non-digits  mean")
    print("\n".join(f"{t:11.2f}  {d:6.4f}  {n:10.4f}  {m:6.4f}" for t, d, n, m in rows))
    print(f"likeliest at {best(rows):.2f}")
    return 0


if __name__ == "__main__":
    cli.run(main)
