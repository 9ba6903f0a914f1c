"""digitpad.scans.calibration and tools/fit_scan_temperature.py: the temperature scans are read at."""
import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT
from digitpad.reading import NO_DIGIT, SCAN_TEMPERATURE, TurnedViews
from digitpad.scans.calibration import TEMPERATURES, best, losses, non_digit_readings
from mnist_mlp import load_model


def test_unsure_right_digits_want_sharpening_and_non_digits_want_none():
    digits = np.array([[0.05] * 9 + [0.55], [0.6, 0.4] + [0.0] * 8])  # right, each unsure-ish
    tied = np.array([NO_DIGIT, [0.3] + [0.7 / 9] * 9])
    rows = losses(digits, [9, 0], tied)
    t, digit, non_digit, mean = map(np.array, zip(*rows))
    assert list(t) == list(TEMPERATURES) and 0.5 in t and 1.0 in t
    assert (np.diff(digit) > 0).all()  # sharper (lower temperature): the right digits likelier
    assert (np.diff(non_digit) <= 1e-12).all()  # sharper: the non-digits further from a tenth each
    np.testing.assert_allclose(mean, (digit + non_digit) / 2)
    assert best(rows) == t[mean.argmin()]
    assert best(losses(digits, [9, 0], NO_DIGIT[None])) == min(TEMPERATURES)  # a true tie costs nothing
    assert best(losses(digits, [0, 1], tied)) == max(TEMPERATURES)  # wrong digits: never sharpen


@pytest.mark.parametrize("digits, labels, non_digits", [
    (np.zeros((0, 10)), [], [NO_DIGIT]), ([NO_DIGIT], [1], np.zeros((0, 10))), ([NO_DIGIT], [1, 2], [NO_DIGIT])])
def test_losses_need_readings_of_both_kinds(digits, labels, non_digits):
    with pytest.raises(ValueError, match="need readings"):
        losses(digits, labels, non_digits)


def test_non_digit_readings_are_the_networks_and_skip_blank_pictures():
    views = TurnedViews(load_model())
    ring = np.full((64, 64), 255, np.uint8)
    ring[16:48, 16:48] = 0
    ring[20:44, 20:44] = 255  # a square outline, blown up from 16x16 by 4: sharpened when read as a scan
    read = non_digit_readings(views, [ring, np.full((30, 30), 255, np.uint8)])
    assert read.shape == (1, 10)
    from digitpad.reading import picture_reading
    np.testing.assert_array_equal(read[0], picture_reading(views, ring, temperature=1)[0])
    assert non_digit_readings(views, []).shape == (0, 10)


def run(*args):
    return subprocess.run([sys.executable, str(ROOT / "tools" / "fit_scan_temperature.py"), *map(str, args)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_the_tool_fits_on_a_few_development_scans(mnist):
    r = run("--limit", "5", "--non-digits", "1", "--json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["digits"] == 25 and 0 < result["non_digits"] <= 3 * 20
    rows = result["losses"]
    assert [r["temperature"] for r in rows] == list(TEMPERATURES)
    assert result["best"] == min(rows, key=lambda r: r["mean"])["temperature"]
    assert all(abs(r["mean"] - (r["digits"] + r["non_digits"]) / 2) < 1e-6 for r in rows)
    assert SCAN_TEMPERATURE in TEMPERATURES  # the shipped one is one the tool weighs
    table = run("--limit", "2", "--non-digits", "1")
    assert table.returncode == 0 and "likeliest at" in table.stdout and "10 development scans" in table.stdout


@pytest.mark.parametrize("args, says", [
    (["--non-digits", "0"], "between 1 and"), (["--non-digits", "1001"], "between 1 and"),
    (["--limit", "0"], "at least 1"), (["--limit", "x"], "invalid int"), (["--weights", "/nonexistent"], "error:"),
    (["--weights", "README.md"], "error:"), (["--weights", "/dev/null"], "error:")])
def test_tool_mistakes_get_one_line(args, says):
    r = run(*args)
    assert r.returncode in (1, 2) and says in r.stderr and "Traceback" not in r.stderr
