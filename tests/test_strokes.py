"""digitpad.preprocessing.strokes.redraw: what the network reads does not depend on the brush the user picked."""
import numpy as np

from conftest import ROOT
from digitpad.drawn.render import Condition, drawn_input
from digitpad.drawn.unipen import read_unipen
from mnist_mlp import load_model
from digitpad.preprocessing.strokes import REDRAW_SIDE, REDRAW_WIDTH, SEEN_SIDE, as_seen, redraw
from digitpad.preprocessing import prepare

TWO = [np.array([[10, 20], [30, 5], [50, 20], [10, 60], [55, 60]], np.float64)]


def test_the_brush_the_user_picked_does_not_change_the_input():
    thin, thick = redraw([(TWO[0], 4)]), redraw([(TWO[0], 40)])
    assert np.array_equal(thin, thick)
    moved = redraw([(TWO[0] * 7 + 300, 26)])  # bigger and elsewhere on the pad
    assert np.abs(prepare(moved) - prepare(thin)).max() < 0.1


def test_the_path_is_scaled_to_the_side_and_drawn_thin():
    canvas = redraw([(TWO[0], 26)])
    ys, xs = np.nonzero(canvas)
    assert REDRAW_SIDE <= max(np.ptp(xs), np.ptp(ys)) + 1 <= REDRAW_SIDE + REDRAW_WIDTH * REDRAW_SIDE + 4
    length = np.linalg.norm(np.diff(TWO[0], axis=0), axis=1).sum() * REDRAW_SIDE / 55  # 55: the 2's height
    assert (canvas > 127).sum() <= length * (REDRAW_WIDTH * REDRAW_SIDE + 2)  # ink: the path, brush wide


def test_a_dot_or_a_tap_stays_a_blob():
    dot = redraw([(np.array([[100, 100]]), 26)])
    tap = redraw([(np.array([[100, 100], [104, 101]]), 26)])  # moved less than the brush is wide
    for canvas in (dot, tap):
        ink = canvas > 127
        ys, xs = np.nonzero(ink)
        w, h = np.ptp(xs) + 1, np.ptp(ys) + 1
        assert min(w, h) >= 0.8 * max(w, h) >= 0.7 * REDRAW_SIDE  # a disc, not a thin line
        assert ink.sum() >= 0.7 * w * h


def test_as_seen_keeps_each_brush_so_strokes_it_joins_are_one_piece():
    """Two strokes of a 1, 20 px apart, drawn with a 30 px brush: one piece as the user sees them
    (digitpad.preprocessing.broken counts pieces so), two redrawn with the thin pen."""
    import cv2

    one = [(np.array([[100.0, 50.0], [100.0, 150.0]]), 30), (np.array([[100.0, 170.0], [100.0, 300.0]]), 30)]
    seen, thin = as_seen(one), redraw(one)
    assert SEEN_SIDE <= max(seen.shape) <= SEEN_SIDE + 8 and cv2.connectedComponents(np.uint8(seen >= 64))[0] - 1 == 1
    assert cv2.connectedComponents(np.uint8(thin >= 64))[0] - 1 == 2


def test_as_seen_never_enlarges_a_small_drawing():
    """A 1 45 px tall in two strokes 1 px apart, brush 6: the pad's anti-aliasing fills the gap, and
    so must the picture pieces are counted on (the second attacking helper: enlarged 4.4 times, the
    gap opened)."""
    import cv2

    one = [(np.array([[50.0, 50.0], [50.0, 71.0]]), 6), (np.array([[50.0, 78.0], [50.0, 95.0]]), 6)]
    seen = as_seen(one)
    assert max(seen.shape) <= 45 + 6 + 8 and cv2.connectedComponents(np.uint8(seen >= 64))[0] - 1 == 1


def test_a_path_smaller_than_the_brush_is_still_redrawn_thin():
    """A 2 whose path is 29 px tall, drawn with a 46 px brush: a blob on the screen, a 2 to the network."""
    tiny = TWO[0] * 29 / 55 + 40
    assert np.array_equal(redraw([(tiny, 46)]), redraw([(TWO[0], 4)]))


def test_a_tiny_digit_with_a_thick_brush_reads_like_a_big_one():
    """The issue's case: a 40 px digit drawn with the default 26 px brush used to be a blob."""
    model = load_model(ROOT / "weights")
    for digit in read_unipen(ROOT / "tests" / "fixtures" / "tiny.tra"):
        tiny = drawn_input(digit.strokes, Condition("tiny", 400, 0.1, (0.2, 0.2), 26))
        big = drawn_input(digit.strokes, Condition("big", 400, 0.7, (0.5, 0.5), 26))
        assert np.abs(tiny - big).max() < 0.25
        assert model.predict(tiny)[0] == digit.label
