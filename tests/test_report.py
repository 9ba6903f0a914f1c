"""Report images from a small fixture model and history: expected sizes, real content, the page."""
import numpy as np
import pytest

from conftest import ROOT
from mnist_mlp import MLP, save_model
from mnist_mlp.training import train_epoch
from mnist_mlp.optim import Adam
from tools_path import charts, report

HISTORY = [{"epoch": e, "train_loss": 1 / e, "val_loss": 1.2 / e, "train_accuracy": 1 - 0.1 / e,
            "val_accuracy": 1 - 0.12 / e} for e in range(1, 6)]


@pytest.fixture(scope="module")
def fixture_model(mnist):
    x = mnist["x_train"][:3000].reshape(-1, 784).astype(np.float32) / 255
    y = mnist["y_train"][:3000].astype(np.int64)
    model = MLP([784, 32, 10], seed=0)
    opt = Adam(model.parameters(), lr=3e-3)
    for _ in range(3):
        train_epoch(model, opt, x, y, 100, np.random.default_rng(0))
    return model


@pytest.fixture(scope="module")
def built(fixture_model, mnist):
    x = mnist["x_test"][:1000].reshape(-1, 784).astype(np.float32) / 255
    return report.build_report(fixture_model, HISTORY, x, mnist["y_test"][:1000].astype(np.int64),
                               drawn_path=ROOT / "tests" / "fixtures" / "tiny.tra")


EXPECTED = {"loss.png": (400, 640), "accuracy.png": (400, 640), "per_class.png": (400, 640),
            "confidence.png": (400, 640), "coverage.png": (400, 640), "confusion.png": (546, 530),
            "refusal.png": (400, 640)}


def test_every_image_has_its_size_and_real_content(built):
    images, _ = built
    assert set(EXPECTED) | {"mistakes.png", "weights.png", "drawn_mistakes.png"} == set(images)
    for name, image in images.items():
        assert image.dtype == np.uint8 and image.ndim == 3, name
        if name in EXPECTED:
            assert image.shape[:2] == EXPECTED[name], name
        assert image.std() > 10, f"{name} is nearly blank"
        assert (image < 128).mean() > 0.005, f"{name} has almost no ink"


def test_weight_tiles_grid(built):
    images, _ = built
    # 32 hidden units: 2 rows of 16 tiles of 56 px with 2 px gaps, under a 40 px title
    assert images["weights.png"].shape == (40 + 2 * 58 + 2, 16 * 58 + 2, 3)


def test_numbers(built):
    _, numbers = built
    assert 0.5 < numbers["mnist_test_accuracy"] < 1 and numbers["samples"] == 1000
    assert len(numbers["per_class"]) == 10
    assert [t["threshold"] for t in numbers["thresholds"]][:2] == [0.5, 0.7]
    assert all(t["coverage"] <= 1 for t in numbers["thresholds"])
    assert 0 <= numbers["drawn_accuracy_centred"] <= 1
    assert [r["threshold"] for r in numbers["refusal"]] == [0.3, 0.5, 0.7, 0.9]
    refused = [r["held_out_refused"] for r in numbers["refusal"]]
    answered = [r["digits_answered"] for r in numbers["refusal"]]
    assert refused == sorted(refused) and answered == sorted(answered, reverse=True)


def test_written_report(fixture_model, tmp_path, mnist):
    save_model(fixture_model, tmp_path / "w", extra_files={"history.json": __import__("json").dumps(HISTORY)})
    page = report.write_report(tmp_path / "w", tmp_path / "out", ROOT / "data" / "mnist")
    html = page.read_text()
    assert "MNIST test accuracy" in html and '<img src="confusion.png"' in html
    assert (tmp_path / "out" / "loss.png").stat().st_size > 5000


def test_nice_ticks():
    assert charts.nice_ticks(0, 1).tolist() == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert charts.nice_ticks(96, 100).tolist() == pytest.approx([96, 97, 98, 99, 100])


def test_diverging_colours():
    colours = charts.diverging(np.array([-1.0, 0.0, 1.0]))
    assert colours[1].tolist() == [255, 255, 255]
    assert colours[0][0] > colours[0][2] and colours[2][2] > colours[2][0]  # blue (B>R), red (R>B)


def test_an_ensemble_history_gives_a_line_per_member():
    history = [{**h, "member": m} for m in (1, 2) for h in HISTORY]
    lines = report.curve_series(history, [("training", "train_loss"), ("validation", "val_loss")])
    assert list(lines) == ["training, member 1", "validation, member 1", "training, member 2", "validation, member 2"]
    assert lines["validation, member 2"] == ([1, 2, 3, 4, 5], [h["val_loss"] for h in HISTORY])
    assert list(report.curve_series(HISTORY, [("training", "train_loss")])) == ["training"]
    assert report.curves(history)["loss.png"].shape == (400, 640, 3)
