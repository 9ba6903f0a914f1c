"""Judge a trained model on the MNIST test set.

Usage:
    python tools/evaluate.py [--weights weights/] [--data data/mnist] [--json]

Prints accuracy, per-class precision/recall/F1 and the confusion matrix;
--json prints the same as one JSON object.
"""
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digitpad import cli  # noqa: E402

from mnist_mlp.paths import WEIGHTS  # noqa: E402
from mnist_mlp import ModelError, load_model  # noqa: E402
from mnist_mlp.metrics import class_scores, confusion_matrix, format_confusion, format_pairs, most_confused  # noqa: E402
from mnist_mlp.mnist import DEFAULT_DIR, DataError, as_inputs, fetch_mnist, load_mnist  # noqa: E402
from mnist_mlp.training import predict_in_batches  # noqa: E402


def evaluate(model, images, labels):
    """Everything the report shows, as plain Python values."""
    counts = confusion_matrix(labels, predict_in_batches(model, as_inputs(images)))
    scores = class_scores(counts)
    return {
        "samples": int(len(labels)),
        "accuracy": float(counts.trace() / counts.sum()),
        "per_class": {str(c): {k: float(v[c]) for k, v in scores.items()} for c in range(10)},
        "most_confused": most_confused(counts),
        "confusion_matrix": counts.tolist(),
    }


def format_report(result):
    lines = [f"MNIST test accuracy: {100 * result['accuracy']:.2f}% of {result['samples']}", "",
             "digit  precision  recall     F1  support"]
    for c, s in result["per_class"].items():
        lines.append(f"{c:>5}  {100 * s['precision']:8.2f}%  {100 * s['recall']:5.2f}%  "
                     f"{100 * s['f1']:5.2f}%  {int(s['support']):7d}")
    lines += ["", "confusion matrix:", format_confusion(np.array(result["confusion_matrix"])),
              "", "most confused (true -> predicted: count): "
              + format_pairs(result["most_confused"])]
    return "\n".join(lines)


def main(argv=None):
    p = cli.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--weights", type=Path, default=WEIGHTS, help="the model's folder")
    p.add_argument("--data", type=Path, default=DEFAULT_DIR, help="MNIST folder (fetched when missing)")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = p.parse_args(argv)
    try:
        model = load_model(args.weights)
        fetch_mnist(args.data, log=lambda msg: print(msg, file=sys.stderr))
        data = load_mnist(args.data)
    except (ModelError, DataError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    result = evaluate(model, data["x_test"], data["y_test"])
    print(json.dumps(result, indent=1) if args.json else format_report(result))
    return 0


if __name__ == "__main__":
    cli.run(main)
