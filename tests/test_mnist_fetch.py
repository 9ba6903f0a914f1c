"""Fetching MNIST: mirrors against a local HTTP server, MD5 refusal, the pickle fallback."""
import gzip
import hashlib
import http.server
import pickle
import threading

import numpy as np
import pytest

from mnist_mlp.idx import write_idx
from mnist_mlp.mnist import (DataError, array_sha256, fetch_mnist, load_array_pickle, load_mnist,
                             mnist_from_pickle)


@pytest.fixture
def tiny_mnist(tmp_path):
    """Small IDX files and a FILES table (name -> file, MD5, SHA-256) describing them."""
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
              "y_train": rng.integers(0, 10, 20, dtype=np.uint8),
              "x_test": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
              "y_test": rng.integers(0, 10, 5, dtype=np.uint8)}
    served = tmp_path / "served"
    served.mkdir()
    files = {}
    for name, a in arrays.items():
        filename = f"{name}.gz"
        write_idx(served / filename, a)
        files[name] = (filename, hashlib.md5((served / filename).read_bytes()).hexdigest(), array_sha256(a))
    return served, files, arrays


@pytest.fixture
def server(tiny_mnist):
    """An HTTP server on 127.0.0.1 serving the tiny files; yields its base URL and the request log."""
    served, _, _ = tiny_mnist
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, fmt, *args):
            requests.append(self.path)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", requests
    httpd.shutdown()
    httpd.server_close()


def test_fetch_from_mirror_then_reuse(tmp_path, tiny_mnist, server):
    _, files, arrays = tiny_mnist
    url, requests = server
    dead = "http://127.0.0.1:9/"  # discard port: nothing listens, the next mirror is tried
    source = fetch_mnist(tmp_path / "data", mirrors=[dead, url], files=files, log=lambda m: None,
                         use_wheel=False, timeout=5)
    assert source == url and len(requests) == 4
    for filename, _, _ in files.values():
        assert (tmp_path / "data" / filename).exists()
    assert fetch_mnist(tmp_path / "data", mirrors=[url], files=files, log=lambda m: None) == "present"
    assert len(requests) == 4  # verified data is not fetched again


def test_md5_mismatch_is_refused(tmp_path, tiny_mnist, server):
    _, files, _ = tiny_mnist
    url, _ = server
    files = dict(files)
    filename, _, digest = files["y_test"]
    files["y_test"] = (filename, "0" * 32, digest)
    with pytest.raises(DataError, match="MD5 mismatch"):
        fetch_mnist(tmp_path / "data", mirrors=[url], files=files, log=lambda m: None, use_wheel=False)
    assert not (tmp_path / "data" / filename).exists()


def test_corrupt_file_on_disk_is_fetched_again(tmp_path, tiny_mnist, server):
    _, files, _ = tiny_mnist
    url, requests = server
    fetch_mnist(tmp_path / "data", mirrors=[url], files=files, log=lambda m: None)
    (tmp_path / "data" / files["x_test"][0]).write_bytes(b"garbage")
    fetch_mnist(tmp_path / "data", mirrors=[url], files=files, log=lambda m: None)
    assert requests[-1] == "/x_test.gz" and len(requests) == 5


def test_load_mnist_names_the_missing_file(tmp_path):
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz is missing"):
        load_mnist(tmp_path)


def test_pickle_fallback_recovers_the_bytes():
    """mnist.pkl holds pixel/256 as float32; x256 and rounding gives back the bytes exactly."""
    rng = np.random.default_rng(0)
    raw = [rng.integers(0, 256, (n, 784), dtype=np.uint8) for n in (6, 2, 3)]
    labels = [rng.integers(0, 10, n).astype(np.int64) for n in (6, 2, 3)]
    parts = tuple((r.astype(np.float32) / 256, y) for r, y in zip(raw, labels))
    arrays = mnist_from_pickle(pickle.dumps(parts, protocol=2))
    assert np.array_equal(arrays["x_train"].reshape(8, 784), np.concatenate(raw[:2]))
    assert np.array_equal(arrays["y_train"], np.concatenate(labels[:2]))
    assert np.array_equal(arrays["x_test"].reshape(3, 784), raw[2])
    assert arrays["x_train"].dtype == np.uint8 and arrays["x_train"].shape == (8, 28, 28)


class Exploit:
    def __reduce__(self):
        import os
        return (os.system, ("echo pwned",))


def test_restricted_unpickler_refuses_code():
    with pytest.raises(pickle.UnpicklingError, match="refusing to load"):
        load_array_pickle(pickle.dumps(Exploit()))
    assert load_array_pickle(pickle.dumps((np.arange(3),), protocol=2))[0].tolist() == [0, 1, 2]


def test_real_data_matches_official_checksums(mnist):
    assert mnist["x_train"].shape == (60000, 28, 28) and mnist["x_test"].shape == (10000, 28, 28)
    assert mnist["y_train"].max() == 9 and gzip  # loaded through load_mnist, which checks SHA-256


def test_training_split_keeps_the_last_images_for_validation():
    from mnist_mlp.mnist import training_split

    data = {"x_train": np.arange(12 * 784, dtype=np.uint32).reshape(12, 28, 28).astype(np.uint8),
            "y_train": np.arange(12, dtype=np.uint8), "x_test": np.full((2, 28, 28), 255, np.uint8),
            "y_test": np.array([3, 4], np.uint8)}
    (x, y), (x_val, y_val), (x_test, y_test) = training_split(data, limit=5, validation_size=4)
    assert list(y) == [0, 1, 2, 3, 4] and list(y_val) == [8, 9, 10, 11] and list(y_test) == [3, 4]
    assert x.shape == (5, 784) and x.dtype == np.float32 and y.dtype == np.int64 and x_test.max() == 1.0
