"""digitpad/scans/numbers.py and sets.number_bitmap: numbers made of scanned digits, read as predict.py
--number reads a file."""
import numpy as np
import pytest

from conftest import ROOT
from mnist_mlp import load_model
from digitpad.preprocessing.images import MAX_PIXELS
from digitpad.scans import numbers as scan_numbers
from digitpad.scans.numbers import BOX, DIGITS, TILE, number_tile, read_numbers, scanned_numbers
from digitpad.scans.sets import DEFAULT_OPTDIGITS, SCAN_ZOOM, number_bitmap, read_optdigits


def test_a_number_is_its_digits_ink_side_by_side_with_the_gaps_asked():
    a = np.zeros((4, 6), bool)
    a[:, 2:4] = True
    b = np.zeros((4, 5), bool)
    b[1, 0] = b[2, 4] = True
    joined = number_bitmap([a, b], [3])
    assert joined.shape == (4, 2 + 3 + 5) and joined.dtype == bool
    assert joined[:, :2].all() and not joined[:, 2:5].any() and (joined[:, 5:] == b).all()
    assert number_bitmap([a], []).shape == (4, 2)  # one digit: its ink's columns
    assert number_bitmap([a, a], [0]).all()  # no gap: the digits touch


@pytest.mark.parametrize("bitmaps, gaps, says", [
    ([], [], "one or more"),
    ([np.ones((4, 4)), np.ones((5, 4))], [1], "one height"),
    ([np.ones(4), np.ones(4)], [1], "2-D"),
    ([np.array(1)], [], "2-D"),
    ([np.ones((4, 4)), np.zeros((4, 4))], [1], "bitmap 1 of the number has no ink"),
    ([np.ones((4, 4)), np.ones((4, 4))], [], "a gap"),
    ([np.ones((4, 4)), np.ones((4, 4))], [-1], "a gap"),
])
def test_a_number_of_bad_bitmaps_says_why(bitmaps, gaps, says):
    with pytest.raises(ValueError, match=says):
        number_bitmap(bitmaps, gaps)


def test_scanned_numbers_are_distinct_inked_digits_made_as_they_are_taken():
    bitmaps = np.zeros((8, 16, 16), bool)
    for k in range(1, 8):  # bitmap 0 stays blank: never in a number
        bitmaps[k, 2:14, k:k + 3] = True
    labels = np.arange(8)
    made = scanned_numbers(bitmaps, labels, 40, np.random.default_rng(0))
    assert not isinstance(made, list)  # a generator: a megabyte a number at 8x is never held 10,000 times
    numbers = list(made)
    assert len(numbers) == 40
    for picture, number in numbers:
        assert DIGITS[0] <= len(number) <= DIGITS[1] and len(set(number)) == len(number) and "0" not in number
        assert picture.dtype == np.uint8 and picture.shape[0] > 16 * SCAN_ZOOM  # blown up, with a margin
        assert picture.min() == 0 and picture.max() == 255  # dark ink on white paper
    again = [n for _, n in scanned_numbers(bitmaps, labels, 40, np.random.default_rng(0))]
    assert again == [n for _, n in numbers]  # the seed decides
    with pytest.raises(ValueError, match="need as many bitmaps with ink"):
        scanned_numbers(bitmaps[:6], labels[:6], 1, np.random.default_rng(0))  # five with ink: too few for six
    with pytest.raises(ValueError, match="0 have"):
        scanned_numbers(bitmaps[:0], labels[:0], 1, np.random.default_rng(0))  # --skip past the set's end


@pytest.mark.parametrize("height", [1, 2, 256])
def test_numbers_of_any_height_fit_the_picture_budget(height):
    """Bitmaps a row tall get a gap of one column (the range of gaps was empty: found by an attacking
    helper); six of the largest an optdigits file may hold, at the largest --zoom, still make a picture
    a file may be (its margin a quarter of the height, not of the number's width)."""
    bitmaps = np.ones((6, height, height), bool)
    picture, number = next(scanned_numbers(bitmaps, np.arange(6), 1, np.random.default_rng(3), zoom=8))
    assert picture.shape[0] == 8 * height + 2 * round(2 * height) and picture.size <= MAX_PIXELS
    assert len(number) >= DIGITS[0]


def test_numbers_of_real_scans_are_read_and_counted():
    """20 numbers of the first 200 optdigits scans: the shipped model finds every digit and reads most
    numbers right and surely."""
    bitmaps, labels = read_optdigits(ROOT / DEFAULT_OPTDIGITS, 200)
    model = load_model(ROOT / "weights")
    result = read_numbers(model, scanned_numbers(bitmaps, labels, 20, np.random.default_rng(0)), 0.5)
    assert result["numbers"] == 20 and result["found"] == 1.0 and result["right"] >= 0.85
    assert result["sure_and_right"] >= 0.75 and result["sure"] == result["sure_and_right"] + result["sure_and_wrong"]
    assert read_numbers(model, [], 0.5)["numbers"] == 0


def test_numbers_unsure_or_wrong_are_kept_as_tiles_and_no_more_than_the_bound(monkeypatch):
    """Each number unsure or wrong has a tile of one size, each digit found boxed by what it is; only
    the first MAX_TILES are kept, however many numbers are read."""
    bitmaps, labels = read_optdigits(ROOT / DEFAULT_OPTDIGITS, 100)
    model = load_model(ROOT / "weights")
    monkeypatch.setattr(scan_numbers, "MAX_TILES", 3)
    tiles = []
    read_numbers(model, scanned_numbers(bitmaps, labels, 5, np.random.default_rng(0)), 1.0, tiles=tiles)
    assert len(tiles) == 3 and all(t.shape == (TILE[1] + 20, TILE[0], 3) for t in tiles)  # at 1.0 none is sure
    picture, number = next(scanned_numbers(bitmaps, labels, 1, np.random.default_rng(1), zoom=8))
    wrong = "".join(str((int(d) + 1) % 10) for d in number)
    digits = [{"digit": int(d), "confidence": 0.9, "sure": True, "box": [10 + 40 * k, 10, 30, 50]}
              for k, d in enumerate(wrong)]
    read = {"number": wrong, "sure": True, "digits": digits}
    tile = number_tile(picture, number, read)
    assert tile.shape == (TILE[1] + 20, TILE[0], 3)
    assert (tile == BOX["wrong"]).all(axis=2).any() and not (tile == BOX["right"]).all(axis=2).any()
    read["digits"] = read["digits"][:1]  # fewer found than written: none of them is right
    assert not (number_tile(picture, number, read) == BOX["right"]).all(axis=2).any()
