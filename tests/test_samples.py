"""Saving labelled samples: files, format, no overwrite, atomicity, errors."""
import errno
import json
import os

import cv2
import numpy as np
import pytest

from digitpad.personal.samples import SampleError, load_samples, load_stroke_samples, save_sample

IMAGE = np.zeros((28, 28), np.float32)
IMAGE[5:20, 12:15] = 1.0
STROKES = {"canvas_size": [400, 400], "strokes": [{"brush": 20, "points": [[1, 2], [3, 4]]}]}


def test_saves_png_and_json(tmp_path):
    path = save_sample(tmp_path, 7, IMAGE, STROKES, now=0)
    assert path.parent == tmp_path / "7" and path.suffix == ".png"
    png = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert png.shape == (28, 28) and png.dtype == np.uint8
    assert np.array_equal(png, (IMAGE * 255).astype(np.uint8))  # white digit on black, like MNIST
    record = json.loads(path.with_suffix(".json").read_text())
    assert record["label"] == 7 and record["strokes"] == STROKES["strokes"]
    assert record["canvas_size"] == [400, 400]


def test_never_overwrites(tmp_path):
    paths = [save_sample(tmp_path, 3, IMAGE, STROKES, now=0) for _ in range(5)]
    assert len(set(paths)) == 5
    assert sorted(p.name for p in (tmp_path / "3").iterdir()) == sorted(
        [p.name for p in paths] + [p.with_suffix(".json").name for p in paths])


def test_samples_are_read_in_the_order_saved(tmp_path):
    """Twelve saved in one second are <stamp>-1 ... <stamp>-12: name order put -10 before -2, so
    "the most recent" sample was an older one (and fine-tuning's held-out split changed with the clock)."""
    paths = [save_sample(tmp_path, 3, IMAGE * (n + 1) / 12, STROKES, now=0) for n in range(12)]
    assert paths[-1].stem.endswith("-12")
    samples, problems = load_stroke_samples(tmp_path, per_digit=3)
    assert problems == [] and [s.path for s in samples] == [p.with_suffix(".json") for p in paths[-3:]]
    images, labels, problems = load_samples(tmp_path)
    assert problems == [] and (np.diff(images.max(axis=1)) > 0).all()  # each brighter than the one before


def test_stray_file_is_not_overwritten(tmp_path):
    first = save_sample(tmp_path, 1, IMAGE, STROKES, now=0)
    taken = first.with_name(first.name.replace("-1.png", "-2.png"))
    taken.write_bytes(b"someone else's")  # a PNG without its JSON
    third = save_sample(tmp_path, 1, IMAGE, STROKES, now=0)
    assert taken.read_bytes() == b"someone else's"
    assert third.name.endswith("-3.png") and not taken.with_suffix(".json").exists()


def test_no_temporary_files_left(tmp_path):
    save_sample(tmp_path, 0, IMAGE, STROKES)
    assert not [n for n in os.listdir(tmp_path / "0") if n.startswith(".tmp")]


@pytest.mark.parametrize("label", [10, -1, True, 3.0, np.int64(3), "3", None])
def test_bad_label(tmp_path, label):
    with pytest.raises(ValueError, match="int from 0 to 9"):
        save_sample(tmp_path, label, IMAGE, STROKES)
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("image", [np.zeros((28, 27), np.float32), np.zeros((28, 28), np.uint8),
                                   np.full((28, 28), np.nan, np.float32), np.zeros(784, np.float32)])
def test_bad_image(tmp_path, image):
    with pytest.raises(ValueError, match="image must be"):
        save_sample(tmp_path, 3, image, STROKES)


def test_the_record_label_is_the_one_saved_under(tmp_path):
    path = save_sample(tmp_path, 2, IMAGE, {**STROKES, "label": 9, "saved_at": "never"})
    record = json.loads(path.with_suffix(".json").read_text())
    assert record["label"] == 2 and record["saved_at"] != "never"
    with pytest.raises(ValueError, match="strokes must be a dict"):
        save_sample(tmp_path, 2, IMAGE, [STROKES])


def test_files_get_the_umask_permissions(tmp_path, monkeypatch):
    import digitpad.personal.samples

    assert digitpad.personal.samples._UMASK == os.umask(digitpad.personal.samples._UMASK)  # read right at import
    monkeypatch.setattr(digitpad.personal.samples, "_UMASK", 0o027)
    path = save_sample(tmp_path, 4, IMAGE, STROKES)
    assert oct(path.stat().st_mode & 0o777) == oct(0o640)
    assert oct(path.with_suffix(".json").stat().st_mode & 0o777) == oct(0o640)


def test_a_full_disk_leaves_no_temporary_file(tmp_path, monkeypatch):
    real_fsync = os.fsync

    def full(fd):
        real_fsync(fd)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(SampleError, match="No space left"):
        save_sample(tmp_path, 6, IMAGE, STROKES)
    assert os.listdir(tmp_path / "6") == []


def test_unwritable_folder_is_a_clear_error(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(SampleError, match="cannot save in"):
        save_sample(tmp_path / "file", 4, IMAGE, STROKES)


def test_read_only_file_system_leaves_nothing(tmp_path, monkeypatch):
    """As on a read-only mount (simulated: the tests may run as root, whom permissions do not stop)."""
    def read_only(*args):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, "link", read_only)
    with pytest.raises(SampleError, match="Read-only file system"):
        save_sample(tmp_path, 5, IMAGE, STROKES)
    assert os.listdir(tmp_path / "5") == []


def test_a_fully_transparent_sample_has_no_ink(tmp_path):
    """A sample is white ink on black: what is see-through is background, not ink (it used to be
    composited onto white paper, an all-ink sample)."""
    import cv2
    import numpy as np

    from digitpad.personal.samples import load_samples

    (tmp_path / "3").mkdir()
    cv2.imwrite(str(tmp_path / "3" / "clear.png"), np.zeros((28, 28, 4), np.uint8))
    images, labels, problems = load_samples(tmp_path)
    assert labels.tolist() == [3] and not problems and images.max() == 0
