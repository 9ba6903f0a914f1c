"""Accuracy on drawn digits, condition by condition, through the pad's whole pipeline."""
from pathlib import Path

import numpy as np

from mnist_mlp import is_sure
from mnist_mlp.metrics import confusion_matrix, most_confused

from .forms import FORMS, form_readings
from .nondigits import FAMILIES, HELD_OUT
from .render import CONDITIONS, VALIDATION_WRITERS, drawn_readings, pad_readings, pad_strokes, random_condition
from .unipen import parse_writers, read_unipen, unipen_sha256


def trained_on(manifest, writers, data):
    """The writers of ``writers`` that the model behind ``manifest`` was trained on from the same
    pen-digit file ``data``, compressed or not (its model.json records both), sorted; [] when none or
    not recorded."""
    config = (manifest.get("training") or {}).get("config") or {} if isinstance(manifest, dict) else {}
    def name(path):  # the file as shipped compressed is the same file
        return Path(path).name.removesuffix(".gz")

    if not config.get("pendigits") or name(config["pendigits"]) != name(data):
        return []
    try:
        return sorted(set(writers) & parse_writers(config.get("pendigits_writers", "")))
    except ValueError:
        return []


def evaluate_drawn(model, digits, conditions):
    """Per condition: accuracy and count; per writer: accuracy over all conditions, and how many of
    the errors are theirs; overall: the worst condition and the most confused pairs."""
    per_condition, total = {}, np.zeros((10, 10), np.int64)
    labels = np.array([d.label for d in digits])
    writers = np.array([d.writer for d in digits])
    right = np.zeros(len(digits), np.int64)  # conditions in which each digit was read right
    for condition in conditions:
        predicted = drawn_readings(model, digits, [condition] * len(digits)).argmax(axis=1)
        right += predicted == labels
        counts = confusion_matrix(labels, predicted)
        total += counts
        per_condition[condition.name] = {"accuracy": float(counts.trace() / counts.sum()), "samples": len(labels)}
    per_writer = {}
    for writer in np.unique(writers):
        theirs = right[writers == writer]
        per_writer[int(writer)] = {"accuracy": float(theirs.mean() / len(conditions)), "samples": len(theirs),
                                   "errors": int(len(conditions) * len(theirs) - theirs.sum())}
    worst = min(per_condition, key=lambda name: per_condition[name]["accuracy"])
    return {"conditions": per_condition, "writers": per_writer, "worst": worst,
            "worst_accuracy": per_condition[worst]["accuracy"],
            "mean_accuracy": float(np.mean([c["accuracy"] for c in per_condition.values()])),
            "most_confused": most_confused(total)}


def validation_digits(path):
    """The validation writers' digits in the UNIPEN file at ``path`` and the file's sha256, read
    before a training so that a file it cannot read stops it at once (UnipenError); None when there
    is no such file."""
    path = Path(path)
    if not path.exists():
        return None
    return read_unipen(path, parse_writers(VALIDATION_WRITERS)), unipen_sha256(path)


def validation_metrics(model, validation):
    """What a model's manifest records of ``validation`` (validation_digits'): accuracy per
    condition, the worst and the mean; None without it."""
    if validation is None:
        return None
    digits, digest = validation
    result = evaluate_drawn(model, digits, CONDITIONS)
    return {"writers": VALIDATION_WRITERS, "samples": len(digits), "sha256": digest,
            **{k: result[k] for k in ("conditions", "worst", "worst_accuracy", "mean_accuracy")}}


def held_out_non_digits(n_per_family, seed=0, families=None):
    """{family: [the pad's strokes of each drawing]} of freshly drawn non-digits (digitpad.drawn.nondigits),
    every family by default, drawn on the pad as ``non_digit_inputs`` draws them; the seed is apart from
    the ones training draws with."""
    rng = np.random.default_rng([seed, 3_000_017])
    return {family: [pad_strokes(FAMILIES[family](rng), random_condition(rng, hands=True), y_up=False)
                     for _ in range(n_per_family)] for family in families or FAMILIES}


def evaluate_refusal(model, digits, conditions, non_digits, threshold):
    """How a confidence ``threshold`` sorts digits from non-digits. Per non-digit family: the
    share refused (not sure at the threshold: mnist_mlp.is_sure); per drawn-digit condition: the share
    answered and the accuracy of all of them; and the curve of both as the threshold moves."""
    found = {family: pad_readings(model, pads) for family, pads in non_digits.items()}
    labels = np.array([d.label for d in digits])
    per_condition, digit_p = {}, []
    for condition in conditions:
        p = drawn_readings(model, digits, [condition] * len(digits))
        digit_p.append(p)
        per_condition[condition.name] = {"answered": float(is_sure(p, threshold).mean()),
                                         "accuracy": float((p.argmax(axis=1) == labels).mean())}
    held = np.concatenate([found[f] for f in HELD_OUT if f in found] or [np.zeros((0, 10))])
    digit_p = np.concatenate(digit_p)
    curve = [{"threshold": float(t), "held_out_refused": float((~is_sure(held, t)).mean()) if len(held) else None,
              "digits_answered": float(is_sure(digit_p, t).mean())} for t in np.round(np.arange(0.1, 1.0, 0.05), 2)]
    return {"threshold": threshold,
            "families": {f: {"refused": float((~is_sure(p, threshold)).mean()), "samples": len(p),
                             "held_out": f in HELD_OUT} for f, p in found.items()},
            "held_out_refused": float((~is_sure(held, threshold)).mean()) if len(held) else None,
            "conditions": per_condition, "curve": curve}


def evaluate_forms(model, n_per_form, seed=0):
    """{form: {"pad": share, "scan": share}}: how many of ``n_per_form`` fresh drawings of each
    regional digit form (digitpad.drawn.forms) are read as their digit, drawn on the pad and as scans."""
    rng = np.random.default_rng([seed, 5_000_011])
    return {name: {way: float((form_readings(model, [name] * n_per_form, rng, scans).argmax(axis=1) == digit).mean())
                   for way, scans in (("pad", 0.0), ("scan", 1.0))} for name, (digit, _) in FORMS.items()}
