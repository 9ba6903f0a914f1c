"""Where things are by default, whatever directory a command runs in: the shipped model, and the
folder for what the tools fetch (MNIST) and the pad saves (samples, the personal model).

In a checkout (these packages beside the project's pyproject.toml) both are the checkout itself:
weights/, data/mnist/, samples/, weights-personal/. Installed with pip, the model is package data
(mnist_mlp/weights/) and the rest goes to the user's data folder, $XDG_DATA_HOME/digitpad (by
default ~/.local/share/digitpad). Never the current directory.
"""
import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
CHECKOUT = PACKAGE.parent if (PACKAGE.parent / "pyproject.toml").is_file() else None


def user_folder(environ=os.environ):
    """The checkout, or the user's data folder for digitpad when installed."""
    if CHECKOUT is not None:
        return CHECKOUT
    base = environ.get("XDG_DATA_HOME", "")
    if not os.path.isabs(base):  # unset, empty or relative: the XDG default
        base = os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "digitpad"


WEIGHTS = CHECKOUT / "weights" if CHECKOUT is not None else PACKAGE / "weights"
USER = user_folder()
MNIST = USER / "data" / "mnist"
SAMPLES = USER / "samples"
PERSONAL = USER / "weights-personal"
