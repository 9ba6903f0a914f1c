"""Reading a file that nobody vouches for: a regular file only, and no more than it should hold.

A FIFO would hang a plain read and ``/dev/zero`` would never end, so the file is opened without
blocking and checked with fstat before a byte is read; its size is checked before it is read.
Model files, images, the pad's samples and the data sets are all read through here; a data set
may be gzip-compressed, and is then bounded once uncompressed too (a small .gz can hold gigabytes).
"""
import gzip
import io
import os
import stat
import zlib

GZIP_MAGIC = b"\x1f\x8b"


class FileProblem(ValueError):
    """Why a file was not read, in a few words; ``missing`` tells a file that is not there."""

    def __init__(self, message, missing=False):
        super().__init__(message)
        self.missing = missing


def umask():
    """The process's umask (reading it means setting it, so it is set back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def read_regular(path, max_bytes):
    """The bytes of the regular file at ``path`` (str, bytes or Path, in any encoding), at most
    ``max_bytes`` of them, or FileProblem."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise FileProblem("no such file", missing=True) from None
    except OSError as e:
        raise FileProblem(f"cannot open ({e.strerror or e})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise FileProblem("a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise FileProblem("not a regular file (a device, FIFO or socket)")
        if info.st_size > max_bytes:
            raise FileProblem(f"{info.st_size:,} bytes, over the {max_bytes:,}-byte limit")
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as e:
        raise FileProblem(f"cannot read ({e.strerror or e})") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise FileProblem(f"over the {max_bytes:,}-byte limit")
    return data


def read_maybe_gzip(path, max_bytes):
    """``read_regular``, uncompressed when the file is gzip data (by its first bytes, not its name);
    at most ``max_bytes`` either way, or FileProblem."""
    data = read_regular(path, max_bytes)
    if not data.startswith(GZIP_MAGIC):
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
            text = f.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as e:
        raise FileProblem(f"broken gzip data ({e})") from None
    if len(text) > max_bytes:
        raise FileProblem(f"over the {max_bytes:,}-byte limit once uncompressed")
    return text
