"""The web pad and the HTTP API for the digit model (installed: digitpad-serve).

Usage and options: `python tools/serve.py --help`, or the docstring of digitpad/serve.py, where the command lives.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digitpad.serve import command  # noqa: E402

if __name__ == "__main__":
    command()
