"""tools/train.py end to end on real MNIST (small settings): determinism, interrupt and resume."""
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT
from mnist_mlp import load_model
from mnist_mlp.ensemble import merge

QUICK = ["--sizes", "784,32,10", "--train-limit", "3000", "--batch-size", "100", "--quiet",
         "--data", str(ROOT / "data" / "mnist"), "--drawn-eval", "/nonexistent"]


def train(args, **kwargs):
    return subprocess.run([sys.executable, str(ROOT / "tools" / "train.py"), *QUICK, *args],
                          capture_output=True, text=True, timeout=300, **kwargs)


def add_path(args):
    """tools/train.py --trajectory: QUICK's options are the digit network's, which it refuses."""
    return subprocess.run([sys.executable, str(ROOT / "tools" / "train.py"), "--trajectory", "--quiet", *args],
                          capture_output=True, text=True, timeout=300)


def arrays(path):
    return {k: v.tobytes() for k, v in load_model(path).arrays().items()}


def test_same_seed_same_weights_and_manifest(tmp_path, mnist):
    a = train(["--epochs", "3", "--out", str(tmp_path / "a")])
    b = train(["--epochs", "3", "--out", str(tmp_path / "b")])
    assert a.returncode == 0, a.stderr
    assert b.returncode == 0, b.stderr
    assert arrays(tmp_path / "a") == arrays(tmp_path / "b")
    manifest = json.loads((tmp_path / "a" / "model.json").read_text())
    assert manifest["training"]["config"]["sizes"] == [784, 32, 10]
    assert "tools/train.py" in manifest["training"]["command"]
    assert len(manifest["training"]["data"]) == 4
    assert 0.8 < manifest["metrics"]["test_accuracy"] <= 1
    history = json.loads((tmp_path / "a" / "history.json").read_text())
    assert [h["epoch"] for h in history] == [1, 2, 3]
    assert not (tmp_path / "a.ckpt").exists()  # a finished run cleans up its checkpoint


def test_pen_digits_join_the_training_data(tmp_path, mnist):
    pen = ["--pendigits", str(ROOT / "tests" / "fixtures" / "tiny.tra"), "--pendigits-writers", "3",
           "--pendigits-variants", "3", "--epochs", "1", "--drawn-eval", "none"]
    plain = train([*pen, "--out", str(tmp_path / "plain")])
    hands = train([*pen, "--pendigits-hands", "--out", str(tmp_path / "hands")])
    for run in (plain, hands):
        assert run.returncode == 0, run.stderr
        assert "rendered 6 pen-drawn digits from 2 of writers 3" in run.stderr
    config = json.loads((tmp_path / "hands" / "model.json").read_text())["training"]["config"]
    assert config["pendigits_hands"] and config["pendigits_variants"] == 3
    assert arrays(tmp_path / "plain") != arrays(tmp_path / "hands")  # other renderings, other weights


@pytest.mark.parametrize("options, checkpoint", [
    (["--epochs", "25"], "cut.ckpt"),
    (["--epochs", "25", "--dropout", "0.3"], "cut.ckpt"),
    (["--epochs", "12", "--members", "2"], "cut.ckpt/member-2"),  # cut while the second member trains
])
def test_interrupt_then_resume_equals_an_uninterrupted_run(tmp_path, mnist, options, checkpoint):
    epochs = options
    proc = subprocess.Popen([sys.executable, str(ROOT / "tools" / "train.py"), *QUICK, *epochs,
                             "--out", str(tmp_path / "cut")], stderr=subprocess.PIPE, text=True)
    state = tmp_path / checkpoint / "train_state.json"
    deadline = time.time() + 120
    while not state.exists() and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the run finished before the interrupt arrived")
    assert proc.returncode == 130, err
    assert "--resume" in err and "Traceback" not in err
    assert not (tmp_path / "cut").exists()
    done = json.loads(state.read_text())["epochs_done"]
    assert 1 <= done < int(options[1])

    resumed = train([*epochs, "--out", str(tmp_path / "cut"), "--resume"])
    assert resumed.returncode == 0, resumed.stderr
    assert f"after epoch {done}" in resumed.stderr
    whole = train([*epochs, "--out", str(tmp_path / "whole")])
    assert whole.returncode == 0, whole.stderr
    assert arrays(tmp_path / "cut") == arrays(tmp_path / "whole")


def test_sigterm_stops_like_ctrl_c_and_says_how_to_resume(tmp_path, mnist):
    """Issue 24, 16: killed by SIGTERM (a service manager, `kill`), it left OUT.ckpt/ without a word."""
    proc = subprocess.Popen([sys.executable, str(ROOT / "tools" / "train.py"), *QUICK, "--epochs", "25",
                             "--out", str(tmp_path / "cut")], stderr=subprocess.PIPE, text=True)
    state = tmp_path / "cut.ckpt" / "train_state.json"
    deadline = time.time() + 120
    while not state.exists() and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the run finished before the signal arrived")
    assert proc.returncode == 130 and f"plus --out {tmp_path / 'cut'} --resume" in err and "Traceback" not in err, err
    assert state.exists()


def test_an_ensemble_is_its_members_folded_into_one_network(tmp_path, mnist):
    runs = {"ensemble": ["--members", "2"], "seed0": ["--seed", "0"], "seed1": ["--seed", "1"]}
    out = {}
    for name, options in runs.items():
        r = train(["--epochs", "2", *options, "--out", str(tmp_path / name)])
        assert r.returncode == 0, r.stderr
        out[name] = r.stdout
    assert "2 members folded into one network [784, 64, 10]" in out["ensemble"]
    ensemble = load_model(tmp_path / "ensemble")
    single = [load_model(tmp_path / "seed0"), load_model(tmp_path / "seed1")]
    assert ensemble.sizes == [784, 64, 10]
    assert arrays(tmp_path / "ensemble") == {k: v.tobytes() for k, v in merge(single).arrays().items()}
    training = ensemble.manifest["training"]
    assert [m["seed"] for m in training["members"]] == [0, 1] and training["config"]["members"] == 2
    assert training["best_epoch"] == [m["best_epoch"] for m in training["members"]]
    history = json.loads((tmp_path / "ensemble" / "history.json").read_text())
    assert [(h["member"], h["epoch"]) for h in history] == [(1, 1), (1, 2), (2, 1), (2, 2)]
    assert not (tmp_path / "ensemble.ckpt").exists()


def test_resume_refuses_other_settings_and_missing_checkpoint(tmp_path, mnist):
    r = train(["--epochs", "2", "--out", str(tmp_path / "w"), "--resume"])
    assert r.returncode != 0 and "no checkpoint" in r.stderr
    proc = subprocess.Popen([sys.executable, str(ROOT / "tools" / "train.py"), *QUICK, "--epochs", "40",
                             "--out", str(tmp_path / "w")], stderr=subprocess.DEVNULL)
    while not (tmp_path / "w.ckpt").exists():
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    r = train(["--epochs", "40", "--lr", "0.01", "--out", str(tmp_path / "w"), "--resume"])
    assert r.returncode != 0 and "different settings (lr)" in r.stderr


def test_bad_arguments_are_clear(tmp_path):
    r = train(["--sizes", "784,abc,10"])
    assert r.returncode == 2 and "comma-separated integers" in r.stderr
    r = train(["--sizes", "100,10"])
    assert r.returncode == 2 and "start with 784" in r.stderr
    r = train(["--members", "0"])
    assert r.returncode == 2 and "--members must be at least 1" in r.stderr
    r = train(["--dropout", "1"])
    assert r.returncode == 2 and "--dropout must be in [0, 1)" in r.stderr


def test_never_replaces_what_it_was_not_told_to(tmp_path, mnist):
    """No --out: a new folder, named at the end. An existing model: only with --overwrite.
    A folder of samples or of anything else: never, and it is left untouched."""
    before_run = set(ROOT.glob("weights-*"))
    r = train(["--epochs", "1"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert not list(tmp_path.iterdir()), "never the current directory: the checkout (or the user's data folder)"
    made = sorted(set(ROOT.glob("weights-*")) - before_run)
    assert len(made) == 1 and f"saved {made[0]}" in r.stdout
    made = [Path(shutil.move(made[0], tmp_path / made[0].name))]  # this test's own folder, out of the checkout
    before = arrays(made[0])
    r = train(["--epochs", "1", "--seed", "1", "--out", str(made[0])])
    assert r.returncode == 2 and "already holds a model; add --overwrite" in r.stderr
    assert arrays(made[0]) == before
    r = train(["--epochs", "1", "--seed", "1", "--out", str(made[0]), "--overwrite"])
    assert r.returncode == 0 and arrays(made[0]) != before
    samples = tmp_path / "samples"
    (samples / "3").mkdir(parents=True)
    (samples / "3" / "a.png").write_bytes(b"png")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep me")
    for folder in (samples, tmp_path / "notes"):
        listing = sorted(str(p) for p in folder.rglob("*"))
        r = train(["--epochs", "1", "--out", str(folder), "--overwrite"])
        assert r.returncode == 2 and "holds files that are not a model" in r.stderr
        assert sorted(str(p) for p in folder.rglob("*")) == listing
    r = train(["--resume"])
    assert r.returncode == 2 and "--resume needs the --out" in r.stderr


def test_checkpoint_folders_that_are_not_the_tools_are_refused_before_training(tmp_path, mnist):
    """--checkpoint naming the user's model folder, the shipped model, the --out folder, or a folder
    of other files used to be overwritten after each epoch and removed at the end: now refused at
    once, each left as it was."""
    import shutil

    from mnist_mlp import save_model

    mine = tmp_path / "mine"
    save_model(load_model(ROOT / "weights"), mine)
    (mine / "notes.txt").write_text("my notes")
    other = tmp_path / "other"
    other.mkdir()
    (other / "data.csv").write_text("1,2")
    shipped = tmp_path / "weights"  # a copy: on code with the bug this test would wipe the real one
    shutil.copytree(ROOT / "weights", shipped)
    before = {p: p.read_bytes() for p in [*mine.iterdir(), *other.iterdir(), *shipped.iterdir()]}
    for checkpoint, out, says in ((mine, tmp_path / "w1", "not a checkpoint this tool wrote"),
                                  (shipped, tmp_path / "w2", "not a checkpoint this tool wrote"),
                                  (tmp_path / "same", tmp_path / "same", "would be the model folder"),
                                  (other, tmp_path / "w3", "not a checkpoint this tool wrote"),
                                  (tmp_path, tmp_path / "w4", "or hold it")):
        r = train(["--epochs", "1", "--train-limit", "500", "--data", ROOT / "data" / "mnist", "--out", out,
                   "--checkpoint", checkpoint])
        assert r.returncode == 2 and says in r.stderr, (checkpoint, r.stderr)
        assert not out.exists() or out == checkpoint
    assert {p: p.read_bytes() for p in [*mine.iterdir(), *other.iterdir(), *shipped.iterdir()]} == before


def test_a_folder_is_a_model_only_if_every_file_in_it_is_ours(tmp_path):
    """Another tool's model (its own model.json, a shard, a README) and a symbolic link are never
    replaced; the project's own model folder, history and all, is."""
    import os

    from mnist_mlp import save_model
    from mnist_mlp.model_io import replace_problem

    model = load_model(ROOT / "weights")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "model.json").write_text('{"format": "tf-keras", "weights": ["shard-1.bin"]}')
    (foreign / "shard-1.bin").write_bytes(b"\0" * 10)
    (foreign / "README").write_text("mine")
    assert "not a model of this project" in replace_problem(foreign)
    with pytest.raises(FileExistsError):
        save_model(model, foreign)
    assert sorted(p.name for p in foreign.iterdir()) == ["README", "model.json", "shard-1.bin"]
    ours = tmp_path / "ours"
    save_model(model, ours, extra_files={"history.json": "[]"})
    assert replace_problem(ours) is None
    (ours / "b1.npy.orig").write_bytes(b"x")
    assert "did not write (b1.npy.orig)" in replace_problem(ours)
    link = tmp_path / "link"
    os.symlink(tmp_path / "elsewhere", link)
    assert "symbolic link" in replace_problem(link)
    with pytest.raises(FileExistsError):
        save_model(model, link)
    assert link.is_symlink() and not (tmp_path / "elsewhere").exists()


def test_ctrl_c_during_a_checkpoint_save_waits_for_the_save(tmp_path, monkeypatch):
    """Found in CI under load: Ctrl-C between a save making its new folder and swapping it in left
    ``.member-2.new-*`` beside the checkpoint, and --resume refused the folder as not its own. Now a
    signal during the save takes effect when it is done: the save is whole, nothing is left over."""
    import os
    import tempfile

    from mnist_mlp import MLP, model_io
    from mnist_mlp.checkpoint import checkpoint_problem, save_checkpoint
    from mnist_mlp.optim import Adam

    real_mkdtemp = tempfile.mkdtemp

    def mkdtemp_then_ctrl_c(**kwargs):  # the signal lands just after the new folder is made
        made = real_mkdtemp(**kwargs)
        os.kill(os.getpid(), signal.SIGINT)
        return made

    monkeypatch.setattr(model_io.tempfile, "mkdtemp", mkdtemp_then_ctrl_c)
    model = MLP([4, 3, 2], seed=0)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(tmp_path / "cut.ckpt" / "member-2", model, Adam(model.parameters()), model.arrays(),
                        {"epochs_done": 1})
    assert sorted(p.name for p in (tmp_path / "cut.ckpt").iterdir()) == ["member-2"]
    assert checkpoint_problem(tmp_path / "cut.ckpt", tmp_path / "cut") is None
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back


def test_an_empty_folder_of_the_users_is_kept(tmp_path):
    """An empty folder made for the model gets the model's files; it used to be swapped for a new
    folder and deleted (its mode, group and any ACL lost: a private folder became world-readable)."""
    import os

    from mnist_mlp import save_model

    mine = tmp_path / "mine"
    mine.mkdir()
    os.chmod(mine, 0o2750)
    before = os.stat(mine)
    save_model(load_model(ROOT / "weights"), mine)
    after = os.stat(mine)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    assert load_model(mine).sizes == load_model(ROOT / "weights").sizes
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # nothing left beside it


def test_a_second_run_for_the_same_folder_stops_at_once(tmp_path):
    """Two runs started together for one --out both trained, shared its checkpoint, and the one to
    end last silently replaced the other's model. While one holds the folder, the next stops; a
    lock file that is not the run's own is left where it was."""
    from digitpad.recipe import claimed

    out = tmp_path / "w"
    with claimed(out):
        r = train(["--out", str(out)])
        assert r.returncode == 1 and "another run is writing" in r.stderr and "Traceback" not in r.stderr
    with claimed(tmp_path / "shared.ckpt"):  # another --out, the same --checkpoint: it would share it
        r = train(["--out", str(tmp_path / "v"), "--checkpoint", str(tmp_path / "shared.ckpt")])
        assert r.returncode == 1 and f"another run is writing {tmp_path / 'shared.ckpt'}" in r.stderr
    assert not out.exists() and not list(tmp_path.iterdir())  # its lock files gone with it
    (tmp_path / ".w.lock").write_text("the user's")
    with claimed(out):
        assert train(["--out", str(out)]).returncode == 1
    assert (tmp_path / ".w.lock").read_text() == "the user's"


def test_the_trajectory_network_is_trained_and_stored_with_the_model(tmp_path, mnist):
    base = train(["--epochs", "1", "--out", str(tmp_path / "base")])
    assert base.returncode == 0, base.stderr
    tiny = str(ROOT / "tests" / "fixtures" / "tiny.tra")
    r = add_path(["--init", str(tmp_path / "base"), "--pendigits", tiny, "--pendigits-writers", "3",
                  "--epochs", "2", "--forms", "29", "--non-digits", "11", "--out", str(tmp_path / "with")])
    assert r.returncode == 0, r.stderr
    assert "drawing 2 pen digits x 24, 29 forms and 11 non-digits as paths" in r.stderr
    assert "epoch   2/2" in r.stderr and f"saved {tmp_path / 'with'}" in r.stdout
    model, before = load_model(tmp_path / "with"), load_model(tmp_path / "base")
    assert model.companions["trajectory"].sizes == [160, 256, 128, 10]
    assert arrays(tmp_path / "with") == arrays(tmp_path / "base")  # the digit network as it was
    assert model.manifest["training"] == before.manifest["training"]
    record = model.manifest["companions"]["trajectory"]["training"]
    assert "--trajectory" in record["command"] and record["samples"] == 2 * 24 + 29 + 11
    assert (tmp_path / "with" / "history.json").read_text() == (tmp_path / "base" / "history.json").read_text()
    # Training the digit network further keeps the trajectory network with it.
    again = train(["--init", str(tmp_path / "with"), "--epochs", "1", "--out", str(tmp_path / "again")])
    assert again.returncode == 0, again.stderr
    kept = load_model(tmp_path / "again").companions["trajectory"]
    assert kept.arrays()["W1"].tobytes() == model.companions["trajectory"].arrays()["W1"].tobytes()


def test_the_trajectory_needs_a_model_and_pen_strokes(tmp_path, mnist):
    r = add_path(["--out", str(tmp_path / "t")])
    assert r.returncode == 2 and "--trajectory adds to a model: give --init MODEL" in r.stderr
    base = train(["--epochs", "1", "--out", str(tmp_path / "base")])
    assert base.returncode == 0, base.stderr
    r = add_path(["--init", str(tmp_path / "base"), "--out", str(tmp_path / "t")])
    assert r.returncode == 1 and "--trajectory learns from pen strokes: give --pendigits FILE" in r.stderr
    r = add_path(["--init", str(tmp_path / "base"), "--pendigits", str(ROOT / "tests" / "fixtures" / "tiny.tra"),
                  "--pendigits-writers", "20", "--out", str(tmp_path / "t")])
    assert r.returncode == 1 and "holds no digits of writers 20" in r.stderr
    assert not (tmp_path / "t").exists()


def test_the_trajectory_takes_only_the_options_it_uses_and_never_resumes(tmp_path, mnist):
    base = train(["--epochs", "1", "--out", str(tmp_path / "base")])
    assert base.returncode == 0, base.stderr
    keep = (tmp_path / "base" / "model.json").read_bytes()
    tiny = str(ROOT / "tests" / "fixtures" / "tiny.tra")
    common = ["--init", str(tmp_path / "base"), "--pendigits", tiny, "--pendigits-writers", "3"]
    r = add_path([*common, "--optimizer", "sgd", "--augment", "--dropout", "0.5", "--out", str(tmp_path / "t")])
    assert r.returncode == 2 and "--trajectory trains a network of its own" in r.stderr
    assert "--optimizer, --dropout, --augment do not apply" in r.stderr
    r = add_path([*common, "--resume", "--out", str(tmp_path / "base")])  # it replaced it without --overwrite
    assert r.returncode == 2 and "--trajectory has nothing to resume" in r.stderr
    r = train(["--init", str(tmp_path / "base"), "--samples", str(tmp_path), "--resume",
               "--out", str(tmp_path / "base")])
    assert r.returncode == 2 and "--samples has nothing to resume" in r.stderr
    assert (tmp_path / "base" / "model.json").read_bytes() == keep
