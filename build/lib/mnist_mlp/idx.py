"""Read and write IDX files, the format MNIST is distributed in (optionally gzipped).

Layout: two zero bytes, a type code, the number of dimensions, each dimension
as a big-endian uint32, then the data in C order, big-endian.
"""
import gzip
import struct
import zlib

import numpy as np

TYPE_CODES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
MAX_BYTES = 1 << 30  # 1 GiB: far above MNIST (47 MB), far below a forged header's claim


class IdxError(ValueError):
    """An IDX file is malformed, truncated, or not an IDX file at all."""


def read_idx(path, max_bytes=MAX_BYTES):
    """The array stored in an IDX file (``.gz`` files are decompressed)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            return _read_stream(f, path, max_bytes)
    except (OSError, EOFError, zlib.error) as e:  # gzip.BadGzipFile is an OSError
        if isinstance(e, FileNotFoundError):
            raise IdxError(f"{path}: file not found") from None
        raise IdxError(f"{path}: cannot read ({e})") from None


def _read_stream(f, path, max_bytes):
    header = f.read(4)
    if len(header) < 4 or header[:2] != b"\0\0" or header[2] not in TYPE_CODES:
        raise IdxError(f"{path}: not an IDX file (bad magic number {header.hex() or 'empty'})")
    ndim = header[3]
    if not 1 <= ndim <= 8:
        raise IdxError(f"{path}: implausible number of dimensions {ndim}")
    raw_dims = f.read(4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise IdxError(f"{path}: truncated header")
    dims = struct.unpack(f">{ndim}I", raw_dims)
    dtype = np.dtype(TYPE_CODES[header[2]])
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if expected > max_bytes:
        raise IdxError(f"{path}: header declares {expected} bytes of data, over the {max_bytes}-byte limit")
    data = f.read(expected + 1)  # one byte more, to notice trailing data
    if len(data) < expected:
        raise IdxError(f"{path}: truncated: dimensions {dims} need {expected} bytes of data, found {len(data)}")
    if len(data) > expected:
        raise IdxError(f"{path}: trailing data after the {expected} bytes that dimensions {dims} declare")
    return np.frombuffer(data, dtype).reshape(dims).astype(dtype.newbyteorder("="))


def write_idx(path, array):
    """Write an array as IDX (gzipped when the path ends in ``.gz``)."""
    array = np.asarray(array)
    big_endian = array.dtype.newbyteorder(">")
    codes = {np.dtype(v): k for k, v in TYPE_CODES.items()}
    if big_endian not in codes:
        raise IdxError(f"IDX cannot hold dtype {array.dtype}")
    header = bytes([0, 0, codes[big_endian], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(header + np.ascontiguousarray(array, dtype=big_endian).tobytes())
