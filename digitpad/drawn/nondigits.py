"""Drawings that are not digits: letters, other alphabets and scripts, signs, scribbles, hatching, dots,
shapes, two marks.

The network learns to spread its probability over all ten digits for these (outlier
exposure), and they measure how often the pad refuses what is not a digit. Every one
is a list of strokes drawn the way the pad draws, under a random condition
(digitpad.drawn.render: pad size, place, brush, slant, width), and made into the network input the
pad would make of it.

Letters and symbols are Hershey stroke glyphs (glyphs.json beside this file, made by
tools/make_glyphs.py). Glyphs a person could read as a digit are left out: see
DIGIT_LIKE. The families of HELD_OUT are never trained on, so refusing them measures
what the network learned, not what it saw.
"""
import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from .render import brushed_input, drawn_input, labelled_rows, random_condition
from .scanlike import scan_input

NOT_A_DIGIT = -1  # the label of a non-digit in training data: its target is the uniform distribution

# O o Q D U: 0; I l i j J: 1; Z z: 2; S s: 5; G b: 6; B: 8; g q: 9.
DIGIT_LIKE = "OoQDUIlijJZzSsGbBgq"
LETTERS = "".join(c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in DIGIT_LIKE)
SYMBOLS = "*#@%?=+<>~"  # left out: ! | / ( ) [ ] ^ (an upward arrow in some fonts): 1; & (8), $ (5)
# Other alphabets and signs, by the key that gives each glyph in its Hershey font; left out:
# Greek O o I i Z B b D (a triangle) d e q s t x z; Cyrillic B b C c J j O o V v Z z _ ~ (6 3 4 0 8 3 6);
# astrology # & * , . ^ | (0 0 4 9, a diamond, 69, an arrow); mathematical i j k l m n u y | (arrows, 6, a
# triangle, 11); symbolic shapes, stars, the heart, the shield, g v w. AUDIT below left out more.
GREEK = "GPSWXY" + "acghkmnprwuy"
CYRILLIC = "DEGHIKLMNPQRSTUWXY[]^$%" + "adeghiklmnpqrstuwxy"
SIGNS = [(["astrology"], "!$%'+-/:;<=>?@[]_`{}~"), (["mathlow"], "!\"#&'*:;?@_`dfghowxz~"),
         (["symbolic"], "WXYZ[]^abcdfhijknpxyz{|")]
# Japanese kana and kanji by their key in Hershey's font; left out: ; < = > ? @ t u v w (no glyph),
# 8 : (the kanji for 7 and 9), ! p (small and plain u, like a 5), L (shi, like a J), S (te, like a 7),
# Y (no, like a 6), i (ra, like a 5), j (ri, like 11), k m (ru, ro, like a 3), and AUDIT's.
JAPANESE = "".join(c for c in map(chr, range(33, 127)) if c not in ";<=>?@tuvw" + "8:!pLSYijkm" + "\"1234567CQ")
# The audit against the catalogue of digit forms (digitpad.drawn.forms, docs/digit-forms.png): glyphs that a
# person somewhere reads as a digit are no non-digits, whatever alphabet they belong to.
AUDIT = {("greek", "l"): "lambda: a continental 1 (a long up-stroke, then down)",
         ("greek", "L"): "capital lambda: a continental 1 whose up-stroke starts low",
         ("greek", "F"): "capital phi: a 0 with a slash", ("greek", "f"): "phi: a 0 with a slash",
         ("cyrillic", "F"): "ef: a 0 with a slash", ("cyrillic", "f"): "ef: a 0 with a slash",
         ("mathlow", "v"): "there exists: a 3 with a flat top written in straight lines",
         ("japanese", "\""): "a long bar, the kanji for 1", ("japanese", "2"): "the kanji for 1",
         ("japanese", "3"): "the kanji for 2", ("japanese", "4"): "the kanji for 3",
         ("japanese", "5"): "the kanji for 4", ("japanese", "6"): "the kanji for 5",
         ("japanese", "7"): "the kanji for 6", ("japanese", "1"): "the kanji for 10",
         ("japanese", "C"): "u: a 5 or a flat-topped 3", ("japanese", "Q"): "chi: a 5 with a crossed top"}
GLYPH_SETS = {"letters": [(["futural", "futuram", "rowmans", "rowmand", "rowmant", "timesr", "timesi", "timesib"],
                           LETTERS)],
              "script": [(["scripts", "scriptc", "cursive"], LETTERS)],
              "blackletter": [(["gothiceng", "gothicger", "gothicita"], LETTERS)],
              "kana-kanji": [(["japanese"], JAPANESE)],
              "symbols": [(["futural", "rowmand", "timesr"], SYMBOLS)],
              "alphabets": [(["greek"], GREEK), (["cyrillic"], CYRILLIC)],
              "signs": SIGNS}
GLYPHS_FILE = Path(__file__).with_name("glyphs.json")


@lru_cache(maxsize=1)
def glyphs():
    """{family: [strokes of each glyph]} from GLYPHS_FILE, each stroke an (n, 2) array, y down."""
    data = json.loads(GLYPHS_FILE.read_text())["glyphs"]
    return {family: [[np.asarray(s, np.float64) for s in g["strokes"]] for g in items]
            for family, items in data.items()}


def _glyph(family):
    def draw(rng):
        chosen = glyphs()[family]
        return chosen[int(rng.integers(len(chosen)))]
    return draw


def _polyline(points):
    return np.asarray(points, np.float64)


def scribble(rng):
    """A pen wandering about: crossing out (a zigzag to and fro), a coil, or a long tangle."""
    kind = rng.integers(3)
    if kind == 0:
        n = int(rng.integers(5, 12))
        x = np.where(np.arange(n) % 2 == 0, -1.0, 1.0) + rng.normal(0, 0.1, n)
        y = np.linspace(-1, 1, n) * rng.uniform(0.4, 1.0) + rng.normal(0, 0.05, n)
        return [np.stack([x, y], axis=1) @ _rotation(rng.uniform(-0.4, 0.4))]
    if kind == 1:
        t = np.linspace(0, rng.uniform(3, 7) * 2 * np.pi, 150)
        coil = np.stack([t / (2 * np.pi) * rng.uniform(0.3, 1.0) + np.cos(t), rng.uniform(0.6, 1.5) * np.sin(t)], 1)
        return [coil @ _rotation(rng.uniform(-np.pi, np.pi))]
    steps = rng.normal(size=(int(rng.integers(40, 90)), 2))
    walk = np.cumsum(steps, axis=0)
    kernel = np.ones(3) / 3
    return [np.stack([np.convolve(walk[:, i], kernel, mode="valid") for i in range(2)], axis=1)]


def _rotation(angle):
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, s], [-s, c]])


def hatching(rng):
    """Three to eight parallel lines, crossed by a second set half the time."""
    strokes = []
    for angle in [rng.uniform(0, np.pi)] + ([rng.uniform(0, np.pi)] if rng.random() < 0.5 else []):
        k = int(rng.integers(3, 9))
        direction, normal = np.array([np.cos(angle), np.sin(angle)]), np.array([-np.sin(angle), np.cos(angle)])
        for offset in np.linspace(-1, 1, k):
            strokes.append(_polyline([offset * normal - direction, offset * normal + direction]))
    return strokes


def dots_and_dashes(rng):
    """One dot, a few dots, a dash, or a row of dashes: never a vertical line (a 1)."""
    kind = rng.integers(4)
    if kind == 0:
        return [_polyline([[0, 0]])]
    if kind == 1:
        return [_polyline([p]) for p in rng.uniform(0, 1, size=(int(rng.integers(2, 6)), 2))]
    angle = rng.uniform(-0.5, 0.5)
    dash = np.array([np.cos(angle), np.sin(angle)])
    if kind == 2:
        return [_polyline([-dash, dash])]
    return [_polyline([(2.5 * i - 0.8) * dash, (2.5 * i + 0.8) * dash]) for i in range(int(rng.integers(2, 5)))]


def polygon(rng):
    """A closed polygon of three to six corners at random angles and distances from its middle:
    sharp corners, where a 0 is round."""
    k = int(rng.integers(3, 7))
    angles = np.sort(rng.uniform(0, 2 * np.pi, k))
    radii = rng.uniform(0.5, 1.0, k)
    corners = np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)
    return [np.vstack([corners, corners[:1]])]


def _star(points, inner):
    t = np.arange(2 * points + 1) * np.pi / points - np.pi / 2
    r = np.where(np.arange(2 * points + 1) % 2 == 0, 1.0, inner)
    return _polyline(np.stack([r * np.cos(t), r * np.sin(t)], axis=1))


def shape(rng):
    """A triangle, square, rectangle, star, spiral, arrow, check mark or heart; no circle (a 0)."""
    kind = rng.integers(8)
    if kind == 0:
        return [_polyline([[0, -1], [0.9, 0.7], [-0.9, 0.7], [0, -1]])]
    if kind in (1, 2):
        w = 1.0 if kind == 1 else rng.uniform(1.6, 2.5)
        return [_polyline([[-w, -1], [w, -1], [w, 1], [-w, 1], [-w, -1]])]
    if kind == 3:
        return [_star(int(rng.integers(5, 8)), rng.uniform(0.35, 0.5))]
    if kind == 4:
        t = np.linspace(0, rng.uniform(2.5, 4) * 2 * np.pi, 120)
        return [np.stack([t * np.cos(t), t * np.sin(t)], axis=1)]
    if kind == 5:
        return [_polyline([[-1, 0], [1, 0]]), _polyline([[0.5, -0.5], [1, 0], [0.5, 0.5]])]
    if kind == 6:
        return [_polyline([[-0.6, 0], [-0.1, 0.6], [1, -1]])]
    t = np.linspace(0, 2 * np.pi, 80)
    return [np.stack([16 * np.sin(t) ** 3, -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t)
                                             - np.cos(4 * t))], axis=1) / 16]


def _cross():
    return [_polyline([[-1, -1], [1, 1]]), _polyline([[-1, 1], [1, -1]])]


def two_marks(rng):
    """Two small unrelated marks apart from each other: side by side or one above the other."""
    makers = [lambda r: _cross(), lambda r: [_polyline([[-1, 0], [-0.5, -0.5], [0, 0], [0.5, -0.5], [1, 0]])],
              hatching, scribble, lambda r: [_polyline([[0, 0]])]]
    first, second = (makers[int(i)](rng) for i in rng.choice(len(makers), 2, replace=False))
    angle = rng.uniform(-np.pi / 4, np.pi / 4) + (np.pi / 2 if rng.random() < 0.3 else 0)
    gap = rng.uniform(1.5, 3.0) * np.array([np.cos(angle), np.sin(angle)])
    return [_fit(s, first) for s in first] + [_fit(s, second) + gap for s in second]


def _fit(stroke, strokes):
    """``stroke`` moved and scaled with its drawing ``strokes`` into a box of side about 1."""
    points = np.concatenate(strokes)
    lo, hi = points.min(axis=0), points.max(axis=0)
    return (stroke - (lo + hi) / 2) / max(float((hi - lo).max()), 1e-6)


FAMILIES = {**{family: _glyph(family) for family in GLYPH_SETS}, "scribbles": scribble, "hatching": hatching,
            "dots-dashes": dots_and_dashes, "polygons": polygon, "shapes": shape, "two-marks": two_marks}
# Scanned thick and small, these become solid blots, as a real scan of a fat 1 does: never scanned.
BLOTS = ("hatching", "scribbles", "dots-dashes")
HELD_OUT = ("script", "shapes")  # never trained on: refusing these is what the target measures
TRAINING_FAMILIES = tuple(name for name in FAMILIES if name not in HELD_OUT)


def non_digit_inputs(n, rng, families=TRAINING_FAMILIES, brushed=False, scans=0.0):
    """(n, 784) float32 prepared inputs, the same number from each family (in turn), and the
    family name of each: as the pad predicts from them, or with ``brushed`` every second one as a
    picture of it shows it (digitpad.drawn.render.brushed_input), as training wants; with ``scans``, that
    share of them as a scan of it (digitpad.drawn.scanlike; never the BLOTS), drawn from a stream of its own."""
    names = [families[i % len(families)] for i in range(n)]
    images = np.zeros((n, 784), np.float32)
    scanner = np.random.default_rng(rng.integers(2**63)) if scans else None
    for i, family in enumerate(names):
        strokes, condition = FAMILIES[family](rng), random_condition(rng, hands=True)
        if scanner is not None and scanner.random() < scans and family not in BLOTS:
            image = scan_input(strokes, scanner, y_up=False)
        else:
            image = (brushed_input if brushed and i % 2 else drawn_input)(strokes, condition, y_up=False)
        if image is not None:
            images[i] = image.reshape(-1)
    return images, names


def mosaic(rng, per_family=12, zoom=3):
    """A row of prepared examples (as the network sees them, dark on light) for each family,
    named on the left, held-out families marked, for looking at."""
    return labelled_rows([(family + (" (held out)" if family in HELD_OUT else ""),
                           non_digit_inputs(per_family, rng, (family,))[0]) for family in FAMILIES], zoom)
