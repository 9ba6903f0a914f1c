"""preprocessing.trajectory: the strokes as the path the pen took, the trajectory network's input."""
import numpy as np
import pytest

from conftest import fuzz_case

from digitpad.preprocessing.trajectory import POINTS, SIZE, trajectory_input


def parts(x):
    """The input's five parts, each (POINTS,): x, y, the direction's x and y, pen down."""
    return x.reshape(5, POINTS)


SEVEN = [np.array([[10.0, 10.0], [90.0, 10.0], [40.0, 120.0]])]
NINE = [np.array([[80.0, 30.0], [50.0, 5.0], [20.0, 30.0], [50.0, 55.0], [80.0, 30.0], [75.0, 120.0]])]


def test_values_lie_in_the_unit_range_and_keep_the_shape():
    x = trajectory_input(SEVEN)
    assert x.shape == (SIZE,) and x.dtype == np.float32
    assert x.min() >= 0 and x.max() <= 1
    xs, ys, dx, dy, pen = parts(x)
    # Scaled about the centre (50, 65) of its box by half its longer side, 55: the start is (-40, -55) / 55.
    assert (xs[0], ys[0]) == pytest.approx(((-40 / 55 + 1) / 2, 0.0), abs=1e-6)
    assert ys[-1] == pytest.approx(1.0) and pen.min() == 1.0
    assert dx[2] == pytest.approx(1.0) and dy[2] == pytest.approx(0.5)  # the bar goes right, level


def test_the_same_path_anywhere_and_at_any_size_is_the_same_input():
    moved = [s * 3.5 + [400.0, -70.0] for s in NINE]
    assert np.allclose(trajectory_input(NINE), trajectory_input(moved), atol=1e-6)


def test_the_order_of_writing_is_what_it_adds_to_the_picture():
    """The same ink drawn backwards: the same places, the opposite directions."""
    forward, backward = trajectory_input(NINE), trajectory_input([s[::-1] for s in NINE])
    f, b = parts(forward), parts(backward)
    assert np.allclose(f[0], b[0][::-1], atol=1e-6) and np.allclose(f[2], 1 - b[2][::-1], atol=1e-6)
    assert not np.allclose(forward, backward, atol=0.1)


def test_the_jump_between_strokes_is_pen_up():
    crossed = [np.array([[0.0, 0.0], [0.0, 100.0]]), np.array([[-40.0, 50.0], [40.0, 50.0]])]  # a + in two
    pen = parts(trajectory_input(crossed))[4]
    assert 0 < (pen == 0).sum() < POINTS // 2 and pen[0] == 1 and pen[-1] == 1


@pytest.mark.parametrize("strokes", [[np.array([[5.0, 5.0]])], [np.array([[5.0, 5.0]]), np.array([[5.0, 5.0]])],
                                     [np.array([[5.0, 5.0], [5.0, 5.0]])]])
def test_a_dot_is_the_centre_going_nowhere(strokes):
    x = trajectory_input(strokes)
    assert np.isfinite(x).all() and np.allclose(parts(x)[:4], 0.5)


def test_no_points_is_no_input_and_nonsense_is_refused():
    assert trajectory_input([]) is None
    assert trajectory_input([np.zeros((0, 2))]) is None
    for bad in ([np.array([[0.0, np.nan], [1.0, 1.0]])], [np.array([[np.inf, 0.0]])]):
        with fuzz_case("digitpad.preprocessing.trajectory"), pytest.raises(ValueError, match="finite"):
            trajectory_input(bad)


def test_extremes_cost_one_pass_and_stay_in_range():
    """The server's bounds: 100,000 points, coordinates up to a million; a hair-thin path."""
    rng = np.random.default_rng(0)
    cases = [[rng.uniform(-1e6, 1e6, (100_000, 2))], [np.array([[0.0, 0.0], [1e-12, 1e6]])],
             [rng.uniform(0, 1, (2, 2)) for _ in range(1000)], [np.array([[1e6, 1e6], [-1e6, -1e6]])]]
    for strokes in cases:
        with fuzz_case("digitpad.preprocessing.trajectory"):
            x = trajectory_input(strokes)
            assert x.shape == (SIZE,) and np.isfinite(x).all() and 0 <= x.min() and x.max() <= 1
