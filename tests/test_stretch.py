"""digitpad.preprocessing.stretch: a scanned digit stretched to fill a square box, and that digit narrowed again."""
import cv2
import numpy as np
import pytest

from conftest import fuzz_case
from digitpad.preprocessing import canvas_from_image
from digitpad.preprocessing.stretch import PAD, is_band, may_be_stretched, narrowed
from digitpad.scans.sets import scan_picture


def bitmap(draw, side=16):
    """A side x side bool bitmap of what ``draw(picture)`` draws (white, 1 px lines) on a black one."""
    picture = np.zeros((side, side), np.uint8)
    draw(picture)
    return picture > 0


def canvas_of(bits, zoom=4):
    """The pad-like canvas of a bitmap scanned as a user's file would be (digitpad.scans.sets.scan_picture)."""
    return canvas_from_image(scan_picture(bits, zoom))


BAND = bitmap(lambda p: cv2.line(p, (12, 0), (3, 15), 255, 4))  # a slanted 1 stretched across the box
SHAPES = {  # each fills its 16x16 box, as a stretched scan would, and none is a band
    "blot": bitmap(lambda p: cv2.circle(p, (8, 8), 8, 255, -1)),
    "thick band": bitmap(lambda p: cv2.line(p, (0, 0), (15, 15), 255, 8)),
    "<": bitmap(lambda p: cv2.polylines(p, [np.array([(15, 0), (0, 8), (15, 15)])], False, 255, 2)),
    "arch": bitmap(lambda p: cv2.ellipse(p, (8, 15), (7, 14), 0, 180, 360, 255, 2)),
    "two bars": bitmap(lambda p: (cv2.line(p, (0, 0), (6, 15), 255, 2), cv2.line(p, (9, 0), (15, 15), 255, 2))),
    "broken line": bitmap(lambda p: (cv2.line(p, (0, 0), (5, 5), 255, 3), cv2.line(p, (10, 10), (15, 15), 255, 3))),
    "thin triangle": bitmap(lambda p: cv2.polylines(p, [np.array([(15, 0), (0, 15), (6, 15)])], True, 255, 1)),
}


def test_a_bitmap_filling_a_square_may_be_stretched_a_narrow_one_or_a_drawing_not():
    assert may_be_stretched(canvas_of(BAND))
    narrow = np.zeros((16, 16), bool)
    narrow[:, 6:10] = True  # a 1 scaled keeping its shape: a bar, not a square
    assert not may_be_stretched(canvas_of(narrow))
    drawing = np.zeros((200, 200), np.uint8)
    cv2.line(drawing, (150, 20), (40, 180), 255, 30)  # the same band drawn at its own resolution
    assert not may_be_stretched(drawing)
    assert not may_be_stretched(np.zeros((30, 30), np.uint8))


@pytest.mark.parametrize("share", [0.75, 0.5, 0.35, 0.01])
def test_narrowed_keeps_the_height_and_squeezes_the_width(share):
    canvas = canvas_of(BAND)
    x, y, w, h = cv2.boundingRect(canvas)
    out = narrowed(canvas, share)
    assert out.shape == (h + 2 * PAD, max(1, round(w * share)) + 2 * PAD) and out.dtype == np.uint8
    assert cv2.boundingRect(out)[3] == h
    blank = np.zeros((10, 10), np.uint8)
    assert narrowed(blank, share) is not None and not narrowed(blank, share).any()


def test_a_stretched_1_is_a_band():
    assert is_band(canvas_of(BAND))
    assert is_band(canvas_of(bitmap(lambda p: cv2.line(p, (0, 0), (15, 15), 255, 3))))


@pytest.mark.parametrize("name", SHAPES)
def test_blots_angles_arches_pieces_and_outlines_are_no_band(name):
    assert not is_band(canvas_of(SHAPES[name])), name


@pytest.mark.parametrize("canvas", [np.zeros((5, 5), np.uint8), np.full((1, 40), 255, np.uint8),
                                    np.full((40, 1), 255, np.uint8), np.full((3, 3), 255, np.uint8)],
                         ids=["blank", "a row", "a column", "a dot"])
def test_odd_canvases_are_answered(canvas):
    assert isinstance(is_band(canvas), bool) and isinstance(may_be_stretched(canvas), bool)
    assert narrowed(canvas, 0.5).ndim == 2


@pytest.mark.parametrize("seed", range(30))
def test_any_canvas_is_answered_and_narrowed_no_larger(seed):
    """Random ink of any shape and size (1-1,200 px, specks, blots, blown up or not): a bool each, and
    a narrowed canvas no larger than the ink's box and its padding."""
    rng = np.random.default_rng([seed, 31])
    h, w = (int(v) for v in rng.integers(1, 1201 if seed % 5 == 0 else 60, size=2))
    canvas = (rng.random((h, w)) < rng.random()).astype(np.uint8) * np.uint8(rng.choice([1, 128, 255]))
    if seed % 3 == 0:
        zoom = int(rng.integers(2, 9))
        canvas = np.kron(canvas[:max(1, h // zoom), :max(1, w // zoom)], np.ones((zoom, zoom), np.uint8))
    with fuzz_case("digitpad.preprocessing.stretch"):
        assert isinstance(may_be_stretched(canvas), bool) and isinstance(is_band(canvas), bool)
        out = narrowed(canvas, rng.uniform(0.01, 1))
        assert out.dtype == np.uint8 and out.shape[0] <= canvas.shape[0] + 2 * PAD
        assert out.shape[1] <= canvas.shape[1] + 2 * PAD


def test_bad_canvases_are_refused_with_a_reason():
    for bad in (np.zeros((4, 4), np.float32), np.zeros((4, 4, 3), np.uint8), np.zeros((0, 0), np.uint8)):
        for check in (is_band, may_be_stretched, lambda c: narrowed(c, 0.5)):
            with pytest.raises(ValueError, match="canvas"):
                check(bad)
