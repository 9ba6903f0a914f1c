"""The real pad window under Xvfb, driven with xdotool as a person would use it."""
import re
import subprocess
import sys

import cv2
import numpy as np
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
from screenshot import DIGIT_STROKES, VirtualPad, missing_tools  # noqa: E402

pytestmark = pytest.mark.skipif(bool(missing_tools()),
                                reason=f"needs {', '.join(missing_tools())} (apt-get install xvfb xdotool imagemagick)")


def test_draw_save_and_screenshot(tmp_path):
    samples = tmp_path / "samples"
    with VirtualPad("--samples", str(samples), "--stats") as pad:
        pad.draw(DIGIT_STROKES["7"])
        pad.screenshot(tmp_path / "drawn.png")
        pad.key("7")
        pad.screenshot(tmp_path / "saved.png")
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
    with VirtualPad("--weights", str(tmp_path / "missing")) as pad:
        assert pad.window is None
        output = pad.output()
    assert pad.app.returncode == 1
    assert "no such model directory" in output and "python tools/train.py" in output
