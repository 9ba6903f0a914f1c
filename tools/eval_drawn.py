"""Accuracy on pen-drawn digits, drawn the way the pad draws them, under several conditions.

Usage:
    python tools/eval_drawn.py [--weights weights/] [--data PATH.tra] [--writers 26-30]
                               [--conditions centred,small-corner,...] [--json]

Each digit's trajectory is rendered with the pad's brush (anti-aliased joined
segments) at each condition's pad size, digit size, place and brush width, then
goes through preprocessing.prepare and the model. Writers 26-30 are the
validation writers that no training run sees. Prints accuracy per condition,
the worst condition, accuracy per writer (over all conditions, with their share
of the errors) and the most confused pairs; --json for machines.
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cli  # noqa: E402  (tools/cli.py, beside this script)

from drawn.benchmark import evaluate_drawn, trained_on  # noqa: E402
from drawn.render import CONDITIONS, DEFAULT_DATA, VALIDATION_WRITERS  # noqa: E402
from drawn.unipen import UnipenError, parse_writers, read_unipen  # noqa: E402
from mnist_mlp import ModelError, load_model  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--weights", type=Path, default=Path("weights"))
    p.add_argument("--data", type=Path, default=Path(DEFAULT_DATA), help="UNIPEN file of drawn digits")
    p.add_argument("--writers", default=VALIDATION_WRITERS, help="writer ids to evaluate, e.g. 26-30 or all")
    p.add_argument("--conditions", default=",".join(c.name for c in CONDITIONS))
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    by_name = {c.name: c for c in CONDITIONS}
    unknown = [n for n in args.conditions.split(",") if n not in by_name]
    if unknown:
        p.error(f"unknown condition(s) {', '.join(unknown)}; choose from {', '.join(by_name)}")
    try:
        writers = None if args.writers == "all" else parse_writers(args.writers)
    except ValueError as e:
        p.error(str(e))
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
    result = evaluate_drawn(model, digits, [by_name[n] for n in args.conditions.split(",")])
    result.update(selected_writers=args.writers, data=str(args.data))
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"{len(digits)} drawn digits from writers {args.writers} of {args.data}\n")
    print(f"{'condition':<14} {'accuracy':>9}")
    for name, c in result["conditions"].items():
        print(f"{name:<14} {100 * c['accuracy']:8.2f}%")
    print(f"\nworst: {result['worst']} {100 * result['worst_accuracy']:.2f}%   "
          f"mean: {100 * result['mean_accuracy']:.2f}%")
    total_errors = sum(w["errors"] for w in result["writers"].values())
    print("per writer (all conditions; share of the errors): " + ", ".join(
        f"{w} {100 * r['accuracy']:.2f}% ({r['errors']}/{total_errors})" for w, r in result["writers"].items()))
    print("most confused (true -> predicted: count): "
          + ", ".join(f"{t}->{p}: {n}" for t, p, n in result["most_confused"]))
    return 0


if __name__ == "__main__":
    cli.run(main)
