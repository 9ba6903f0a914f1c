"""Turn a drawing into what an MNIST digit looks like.

MNIST's digits were made like this (LeCun et al.): the ink's bounding box was
scaled so that its longer side is 20 pixels, keeping the aspect ratio, and the
result was placed in a 28x28 field with its centre of mass at the centre.
A network trained on MNIST expects exactly that, so the pad's canvas gets the
same treatment; skipping the centring is what makes a digit drawn off-centre fail.
"""
from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage

FIELD = 28  # output side, pixels
BOX = 20  # the longer side of the digit after scaling
CENTRE = 14.0  # where MNIST digits' centre of mass sits (mean over the test set: 14.0, 14.0)
MIN_CONTRAST = 24  # of 255: the faintest ink canvas_from_image takes for a digit (over 3x3 pixels)
PAPER_SIDE = 96  # pixels: the picture's longer side while the paper's brightness is estimated
PAPER_KERNEL = 9  # pixels at that size: strokes thinner than this are closed over (bolder: basins, below)
PAPER_MEDIAN = 5  # pixels at that size: the paper's estimate is smoothed over this many
PAPER_DETAIL = 4  # the paper is estimated at PAPER_SIDE and this many times finer too (its edges)
PAPER_FLOOR = 0.5  # ink is measured against paper no darker than this share of the sheet's
# A basin in the paper's estimate deeper than BASIN_DEPTH (of 255) is bold ink, not a shadow, where
# JUNCTION_RIM of its rim is ink (darker than the estimate by INK_SHARE of it): bold strokes meeting;
# or where its floor is darker than its rim by INK_DEPTH of it, as a shadow seldom is, and lies within
# INK_FLOOR of the way from the picture's darkest ink (its thinner strokes', where the closing filled
# MIN_STROKES pixels or more) to its rim: a bold stroke.
BASIN_DEPTH, JUNCTION_RIM, INK_SHARE, INK_DEPTH, INK_FLOOR, MIN_STROKES = 8, 0.4, 0.25, 0.6, 0.2, 20
# Basins are found in at most this many steps per pixel of the estimate's height and width (1,344 at
# 384x288, ~60 ms); photos take up to 0.73, serpentines made to cost 2.2-2.7 and keep no basin.
PASS_STEPS = 2
# A thin line across this much of the picture is ruling, not ink; on evenly lit paper no table
# shows, the sheet is the whole picture, and a tightly cropped 1 can be long, so more is asked.
LINE_SPAN, LINE_SPAN_EVEN = 0.6, 0.9
# ... unless they are a cropped digit's own strokes (_ruling_only): as dark as OWN_INK of the darkest
# ink, as wide as OWN_WIDTH of its wider strokes, not running past the rest of the ink by PAST of the
# picture at both ends (ruling runs on past the digit), and joined by it within END of their length
# from an end (a 7's bar where its stem begins) or crossed by it, or upright and joined anywhere or alone (a 1).
OWN_INK, OWN_WIDTH, PAST, END = 0.5, 0.5, 0.05, 0.15
MAX_OWN_LINES = 32  # ... along one direction at most (a number of 15 digits), or all are ruling
UNEVEN = 40  # of 255: paper whose edges differ by more than this is divided out, not subtracted
PAPER_SHARE, PAPER_FILL = 0.25, 0.6  # a light region this big and this solid is a sheet on a table
SHEET_FILL = 0.8  # light ink filling this much of its turned rectangle is a sheet (0.77-0.98), no bold digit
FRAME = 0.6  # ... nor is light ink over this share of the picture's edges (paper round a cut-out, the table)
MIN_SHEET = 16  # pixels, shrunk: a picture thinner than this is no photo of a sheet (no table, no ruling)
MIN_BOX = 16  # pixels: a box smaller than this a side holds no digit
BOX_BAND = 0.1  # a box drawn round a digit lies within this share of its shorter side of its outline
BOX_LINE = 0.06  # ... drawn with a line no wider than this share of its longer side (a scan's 0 is a thick ring)
BOX_SIDES = 0.85  # ... along this much of each of its four sides
BOX_HELD = 0.25  # ... and holds ink this much of its inside's height or width: a digit, not a dot
ZERO_WIDTH = 0.7  # ... and, narrower than this share of its height, more than a 0's slash, bar or dot
SPECK_SHARE = 0.08  # ink pieces smaller than this fraction of the largest are noise, not strokes
FAINT = 0.4  # ... as are pieces whose darkest point is fainter than this fraction of the darkest ink
TILTS = np.arange(-10.0, 10.5, 0.5)  # degrees: how far ruled paper may be turned in a photo
LINE_PEAK = 7  # rows, at 4 x PAPER_SIDE: wider than a ruled line, narrower than the gap between two
TILT_GAIN = 1.5  # turned level, ruling sharpens the profile of rows this much; a digit alone does not
MAX_CANVAS_PIXELS = 50_000_000  # the same budget as image files (digitpad.preprocessing.images)


@dataclass(frozen=True)
class InkInfo:
    """What prepare saw, for the pad's diagnostics panel."""
    bbox: tuple  # (x, y, width, height) of the ink on the canvas
    com_offset: tuple  # centre of mass minus the ink box's centre, (dx, dy) in 28x28 pixels
    density: float  # mean ink value of the 28x28 input, 0..1


def prepare(canvas):
    """The (28, 28) float32 network input in [0, 1] for a uint8 canvas (white ink on black),
    or None when the canvas has no ink."""
    return prepare_with_info(canvas)[0]


def prepare_with_info(canvas):
    """Like ``prepare``, but returns ``(image, InkInfo)``; ``(None, None)`` when there is no ink."""
    canvas = _check_canvas(canvas)
    x, y, w, h = cv2.boundingRect(canvas)  # of the non-zero pixels, in optimised C
    if w == 0 or h == 0:
        return None, None
    crop, longest = canvas[y:y + h, x:x + w], max(w, h)
    k, factor = longest // (2 * BOX), 1
    if k >= 2 and (h + k) * (w + k) <= 4 * h * w:
        # A big drawing is first shrunk by a whole factor k, which OpenCV's area averaging
        # does several times faster than an arbitrary ratio; the crop is padded with
        # background to a multiple of k so no ink is lost. A very thin crop (a 1x300000 line)
        # would grow with the square of its length that way, so it is resized directly.
        crop = cv2.copyMakeBorder(crop, 0, -h % k, 0, -w % k, cv2.BORDER_CONSTANT, value=0)
        crop = cv2.resize(crop, (crop.shape[1] // k, crop.shape[0] // k), interpolation=cv2.INTER_AREA)
        factor = k
    scale = BOX * factor / longest  # maps the ink's longer side to exactly BOX pixels
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    # Area averaging when shrinking keeps thin strokes as faint lines instead of dropping them.
    # Resizing the uint8 crop and converting only the small result is much faster than
    # converting the crop first, and MNIST itself is 8-bit.
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    digit = cv2.resize(crop, size, interpolation=interpolation).astype(np.float32) * np.float32(1 / 255)
    # Moments by hand: cv2.moments would read an N x 2 image (a thin "1") as a list of points.
    mass = float(digit.sum())
    if mass <= 1e-6:  # ink too faint to survive scaling: treat as empty
        return None, None
    cx = float(digit.sum(axis=0) @ np.arange(digit.shape[1])) / mass
    cy = float(digit.sum(axis=1) @ np.arange(digit.shape[0])) / mass
    # Pixel centres sit at integer coordinates here, as in the MNIST statistics above.
    dx, dy = CENTRE - cx, CENTRE - cy
    shift = np.float32([[1, 0, dx], [0, 1, dy]])
    image = cv2.warpAffine(digit, shift, (FIELD, FIELD), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    # MNIST ink always reaches full intensity; a thin brush, area-averaged down, would not.
    image *= 1.0 / max(float(image.max()), 1e-6)
    np.clip(image, 0.0, 1.0, out=image)
    info = InkInfo(bbox=(x, y, w, h),
                   com_offset=(round(cx - (w * BOX / longest - 1) / 2, 2),
                               round(cy - (h * BOX / longest - 1) / 2, 2)),
                   density=float(image.mean()))
    return image, info


def canvas_from_image(gray):
    """A pad-like canvas (white ink on black, background 0) from any grey uint8 image.

    Photos and scans are usually dark ink on light paper (the picture's median, or its edges', over 127;
    or, in dim light, what stands out of it is darker than it). Evenly
    lit paper has its level subtracted. Paper that is not (a shadow falls across an edge, the
    light fades, the table shows around the sheet) has its own brightness estimated everywhere
    (the picture shrunk, its ink closed over, grown back) and divided out, so what is darker than
    the paper around it is ink. Thin lines across the sheet (ruled or squared paper) are not ink
    either. A light-on-dark image (a pad's canvas, MNIST) only has its background level subtracted. Faint
    remains are dropped, so the ink's box is the digit's; ink that stands out by less than
    MIN_CONTRAST (of 255) is no ink at all, and the canvas comes back blank.
    """
    gray = _check_canvas(gray)
    light = _light(gray)
    on_table = not light and _sheet_on_table(gray)
    if light or on_table or _dark_ink(gray):
        ink = _ink_on_paper(gray, on_table=on_table)
    else:
        ink = cv2.subtract(gray, np.full_like(gray, int(np.median(_border(gray)))))
    return _cleaned(ink)


def may_be_light_ink(gray):
    """True when ``canvas_from_image`` takes a grey uint8 picture for dark ink on paper though its
    middle and its edges disagree: mostly light with dark edges (a sheet on a table), or mostly dark
    with light edges (a scan cropped close to thick ink) or a large, solid light region (a sheet on a
    table). A bold light digit cut out close (chalk on a board, a thick brush on a pad's canvas)
    looks so too."""
    gray = _check_canvas(gray)
    light, light_edges = _light_middle_and_edges(gray)
    return light != light_edges or (not light and _sheet_on_table(gray))


def light_ink_canvas(gray):
    """A pad-like canvas from a grey uint8 picture taken for light ink on an even dark ground, the
    darker of the picture's median and its edges' median. Light that fills SHEET_FILL of the turned
    rectangle round it, or covers FRAME of the picture's edges, is a sheet of paper, or the paper
    round a cut-out, not ink: the canvas is blank. A bold light digit cut out close is such a
    picture, and ``canvas_from_image`` may take it for paper (``may_be_light_ink``)."""
    gray = _check_canvas(gray)
    ground = min(np.median(gray), np.median(_border(gray)))
    ink = _cleaned(cv2.subtract(gray, np.full_like(gray, int(ground))))
    if ink.any():
        _, (w, h), _ = cv2.minAreaRect(cv2.findNonZero(ink))
        if np.count_nonzero(ink) >= SHEET_FILL * w * h or np.mean(_border(ink) > 0) >= FRAME:
            ink[...] = 0
    return ink


def _cleaned(ink):
    """``ink`` with its faint remains dropped, so the ink's box is the digit's, and its specks; all
    of it dropped when it stands out by less than MIN_CONTRAST."""
    peak = int(cv2.blur(ink, (3, 3)).max())  # over 3x3 pixels: a stroke, not one noisy pixel
    if peak < MIN_CONTRAST:  # sensor noise or a smudge on blank paper, not a digit
        ink[...] = 0
        return ink
    ink[ink < max(1, peak // 5)] = 0  # paper texture and JPEG noise, not ink
    return _without_specks(_without_boxes(ink))


def _without_boxes(ink):
    """``ink`` without the boxes drawn round a digit (a form's boxes), however turned: pieces of the
    ink (over a fifth of its peak) drawn with a thin line (at most BOX_LINE of their longer side)
    that lie along the outline of the smallest rectangle round them, within BOX_BAND of its shorter
    side or twice their line's width, along BOX_SIDES of each of its four sides, with ink inside them
    that is not a speck (BOX_HELD of the inside's height or width) and, for a box narrower than
    ZERO_WIDTH of its height, more than one straight stroke or a mark. An oval's sides bend away from
    its box's corners, a 0 stretched across a scan's box is a thick ring round its dot, a square 0
    holds its slash, bar or dot, and a box touching the digit is one piece with it: all are kept.
    What a box holds is judged from the boxes round the pieces inside it, so boxes within boxes cost
    what their own pixels do."""
    n, labels, stats = _pieces(ink >= max(1, int(cv2.blur(ink, (3, 3)).max()) // 5))
    if n <= 2:
        return ink
    # A box runs along most of each side of its rectangle, turned or not: it has at least BOX_SIDES of
    # twice the sides of its bounding box over the square root of two in pixels (a diagonal line has not).
    sizes = stats[:, 2:4]
    long_enough = stats[:, 4] >= BOX_SIDES * np.sqrt(2) * sizes.sum(axis=1)
    candidates = np.flatnonzero((sizes.min(axis=1) >= MIN_BOX) & long_enough)
    candidates = candidates[candidates > 0]
    if not len(candidates):
        return ink
    ys, xs = np.nonzero(labels)  # every piece's pixels, sorted by piece once
    order = np.argsort(labels[ys, xs], kind="stable")
    ys, xs, ends = ys[order], xs[order], np.cumsum(stats[:, 4]) - stats[0, 4]

    def pixels(piece):
        return ys[ends[piece - 1]:ends[piece]], xs[ends[piece - 1]:ends[piece]]

    boxes = [piece for piece in candidates if _a_box_round_ink(piece, stats, pixels)]
    if boxes:  # with the faint fringe round their lines
        ink[cv2.dilate(np.isin(labels, boxes).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0] = 0
    return ink


def _a_box_round_ink(piece, stats, pixels):
    """Whether ``piece`` is a box round other ink, as ``_without_boxes`` says; measured across and
    along the smallest rectangle round it. ``stats`` are the pieces' boxes and areas
    (cv2.connectedComponentsWithStats), ``pixels(piece)`` a piece's rows and columns."""
    ys, xs = pixels(piece)
    corners = cv2.boxPoints(cv2.minAreaRect(np.stack([xs, ys], axis=1).astype(np.float32)))
    origin, sides = corners[0], (corners[1] - corners[0], corners[3] - corners[0])
    w, h = (max(float(np.hypot(*side)), 1.0) for side in sides)

    def in_frame(ys, xs):  # places along the rectangle's two sides from its first corner
        return [((xs - origin[0]) * side[0] + (ys - origin[1]) * side[1]) / length
                for side, length in zip(sides, (w, h))]

    u, v = in_frame(ys, xs)
    line = len(xs) / (2 * (w + h))  # its area over its length (more, for a row of boxes)
    b = max(2.0, np.ceil(max(BOX_BAND * min(w, h), 2 * line)))
    if line > BOX_LINE * max(w, h) or min(w, h) <= 2 * b + 2:
        return False  # a thick ring, or no inside
    # Made of straight lines along the rectangle, its four sides among them: one box, or a row or
    # grid of boxes sharing their sides (a form's field for a number).
    full_levels, full_uprights = _lines(v, u, h, w), _lines(u, v, w, h)
    band = np.ones(2 * int(b) + 1)
    levels, uprights = (np.convolve(full, band, mode="same") > 0 for full in (full_levels, full_uprights))
    ends = (levels[0], levels[-1], uprights[0], uprights[-1])
    if not all(ends) or not np.all(levels[np.clip(v, 0, h).astype(int)] | uprights[np.clip(u, 0, w).astype(int)]):
        return False  # a side missing, or ink of its own off its lines
    # The pieces inside: within its bounding box, their middles inside it; measured by their own boxes.
    x, y, bw, bh = stats[piece, :4]
    ox, oy, ow, oh = stats[1:, :4].T
    within = np.flatnonzero((ox >= x) & (oy >= y) & (ox + ow <= x + bw) & (oy + oh <= y + bh)) + 1
    within = within[within != piece]
    cu, cv = in_frame(stats[within, 1] + (stats[within, 3] - 1) / 2, stats[within, 0] + (stats[within, 2] - 1) / 2)
    held = within[(cu > b) & (cu < w - b) & (cv > b) & (cv < h - b)]
    if not len(held):
        return False
    hx, hy, hw, hh = stats[held, :4].T
    hu, hv = in_frame(np.concatenate([hy, hy, hy + hh - 1, hy + hh - 1]), np.concatenate([hx, hx + hw - 1] * 2))
    if max((np.ptp(hu) + 1) / (w - 2 * b), (np.ptp(hv) + 1) / (h - 2 * b)) < BOX_HELD:
        return False  # nothing inside but a speck
    # A 0 written square, narrower than tall, round its own slash, bar or dot: one piece inside, a
    # straight stroke or a mark much smaller than the inside. (A form's box is as wide as a digit's
    # height, or nearly.)
    level = abs(sides[0][0]) >= abs(sides[0][1])  # the rectangle's first side runs across
    across, upright = (w, h) if level else (h, w)
    single = not (full_levels[int(2 * b):int(h - 2 * b)].any() or full_uprights[int(2 * b):int(w - 2 * b)].any())
    if single and across < ZERO_WIDTH * upright and len(held) == 1:
        _, (a, c), _ = cv2.minAreaRect(np.stack(pixels(held[0])[::-1], axis=1).astype(np.float32))
        if max(a, c) >= 3 * max(min(a, c), 1.0) or max(a, c) <= 0.4 * (min(w, h) - 2 * b):
            return False
    return True


def _lines(across, along, width, length):
    """For each whole place across a rectangle (0 to ``width``), whether the ink there is a straight
    line along BOX_SIDES of its ``length``; ``across`` and ``along`` are the ink's places."""
    places = np.clip(across, 0, width).astype(int)
    spots = np.unique(places * (int(length) + 1) + np.clip(along, 0, length).astype(int))  # each place's spots, once
    return np.bincount(spots // (int(length) + 1), minlength=int(width) + 1) >= BOX_SIDES * length


def _light(gray):
    """True when most of the picture is light, or its edges are (thick ink fills most of a tightly
    cropped scan): paper."""
    return any(_light_middle_and_edges(gray))


def _light_middle_and_edges(gray):
    """Whether the picture's median, and its edges' median, are light (over 127)."""
    return np.median(gray) > 127, np.median(_border(gray)) > 127


def _without_specks(ink):
    """``ink`` without the pieces far smaller than its largest (sensor noise, dust) or far fainter
    than its darkest (what is left of a rule in a shadow): one pen writes a digit."""
    n, labels, stats = _pieces(ink > 0)
    if n <= 2:
        return ink
    areas = stats[1:, cv2.CC_STAT_AREA]
    peaks = np.asarray(ndimage.maximum(ink, labels, np.arange(1, n)))
    specks = np.flatnonzero((areas < SPECK_SHARE * areas.max()) | (peaks < FAINT * peaks.max())) + 1
    if len(specks):
        ink[np.isin(labels, specks)] = 0
    return ink


def _pieces(mask):
    """``(n, labels, stats)`` of cv2.connectedComponentsWithStats for a bool ``mask`` (8-connected),
    the boxes in ``stats`` (x, y, width, height, area) as the mask lies. OpenCV's labelling costs
    memory per row: a tall mask is labelled lying on its side."""
    tall = mask.shape[0] > mask.shape[1]
    n, labels, stats, _ = cv2.connectedComponentsWithStats(np.ascontiguousarray(mask.T if tall else mask,
                                                                                dtype=np.uint8), connectivity=8)
    return (n, labels.T, stats[:, [1, 0, 3, 2, 4]]) if tall else (n, labels, stats)


def _shrunk_size(shape, side=PAPER_SIDE):
    """(width, height) of a picture of ``shape`` shrunk so its longer side is at most ``side``."""
    h, w = shape
    f = min(1.0, side / max(h, w))
    return max(1, round(w * f)), max(1, round(h * f))


def _shrunk(image, side=PAPER_SIDE):
    """``image`` shrunk (area averaging) so its longer side is at most ``side``."""
    return cv2.resize(image, _shrunk_size(image.shape, side), interpolation=cv2.INTER_AREA)


def _strip(shape):
    """True for a picture too thin, once shrunk, to be a photo of a sheet (no table, no ruling)."""
    return min(_shrunk_size(shape)) < MIN_SHEET


def _sheet_on_table(gray):
    """True when a large, solid light region fills much of the picture: a sheet of paper with a
    darker table around it taking up half of the picture or more (strokes are never that solid)."""
    if _strip(gray.shape):
        return False
    small = _shrunk(gray)
    _, light = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # Closed over the strokes written on it, the sheet is one solid region (a big 0 would cut it in two).
    light = cv2.morphologyEx(light, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(light, connectivity=4)
    if n < 2 or np.mean(_border(light) > 0) > 0.5:  # the table shows around the sheet
        return False
    x, y, w, h, area = stats[1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))]
    return area >= PAPER_SHARE * small.size and area >= PAPER_FILL * w * h


def _dark_ink(gray):
    """True when what stands out of the picture's background (its median) is darker than it, not
    lighter: ink on paper photographed in dim light, however dark the paper; a pad's canvas or
    MNIST has light ink on black. The extremes are its 0.5th and 99.5th percentiles."""
    darkest, middle, lightest = np.percentile(gray, [0.5, 50, 99.5])
    return middle - darkest > max(MIN_CONTRAST, 2 * (lightest - middle))


def _ruling_tilt(ink):
    """The angle, in degrees, that turns ruled lines in ``ink`` level: the turn of TILTS under which
    the rows (or columns) of the shrunk ink add up to the sharpest profile; 0 when none beats level."""
    small = _shrunk(ink, 4 * PAPER_SIDE).astype(np.float32)
    centre = (small.shape[1] / 2, small.shape[0] / 2)

    def sharpness(angle):
        turned = cv2.warpAffine(small, cv2.getRotationMatrix2D(centre, angle, 1.0), small.shape[::-1])
        return max(_thin_peaks(turned.sum(axis=1)), _thin_peaks(turned.sum(axis=0)))

    scores = [sharpness(a) for a in TILTS]
    best = int(np.argmax(scores))
    return float(TILTS[best]) if scores[best] > TILT_GAIN * scores[int(np.argmin(np.abs(TILTS)))] else 0.0


def _thin_peaks(profile):
    """How sharply a profile of ink sums jumps from one row to the next: the variance left once its
    running mean over LINE_PEAK rows is taken off, so thin lines count and broad regions (a shadow
    along the edge, the table, a digit's body) hardly do."""
    return float(np.var(profile - np.convolve(profile, np.ones(LINE_PEAK) / LINE_PEAK, mode="same")))


def _ink_on_paper(gray, on_table=False):
    """How much darker than the paper each pixel is (0-255), ruled lines taken out. Where the
    paper is evenly lit (its edges alike, and the picture as a whole no lighter than they are), its
    level is subtracted, however thick the strokes; where it is not (a shadow, fading light, the
    table around it), its brightness is estimated everywhere and divided out."""
    h, w = gray.shape
    border = _border(gray).astype(np.int64)
    low, high = np.percentile(border, [10, 90])
    # The picture as a whole darker than its even edges is bold ink cut out close, not a shadow or a
    # table inside them (those reach the edges); estimated, the paper would follow the bold strokes.
    even = not on_table and high - low < UNEVEN and np.median(gray) - np.median(border) < UNEVEN
    if even:
        ink = cv2.subtract(np.full_like(gray, int(np.median(border))), gray)
    else:
        # The paper's brightness: estimated coarsely, it is smooth over a table's grain; finely, it
        # keeps the sheet's edge sharp, where the coarse one lights the table beside it as paper.
        # The darker of the two is taken.
        coarse = _paper_at(gray, 1)
        paper = cv2.min(*(cv2.resize(estimate, (w, h), interpolation=cv2.INTER_LINEAR)
                          for estimate in (coarse, _paper_at(gray, PAPER_DETAIL)))).astype(np.float32)
        # Ink is how much darker than its paper a pixel is, as a share of the paper, but never of
        # paper darker than PAPER_FLOOR of the sheet (its lightest tenth): in a deep shadow or on a
        # dark table, the sensor's noise and the table's grain would be read as ink.
        floor = max(1.0, PAPER_FLOOR * float(np.percentile(coarse, 90)))
        ink = np.clip(255 * (paper - gray) / np.maximum(paper, floor), 0, 255).astype(np.uint8)
    ink = _without_boxes(ink)  # before the ruling: a box's sides reaching the picture's edges are no margin
    # Ruling crosses the whole sheet: the whole picture, or most of it when the table shows. A photo
    # may be turned: the lines are found on the ink turned level, and turned back.
    if _strip(gray.shape):
        return ink
    span = LINE_SPAN_EVEN if even else LINE_SPAN
    tilt = _ruling_tilt(ink)
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), tilt, 1.0)
    level = cv2.warpAffine(ink, turn, (w, h)) if tilt else ink
    # A line's faintest stretch is what is taken off all of it (a digit crossing it keeps its ink);
    # where a line is found at all, what is left of it but faint ink goes too (a line in a shadow
    # is darker than its faintest stretch).
    # An odd length: OpenCV opens with an even one shifted by a pixel, past the line's end.
    rows, columns = (cv2.morphologyEx(level, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, size))
                     for size in ((int(span * w) // 2 * 2 + 1, 1), (1, int(span * h) // 2 * 2 + 1)))
    dark_rows, dark_columns = _dark_lines(rows, level), _dark_lines(columns, level)
    counts = dark_rows[0], dark_columns[0]
    # Four lines or more both ways are a grid or a box; more than MAX_OWN_LINES are no digits' either.
    # A picture cropped to a digit shows no table.
    if not on_table and 0 < sum(counts) <= (3 if min(counts) else MAX_OWN_LINES):
        # Each direction judged with the other's ruling left out of the digit: the rows first with
        # all the columns' lines left out (a table's four edges are no digit), the columns then, and
        # the rows again beside the columns' ruling alone (a 4's crossbar and stem each span it).
        inked = level > int(level.max()) // 5
        strokes = (*_ridges(inked), *cv2.connectedComponentsWithStats(inked.astype(np.uint8), connectivity=8)[1:3])
        # Where the picture ends, turned as the ink was (padded: beyond its sides is its end too).
        edge = cv2.warpAffine(np.full_like(gray, 255), turn, (w, h)) < 255 if tilt else np.zeros((h, w), bool)
        edge = np.pad(edge, 1, constant_values=True)
        kept_rows = _ruling_only(level, strokes, edge, rows, dark_rows, columns, counts[1], 0)
        columns = _ruling_only(level, strokes, edge, columns, dark_columns, kept_rows, counts[0], 1)
        rows = _ruling_only(level, strokes, edge, rows, dark_rows, columns, counts[1], 0)
    lines = cv2.max(rows, columns)
    if tilt:
        lines = cv2.warpAffine(lines, cv2.invertAffineTransform(turn), (w, h))
    lines = cv2.dilate(lines, np.ones((3, 3), np.uint8))
    left, strongest = cv2.subtract(ink, lines), int(ink.max())
    taken = lines > strongest // 5
    left[taken & (left < strongest // 2)] = 0
    return _bridged(left, taken, rows.any(), columns.any())


def _bridged(ink, taken, across_rows, across_columns):
    """``ink`` with the strokes that cross a rule joined again where the rule was taken off
    (``taken``): there, ink on both sides of it, above and below a level rule (``across_rows``) or
    left and right of an upright one (``across_columns``), is closed over the rule's width, so a
    digit written across dark ruling is not cut into pieces at each rule."""
    if not taken.any():
        return ink
    # Padded: beyond the picture nothing was taken (a picture that is all rules has no pixel that was not).
    depth = cv2.distanceTransform(np.pad(taken.astype(np.uint8), 1), cv2.DIST_L2, 3)
    width = 2 * int(np.ceil(depth.max())) + 3
    closed = np.zeros_like(ink)
    for needed, size in ((across_rows, (width, 1)), (across_columns, (1, width))):
        if needed:
            closed = cv2.max(closed, cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones(size, np.uint8)))
    ink[taken] = closed[taken]
    return ink


def _paper_at(gray, detail):
    """The paper's brightness in ``gray``, estimated on it shrunk to ``detail`` x PAPER_SIDE: closed
    (a max then a min filter) over strokes thinner than PAPER_KERNEL at PAPER_SIDE, which are filled
    with the paper beside them, then smoothed, and the basins bolder ink leaves filled too
    (``_ink_basins_filled``); larger dark regions (a shadow, the table) stay."""
    small = _shrunk(gray, detail * PAPER_SIDE)
    size = detail * PAPER_KERNEL // 2 * 2 + 1
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    paper = cv2.medianBlur(closed, detail * PAPER_MEDIAN // 2 * 2 + 1)
    return _ink_basins_filled(paper, small)


def _ink_basins_filled(paper, gray):
    """``paper`` (estimated from ``gray``) with the dark basins that bold ink leaves in it filled to
    their rim (the lowest pass out of them). Strokes wider than the closing fills, or meeting in
    blobs wider than it, stay in the estimate: left as paper there, they would be holes in the ink
    once divided out. A basin is ink where JUNCTION_RIM of its rim is ink (strokes the closing did
    fill meet there), or where it is INK_DEPTH darker than its rim and as dark as the picture's own
    thinner strokes (INK_FLOOR): a whole bold stroke. A shadow inside the picture is lighter than
    that, or lighter or darker than the strokes on it; a shadow or a table reaching the picture's
    edges is no basin at all."""
    raised = _lowest_pass(paper)
    basins = (cv2.subtract(raised, paper) > BASIN_DEPTH).astype(np.uint8)
    n, labels = cv2.connectedComponents(basins, connectivity=8)
    if n < 2:
        return paper
    kernel = np.ones((3, 3), np.uint8)
    closed_over = (paper.astype(np.float32) - gray) > INK_SHARE * paper  # the strokes the closing filled
    # Each pixel just outside a basin counted for the basin beside it, as ink or not.
    ring = (cv2.dilate(basins, kernel) > 0) & (basins == 0)
    beside = cv2.dilate(labels.astype(np.float32), kernel)[ring].astype(np.int64)
    share = np.bincount(beside, closed_over[ring], n) / np.maximum(1, np.bincount(beside, minlength=n))
    # Where the closing filled too few strokes (all are bold), the darkest of the picture is its ink.
    strokes = gray[closed_over] if np.count_nonzero(closed_over) >= MIN_STROKES else gray
    darkest = float(np.percentile(strokes, 1))
    index = np.arange(n)
    deepest = ndimage.maximum(1 - paper.astype(np.float32) / np.maximum(raised, 1), labels, index)
    floor, level = ndimage.minimum(paper, labels, index), ndimage.minimum(raised, labels, index)
    bold = (deepest >= INK_DEPTH) & (np.abs(floor - darkest) <= INK_FLOOR * (level - darkest))
    return np.where(((share >= JUNCTION_RIM) | bold)[labels] & (basins > 0), raised, paper)


def _lowest_pass(image):
    """Each pixel of ``image`` raised to the lowest level at which it connects to the picture's edges
    (grey reconstruction by erosion from the edges): a dark basin comes up to its rim, the rest
    stays as it is. A step per pixel of the longest way out; where that is longer than PASS_STEPS
    times the picture's height and width (a maze made to cost), ``image`` as it is: no basin."""
    raised = np.full_like(image, 255)
    for edge in (np.s_[0, :], np.s_[-1, :], np.s_[:, 0], np.s_[:, -1]):
        raised[edge] = image[edge]
    kernel = np.ones((3, 3), np.uint8)
    for _ in range(PASS_STEPS * sum(image.shape)):
        grown = cv2.max(cv2.erode(raised, kernel), image)
        if np.array_equal(grown, raised):
            return raised
        raised = grown
    return image


def _ruling_only(level, strokes, edge, found, dark, ruling, n_others, axis):
    """The long lines ``found`` along one direction of ``level`` (the ink turned level; ``axis`` 0:
    along rows, 1: along columns) less those that are a digit's own strokes (a 7's bar, a 2's base, a
    4's crossbar, the 1s of a number). ``strokes`` is what _ink_on_paper found of the ink: each pixel's
    depth, the ridges (_ridges), the pieces of ink and their boxes and areas; ``dark`` the dark lines
    among ``found`` (_dark_lines); ``ruling`` the lines taken for ruling along the other direction,
    where ``n_others`` dark lines were found (the caller judges no grid). Ruling is paler or thinner
    than ink, runs on past the digit at both ends, or only lies beside it (an underline, a box's
    side); a digit's own long strokes are as dark as OWN_INK of the darkest ink, as wide as OWN_WIDTH
    of its wider strokes, end where the rest of the ink does at one end at least (within PAST of the
    picture), or, upright, stop short of its edges (``edge``: where the picture ends, turned as
    ``level``, padded by one) at both, and the rest of the digit joins them at an end (within END of
    their length) or crosses them, or, upright, joins them anywhere (a 4's stem) or leaves them alone
    (a 1)."""
    count, pieces, boxes = dark
    if count == 0:
        return found
    rest = cv2.subtract(level, cv2.dilate(cv2.max(found, ruling), np.ones((3, 3), np.uint8)))
    # The rest of the digit: what is left of the ink but specks (SPECK_SHARE of its largest piece).
    n, labels, stats, _ = cv2.connectedComponentsWithStats((rest >= max(1, int(level.max()) // 5)).astype(np.uint8))
    areas = stats[1:, cv2.CC_STAT_AREA]
    big = np.flatnonzero(areas >= SPECK_SHARE * areas.max()) + 1 if n > 1 else []
    kept = found.copy()
    if not len(big):  # nothing but one or two upright strokes: 1s (ruled lines are level, a fence has more)
        if axis == 1 and n_others == 0 and count <= 2:
            kept[pieces > 0] = 0
        return kept
    # Along the lines: x (a box's column 0, its width column 2) for rows, y (columns 1 and 3) for columns.
    first, last = stats[big, axis].min(), (stats[big, axis] + stats[big, axis + 2]).max() - 1
    past = PAST * level.shape[1 - axis]
    depth, ridge, ink_pieces, ink_boxes = strokes
    digit = np.isin(labels, big)
    width = _width(depth, ridge & digit, 90)  # its wider strokes: a sheet's thin edge does not count
    g = int(width // 2) + 1  # a line lies within half a stroke of the stroke's ridge
    for piece in range(1, count + 1):
        low, high = boxes[piece, axis], boxes[piece, axis] + boxes[piece, axis + 2] - 1
        x, y, w, h = boxes[piece]
        near = np.s_[max(0, y - g - 3):y + h + g + 3, max(0, x - g - 3):x + w + g + 3]
        line = (pieces[near] == piece).astype(np.uint8)
        # Ruling runs on past the rest at both ends; an upright rule (a margin) across the sheet, to
        # the picture's edges: a tall 1 cut out with a pixel of paper stops short of them. Level
        # rules may stop short (a page's printed margins), and cross the digit.
        if low < first - past and high > last + past and (axis == 0 or _edge_to_edge(line, edge, near)):
            continue
        band = cv2.dilate(line, np.ones((2 * g + 1,) * 2, np.uint8)) > 0  # the line's own stroke lies in here
        # ... but not the thin rules beside it or across it (a 7's bar cut out close above a rule was
        # measured as thin as the rules)
        around = cv2.dilate(line, np.ones((5, 5), np.uint8)) > 0  # the line and 2 px about it
        others = ((found[near] > 0) & ~around) | (ruling[near] > 0)
        others = cv2.dilate(others.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        if _width(depth[near], ridge[near] & band & ~others, 50) < OWN_WIDTH * width:
            continue
        # The rest of the digit where it leaves that stroke: beside it, and joined to it.
        ring = digit[near] & ~band & (cv2.dilate(band.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0)
        joined = np.unique(ink_pieces[near][line > 0])  # the pieces of ink the line is part of
        ys, xs = np.nonzero(ring & np.isin(ink_pieces[near], joined))
        if axis == 1:  # upright: joined anywhere (a 4's stem), or alone with little joined to it (a 1's
            # flag or foot; a box's side is joined to two more sides)
            inside = int((np.isin(ink_pieces[near], joined) & band).sum())
            own = len(ys) or (not ring.any() and ink_boxes[joined, cv2.CC_STAT_AREA].sum() - inside <= inside / 2)
        else:  # level: joined within END of an end (a 7's stem, a 2's diagonal), or crossed (a 4's stem)
            pos = xs + (near[1].start or 0)
            centre = np.nonzero(line)[0].mean()
            own = (np.any((pos <= low + END * (high - low)) | (pos >= high - END * (high - low)))
                   or (np.any(ys < centre) and np.any(ys > centre)))
        if own:
            kept[near][around] = 0
    return kept


def _edge_to_edge(line, edge, near):
    """Whether the upright ``line`` (the pixels of one long line in the slice ``near`` of the
    picture) touches the picture's ``edge`` (padded by one) at its top and at its bottom."""
    ys, xs = np.nonzero(line)
    ys, xs = ys + (near[0].start or 0) + 1, xs + (near[1].start or 0) + 1  # in the padded edge
    top, bottom = ys == ys.min(), ys == ys.max()
    return bool(edge[ys[top] - 1, xs[top]].any() and edge[ys[bottom] + 1, xs[bottom]].any())


def _ridges(mask):
    """``(depth, ridge)`` for a bool ``mask``: each pixel's distance to the background, and whether
    it is as deep as its neighbours (on a stroke's centre line, where the depth is half its width)."""
    depth = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 5)
    return depth, mask & (depth >= cv2.dilate(depth, np.ones((3, 3), np.uint8)))


def _width(depth, ridge, percentile):
    """The width of the strokes whose ``ridge`` pixels are given: twice their ``depth`` at that
    ``percentile``; 0 for none."""
    return 2.0 * float(np.percentile(depth[ridge], percentile)) if ridge.any() else 0.0


def _dark_lines(found, level):
    """``(count, pieces, boxes)``: the separate long lines in the opened ink ``found`` that are as
    dark as OWN_INK of the darkest ink in ``level``, labelled 1 to count in ``pieces`` (0: none),
    and their boxes (x, y, width, height; row 0 is the background's)."""
    dark = OWN_INK * int(level.max())
    count, pieces, stats, _ = cv2.connectedComponentsWithStats((found >= max(1, dark)).astype(np.uint8), connectivity=8)
    return count - 1, pieces, stats[:, :4]


def _border(gray):
    """The pixels along the picture's four edges."""
    return np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])


def _check_canvas(canvas):
    if not isinstance(canvas, np.ndarray) or isinstance(canvas, np.ma.MaskedArray):
        raise ValueError(f"canvas must be a plain NumPy array, got {type(canvas).__name__}")
    if canvas.ndim != 2:
        raise ValueError(f"canvas must be 2-D (one grey channel), got shape {canvas.shape}")
    if canvas.dtype != np.uint8:
        raise ValueError(f"canvas must be uint8 (0 = background, 255 = ink), got dtype {canvas.dtype}")
    if canvas.size == 0:
        raise ValueError(f"canvas is empty, shape {canvas.shape}")
    if canvas.size > MAX_CANVAS_PIXELS:
        raise ValueError(f"canvas of {canvas.shape[1]}x{canvas.shape[0]} pixels is over the "
                         f"{MAX_CANVAS_PIXELS:,}-pixel limit")
    return np.ascontiguousarray(canvas)


from .numbers import group_strokes, split_image  # noqa: E402, F401  (public; numbers builds on the above)
