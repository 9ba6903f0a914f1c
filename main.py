"""Digit pad: draw a digit with the mouse and watch the network's belief change (installed: digitpad).

Usage and options: `python main.py --help`, or the docstring of digitpad/pad.py, where the command lives.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from digitpad.pad import command  # noqa: E402

if __name__ == "__main__":
    command()
