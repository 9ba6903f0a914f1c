"""The rendered frame: bars match probabilities, the '?' state, diagnostics, help."""
import numpy as np
import pytest

from digitpad.desktop.frame import (BAR, BAR_LEFT, BAR_LENGTH, BAR_THICKNESS, DIAG_TOP, DIAG_ZOOM, STATUS_HEIGHT,
                                    TOP_BAR, UNSURE, Prediction, bar_row_y, frame_size, render_frame)
from digitpad.preprocessing import prepare_with_info

SIZE = 300


@pytest.fixture
def canvas():
    c = np.zeros((SIZE, SIZE), np.uint8)
    c[60:240, 140:160] = 255
    return c


def prediction_for(canvas, probabilities):
    image, info = prepare_with_info(canvas)
    return Prediction(np.asarray(probabilities, np.float32), image, info)


def bar_length(frame, digit, color):
    """How many pixels of digit's bar are filled with color, read back off the picture."""
    y = bar_row_y(digit) + BAR_THICKNESS // 2
    row = frame[y, SIZE + BAR_LEFT: SIZE + BAR_LEFT + BAR_LENGTH]
    return int((row == color).all(axis=1).sum())


def test_frame_geometry(canvas):
    frame = render_frame(canvas, None)
    assert frame.shape == (frame_size(SIZE)[1], frame_size(SIZE)[0], 3) and frame.dtype == np.uint8
    assert np.array_equal(frame[:SIZE, :SIZE, 0], canvas)


def test_bar_lengths_match_probabilities(canvas):
    p = np.array([0.02, 0.05, 0.0, 0.6, 0.1, 0.03, 0.05, 0.1, 0.05, 0.0])
    frame = render_frame(canvas, prediction_for(canvas, p))
    for digit, prob in enumerate(p):
        color = TOP_BAR if digit == 3 else BAR
        assert bar_length(frame, digit, color) == round(prob * BAR_LENGTH)


def test_confident_answer_is_shown_green_and_unsure_as_question_mark(canvas):
    sure = prediction_for(canvas, np.eye(10)[1] * 0.9 + 0.01)
    unsure = prediction_for(canvas, np.full(10, 0.08) + np.eye(10)[3] * 0.2)  # a 3 at 0.28
    answer_area = (slice(20, 95), slice(SIZE + 10, SIZE + 90))
    confident = render_frame(canvas, sure, threshold=0.5)[answer_area]
    doubtful = render_frame(canvas, unsure, threshold=0.5)[answer_area]
    assert (confident == TOP_BAR).all(axis=2).sum() > 100 and not (confident == UNSURE).all(axis=2).any()
    assert (doubtful == UNSURE).all(axis=2).sum() > 100 and not (doubtful == TOP_BAR).all(axis=2).any()
    # the threshold is a setting: the same answer is "sure" under a lower one
    assert (render_frame(canvas, unsure, threshold=0.05)[answer_area] == TOP_BAR).all(axis=2).sum() > 100


def test_a_reading_of_no_digit_marks_no_bar_as_the_best(canvas):
    """digitpad.reading.NO_DIGIT (a column of dots): every digit a tenth, no best guess to mark."""
    from digitpad.reading import NO_DIGIT
    frame = render_frame(canvas, prediction_for(canvas, NO_DIGIT))
    for digit in range(10):
        assert bar_length(frame, digit, BAR) == round(0.1 * BAR_LENGTH) and bar_length(frame, digit, TOP_BAR) == 0


def test_empty_pad_shows_no_prediction(canvas):
    frame = render_frame(np.zeros_like(canvas), None)
    for digit in range(10):
        assert bar_length(frame, digit, BAR) == 0 and bar_length(frame, digit, TOP_BAR) == 0


def test_diagnostics_show_the_network_input_and_ink_box(canvas):
    pred = prediction_for(canvas, np.eye(10)[1])
    plain = render_frame(canvas, pred)
    frame = render_frame(canvas, pred, show_diagnostics=True)
    side = 28 * DIAG_ZOOM
    shown = frame[DIAG_TOP:DIAG_TOP + side, SIZE + 14:SIZE + 14 + side, 0]
    expected = np.rint(pred.image * 255).astype(np.uint8).repeat(DIAG_ZOOM, 0).repeat(DIAG_ZOOM, 1)
    assert np.array_equal(shown, expected)
    x, y, w, h = pred.info.bbox
    assert (frame[y, x] != plain[y, x]).any()  # the ink box's corner is outlined
    assert not np.array_equal(frame[:SIZE, :SIZE], plain[:SIZE, :SIZE])


def test_status_and_help(canvas):
    quiet = render_frame(canvas, None)
    told = render_frame(canvas, None, status="saved 3 as samples/3/x.png")
    h = quiet.shape[0]
    assert not np.array_equal(quiet[h - STATUS_HEIGHT:], told[h - STATUS_HEIGHT:])
    helped = render_frame(canvas, None, show_help=True)
    assert helped[:SIZE, :SIZE].max() < 250  # the drawing is dimmed behind the help
    assert not np.array_equal(helped, quiet)


def test_diagnostics_of_a_digit_of_a_number_have_no_ink_box(canvas):
    """In number mode the digit's prediction has no InkInfo: diagnostics show its input, no crash
    (it used to end the pad with a traceback, the drawing lost)."""
    pred = prediction_for(canvas, np.eye(10)[1])
    digit = Prediction(pred.probabilities, pred.image, None)
    frame = render_frame(canvas, digit, show_diagnostics=True)
    side = 28 * DIAG_ZOOM
    shown = frame[DIAG_TOP:DIAG_TOP + side, SIZE + 14:SIZE + 14 + side, 0]
    assert np.array_equal(shown, np.rint(pred.image * 255).astype(np.uint8).repeat(DIAG_ZOOM, 0).repeat(DIAG_ZOOM, 1))


def test_a_long_status_wraps_instead_of_being_cut():
    """Issue 24, 17: in a 720 px window, t's list of missing digits was cut at the bar's end."""
    from digitpad.desktop.frame import status_lines

    said = ("to learn your hand it needs 1 more 0, 1 more 2, 1 more 3, 1 more 4, 1 more 5, 1 more 6, 1 more 7, "
            "1 more 8, 1 more 9 (press the digit key after drawing; 5 of each is best)")
    lines, scale, beside = status_lines(said, 400, 704)
    assert " ".join(lines) == said and len(lines) == 2 and not beside
    assert status_lines("brush 26 px", 400, 704) == (["brush 26 px"], 0.45, True)
    lines, _, _ = status_lines("word " * 200, 400, 704)
    assert len(lines) == 2 and lines[1].endswith("...")
    frame = render_frame(np.zeros((400, 400), np.uint8), None, status=said)
    assert frame.shape[1] == 720
