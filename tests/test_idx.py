"""The IDX reader and writer."""
import gzip
import struct

import numpy as np
import pytest

from mnist_mlp.idx import IdxError, read_idx, write_idx


@pytest.mark.parametrize("suffix", [".idx", ".idx.gz"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float32])
def test_round_trip(tmp_path, suffix, dtype):
    a = (np.arange(2 * 3 * 4) % 100).astype(dtype).reshape(2, 3, 4)
    write_idx(tmp_path / f"a{suffix}", a)
    b = read_idx(tmp_path / f"a{suffix}")
    assert b.dtype == a.dtype and np.array_equal(a, b)


def test_known_bytes(tmp_path):
    (tmp_path / "x.idx").write_bytes(bytes([0, 0, 8, 1]) + struct.pack(">I", 3) + bytes([7, 8, 9]))
    assert read_idx(tmp_path / "x.idx").tolist() == [7, 8, 9]


@pytest.mark.parametrize("data, message", [
    (b"", "bad magic"),
    (b"PK\x03\x04 a zip file", "bad magic"),
    (bytes([0, 0, 0x42, 1]), "bad magic"),
    (bytes([0, 0, 8, 0]), "dimensions"),
    (bytes([0, 0, 8, 2, 0, 0]), "truncated header"),
    (bytes([0, 0, 8, 1]) + struct.pack(">I", 10) + bytes(5), "truncated"),
    (bytes([0, 0, 8, 1]) + struct.pack(">I", 3) + bytes(4), "trailing data"),
    (bytes([0, 0, 8, 3]) + struct.pack(">3I", 60000, 60000, 60000), "over the"),
])
def test_rejects_malformed_files(tmp_path, data, message):
    path = tmp_path / "bad.idx"
    path.write_bytes(data)
    with pytest.raises(IdxError, match=message):
        read_idx(path)


def test_truncated_gzip_and_not_gzip(tmp_path):
    write_idx(tmp_path / "a.idx.gz", np.zeros((100, 28, 28), np.uint8))
    data = (tmp_path / "a.idx.gz").read_bytes()
    (tmp_path / "cut.idx.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(IdxError, match="cannot read|truncated"):
        read_idx(tmp_path / "cut.idx.gz")
    (tmp_path / "plain.idx.gz").write_bytes(b"not gzip at all")
    with pytest.raises(IdxError, match="cannot read"):
        read_idx(tmp_path / "plain.idx.gz")
    with pytest.raises(IdxError, match="not found"):
        read_idx(tmp_path / "missing.idx.gz")


def test_gzip_bomb_header_is_refused_before_allocating(tmp_path):
    header = bytes([0, 0, 0x0E, 2]) + struct.pack(">2I", 4_000_000_000, 8)
    with gzip.open(tmp_path / "bomb.idx.gz", "wb") as f:
        f.write(header)
    with pytest.raises(IdxError, match="over the"):
        read_idx(tmp_path / "bomb.idx.gz")
