"""Mistakes a new user makes with the tools (issue 15): one clear line each, never a traceback."""
import subprocess
import sys

import cv2
import numpy as np
import pytest

from conftest import ROOT
from digitpad.drawn.render import DEFAULT_DATA

PEN = ROOT / DEFAULT_DATA


def tool(name, *args, **kwargs):
    return subprocess.run([sys.executable, str(ROOT / "tools" / f"{name}.py"), *map(str, args)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT, **kwargs)


@pytest.mark.parametrize("name", ["fetch_mnist", "evaluate", "train"])
def test_data_that_is_a_file_or_cannot_be_made(name):
    for data, message in [("README.md", "is a file, not a folder"), ("/proc/x", "cannot create the MNIST folder")]:
        r = tool(name, "--data", data, *(["--out", "/tmp/never-written"] if name == "train" else []))
        assert r.returncode == 1 and message in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_a_closed_pipe_ends_quietly(mnist):
    proc = subprocess.Popen([sys.executable, str(ROOT / "tools" / "evaluate.py"), "--json"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # as `| head` does once it has what it wants
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0 and "Traceback" not in err and "BrokenPipe" not in err, err


def test_report_drawn_path_missing(tmp_path, mnist):
    r = tool("report", "--drawn", "/nope.tra", "--out", tmp_path / "r")
    assert r.returncode == 2 and "no such pen-digit file" in r.stderr and not (tmp_path / "r").exists()


def test_fine_tuning_options_and_one_digit_folder(tmp_path, mnist):
    samples = tmp_path / "samples"
    (samples / "1").mkdir(parents=True)
    for i in range(3):
        cv2.imwrite(str(samples / "1" / f"{i}.png"), np.eye(28, dtype=np.uint8) * 255)
    cv2.imwrite(str(samples / "1" / "photo.jpg"), np.eye(28, dtype=np.uint8) * 255)
    base = ["--init", ROOT / "weights", "--out", tmp_path / "p", "--data", ROOT / "data" / "mnist"]
    for option, message in [("--held-out=0.75", "--held-out must be between 0 and 0.5"),
                            ("--replay=-1", "--replay must be 0 or more")]:
        r = tool("train", *base, "--samples", samples, option)
        assert r.returncode == 2 and message in r.stderr
    r = tool("train", *base, "--samples", samples / "1")
    assert r.returncode == 1 and "looks like the folder of one digit's samples" in r.stderr
    r = tool("train", *base, "--samples", samples, "--epochs", "1")
    assert "photo.jpg: not a PNG sample; skipped" in r.stderr


def test_eval_drawn_warns_about_training_writers():
    r = tool("eval_drawn", "--writers", "1-2", "--conditions", "centred")
    assert r.returncode == 0 and "trained on writers 1, 2" in r.stderr
    r = tool("eval_drawn", "--writers", "26", "--conditions", "centred")
    assert r.returncode == 0 and "warning" not in r.stderr


@pytest.mark.parametrize("name, args, message", [
    ("eval_drawn", ["--non-digits", "10000000000"], "between 0 and 20,000"),
    ("eval_drawn", ["--numbers", "99999999"], "between 0 and 20,000"),
    ("eval_drawn", ["--numbers", "5", "--touching"], "--touching is for --numbers with --via image or cut"),
    ("eval_drawn", ["--touching", "--via", "image"], "--touching is for --numbers with --via image or cut"),
    ("eval_drawn", ["--non-digits", "5", "--threshold", "nan"], "--threshold must be between 0 and 1"),
    ("eval_drawn", ["--turn", "nan"], "--turn must be between 0 and 45 degrees"),
    ("eval_drawn", ["--turn", "-10"], "--turn must be between 0 and 45 degrees"),
    ("eval_drawn", ["--turn", "inf"], "--turn must be between 0 and 45 degrees"),
    ("eval_drawn", ["--turn", ""], "argument --turn: invalid float value"),
    ("train", ["--non-digits", "100000000", "--out", "/tmp/never-written"], "at most 1,000,000"),
    ("predict", ["README.md", "--threshold", "-0.1"], "--threshold must be between 0 and 1"),
    ("serve", ["--threshold", "2"], "--threshold must be between 0 and 1"),
    # A negative seed was a traceback from numpy, some of them after minutes of work (the drawn
    # digits read, MNIST loaded).
    ("eval_drawn", ["--numbers", "2", "--seed", "-1"], "a seed is 0 or more, not -1"),
    ("eval_personal", ["--seed", "-3"], "a seed is 0 or more, not -3"),
    ("eval_scans", ["--non-digits", "1", "--seed", "-1"], "a seed is 0 or more"),
    ("eval_scans", ["--numbers", "1", "--seed", "1.5"], "a seed is a whole number, not '1.5'"),
    ("train", ["--seed", "-1", "--out", "/tmp/never-written"], "a seed is 0 or more"),
    ("eval_scans", ["--numbers", "1", "--seed", "9" * 5000], "a seed is a whole number, not '99999999999999999999'\n"),
])
def test_sizes_and_thresholds_are_checked_before_anything_is_made(name, args, message):
    r = tool(name, *args)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, r.stderr


@pytest.mark.parametrize("name, args", [
    ("eval_drawn", ["--data", "tests/fixtures/tiny.tra", "--writers", "all", "--conditions", "centred",
                    "--non-digits", "2"]),
    ("eval_scans", ["--limit", "2"]),  # it read every scan, then lost the results to a misspelt folder
])
@pytest.mark.parametrize("mosaic, says", [
    ("/nope/m.png", "there is no folder /nope"),
    ("m.unknown-extension", "give a path ending in .png"),
    ("folder.png", "is not a plain file"),
    ("fifo.png", "is not a plain file"),  # it waited for a reader for ever
])
def test_a_mosaic_that_cannot_be_written_is_refused_before_the_work(name, args, mosaic, says, tmp_path):
    import os

    (tmp_path / "folder.png").mkdir()
    os.mkfifo(tmp_path / "fifo.png")
    r = tool(name, *args, "--mosaic", tmp_path / mosaic if not mosaic.startswith("/") else mosaic)
    assert r.returncode == 2 and says in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_a_mosaic_replaces_a_file_only_once_it_is_written(tmp_path):
    from tools_path import charts

    picture = tmp_path / "m.png"
    picture.write_bytes(b"before")
    os_error = charts.write_png(tmp_path / "gone" / "m.png", np.zeros((4, 4), np.uint8))
    assert os_error is False and picture.read_bytes() == b"before"
    assert charts.write_png(picture, np.zeros((4, 4), np.uint8)) and picture.read_bytes().startswith(b"\x89PNG")
    from mnist_mlp.files import umask
    assert picture.stat().st_mode & 0o777 == 0o666 & ~umask()  # not the temporary file's 0600
    assert [p.name for p in tmp_path.iterdir()] == ["m.png"]


def test_init_that_is_not_a_model(tmp_path):
    r = tool("train", "--init", tmp_path / "missing", "--non-digits", "10", "--out", tmp_path / "out")
    assert r.returncode == 1 and "no such model directory" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args, message", [
    (["--epochs", "0"], "--epochs must be at least 1"),  # it used to become the default 20
    (["--lr", "0"], "--lr must be positive"),  # ... and 1e-3
    (["--pendigits", "/nonexistent.tra"], "--pendigits /nonexistent.tra: no such file"),  # a traceback
    (["--forms", "-1"], "--forms must be 0 or more"),
    (["--scans", "1.5"], "--scans is a share"),
    (["--out", ""], "names no folder of its own"),  # the last --out wins; these were tracebacks
    (["--out", "/"], "names no folder of its own"),
    (["--checkpoint", "INSIDE"], "would be inside the model folder"),  # it trained, then could not save
])
def test_train_refuses_nonsense_at_once(tmp_path, args, message):
    args = [str(tmp_path / "w" / "ck") if a == "INSIDE" else a for a in args]
    r = tool("train", "--out", tmp_path / "w", *args)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "w").exists()


def test_make_glyphs_help_needs_no_fonts():
    r = tool("make_glyphs", "--help")
    assert r.returncode == 0 and "Hershey" in r.stdout and "Traceback" not in r.stderr


def test_bench_help_lists_every_section():
    r = tool("bench", "--only", "nonsense")
    assert r.returncode == 2 and "unknown section(s) nonsense; choose from train," in r.stderr
    sections = r.stderr.rsplit("choose from ", 1)[1].strip().split(", ")
    r = tool("bench", "--help")
    assert r.returncode == 0 and "Traceback" not in r.stderr
    listed = r.stdout[r.stdout.index("Sections:"):]
    assert len(sections) >= 16 and all(name in listed for name in sections), sections


@pytest.mark.parametrize("option, name, says", [
    ("--pendigits", "big.tra", "over the 67,108,864-byte limit"),  # it was read whole first: 3 GB of memory
    ("--drawn-eval", "big.tra", "over the 67,108,864-byte limit"),
    ("--drawn-eval", ".", "a folder, not a file"),  # a traceback once training had ended, no model saved
])
def test_train_checks_its_pen_digit_files_before_any_work(tmp_path, option, name, says):
    with open(tmp_path / "big.tra", "wb") as f:
        f.truncate(3 << 30)  # sparse: nothing on disk
    r = tool("train", "--sizes", "784,16,10", "--epochs", "1", option, tmp_path / name, "--out", tmp_path / "w")
    assert r.returncode == 1 and says in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "w").exists()


def test_predict_refuses_an_empty_name_and_a_png_wider_than_png_decodes(tmp_path):
    """An empty name (an unset "$FILE") read the whole current folder; a PNG over 1,000,000 pixels a
    side was called damaged, with libpng's warnings on stderr."""
    import struct
    import zlib

    r = tool("predict", "")
    assert r.returncode == 2 and "an empty name is no file" in r.stderr and "images\n" not in r.stderr, r.stderr
    rows = zlib.compress(b"\0" + b"\xff" * 1_000_001)  # one white row, 1,000,001 pixels long
    chunk = lambda kind, data: (struct.pack(">I", len(data)) + kind + data  # noqa: E731
                                + struct.pack(">I", zlib.crc32(kind + data)))
    strip = tmp_path / "strip.png"
    strip.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1_000_001, 1, 8, 0, 0, 0, 0))
                      + chunk(b"IDAT", rows) + chunk(b"IEND", b""))
    r = tool("predict", strip)
    assert r.returncode == 1 and "over the 1,000,000 pixels a side" in r.stderr, r.stderr
    assert "libpng" not in r.stderr and "Traceback" not in r.stderr


def test_predict_says_when_a_model_gives_no_number(tmp_path):
    """Weights that pass loading (a blank and a full input cancel out) but overflow float32 on a real
    digit: predict --json printed "confidence": NaN, which is no JSON."""
    from mnist_mlp import MLP, save_model

    arrays = MLP([784, 2, 10]).arrays()
    sign = np.where(np.arange(784) % 2, -1.0, 1.0)[:, None]  # a blank or full input sums to 0
    arrays["W1"] = (sign * [2.0 ** 119, -2.0 ** 119]).astype(np.float32)
    arrays["W2"] = np.full((2, 10), 1e10, np.float32)
    save_model(MLP.from_arrays(arrays), tmp_path / "w")
    for number in ([], ["--number"]):
        r = tool("predict", "--json", *number, "--weights", tmp_path / "w", ROOT / "docs" / "examples" / "2024.png")
        assert r.returncode == 1 and "NaN" not in r.stdout and "the model gives no number" in r.stderr, r.stdout


def test_a_trajectory_network_that_reads_no_path_is_refused_at_start(tmp_path, monkeypatch, capsys):
    """A model folder whose trajectory network was edited to read 100 values: the server and the pad
    say so as they start, not with a traceback at the first stroke."""
    from mnist_mlp import MLP, ModelError, load_model, save_model
    from digitpad.reading import TRAJECTORY, strokes_reading, trajectory_network
    from digitpad.reading import TurnedViews

    model = load_model()
    model.companions = {TRAJECTORY: MLP([100, 8, 10])}
    save_model(model, tmp_path / "w")
    r = tool("serve", "--weights", tmp_path / "w", "--port", "0")
    assert r.returncode == 2 and "trajectory network reads 100 values, not the 160" in r.stderr, r.stderr
    from digitpad import pad
    monkeypatch.setattr(pad, "display_problem", lambda: None)  # it stops before any window opens
    assert pad.main(["--weights", str(tmp_path / "w")]) == 1
    err = capsys.readouterr().err
    assert "cannot use the model in" in err and "trajectory network reads 100 values" in err
    loaded = load_model(tmp_path / "w")
    with pytest.raises(ModelError, match="not the 160 of a path"):
        trajectory_network(loaded)
    with pytest.raises(ModelError):
        strokes_reading(TurnedViews(loaded), [(np.array([[10.0, 10.0], [10.0, 90.0]]), 8)])
