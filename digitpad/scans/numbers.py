"""Numbers written on scanned paper: made of a labelled set's bitmaps set side by side, written as the
PNG a user's scan would be, and read as ``predict.py --number`` reads a file
(digitpad.reading.numbers.read_image): the digits found, the number right and how often it is sure."""
import cv2
import numpy as np

from digitpad.preprocessing.images import at_reading_size
from digitpad.reading import SCAN_TEMPERATURE
from digitpad.reading.numbers import best_number, read_image

from .sets import SCAN_MARGIN, SCAN_ZOOM, number_bitmap, scan_picture

DIGITS = (2, 6)  # the fewest and the most digits in a number
GAPS = (1 / 16, 3 / 16)  # the blank between two digits, a share of their height: apart, as in a form's field
MAX_TILES = 60  # numbers unsure or wrong kept to be looked at: a mosaic of 60 tiles is 1,100x1,900 px
TILE = (360, 72)  # a tile's picture, width and height: six digits and their gaps at 12 px a column
BOX = {"right": (40, 150, 40), "unsure": (0, 140, 230), "wrong": (40, 40, 210)}  # BGR: each digit's box


def scanned_numbers(bitmaps, labels, count, rng, zoom=SCAN_ZOOM):
    """``count`` numbers of DIGITS digits, each ``(grey picture, its digits as a string)``, made one at
    a time as they are taken (six 256 px bitmaps at 8x make 47 megapixels): distinct bitmaps of one height
    (N, height, width) picked at random, set side by side with GAPS between them (``number_bitmap``)
    and written as a scan, ``zoom`` times larger (``scan_picture``). Blank bitmaps are left out;
    ValueError, at once, when fewer than DIGITS[1] are left."""
    bitmaps, labels = np.asarray(bitmaps), np.asarray(labels)
    inked = [i for i, bitmap in enumerate(bitmaps) if bitmap.any()]
    if len(inked) < DIGITS[1]:
        raise ValueError(f"numbers of up to {DIGITS[1]} digits need as many bitmaps with ink; {len(inked)} have")
    height = bitmaps.shape[1]
    fewest = max(1, round(GAPS[0] * height))
    gaps = fewest, max(fewest, round(GAPS[1] * height)) + 1  # a bitmap a row or two tall: one column

    def number():
        picked = rng.choice(inked, rng.integers(DIGITS[0], DIGITS[1] + 1), replace=False)
        bitmap = number_bitmap(bitmaps[picked], rng.integers(*gaps, len(picked) - 1))
        # A margin of a quarter of the height, as a digit's: one of the width would make a wide number's
        # picture too large to read (six digits of 256 px at 8x: 47 megapixels, not 195).
        return scan_picture(bitmap, zoom, SCAN_MARGIN * height / max(bitmap.shape)), "".join(map(str, labels[picked]))

    return (number() for _ in range(count))


def read_numbers(model, numbers, threshold, temperature=SCAN_TEMPERATURE, tiles=None):
    """Shares of ``scanned_numbers``: found (as many digits found as written), right (the best reading,
    sure or not, is the number), sure, sure and right, sure and wrong; each read by ``read_image`` at
    ``threshold`` and ``temperature``. With a list ``tiles``, a ``number_tile`` of each of the first
    MAX_TILES numbers unsure or wrong is added to it."""
    count = found = right = sure = sure_right = 0
    for picture, number in numbers:
        count += 1
        read = read_image(model, picture, threshold=threshold, temperature=temperature)
        best = best_number(read)
        found += len(read["digits"]) == len(number)
        right += best == number
        sure += read["sure"]
        sure_right += read["sure"] and best == number
        if tiles is not None and len(tiles) < MAX_TILES and not (read["sure"] and best == number):
            tiles.append(number_tile(picture, number, read))
    n = max(count, 1)
    return {"numbers": count, "threshold": threshold, "temperature": temperature, "found": found / n,
            "right": right / n, "sure": sure / n, "sure_and_right": sure_right / n,
            "sure_and_wrong": (sure - sure_right) / n}


def number_tile(picture, number, read):
    """A BGR tile of one number read: its picture as handed over, fitted into TILE, each digit found
    boxed (BOX: right and sure, unsure, or read as another digit or not written there), and under it
    what was written and what was read ("?" for an unsure digit), red where the best reading is wrong."""
    seen = at_reading_size(picture)  # the boxes are in the picture as it was read
    scale = min(TILE[0] / seen.shape[1], TILE[1] / seen.shape[0])
    small = cv2.resize(seen, (max(1, round(seen.shape[1] * scale)), max(1, round(seen.shape[0] * scale))),
                       interpolation=cv2.INTER_AREA)
    tile = np.full((TILE[1] + 20, TILE[0], 3), 255, np.uint8)
    tile[:small.shape[0], :small.shape[1]] = small[..., None]
    for k, digit in enumerate(read["digits"]):
        written = number[k] if k < len(number) and len(read["digits"]) == len(number) else None
        kind = "wrong" if str(digit["digit"]) != written else "right" if digit["sure"] else "unsure"
        x, y, w, h = (round(v * scale) for v in digit["box"])
        cv2.rectangle(tile, (x, y), (x + max(w, 1), y + max(h, 1)), BOX[kind], 1)
    wrong = best_number(read) != number
    cv2.putText(tile, f"{number} read {read['number'] or '(none)'}", (3, TILE[1] + 15), cv2.FONT_HERSHEY_SIMPLEX,
                0.45, (0, 0, 200) if wrong else (160, 90, 0), 1, cv2.LINE_AA)
    return tile
