"""Shared fixtures. MNIST-dependent tests use the real data set, fetched once."""
import contextlib
import signal
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Started in the background by a script (`cmd &`), the tests inherit Ctrl-C ignored, and so would the
# tools they start: the tests of what Ctrl-C does need it to arrive (a new user's run failed one).
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def mnist():
    """The real MNIST arrays (fetched into data/mnist if missing; .ci/run fetches it first)."""
    from mnist_mlp.mnist import fetch_mnist, load_mnist

    fetch_mnist(ROOT / "data" / "mnist")
    return load_mnist(ROOT / "data" / "mnist")


_FUZZ = {}


@contextlib.contextmanager
def fuzz_case(target):
    """Count one bad input tried against ``target``; an exception escaping the block counts as a failure."""
    tried, failures = _FUZZ.get(target, (0, 0))
    _FUZZ[target] = (tried + 1, failures)
    try:
        yield
    except BaseException:
        _FUZZ[target] = (tried + 1, failures + 1)
        raise


def pytest_terminal_summary(terminalreporter):
    if _FUZZ:
        terminalreporter.write_sep("-", "bad input tried on purpose")
        for target, (tried, failures) in sorted(_FUZZ.items()):
            terminalreporter.write_line(f"{target}: {tried} inputs tried, {failures} failures")


def bold_digit(digit, margin, h=200, w=140, pen=34):
    """A bold light 0, 6, 8 or 9 on black (chalk on a board, a thick brush), cut out ``margin`` px round its ink."""
    ink = np.zeros((h, w), np.uint8)
    if digit == 0:
        cv2.ellipse(ink, (w // 2, h // 2), (44, 78), 0, 0, 360, 255, pen)
    if digit == 8:
        cv2.ellipse(ink, (w // 2, 52), (38, 36), 0, 0, 360, 255, pen)
        cv2.ellipse(ink, (w // 2, 140), (46, 44), 0, 0, 360, 255, pen)
    if digit in (6, 9):
        centre, stem = ((w // 2, 135), (w // 2 + 25, 18)) if digit == 6 else ((w // 2, 60), (w // 2 + 25, 185))
        cv2.ellipse(ink, centre, (42, 42), 0, 0, 360, 255, pen)
        cv2.line(ink, (centre[0] + (-40 if digit == 6 else 40), centre[1]), stem, 255, pen)
    x, y, w, h = cv2.boundingRect(ink)
    return cv2.copyMakeBorder(ink[y:y + h, x:x + w], margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=0)


class Reads:
    """A model, or its views, that reads every input as ``probabilities``."""
    def __init__(self, probabilities):
        self.probabilities = np.asarray(probabilities, np.float64)
        self.model = self

    def predict_proba(self, images):
        return np.repeat(self.probabilities[None], len(np.asarray(images).reshape(-1, 784)), axis=0)
