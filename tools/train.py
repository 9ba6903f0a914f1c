"""Train the digit network and save it as a model directory (installed: digitpad-train).

Usage and options: `python tools/train.py --help`, or the docstring of digitpad/train.py, where the command lives.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digitpad.train import command  # noqa: E402

if __name__ == "__main__":
    command()
