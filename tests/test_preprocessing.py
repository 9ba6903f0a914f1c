"""digitpad.preprocessing.prepare: MNIST-style crop, scale, centre; edge cases; properties."""
import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digitpad.preprocessing.strokes import render
from digitpad.preprocessing import BOX, CENTRE, prepare, prepare_with_info


def centre_of_mass(image):
    ys, xs = np.mgrid[: image.shape[0], : image.shape[1]]
    return (xs * image).sum() / image.sum(), (ys * image).sum() / image.sum()


def drawn(points, size, scale, offset, thickness):
    """A digit-like stroke placed on a canvas at the given scale and offset."""
    return render([([(offset[0] + x * scale, offset[1] + y * scale) for x, y in points], thickness)], size)


SEVEN = [(0.0, 0.0), (1.0, 0.0), (0.6, 0.5), (0.4, 1.2)]


def test_output_is_28x28_float32_in_unit_range():
    image = prepare(drawn(SEVEN, 300, 150, (60, 40), 14))
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert image.min() >= 0 and image.max() <= 1 and image.max() > 0.9


def test_empty_canvas_gives_none():
    assert prepare(np.zeros((280, 280), np.uint8)) is None
    assert prepare_with_info(np.zeros((5, 5), np.uint8)) == (None, None)


def test_longer_side_becomes_20_px_and_aspect_ratio_is_kept():
    canvas = np.zeros((400, 400), np.uint8)
    canvas[50:350, 180:220] = 255  # a tall bar: 300 x 40
    image = prepare(canvas)
    rows, cols = np.nonzero(image > 0.5)
    assert rows.max() - rows.min() + 1 == pytest.approx(BOX, abs=1)
    width = cols.max() - cols.min() + 1
    assert width == pytest.approx(BOX * 40 / 300, abs=1)  # a 1 stays thin


@pytest.mark.parametrize("canvas", [
    np.full((1, 1), 255, np.uint8),  # 1x1 canvas
    np.pad(np.full((1, 1), 255, np.uint8), 100),  # a single dot
    np.pad(np.full((1, 300), 255, np.uint8), 50),  # a straight horizontal line, 1 px thick
    np.pad(np.full((300, 1), 255, np.uint8), 50),  # a vertical line
    np.full((50, 50), 255, np.uint8),  # ink touching every border
    np.full((1, 4000), 255, np.uint8),
    np.pad(np.full((180, 20), 255, np.uint8), 60),  # a thin "1": 20 px input would be 2 px wide
])
def test_edge_cases_give_a_valid_image(canvas):
    image = prepare(canvas)
    assert image.shape == (28, 28) and np.isfinite(image).all()
    assert 0 <= image.min() and image.max() <= 1 and image.max() > 0


def test_large_canvas():
    canvas = np.zeros((4000, 4000), np.uint8)
    cv2.circle(canvas, (2000, 2000), 1200, 255, 150)
    image = prepare(canvas)
    cx, cy = centre_of_mass(image)
    assert abs(cx - CENTRE) < 0.5 and abs(cy - CENTRE) < 0.5


@pytest.mark.parametrize("bad, message", [
    (np.zeros((28, 28, 3), np.uint8), "2-D"),
    (np.zeros(784, np.uint8), "2-D"),
    (np.zeros((28, 28), np.float32), "uint8"),
    (np.zeros((0, 28), np.uint8), "empty"),
    ([[0, 255]], "NumPy array"),
])
def test_wrong_input_is_a_clear_value_error(bad, message):
    with pytest.raises(ValueError, match=message):
        prepare(bad)


def test_info_describes_the_ink():
    canvas = np.zeros((200, 200), np.uint8)
    canvas[20:120, 50:70] = 255
    _, info = prepare_with_info(canvas)
    assert info.bbox == (50, 20, 20, 100)
    assert abs(info.com_offset[0]) < 0.2 and abs(info.com_offset[1]) < 0.2  # uniform bar: mass at box centre
    assert 0 < info.density < 0.2


def test_non_contiguous_view_is_accepted():
    canvas = drawn(SEVEN, 300, 150, (60, 40), 14)
    assert np.allclose(prepare(canvas[::2, ::2]), prepare(np.ascontiguousarray(canvas[::2, ::2])))


@settings(max_examples=40, deadline=None)
@given(scale=st.floats(40, 250), x=st.floats(0, 1), y=st.floats(0, 1), thickness=st.integers(3, 30))
def test_centre_of_mass_is_centred(scale, x, y, thickness):
    size = 400
    offset = (x * (size - scale * 1.2 - 40) + 20, y * (size - scale * 1.2 - 40) + 20)
    image = prepare(drawn(SEVEN, size, scale, offset, thickness))
    cx, cy = centre_of_mass(image)
    assert abs(cx - CENTRE) < 0.5 and abs(cy - CENTRE) < 0.5


@settings(max_examples=25, deadline=None)
@given(scale=st.floats(60, 250), x=st.floats(0, 1), y=st.floats(0, 1))
def test_same_digit_anywhere_any_size_gives_nearly_the_same_input(scale, x, y):
    """Position and size on the pad must not matter (the brush scales with the digit here)."""
    size = 400
    reference = prepare(drawn(SEVEN, size, 200, (100, 60), 20))
    offset = (x * (size - scale * 1.2 - 40) + 20, y * (size - scale * 1.2 - 40) + 20)
    image = prepare(drawn(SEVEN, size, scale, offset, 20 * scale / 200))
    assert np.abs(image - reference).mean() < 0.03
