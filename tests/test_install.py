"""`pip install .` as a user would (issue 25): the wheel holds the model, the data sets and the web
page, and every command works from another directory, finding nothing through the checkout."""
import http.client
import os
import shutil
import subprocess
import sys
import zipfile

import cv2
import pytest

from conftest import ROOT
from digitpad import __version__
from digitpad.preprocessing.strokes import render

COMMANDS = ["digitpad", "digitpad-predict", "digitpad-serve", "digitpad-train"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the built wheel, the folder it is installed in, the environment that runs it from /)."""
    tmp = tmp_path_factory.mktemp("install")
    source = tmp / "source"  # built from a copy: setuptools writes build/ and *.egg-info beside the sources
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".*", "data", "build", "*.egg-info", "__pycache__",
                                                                "weights-*", "samples", "reports"))
    stale = source / "build" / "lib" / "reading"  # left by `pip install .` in a checkout before the move into
    stale.mkdir(parents=True)  # digitpad/: setuptools put what it found there in the wheel
    (stale / "__init__.py").write_text("")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp / "dist"), str(source)], capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr
    wheel = next((tmp / "dist").glob("digitpad-*.whl"))
    target = tmp / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                              str(wheel)], capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr
    env = {**os.environ, "PYTHONPATH": str(target), "XDG_DATA_HOME": str(tmp / "xdg"), "HOME": str(tmp / "home")}
    return wheel, target, env


def run(installed, command, *args, **kwargs):
    _, target, env = installed
    return subprocess.run([str(target / "bin" / command), *args], cwd="/", env=env, capture_output=True, text=True,
                          timeout=120, **kwargs)


def test_the_wheel_holds_the_model_the_data_sets_the_page_and_the_licence(installed):
    names = set(zipfile.ZipFile(installed[0]).namelist())
    shipped = {p.name for p in (ROOT / "weights").iterdir() if p.suffix == ".npy"} | {"model.json", "history.json"}
    assert {f"mnist_mlp/weights/{name}" for name in shipped} <= names
    assert {"digitpad/drawn/datasets/pendigits-orig.tra.gz", "digitpad/scans/datasets/optdigits-orig.tra.gz",
            "digitpad/drawn/glyphs.json", "digitpad/serving/web/index.html", "digitpad/serving/web/pad.js"} <= names
    # Nothing with a generic name at the top of site-packages, where another's `preprocessing` or `pad` lives
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"mnist_mlp", "digitpad"}, tops
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    assert not any(name.startswith(("tests/", "tools/", "data/")) for name in names)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_answers_version_from_another_directory(installed, command):
    r = run(installed, command, "--version")
    assert r.returncode == 0 and r.stdout.split() == [command, __version__], r.stderr


def test_predict_reads_a_digit_with_the_installed_model(installed, tmp_path):
    seven = render([([(60, 50), (220, 50), (150, 150), (120, 240)], 22)], 280)
    cv2.imwrite(str(tmp_path / "one.png"), 255 - seven)
    code = "import mnist_mlp.paths as p; print(p.WEIGHTS, p.CHECKOUT, p.USER)"
    where = subprocess.run([sys.executable, "-c", code], cwd="/", env=installed[2], capture_output=True, text=True)
    weights, checkout, user = where.stdout.split()
    assert weights == str(installed[1] / "mnist_mlp" / "weights") and checkout == "None"
    assert user == installed[2]["XDG_DATA_HOME"] + "/digitpad"
    r = run(installed, "digitpad-predict", str(tmp_path / "one.png"))
    assert r.returncode == 0 and r.stdout.startswith(f"{tmp_path / 'one.png'}: 7 "), r.stderr


def test_serve_answers_the_page_and_a_prediction(installed):
    _, target, env = installed
    server = subprocess.Popen([str(target / "bin" / "digitpad-serve"), "--port", "0"], cwd="/", env=env,
                              stderr=subprocess.PIPE, text=True)
    try:
        line = server.stderr.readline()  # "serving ... on http://127.0.0.1:PORT/ ..." once it listens
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/")
        page = conn.getresponse()
        assert page.status == 200 and b"<canvas" in page.read()
        conn.request("POST", "/predict", '{"pixels": %s}' % ([0.0] * 392 + [1.0] * 392,),
                     {"Content-Type": "application/json"})
        answer = conn.getresponse()
        assert answer.status == 200 and b'"prediction"' in answer.read()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_train_and_the_pad_start_and_say_what_they_need(installed):
    r = run(installed, "digitpad-train", "--epochs", "0")
    assert r.returncode == 2 and "--epochs must be at least 1" in r.stderr
    r = run(installed, "digitpad", "--size", "50")
    assert r.returncode == 2 and "--size must be between" in r.stderr
