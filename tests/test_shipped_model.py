"""The shipped weights do what their model.json says, on MNIST and on drawn digits of unseen writers."""
import numpy as np
import pytest

from conftest import ROOT
from digitpad.drawn.benchmark import evaluate_drawn
from digitpad.drawn.render import CONDITIONS, DEFAULT_DATA, VALIDATION_WRITERS
from digitpad.drawn.unipen import parse_writers, read_unipen
from mnist_mlp import load_model

PENDIGITS = (ROOT / DEFAULT_DATA).resolve()


@pytest.fixture(scope="module")
def model():
    return load_model(ROOT / "weights")


def test_mnist_accuracy_as_recorded(model, mnist):
    recorded = model.manifest["metrics"]["test_accuracy"]
    x = mnist["x_test"].reshape(-1, 784).astype(np.float32) / 255
    measured = float((model.predict(x) == mnist["y_test"]).mean())
    assert abs(measured - recorded) <= 0.001
    assert measured >= 0.992


def test_trained_without_the_validation_writers(model):
    config = model.manifest["training"]["config"]
    assert config["pendigits"] and not parse_writers(config["pendigits_writers"]) & parse_writers(VALIDATION_WRITERS)


def test_drawn_accuracy_on_a_fixed_subset_of_validation_writers(model):
    """Every third digit of writers 26-30 in three conditions: close to what model.json records for all."""
    recorded = model.manifest["metrics"]["drawn"]["conditions"]
    digits = read_unipen(PENDIGITS, parse_writers(VALIDATION_WRITERS))[::3]
    chosen = [c for c in CONDITIONS if c.name in ("centred", "small-corner", "thin-brush")]
    result = evaluate_drawn(model, digits, chosen)
    for name, measured in result["conditions"].items():
        assert measured["accuracy"] >= recorded[name]["accuracy"] - 0.015, name
