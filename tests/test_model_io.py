"""Saving and loading model directories, including every way one can be broken."""
import hashlib
import json
import os

import numpy as np
import pytest

from conftest import fuzz_case

from mnist_mlp import MLP, ModelError, load_model, save_model


@pytest.fixture
def saved(tmp_path):
    model = MLP([784, 16, 8, 10], seed=3)
    path = tmp_path / "weights"
    save_model(model, path, info={"metrics": {"test_accuracy": 0.5}})
    return model, path


def rewrite_manifest(path, change):
    manifest = json.loads((path / "model.json").read_text())
    change(manifest)
    (path / "model.json").write_text(json.dumps(manifest))


def test_round_trip_is_bit_exact(saved):
    model, path = saved
    loaded = load_model(path)
    assert loaded.sizes == model.sizes
    for name, array in model.arrays().items():
        assert loaded.arrays()[name].tobytes() == array.tobytes()
    x = np.random.default_rng(0).random((4, 784), dtype=np.float32)
    assert np.array_equal(loaded.predict_proba(x), model.predict_proba(x))
    assert loaded.manifest["metrics"]["test_accuracy"] == 0.5


def test_manifest_describes_the_model(saved):
    _, path = saved
    manifest = json.loads((path / "model.json").read_text())
    assert manifest["sizes"] == [784, 16, 8, 10]
    assert manifest["activations"] == ["relu", "relu", "softmax"]
    assert manifest["input"]["scaling"] == "pixel / 255"
    for name in ["W1", "b1", "W2", "b2", "W3", "b3"]:
        digest = hashlib.sha256((path / f"{name}.npy").read_bytes()).hexdigest()
        assert manifest["arrays"][name]["sha256"] == digest


def test_save_replaces_atomically_and_leaves_no_debris(saved):
    _, path = saved
    save_model(MLP([784, 32, 10]), path)
    assert load_model(path).sizes == [784, 32, 10]
    assert sorted(os.listdir(path.parent)) == ["weights"]


def test_failed_save_keeps_the_old_model(saved, monkeypatch):
    _, path = saved
    import mnist_mlp.model_io as model_io

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(model_io, "_swap_in", crash)
    with pytest.raises(OSError, match="disk full"):
        save_model(MLP([784, 32, 10]), path)
    assert load_model(path).sizes == [784, 16, 8, 10]
    assert sorted(os.listdir(path.parent)) == ["weights"]


def break_missing_file(path):
    (path / "W2.npy").unlink()


def break_wrong_shape(path):
    np.save(path / "W2.npy", np.zeros((16, 9), np.float32))
    rewrite_manifest(path, lambda m: m["arrays"]["W2"].update(
        sha256=hashlib.sha256((path / "W2.npy").read_bytes()).hexdigest()))


def break_nan(path):
    a = np.load(path / "b1.npy")
    a[3] = np.nan
    np.save(path / "b1.npy", a)
    rewrite_manifest(path, lambda m: m["arrays"]["b1"].update(
        sha256=hashlib.sha256((path / "b1.npy").read_bytes()).hexdigest()))


def break_checksum(path):
    data = bytearray((path / "W1.npy").read_bytes())
    data[-1] ^= 0xFF
    (path / "W1.npy").write_bytes(bytes(data))


def break_pickle(path):
    np.save(path / "b2.npy", np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    rewrite_manifest(path, lambda m: m["arrays"]["b2"].update(
        sha256=hashlib.sha256((path / "b2.npy").read_bytes()).hexdigest()))


def break_json(path):
    (path / "model.json").write_text("{ not json")


def break_overflow(path):
    """Finite weights whose sums overflow float32: NaN answers that the tools printed as JSON."""
    a = np.load(path / "W1.npy")
    np.save(path / "W1.npy", (np.sign(a) * 3e38).astype(np.float32))
    rewrite_manifest(path, lambda m: m["arrays"]["W1"].update(
        sha256=hashlib.sha256((path / "W1.npy").read_bytes()).hexdigest()))


def break_no_manifest(path):
    (path / "model.json").unlink()


def break_sizes(path):
    rewrite_manifest(path, lambda m: m.update(sizes=[784, 16, 8]))


def break_dtype(path):
    np.save(path / "b3.npy", np.zeros(10, np.float64))
    rewrite_manifest(path, lambda m: m["arrays"]["b3"].update(
        sha256=hashlib.sha256((path / "b3.npy").read_bytes()).hexdigest()))


def break_not_npy(path):
    (path / "b1.npy").write_bytes(b"hello")
    rewrite_manifest(path, lambda m: m["arrays"]["b1"].update(sha256=hashlib.sha256(b"hello").hexdigest()))


def break_huge_file(path):
    with open(path / "b1.npy", "ab") as f:
        f.write(b"\0" * 200_000)


@pytest.mark.parametrize("breaker, message", [
    (break_missing_file, r"W2\.npy: missing"),
    (break_wrong_shape, r"W2\.npy: shape \(16, 9\), expected \(16, 8\)"),
    (break_nan, r"b1\.npy: contains NaN"),
    (break_overflow, r"its weights are too large: it answers a drawing with no numbers"),
    (break_checksum, r"W1\.npy: checksum mismatch"),
    (break_pickle, r"b2\.npy: holds pickled Python objects"),
    (break_json, r"model\.json: not readable JSON"),
    (break_no_manifest, r"model\.json: missing"),
    (break_sizes, r"model\.json: 2 layers in 'sizes' but activations"),
    (break_dtype, r"b3\.npy: dtype float64, expected float32"),
    (break_not_npy, r"b1\.npy: not a \.npy file"),
    (break_huge_file, r"b1\.npy: [\d,]+ bytes, over the [\d,]+-byte limit"),
])
def test_broken_model_directories_give_one_clear_error(saved, breaker, message):
    _, path = saved
    breaker(path)
    with pytest.raises(ModelError, match=message):
        load_model(path)


def test_missing_directory(tmp_path):
    with pytest.raises(ModelError, match="no such model directory"):
        load_model(tmp_path / "nope")


def test_write_problem_says_why_a_model_folder_cannot_be_made(tmp_path):
    from mnist_mlp.model_io import write_problem

    assert write_problem(tmp_path / "new" / "weights") is None and (tmp_path / "new").is_dir()
    assert list((tmp_path / "new").iterdir()) == []  # the probe folder is gone
    (tmp_path / "file").write_text("x")
    assert "is a file, not a folder" in write_problem(tmp_path / "file" / "weights")
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        assert "cannot write" in write_problem(locked / "weights")


def test_a_saved_model_folder_keeps_the_users_umask(tmp_path):
    import stat

    old = os.umask(0o027)
    try:
        save_model(MLP([784, 4, 10]), tmp_path / "m")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "m").stat().st_mode) == 0o750  # not mkdtemp's 0700


def test_a_folder_removed_is_gone_from_its_name_at_once(saved, monkeypatch):
    """Stopped while deleting (a SIGKILL as training ends and removes its checkpoint), a folder was
    left half deleted at its name, its manifest gone first: a checkpoint that no longer loads."""
    import shutil

    from mnist_mlp.model_io import remove_folder

    _, path = saved

    def stopped(folder, ignore_errors=False):
        next(p for p in sorted(folder.rglob("*")) if p.is_file()).unlink()
        raise KeyboardInterrupt

    monkeypatch.setattr(shutil, "rmtree", stopped)
    with pytest.raises(KeyboardInterrupt):
        remove_folder(path)
    assert not path.exists()
    assert [p.name.startswith(f".{path.name}.old-") for p in path.parent.iterdir()] == [True]


@pytest.fixture
def with_companion(tmp_path):
    model = MLP([784, 16, 10], seed=3)
    model.companions = {"trajectory": MLP([160, 12, 10], seed=4)}
    model.companions["trajectory"].manifest = {"input": {"shape": [160]}}
    path = tmp_path / "weights"
    save_model(model, path, info={"metrics": {"test_accuracy": 0.5}})
    return model, path


def test_a_companion_network_is_saved_and_loaded_with_the_model(with_companion):
    model, path = with_companion
    loaded = load_model(path)
    companion = loaded.companions["trajectory"]
    assert companion.sizes == [160, 12, 10] and companion.manifest == {"input": {"shape": [160]}}
    x = np.random.default_rng(0).random((3, 160), dtype=np.float32)
    assert np.array_equal(companion.predict_proba(x), model.companions["trajectory"].predict_proba(x))
    manifest = json.loads((path / "model.json").read_text())
    assert manifest["companions"]["trajectory"]["sizes"] == [160, 12, 10]
    assert {"trajectory_W1", "trajectory_b2"} <= set(manifest["arrays"])
    save_model(loaded, path)  # a model folder with companions is this project's: it may be replaced
    assert load_model(path).companions["trajectory"].sizes == [160, 12, 10]


def test_a_model_without_companions_has_none(saved):
    _, path = saved
    assert load_model(path).companions == {}
    assert "companions" not in json.loads((path / "model.json").read_text())


def test_a_new_head_keeps_the_companions(with_companion):
    model, _ = with_companion
    assert model.with_head(model.head(1)).companions == model.companions


@pytest.mark.parametrize("change, message", [
    (lambda m: m.update(companions=[1]), r"'companions' must map lower-case names"),
    (lambda m: m["companions"].update({"../x": m["companions"]["trajectory"]}), r"'companions' must map"),
    (lambda m: m["companions"].update(trajectory=5), r"'companions' must map"),
    (lambda m: m["companions"]["trajectory"].update(sizes=[160]), r"companion 'trajectory' sizes must be a list"),
    (lambda m: m["companions"]["trajectory"].update(sizes=[160, 12, 9]), r"companion 'trajectory' gives 9 scores"),
    (lambda m: m["companions"]["trajectory"].update(sizes=[160, 13, 10]), r"trajectory_W1\.npy: shape"),
    (lambda m: m["companions"]["trajectory"].update(sizes=[50_000, 50_000, 10]), r"over the [\d,]+ this loader"),
    (lambda m: m["arrays"].pop("trajectory_b1"), r"trajectory_b1\.npy: not listed with a checksum"),
])
def test_a_broken_companion_gives_one_clear_error(with_companion, change, message):
    _, path = with_companion
    rewrite_manifest(path, change)
    with fuzz_case("model loader"), pytest.raises(ModelError, match=message):
        load_model(path)


def test_companion_weights_too_large_to_add_up_are_refused(with_companion):
    _, path = with_companion
    a = np.load(path / "trajectory_W1.npy")
    np.save(path / "trajectory_W1.npy", (np.sign(a) * 3e38).astype(np.float32))
    rewrite_manifest(path, lambda m: m["arrays"]["trajectory_W1"].update(
        sha256=hashlib.sha256((path / "trajectory_W1.npy").read_bytes()).hexdigest()))
    with pytest.raises(ModelError, match=r"the trajectory_\* weights are too large"):
        load_model(path)


@pytest.mark.parametrize("name", ["../../escape", "Trajectory", "path_v2", "x" * 40, ""])
def test_a_companion_is_saved_only_under_a_name_it_can_be_loaded_by(tmp_path, name):
    model = MLP([784, 16, 10], seed=3)
    model.companions = {name: MLP([160, 12, 10])}
    with fuzz_case("model saver"), pytest.raises(ValueError, match="a companion's name must be lower-case"):
        save_model(model, tmp_path / "deep" / "weights")
    assert list(tmp_path.rglob("*.npy")) == []  # nothing written, above the folder or in it


def test_a_companion_never_overwrites_other_arrays_and_stale_info_is_ignored(tmp_path):
    model = MLP([784, 16, 10], seed=3)
    model.companions = {"best": MLP([160, 12, 10])}
    with pytest.raises(ValueError, match="would overwrite the arrays"):
        save_model(model, tmp_path / "a", extra_arrays={"best_W1": np.zeros((784, 16), np.float32)})
    plain = MLP([784, 16, 10], seed=3)
    save_model(plain, tmp_path / "b", info={"companions": {"trajectory": {"sizes": [160, 12, 10]}}})
    assert load_model(tmp_path / "b").companions == {}


@pytest.mark.parametrize("special", ["fifo", "dev_zero", "folder"])
def test_a_companion_array_that_is_no_regular_file_is_refused_unread(with_companion, special):
    _, path = with_companion
    target = path / "trajectory_W2.npy"
    target.unlink()
    if special == "fifo":
        os.mkfifo(target)  # reading it would wait for a writer for ever
    elif special == "dev_zero":
        target.symlink_to("/dev/zero")
    else:
        target.mkdir()
    with fuzz_case("model loader"), pytest.raises(ModelError, match=r"trajectory_W2\.npy"):
        load_model(path)
