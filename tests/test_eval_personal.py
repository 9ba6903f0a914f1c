"""tools/eval_personal.py: simulated people, the pad's own adaptation, the documented JSON shape."""
import json
import subprocess
import sys


from conftest import ROOT
from digitpad.drawn.render import DEFAULT_DATA
from mnist_mlp import load_model, save_model

PEN = ROOT / DEFAULT_DATA


def run(*args):
    return subprocess.run([sys.executable, str(ROOT / "tools" / "eval_personal.py"), "--mnist",
                           str(ROOT / "data" / "mnist"), *args], capture_output=True, text=True, timeout=600, cwd=ROOT)


def test_two_validation_writers_k3(mnist, tmp_path):
    # Adapting teaches the picture network: measured on it alone, whose reading of writer 28's hand
    # is the one it lifts (the path reads writer 28 right already: docs/trajectory.md).
    picture = load_model()
    picture.companions = {}
    save_model(picture, tmp_path / "picture", info={"training": picture.manifest["training"]})
    r = run("--weights", str(tmp_path / "picture"), "--writers", "27,28", "--k", "3", "--json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["k"] == 3 and [w["writer"] for w in result["per_writer"]] == [27, 28]
    for w in result["per_writer"]:
        assert w["n_test"] > 150 and w["seconds"] > 0 and 0 <= w["before"] <= 1 and 0 <= w["after"] <= 1
        print(f"\nwriter {w['writer']}: {w['before']:.2%} -> {w['after']:.2%} in {w['seconds']} s")
    hard = result["per_writer"][1]
    assert hard["after"] >= hard["before"] + 0.02  # writer 28's hand is the one the picture misreads
    mnist_test = result["mnist_test"]
    assert mnist_test["after"] >= mnist_test["before"] - 0.002


def test_any_unipen_file_and_writers_lacking_digits(tmp_path, mnist):
    r = run("--data", str(ROOT / "tests" / "fixtures" / "tiny.tra"), "--writers", "3,99", "--k", "1")
    assert r.returncode == 1
    assert "writer 3 skipped: too few samples: 1 more 0" in r.stderr
    assert "no digits of writer 99" in r.stderr and "could be simulated" in r.stderr
    bad = run("--k", "0")
    assert bad.returncode == 2 and "--k must be at least 1" in bad.stderr
