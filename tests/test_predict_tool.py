"""tools/predict.py on real image files: both polarities, bad files, folders."""
import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from conftest import ROOT
from mnist_mlp import load_model
from mnist_mlp.views import TurnedViews
from digitpad.preprocessing import canvas_from_image, prepare
from digitpad.preprocessing.thinning import blown_up
from digitpad.reading import SCAN_TEMPERATURE, sharpened


def run(*args):
    return subprocess.run([sys.executable, str(ROOT / "tools" / "predict.py"), *map(str, args)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


@pytest.fixture
def images(tmp_path, mnist):
    """MNIST test digits 0..3 saved large: light-on-dark PNG, dark-on-light JPEG with noisy paper."""
    rng = np.random.default_rng(0)
    paths = {}
    for i in range(4):
        big = cv2.resize(mnist["x_test"][i], (200, 200), interpolation=cv2.INTER_CUBIC)
        cv2.imwrite(str(tmp_path / f"light{i}.png"), big)
        paper = np.clip(230 - big.astype(int) * 0.8 + rng.normal(0, 6, big.shape), 0, 255).astype(np.uint8)
        cv2.imwrite(str(tmp_path / f"dark{i}.jpg"), paper)
        paths[i] = int(mnist["y_test"][i])
    return tmp_path, paths


def test_both_polarities(images):
    folder, labels = images
    r = run(*[folder / f"{kind}{i}.{ext}" for i in labels for kind, ext in (("light", "png"), ("dark", "jpg"))],
            "--json")
    assert r.returncode == 0, r.stderr
    answers = [json.loads(line) for line in r.stdout.splitlines()]
    assert [a["prediction"] for a in answers] == [labels[i] for i in labels for _ in range(2)]
    assert all(abs(sum(a["probabilities"].values()) - 1) < 1e-4 for a in answers)
    # Read as the pad reads: the three turned views' average (mnist_mlp.views), sharpened as a scan's is
    # (an MNIST bitmap blown up 7 times: digitpad.reading.picture_reading).
    canvas = canvas_from_image(cv2.imread(str(folder / "light0.png"), cv2.IMREAD_GRAYSCALE))
    assert blown_up(canvas)
    raw = TurnedViews(load_model(ROOT / "weights")).predict_proba(prepare(canvas))[0]
    assert np.allclose([answers[0]["probabilities"][str(d)] for d in range(10)],
                       sharpened(raw, SCAN_TEMPERATURE), atol=1e-4)
    assert answers[0]["scan"] is True  # it says why: taken for a scan
    # --temperature 1 reads a scan as the network gives it; the answer still says it was taken for one.
    r = run(folder / "light0.png", "--json", "--temperature", "1")
    answer = json.loads(r.stdout)
    assert r.returncode == 0 and answer["scan"] is True
    assert np.allclose([answer["probabilities"][str(d)] for d in range(10)], raw, atol=1e-4)


def test_a_drawing_is_no_scan_and_a_bad_temperature_is_one_line(tmp_path):
    """A picture of the pad's strokes is read as the network gives it, and says "scan": false, at any
    --temperature; a temperature that is no positive number is refused before anything is read."""
    from test_numbers import number, render

    strokes = number("2")
    cv2.imwrite(str(tmp_path / "two.png"), 255 - render([(np.array(s["points"]), s["brush"]) for s in strokes],
                                                        400, 400))
    answers = [json.loads(run(tmp_path / "two.png", "--json", *t).stdout) for t in ([], ["--temperature", "0.5"])]
    assert answers[0] == answers[1] and answers[0]["scan"] is False and answers[0]["prediction"] == 2
    for bad, says in (("0", "between 0.05 and 20"), ("nan", "between 0.05 and 20"), ("-inf", "between"),
                      ("1e400", "between"), ("", "a temperature is a number"), ("x" * 5000, "a temperature is a"),
                      ("--", "expected one value")):  # argparse would take "--" for an empty list, unchecked
        r = run(tmp_path / "two.png", f"--temperature={bad}")
        assert r.returncode == 2 and says in r.stderr and "Traceback" not in r.stderr and not r.stdout, bad
        assert len(r.stderr) < 1000  # the bad value is not echoed whole


def test_top_k_lines(images):
    folder, labels = images
    r = run(folder / "light0.png", "--top", "3")
    assert r.returncode == 0
    assert r.stdout.startswith(f"{folder / 'light0.png'}: {labels[0]} (") and r.stdout.count("%") == 3


def test_bad_files_are_reported_and_the_rest_still_run(images, tmp_path):
    folder, labels = images
    (tmp_path / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    cv2.imwrite(str(tmp_path / "blank.png"), np.full((40, 40), 255, np.uint8))
    r = run(tmp_path / "corrupt.png", tmp_path / "missing.png", tmp_path / "blank.png", folder / "light1.png")
    assert r.returncode == 1
    assert "corrupt.png: not a PNG, JPEG or BMP image" in r.stderr and "missing.png: no such file" in r.stderr
    assert "blank.png: no ink" in r.stderr
    assert r.stdout.startswith(f"{folder / 'light1.png'}: {labels[1]}")
    as_json = run(tmp_path / "corrupt.png", tmp_path / "empty-folder-not-made", folder / "light1.png", "--json")
    lines = [json.loads(line) for line in as_json.stdout.splitlines()]  # every file has its line, in order
    assert as_json.returncode == 1 and [("error" in line) for line in lines] == [True, True, False]
    assert lines[0]["file"] == str(tmp_path / "corrupt.png") and lines[0]["error"].startswith("not a PNG, JPEG or BMP")
    assert lines[2]["prediction"] == labels[1]


def test_a_path_that_cannot_be_looked_at_has_its_line_and_the_rest_still_run(images):
    folder, labels = images
    long_name = folder / ("x" * 300 + ".png")  # longer than a file name may be: is_dir() fails
    r = run(folder / "light0.png", long_name, folder / "light1.png", "--json")
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert r.returncode == 1 and "Traceback" not in r.stderr and len(lines) == 3
    assert lines[1]["file"] == str(long_name) and "cannot look at it" in lines[1]["error"]
    assert lines[2]["prediction"] == labels[1]


def test_a_folder_that_cannot_be_listed_is_named_itself(monkeypatch, tmp_path):
    from digitpad import predict

    def walk(top, onerror):  # as os.walk reports a subfolder it may not enter
        onerror(PermissionError(13, "Permission denied", str(tmp_path / "b")))
        yield str(tmp_path), ["b"], ["a.png"]

    monkeypatch.setattr(predict.os, "walk", walk)
    assert list(predict.expand([tmp_path])) == [(tmp_path / "b", "cannot list (Permission denied)"),
                                                (tmp_path / "a.png", None)]


def test_a_folder_stands_for_its_images(images, tmp_path):
    folder, _ = images
    r = run(folder)
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 8
    (tmp_path / "empty").mkdir()
    r = run(tmp_path / "empty")
    assert r.returncode == 1 and "no PNG, JPEG or BMP" in r.stderr


def test_canvas_from_image_finds_the_ink():
    paper = np.full((100, 80), 220, np.uint8)
    paper[30:70, 38:42] = 20  # a dark stroke on light paper
    canvas = canvas_from_image(paper)
    assert canvas[50, 40] == 200 and canvas[10, 10] == 0
    assert cv2.boundingRect(canvas) == (38, 30, 4, 40)


def test_the_pads_samples_folder_is_searched_below(tmp_path, mnist):
    """tools/predict.py samples/ reads samples/3/... (the pad's own layout), and says how many it found."""
    for label in (3, 7):
        (tmp_path / "samples" / str(label)).mkdir(parents=True)
        first = list(mnist["y_test"]).index(label)
        cv2.imwrite(str(tmp_path / "samples" / str(label) / "a.png"), mnist["x_test"][first])
    r = run(tmp_path / "samples")
    assert r.returncode == 0, r.stderr
    assert "samples: 2 images" in r.stderr and len(r.stdout.splitlines()) == 2
    assert "/3/a.png: 3" in r.stdout and "/7/a.png: 7" in r.stdout


def asterisk_png(path):
    """An asterisk drawn with the pad's brush, dark on white: not a digit."""
    from digitpad.preprocessing.strokes import render
    centre, arms = np.array([150.0, 150.0]), [0, np.pi / 3, 2 * np.pi / 3]
    strokes = [(np.array([centre - 100 * np.array([np.cos(a), np.sin(a)]),
                          centre + 100 * np.array([np.cos(a), np.sin(a)])]), 20) for a in arms]
    cv2.imwrite(str(path), 255 - render(strokes, 300))
    return path


def test_not_a_digit_is_a_question_mark_with_the_best_guess(tmp_path, images):
    folder, labels = images
    star = asterisk_png(tmp_path / "star.png")
    r = run(star, folder / "light0.png")
    assert r.returncode == 0, r.stderr
    star_line, digit_line = r.stdout.splitlines()
    assert star_line.startswith(f"{star}: ? not sure it is a digit; best guess ")
    assert digit_line.startswith(f"{folder / 'light0.png'}: {labels[0]} (")
    answers = [json.loads(line) for line in run(star, folder / "light0.png", "--json").stdout.splitlines()]
    assert [a["sure"] for a in answers] == [False, True]
    assert json.loads(run(star, "--json", "--threshold", "0").stdout)["sure"] is True
    strict = run(folder / "light0.png", "--threshold", "0.99999").stdout  # a clear digit, short of the bar asked
    assert strict.startswith(f"{folder / 'light0.png'}: ? under --threshold 0.99999; best guess {labels[0]} (")
    bad = run(star, "--threshold", "1.5")
    assert bad.returncode == 2 and "--threshold must be between 0 and 1" in bad.stderr


def test_a_column_of_dots_has_no_best_guess(tmp_path):
    """Read as no digit at all (digitpad.preprocessing.broken), where the network alone read a sure 3."""
    from digitpad.preprocessing.strokes import render
    dots = tmp_path / "dots.png"
    cv2.imwrite(str(dots), 255 - render([(np.array([[200.0, 60.0 + 70 * k]]), 26) for k in range(5)], 400))
    r = run(dots)
    assert r.returncode == 0 and r.stdout == f"{dots}: ? not sure it is a digit; no best guess\n", r.stderr
    answer = json.loads(run(dots, "--json").stdout)
    assert answer["sure"] is False and set(answer["probabilities"].values()) == {0.1} and "hint" not in answer
    assert answer["prediction"] is None
    number = run(dots, "--number")  # as a number: one digit, no best guess either
    assert number.stdout.startswith(f"{dots}: ? (not sure of every digit: best guess ?, lowest confidence 10.0%)")
    low = run(dots, "--threshold", "0.1")  # a tie is no answer at any threshold (it was a sure 9 here)
    assert low.stdout == f"{dots}: ? not sure it is a digit; no best guess\n", low.stderr
    assert json.loads(run(dots, "--json", "--threshold", "0.1").stdout)["sure"] is False


def test_json_names_that_are_not_text_stay_valid_utf8(tmp_path, images):
    """A file name whose bytes are not UTF-8 is escaped in --json, not written as a lone surrogate."""
    import os

    folder, _ = images
    odd = os.fsdecode(bytes(tmp_path) + b"/odd-\xff.png")
    os.link(folder / "light0.png", odd)
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "predict.py"), odd, "--json"], capture_output=True,
                       cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    line = r.stdout.decode("utf-8")  # strict: a lone surrogate would not encode
    assert "odd-" in json.loads(line)["file"] and "\\udcff" in json.loads(line)["file"]


def test_the_readmes_example_pictures_read_as_it_says():
    """docs/examples/: writer 27's pen digits (never trained on) drawn as dark ink on paper, the
    pictures the README's commands read."""
    seven = run("docs/examples/seven.png")
    assert seven.returncode == 0 and seven.stdout.startswith("docs/examples/seven.png: 7 ("), seven
    number = run("--number", "docs/examples/2024.png", "--json")
    assert number.returncode == 0, number.stderr
    answer = json.loads(number.stdout)
    assert answer["number"] == "2024" and answer["sure"] and len(answer["digits"]) == 4, answer
