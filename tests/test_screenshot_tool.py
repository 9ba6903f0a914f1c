"""tools/screenshot.py's check that a capture shows a painted window (no X server needed)."""
import numpy as np

from tools_path import screenshot


def test_is_blank_tells_an_unpainted_window_from_a_drawn_one():
    black = np.zeros((426, 720, 3), np.uint8)
    grey = np.full((10, 10, 3), 128, np.uint8)
    assert screenshot.is_blank(black) and screenshot.is_blank(grey) and screenshot.is_blank(None)
    assert screenshot.is_blank(np.zeros((0, 0, 3), np.uint8))
    drawn = black.copy()
    drawn[200, 300] = (255, 255, 255)  # one painted pixel is enough to tell
    assert not screenshot.is_blank(drawn)
    tinted = grey.copy()
    tinted[..., 2] = 129  # one colour, whatever its channels
    assert screenshot.is_blank(tinted)
