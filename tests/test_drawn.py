"""Pen trajectories: the UNIPEN parser, rendering like the pad, and the drawn-digit benchmark."""
import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT
from digitpad.drawn.benchmark import evaluate_drawn
from digitpad.drawn.render import CONDITIONS, Condition, place, random_condition, render_digit, training_inputs
from digitpad.drawn.unipen import UnipenError, parse_unipen, parse_writers, read_unipen

FIXTURE = ROOT / "tests" / "fixtures" / "tiny.tra"


def test_parses_labels_writers_and_strokes():
    digits = read_unipen(FIXTURE)
    assert [d.label for d in digits] == [1, 7, 4]
    assert [d.writer for d in digits] == [3, 3, 27]
    assert digits[0].strokes == (((250, 450), (250, 350), (250, 250), (250, 150), (250, 50)),)
    assert len(digits[2].strokes) == 2


@pytest.mark.parametrize("text, line, message", [
    ('.SEGMENT DIGIT 0 ? "1"\n.PEN_DOWN\n 1 2\n 3\n.PEN_UP\n', 4, "two integers"),
    ('.SEGMENT DIGIT 0 ? "1"\n.PEN_DOWN\n 1 2\n a b\n.PEN_UP\n', 4, "two integers"),
    ('.SEGMENT DIGIT 0 ? "1"\n 1 2\n', 2, "outside a stroke"),
    ('.PEN_DOWN\n', 1, "before any .SEGMENT"),
    ('.SEGMENT DIGIT 0 ? "x"\n', 1, "quoted digit label"),
    ('.SEGMENT DIGIT 0 ? "1"\n.PEN_UP\n', 2, "without .PEN_DOWN"),
    ('.SEGMENT DIGIT 0 ? "1"\n.PEN_DOWN\n.PEN_DOWN\n', 3, "inside a stroke"),
    ('.SEGMENT DIGIT 0 ? "1"\n.PEN_DOWN\n.PEN_UP\n', 3, "empty stroke"),
    ('.SEGMENT DIGIT 0 ? "1"\n.PEN_DOWN\n 1 2\n', "end", "inside a stroke"),
    ('.SEGMENT DIGIT 0 ? "1"\n.SEGMENT DIGIT 1 ? "2"\n', 1, "no strokes"),
    ('.SEGMENT DIGIT 0 ? "1"\n.PEN_DOWN\n 1 99999999\n.PEN_UP\n', 3, "out of range"),
])
def test_malformed_files_name_the_line(text, line, message):
    with pytest.raises(UnipenError, match=f"test.tra:{line}: .*{message}"):
        parse_unipen(text.splitlines(), "test.tra")


def test_unreadable_files(tmp_path):
    (tmp_path / "bin.tra").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(UnipenError, match="not a UNIPEN text file"):
        read_unipen(tmp_path / "bin.tra")
    with pytest.raises(UnipenError, match="cannot read"):
        read_unipen(tmp_path / "missing.tra")


def test_gzip_files_read_as_the_text_and_bounded_once_uncompressed(tmp_path, monkeypatch):
    import gzip

    import digitpad.drawn.unipen

    packed = tmp_path / "test.tra.gz"
    packed.write_bytes(gzip.compress(FIXTURE.read_bytes()))
    assert read_unipen(packed) == read_unipen(FIXTURE)
    (tmp_path / "cut.gz").write_bytes(gzip.compress(FIXTURE.read_bytes())[:-20])
    with pytest.raises(UnipenError, match="cannot read.*broken gzip"):
        read_unipen(tmp_path / "cut.gz")
    bomb = tmp_path / "bomb.gz"  # 3 MB of zeros in 3 KB; the bound is lowered so the test stays small
    bomb.write_bytes(gzip.compress(bytes(3 << 20)))
    monkeypatch.setattr(digitpad.drawn.unipen, "MAX_FILE_BYTES", 1 << 20)
    with pytest.raises(UnipenError, match="over the 1,048,576-byte limit once uncompressed"):
        read_unipen(bomb)


def test_the_pen_digits_ship_with_the_repository():
    """A fresh clone is whole: the 7,494 digits of writers 1-30 are in digitpad/drawn/datasets (issue 25)."""
    from digitpad.drawn.render import DEFAULT_DATA

    digits = read_unipen(DEFAULT_DATA)
    assert len(digits) == 7494 and {d.writer for d in digits} == set(range(1, 31))


def test_reading_only_some_writers():
    assert [d.label for d in read_unipen(FIXTURE, writers={27})] == [4]
    assert read_unipen(FIXTURE, writers=set()) == []


def test_writer_lists():
    assert parse_writers("1-3,7") == {1, 2, 3, 7}
    with pytest.raises(ValueError):
        parse_writers("a-b")
    with pytest.raises(ValueError):
        parse_writers("5-1")


def test_place_flips_scales_and_centres():
    strokes = (((0, 0), (0, 100)),)  # a vertical line, drawn upwards on the tablet
    (placed,) = place(strokes, size=400, height=0.5, centre=(0.25, 0.5))
    assert placed[0].tolist() == [100.0, 300.0]  # the bottom of the tablet is the bottom of the pad
    assert placed[1].tolist() == [100.0, 100.0]


def test_place_slants_and_stretches():
    strokes = (((0, 0), (0, 100)), ((0, 0), (100, 0)))  # an upward line and a rightward one
    (up, right) = place(strokes, size=400, height=0.5, centre=(0.5, 0.5), slant=0.5)
    assert up[1][0] - up[0][0] == pytest.approx(100)  # leans right: half its 200 px height
    assert up[0][1] - up[1][1] == pytest.approx(200)  # still 0.5 of the pad tall
    assert right[1][1] == right[0][1]  # horizontal lines stay horizontal
    (_, wide), (_, narrow) = (place(strokes, 400, 0.5, (0.5, 0.5), width=w) for w in (1.2, 0.8))
    assert np.ptp(wide[:, 0]) / np.ptp(narrow[:, 0]) == pytest.approx(1.5)


def test_renderer_draws_the_trajectory_where_expected():
    one = read_unipen(FIXTURE)[0]
    canvas = render_digit(one.strokes, Condition("t", 200, 0.5, (0.5, 0.5), 10))
    rows, cols = np.nonzero(canvas > 128)
    assert 45 <= rows.min() <= 52 and 148 <= rows.max() <= 155  # 100 px tall, centred, brush radius 5
    assert 94 <= cols.min() and cols.max() <= 106


def test_random_conditions_stay_on_the_pad():
    rng = np.random.default_rng(0)
    seven = read_unipen(FIXTURE)[1]
    for _ in range(100):
        c = random_condition(rng)
        canvas = render_digit(seven.strokes, c)
        assert canvas.any() and canvas.shape == (c.canvas, c.canvas)
        assert not canvas[0].any() and not canvas[-1].any()  # the digit is not cut at the edges
        assert (c.slant, c.width) == (0.0, 1.0)


def test_random_hands_vary_slant_and_width_within_bounds():
    rng = np.random.default_rng(0)
    seven = read_unipen(FIXTURE)[1]
    conditions = [random_condition(rng, hands=True) for _ in range(200)]
    slants, widths = np.array([c.slant for c in conditions]), np.array([c.width for c in conditions])
    assert -0.3 <= slants.min() < -0.2 and 0.2 < slants.max() <= 0.3
    assert 0.77 <= widths.min() < 0.85 and 1.2 < widths.max() <= 1.29
    for c in conditions[:50]:
        canvas = render_digit(seven.strokes, c)
        assert canvas.any() and not canvas[0].any() and not canvas[-1].any()
        assert not canvas[:, 0].any() and not canvas[:, -1].any()


class StubModel:
    """Says 1 for tall thin ink, 7 otherwise: right on the fixture's 1 and 7, wrong on its 4."""

    def predict_proba(self, images):
        digits = [1 if (img > 0.3).any(axis=0).sum() < 10 else 7 for img in images.reshape(-1, 28, 28)]
        return np.eye(10, dtype=np.float32)[digits]


def test_benchmark_with_a_stub_model():
    result = evaluate_drawn(StubModel(), read_unipen(FIXTURE), CONDITIONS[:3])
    for c in result["conditions"].values():
        assert c["samples"] == 3 and c["accuracy"] == pytest.approx(2 / 3)
    assert result["most_confused"] == [(4, 7, 3)]
    assert result["writers"] == {3: {"accuracy": 1.0, "samples": 2, "errors": 0},
                                 27: {"accuracy": 0.0, "samples": 1, "errors": 3}}  # the 4 is writer 27's


def test_eval_drawn_photos_prints_each_condition_as_it_is_measured():
    from digitpad.drawn.photos import CONDITIONS as PHOTO_CONDITIONS

    tool = [sys.executable, str(ROOT / "tools" / "eval_drawn.py"), "--data", str(FIXTURE), "--writers", "all",
            "--photos"]
    with subprocess.Popen(tool, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT) as process:
        first = process.stdout.readline()  # a line before the rest is measured (it used to wait for all)
        rest = process.stdout.read()
        assert process.wait(timeout=300) == 0, process.stderr.read()
    lines = (first + rest).splitlines()
    assert [line.split()[0] for line in lines] == list(PHOTO_CONDITIONS)
    assert all(line.endswith("%") for line in lines)
    r = subprocess.run(tool + ["--json"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    photos = json.loads(r.stdout)["photos"]
    assert list(photos) == list(PHOTO_CONDITIONS) and all(0 <= a <= 1 for a in photos.values())
    assert [f"{100 * a:.2f}%" for a in photos.values()] == [line.split()[1] for line in lines]
    r = subprocess.run(tool + ["--conditions", "chalk,clean", "--json"], capture_output=True, text=True, timeout=300,
                       cwd=ROOT)
    assert list(json.loads(r.stdout)["photos"]) == ["chalk", "clean"]
    r = subprocess.run(tool + ["--conditions", "centred"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert r.returncode == 2 and "unknown condition(s) centred; choose from clean," in r.stderr  # a pad condition


def test_eval_drawn_tool(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "eval_drawn.py"), "--data", str(FIXTURE),
                        "--writers", "all", "--conditions", "centred,thin-brush", "--json"],
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert set(result["conditions"]) == {"centred", "thin-brush"}
    assert set(result["writers"]) == {"3", "27"} and result["selected_writers"] == "all"
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "eval_drawn.py"), "--data", str(FIXTURE),
                        "--writers", "all", "--conditions", "centred", "--turn", "10", "--json"],
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["conditions"]["centred"]["samples"] == 3
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "eval_drawn.py"), "--data", str(FIXTURE),
                        "--writers", "3", "--conditions", "centred"], capture_output=True, text=True, timeout=120,
                       cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert "2 drawn digits from writers 3" in r.stdout
    assert "per writer (all conditions): accuracy (its errors, of " in r.stdout and "): 3 " in r.stdout
    bad = tmp_path / "bad.tra"
    bad.write_text('.SEGMENT DIGIT 0 ? "1"\n 5 5\n')
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "eval_drawn.py"), "--data", str(bad)],
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 1 and "bad.tra:2" in r.stderr


def test_training_inputs_are_reproducible_and_labelled():
    digits = read_unipen(FIXTURE)
    a, labels = training_inputs(digits, 3, np.random.default_rng(5))
    b, _ = training_inputs(digits, 3, np.random.default_rng(5))
    assert a.shape == (9, 784) and np.array_equal(a, b)
    assert labels.tolist() == [1, 7, 4] * 3
    assert (a.reshape(9, -1).max(axis=1) > 0.9).all()
    c, _ = training_inputs(digits, 3, np.random.default_rng(5), hands=True)
    d, _ = training_inputs(digits, 3, np.random.default_rng(5), hands=True)
    assert np.array_equal(c, d) and not np.array_equal(a, c)


def test_training_inputs_draw_each_digit_both_as_the_pad_reads_it_and_as_a_picture_shows_it():
    """Redrawn, a digit's input is the same under any condition (one path, one width); brushed, it
    carries the condition's brush. Each digit gets both, variant by variant."""
    from digitpad.drawn.render import drawn_input

    digits = read_unipen(FIXTURE)
    images, _ = training_inputs(digits, 4, np.random.default_rng(0))
    for j, digit in enumerate(digits):
        redrawn = drawn_input(digit.strokes, CONDITIONS[0]).reshape(-1)
        same = [np.allclose(images[v * len(digits) + j], redrawn, atol=1e-6) for v in range(4)]
        assert same == [j % 2 == 0, j % 2 == 1] * 2, (j, same)


def test_with_drawings_adds_pen_digits_and_non_digits_the_same_for_a_seed():
    from digitpad.drawn.nondigits import NOT_A_DIGIT
    from digitpad.drawn.training import with_drawings

    x, y = np.zeros((5, 784), np.float32), np.arange(5, dtype=np.int64)
    same = with_drawings(x, y, 0)
    assert same[0] is x and same[1] is y
    x2, y2 = with_drawings(x, y, 0, FIXTURE, "1-25", variants=2, non_digits=3, log=lambda msg: None)
    assert x2.shape == (5 + 2 * 2 + 3, 784) and list(y2) == [0, 1, 2, 3, 4, 1, 7, 1, 7] + [NOT_A_DIGIT] * 3
    assert x2[5:].max() > 0.5  # drawn, not blank
    np.testing.assert_array_equal(x2, with_drawings(x, y, 0, FIXTURE, "1-25", 2, non_digits=3, log=lambda m: None)[0])
    with pytest.raises(UnipenError, match="no digits from writers 10-20"):
        with_drawings(x, y, 0, FIXTURE, "10-20")


def test_validation_metrics_cover_every_condition_or_none_without_the_file(tmp_path):
    from digitpad.drawn.benchmark import validation_digits, validation_metrics
    from mnist_mlp import load_model

    assert validation_digits(tmp_path / "none.tra") is None
    assert validation_metrics(load_model(ROOT / "weights"), None) is None
    result = validation_metrics(load_model(ROOT / "weights"), validation_digits(FIXTURE))  # writer 27's 4: one digit
    assert result["writers"] == "26-30" and result["samples"] == 1
    assert set(result["conditions"]) == {c.name for c in CONDITIONS} and 0 <= result["worst_accuracy"] <= 1


def test_with_drawings_adds_regional_forms_and_scans():
    from digitpad.drawn.training import with_drawings

    x, y = np.zeros((5, 784), np.float32), np.arange(5, dtype=np.int64)
    plain = with_drawings(x, y, 0, FIXTURE, "1-25", 2, non_digits=3, log=lambda m: None)
    scanned = with_drawings(x, y, 0, FIXTURE, "1-25", 2, non_digits=3, forms=4, scans=1.0, log=lambda m: None)
    assert len(scanned[0]) == len(plain[0]) + 4 and scanned[1][9:13].tolist() == [0, 0, 0, 1]
    assert not np.array_equal(plain[0][5:9], scanned[0][5:9])  # the pen digits are drawn as scans
    again = with_drawings(x, y, 0, FIXTURE, "1-25", 2, non_digits=3, forms=4, scans=1.0, log=lambda m: None)
    np.testing.assert_array_equal(scanned[0], again[0])
