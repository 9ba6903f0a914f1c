"""Bad input tried on purpose: random and mutated inputs to every parser and to prepare.

Each test counts what it tried; the counts are printed at the end of the run.
"""
import io
import random
import shutil

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import ROOT, fuzz_case
from digitpad.drawn.unipen import UnipenError, parse_unipen
from mnist_mlp import MLP, ModelError, is_sure, load_model, save_model
from mnist_mlp.network import ONE_FACTOR, ONE_LEAD
from mnist_mlp.idx import IdxError, read_idx, write_idx
from digitpad.preprocessing import prepare
from digitpad.reading import sharpened

DTYPES = [np.uint8, np.int8, np.uint16, np.int16, np.int32, np.int64, np.float16, np.float32, np.float64,
          np.bool_, np.complex64]


def check_prepare(array):
    """prepare gives a valid 28x28 image, None for no ink, or a clear ValueError: nothing else."""
    with fuzz_case("digitpad.preprocessing.prepare"):
        try:
            out = prepare(array)
        except ValueError:
            return
        if out is not None:
            assert out.shape == (28, 28) and out.dtype == np.float32
            assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(h=st.integers(1, 600), w=st.integers(1, 600), dtype=st.sampled_from(DTYPES), seed=st.integers(0, 2**32 - 1),
       density=st.floats(0, 1), special=st.sampled_from([None, np.nan, np.inf, -np.inf]),
       step=st.integers(1, 3), transpose=st.booleans())
def test_prepare_random_arrays(h, w, dtype, seed, density, special, step, transpose):
    rng = np.random.default_rng(seed)
    array = (rng.random((h, w)) < density) * rng.integers(0, 256, (h, w))
    array = array.astype(dtype)
    if special is not None and np.issubdtype(dtype, np.floating):
        array.flat[rng.integers(0, array.size)] = special
    view = array[::step, ::step]  # non-contiguous
    check_prepare(view.T if transpose else view)


@pytest.mark.parametrize("shape", [(4000, 4000), (1, 4000), (4000, 1), (1, 1), (), (5,), (3, 3, 3), (2, 2, 2, 2)])
def test_prepare_extreme_shapes(shape):
    array = np.zeros(shape, np.uint8)
    if array.ndim == 2:
        array[array.shape[0] // 2, array.shape[1] // 2] = 255
    check_prepare(array)
    check_prepare(np.full(shape, np.nan))


def mutations(data, rng, count):
    """Flipped bytes, truncations, extensions and splices of ``data``."""
    for _ in range(count):
        b = bytearray(data)
        kind = rng.randrange(4)
        if kind == 0:
            for _ in range(rng.randint(1, 8)):
                b[rng.randrange(len(b))] = rng.randrange(256)
        elif kind == 1:
            del b[rng.randrange(len(b)):]
        elif kind == 2:
            b += bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        else:
            i = rng.randrange(len(b))
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        yield bytes(b)


def test_idx_reader_mutated_bytes(tmp_path):
    rng = random.Random(0)
    for suffix in (".idx", ".idx.gz"):
        write_idx(tmp_path / f"good{suffix}", np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28))
        good = (tmp_path / f"good{suffix}").read_bytes()
        for data in mutations(good, rng, 400):
            with fuzz_case("IDX reader"):
                (tmp_path / f"m{suffix}").write_bytes(data)
                try:
                    array = read_idx(tmp_path / f"m{suffix}")
                except IdxError:
                    continue
                assert array.size * array.itemsize <= 1 << 30


def test_model_loader_mutated_files(tmp_path):
    rng = random.Random(1)
    save_model(MLP([784, 8, 10], seed=0), tmp_path / "good")
    names = ["W1.npy", "b1.npy", "W2.npy", "b2.npy", "model.json"]
    for i in range(300):
        with fuzz_case("model loader"):
            bad = tmp_path / f"m{i}"
            shutil.copytree(tmp_path / "good", bad)
            name = rng.choice(names)
            data = next(mutations((bad / name).read_bytes(), rng, 1))
            (bad / name).write_bytes(data)
            try:
                load_model(bad)
            except ModelError:
                pass
            shutil.rmtree(bad)


def test_model_loader_forged_huge_shape(tmp_path):
    """A .npy header claiming a gigantic array is refused from its size, without allocating it."""
    save_model(MLP([784, 8, 10]), tmp_path / "w")
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (100000000, 100000), }"
    forged = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header
    for name in ("W1.npy", "b1.npy"):
        with fuzz_case("model loader"):
            (tmp_path / "w" / name).write_bytes(forged)
            with pytest.raises(ModelError):
                load_model(tmp_path / "w")


def test_unipen_parser_mutations():
    rng = random.Random(2)
    good = (ROOT / "tests" / "fixtures" / "tiny.tra").read_text()
    lines = good.splitlines()
    for _ in range(1000):
        mutated = list(lines)
        for _ in range(rng.randint(1, 4)):
            op = rng.randrange(4)
            i = rng.randrange(len(mutated))
            if op == 0:
                del mutated[i]
            elif op == 1:
                mutated.insert(i, rng.choice(lines))
            elif op == 2:
                mutated[i] = "".join(rng.choice(" .-\"0123456789PENUPDOWNSEGMT") for _ in range(rng.randint(0, 20)))
            else:
                mutated[i], mutated[-1] = mutated[-1], mutated[i]
        with fuzz_case("UNIPEN parser"):
            try:
                for digit in parse_unipen(mutated, "fuzz"):
                    assert 0 <= digit.label <= 9 and all(len(s) > 0 for s in digit.strokes)
            except UnipenError as e:
                assert str(e).startswith("fuzz:")


def test_unipen_parser_random_bytes():
    rng = random.Random(3)
    for _ in range(300):
        text = bytes(rng.randrange(256) for _ in range(rng.randint(0, 400))).decode("latin-1")
        with fuzz_case("UNIPEN parser"):
            try:
                parse_unipen(io.StringIO(text), "fuzz")
            except UnipenError:
                pass


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.lists(st.floats(0, 1) | st.sampled_from([0.0, 0.25, 0.5, float("nan")]), min_size=10,
                              max_size=10), max_size=8),
       threshold=st.floats(0, 1), dtype=st.sampled_from([np.float32, np.float64]))
def test_is_sure_on_any_probabilities(rows, threshold, dtype):
    """The rule every client answers ? by, on anything: ties, zeros, NaN, an empty batch. A batch gives
    what its rows give one by one; a sure answer has the threshold (a 1: half of it and twice the next
    digit's) and no tie at the top; NaN is never sure; a higher threshold never makes an answer sure."""
    with fuzz_case("mnist_mlp.is_sure"):
        p = np.array(rows, dtype).reshape(-1, 10)
        sure = is_sure(p, threshold)
        assert sure.shape == (len(p),) and sure.dtype == bool
        assert [bool(is_sure(row, threshold)) for row in p] == sure.tolist()
        for row, s in zip(p, sure):
            top, second = np.sort(row)[-1], np.sort(row)[-2]
            if s:
                assert not np.isnan(row).any() and top > second  # a tie at the top is never sure
                assert top >= threshold or (row.argmax() == 1 and top >= ONE_FACTOR * threshold
                                            and top >= ONE_LEAD * second)
        assert not (is_sure(p, min(1.0, threshold + 0.1)) & ~sure).any()


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.lists(st.floats(0, 1) | st.sampled_from([0.0, 1e-30, 0.1, 1.0]), min_size=10, max_size=10),
                     min_size=1, max_size=8),
       temperature=st.floats(0.05, 20))
@example(rows=[[0.0] * 9 + [5e-324]], temperature=0.0625)  # raised as it was, it underflowed to all zeros
def test_sharpened_on_any_probabilities(rows, temperature):
    """A scan's reading sharpened at any temperature the tools allow: rows of ten that sum to 1 (or
    stay zero), the same order, the top never lower under 1 nor higher over it, a tie kept a tie."""
    with fuzz_case("digitpad.reading.sharpened"):
        p = np.array(rows, np.float64)
        p /= np.maximum(p.sum(axis=1, keepdims=True), 1e-300)
        q = sharpened(p, temperature)
        assert q.shape == p.shape and np.isfinite(q).all() and (q >= 0).all()
        for row, out in zip(p, q):
            if row.sum() == 0:
                assert not out.any()
                continue
            assert abs(out.sum() - 1) < 1e-5
            assert (np.diff(out[np.argsort(row, kind="stable")]) >= -1e-6).all()  # the order kept
            if np.all(row == row[0]):
                np.testing.assert_allclose(out, row, rtol=1e-5)
            if temperature < 1:
                assert out.max() >= row.max() - 1e-6
            elif temperature > 1:
                assert out.max() <= row.max() + 1e-6


@settings(max_examples=200, deadline=None)
@given(shapes=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=0, max_size=6),
       gaps=st.lists(st.integers(-2, 4), max_size=6), seed=st.integers(0, 2**32 - 1))
def test_number_bitmap_of_any_bitmaps(shapes, gaps, seed):
    """A number made of any bitmaps and gaps (empty, thin, blank, of other heights, negative gaps): one
    bitmap as tall as its digits and as wide as their ink and gaps, or a ValueError saying why."""
    from digitpad.scans.sets import number_bitmap

    with fuzz_case("digitpad.scans.sets.number_bitmap"):
        rng = np.random.default_rng(seed)
        bitmaps = [rng.random(shape) < 0.4 for shape in shapes]
        try:
            joined = number_bitmap(bitmaps, gaps)
        except ValueError as e:
            assert str(e)
            return
        widths = [np.ptp(np.flatnonzero(b.any(axis=0))) + 1 for b in bitmaps]
        assert joined.shape == (bitmaps[0].shape[0], sum(widths) + sum(gaps))
        assert joined.sum() == sum(b.sum() for b in bitmaps)  # every bit of ink, and only those


@settings(max_examples=100, deadline=None)
@given(n=st.integers(0, 12), height=st.integers(1, 40), width=st.integers(1, 40), ink=st.floats(0, 1),
       zoom=st.integers(1, 8), seed=st.integers(0, 2**32 - 1))
def test_scanned_numbers_of_any_set(n, height, width, ink, zoom, seed):
    """Numbers made of any set of bitmaps (none, blank, a row tall, sparse or full): pictures of dark ink
    on white paper, each of 2-6 of its inked bitmaps and no taller than they are with their margin, or
    a ValueError saying there are too few."""
    from digitpad.scans.numbers import DIGITS, scanned_numbers

    with fuzz_case("digitpad.scans.numbers.scanned_numbers"):
        rng = np.random.default_rng(seed)
        bitmaps = rng.random((n, height, width)) < ink
        try:
            numbers = list(scanned_numbers(bitmaps, np.arange(n) % 10, 3, rng, zoom))
        except ValueError as e:
            assert "bitmaps with ink" in str(e) and sum(b.any() for b in bitmaps) < DIGITS[1]
            return
        for picture, number in numbers:
            assert DIGITS[0] <= len(number) <= DIGITS[1] and picture.dtype == np.uint8
            margin = (picture.shape[0] - height * zoom) / 2  # a quarter of the height, to a pixel's rounding
            assert abs(margin - 0.25 * zoom * height) <= 1 and picture.min() < 255


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=60), st.sampled_from(["nan", "-inf", "inf", "1e400", "-0", "0x1", "--", "",
                                                              " 1 ", "1_0", "\0", "20.0000001", "0.05", "20"])))
def test_every_option_value_is_a_value_or_one_line(text):
    """--temperature (digitpad.cli.temperature) and any option through cli.ArgumentParser: a value in
    range, or argparse's one line of error (exit 2); "--option=--" included, which argparse alone took
    for an empty list without calling the type."""
    from digitpad import cli

    with fuzz_case("digitpad.cli: --temperature"):
        p = cli.ArgumentParser(prog="fuzz")
        p.add_argument("--temperature", type=cli.temperature, default=0.8)
        try:
            value = p.parse_args([f"--temperature={text}"]).temperature
        except SystemExit as e:
            assert e.code == 2
            return
        assert isinstance(value, float) and cli.MIN_TEMPERATURE <= value <= cli.MAX_TEMPERATURE


@settings(max_examples=60, deadline=None)
@given(height=st.integers(1, 200), width=st.integers(1, 1500), digits=st.integers(0, 8),
       boxes=st.lists(st.tuples(*[st.integers(-50, 3000)] * 4), min_size=8, max_size=8), seed=st.integers(0, 999))
def test_a_number_tile_of_any_reading(height, width, digits, boxes, seed):
    """digitpad.scans.numbers.number_tile: any picture and any reading of it (digits found or not, boxes
    off the picture, none of them sure) gives a tile of one size, its picture fitted into it."""
    from digitpad.scans.numbers import TILE, number_tile

    rng = np.random.default_rng(seed)
    picture = rng.integers(0, 256, (height, width), dtype=np.uint8)
    found = [{"digit": int(rng.integers(0, 10)) if rng.random() < 0.9 else None, "confidence": 0.5,
              "sure": bool(rng.random() < 0.5), "box": list(box)} for box in boxes[:digits]]
    read = {"number": "".join(str(d["digit"]) if d["sure"] else "?" for d in found), "sure": False, "digits": found}
    with fuzz_case("digitpad.scans.numbers.number_tile"):
        tile = number_tile(picture, "".join(map(str, rng.integers(0, 10, digits))), read)
        assert tile.shape == (TILE[1] + 20, TILE[0], 3) and tile.dtype == np.uint8


@settings(max_examples=150, deadline=None)
@given(height=st.integers(1, 300), width=st.integers(1, 300),
       kind=st.sampled_from(["noise", "blobs", "flat", "stripes"]), seed=st.integers(0, 2**32 - 1))
@example(height=1, width=1, kind="flat", seed=0)
@example(height=300, width=300, kind="noise", seed=1)  # thousands of basins
def test_ink_basins_filled_on_any_estimate(height, width, kind, seed):
    """digitpad.preprocessing._ink_basins_filled: any paper estimate (any size, thousands of basins or
    none) comes back the same size, never darker than it was, its edges as they were (the paper's
    way out), never lighter than its lightest pixel."""
    import cv2
    from digitpad.preprocessing import _ink_basins_filled

    rng = np.random.default_rng(seed)
    paper = {"noise": lambda: rng.integers(0, 256, (height, width), dtype=np.uint8),
             "blobs": lambda: cv2.GaussianBlur(rng.integers(0, 256, (height, width), dtype=np.uint8), (0, 0), 4),
             "flat": lambda: np.full((height, width), int(rng.integers(0, 256)), np.uint8),
             "stripes": lambda: np.tile(np.where(np.arange(width) % 7 < 3, 40, 220).astype(np.uint8), (height, 1)),
             }[kind]()
    gray = np.clip(paper.astype(np.int16) - rng.integers(0, 200, paper.shape), 0, 255).astype(np.uint8)
    with fuzz_case("digitpad.preprocessing._ink_basins_filled"):
        out = _ink_basins_filled(paper, gray)
        assert out.shape == paper.shape and out.dtype == np.uint8
        assert (out >= paper).all() and out.max() <= paper.max()
        for edge in (np.s_[0, :], np.s_[-1, :], np.s_[:, 0], np.s_[:, -1]):
            assert np.array_equal(out[edge], paper[edge])


@settings(max_examples=120, deadline=None)
@given(height=st.integers(1, 400), width=st.integers(1, 400), marks=st.integers(0, 12),
       shade=st.floats(0.15, 1.0), seed=st.integers(0, 2**32 - 1))
@example(height=1, width=400, marks=3, shade=0.2, seed=0)  # thin
@example(height=400, width=400, marks=0, shade=0.15, seed=1)  # a deep shadow alone
def test_unevenly_lit_pictures_of_any_shape_become_a_canvas(height, width, marks, shade, seed):
    """canvas_from_image on paper lit unevenly (so the paper is estimated, and its basins looked for):
    any size, bold and thin marks or none, a shadow of any depth inside or at an edge, noise. A canvas
    of the picture's size comes back, white on black, never an error."""
    import cv2
    from digitpad.preprocessing import canvas_from_image

    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    light = 130 + 110 * (x / max(width, 1) * rng.random() + y / max(height, 1) * rng.random())
    ink = np.zeros((height, width), np.uint8)
    for _ in range(marks):
        points = rng.integers(0, [max(width, 1), max(height, 1)], (2, 2)).astype(np.int32)
        cv2.line(ink, tuple(map(int, points[0])), tuple(map(int, points[1])), 255, int(rng.integers(1, 60)))
    shadow = np.ones((height, width))
    cx, cy, r = rng.integers(0, max(width, 1)), rng.integers(0, max(height, 1)), rng.integers(1, 200)
    shadow[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = shade
    picture = light * shadow * (1 - 0.8 * ink / 255) + rng.normal(0, 4, (height, width))
    gray = np.clip(picture, 0, 255).astype(np.uint8)
    with fuzz_case("digitpad.preprocessing.canvas_from_image, uneven light"):
        canvas = canvas_from_image(gray)
        assert canvas.shape == gray.shape and canvas.dtype == np.uint8
