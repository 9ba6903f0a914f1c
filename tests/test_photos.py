"""Digits as photos of ink on paper: the synthesis, and reading them through canvas_from_image."""
import cv2
import numpy as np

from conftest import ROOT
from digitpad.drawn.photos import CONDITIONS, SIDE, photo
from digitpad.drawn.unipen import Digit
from mnist_mlp import load_model
from digitpad.preprocessing import canvas_from_image, prepare

SEVEN = Digit(7, 1, (((0, 100), (60, 100), (25, 0)),), 1)
FOUR = Digit(4, 1, (((40, 100), (0, 40), (60, 40)), ((45, 70), (45, 0))), 2)


def test_every_condition_makes_a_photo_of_the_digit():
    rng = np.random.default_rng(0)
    for condition in CONDITIONS:
        image = photo(FOUR.strokes, condition, rng)
        if condition == "cropped":  # the ink and at most 5 px of paper round it
            x, y, w, h = cv2.boundingRect((image.min(axis=2) < 128).astype(np.uint8))
            assert max(x, y, image.shape[1] - x - w, image.shape[0] - y - h) <= 5 + 2, (x, y, w, h, image.shape)
            assert image.shape[0] < SIDE // 2 or image.shape[1] < SIDE // 2
            continue
        if condition == "chalk":  # light ink on a dark board, cut out with at most a third of its height round it
            gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
            x, y, w, h = cv2.boundingRect((gray > 128).astype(np.uint8))
            assert np.median(gray[gray <= 128]) < 80 and gray.max() > 180
            assert max(x, y, gray.shape[1] - x - w, gray.shape[0] - y - h) <= h / 3 + 2, (x, y, w, h, gray.shape)
            continue
        assert image.shape == (SIDE, SIDE, 3) and image.dtype == np.uint8
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        assert gray[SIDE // 2 - 60:SIDE // 2 + 60].min() < gray.max() - 40, condition  # ink darker than paper
    clean = photo(SEVEN.strokes, "clean", np.random.default_rng(1))
    assert np.array_equal(clean, photo(SEVEN.strokes, "clean", np.random.default_rng(1)))  # seeded


def test_shadow_table_and_ruling_are_not_ink():
    model = load_model(ROOT / "weights")
    rng = np.random.default_rng(2)
    for condition in ("shadow", "uneven-light", "ruled", "squared", "table", "clean"):
        for digit in (SEVEN, FOUR):
            gray = cv2.cvtColor(photo(digit.strokes, condition, rng), cv2.COLOR_BGR2GRAY)
            canvas = canvas_from_image(gray)
            x, y, w, h = cv2.boundingRect(canvas)
            assert w < 0.8 * SIDE and h < 0.8 * SIDE, (condition, (x, y, w, h))  # the digit's box, not the sheet's
            if condition != "table":  # on a table not every digit is read right yet (docs/paper-photos.md)
                assert model.predict(prepare(canvas))[0] == digit.label, condition


def test_ruling_that_runs_past_the_digit_is_taken_off():
    paper = np.full((200, 200), 255, np.uint8)
    paper[[40, 100, 160]] = 150  # three rules from edge to edge, one through the digit
    cv2.polylines(paper, [np.array([(70, 50), (130, 50), (90, 170)], np.int32)], False, 0, 6)  # a 7
    canvas = canvas_from_image(paper)
    x, y, w, h = cv2.boundingRect(canvas)
    assert 60 <= x and x + w <= 140 and 44 <= y and y + h <= 176  # the 7's box: no rule left beside it
    assert load_model(ROOT / "weights").predict(prepare(canvas))[0] == 7


def test_faint_ink_a_sheet_on_a_table_and_everything_at_once_are_read():
    """Low contrast (ink 30% as dark), a table filling half the picture, and all the troubles together
    (tilted squared paper in a shadow on a table, blurred, noisy, JPEG): the canvas holds the digit."""
    model = load_model(ROOT / "weights")
    rng = np.random.default_rng(4)
    for condition in ("low-contrast", "table", "all"):
        for digit in (SEVEN, FOUR):
            gray = cv2.cvtColor(photo(digit.strokes, condition, rng), cv2.COLOR_BGR2GRAY)
            canvas = canvas_from_image(gray)
            x, y, w, h = cv2.boundingRect(canvas)
            assert 0 < w < 0.7 * SIDE and 0 < h < 0.7 * SIDE, (condition, (x, y, w, h))
            assert model.predict(prepare(canvas))[0] == digit.label, condition


def test_the_tilt_of_squared_paper_is_found_beside_a_shadow_and_the_table():
    """Broad dark regions (a shadow band, the table) change the rows' ink sums far more than thin
    rules do; the tilt is found from the thin jumps, so the rules still come out level."""
    from digitpad.preprocessing import _ruling_tilt

    ink = np.zeros((320, 320), np.uint8)
    for k in range(-20, 21):  # squared paper, rules 2 px wide every 30 px
        ink[:, 160 + 30 * k: 162 + 30 * k] = 90
        ink[160 + 30 * k: 162 + 30 * k] = 90
    ink = cv2.warpAffine(ink, cv2.getRotationMatrix2D((160, 160), 6.0, 1.0), (320, 320))
    ink[:, :70] = 160  # a wide shadow band read as ink along the left edge
    ink[:, 60:70] = 250  # and its darkest edge
    assert _ruling_tilt(ink) == -6.0


def _ink(paper, polylines, dark=20, width=6):
    for points in polylines:
        cv2.polylines(paper, [np.array(points, np.int32)], False, dark, width)
    return paper


def _cropped(paper, margin, ink=None):
    """``paper`` cut to its ink (``ink``, or what is darker than 128) with ``margin`` px round it."""
    ys, xs = np.nonzero(paper < 128 if ink is None else ink)
    return paper[max(0, ys.min() - margin):ys.max() + margin + 1, max(0, xs.min() - margin):xs.max() + margin + 1]


TIGHT = {7: [[(20, 20), (140, 20), (70, 220)]],
         2: [[(30, 60), (60, 22), (110, 25), (125, 70), (25, 215), (140, 215)]],
         4: [[(70, 20), (20, 150), (150, 150)], [(110, 20), (110, 220)]],
         5: [[(130, 20), (35, 20), (30, 100), (110, 100), (125, 170), (80, 215), (25, 200)]],
         1: [[(80, 20), (80, 220)]]}


def test_a_digit_cropped_to_its_ink_keeps_its_long_strokes():
    """A 7's bar, a 2's base, a 4's crossbar and stem, a 5's top and a lone 1 span the picture when
    it is cropped to the ink; one or two lines as dark as the digit, in a picture it fills, are its
    own strokes, not ruling (before: the 7 read as a sure 1, the 1 as blank)."""
    model = load_model(ROOT / "weights")
    for label, strokes in TIGHT.items():
        for margin in (1, 3, 6):  # pixels of paper (with none, a 1 is all ink: no paper to read it on)
            picture = _cropped(_ink(np.full((240, 170), 235, np.uint8), strokes), margin)
            canvas = canvas_from_image(picture)
            assert canvas.sum() >= 0.9 * canvas_from_image(np.pad(picture, 40, constant_values=235)).sum(), \
                (label, margin)  # as much ink as with paper round it
            assert model.predict(prepare(canvas))[0] == label, (label, margin)


def test_a_digit_cut_out_of_dark_ruled_paper_keeps_its_long_strokes():
    """Found by a new user: a 7 cut out with 1-3 px of paper ruled nearly as dark as the ink lost its
    bar with the rules (read as a sure 1): the bar's width was measured with the thin rules beside it.
    (A 4's stem among such rules is still taken for a grid's line: docs/paper-photos.md.)"""
    model = load_model(ROOT / "weights")
    for label in (7, 1):
        for width, margin, first_rule in ((8, 1, 0), (12, 1, 10), (12, 3, 0), (16, 3, 20)):
            ink = _ink(np.full((240, 170), 255, np.uint8), TIGHT[label], dark=0, width=width) < 128
            paper = np.full((240, 170), 235, np.uint8)
            paper[first_rule::30], paper[first_rule + 1::30] = 90, 90
            picture = _cropped(np.where(ink, 30, paper).astype(np.uint8), margin, ink)
            assert model.predict(prepare(canvas_from_image(picture)))[0] == label, (label, width, margin, first_rule)


def _seven(paper=None, pen=8):
    """A 7 in x 110-210, y 80-250 on ``paper`` (a 320x320 sheet at 235 if none)."""
    paper = np.full((320, 320), 235, np.uint8) if paper is None else paper
    return _ink(paper, [[(110, 80), (210, 80), (150, 250)]], dark=30, width=pen)


def _outside_the_seven(canvas):
    """The share of the ink read outside the box round _seven's 7 (what a table beside it left)."""
    return 1 - canvas[70:262, 100:222].sum() / canvas.sum()


def test_a_dark_table_and_dark_ruling_that_stops_short_are_not_the_digit():
    """Found attacking two tries at cut-out digits (25d532f, reverted; 1247c5c before level rules
    were exempted): a table as dark as ink in a corner, along a sheet's slanted edge, or as a band
    with a light spot; dark ruling on a photo turned 3 degrees; and level ruling that stops a pixel
    or three short of the picture's edges (a page's printed margins) still leave a 7 read as a 7."""
    model = load_model(ROOT / "weights")
    yy, xx = np.mgrid[0:320, 0:320]
    spot = _seven()
    spot[:, :48] = 30
    spot[100:130, :48] = 200
    pictures = {"corner": np.where(xx + yy < 130, 30, _seven()),
                "wedge": np.where(xx < 10 + 50 * yy / 320, 30, _seven()),
                "spot": spot}
    for name, picture in pictures.items():
        canvas = canvas_from_image(picture.astype(np.uint8))
        outside = _outside_the_seven(canvas)
        assert outside < 0.3 and model.predict(prepare(canvas))[0] == 7, (name, outside)
    tilted = np.full((320, 320), 235, np.uint8)
    tilted[[y + i for y in range(15, 320, 30) for i in range(4)]] = 60
    tilted = cv2.warpAffine(_seven(tilted, 3), cv2.getRotationMatrix2D((160, 160), 3, 1.0), (320, 320),
                            borderMode=cv2.BORDER_REPLICATE)
    canvas = canvas_from_image(tilted)
    assert cv2.boundingRect(canvas)[2] < 150 and model.predict(prepare(canvas))[0] == 7
    for short in (1, 3):
        ruled = np.full((320, 320), 235, np.uint8)
        for y in range(20, 320, 30):
            ruled[y:y + 3, short:320 - short] = 90
        canvas = canvas_from_image(_seven(ruled, 3))
        assert cv2.boundingRect(canvas)[2] < 150 and model.predict(prepare(canvas))[0] == 7, short


def test_a_black_or_grained_table_and_a_slanted_sheet_edge_are_not_ink():
    """Found attacking the reading of photos: a near-black table (8 of 255, the sensor's noise on it)
    along a side, a dark table with grain in a corner or along a slanted edge, and the sheet's slanted
    edge against a flat dark table in a corner. Divided by the table's own brightness, its noise and
    grain were read as strokes (a 7 read as 6, 8, 0, 4, 5), and the paper estimated at 96 px lit the
    table beside a slanted edge, read as a line along it."""
    model = load_model(ROOT / "weights")
    yy, xx = np.mgrid[0:320, 0:320]
    rng = np.random.default_rng(0)
    noise = np.clip(8 + rng.normal(0, 3, (320, 320)), 0, 255)
    grain = np.clip(30 + 3 * cv2.GaussianBlur(rng.normal(0, 25, (320, 320)), (0, 0), 3), 0, 255)
    pictures = {"black strip": (xx < 30, noise), "black strip, right": (xx >= 272, noise),
                "grained corner": (xx + yy < 170, grain), "grained wedge": (xx < 10 + 70 * yy / 320, grain),
                "dark corner": (xx + yy < 170, 10)}
    for name, (table, level) in pictures.items():
        canvas = canvas_from_image(np.where(table, level, _seven()).astype(np.uint8))
        outside = _outside_the_seven(canvas)
        assert outside < 0.2 and model.predict(prepare(canvas))[0] == 7, (name, outside)


def test_a_dim_photo_is_ink_on_paper_and_light_ink_on_black_stays_light():
    """Photographed in dim light, paper is darker than mid-grey (60-120): its dark ink is still ink
    (before: the picture was taken for light ink on a dark ground, and came back blank). Light
    ink on black or on a dark board is read as it was."""
    model = load_model(ROOT / "weights")
    rng = np.random.default_rng(1)
    for paper in (60, 90, 120):
        dim = _seven(np.clip(paper + rng.normal(0, 2, (320, 320)), 0, 255).astype(np.uint8))
        dim[dim < paper - 20] = 15  # the ink, darker still
        canvas = canvas_from_image(dim)
        assert canvas.any() and model.predict(prepare(canvas))[0] == 7, paper
    for ground, ink in ((0, 255), (40, 200)):
        light = np.where(_seven() < 128, ink, ground).astype(np.uint8)
        canvas = canvas_from_image(light)
        assert canvas[light == ink].min() > 0 and model.predict(prepare(canvas))[0] == 7, ground


def test_a_stroke_under_uneven_light_that_meets_the_digit_is_ink():
    """Unevenly lit paper takes lines across 60% of the picture for ruling; a 2's base that long,
    with paper round the digit, is kept because its end meets the 2's stroke."""
    paper = _ink(np.full((240, 200), 235, np.uint8), TIGHT[2])
    shade = np.linspace(0.6, 1.0, paper.shape[1])[None, :]
    picture = (paper * shade).astype(np.uint8)
    canvas = canvas_from_image(picture)
    x, y, w, h = cv2.boundingRect(canvas)
    assert w >= 110 and h >= 180, (x, y, w, h)
    assert load_model(ROOT / "weights").predict(prepare(canvas))[0] == 2


def test_ruling_beside_or_through_a_cropped_digit_is_still_taken_off():
    """Pale rules at the edges of a picture cropped to the lines a 7 was written between, pale rules
    through a 4 that fills the picture, a 7 at the very edge of ruled paper with a speck beside it,
    the hairline of a page's edge along a cropped 2, and a box round a 7 as heavy as its ink: the
    lines go, the digit stays."""
    model = load_model(ROOT / "weights")
    between = _ink(np.full((240, 160), 235, np.uint8), TIGHT[7])
    between[[0, 1, -2, -1]] = 170  # the crop runs along the two rules the 7 sits between
    pale = _ink(np.full((240, 170), 235, np.uint8), TIGHT[4])[15:226, 15:156].copy()
    pale[[40, 41, 80, 81]] = 170
    edge = np.full((240, 300), 235, np.uint8)
    edge[10::30] = 175
    edge = _ink(edge, [[(x + 140, y) for x, y in TIGHT[7][0]]])
    cv2.circle(edge, (8, 120), 3, 60, -1)
    page = _cropped(_ink(np.full((240, 170), 235, np.uint8), TIGHT[2]), 3)
    page[:, 3] = 20  # touching the 2, so it is no speck beside it
    for name, picture, label, rules in (("between", between, 7, [0, 1, 238, 239]), ("pale", pale, 4, [40, 41, 80, 81]),
                                        ("edge", edge, 7, [10, 40])):
        canvas = canvas_from_image(picture)
        assert (canvas[rules] > 0).sum(axis=1).max() < 0.3 * picture.shape[1], name  # only where the digit crosses
        assert model.predict(prepare(canvas))[0] == label, name
    canvas = canvas_from_image(page)
    assert (canvas[:, 3] > 0).sum() < 0.3 * page.shape[0]  # the hairline is thinner than the 2's strokes
    assert model.predict(prepare(canvas))[0] == 2
    box = np.full((260, 200), 235, np.uint8)
    cv2.rectangle(box, (10, 10), (189, 249), 20, 6)  # a form's box, as heavy as the ink: four lines are no digit
    box = _ink(box, [[(x + 5, y + 20) for x, y in TIGHT[7][0]]])  # the 7's bar touching the box's left side
    canvas = canvas_from_image(box)
    assert not canvas[:, 180:].any() and model.predict(prepare(canvas))[0] == 7
    cut = box[:, :170]  # the box's right side cut off: three lines, none of them joined to the 7
    cut[:, 150:] = 235
    canvas = canvas_from_image(np.ascontiguousarray(cut[:, :150]))
    x, y, w, h = cv2.boundingRect(canvas)
    assert x >= 12 and y >= 20 and model.predict(prepare(canvas))[0] == 7, (x, y, w, h)


def test_cut_out_pictures_read_from_many_threads_as_from_one():
    """The server reads pictures in worker threads: the judging of lines keeps no state between
    pictures, so 8 threads reading cut-out digits, a ruled page, a box, a dim photo, a 7 beside a
    grained table and one under dark rules, a bold 4 under uneven light and one with a shadow beside
    it at once get what one gets."""
    from concurrent.futures import ThreadPoolExecutor

    from conftest import fuzz_case

    pictures = [_cropped(_ink(np.full((240, 170), 235, np.uint8), strokes), margin)
                for strokes in TIGHT.values() for margin in (1, 3)]
    ruled = _ink(np.full((240, 300), 235, np.uint8), TIGHT[7])
    ruled[10::30] = 175
    box = np.full((260, 200), 235, np.uint8)
    cv2.rectangle(box, (10, 10), (189, 249), 20, 6)
    dim = _seven(np.full((320, 320), 80, np.uint8))
    grained = _seven()
    grained[:, :60] = np.clip(np.random.default_rng(0).normal(10, 6, (320, 60)), 0, 255).astype(np.uint8)
    dark_rules = _seven()
    dark_rules[10::30] = 90
    y, x = np.mgrid[0:480, 0:640]
    bold = np.zeros((480, 640), np.uint8)  # a bold 4 under uneven light: its basins filled as ink
    cv2.putText(bold, "4", (210, 420), cv2.FONT_HERSHEY_SIMPLEX, 12, 255, 14, cv2.LINE_AA)
    lit = np.clip((150 + 80 * y / 480) * (1 - 0.7 * bold / 255.0), 0, 255).astype(np.uint8)
    shaded = np.clip(lit * np.where(np.hypot(x - 120, y - 120) < 60, 0.4, 1.0), 0, 255).astype(np.uint8)
    pictures += [ruled, box, dim, grained, dark_rules, lit, shaded]
    alone = [canvas_from_image(p) for p in pictures]
    with fuzz_case("digitpad.preprocessing.canvas_from_image, lines"), ThreadPoolExecutor(8) as pool:
        together = list(pool.map(canvas_from_image, pictures * 4))
    assert all(np.array_equal(a, b) for a, b in zip(alone * 4, together))


def _in_a_box(name, rng, line=3, gap=30, paper=40):
    """A grey picture of the regional form ``name`` written with a 6 px pen, in a box of ``line`` px
    lines ``gap`` px above and below it, at least 0.8 as wide as tall, with ``paper`` px of paper round
    the box."""
    from digitpad.drawn.forms import form_strokes
    from digitpad.preprocessing.strokes import draw_path

    ink = np.zeros((600, 600), np.uint8)
    for stroke in form_strokes(name, rng):
        draw_path(ink, stroke * 120 + (240, 240), 6)
    ys, xs = np.nonzero(ink)
    half = max((xs.max() - xs.min()) / 2 + gap, 0.4 * (ys.max() - ys.min() + 2 * gap))  # as wide as a form's box
    middle = (xs.max() + xs.min()) / 2
    corners = (int(middle - half), int(ys.min()) - gap), (int(middle + half), int(ys.max()) + gap)
    cv2.rectangle(ink, *corners, 255, line)
    return _cropped(255 - ink, paper)


def test_a_box_drawn_round_a_digit_is_not_ink():
    """A form's box round a digit, with paper round it (found by a new user: a 5 in one read as a sure
    3, most digits as "?"): the box goes, and every form of the catalogue, in boxes of 1-5 px lines,
    near the digit or far from it, turned up to 8 degrees, is read sure and right."""
    from digitpad.drawn.forms import FORMS
    from digitpad.reading import TurnedViews, picture_reading

    views, rng = TurnedViews(load_model(ROOT / "weights")), np.random.default_rng(8)
    wrong = []
    for i, (name, (digit, _)) in enumerate(FORMS.items()):
        line, gap, paper = (1, 3, 5)[i % 3], (12, 30, 50)[i % 3 - 1], (20, 60, 150)[i % 3 - 2]
        gray = _in_a_box(name, rng, line, gap, paper)
        canvas = canvas_from_image(gray)
        assert not (canvas[:paper + 2 * line].any() or canvas[:, :paper + 2 * line].any()), name  # nor of the box
        h, w = gray.shape  # and turned, as a photo of a form is
        gray = cv2.warpAffine(gray, cv2.getRotationMatrix2D((w / 2, h / 2), (0, 4, -8)[i % 3 - 1], 1.0), (w, h),
                              borderValue=255)
        probabilities = picture_reading(views, gray)[0]
        if probabilities.argmax() != digit or probabilities.max() < 0.5:
            wrong.append((name, int(probabilities.argmax()), round(float(probabilities.max()), 2)))
    assert len(wrong) <= 1, wrong


def test_a_box_is_kept_where_it_holds_a_speck_or_touches_the_digit_and_an_oval_is_no_box():
    def box_kept(picture, where):
        return canvas_from_image(picture)[where].any()

    dot = np.full((200, 200), 235, np.uint8)
    cv2.rectangle(dot, (40, 40), (160, 160), 20, 3)
    cv2.circle(dot, (100, 100), 5, 20, -1)  # a box round a dot: a square 0 with its dot
    assert box_kept(dot, np.s_[40:43, 40:160])
    from digitpad.scans.sets import scan_picture
    ring = np.zeros((16, 16))
    ring[1:15, 2:14] = 1
    ring[4:12, 5:11] = 0
    ring[6:10, 7:9] = 1  # a dotted 0 stretched across a scan's box: a thick ring round a big dot
    assert cv2.boundingRect(canvas_from_image(scan_picture(ring)))[2] >= 12 * 4  # the ring's width, not the dot's
    oval = np.full((200, 200), 235, np.uint8)
    cv2.ellipse(oval, (100, 100), (50, 80), 0, 0, 360, 20, 8)  # an oval 0 round a slash that does not touch it
    cv2.line(oval, (80, 130), (120, 70), 20, 8)
    assert box_kept(oval, np.s_[18:24, 95:105])
    touching = _ink(np.full((260, 200), 235, np.uint8), [[(x + 20, y + 20) for x, y in TIGHT[7][0]]])
    cv2.rectangle(touching, (30, 30), (170, 250), 20, 3)  # the 7's bar on the box's top
    assert box_kept(touching, np.s_[240:252, 30:170])
    for mark in ([(62, 140), (98, 60)], [(80, 70), (80, 130)]):  # a square 0 round its slash or bar (the attacking
        zero = _ink(np.full((200, 160), 235, np.uint8), [[(45, 40), (115, 40), (115, 160), (45, 160), (45, 40)], mark],
                    width=3)  # helper's: read as a sure 1 once the 0 was taken for a box)
        assert box_kept(zero, np.s_[38:43, 45:115])
    three_sides = _ink(np.full((300, 260), 235, np.uint8), [[(x + 50, y + 40) for x, y in TIGHT[5][0]]])
    cv2.polylines(three_sides, [np.array([(20, 20), (20, 280), (240, 280), (240, 20)], np.int32)], False, 20, 3)
    assert box_kept(three_sides, np.s_[278:282, 20:240])  # a U is no box


def test_bold_strokes_under_uneven_light_have_no_holes():
    """Strokes nearly as wide as the paper's estimate closes over (7-9% of the picture) meet in
    blobs wider still, and wider strokes are all wider: the paper estimated there followed the ink
    and, divided out, punched holes in the stroke (a bold 4 under a lighting gradient read 56% 4).
    Every pixel well inside a stroke is ink now."""
    model = load_model(ROOT / "weights")
    y, x = np.mgrid[0:480, 0:640]
    for scale in (8, 10, 12, 14):  # strokes 48, 59, 71 and 83 px wide
        ink = np.zeros((480, 640), np.uint8)
        cv2.putText(ink, "4", (210, 420), cv2.FONT_HERSHEY_SIMPLEX, scale, 255, 14, cv2.LINE_AA)
        inside = cv2.erode(ink, np.ones((9, 9), np.uint8)) == 255
        for light in (200 + 30 * x / 640 - 20 * y / 480, 150 + 80 * y / 480):
            picture = np.clip(light * (1 - 0.7 * ink / 255.0), 0, 255).astype(np.uint8)
            canvas = canvas_from_image(picture)
            assert canvas[inside].min() > canvas.max() // 2, scale
            probabilities = model.predict_proba(prepare(canvas))[0]
            assert probabilities.argmax() == 4 and probabilities[4] > 0.9, (scale, probabilities.round(3))


def test_a_shadow_inside_the_picture_under_uneven_light_is_not_ink():
    """A shadow wholly inside the picture (a phone held over the sheet) is a basin in the paper's
    estimate as a bold stroke is, but ringed by paper and lighter than the digit's ink (found by the
    auditor: one leaving 0.35 of the light was read as ink): the estimate follows it. One leaving
    under a third is as dark as the ink and is read as ink (docs/paper-photos.md)."""
    model = load_model(ROOT / "weights")
    y, x = np.mgrid[0:480, 0:640]
    ink = np.zeros((480, 640), np.uint8)
    cv2.putText(ink, "7", (250, 330), cv2.FONT_HERSHEY_SIMPLEX, 6, 255, 8, cv2.LINE_AA)
    for radius, left in ((60, 0.45), (140, 0.45), (60, 0.35), (140, 0.35)):  # 0.35: deeper than INK_DEPTH
        shade = np.where(np.hypot(x - 320, (y - 240) * 1.2) < radius, left, 1.0)
        light = cv2.GaussianBlur((170 + 80 * x / 640) * shade, (0, 0), 6)
        canvas = canvas_from_image(np.clip(light * (1 - 0.75 * ink / 255), 0, 255).astype(np.uint8))
        x0, y0, w, h = cv2.boundingRect(canvas)
        ink_box = cv2.boundingRect(ink)
        assert abs(w - ink_box[2]) < 12 and abs(h - ink_box[3]) < 12, (radius, left, (x0, y0, w, h), ink_box)
        assert model.predict(prepare(canvas))[0] == 7, (radius, left)
