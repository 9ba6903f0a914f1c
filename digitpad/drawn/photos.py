"""Pen digits as a phone photo or a scan of ink on paper would show them, one trouble at a time.

Each condition starts from the same clean picture (dark ink on white paper, 320x320) and adds
what paper and cameras add: a shadow band at an edge, uneven light, ruled or squared paper, blue
or red ink, low contrast, sensor noise, blur, JPEG artefacts, a tilt of up to 10 degrees, the
table showing around the paper. "all" adds them all together, with one ink (blue) at its normal
contrast: faint blue ink under squared paper's darker lines is more than a photo of a digit asks.
"cropped" is the clean picture cut down to the ink with 0-5 pixels of paper round it, as a user
cuts one digit out of a page: its long strokes (a 7's bar) then cross the whole picture, as ruling does.
"small" is a page photographed from further away: the digit 15-30 px tall, its pen 2-6 px wide, so
the pen may close its loops. "marker" is a felt-tip's strokes, an eighth to a quarter of the digit's
height. "chalk" is such strokes light on a dark board, cut out with a margin of up to a third of
the digit's height: one solid light region with dark all round it, as a sheet on a table is.
"marker-lit" is a felt-tip's digit under uneven light with a shadow band at an edge, as a desk lamp
and a phone give it: strokes bolder than the paper's estimate closes over, where the light varies.
"""
import cv2
import numpy as np

from digitpad.reading import picture_reading

from .render import place

SIDE = 320
CONDITIONS = ["clean", "shadow", "uneven-light", "ruled", "squared", "blue-ink", "red-ink", "low-contrast",
              "noise", "blur", "jpeg", "tilt", "table", "all", "cropped", "small", "marker", "chalk", "marker-lit"]
TROUBLES = [c for c in CONDITIONS[1:CONDITIONS.index("all")] if c not in ("red-ink", "low-contrast")]  # "all"
TOGETHER = {"all": TROUBLES, "marker-lit": ["marker", "uneven-light", "shadow"]}  # conditions of several troubles


def photo(strokes, condition, rng):
    """A BGR uint8 picture of a pen digit (tablet strokes, y up) on paper under ``condition``:
    SIDE x SIDE pixels, or less when cropped."""
    steps = TOGETHER.get(condition, [condition])
    ink_colour = np.array([40, 35, 30], np.float64)
    if "blue-ink" in steps:
        ink_colour = np.array([150, 60, 20], np.float64)
    if "red-ink" in steps:
        ink_colour = np.array([30, 30, 170], np.float64)
    if "low-contrast" in steps:
        ink_colour = 255 - (255 - ink_colour) * 0.3
    mask = np.zeros((SIDE, SIDE), np.uint8)
    width, height = int(rng.integers(5, 10)), rng.uniform(0.45, 0.6)
    if "small" in steps:
        width, height = int(rng.integers(2, 7)), rng.uniform(15, 30) / SIDE
    if "marker" in steps or "chalk" in steps:  # strokes an eighth to a quarter of the digit's height
        height = rng.uniform(0.2, 0.6)
        width = int(round(rng.uniform(0.12, 0.25) * height * SIDE))
    for points in place(strokes, SIDE, height, rng.uniform(0.45, 0.55, 2), margin=width):
        cv2.polylines(mask, [np.rint(points * 16).astype(np.int32)], False, 255, width, cv2.LINE_AA, 4)
    paper = np.full((SIDE, SIDE, 3), rng.uniform(225, 250), np.float64)
    if "chalk" in steps:  # light on a dark board
        paper, ink_colour = paper - rng.uniform(175, 225), np.full(3, rng.uniform(190, 250))
    paper += rng.normal(0, 2, (SIDE, SIDE, 1))  # the paper's own grain
    if "ruled" in steps or "squared" in steps:
        line = np.array([200, 170, 140], np.float64)
        step = int(rng.integers(24, 36))
        for y in range(int(rng.integers(0, step)), SIDE, step):
            paper[y:y + 2] = line
        if "squared" in steps:
            for x in range(int(rng.integers(0, step)), SIDE, step):
                paper[:, x:x + 2] = line
    alpha = (mask.astype(np.float64) / 255)[:, :, None]
    image = paper * (1 - alpha) + ink_colour * alpha
    yy, xx = np.mgrid[0:SIDE, 0:SIDE] / SIDE
    if "uneven-light" in steps:
        image *= (0.65 + 0.35 * (xx * rng.uniform(0.5, 1) + yy * rng.uniform(0, 0.5)))[:, :, None]
    if "shadow" in steps:
        edge = rng.uniform(0.12, 0.25)
        image *= np.where(xx < edge, rng.uniform(0.35, 0.55), 1.0)[:, :, None]
    if "tilt" in steps:
        turn = cv2.getRotationMatrix2D((SIDE / 2, SIDE / 2), rng.uniform(-10, 10), 1.0)
        image = cv2.warpAffine(image, turn, (SIDE, SIDE), borderMode=cv2.BORDER_REPLICATE)
    if "table" in steps:
        border = int(rng.integers(25, 45))
        table = np.array([60, 80, 110], np.float64) * rng.uniform(0.6, 1.1)
        image[:border], image[-border:], image[:, :border], image[:, -border:] = table, table, table, table
    if "blur" in steps:
        image = cv2.GaussianBlur(image, (0, 0), rng.uniform(1.0, 2.0))
    if "noise" in steps:
        image += rng.normal(0, 12, image.shape)
    image = np.clip(np.rint(image), 0, 255).astype(np.uint8)
    if "cropped" in steps or "chalk" in steps:
        x, y, w, h = cv2.boundingRect(mask)
        m = int(rng.integers(0, 6)) if "cropped" in steps else int(rng.uniform(0, 1 / 3) * h)
        image = image[max(0, y - m):y + h + m, max(0, x - m):x + w + m]
    if "jpeg" in steps:
        image = cv2.imdecode(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(20, 40))])[1],
                             cv2.IMREAD_COLOR)
    return image


def evaluate_photos(views, digits, conditions=CONDITIONS, seed=0):
    """Accuracy per photo condition, each digit read as predict.py reads a file
    (digitpad.reading.picture_reading; a photo that shows no ink counts as wrong)."""
    result = {}
    for condition in conditions:
        rng = np.random.default_rng([seed, CONDITIONS.index(condition)])
        right = 0
        for digit in digits:
            gray = cv2.cvtColor(photo(digit.strokes, condition, rng), cv2.COLOR_BGR2GRAY)
            try:
                right += int(picture_reading(views, gray)[0].argmax() == digit.label)
            except ValueError:  # no ink found
                pass
        result[condition] = float(right / len(digits))
    return result


def mosaic(digits, rng, tile=160):
    """One example of each condition, side by side in two rows, for looking at."""
    tiles = [_fitted(photo(digits[int(rng.integers(len(digits)))].strokes, c, rng), tile) for c in CONDITIONS]
    for image, name in zip(tiles, CONDITIONS):
        cv2.putText(image, name, (4, tile - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 200), 1, cv2.LINE_AA)
    half = (len(tiles) + 1) // 2
    tiles += [np.full_like(tiles[0], 255)] * (2 * half - len(tiles))
    return np.vstack([np.hstack(tiles[:half]), np.hstack(tiles[half:])])


def _fitted(image, tile):
    """``image`` scaled to fit a ``tile`` x ``tile`` square and centred on white."""
    f = tile / max(image.shape[:2])
    small = cv2.resize(image, (max(1, round(image.shape[1] * f)), max(1, round(image.shape[0] * f))))
    out = np.full((tile, tile, 3), 255, np.uint8)
    y, x = (tile - small.shape[0]) // 2, (tile - small.shape[1]) // 2
    out[y:y + small.shape[0], x:x + small.shape[1]] = small
    return out
