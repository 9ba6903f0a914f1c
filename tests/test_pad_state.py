"""Pad state driven by synthetic mouse events: strokes, undo, clear, brush."""
import numpy as np

from digitpad.preprocessing import strokes as brush
from digitpad.desktop.state import MAX_BRUSH, MIN_BRUSH, PadState


def drag(state, points):
    state.pen_down(*points[0])
    for p in points[1:]:
        state.pen_move(*p)
    state.pen_up()


def test_down_moves_up_make_one_stroke():
    state = PadState(size=200, brush_size=10)
    drag(state, [(20, 20), (60, 20), (60, 20), (100, 80)])
    assert len(state.strokes) == 1
    assert state.strokes[0].points == [(20, 20), (60, 20), (100, 80)]  # repeated point dropped
    assert state.strokes[0].thickness == 10
    assert not state.drawing


def test_moves_without_button_draw_nothing():
    state = PadState(size=100)
    state.pen_move(10, 10)
    assert state.empty and not state.canvas.any()


def test_fast_stroke_is_continuous():
    """Two far-apart mouse positions are joined: the ink between them has no gap."""
    state = PadState(size=300, brush_size=8)
    drag(state, [(20, 150), (280, 150)])
    assert (state.canvas[150, 20:281] == 255).all()


def test_incremental_canvas_equals_full_render():
    state = PadState(size=200, brush_size=12)
    drag(state, [(20, 30), (80, 40), (120, 150)])
    drag(state, [(150, 20)])  # a dot
    expected = brush.render([(s.points, s.thickness) for s in state.strokes], 200)
    assert np.array_equal(state.canvas, expected)
    assert state.canvas[20, 150] == 255


def test_undo_and_clear():
    state = PadState(size=200)
    drag(state, [(20, 20), (60, 60)])
    after_first = state.canvas.copy()
    drag(state, [(150, 150), (180, 100)])
    version = state.version
    assert state.undo()
    assert state.version > version
    assert np.array_equal(state.canvas, after_first)
    assert state.undo() and state.empty and not state.canvas.any()
    assert not state.undo()
    drag(state, [(20, 20), (60, 60)])
    state.clear()
    assert state.empty and not state.canvas.any()


def test_undo_after_clear_brings_the_drawing_back():
    state = PadState(size=200)
    drag(state, [(20, 20), (60, 60)])
    drag(state, [(150, 150), (180, 100)])
    drawn = state.canvas.copy()
    state.clear()
    drag(state, [(100, 20), (100, 180)])  # a new stroke after the clear...
    assert state.undo() and state.empty  # ...goes first,
    assert state.undo() == "clear" and np.array_equal(state.canvas, drawn) and len(state.strokes) == 2  # then the clear
    assert state.undo() == "stroke" and len(state.strokes) == 1
    state.clear(undoable=False)  # as after saving a sample: nothing comes back
    assert not state.undo() and state.empty
    state.clear()  # clearing an empty pad is not an action to undo
    assert not state.undo()


def test_brush_changes_apply_to_new_strokes_only():
    state = PadState(size=200, brush_size=10)
    drag(state, [(20, 20), (60, 20)])
    assert state.change_brush(+1) == 12
    drag(state, [(20, 100), (60, 100)])
    assert [s.thickness for s in state.strokes] == [10, 12]
    for _ in range(100):
        state.change_brush(+1)
    assert state.brush == MAX_BRUSH
    for _ in range(100):
        state.change_brush(-1)
    assert state.brush == MIN_BRUSH


def test_strokes_json():
    state = PadState(size=120, brush_size=8)
    drag(state, [(1, 2), (3, 4)])
    assert state.strokes_json() == {"canvas_size": [120, 120],
                                    "strokes": [{"brush": 8, "points": [[1, 2], [3, 4]]}]}


def test_brush_draws_where_expected():
    canvas = np.zeros((100, 100), np.uint8)
    brush.draw_stroke(canvas, [(10.0, 50.0), (90.0, 50.0)], 6)
    rows = np.nonzero(canvas[:, 50])[0]
    assert rows.min() >= 45 and rows.max() <= 55 and canvas[50, 50] == 255
    assert not canvas[:40].any() and not canvas[60:].any()
    assert canvas[50, 8] > 0 and canvas[50, 3] == 0  # round cap: ink a radius past the end, no further
