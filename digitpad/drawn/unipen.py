"""Read digits in UNIPEN format (the pendigits data set's raw trajectories).

    .SEGMENT DIGIT 0 ? "8"      a digit starts; its label is in quotes
    .COMMENT 8 12 224           label, writer id, sample number
    .PEN_DOWN                   a stroke starts; then one "x y" pair per line
    .PEN_UP                     the stroke ends

Other dot-commands (.INCLUDE, .LEXICON, .DT, ...) are skipped. The tablet's y
axis points up; ``Digit.strokes`` keep the file's coordinates.
"""
from dataclasses import dataclass

from mnist_mlp.files import FileProblem, read_maybe_gzip, read_regular
from mnist_mlp.mnist import sha256

MAX_FILE_BYTES = 64 << 20  # uncompressed; the 7,494 digits of pendigits-orig.tra are 3.6 MB
MAX_POINTS = 100_000  # per stroke; a real digit has tens: anything near this is not a digit


@dataclass(frozen=True)
class Digit:
    label: int
    writer: int
    strokes: tuple  # of tuples of (x, y)
    line: int  # where its .SEGMENT line is, for messages


class UnipenError(ValueError):
    """A malformed UNIPEN file; the message names the file and line."""


def read_unipen(path, writers=None):
    """The digits in a UNIPEN file (plain or gzip-compressed), as a list of Digit: all of them, or
    those of a set of writer ids."""
    try:
        text = read_maybe_gzip(path, MAX_FILE_BYTES).decode("ascii")
    except UnicodeDecodeError as e:
        raise UnipenError(f"{path}: not a UNIPEN text file ({e.reason} at byte {e.start})") from None
    except FileProblem as e:
        raise UnipenError(f"{path}: cannot read ({e})") from None
    digits = parse_unipen(text.splitlines(), str(path))
    return digits if writers is None else [d for d in digits if d.writer in writers]


def unipen_sha256(path):
    """The sha256 of a UNIPEN file's bytes as stored, read within MAX_FILE_BYTES (a model's manifest
    records which file it learnt from)."""
    try:
        return sha256(read_regular(path, MAX_FILE_BYTES))
    except FileProblem as e:
        raise UnipenError(f"{path}: cannot read ({e})") from None


def parse_unipen(lines, name="<input>"):
    digits = []
    label = writer = start = None
    strokes, stroke = [], None

    def fail(n, message):
        raise UnipenError(f"{name}:{n}: {message}")

    def finish(n):
        if stroke is not None:
            fail(n, "digit ends inside a stroke (.PEN_DOWN without .PEN_UP)")
        if label is not None:
            if not strokes:
                fail(start, f"digit {label!r} has no strokes")
            digits.append(Digit(label, writer if writer is not None else -1, tuple(strokes), start))

    for n, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("."):
            keyword, _, rest = line.partition(" ")
            if keyword == ".SEGMENT":
                finish(n)
                strokes, stroke, writer, start = [], None, None, n
                quoted = rest.split('"')
                if len(quoted) != 3 or len(quoted[1]) != 1 or not quoted[1].isdigit():
                    fail(n, f'.SEGMENT without a quoted digit label: {line!r}')
                label = int(quoted[1])
            elif keyword == ".COMMENT" and label is not None:
                fields = rest.split()
                if len(fields) >= 2 and fields[1].isdigit():
                    writer = int(fields[1])
            elif keyword == ".PEN_DOWN":
                if label is None:
                    fail(n, ".PEN_DOWN before any .SEGMENT")
                if stroke is not None:
                    fail(n, ".PEN_DOWN inside a stroke")
                stroke = []
            elif keyword == ".PEN_UP":
                if stroke is None:
                    fail(n, ".PEN_UP without .PEN_DOWN")
                if not stroke:
                    fail(n, "empty stroke")
                strokes.append(tuple(stroke))
                stroke = None
            continue
        if stroke is None:
            fail(n, f"coordinates outside a stroke: {line!r}")
        parts = line.split()
        if len(parts) != 2:
            fail(n, f"expected two integers 'x y', got {line!r}")
        try:
            x, y = int(parts[0]), int(parts[1])
        except ValueError:
            fail(n, f"expected two integers 'x y', got {line!r}")
        if not (-100_000 <= x <= 100_000 and -100_000 <= y <= 100_000):
            fail(n, f"coordinates out of range: {line!r}")
        if len(stroke) >= MAX_POINTS:
            fail(n, f"stroke longer than {MAX_POINTS} points")
        stroke.append((x, y))
    finish("end")
    return digits


def parse_writers(spec):
    """'1-25' or '26,28-30' -> a set of writer ids."""
    writers = set()
    for part in spec.split(","):
        lo, _, hi = part.strip().partition("-")
        try:
            lo_n, hi_n = int(lo), int(hi or lo)
        except ValueError:
            raise ValueError(f"writer list must look like '1-25' or '26,28-30', got {spec!r}") from None
        if lo_n > hi_n:
            raise ValueError(f"empty writer range {part!r}")
        writers.update(range(lo_n, hi_n + 1))
    return writers
