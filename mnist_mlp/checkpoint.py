"""Training checkpoints: everything needed to continue a run exactly where it stopped.

A checkpoint is a model directory (see model_io) that also holds the optimiser's
statistics (``opt_*.npy``), the best weights so far (``best_*.npy``) and
``train_state.json`` (epochs done, history, settings). It is written with the
same atomic swap as a model, so a kill mid-save leaves the previous checkpoint.
"""
import json
from pathlib import Path

from .model_io import ModelError, load_array, load_model, read_manifest, replace_problem, save_model
from .network import MLP

STATE_FILE = "train_state.json"


def save_checkpoint(path, model, optimizer, best_arrays, state):
    extra = {f"opt_{name}": a for name, a in optimizer.state_arrays().items()}
    extra.update({f"best_{name}": a for name, a in best_arrays.items()})
    save_model(model, path, info={"checkpoint": True}, extra_arrays=extra,
               extra_files={STATE_FILE: json.dumps({**state, "optimizer_steps": optimizer.steps}, indent=1)})


def load_checkpoint(path, optimizer_factory, dropout=0.0):
    """(model, optimizer, best_arrays, state) from a checkpoint directory.

    ``optimizer_factory(params)`` builds an optimiser of the run's kind, into
    which the saved statistics are loaded; ``dropout`` is the run's rate, which
    the weights do not record.
    """
    loaded = load_model(path)
    model = MLP.from_arrays(loaded.arrays(), dropout=dropout)
    model.manifest = loaded.manifest
    try:
        state = json.loads((path / STATE_FILE).read_text())
    except (OSError, ValueError) as e:
        raise ModelError(f"{path / STATE_FILE}: not readable ({e})") from None
    manifest = model.manifest
    optimizer = optimizer_factory(model.parameters())
    opt_arrays = {name: load_array(path, f"opt_{name}", manifest, target.shape)
                  for name, target in optimizer.state_arrays().items()}
    optimizer.load_state_arrays(opt_arrays, state["optimizer_steps"])
    best = {name: load_array(path, f"best_{name}", manifest, a.shape) for name, a in model.arrays().items()}
    return model, optimizer, best, state


def checkpoint_problem(path, out):
    """None if a training run may write its checkpoint at ``path`` and remove it when it ends:
    nothing is there yet, or a checkpoint this project wrote (an ensemble's: a folder of
    ``member-N`` checkpoints). Else why not: it is the model folder ``out``, holds it or is in it, it is a
    model or a folder of the user's, a file or a symbolic link. Checked before training starts."""
    path, out = Path(path), Path(out)
    if path.resolve() == out.resolve() or path.resolve() in out.resolve().parents:
        return f"the checkpoint {path} would be the model folder {out}, or hold it"
    if out.resolve() in path.resolve().parents:  # saving the model would meet a folder that is not its own
        return f"the checkpoint {path} would be inside the model folder {out}"
    entries = sorted(path.iterdir()) if path.is_dir() and not path.is_symlink() else []
    if entries and all(e.is_dir() and e.name.startswith("member-") for e in entries):
        return next((p for p in (checkpoint_problem(e, out) for e in entries) if p), None)
    if not path.exists() and not path.is_symlink():
        return None
    problem = replace_problem(path)  # a file, a symbolic link, a folder holding files not ours
    if problem and not entries:
        return problem
    try:
        if not problem and entries and read_manifest(path).get("checkpoint") is True:
            return None
    except ModelError:
        pass
    return f"{path} exists and is not a checkpoint this tool wrote; name a new --checkpoint folder"
