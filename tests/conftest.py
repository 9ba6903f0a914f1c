"""Shared fixtures. MNIST-dependent tests use the real data set, fetched once."""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def mnist():
    """The real MNIST arrays (fetched into data/mnist if missing; .ci/run fetches it first)."""
    from mnist_mlp.mnist import fetch_mnist, load_mnist

    fetch_mnist(ROOT / "data" / "mnist")
    return load_mnist(ROOT / "data" / "mnist")
