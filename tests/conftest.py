"""Shared fixtures. MNIST-dependent tests use the real data set, fetched once."""
import contextlib
import signal
import sys
from pathlib import Path

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
