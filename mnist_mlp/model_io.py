"""The model on disk: one ``.npy`` per array plus a ``model.json`` manifest.

Saving writes a complete new directory beside the target and swaps it in with
one atomic rename, so a crash leaves the old model or the new one, never a
mix. Loading trusts nothing: every file, shape, dtype, value and checksum is
checked, and ``allow_pickle=False`` keeps a doctored ``.npy`` from running code.

A model may carry companions: networks that read something other than the 784 pixels (the pad's
strokes as a path: digitpad.preprocessing.trajectory), each stored as ``{name}_W1.npy``, ... and
described under ``companions`` in the manifest, and loaded as ``model.companions[name]``. Code that
does not know them reads the digit network alone, as models without them are read.
"""
import contextlib
import ctypes
import datetime
import errno
import hashlib
import io
import json
import os
import re
import shutil
import signal
import tempfile
import threading
from pathlib import Path

import numpy as np

from .files import FileProblem, read_regular, umask
from .network import INPUT_SIZE, N_CLASSES, MLP
from .paths import WEIGHTS

FORMAT = "mnist-mlp"
FORMAT_VERSION = 1
MANIFEST = "model.json"
NPY_HEADER_MAX = 64 * 1024  # a .npy header is far smaller; anything beyond is not our file
MANIFEST_MAX = 1 << 20  # model.json is a few KB
COMPANION_NAME = re.compile(r"[a-z][a-z0-9]{0,31}")  # names its arrays' files: never a path
MAX_PARAMETERS = 64_000_000  # 256 MB of float32 weights; the shipped model has 1.3 million
INPUT = {
    "shape": [784], "dtype": "float32", "range": [0.0, 1.0], "scaling": "pixel / 255",
    "polarity": "white digit on black background",
}
PREPROCESSING = ("MNIST style (digitpad.preprocessing.prepare): crop to the ink, scale the longer side to 20 px "
                 "keeping the aspect ratio, pad to 28x28, shift the centre of mass to the centre")


class ModelError(ValueError):
    """A model directory is missing, incomplete, corrupt or not ours."""


OWN_EXTRAS = ("history.json", "train_state.json")  # text files tools/train.py writes beside a model


def replace_problem(path):
    """None if a model may be saved at ``path`` (nothing there, an empty folder, or a folder this
    project wrote: a ``model.json`` of this format and every file one that it names or that the
    project writes beside it), else why not. Anything else (a file, a symbolic link, a folder
    holding a file of the user's or another tool's model) is never replaced."""
    path = Path(path)
    if path.is_symlink():
        return f"{path} is a symbolic link; name the folder it points to"
    if not path.exists():
        return None
    if not path.is_dir():
        return f"{path} is a file, not a model folder"
    try:
        entries = list(path.iterdir())
        if not entries:
            return None
        manifest = json.loads(read_regular(path / MANIFEST, MANIFEST_MAX)) if (path / MANIFEST).is_file() else None
    except (OSError, FileProblem, ValueError, RecursionError) as e:
        return f"{path} cannot be read as a model folder ({getattr(e, 'strerror', None) or e})"
    if not (isinstance(manifest, dict) and manifest.get("format") == FORMAT
            and isinstance(manifest.get("arrays"), dict)):
        return f"{path} holds files that are not a model of this project; move them or choose another folder"
    ours = {MANIFEST, *OWN_EXTRAS, *(f"{name}.npy" for name in manifest["arrays"])}
    foreign = sorted(e.name for e in entries if e.name not in ours or e.is_symlink() or not e.is_file())
    if foreign:
        return (f"{path} holds files this project did not write ({', '.join(foreign[:3])}"
                f"{', ...' if len(foreign) > 3 else ''}); move them or choose another folder")
    return None


def write_problem(path):
    """None if a folder can be made at ``path`` and written, else why not (checked with a probe
    folder made beside it and removed), so that a long run fails now, not when it saves."""
    path = Path(path)
    blocking = next((p for p in [path, *path.parents] if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        return f"cannot write {path}: {blocking} is a file, not a folder"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tempfile.mkdtemp(prefix=f".{path.name}.probe-", dir=path.parent))
    except OSError as e:
        return f"cannot write {path}: {e.strerror or e} ({e.filename or path.parent})"
    return None


def save_model(model, path, info=None, extra_arrays=None, extra_files=None):
    """Write the model (and optional extra arrays and text files) to ``path`` atomically.

    ``info`` is merged into the manifest (training command and config, data
    checksums, metrics). Returns the manifest written. A ``path`` that holds
    anything but a model is refused with FileExistsError and left as it was.
    """
    path = Path(path)
    problem = replace_problem(path)
    if problem:
        raise FileExistsError(errno.EEXIST, problem, str(path))
    if set(extra_files or {}) - set(OWN_EXTRAS):  # what replace_problem takes for ours must stay true
        raise ValueError(f"extra files may only be {', '.join(OWN_EXTRAS)}")
    arrays = {name: np.asarray(a, np.float32) for name, a in model.arrays().items()}
    extra_arrays = extra_arrays or {}
    for name, companion in model.companions.items():
        if not (isinstance(name, str) and COMPANION_NAME.fullmatch(name)):  # it names files: never a path
            raise ValueError(f"a companion's name must be lower-case letters and digits, got {name!r}")
        own = {f"{name}_{key}": np.asarray(a, np.float32) for key, a in companion.arrays().items()}
        if set(own) & set(extra_arrays):
            raise ValueError(f"companion {name!r} would overwrite the arrays {sorted(set(own) & set(extra_arrays))}")
        arrays.update(own)
    info = {key: value for key, value in (info or {}).items() if key != "companions"}  # the model's own decide
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "sizes": model.sizes,
        "activations": ["relu"] * (len(model.sizes) - 2) + ["softmax"],
        "layout": "y = x @ W + b; W{i} has shape (sizes[i-1], sizes[i]), b{i} shape (sizes[i],)",
        "input": INPUT,
        "preprocessing": PREPROCESSING,
        **info,
        **({"companions": {name: {**c.manifest, "sizes": c.sizes} for name, c in model.companions.items()}}
           if model.companions else {}),
        "saved_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "arrays": {},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with _signals_held():  # Ctrl-C just after mkdtemp would leave the new folder behind
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.new-", dir=path.parent))
        try:
            os.chmod(tmp, 0o777 & ~umask())  # mkdtemp makes it 0700; a model folder gets the user's usual mode
            for name, array in {**arrays, **extra_arrays}.items():
                buffer = io.BytesIO()
                np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
                data = buffer.getvalue()
                _write_synced(tmp / f"{name}.npy", data)
                manifest["arrays"][name] = {"shape": list(array.shape), "dtype": str(array.dtype),
                                            "sha256": hashlib.sha256(data).hexdigest()}
            for filename, text in (extra_files or {}).items():
                _write_synced(tmp / filename, text.encode())
            _write_synced(tmp / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
            _swap_in(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return manifest


@contextlib.contextmanager
def _signals_held(signals=(signal.SIGINT, signal.SIGTERM)):
    """Ctrl-C or SIGTERM that arrives inside takes effect when it ends, as it would have (a
    KeyboardInterrupt, or the handler's): a save stopped between making its new folder and swapping
    it in would leave the folder beside the model, or inside an ensemble's checkpoint, where a resume
    takes it for a folder of the user's. Only the main thread can hold them; elsewhere, nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    held = {s: signal.signal(s, lambda signum, frame: caught.append(signum)) for s in signals}
    try:
        yield
    finally:
        for s, handler in held.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)
        if caught:
            signal.raise_signal(caught[0])


def _write_synced(path, data):
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap_in(new, target):
    """Make ``new`` be ``target`` in one atomic step, then delete the old directory.

    On Linux renameat2(RENAME_EXCHANGE) swaps two directories atomically. Where
    it is missing, the old one is first renamed aside: a crash between the two
    renames leaves the old model in ``.<name>.old-*`` beside the target. An empty
    folder (the user's, made for the model) is kept: the files move into it, the
    manifest last, so it is a model only once it is whole.
    """
    _fsync_dir(new)
    if not target.exists():
        os.rename(new, target)
    elif not any(target.iterdir()):
        for file in sorted(new.iterdir(), key=lambda f: f.name == MANIFEST):
            os.rename(file, target / file.name)
        _fsync_dir(target)
    elif not _exchange(new, target):
        aside = _set_aside(target)
        os.rename(new, target)
        new = aside
    _fsync_dir(target.parent)
    shutil.rmtree(new, ignore_errors=True)


def remove_folder(path):
    """Delete the folder at ``path`` so that it is gone from its name at once: renamed aside into a
    new ``.<name>.old-*`` beside it, then removed. A kill while removing leaves that hidden folder,
    never part of the folder at its name (a checkpoint without its manifest, taken for one)."""
    shutil.rmtree(_set_aside(Path(path)), ignore_errors=True)


def _set_aside(path):
    """Move the folder at ``path`` into a new hidden ``.<name>.old-*`` folder beside it, in one
    rename, and return that folder."""
    aside = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
    os.rename(path, aside / path.name)
    return aside


def _exchange(a, b):
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False  # kernel or file system without the exchange flag
    raise OSError(err, os.strerror(err), str(b))


def read_manifest(path):
    """The parsed ``model.json`` of a model directory, or ModelError saying what is wrong."""
    path = Path(path)
    if not path.is_dir():
        raise ModelError(f"{path}: no such model directory")
    file = path / MANIFEST
    data = _read_regular(file, MANIFEST_MAX)
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:  # ValueError: bad JSON, or an integer of 5,000 digits
        raise ModelError(f"{file}: not readable JSON ({e})") from None
    except RecursionError:
        raise ModelError(f"{file}: not readable JSON (nested too deeply)") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelError(f"{file}: not a {FORMAT} manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{file}: format version {manifest.get('format_version')!r} is not supported "
                         f"(this code reads version {FORMAT_VERSION})")
    sizes = _checked_sizes(file, manifest.get("sizes"), "'sizes'")
    companions = manifest.get("companions", {})
    if not isinstance(companions, dict) or not all(isinstance(c, dict) and COMPANION_NAME.fullmatch(str(name))
                                                   for name, c in companions.items()):
        raise ModelError(f"{file}: 'companions' must map lower-case names to networks, got {companions!r:.200}")
    parameters = _parameters(sizes) + sum(_parameters(_checked_sizes(file, c.get("sizes"), f"companion {name!r} sizes"))
                                          for name, c in companions.items())
    if parameters > MAX_PARAMETERS:  # checked before any array is read: a sparse file costs nothing on disk
        raise ModelError(f"{file}: sizes {sizes} make {parameters:,} parameters ({parameters * 4 / 2**30:.1f} GiB), "
                         f"over the {MAX_PARAMETERS:,} this loader takes")
    activations = manifest.get("activations")
    expected_activations = ["relu"] * (len(sizes) - 2) + ["softmax"]
    if not isinstance(activations, list) or len(activations) != len(sizes) - 1:
        raise ModelError(f"{file}: {len(sizes) - 1} layers in 'sizes' but activations {activations!r}")
    if activations != expected_activations:
        raise ModelError(f"{file}: activations {activations!r} are not supported "
                         f"(this code runs {expected_activations})")
    if not isinstance(manifest.get("arrays"), dict):
        raise ModelError(f"{file}: 'arrays' is missing")
    return manifest


def _checked_sizes(file, sizes, what):
    if (not isinstance(sizes, list) or len(sizes) < 2
            or not all(isinstance(s, int) and not isinstance(s, bool) and 0 < s <= 100_000 for s in sizes)):
        raise ModelError(f"{file}: {what} must be a list of at least two positive layer widths, got {sizes!r:.200}")
    return sizes


def _parameters(sizes):
    return sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def load_array(path, name, manifest, shape):
    """One float32 array named in the manifest, checked for size, checksum, shape and finiteness."""
    file = Path(path) / f"{name}.npy"
    entry = manifest["arrays"].get(name)
    if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
        raise ModelError(f"{file}: not listed with a checksum in {MANIFEST}")
    data = _read_regular(file, int(np.prod(shape, dtype=np.int64)) * 4 + NPY_HEADER_MAX)
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise ModelError(f"{file}: checksum mismatch (the file is corrupt or was changed after saving)")
    if not data.startswith(b"\x93NUMPY"):
        raise ModelError(f"{file}: not a .npy file (no NumPy magic number)")
    try:
        # The header is read first, so a forged one (a huge shape with a matching checksum)
        # is refused before np.load would try to allocate it.
        stream = io.BytesIO(data)
        header = np.lib.format.read_array_header_1_0(stream) if np.lib.format.read_magic(stream) == (1, 0) \
            else np.lib.format.read_array_header_2_0(stream)
        if header[2].hasobject:
            raise ModelError(f"{file}: holds pickled Python objects; refusing to load it")
        if tuple(header[0]) != tuple(shape):
            raise ModelError(f"{file}: shape {tuple(header[0])}, expected {tuple(shape)} from the layer sizes")
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except ModelError:
        raise
    except ValueError as e:
        if "allow_pickle" in str(e):
            raise ModelError(f"{file}: holds pickled Python objects; refusing to load it") from None
        raise ModelError(f"{file}: not a valid .npy file ({e})") from None
    except (OSError, EOFError) as e:
        raise ModelError(f"{file}: not a valid .npy file ({e})") from None
    if array.dtype != np.float32:
        raise ModelError(f"{file}: dtype {array.dtype}, expected float32")
    if array.shape != tuple(shape):
        raise ModelError(f"{file}: shape {array.shape}, expected {tuple(shape)} from the layer sizes")
    if not np.isfinite(array).all():
        raise ModelError(f"{file}: contains NaN or infinite values")
    return array


def _read_regular(file, max_bytes):
    """The bytes of a regular file of at most ``max_bytes`` (never a FIFO or a device), or ModelError."""
    try:
        return read_regular(file, max_bytes)
    except FileProblem as e:
        raise ModelError(f"{file}: {'missing' if e.missing else e}") from None


def load_model(path=WEIGHTS):
    """The MLP stored in a model directory; raises ModelError naming the file and the problem.
    It must read 784 pixels and give 10 digit scores, whatever its depth, and give numbers for a
    blank input and a full one (finite weights may still be too large to add up in float32)."""
    manifest = read_manifest(path)
    sizes = manifest["sizes"]
    if sizes[0] != INPUT_SIZE or sizes[-1] != N_CLASSES:
        raise ModelError(f"{Path(path) / MANIFEST}: sizes {sizes} do not read {INPUT_SIZE} pixels into "
                         f"{N_CLASSES} digit scores")
    model = _load_network(path, manifest, sizes)
    model.manifest = manifest
    for name, section in manifest.get("companions", {}).items():
        if section["sizes"][-1] != N_CLASSES:
            raise ModelError(f"{Path(path) / MANIFEST}: companion {name!r} gives {section['sizes'][-1]} scores, "
                             f"not {N_CLASSES}")
        companion = _load_network(path, manifest, section["sizes"], f"{name}_")
        companion.manifest = {key: value for key, value in section.items() if key != "sizes"}
        model.companions[name] = companion
    return model


def _load_network(path, manifest, sizes, prefix=""):
    """The MLP of ``sizes`` whose arrays are ``{prefix}W1.npy``, ``{prefix}b1.npy``, ..., checked to
    give numbers for an input of zeros and one of ones (finite weights may still be too large to
    add up in float32)."""
    arrays = {}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        arrays[f"W{i}"] = load_array(path, f"{prefix}W{i}", manifest, (n_in, n_out))
        arrays[f"b{i}"] = load_array(path, f"{prefix}b{i}", manifest, (n_out,))
    network = MLP.from_arrays(arrays)
    with np.errstate(all="ignore"):
        probe = network.predict_proba(np.array([[0.0] * sizes[0], [1.0] * sizes[0]], np.float32))
    if not np.isfinite(probe).all():
        whose, what = ("its", "a drawing") if not prefix else (f"the {prefix}*", "an input")
        raise ModelError(f"{path}: {whose} weights are too large: it answers {what} with no numbers (NaN)")
    return network
