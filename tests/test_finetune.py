"""Fine-tuning on the pad's saved samples: a user's own style improves, MNIST is not forgotten."""
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT
from digitpad.desktop.app import PadApp
from mnist_mlp import load_model


def draw_long_flagged_one(app, rng):
    """A '1' whose up-stroke reaches far to the left before the long down-stroke (writer 28 of pendigits
    writes so): the shipped model, which learned continental 1s, still calls nearly all of these 7."""
    x0, y0 = rng.uniform(150, 230), rng.uniform(90, 130)
    flag = [(x0 - rng.uniform(110, 140), y0 + rng.uniform(40, 70)), (x0, y0)]
    down = (x0 + rng.uniform(-15, 15), y0 + rng.uniform(220, 260))
    points = flag + [(x0 + (down[0] - x0) * t, y0 + (down[1] - y0) * t) for t in np.linspace(0.1, 1, 8)]
    app.mouse_down(*map(int, points[0]))
    for p in points[1:]:
        app.mouse_move(*map(int, p))
    app.mouse_up()


@pytest.fixture(scope="module")
def style_samples(tmp_path_factory):
    folder = tmp_path_factory.mktemp("own") / "samples"
    app = PadApp(load_model(ROOT / "weights"), folder, size=400, brush=24)
    rng = np.random.default_rng(0)
    for _ in range(48):
        draw_long_flagged_one(app, rng)
        assert app.save(1) is not None, app.status
    return folder


def fine_tune(*args):
    return subprocess.run([sys.executable, str(ROOT / "tools" / "train.py"), "--init", str(ROOT / "weights"),
                           "--data", str(ROOT / "data" / "mnist"), *args],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)


def test_own_style_improves_and_mnist_is_kept(style_samples, tmp_path, mnist):
    shutil.copytree(style_samples, tmp_path / "samples")
    (tmp_path / "samples" / "1" / "broken.png").write_bytes(b"not a png")
    (tmp_path / "samples" / "misc").mkdir()
    r = fine_tune("--samples", str(tmp_path / "samples"), "--out", str(tmp_path / "personal"))
    assert r.returncode == 0, r.stderr
    assert "broken.png: not a PNG, JPEG or BMP image; skipped" in r.stderr
    assert "misc: not a digit folder" in r.stderr
    assert "held-out samples" in r.stdout and "MNIST test" in r.stdout
    tuning = json.loads((tmp_path / "personal" / "model.json").read_text())["metrics"]["fine_tuning"]
    before, after = tuning["before"], tuning["after"]
    print(f"\nheld-out samples {before['samples_held_out']:.2%} -> {after['samples_held_out']:.2%}, "
          f"MNIST test {before['mnist_test']:.2%} -> {after['mnist_test']:.2%}")
    assert before["samples_held_out"] <= 0.5, "the style must be one the shipped model gets wrong"
    assert after["samples_held_out"] >= 0.9 and after["samples_held_out"] >= before["samples_held_out"] + 0.2
    assert after["mnist_test"] >= before["mnist_test"] - 0.003
    # The shipped model is untouched.
    assert load_model(ROOT / "weights").manifest["metrics"] == \
        json.loads((ROOT / "weights" / "model.json").read_text())["metrics"]


def test_refuses_to_overwrite_the_model_it_tunes(style_samples):
    r = fine_tune("--samples", str(style_samples), "--out", str(ROOT / "weights"))
    assert r.returncode == 2 and "--overwrite" in r.stderr


def test_empty_or_missing_samples(tmp_path):
    r = fine_tune("--samples", str(tmp_path / "nothing"), "--out", str(tmp_path / "p"))
    assert r.returncode != 0 and "no such samples folder" in r.stderr
    (tmp_path / "empty").mkdir()
    r = fine_tune("--samples", str(tmp_path / "empty"), "--out", str(tmp_path / "p"))
    assert r.returncode != 0 and "0 usable samples" in r.stderr
