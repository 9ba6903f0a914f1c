"""The real pad window under Xvfb, driven with xdotool as a person would use it."""
import re
import shutil
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from conftest import ROOT
from mnist_mlp import load_model

sys.path.insert(0, str(ROOT / "tools"))
from screenshot import DIGIT_STROKES, VirtualPad, missing_tools  # noqa: E402

pytestmark = pytest.mark.skipif(bool(missing_tools()),
                                reason=f"needs {', '.join(missing_tools())} (apt-get install xvfb xdotool imagemagick)")


def test_draw_save_and_screenshot(tmp_path):
    samples = tmp_path / "samples"
    with VirtualPad("--samples", str(samples), "--stats") as pad:
        pad.draw_until_seen(DIGIT_STROKES["7"])
        pad.screenshot(tmp_path / "drawn.png")
        pad.key("7")
        pad.screenshot(tmp_path / "saved.png")
        pad.scribble(1.0)  # a second of drawing in one go: frames while drawing, however loaded the machine
        assert pad.close_window() == 0
        output = pad.output()
    assert "Traceback" not in output and "QFont" not in output, output
    assert re.fullmatch(r"while drawing: [1-9]\d* frames in \d+\.\d\d s, [\d.]+ frames per second", output.strip())
    pngs = list((samples / "7").glob("*.png"))
    assert len(pngs) == 1 and pngs[0].with_suffix(".json").exists()
    sample = cv2.imread(str(pngs[0]), cv2.IMREAD_GRAYSCALE)
    assert sample.shape == (28, 28) and sample.max() > 200

    shot = cv2.imread(str(tmp_path / "drawn.png"))
    assert shot.shape[:2] == (426, 720)  # 400 pad + 320 panel, + status bar
    pad_area, panel = shot[:400, :400], shot[:400, 400:]
    assert (pad_area > 200).all(axis=2).mean() > 0.03  # the 7 is on the pad
    green = (np.abs(panel.astype(int) - (90, 200, 110)).sum(axis=2) < 40)
    assert green.sum() > 500  # the top bar and the big digit are drawn in the highlight colour
    after = cv2.imread(str(tmp_path / "saved.png"))
    assert (after[:400, :400] > 200).all(axis=2).mean() < 0.001  # saving cleared the pad


def test_no_display_is_one_clear_line():
    env = {"PATH": "/usr/bin:/bin"}
    r = subprocess.run([sys.executable, str(ROOT / "main.py")], env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2
    assert r.stderr.strip().startswith("no display available:") and len(r.stderr.strip().splitlines()) == 1


def test_broken_weights_say_how_to_retrain(tmp_path):
    with VirtualPad("--weights", str(tmp_path / "missing"), expect_window=False) as pad:
        assert pad.window is None
        output = pad.output()
    assert pad.app.returncode == 1
    assert "no such model directory" in output and "python tools/train.py" in output


def test_teach_your_hand_with_t_and_compare_with_p(tmp_path):
    """Draw and save one of each digit with the digit keys, press t, keep drawing while it learns,
    then p switches between the personal and the base model."""
    samples, personal = tmp_path / "samples", tmp_path / "personal"
    with VirtualPad("--samples", str(samples), "--personal", str(personal)) as pad:
        pad.key("t")
        pad.screenshot(tmp_path / "too-few.png")
        for digit in "0123456789":
            # Each drawing until its ink shows, each sample until its file is there: CI's simulation
            # once lost the 8 of ten (drawn and keyed with fixed pauses on a loaded machine).
            pad.draw_until_seen(DIGIT_STROKES[digit])
            pad.key(digit)
            deadline = time.time() + 60
            while not any((samples / digit).glob("*.json")) and time.time() < deadline:
                time.sleep(0.2)
        assert sorted(p.parent.name for p in samples.glob("*/*.json")) == list("0123456789"), pad.output()
        pad.key("t")
        pad.draw(DIGIT_STROKES["4"])  # the pad keeps drawing while it learns
        deadline = time.time() + 180
        while not (personal / "model.json").exists() and time.time() < deadline:
            time.sleep(0.5)
        assert (personal / "model.json").exists(), pad.output()
        time.sleep(1.0)
        pad.screenshot(tmp_path / "personal.png")
        pad.key("p")
        pad.screenshot(tmp_path / "base.png")
        assert pad.close_window() == 0
        output = pad.output()
    assert "Traceback" not in output, output
    assert load_model(personal).manifest["personal"]["samples"] == 10
    status = {name: cv2.imread(str(tmp_path / f"{name}.png"))[-26:] for name in ("too-few", "personal", "base")}
    # The status bar changes as it goes (too few samples / learnt / base model), and the right-hand
    # side names the model in use, so each bar differs from the others.
    assert not np.array_equal(status["personal"], status["base"])
    assert not np.array_equal(status["too-few"], status["personal"])
    shot = cv2.imread(str(tmp_path / "personal.png"))
    assert (shot[:400, :400] > 200).all(axis=2).mean() > 0.01  # the 4 drawn while learning is still there


def test_personal_model_is_used_at_start_and_weights_still_picks(tmp_path):
    personal = tmp_path / "personal"
    shutil.copytree(ROOT / "weights", personal)
    with VirtualPad("--personal", str(personal)) as pad:
        pad.screenshot(tmp_path / "start.png")
        assert pad.close_window() == 0
    with VirtualPad("--personal", str(personal), "--weights", str(ROOT / "weights")) as pad:
        pad.screenshot(tmp_path / "picked.png")
        assert pad.close_window() == 0
    started, picked = (cv2.imread(str(tmp_path / f"{n}.png"))[-26:] for n in ("start", "picked"))
    assert not np.array_equal(started, picked)  # "using your personal model" / "personal model" vs base


def test_number_mode_write_read_type_and_save(tmp_path):
    """Write 2047 on the wide pad (the 4 and the crossed 7 in two strokes each), read it back, type it
    and press Enter: four samples, each in its digit's folder with its own strokes."""
    import json

    samples = tmp_path / "samples"
    crossed_seven = DIGIT_STROKES["7"] + [[(0.40, 0.52), (0.66, 0.52)]]
    with VirtualPad("--samples", str(samples), "--mode", "number", screen=(1600, 900)) as pad:
        for k, strokes in enumerate([DIGIT_STROKES["2"], DIGIT_STROKES["0"], DIGIT_STROKES["4"], crossed_seven]):
            placed = [[(0.15 + 0.55 * k + 0.6 * x, 0.1 + 0.6 * y) for x, y in stroke] for stroke in strokes]
            # The first digit is drawn until its ink shows: a window just mapped on a loaded machine can
            # lose the first mouse events (the 2 was lost once in CI simulation, and nothing was saved).
            (pad.draw_until_seen if k == 0 else pad.draw)(placed)
        pad.screenshot(tmp_path / "number.png")
        for key in "2047":
            pad.key(key)
        pad.key("Return")
        pad.screenshot(tmp_path / "saved.png")
        assert pad.close_window() == 0
        output = pad.output()
    assert "Traceback" not in output, output
    shot = cv2.imread(str(tmp_path / "number.png"))
    assert shot.shape[:2] == (426, 1520)  # a 1200 x 400 pad and the panel
    assert (np.abs(shot[:400, :1200].astype(int) - (0, 200, 255)).sum(axis=2) < 60).sum() > 400  # the digit boxes
    folders = sorted(p.parent.name for p in samples.glob("*/*.json"))
    assert folders == ["0", "2", "4", "7"], folders
    strokes = {p.parent.name: json.loads(p.read_text())["strokes"] for p in samples.glob("*/*.json")}
    assert [len(strokes[d]) for d in "2047"] == [1, 1, 2, 2]
    assert (cv2.imread(str(tmp_path / "saved.png"))[:400, :1200] > 200).all(axis=2).mean() < 0.001  # cleared


def test_the_number_pad_fits_a_small_screen(tmp_path):
    with VirtualPad("--mode", "number", screen=(1024, 768)) as pad:
        pad.screenshot(tmp_path / "small.png")
        assert pad.close_window() == 0
    assert cv2.imread(str(tmp_path / "small.png")).shape[1] <= 1024


def test_a_big_pad_fits_the_screen(tmp_path):
    """--size 1000 on an 800 px tall screen: the window, status bar included, stays on the screen."""
    with VirtualPad("--size", "1000", screen=(1280, 800), size=1000) as pad:
        pad.screenshot(tmp_path / "big.png")
        assert pad.close_window() == 0
        output = pad.output()
    height, width = cv2.imread(str(tmp_path / "big.png")).shape[:2]
    assert height <= 800 and width <= 1280 and "would not fit the 1280x800 screen" in output


def test_not_a_digit_undo_a_clear_delete_a_sample_and_a_tiny_thick_digit(tmp_path):
    """An asterisk: s refuses it. c then u brings a drawing back. Backspace deletes the last sample.
    A tiny 2 drawn with a thick brush reads as a 2 (s saves it in 2/). A column of dots: s refuses it."""
    samples = tmp_path / "samples"
    asterisk = [[(0.5, 0.15), (0.5, 0.85)], [(0.2, 0.3), (0.8, 0.7)], [(0.2, 0.7), (0.8, 0.3)]]
    with VirtualPad("--samples", str(samples)) as pad:
        pad.draw(asterisk)
        pad.key("s")
        pad.screenshot(tmp_path / "asterisk.png")
        assert not list(samples.glob("*/*.png"))
        pad.key("c")
        pad.key("u")
        pad.screenshot(tmp_path / "undone.png")
        pad.key("8")  # the user is the authority: a digit key saves it with their label
        pad.key("BackSpace")
        assert not list(samples.glob("*/*")), "Backspace deletes both files of the last sample"
        for _ in range(10):
            pad.key("equal")  # "=" is "+" without shift: brush 26 -> 46 px
        pad.draw([[(0.08 + 0.12 * x, 0.08 + 0.12 * y) for x, y in s] for s in DIGIT_STROKES["2"]])
        pad.screenshot(tmp_path / "tiny.png")
        pad.key("s")
        pad.key("c")
        pad.draw([[(0.5, 0.12 + 0.15 * k)] for k in range(5)])  # a column of five dots, clicked
        pad.screenshot(tmp_path / "dots.png")
        pad.key("s")  # no digit: refused, as the asterisk was (it was a sure 3)
        assert pad.close_window() == 0
        output = pad.output()
    assert "Traceback" not in output, output
    refused, undone = (cv2.imread(str(tmp_path / f"{n}.png")) for n in ("asterisk", "undone"))
    assert np.array_equal(refused[:400, :400], undone[:400, :400])  # the asterisk is back, as it was
    assert not np.array_equal(refused[-26:], undone[-26:])  # the status bar said what happened
    assert [p.parent.name for p in samples.glob("*/*.png")] == ["2"]


def test_a_resized_window_goes_back_to_its_readable_size(tmp_path):
    """Squeezed to 400x700 (the issue's case), the window returns to the frame's own size."""
    with VirtualPad() as pad:
        pad.xdotool("windowsize", pad.window, "400", "700")
        time.sleep(1.0)  # the squeeze lands first (the X server's work, not the pad's): then the sign
        deadline = time.monotonic() + 60
        while "Geometry: 720x426" not in (geometry := pad.xdotool("getwindowgeometry", pad.window)) \
                and time.monotonic() < deadline:
            time.sleep(0.2)
        pad.screenshot(tmp_path / "resized.png")
        assert pad.close_window() == 0
    assert "Geometry: 720x426" in geometry, geometry
    assert cv2.imread(str(tmp_path / "resized.png")).shape[:2] == (426, 720)


@pytest.mark.parametrize("key", ["q", "Escape"])
def test_quit_keys_end_the_pad(key):
    """q and Escape end the pad cleanly. How fast (the issue measured 1.5 s) is a benchmark's job on a
    shared machine: python tools/bench.py --only window gives seconds_to_quit."""
    with VirtualPad() as pad:
        pad.xdotool("key", "--window", pad.window, key)
        assert pad.app.wait(timeout=60) == 0
