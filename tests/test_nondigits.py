"""The non-digit drawings: families, held-out ones, glyph data, and the refusal benchmark."""
import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT
from digitpad.drawn.benchmark import evaluate_refusal, held_out_non_digits
from digitpad.drawn.nondigits import (DIGIT_LIKE, FAMILIES, HELD_OUT, LETTERS, TRAINING_FAMILIES, glyphs, mosaic,
                                      non_digit_inputs)
from digitpad.drawn.render import CONDITIONS
from digitpad.drawn.unipen import read_unipen
from mnist_mlp import load_model


@pytest.mark.parametrize("family", list(FAMILIES))
def test_every_family_draws_network_inputs(family):
    images, names = non_digit_inputs(12, np.random.default_rng(0), (family,))
    assert images.shape == (12, 784) and images.dtype == np.float32 and names == [family] * 12
    assert images.min() >= 0 and images.max() <= 1
    assert (images.max(axis=1) > 0.999).all()  # each has ink, normalised like a digit
    assert len({im.tobytes() for im in images}) > 6  # not the same drawing over and over


def test_same_seed_same_drawings_and_families_take_turns():
    a, names = non_digit_inputs(16, np.random.default_rng(5))
    b, _ = non_digit_inputs(16, np.random.default_rng(5))
    assert np.array_equal(a, b)
    assert names[:len(TRAINING_FAMILIES)] == list(TRAINING_FAMILIES)


def test_brushed_non_digits_are_drawn_every_other_time_with_the_brush():
    plain, _ = non_digit_inputs(8, np.random.default_rng(3))
    mixed, _ = non_digit_inputs(8, np.random.default_rng(3), brushed=True)
    assert np.array_equal(plain[::2], mixed[::2]) and not np.array_equal(plain[1::2], mixed[1::2])


def test_held_out_families_are_never_trained_on():
    assert set(HELD_OUT) <= set(FAMILIES) and not set(HELD_OUT) & set(TRAINING_FAMILIES)


def test_glyphs_that_read_as_digits_are_left_out():
    assert not set(DIGIT_LIKE) & set(LETTERS)
    data = json.loads((ROOT / "digitpad" / "drawn" / "glyphs.json").read_text())["glyphs"]
    for family in ("letters", "script", "blackletter"):
        assert not {g["char"] for g in data[family]} & set(DIGIT_LIKE)
    assert not {g["char"] for g in data["kana-kanji"]} & set("8:Ykm")  # the kanji 7 and 9; no, ru, ro (6, 3, 3)
    assert all(glyphs()[f] for f in data)


def test_glyph_strokes_point_down():
    """Hershey's y grows downwards, as on the pad: a T's bar is above its stem."""
    data = json.loads((ROOT / "digitpad" / "drawn" / "glyphs.json").read_text())["glyphs"]["letters"]
    t = next(g for g in data if g["char"] == "T" and g["font"] == "futural")
    ys = [np.array(s)[:, 1] for s in t["strokes"]]
    bar = min(ys, key=lambda y: np.ptp(y))
    assert bar.mean() <= min(y.min() for y in ys) + 1


def test_mosaic_has_a_row_per_family():
    image = mosaic(np.random.default_rng(0), per_family=4, zoom=2)
    assert image.shape == (56 * len(FAMILIES), 150 + 4 * 56) and image.dtype == np.uint8


def test_shipped_model_refuses_non_digits_and_answers_digits():
    """A small version of `eval_drawn.py --non-digits`: the shipped model was trained to spread its
    probability over non-digits; the share refused is far above what chance confidence would give."""
    model = load_model(ROOT / "weights")
    digits = read_unipen(ROOT / "tests" / "fixtures" / "tiny.tra")
    result = evaluate_refusal(model, digits, CONDITIONS[:2], held_out_non_digits(40), 0.5)
    assert set(result["families"]) == set(FAMILIES)
    for family in TRAINING_FAMILIES:
        assert result["families"][family]["refused"] >= 0.75, family
    assert result["held_out_refused"] >= 0.4
    assert all(c["answered"] == 1.0 and c["accuracy"] == 1.0 for c in result["conditions"].values())
    curve = result["curve"]
    assert [r["held_out_refused"] for r in curve] == sorted(r["held_out_refused"] for r in curve)


def test_eval_drawn_non_digits_cli(tmp_path):
    out = subprocess.run([sys.executable, "tools/eval_drawn.py", "--data", "tests/fixtures/tiny.tra",
                          "--writers", "all", "--conditions", "centred", "--non-digits", "10", "--json",
                          "--mosaic", str(tmp_path / "m.png")], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert set(result) >= {"families", "held_out_refused", "conditions", "curve", "threshold"}
    assert (tmp_path / "m.png").stat().st_size > 1000
    bad = subprocess.run([sys.executable, "tools/eval_drawn.py", "--non-digits", "-1"], cwd=ROOT,
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "--non-digits must be between 0 and" in bad.stderr


def test_the_audit_leaves_out_glyphs_a_person_reads_as_a_digit():
    """drawn.nondigits.AUDIT (lambda, phi, the kanji numerals, ...) never reaches a non-digit family,
    and each entry names a glyph the fonts have, so the list is not idle."""
    from digitpad.drawn.nondigits import AUDIT, GLYPH_SETS

    data = json.loads((ROOT / "digitpad" / "drawn" / "glyphs.json").read_text())["glyphs"]
    drawn_from = {(g["font"], g["char"]) for family in data.values() for g in family}
    assert not drawn_from & set(AUDIT)
    asked = {(font, char) for sets in GLYPH_SETS.values() for fonts, chars in sets for font in fonts for char in chars}
    assert not asked & set(AUDIT)
    assert {font for font, _ in AUDIT} <= {font for font, _ in asked}  # fonts the glyph sets draw from
    assert all(reason for reason in AUDIT.values())
