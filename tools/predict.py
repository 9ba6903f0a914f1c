"""Classify digit images from files (installed: digitpad-predict).

Usage and options: `python tools/predict.py --help`, or the docstring of digitpad/predict.py, where the command lives.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digitpad.predict import command  # noqa: E402

if __name__ == "__main__":
    command()
