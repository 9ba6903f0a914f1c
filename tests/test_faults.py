"""Killed at any moment, nothing is lost: SIGKILL during training and during sample saves."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import cv2
import numpy as np
import pytest

from conftest import ROOT
from mnist_mlp import ModelError, load_model
from mnist_mlp.checkpoint import load_checkpoint
from mnist_mlp.optim import Adam

KILLS = 24
TINY = ["--sizes", "784,24,10", "--train-limit", "2000", "--batch-size", "100", "--epochs", "12", "--quiet",
        "--data", str(ROOT / "data" / "mnist"), "--drawn-eval", "/nonexistent"]


def train(out, *extra):
    return subprocess.Popen([sys.executable, str(ROOT / "tools" / "train.py"), *TINY, "--out", str(out), *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_sigkill_during_training_never_leaves_a_broken_model(tmp_path, mnist):
    out = tmp_path / "weights"
    first = train(out)
    assert first.wait(timeout=300) == 0, first.stderr.read()
    previous = {k: v.tobytes() for k, v in load_model(out).arrays().items()}
    rng = np.random.default_rng(0)
    outcomes = {"old model": 0, "new model": 0, "checkpoint ok": 0}
    started = time.time()
    for i in range(KILLS):
        proc = train(out, "--seed", str(i + 1), "--overwrite",
                     *(["--resume"] if (tmp_path / "weights.ckpt").exists() else []))
        time.sleep(rng.uniform(0.3, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        model = load_model(out)  # raises ModelError if the kill left a mix
        arrays = {k: v.tobytes() for k, v in model.arrays().items()}
        outcomes["old model" if arrays == previous else "new model"] += 1
        previous = arrays
        if (tmp_path / "weights.ckpt").exists():
            load_checkpoint(tmp_path / "weights.ckpt", lambda p: Adam(p))
            outcomes["checkpoint ok"] += 1
        assert time.time() - started < 240, "kill loop over its time bound"
    print(f"\nfaults: {KILLS} SIGKILLs during training: {outcomes}")
    if (tmp_path / "weights.ckpt").exists():
        seed = json.loads((tmp_path / "weights.ckpt" / "train_state.json").read_text())["config"]["seed"]
        final = train(out, "--seed", str(seed), "--resume")
        assert final.wait(timeout=300) == 0, final.stderr.read()
        assert "resuming" in final.stderr.read()
    assert load_model(out).manifest["metrics"]["test_accuracy"] > 0.5


SAVER = textwrap.dedent("""
    import sys, numpy as np
    sys.path.insert(0, {root!r})
    from digitpad.personal.samples import save_sample
    image = np.zeros((28, 28), np.float32); image[4:24, 12:16] = 1
    strokes = {{"canvas_size": [400, 400], "strokes": [{{"brush": 20, "points": [[1, 2]] * 500}}]}}
    save_sample({folder!r}, 1, image, strokes)
    print("saving", flush=True)  # the sign the test waits for: its folder is made, saves are under way
    while True:
        save_sample({folder!r}, 1, image, strokes)
""")


def test_sigkill_during_sample_saves_leaves_no_partial_file(tmp_path):
    folder = tmp_path / "samples"
    rng = np.random.default_rng(1)
    for _ in range(KILLS):
        proc = subprocess.Popen([sys.executable, "-c", SAVER.format(root=str(ROOT), folder=str(folder))],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline() == "saving\n"  # however loaded the machine, it has begun
        time.sleep(rng.uniform(0.0, 0.2))  # then a random moment among its saves
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    names = [p for p in (folder / "1").iterdir() if not p.name.startswith(".tmp-")]
    pngs = [p for p in names if p.suffix == ".png"]
    assert len(pngs) > KILLS  # each run saved several before it was killed
    for png in pngs:
        image = cv2.imread(str(png), cv2.IMREAD_UNCHANGED)
        assert image is not None and image.shape == (28, 28), png
        assert png.with_suffix(".json").exists()  # the JSON is linked in before its PNG
    for js in (p for p in names if p.suffix == ".json"):
        json.loads(js.read_text())  # complete, never half-written
    print(f"\nfaults: {KILLS} SIGKILLs during sample saves: {len(pngs)} samples, all complete")


def test_unwritable_output_fails_fast_with_a_clear_message(tmp_path):
    (tmp_path / "file").write_text("in the way")
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "train.py"), *TINY,
                        "--out", str(tmp_path / "file" / "weights")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "cannot write" in r.stderr and "is a file, not a folder" in r.stderr
    assert "Traceback" not in r.stderr
    assert os.listdir(tmp_path) == ["file"]


def test_read_only_output_directory(tmp_path, monkeypatch):
    """save_model on a read-only file system (simulated: tests may run as root) keeps the old model."""
    import mnist_mlp.model_io as model_io
    from mnist_mlp import MLP, save_model

    save_model(MLP([784, 8, 10]), tmp_path / "w")

    def read_only(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(model_io.tempfile, "mkdtemp", read_only)
    with pytest.raises(OSError, match="Read-only"):
        save_model(MLP([784, 16, 10]), tmp_path / "w")
    assert load_model(tmp_path / "w").sizes == [784, 8, 10]
    assert os.listdir(tmp_path) == ["w"]
    with pytest.raises(ModelError):
        load_model(tmp_path / "nothing")
