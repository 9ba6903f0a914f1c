"""Accuracy on pen-drawn digits, drawn the way the pad draws them, under several conditions.

Usage:
    python tools/eval_drawn.py [--weights weights/] [--data PATH.tra] [--writers 26-30]
                               [--conditions centred,small-corner,...] [--json]
    python tools/eval_drawn.py --numbers N [--via strokes|image|cut] [--seed 0] [--json]
    python tools/eval_drawn.py --photos [--conditions clean,...] [--json]  # ink on paper, as photos show it
    python tools/eval_drawn.py --non-digits N [--threshold 0.5] [--json]   # does it refuse non-digits?
    python tools/eval_drawn.py --forms N [--mosaic PATH]  # digits as the world writes them (digitpad.drawn.forms)
    python tools/eval_drawn.py --turn 0 ...    # any of these, read by the network alone (one view)

Each digit's trajectory is rendered with the pad's brush (anti-aliased joined
segments) at each condition's pad size, digit size, place and brush width, then
goes through digitpad.preprocessing.prepare and the model. Writers 26-30 are the
validation writers that no training run sees. Prints accuracy per condition,
the worst condition, accuracy per writer (over all conditions, with their share
of the errors) and the most confused pairs; --json for machines.

--numbers N makes N numbers of 2 to 8 digits from the writers' pen digits (one writer a
number; a shared height +-15%, a wandering baseline, gaps from a slight overlap to wide, or
never touching from an image unless --touching), draws them on a 1200x400 number pad as mouse strokes, and
reads them as the pad does (--via strokes) or as predict.py --number does from the drawn
image (--via image) or from that image cut down to the ink (--via cut). It prints how often
the grouping into digits is right, how often the whole number is, how often it is sure (every
digit sure and the grouping no close call), sure and right, and sure and wrong, how often a
digit is read right from its own strokes, and the number accuracy that digit accuracy alone
predicts, so the cost of grouping shows.

--photos draws each digit as ink on synthetic paper (digitpad.drawn.photos: a shadow band, uneven light,
ruled or squared paper, blue or red ink, low contrast, noise, blur, JPEG, a tilt, the table
around the sheet; one at a time and all together; small, a marker, chalk, a marker in uneven light)
and reads it as predict.py reads a file.

--non-digits N draws N drawings of each non-digit family (digitpad.drawn.nondigits; the held-out families
were never trained on) and prints the share of each that is refused at --threshold (the top
probability under it; a 1 needs half, and twice any other digit's: mnist_mlp.is_sure), and for the writers' digits
under each condition the share still answered and the accuracy, then the curve of both as the
threshold moves.

--forms N draws N of each form of the catalogue of regional digit forms (digitpad.drawn.forms: the
continental 1, crossed 7s, closed 4s, ...) on the pad and as scans (digitpad.drawn.scanlike) and prints the
share of each read as its digit; --mosaic writes examples of every form both ways.

Every image is read as the pad reads it: as it is and turned by -D and +D degrees (--turn D,
10 by default), the three probability vectors averaged (mnist_mlp.views); --turn 0 reads it once.
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digitpad import cli  # noqa: E402

import numpy as np  # noqa: E402

from charts import png_problem, write_png  # noqa: E402
from digitpad.drawn.benchmark import evaluate_drawn, evaluate_forms, evaluate_refusal, held_out_non_digits, trained_on  # noqa: E402
from digitpad.drawn.forms import mosaic as forms_mosaic  # noqa: E402
from digitpad.drawn.nondigits import mosaic as non_digit_mosaic  # noqa: E402
from digitpad.drawn.numbers import evaluate_numbers, make_numbers  # noqa: E402
from digitpad.drawn.photos import CONDITIONS as PHOTO_CONDITIONS, evaluate_photos, mosaic  # noqa: E402
from digitpad.drawn.render import CONDITIONS, DEFAULT_DATA, VALIDATION_WRITERS  # noqa: E402
from digitpad.drawn.unipen import UnipenError, parse_writers, read_unipen  # noqa: E402
from mnist_mlp.metrics import format_pairs  # noqa: E402
from mnist_mlp.paths import WEIGHTS  # noqa: E402
from mnist_mlp import SURE, ModelError, load_model  # noqa: E402
from mnist_mlp.views import TURN, reader  # noqa: E402


def show_numbers(model, digits, args):
    touching = args.via == "strokes" or args.touching
    numbers = make_numbers(digits, args.numbers, np.random.default_rng(args.seed), touching=touching)
    result = {**evaluate_numbers(model, numbers, args.via, turn=args.turn), "selected_writers": args.writers,
              "seed": args.seed}
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"{result['numbers']} numbers of 2-8 digits from writers {args.writers}, read via {args.via}"
          + (", digits that may touch" if args.touching else ""))
    for key in ("segmentation", "number_accuracy", "sure", "sure_and_right", "sure_and_wrong", "digit_accuracy",
                "expected_number_accuracy"):
        print(f"{key.replace('_', ' '):<26} {100 * result[key]:6.2f}%")
    return 0


MAX_MADE = 20_000


def show_refusal(model, digits, conditions, args):
    non_digits = held_out_non_digits(args.non_digits, args.seed)
    result = evaluate_refusal(model, digits, conditions, non_digits, args.threshold)
    if args.json:
        print(json.dumps({**result, "selected_writers": args.writers, "seed": args.seed}, indent=1))
        return 0
    print(f"non-digits refused at threshold {args.threshold} ({args.non_digits} of each family):")
    for family, r in result["families"].items():
        print(f"  {family:<14} {100 * r['refused']:6.2f}%" + ("  (held out)" if r["held_out"] else ""))
    print(f"  {'held out':<14} {100 * result['held_out_refused']:6.2f}%")
    print(f"digits of writers {args.writers}:  answered  accuracy")
    for name, c in result["conditions"].items():
        print(f"  {name:<18} {100 * c['answered']:8.2f}% {100 * c['accuracy']:8.2f}%")
    print("threshold  held-out non-digits refused  digits answered")
    for row in result["curve"]:
        print(f"  {row['threshold']:.2f}     {100 * row['held_out_refused']:6.2f}%"
              f"                  {100 * row['digits_answered']:6.2f}%")
    return 0


def show_forms(model, args):
    if args.mosaic and not write_png(args.mosaic, forms_mosaic(np.random.default_rng(args.seed))):
        return 1
    result = evaluate_forms(model, args.forms, args.seed)
    if args.json:
        print(json.dumps({"forms": result, "per_form": args.forms, "seed": args.seed}, indent=1))
        return 0
    print(f"{args.forms} drawings of each form, read as its digit:   on the pad   as scans")
    for name, r in result.items():
        print(f"  {name:<22} {100 * r['pad']:27.2f}% {100 * r['scan']:9.2f}%")
    print(f"forms read right at least 95% of the time: {sum(r['pad'] >= 0.95 for r in result.values())} on the pad, "
          f"{sum(r['scan'] >= 0.95 for r in result.values())} as scans, of {len(result)}")
    return 0


def main(argv=None):
    p = cli.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--weights", type=Path, default=WEIGHTS, help="the model's folder (weights/ unless given)")
    p.add_argument("--data", type=Path, default=Path(DEFAULT_DATA), help="UNIPEN file of drawn digits: %(default)s")
    p.add_argument("--writers", default=VALIDATION_WRITERS, help="writer ids, e.g. 26-30 or all: %(default)s")
    p.add_argument("--conditions", default=None, help="conditions, comma-separated (all unless given): the pad's "
                   f"{','.join(c.name for c in CONDITIONS)}; with --photos, the photos' {','.join(PHOTO_CONDITIONS)}")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--numbers", type=int, default=0, help="read this many whole numbers instead")
    p.add_argument("--via", choices=["strokes", "image", "cut"], default="strokes",
                   help="with --numbers: what is read (the strokes, their picture, or it cut down to the ink)")
    p.add_argument("--touching", action="store_true",
                   help="with --numbers --via image or cut: digits may touch, as from strokes (cut apart to be read)")
    p.add_argument("--seed", type=cli.seed, default=0, help="with --numbers or --photos: which ones are made")
    p.add_argument("--photos", action="store_true", help="accuracy on synthetic photos of ink on paper instead")
    p.add_argument("--mosaic", type=Path, default=None,
                   help="with --photos, --non-digits or --forms: also write examples")
    p.add_argument("--forms", type=int, default=0, help="draw this many of each regional digit form: read right?")
    p.add_argument("--non-digits", type=int, default=0, help="draw this many of each non-digit family: refused?")
    p.add_argument("--threshold", type=float, default=SURE,
                   help="with --non-digits: the confidence threshold (a 1 needs half, and twice any other digit's)")
    p.add_argument("--turn", type=float, default=TURN,
                   help="degrees each way the two extra views are turned: 10, as every client reads (0: one view)")
    args = p.parse_args(argv)
    for name in ("numbers", "non_digits", "forms"):
        if not 0 <= getattr(args, name) <= MAX_MADE:  # each is drawn and held in memory
            p.error(f"--{name.replace('_', '-')} must be between 0 and {MAX_MADE:,} (more says nothing new, "
                    "and fills memory)")
    if not 0 <= args.threshold <= 1:
        p.error("--threshold must be between 0 and 1")
    if args.touching and not (args.numbers and args.via != "strokes"):
        p.error("--touching is for --numbers with --via image or cut (strokes' digits may touch anyway)")
    if not 0 <= args.turn <= 45:
        p.error("--turn must be between 0 and 45 degrees")
    if args.mosaic and (problem := png_problem(args.mosaic)):
        p.error(f"--mosaic {problem}")
    by_name = {c.name: c for c in CONDITIONS}
    known = PHOTO_CONDITIONS if args.photos else list(by_name)
    args.conditions = args.conditions.split(",") if args.conditions else known
    unknown = [n for n in args.conditions if n not in known]
    if unknown:
        p.error(f"unknown condition(s) {', '.join(unknown)}; choose from {', '.join(known)}")
    try:
        writers = None if args.writers == "all" else parse_writers(args.writers)
    except ValueError as e:
        p.error(str(e))
    if args.forms:  # drawn from the catalogue, not from the pen-digit file
        try:
            return show_forms(reader(load_model(args.weights), args.turn), args)
        except ModelError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
    try:
        model = load_model(args.weights)
        digits = read_unipen(args.data, writers)
    except (ModelError, UnipenError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if not digits:
        print(f"error: no digits from writers {args.writers} in {args.data}", file=sys.stderr)
        return 1
    seen = trained_on(model.manifest, {d.writer for d in digits}, args.data)
    if seen:
        print(f"warning: the model was trained on writers {', '.join(map(str, seen))} of {args.data.name}: "
              "their accuracy says little about people it never saw", file=sys.stderr)
    if args.numbers:
        return show_numbers(model, digits, args)  # grouped by the network alone, digits read with --turn
    model = reader(model, args.turn)
    if args.non_digits:
        if args.mosaic and not write_png(args.mosaic, non_digit_mosaic(np.random.default_rng(args.seed))):
            return 1
        return show_refusal(model, digits, [by_name[n] for n in args.conditions], args)
    if args.photos:
        if args.mosaic and not write_png(args.mosaic, mosaic(digits, np.random.default_rng(args.seed))):
            return 1
        photos = {}
        for condition in args.conditions:  # each printed as it is measured: all of them take minutes
            photos.update(evaluate_photos(model, digits, [condition], seed=args.seed))
            if not args.json:
                print(f"{condition:<14} {100 * photos[condition]:6.2f}%", flush=True)
        if args.json:
            print(json.dumps({"photos": photos, "selected_writers": args.writers}, indent=1))
        return 0
    result = evaluate_drawn(model, digits, [by_name[n] for n in args.conditions])
    result.update(selected_writers=args.writers, data=str(args.data))
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"{len(digits)} drawn digits from writers {args.writers} of {args.data}\n")
    print(f"{'condition':<18} {'accuracy':>9}")
    for name, c in result["conditions"].items():
        print(f"{name:<18} {100 * c['accuracy']:8.2f}%")
    print(f"\nworst: {result['worst']} {100 * result['worst_accuracy']:.2f}%   "
          f"mean: {100 * result['mean_accuracy']:.2f}%")
    total_errors = sum(w["errors"] for w in result["writers"].values())
    print(f"per writer (all conditions): accuracy (its errors, of {total_errors} in all): " + ", ".join(
        f"{w} {100 * r['accuracy']:.2f}% ({r['errors']})" for w, r in result["writers"].items()))
    print("most confused (true -> predicted: count): "
          + format_pairs(result["most_confused"]))
    return 0


if __name__ == "__main__":
    cli.run(main)
