"""digitpad/scans/: the optdigits-orig reader, labelled folders, and reading scans as predict.py reads files."""
import os

import cv2
import numpy as np
import pytest

from conftest import Reads, fuzz_case
from mnist_mlp import load_model
from digitpad.preprocessing.broken import is_broken_line
from digitpad.reading import TurnedViews, picture_canvases
from digitpad.drawn.nondigits import FAMILIES
from digitpad.scans.benchmark import (NON_DIGIT_SCANS, non_digit_refusal, non_digit_scans, read_scans, summary,
                                      trouble_tiles, write_scans)
from digitpad.scans.sets import ScanSetError, boxed, labelled_folder, read_optdigits, scan_picture

ONE = ["00011000", "00111000", "01011000", "00011000", "00011000", "00011000", "00011000", "01111110"]
SEVEN = ["11111111", "00000110", "00001100", "00011000", "00110000", "00110000", "01100000", "01100000"]


def optdigits(tmp_path, digits, header="entwidth = 8\nentheight = 8\nntot = 2\n"):
    path = tmp_path / "tiny.tra"
    path.write_text(header + "".join("\n".join(rows) + f"\n {label}\n" for rows, label in digits))
    return path


def test_reads_the_bitmaps_and_labels(tmp_path):
    bitmaps, labels = read_optdigits(optdigits(tmp_path, [(ONE, 1), (SEVEN, 7)]))
    assert bitmaps.shape == (2, 8, 8) and bitmaps.dtype == bool
    assert labels.tolist() == [1, 7]
    assert bitmaps[1, 0].all() and not bitmaps[0, 0, 0]
    assert len(read_optdigits(optdigits(tmp_path, [(ONE, 1), (SEVEN, 7)]), limit=1)[1]) == 1


@pytest.mark.parametrize("text, says", [
    ("", "no digits"),
    ("entwidth = 8\nentheight = 8\n", "no digits"),
    ("entwidth = 8\nentheight = 8\n" + "\n".join(ONE[:5]), "ends inside"),
    ("entwidth = 8\nentheight = 8\n" + "\n".join(ONE) + "\n x\n", "label 0-9"),
    ("entwidth = 8\nentheight = 8\n" + "\n".join(ONE) + "\n 12\n", "label 0-9"),
    ("entwidth = 8\nentheight = 8\n" + "\n".join(ONE[:3] + ["0101"] + ONE[4:]) + "\n 1\n", "a row of 8"),
    ("entwidth = 8\nentheight = 8\n" + "\n".join(ONE[:3] + ["0102a000"] + ONE[4:]) + "\n 1\n", "a row of 8"),
    ("entwidth = 100000\nentheight = 8\n" + "\n".join(ONE) + "\n 1\n", "outside 1..256"),
    ("entwidth = 0\nentheight = 8\n" + "\n".join(ONE) + "\n 1\n", "outside 1..256"),
    ("entwidth = eight\n" + "\n".join(ONE) + "\n 1\n", "whole numbers"),
])
def test_malformed_optdigits_files_say_why(tmp_path, text, says):
    path = tmp_path / "bad.tra"
    path.write_text(text)
    with fuzz_case("optdigits reader"), pytest.raises(ScanSetError, match=says):
        read_optdigits(path)


def test_special_and_binary_files_are_refused_unread(tmp_path):
    (tmp_path / "bin.tra").write_bytes(b"\xff\xfe\x00" * 100)
    os.mkfifo(tmp_path / "fifo.tra")
    for path, says in ((tmp_path / "bin.tra", "not an optdigits text file"), (tmp_path / "fifo.tra", "not a regular"),
                       ("/dev/zero", "not a regular"), (tmp_path / "missing.tra", "no such file"),
                       (tmp_path, "a folder")):
        with fuzz_case("optdigits reader"), pytest.raises(ScanSetError, match=says):
            read_optdigits(path)


def test_a_scan_picture_is_dark_ink_on_white_paper_with_a_margin():
    bitmap = np.array([[c == "1" for c in row] for row in SEVEN])
    picture = scan_picture(bitmap, zoom=4, margin=0.25)
    assert picture.shape == (8 * 4 + 2 * 8, 8 * 4 + 2 * 8) and picture.dtype == np.uint8
    assert set(np.unique(picture)) == {0, 255}
    assert (picture[:8] == 255).all() and (picture[8:12, 8:40] == 0).all()  # the 7's bar, 4x larger


def test_labelled_folder_with_a_non_image_an_empty_class_and_other_folders(tmp_path):
    for label in (3, 5):
        (tmp_path / str(label)).mkdir()
    (tmp_path / "notes").mkdir()
    cv2.imwrite(str(tmp_path / "3" / "a.png"), np.full((20, 20), 255, np.uint8))
    (tmp_path / "3" / "readme.txt").write_text("not an image")
    files, problems = labelled_folder(tmp_path)
    assert files == [(tmp_path / "3" / "a.png", 3)]
    assert any("readme.txt: not a PNG" in p for p in problems)
    assert any("no images of 5" in p for p in problems)
    with pytest.raises(ScanSetError, match="no subfolders named 0-9"):
        labelled_folder(tmp_path / "notes")
    with pytest.raises(ScanSetError, match="not a folder"):
        labelled_folder(tmp_path / "3" / "a.png")


def test_scans_are_read_as_predict_reads_files_and_summed_up(tmp_path):
    views = TurnedViews(load_model("weights"))
    big_seven = np.kron(np.array([[c == "1" for c in row] for row in SEVEN]), np.ones((4, 4), bool))
    files = write_scans([big_seven, big_seven], [7, 1], tmp_path)
    blank, tiny, broken = tmp_path / "blank.png", tmp_path / "tiny.png", tmp_path / "broken.png"
    cv2.imwrite(str(blank), np.full((30, 30), 255, np.uint8))
    cv2.imwrite(str(tiny), np.zeros((1, 1), np.uint8))
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    readings = read_scans(views, files + [(blank, 4), (tiny, 4), (broken, 4)])
    assert readings[0].guess == 7 and not readings[0].problem
    result = summary(readings, threshold=0.45)
    assert result["digits"] == 5
    assert result["right"] == pytest.approx(1 / 5)
    assert result["per_digit"]["1"]["wrong"] == 1 and result["per_digit"]["7"]["right"] == 1
    assert result["per_digit"]["4"] == {"samples": 3, "right": 0, "unsure": 0, "wrong": 0, "sure_and_wrong": 0}
    assert len(result["unreadable"]) == 3 and "blank" in result["unreadable"][0]
    assert result["curve"][0]["threshold"] == 0.1 and result["curve"][0]["answered"] <= 2 / 5
    assert (7, 1, 1) not in result["most_confused"] and result["most_confused"][0][:2] == (1, 7)
    tiles = trouble_tiles(readings, 0.45)
    assert len(tiles) == 1 and tiles[0].ndim == 3  # the 1 read as 7; unreadable files have no picture to show


def test_the_scans_ship_with_the_repository_and_gzip_is_bounded(tmp_path, monkeypatch):
    import gzip

    import digitpad.scans.sets
    from digitpad.scans.sets import DEFAULT_OPTDIGITS

    bitmaps, labels = read_optdigits(DEFAULT_OPTDIGITS)
    assert bitmaps.shape == (1934, 32, 32) and sorted(set(labels.tolist())) == list(range(10))
    bomb = tmp_path / "bomb.tra"  # a gzip file by its first bytes, whatever its name
    bomb.write_bytes(gzip.compress(b"0" * (3 << 20)))
    monkeypatch.setattr(digitpad.scans.sets, "MAX_FILE_BYTES", 1 << 20)
    with pytest.raises(ScanSetError, match="over the 1,048,576-byte limit once uncompressed"):
        read_optdigits(bomb)


def test_a_deep_tree_and_a_file_of_too_many_digits_are_bounded(tmp_path, monkeypatch):
    import digitpad.scans.sets

    monkeypatch.setattr(digitpad.scans.sets, "MAX_DEPTH", 3)
    deep = tmp_path / "set" / "7" / "a" / "b" / "c" / "d"
    deep.mkdir(parents=True)
    cv2.imwrite(str(deep / "lost.png"), np.full((9, 9), 255, np.uint8))
    files, problems = labelled_folder(tmp_path / "set")
    assert files == [] and any("nested deeper than 3" in p for p in problems)
    monkeypatch.setattr(digitpad.scans.sets, "MAX_DIGITS", 1)
    with pytest.raises(ScanSetError, match="more than 1 digits"):
        read_optdigits(optdigits(tmp_path, [(ONE, 1), (SEVEN, 7)]))
    assert len(read_optdigits(optdigits(tmp_path, [(ONE, 1), (SEVEN, 7)]), limit=1)[1]) == 1


def test_boxed_digits_fill_their_box_stretched_or_fitted():
    one = np.zeros((2, 28, 28), np.uint8)
    one[0, 4:24, 13:15] = 255  # a thin upright 1, 20 x 2
    grey, binary = boxed(one, binary=False), boxed(one, binary=True)
    assert grey.shape == binary.shape == (2, 16, 16) and grey.dtype == np.float32
    assert binary[0].all()  # stretched across the whole box: a solid square
    fitted = boxed(one, binary=True, fit=True)[0]
    rows, columns = np.nonzero(fitted)
    assert (rows.min(), rows.max()) == (0, 15) and columns.max() - columns.min() + 1 == 2  # 16 x 2: its shape kept
    assert columns.min() == 7  # in the middle of the box
    with pytest.raises(ValueError, match="uint8"):
        boxed(one / 255.0, binary=True)  # ink from 0 to 1 would be read as no ink at all
    assert 0 <= grey.min() and grey.max() <= 1 and set(np.unique(binary)) <= {0.0, 1.0}
    assert not grey[1].any()  # no ink, no digit
    picture = scan_picture(grey[0])
    assert picture.dtype == np.uint8 and picture.min() < 10 and picture[0, 0] == 255


def test_a_scan_picture_takes_any_ink_level():
    bits = np.zeros((8, 8), np.uint8)
    bits[2:6, 3:5] = 255  # 0/255 rather than bool: still full ink, not wrapped round
    assert (scan_picture(bits) == scan_picture(bits > 0)).all()


def test_non_digits_are_made_as_scans_three_ways_and_their_refusal_counted():
    scans = non_digit_scans(3, seed=4)
    assert tuple(scans) == NON_DIGIT_SCANS and set(scans["scan-like"]) == set(FAMILIES)
    for way, families in scans.items():
        for family, pictures in families.items():
            assert len(pictures) == 3 and all(p.dtype == np.uint8 and p.ndim == 2 for p in pictures), (way, family)
            assert all(p[0, 0] == 255 for p in pictures) and any(p.min() < 128 for p in pictures)  # ink on white
    assert [p.tobytes() for p in non_digit_scans(3, seed=4)["stretched grey"]["shapes"]] == \
        [p.tobytes() for p in scans["stretched grey"]["shapes"]]  # the same seed, the same drawings
    unsure = non_digit_refusal(Reads(np.full(10, 0.1)), scans, 0.5)
    sure = non_digit_refusal(Reads(np.eye(10)[7]), scans, 0.5)
    # A network sure of everything has only what the reading refuses before asking it: broken lines
    # (unless the picture's other canvas, read as light ink, is sure: digitpad.reading.picture_reading).
    broken = {way: {family: np.mean([is_broken_line(next(picture_canvases(p))) for p in pictures])
                    for family, pictures in families.items()} for way, families in scans.items()}
    refused = result_shares(sure)
    assert result_shares(unsure) == {way: {family: 1.0 for family in FAMILIES} for way in NON_DIGIT_SCANS}
    assert all(refused[w][f] <= broken[w][f] for w in NON_DIGIT_SCANS for f in FAMILIES)
    assert 0 < sum(refused[w]["dots-dashes"] for w in NON_DIGIT_SCANS)
    for result in (unsure, sure):
        assert set(result) == {"families", "held out", "all"} and set(result["families"]) == set(FAMILIES)
    assert unsure["held out"] == unsure["all"] == {way: 1.0 for way in NON_DIGIT_SCANS}
    assert sure["held out"] == {way: 0.0 for way in NON_DIGIT_SCANS}  # no script letter or shape is a broken line


def result_shares(result):
    """{way: {family: share refused}} of a non_digit_refusal result."""
    return {way: {family: result["families"][family][way] for family in FAMILIES} for way in NON_DIGIT_SCANS}
