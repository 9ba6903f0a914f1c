"""Pictures of a trained model: curves, confusion, mistakes, first-layer weights, confidence.

Usage:
    python tools/report.py [--weights weights/] [--out reports/NAME] [--drawn PATH.tra]

Writes PNG files and an index.html that shows them with the numbers beside
them. The curves come from the history.json beside the weights; the rest is
measured on the MNIST test set (and, when the pen-digit file is there, on the
drawn digits of the validation writers, with the curve of non-digits refused against
digits answered as the confidence threshold moves).
"""
import html
import json
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import charts  # noqa: E402  (tools/ is on sys.path when this runs as a script)
from digitpad import cli  # noqa: E402
from digitpad.drawn.benchmark import evaluate_refusal, held_out_non_digits  # noqa: E402
from digitpad.drawn.render import CONDITIONS, DEFAULT_DATA, VALIDATION_WRITERS, drawn_readings, network_inputs  # noqa: E402
from digitpad.drawn.unipen import UnipenError, parse_writers, read_unipen  # noqa: E402
from mnist_mlp.paths import WEIGHTS  # noqa: E402
from mnist_mlp import SURE, ModelError, is_sure, load_model  # noqa: E402
from mnist_mlp.metrics import confusion_matrix  # noqa: E402
from mnist_mlp.mnist import DEFAULT_DIR, DataError, as_inputs, fetch_mnist, load_mnist  # noqa: E402
from mnist_mlp.views import TurnedViews  # noqa: E402


def curve_series(history, keys):
    """{line name: (epochs, values)} for each (name, history key), one line per member of an ensemble."""
    runs = {}
    for h in history:
        runs.setdefault(h.get("member"), []).append(h)
    return {name + ("" if member is None else f", member {member}"): ([h["epoch"] for h in rows],
                                                                      [h[key] for h in rows])
            for member, rows in runs.items() for name, key in keys if key in rows[0]}


def curves(history):
    """Loss and accuracy per epoch, training and validation."""
    loss = charts.line_chart(curve_series(history, [("training", "train_loss"), ("validation", "val_loss")]),
                             "Loss per epoch", "epoch", "cross-entropy")
    acc = {name: (x, 100 * np.array(y)) for name, (x, y) in
           curve_series(history, [("training", "train_accuracy"), ("validation", "val_accuracy")]).items()}
    accuracy = charts.line_chart(acc, "Accuracy per epoch", "epoch", "accuracy (%)", legend_corner="bottom-right")
    return {"loss.png": loss, "accuracy.png": accuracy}


def confusion_images(counts):
    per_class = 100 * np.diag(counts) / np.maximum(counts.sum(axis=1), 1)
    low = max(0.0, np.floor(per_class.min() - 2))
    return {
        "confusion.png": charts.heatmap(counts, "Confusion matrix, MNIST test", "predicted", "true digit"),
        "per_class.png": charts.bar_chart({"accuracy": per_class}, list(range(10)), "Accuracy per digit",
                                          "digit", "accuracy (%)", y_range=(low, 100), value_format="{:.1f}"),
    }


def mistakes_gallery(images, labels, probabilities, title, count=40):
    """The most confident mistakes, each captioned true -> predicted (confidence)."""
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    wrong = wrong[np.argsort(probabilities[wrong, predicted[wrong]])[::-1]][:count]
    tiles = []
    for i in wrong:
        tile = cv2.cvtColor(cv2.resize((images[i].reshape(28, 28) * 255).astype(np.uint8), (84, 84),
                                       interpolation=cv2.INTER_NEAREST), cv2.COLOR_GRAY2BGR)
        band = np.full((34, 84, 3), 255, np.uint8)
        charts.text(band, f"{labels[i]} -> {predicted[i]}", (42, 14), 0.45, charts.INK, 1, "center")
        charts.text(band, f"{100 * probabilities[i, predicted[i]]:.0f}% sure", (42, 29), 0.38, charts.MUTED, 1,
                    "center")
        tiles.append(np.vstack([tile, band]))
    if not tiles:
        return charts.canvas(480, 80, f"{title}: no mistakes")
    return charts.titled(charts.mosaic(tiles, columns=10), f"{title} (true -> predicted)")


def weight_tiles(W, limit=256):
    """Each hidden unit's 784 input weights as a 28x28 tile: red excites, blue inhibits."""
    tiles = []
    for unit in range(min(W.shape[1], limit)):
        w = W[:, unit].reshape(28, 28)
        tiles.append(cv2.resize(charts.diverging(w / (np.abs(w).max() or 1)), (56, 56),
                                interpolation=cv2.INTER_NEAREST))
    shown = f"first {limit} of {W.shape[1]}" if W.shape[1] > limit else f"all {W.shape[1]}"
    return charts.titled(charts.mosaic(tiles, columns=16, gap=2),
                         f"First-layer weights, {shown} hidden units (red +, blue -)")


def confidence_images(probabilities, labels):
    top = probabilities.max(axis=1)
    right = probabilities.argmax(axis=1) == labels
    bins = np.linspace(0, 1, 11)
    share = {name: 100 * np.histogram(top[mask], bins)[0] / max(mask.sum(), 1)
             for name, mask in (("right answers", right), ("wrong answers", ~right))}
    histogram = charts.bar_chart(share, [f"{b:.1f}" for b in bins[:-1]],
                                 "Top probability, right vs wrong answers", "top probability from",
                                 "share of answers (%)", y_range=(0, 100), legend_corner="top-left")
    thresholds = np.linspace(0, 0.99, 100)
    answered = [is_sure(probabilities, t) for t in thresholds]
    coverage = np.array([a.mean() for a in answered])
    answered_accuracy = np.array([right[a].mean() if a.any() else 1.0 for a in answered])
    low = min(99.0, float(np.floor(100 * answered_accuracy.min() - 0.5)))
    curve = charts.line_chart({"accuracy of answers given": (100 * coverage, 100 * answered_accuracy)},
                              "Accuracy against coverage as the threshold rises", "coverage (% answered)",
                              "accuracy (%)", y_range=(low, 100.2), legend_corner="bottom-left")
    table = []
    for t in (0.5, 0.7, 0.9, 0.99):
        sure = is_sure(probabilities, t)
        if sure.any():
            table.append({"threshold": t, "coverage": float(sure.mean()), "accuracy": float(right[sure].mean())})
    return {"confidence.png": histogram, "coverage.png": curve}, table


def drawn_mistakes(model, path):
    digits = read_unipen(path, parse_writers(VALIDATION_WRITERS))
    images = network_inputs(digits, [CONDITIONS[0]] * len(digits))
    labels = np.array([d.label for d in digits])
    probabilities = drawn_readings(model, digits, [CONDITIONS[0]] * len(digits))  # the picture and the path
    accuracy = float((probabilities.argmax(axis=1) == labels).mean())
    return mistakes_gallery(images, labels, probabilities, f"Drawn digits, writers {VALIDATION_WRITERS}"), accuracy


def refusal_images(model, digits, per_family=100):
    """The curve of held-out non-digits refused and drawn digits answered as the threshold moves
    (digitpad.drawn.benchmark.evaluate_refusal, centred condition), and its table at a few thresholds."""
    result = evaluate_refusal(model, digits, CONDITIONS[:1], held_out_non_digits(per_family), SURE)
    curve = result["curve"]
    ts = [r["threshold"] for r in curve]
    chart = charts.line_chart({"held-out non-digits refused": (ts, [100 * r["held_out_refused"] for r in curve]),
                               f"digits answered (writers {VALIDATION_WRITERS})":
                                   (ts, [100 * r["digits_answered"] for r in curve])},
                              "Not a digit: refused against answered as the threshold rises", "threshold",
                              "share (%)", y_range=(0, 100.5), legend_corner="bottom-right")
    table = [r for r in curve if r["threshold"] in (0.3, 0.5, 0.7, 0.9)]
    return chart, table


def build_report(model, history, x_test, y_test, drawn_path=None):
    """{file name: image} and the numbers for the page; pure apart from reading drawn_path."""
    probabilities = model.predict_proba(x_test)
    counts = confusion_matrix(y_test, probabilities.argmax(axis=1))
    images = {}
    if history:
        images.update(curves(history))
    images.update(confusion_images(counts))
    images["mistakes.png"] = mistakes_gallery(x_test, y_test, probabilities, "Most confident mistakes, MNIST test")
    images["weights.png"] = weight_tiles(model.arrays()["W1"])
    confidence, table = confidence_images(probabilities, y_test)
    images.update(confidence)
    numbers = {"mnist_test_accuracy": float(counts.trace() / counts.sum()), "samples": int(counts.sum()),
               "per_class": (np.diag(counts) / np.maximum(counts.sum(axis=1), 1)).tolist(), "thresholds": table}
    if drawn_path is not None:
        views = TurnedViews(model)  # drawn digits read as the pad reads them
        images["drawn_mistakes.png"], numbers["drawn_accuracy_centred"] = drawn_mistakes(views, drawn_path)
        digits = read_unipen(drawn_path, parse_writers(VALIDATION_WRITERS))
        images["refusal.png"], numbers["refusal"] = refusal_images(views, digits)
    return images, numbers


def write_html(out, images, numbers, manifest):
    rows = "".join(f"<tr><td>{d}</td><td>{100 * a:.2f}%</td></tr>" for d, a in enumerate(numbers["per_class"]))
    thresholds = "".join(f"<tr><td>{t['threshold']:.2f}</td><td>{100 * t['coverage']:.1f}%</td>"
                         f"<td>{100 * t['accuracy']:.2f}%</td></tr>" for t in numbers["thresholds"])
    drawn = (f"<p>Drawn digits of writers {VALIDATION_WRITERS} (centred): "
             f"{100 * numbers['drawn_accuracy_centred']:.2f}%</p>" if "drawn_accuracy_centred" in numbers else "")
    refusal = "".join(f"<tr><td>{r['threshold']:.2f}</td><td>{100 * r['held_out_refused']:.1f}%</td>"
                      f"<td>{100 * r['digits_answered']:.2f}%</td></tr>" for r in numbers.get("refusal", []))
    if refusal:
        refusal = ("<table><tr><th>threshold</th><th>held-out non-digits refused</th><th>drawn digits answered</th>"
                   f"</tr>{refusal}</table>")
    command = html.escape(manifest.get("training", {}).get("command", "unknown"))
    figures = "".join(f'<figure><img src="{name}" alt="{name}"><figcaption>{name}</figcaption></figure>'
                      for name in images)
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Model report</title>
<style>
body{{font-family:sans-serif;margin:2em;color:#222}} figure{{display:inline-block;margin:1em;vertical-align:top}}
table{{border-collapse:collapse;display:inline-table;margin-right:2em}} td,th{{border:1px solid #ccc;padding:3px 8px}}
</style>
</head><body>
<h1>Model report</h1>
<p>Layers {manifest.get('sizes')}; trained with <code>{command}</code></p>
<p>MNIST test accuracy: <b>{100 * numbers['mnist_test_accuracy']:.2f}%</b> of {numbers['samples']}</p>{drawn}
<table><tr><th>digit</th><th>accuracy</th></tr>{rows}</table>
<table><tr><th>threshold</th><th>answered</th><th>accuracy of answers</th></tr>{thresholds}</table>
{refusal}
{figures}
</body></html>
"""
    (out / "index.html").write_text(page)


def write_report(weights, out, data=DEFAULT_DIR, drawn=None):
    model = load_model(weights)
    history_file = Path(weights) / "history.json"
    history = json.loads(history_file.read_text()) if history_file.exists() else []
    fetch_mnist(data, log=lambda m: print(m, file=sys.stderr))
    d = load_mnist(data)
    images, numbers = build_report(model, history, as_inputs(d["x_test"]), d["y_test"].astype(np.int64), drawn)
    out.mkdir(parents=True, exist_ok=True)
    for name, image in images.items():
        cv2.imwrite(str(out / name), image)
    write_html(out, images, numbers, model.manifest)
    return out / "index.html"


def main(argv=None):
    p = cli.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--weights", type=Path, default=WEIGHTS, help="the model's folder")
    p.add_argument("--out", type=Path, default=None, help="default reports/<weights folder name>")
    p.add_argument("--data", type=Path, default=DEFAULT_DIR, help="MNIST folder (fetched when missing)")
    default = cli.shown_in_help(DEFAULT_DATA)
    p.add_argument("--drawn", type=Path, default=None,
                   help=f"pen-digit file for the drawn-digit mistakes (default: {default}, left out when absent)")
    args = p.parse_args(argv)
    if args.drawn is not None and not args.drawn.is_file():
        p.error(f"--drawn {args.drawn}: no such pen-digit file")
    drawn = args.drawn or Path(DEFAULT_DATA)
    if not drawn.is_file():
        print(f"note: no pen-digit data at {DEFAULT_DATA}: the drawn-digit chart is left out "
              "(--drawn PATH points at it)", file=sys.stderr)
        drawn = None
    out = args.out or Path("reports") / args.weights.resolve().name
    try:
        page = write_report(args.weights, out, args.data, drawn)
    except (ModelError, DataError, UnipenError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {page}")
    return 0


if __name__ == "__main__":
    cli.run(main)
