"""Simulate people teaching the pad their hand, and measure what adapting to them gives.

Usage:
    python tools/eval_personal.py [--weights weights/] [--data PATH.tra] [--writers 26-30] [--k 5] [--json]

For each writer, --k samples of each digit (chosen at random, seeded) are drawn on the
pad's canvas as mouse strokes and saved with the pad's own sample saving; the pad's
adaptation (same code, same defaults) runs on them; the adapted model is measured on the
writer's other digits under all seven eval_drawn conditions, against the base model. MNIST
test accuracy is measured before and after (after: the worst of the writers' models).
--weights picks the base model, so one trained without some writers can be tested on them.
The recipe options exist to compare recipes; leave them out to measure the pad's own.
"""
import dataclasses
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digitpad import cli  # noqa: E402

from digitpad.drawn.benchmark import trained_on  # noqa: E402
from digitpad.drawn.render import DEFAULT_DATA, VALIDATION_WRITERS  # noqa: E402
from digitpad.drawn.unipen import UnipenError, parse_writers, read_unipen  # noqa: E402
from mnist_mlp.paths import WEIGHTS  # noqa: E402
from mnist_mlp import ModelError, load_model  # noqa: E402
from mnist_mlp.mnist import DEFAULT_DIR, DataError, as_inputs, load_mnist  # noqa: E402
from mnist_mlp.training import accuracy  # noqa: E402
from digitpad.personal.adapt import Recipe, replay_data  # noqa: E402
from digitpad.desktop.simulate import simulate_writer  # noqa: E402

RECIPE_FIELDS = [f for f in dataclasses.fields(Recipe) if f.name != "seed"]


def parse_args(argv):
    p = cli.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--weights", type=Path, default=WEIGHTS, help="the base model")
    p.add_argument("--data", type=Path, default=Path(DEFAULT_DATA), help="UNIPEN file of pen-drawn digits")
    p.add_argument("--writers", default=VALIDATION_WRITERS, help="writer ids, e.g. 26-30 or 6,12,14")
    p.add_argument("--k", type=int, default=5, help="samples of each digit a person saves")
    p.add_argument("--seed", type=cli.seed, default=0, help="which samples are chosen")
    p.add_argument("--mnist", type=Path, default=DEFAULT_DIR, help="MNIST folder (fetched when missing)")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    for field in RECIPE_FIELDS:
        p.add_argument(f"--{field.name.replace('_', '-')}", type=type(field.default), default=None,
                       help=f"recipe: {field.name} (default: {field.default})")
    args = p.parse_args(argv)
    try:
        args.writer_ids = sorted(parse_writers(args.writers))
    except ValueError as e:
        p.error(str(e))
    if args.k < 1:
        p.error("--k must be at least 1")
    overrides = {f.name: getattr(args, f.name) for f in RECIPE_FIELDS if getattr(args, f.name) is not None}
    args.recipe = Recipe(**overrides)
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        base = load_model(args.weights)
        digits = read_unipen(args.data, set(args.writer_ids))
        x_replay, y_replay = replay_data(args.mnist, log=lambda m: print(m, file=sys.stderr))
        mnist = load_mnist(args.mnist)
    except (ModelError, UnipenError, DataError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    x_test, y_test = as_inputs(mnist["x_test"]), mnist["y_test"]
    seen = trained_on(base.manifest, args.writer_ids, args.data)
    if seen:
        print(f"warning: {args.weights} was trained on writers {', '.join(map(str, seen))}: "
              "what adapting does for people it never saw is measured on others", file=sys.stderr)
    per_writer, worst_mnist = [], None
    for writer in args.writer_ids:
        theirs = [d for d in digits if d.writer == writer]
        if not theirs:
            print(f"warning: no digits of writer {writer} in {args.data}; skipped", file=sys.stderr)
            continue
        try:
            result, model = simulate_writer(base, theirs, args.k, x_replay, y_replay, args.recipe, args.seed)
        except ValueError as e:  # a writer without every digit cannot be taught
            print(f"warning: writer {writer} skipped: {e}", file=sys.stderr)
            continue
        mnist_after = accuracy(model, x_test, y_test)
        result["mnist_test_after"] = mnist_after
        worst_mnist = mnist_after if worst_mnist is None else min(worst_mnist, mnist_after)
        per_writer.append(result)
        if not args.json:
            print(f"writer {writer:3d}: {100 * result['before']:6.2f}% -> {100 * result['after']:6.2f}%  "
                  f"({result['n_test']} digits x 7 conditions, worst condition "
                  f"{100 * result['worst_condition_after']:.2f}%; adapted on {result['samples']} samples in "
                  f"{result['seconds']:.1f} s; MNIST test {100 * mnist_after:.2f}%)", flush=True)
    if not per_writer:
        print(f"error: no writer of {args.writers} in {args.data} could be simulated", file=sys.stderr)
        return 1
    summary = {"k": args.k, "weights": str(args.weights), "data": str(args.data), "writers": args.writers,
               "recipe": dataclasses.asdict(args.recipe), "per_writer": per_writer,
               "mnist_test": {"before": accuracy(base, x_test, y_test), "after": worst_mnist}}
    if args.json:
        print(json.dumps(summary, indent=1))
        return 0
    seconds = sorted(r["seconds"] for r in per_writer)
    print(f"\nk = {args.k}: lowest after {100 * min(r['after'] for r in per_writer):.2f}%, "
          f"adaptation median {seconds[len(seconds) // 2]:.1f} s, max {seconds[-1]:.1f} s; "
          f"MNIST test {100 * summary['mnist_test']['before']:.2f}% -> {100 * worst_mnist:.2f}% (worst)")
    return 0


if __name__ == "__main__":
    cli.run(main)
