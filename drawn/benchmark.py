"""Accuracy on drawn digits, condition by condition, through the pad's whole pipeline."""
import numpy as np

from mnist_mlp.metrics import confusion_matrix, most_confused

from .render import network_inputs


def evaluate_drawn(model, digits, conditions):
    """Per condition: accuracy and count; overall: the worst condition and the most confused pairs."""
    per_condition, total = {}, np.zeros((10, 10), np.int64)
    labels = np.array([d.label for d in digits])
    for condition in conditions:
        images = network_inputs(digits, [condition] * len(digits))
        counts = confusion_matrix(labels, model.predict(images))
        total += counts
        per_condition[condition.name] = {"accuracy": float(counts.trace() / counts.sum()), "samples": len(labels)}
    worst = min(per_condition, key=lambda name: per_condition[name]["accuracy"])
    return {"conditions": per_condition, "worst": worst,
            "worst_accuracy": per_condition[worst]["accuracy"],
            "mean_accuracy": float(np.mean([c["accuracy"] for c in per_condition.values()])),
            "most_confused": most_confused(total)}
