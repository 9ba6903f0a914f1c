"""digitpad.preprocessing.thinning: thick scanned ink drawn again at a pen's width; ink of ordinary width left alone."""
import cv2
import numpy as np
import pytest

from concurrent.futures import ThreadPoolExecutor

from conftest import fuzz_case
from digitpad.drawn.render import DEFAULT_DATA, place, random_condition, render_digit
from digitpad.drawn.unipen import parse_writers, read_unipen
from mnist_mlp import is_sure, load_model
from digitpad.preprocessing import canvas_from_image, prepare
from digitpad.preprocessing.thinning import BAND, MIN_WIDTH, PEN, SIDE, THICK, blown_up, skeleton, stroke_width, thinned
from digitpad.reading import TurnedViews, canvas_reading, picture_reading
from digitpad.scans.sets import DEFAULT_OPTDIGITS, boxed, read_optdigits, scan_picture


def holes(mask):
    """How many background regions ``mask`` encloses (4-connected background, the outside not counted)."""
    background = np.pad(~mask, 1, constant_values=True).astype(np.uint8)
    return cv2.connectedComponents(background, connectivity=4)[0] - 2


def test_the_skeleton_of_a_bar_is_one_line_down_its_middle():
    bar = np.zeros((60, 40), bool)
    bar[5:55, 10:30] = True
    centre = skeleton(bar)
    assert centre.any() and (centre <= bar).all()
    rows = np.flatnonzero(centre.any(axis=1))
    assert rows.max() - rows.min() >= 25  # most of its height
    assert centre.sum(axis=1).max() <= 3  # one pixel wide, but where it forks at the ends
    assert cv2.connectedComponents(centre.astype(np.uint8))[0] - 1 == 1


def test_the_skeleton_keeps_loops_and_pieces():
    eight = np.zeros((80, 60), np.uint8)
    cv2.circle(eight, (30, 22), 14, 1, 9)
    cv2.circle(eight, (30, 55), 16, 1, 9)
    dot = np.zeros((80, 100), np.uint8)
    dot[:, :60] = eight
    dot[30:45, 75:90] = 1
    centre = skeleton(dot.astype(bool))
    assert holes(centre) == 2
    assert cv2.connectedComponents(centre.astype(np.uint8))[0] - 1 == 2
    assert not skeleton(np.zeros((10, 10), bool)).any()
    assert skeleton(np.ones((1, 1), bool)).all()


def test_a_piece_that_thins_away_is_kept_and_thinning_runs_to_the_end():
    assert skeleton(np.ones((2, 2), bool)).sum() == 1  # Zhang-Suen alone erases a 2x2 square
    rng = np.random.default_rng(5)
    for _ in range(30):
        mask = cv2.dilate((rng.random((30, 72)) < 0.04).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        mask[rng.random(mask.shape) < 0.1] = False  # noisy blobs, some of which need many passes
        centre = skeleton(mask)
        n, pieces = cv2.connectedComponents(mask.astype(np.uint8))
        assert set(np.unique(pieces[centre])) == set(range(1, n))  # every piece keeps a centre
        assert (skeleton(centre) == centre).all()  # finished: thinning it again changes nothing


def test_solid_discs_keep_their_ink():
    for radius in range(2, 11):
        disc = np.zeros((100, 100), np.uint8)
        cv2.circle(disc, (50, 50), radius, 255, -1)
        assert thinned(disc).any() and prepare(thinned(disc)) is not None, radius


@pytest.fixture(scope="module")
def views():
    return TurnedViews(load_model())


def test_a_pinhole_in_a_blot_is_no_loop(views):
    """A speck of paper inside a solid 1 (a scanning flaw) must not make it a 0."""
    bar = np.zeros((120, 100), np.uint8)
    bar[20:100, 30:70] = 255
    bar[58:62, 48:52] = 0
    probabilities = canvas_reading(views, bar)[0]
    assert probabilities.argmax() == 1, probabilities.round(2)


def _small_digit(digit, loop, pen):
    """A photo of a page's handwriting: an 8, 6 or 9 about 20 px tall whose loops of radius ``loop``
    (px) the ``pen`` nearly closes, dark on grey paper."""
    paper = np.full((80, 80), 235, np.uint8)
    r = loop
    ellipses = {8: [((40, 39 - r), r), ((40, 40 + r), r + 1)], 6: [((40, 45), r + 1)], 9: [((40, 36), r + 1)]}[digit]
    lines = {8: [], 6: [[(44, 45 - 3 * r), (38, 45 - r), (39 - r, 45)]],
             9: [[(41 + r, 36), (40 + r, 36 + 2 * r), (38, 38 + 3 * r)]]}
    for (cx, cy), radius in ellipses:
        cv2.ellipse(paper, (cx * 16, cy * 16), (radius * 16, radius * 16), 0, 0, 360, 40, pen, cv2.LINE_AA, 4)
    for points in lines[digit]:
        cv2.polylines(paper, [np.array(points, np.int32) * 16], False, 40, pen, cv2.LINE_AA, 4)
    return paper


def test_a_small_digit_written_with_a_thick_pen_keeps_its_loops(views):
    """A pen 4 px wide on digits 18-23 px tall is as thick for their size as a scan's bar, but it is
    a pen's width (MIN_WIDTH): thinned, the loops it closed were a bar, and five of these six read
    as a sure 1 or 0."""
    for digit in (8, 6, 9):
        for loop in (3, 4):
            gray = _small_digit(digit, loop, pen=4)
            canvas = canvas_from_image(gray)
            assert stroke_width(canvas > 0) <= MIN_WIDTH and thinned(canvas) is canvas
            probabilities = picture_reading(views, gray)[0]
            assert probabilities.argmax() == digit, (digit, loop, probabilities.round(2))


def _pen_photo(rng, strokes, height, pen, side):
    """A photo of a pen digit ``height`` px tall written with a pen ``pen`` px wide, somewhere near the
    middle of a ``side`` px picture: dark on grey paper, at its own resolution (its edges drawn to a
    sixteenth of a pixel)."""
    ink = np.zeros((side, side), np.uint8)
    for points in place(strokes, side, height / side, rng.uniform(0.45, 0.55, 2), margin=pen):
        cv2.polylines(ink, [np.rint(points * 16).astype(np.int32)], False, 255, pen, cv2.LINE_AA, 4)
    return (240 - ink.astype(np.float64) * 200 / 255).astype(np.uint8)


def test_small_digits_blotted_by_a_thick_pen_are_not_read_as_sure_1s(views):
    """Digits of writers 1-25, 15-20 px tall, written with a pen of 4-6 px (half of them blurred): the
    pen shuts their loops and fills their bends. Thinned, they were bars: 75 of these 200 were read
    as a sure wrong digit (nearly all as 1) and 109 right; left as blots (BLOT_WIDTH), 9 and 167."""
    digits = read_unipen(DEFAULT_DATA, parse_writers("1-25"))
    rng = np.random.default_rng(7)
    sure_and_wrong = right = 0
    for i in rng.choice(len(digits), 200, replace=False):
        pen, height = int(rng.integers(4, 7)), rng.uniform(15, 20)
        gray = _pen_photo(rng, digits[i].strokes, height, pen, side=200)
        if rng.random() < 0.5:
            gray = cv2.GaussianBlur(gray, (0, 0), 1.0)
        probabilities = picture_reading(views, gray)[0]
        right += probabilities.argmax() == digits[i].label
        sure_and_wrong += bool(is_sure(probabilities)) and probabilities.argmax() != digits[i].label
    assert sure_and_wrong <= 20 and right >= 150, (sure_and_wrong, right)


def test_bad_canvases_are_refused_with_a_reason():
    for bad in (np.zeros((10, 10), np.float32), np.zeros((4, 4, 3), np.uint8), np.zeros(5, np.uint8), [[0, 255]]):
        with fuzz_case("digitpad.preprocessing.thinning"):
            with pytest.raises(ValueError, match="canvas"):
                thinned(bad)


@pytest.mark.parametrize("pen", [3, 9, 17])
def test_stroke_width_measures_the_pen(pen):
    canvas = np.zeros((120, 120), np.uint8)
    cv2.line(canvas, (20, 20), (100, 100), 1, pen)
    cv2.line(canvas, (20, 100), (60, 60), 1, pen)
    drawn = np.zeros_like(canvas)
    cv2.line(drawn, (20, 20), (20, 100), 1, pen)
    width = drawn[60].sum()  # OpenCV's line of thickness t is about t + 2 pixels across
    assert abs(stroke_width(canvas.astype(bool)) - width) <= 2
    assert stroke_width(np.zeros((5, 5), bool)) == 0
    assert stroke_width(np.ones((60, 10), bool)) == 10  # ink up to the edge: the edge is background


def test_ink_of_a_pens_width_is_left_as_it_is():
    canvas = np.zeros((280, 280), np.uint8)
    cv2.line(canvas, (100, 40), (150, 240), 255, 12, cv2.LINE_AA)  # a 1 drawn with the pad's brush
    assert thinned(canvas) is canvas
    blank = np.zeros((30, 30), np.uint8)
    assert thinned(blank) is blank


def test_a_solid_bar_becomes_a_line_a_pen_wide():
    canvas = np.zeros((200, 200), np.uint8)
    canvas[20:180, 60:140] = 255  # a 1 as a form's scan gives it: as wide as half its height
    out = thinned(canvas)
    assert out.dtype == np.uint8 and out.max() == 255
    assert abs(stroke_width(out > 0) - PEN * SIDE) <= 2
    x, y, w, h = cv2.boundingRect(out)
    assert h >= 2.5 * w  # upright and thin (a line shorter than the bar, by the bar's width)


def band(points, width):
    """A 200 px canvas with a polyline through ``points`` drawn ``width`` pixels wide."""
    canvas = np.zeros((200, 200), np.uint8)
    cv2.polylines(canvas, [np.array(points, np.int32)], False, 255, width)
    return canvas


def relative_width(canvas):
    """The strokes' width as a fraction of the ink's longer side, measured as thinned() measures it."""
    x, y, w, h = cv2.boundingRect(canvas)
    f = SIDE / max(w, h)
    return stroke_width(cv2.resize(canvas[y:y + h, x:x + w], (round(w * f), round(h * f))) > 127) / SIDE


def test_a_straight_band_is_thinned_from_a_lower_width_than_a_bent_one():
    """A 1 stretched to fill a square box is a diagonal band (as Semeion's): its width says nothing."""
    diagonal = band([(40, 180), (160, 20)], 26)
    assert BAND < relative_width(diagonal) <= THICK  # under the width at which any ink is thinned
    out = thinned(diagonal)
    assert out is not diagonal and abs(stroke_width(out > 0) - PEN * SIDE) <= 2
    seven = band([(40, 30), (160, 30), (70, 180)], 26)  # as wide, but bent: a 7 is left as it is
    assert BAND < relative_width(seven) <= THICK and thinned(seven) is seven
    thin = band([(40, 180), (160, 20)], 10)  # a pen's width: left as it is
    assert relative_width(thin) < BAND and thinned(thin) is thin
    pierced = diagonal.copy()  # a bar with a hole is no bar: a slashed 0 written thick has pinholes for loops
    pierced[96:104, 96:104] = 0
    assert thinned(pierced) is pierced
    nine = band([(110, 60), (95, 185)], 26)  # a 9 written with a marker, its loop filled: straight once
    cv2.circle(nine, (112, 55), 24, 255, -1)  # smoothed, but its head is wider than its tail
    assert BAND < relative_width(nine) <= THICK and thinned(nine) is nine
    four = band([(97, 20), (70, 120), (130, 120)], 34)  # a 4 in marker, its arm short, its triangle filled
    cv2.line(four, (112, 70), (112, 180), 255, 34)
    assert BAND < relative_width(four) <= THICK and thinned(four) is four


def test_stretched_ones_are_read_surely(views, mnist):
    """MNIST's first 100 test 1s stretched to fill 16x16 as Semeion sized its digits: diagonal bands
    with ragged edges. The shipped model read 65 of them as sure 1s while only ink wider than THICK
    was thinned, 68 with straight even bars thinned from BAND, 69 read unthinned where that is sure,
    80 read narrowed too where still unsure (digitpad.reading.stretched_reading)."""
    ones = boxed(mnist["x_test"][mnist["y_test"] == 1][:100], binary=True)
    probabilities = np.array([picture_reading(views, scan_picture(one))[0] for one in ones])
    assert ((probabilities.argmax(axis=1) == 1) & is_sure(probabilities)).sum() >= 78


def test_stretched_ones_handed_over_at_their_own_size_are_still_bars(views, mnist):
    """The same 1s written 1:1, 16 px tall: a bar no wider than a pen (MIN_WIDTH). A straight, even
    bar is thinned all the same; leaving all such ink alone read 21 of them as sure 1s, this 29
    (32 before blots were left alone: BLOT_WIDTH)."""
    ones = boxed(mnist["x_test"][mnist["y_test"] == 1][:100], binary=True)
    probabilities = np.array([picture_reading(views, scan_picture(one, zoom=1))[0] for one in ones])
    assert ((probabilities.argmax(axis=1) == 1) & is_sure(probabilities)).sum() >= 27


def test_a_huge_picture_is_thinned_at_the_working_size():
    canvas = np.zeros((4000, 3000), np.uint8)
    canvas[200:3800, 900:2100] = 255
    out = thinned(canvas)
    assert max(out.shape) <= SIDE + 16


def test_fat_scanned_ones_are_read_as_ones(views):
    """Ones from a form, sized to their box: solid bars, with a flag or not. Before thinning, the shipped
    model read them as 8s or not at all."""
    for flag in (False, True):
        bitmap = np.zeros((32, 32), bool)
        bitmap[:, 8:24] = True
        if flag:
            bitmap[:6, 3:8] = True
        probabilities, image, _ = picture_reading(views, scan_picture(bitmap))
        assert probabilities.argmax() == 1 and probabilities.max() >= 0.45, probabilities.round(2)
        assert image.shape == (28, 28)


def _bold_digit(rng, strokes, pen):
    """A photo of a pen digit 80-160 px tall written with a marker ``pen`` times its height wide."""
    height = rng.uniform(80, 160)
    return _pen_photo(rng, strokes, height, int(round(pen * height)), side=240)


def test_a_bitmap_blown_up_is_told_from_a_picture_at_its_own_resolution():
    bitmaps, _ = read_optdigits(DEFAULT_OPTDIGITS, limit=12)
    for bitmap in bitmaps:
        for zoom in (2, 3, 4, 7, 16):  # each dot a square of pixels, as scans of digit sets are handed over
            assert blown_up(canvas_from_image(scan_picture(bitmap, zoom))), zoom
        for zoom, smooth in [(2, cv2.INTER_CUBIC), (3, cv2.INTER_LINEAR), (4, cv2.INTER_CUBIC), (6, cv2.INTER_LINEAR)]:
            blurred = cv2.resize(scan_picture(bitmap, 1), None, fx=zoom, fy=zoom, interpolation=smooth)
            assert blown_up(canvas_from_image(blurred)), zoom  # blown up smoothly: edges as wide as the dots
        blocky = scan_picture(bitmap, 4)
        turn = cv2.getRotationMatrix2D((blocky.shape[1] / 2, blocky.shape[0] / 2), 1.5, 1.0)
        noise = np.random.default_rng(0).normal(0, 8, blocky.shape)
        for resampled in (cv2.resize(scan_picture(bitmap, 1), None, fx=2.5, fy=2.5, interpolation=cv2.INTER_NEAREST),
                          cv2.warpAffine(blocky, turn, blocky.shape[::-1], borderValue=255),
                          np.clip(blocky + noise, 0, 255).astype(np.uint8), scan_picture(bitmap, 17)):
            assert blown_up(canvas_from_image(resampled))  # squares all the same: an outline of upright and level runs
        assert not blown_up(canvas_from_image(scan_picture(bitmap, 1)))  # at its own size, as small handwriting
    digits = read_unipen(DEFAULT_DATA, parse_writers("1-25"))[:40]
    rng = np.random.default_rng(2)
    # A photo's or a pad's ink, thick or thin, at its own resolution: a few whose outline runs mostly
    # upright and level are taken for scans, and thinned as before.
    photos = [blown_up(canvas_from_image(_bold_digit(rng, d.strokes, rng.uniform(0.05, 0.3)))) for d in digits]
    pads = [blown_up(render_digit(d.strokes, random_condition(rng))) for d in digits]
    assert sum(photos) <= 2 and sum(pads) <= 2, (sum(photos), sum(pads))  # 1 and 1 of 40
    for flat in (np.zeros((40, 40), np.uint8), np.full((3, 3), 255, np.uint8), np.zeros((1, 1), np.uint8)):
        assert not blown_up(flat)


def test_bold_8s_at_their_own_resolution_are_not_thinned_to_sure_1s(views):
    """8s of writers 1-25 written with a marker a fifth to a third of their height wide, in photos: the
    marker fills their loops and leaves a blob with a waist. Thinned, as a scan's blob is, 4 of these
    100 were read as a sure 1 and 93 right; read as they are, 0 and 99 (89 of them surely either way)."""
    eights = [d for d in read_unipen(DEFAULT_DATA, parse_writers("1-25")) if d.label == 8]
    rng = np.random.default_rng(11)
    readings = np.array([picture_reading(views, _bold_digit(rng, eights[i].strokes, rng.uniform(0.2, 0.3)))[0]
                         for i in rng.choice(len(eights), 100, replace=False)])
    assert ((readings.argmax(axis=1) == 1) & is_sure(readings)).sum() == 0
    assert (readings.argmax(axis=1) == 8).sum() >= 95


@pytest.mark.parametrize("seed", range(40))
def test_any_ink_thins_to_ink_of_bounded_size(seed):
    rng = np.random.default_rng(seed)
    h, w = (int(v) for v in rng.integers(1, 120, size=2))
    canvas = (rng.random((h, w)) < rng.random()).astype(np.uint8) * np.uint8(rng.choice([1, 128, 255]))
    if seed % 4 == 0:
        canvas = cv2.dilate(canvas, np.ones((9, 9), np.uint8))  # blobs, thick for their size
    with fuzz_case("digitpad.preprocessing.thinning"):
        out = thinned(canvas)
        assert out.dtype == np.uint8 and out.ndim == 2
        assert max(out.shape) <= max(canvas.shape[0], canvas.shape[1], SIDE + 16)
        assert out is canvas or (out.max() == 255 and prepare(out) is not None)  # thinned ink is full ink


def random_band(rng):
    """A straight band between a pen's width and THICK wide for its length, at any angle and size
    (1 to 1,200 px), ragged, sometimes pierced or with a speck beside it: the straight-bar branch."""
    side = int(rng.integers(1, 1201))
    canvas = np.zeros((side, side), np.uint8)
    angle, length = rng.uniform(0, np.pi), side * rng.uniform(0.3, 0.9)
    dx, dy = 0.5 * length * np.cos(angle), 0.5 * length * np.sin(angle)
    ends = np.array([[side / 2 - dx, side / 2 - dy], [side / 2 + dx, side / 2 + dy]], np.int32)
    cv2.polylines(canvas, [ends], False, 255, max(1, int(length * rng.uniform(0.08, 0.26))))
    canvas[rng.random(canvas.shape) < 0.02] = 0  # a ragged, scanned edge and pinholes
    if rng.random() < 0.3:
        canvas[rng.integers(0, side), rng.integers(0, side)] = 255  # a speck
    return canvas


@pytest.mark.parametrize("seed", range(30))
def test_any_straight_band_thins_to_ink_of_bounded_size(seed):
    canvas = random_band(np.random.default_rng([seed, 12]))
    with fuzz_case("digitpad.preprocessing.thinning"):
        out = thinned(canvas)
        assert out.dtype == np.uint8 and out.ndim == 2 and max(out.shape) <= max(canvas.shape[0], SIDE + 16)
        assert out is canvas or out.max() == 255


def test_thinning_from_many_threads_gives_what_one_gives():
    """The server reads pictures in worker threads: thinning shares only read-only tables."""
    rng = np.random.default_rng(7)
    canvases = []
    for _ in range(24):  # fat 1s of many shapes, as forms' scans give them blown up: all thick, so all thinned
        canvas = np.zeros((30, 25), np.uint8)
        w, flag = int(rng.integers(8, 15)), int(rng.integers(0, 6))
        canvas[3:27, 12 - w // 2:12 + w // 2] = 255
        canvas[3:7, 12 - w // 2 - flag:12] = 255
        canvases.append(np.kron(canvas, np.ones((4, 4), np.uint8)))
    canvases += [random_band(rng) for _ in range(8)]  # bands under THICK: some thinned, some left
    alone = [thinned(c) for c in canvases]
    with fuzz_case("digitpad.preprocessing.thinning"), ThreadPoolExecutor(8) as pool:
        together = list(pool.map(thinned, canvases * 4))
    assert all(np.array_equal(a, b) for a, b in zip(alone * 4, together))
    assert all(a is not c for a, c in zip(alone[:24], canvases))
