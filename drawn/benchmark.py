"""Accuracy on drawn digits, condition by condition, through the pad's whole pipeline."""
from pathlib import Path

import numpy as np

from mnist_mlp.metrics import confusion_matrix, most_confused

from .render import network_inputs
from .unipen import parse_writers


def trained_on(manifest, writers, data):
    """The writers of ``writers`` that the model behind ``manifest`` was trained on from the same
    pen-digit file ``data`` (its model.json records both), sorted; [] when none or not recorded."""
    config = (manifest.get("training") or {}).get("config") or {} if isinstance(manifest, dict) else {}
    if not config.get("pendigits") or Path(config["pendigits"]).name != Path(data).name:
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
        images = network_inputs(digits, [condition] * len(digits))
        predicted = model.predict(images)
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
