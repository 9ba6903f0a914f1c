"""Hostile input (issue 15): thin and huge images, special files, odd names, forged models.

Big and thin images are made here, never committed; every case is counted in the fuzz summary.
"""
import hashlib
import json
import os
import resource
import shutil
import struct
import subprocess
import sys
import threading
import zlib

import cv2
import numpy as np
import pytest

from conftest import ROOT, fuzz_case
from mnist_mlp import ModelError, load_model
from digitpad.reading import picture_canvases
from digitpad.personal.samples import load_samples, load_stroke_samples
from digitpad.preprocessing import canvas_from_image, prepare
from digitpad.preprocessing.images import (MAX_JPEG_SCANS, SIDE, MAX_PIXELS, ImageError, decode_gray, read_file,
                                           read_gray)


def png_header_only(width, height, bit_depth=8, colour=0):
    """A tiny PNG whose header claims width x height: a decompression bomb's first bytes, and a
    thin one's (a 1 x 300000 grey PNG is a few hundred bytes)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 0)
    rows = zlib.compress(b"\0" + b"\xff" * min(width, 64), 9)  # the header is what counts
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def thin_png(width, height):
    """A real, valid white-on-black thin PNG, made small by compression."""
    ok, data = cv2.imencode(".png", np.full((height, width), 255, np.uint8), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    assert ok
    return data.tobytes()


@pytest.mark.parametrize("shape", [(1, 300_000), (300_000, 1), (2, 1_000_000), (1, 2**31)])
def test_thin_canvases_cost_memory_in_proportion(shape):
    with fuzz_case("digitpad.preprocessing.prepare, thin canvases"):
        if shape[1] == 2**31:  # over the pixel budget: a clear error, not a wrapped-around integer
            view = np.lib.stride_tricks.as_strided(np.zeros(1, np.uint8), shape, (0, 0))
            with pytest.raises(ValueError, match="pixel limit"):
                prepare(view)
            return
        canvas = np.full(shape, 255, np.uint8)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        image = prepare(canvas)
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
        assert image is not None and image.shape == (28, 28)
        assert grown < 8 * canvas.size + (64 << 20)


def test_masked_arrays_are_refused():
    with fuzz_case("digitpad.preprocessing.prepare, thin canvases"), pytest.raises(ValueError, match="plain NumPy"):
        prepare(np.ma.masked_array(np.zeros((10, 10), np.uint8), mask=True))


def test_near_blank_images_have_no_ink_and_transparency_is_paper():
    rng = np.random.default_rng(0)
    for noise in (2, 12):  # paper grain, and a phone camera's sensor noise in dim light
        noisy = np.clip(rng.normal(240, noise, (200, 200)), 0, 255).astype(np.uint8)
        assert prepare(canvas_from_image(noisy)) is None
    digit = np.zeros((100, 100, 4), np.uint8)  # black ink on a transparent background
    cv2.line(digit, (50, 10), (50, 90), (0, 0, 0, 255), 8)
    ok, data = cv2.imencode(".png", digit)
    gray = decode_gray(data.tobytes())
    assert gray[0, 0] == 255 and gray[50, 50] == 0  # paper white, ink black
    assert prepare(canvas_from_image(gray)) is not None


@pytest.mark.parametrize("width, height", [(40_000, 40_000), (30_000, 30_000), (60_000_000, 1), (1, 60_000_000),
                                           (2**31 - 1, 2), (0, 5)])
def test_image_headers_over_the_budget_are_refused_before_decoding(width, height):
    with fuzz_case("digitpad.preprocessing.images"):
        with pytest.raises(ImageError, match="pixel limit|nothing to read"):
            decode_gray(png_header_only(width, height))


def test_a_strip_of_picture_is_shrunk_in_blocks_keeping_its_ink():
    """A picture thousands of times longer than wide (a PNG of a few KB) took 650 MB to shrink: OpenCV's
    area resizing holds about 12 bytes a pixel along its side. Its long side is first averaged in blocks."""
    from digitpad.preprocessing.images import BLOCKED, shrunk
    for shape in [(2, 40 * BLOCKED * SIDE), (40 * BLOCKED * SIDE, 3), (3, 2 * BLOCKED * SIDE + 7, 3)]:
        strip = np.full(shape, 240, np.uint16 if len(shape) == 2 and shape[0] == 2 else np.uint8)
        long = int(np.argmax(shape[:2]))
        strip[(slice(None),) * long + (slice(0, shape[long] // 2),)] = 10  # the first half along it dark
        out = shrunk(strip)
        assert out.dtype == strip.dtype and max(out.shape[:2]) == SIDE and out.shape[2:] == shape[2:]
        assert out.min() <= 100 and out.max() >= 200  # the dark and the light are both still there
    gray = np.full((1, 40 * BLOCKED * SIDE), 255, np.uint8)
    gray[0, 1000:200_000] = 0
    with fuzz_case("digitpad.reading.picture_canvases"):
        assert all(canvas.shape == (1, SIDE) for canvas in picture_canvases(gray))


def test_boxes_within_boxes_and_a_page_of_boxes_leave_the_digit_or_nothing_much():
    """A form's box round a digit is taken off (digitpad.preprocessing._without_boxes), each piece looked at
    within its own box: 140 boxes one inside another round a 1 leave the 1, and a page of 10,000 small
    boxes each round a dot is boxes round specks, kept, in a picture 1,200 px a side."""
    nested = np.full((SIDE, SIDE), 255, np.uint8)
    for k in range(20, 580, 4):
        cv2.rectangle(nested, (k, k), (SIDE - 1 - k, SIDE - 1 - k), 0, 1)
    nested[585:615, 598:602] = 0
    with fuzz_case("digitpad.reading.picture_canvases"):
        canvas = next(picture_canvases(nested))
    x, y, w, h = cv2.boundingRect(canvas)
    assert 580 <= y and y + h <= 620 and 590 <= x and x + w <= 610  # the 1 alone
    page = np.full((SIDE, SIDE), 255, np.uint8)
    for y in range(0, SIDE, 12):
        for x in range(0, SIDE, 12):
            cv2.rectangle(page, (x, y), (x + 9, y + 9), 0, 1)
            page[y + 4:y + 6, x + 4:x + 6] = 0
    with fuzz_case("digitpad.reading.picture_canvases"):
        assert next(picture_canvases(page)).shape == (SIDE, SIDE)


def test_big_pictures_are_shrunk_as_they_are_read(tmp_path):
    """Issue 24, 3: a 4000x4000 picture cost 14 times a 1000x1000 one, and a 16-bit RGBA PNG of 16
    megapixels took 645 MB to decode. Now every picture is at most SIDE pixels a side once read (a
    JPEG decoded at that size), and one full-size copy at most is held."""
    import subprocess
    import sys

    one = np.full((4000, 4000), 255, np.uint8)
    one[1000:3000, 1900:2100] = 0
    small = decode_gray(cv2.imencode(".png", cv2.resize(one, (1000, 1000), interpolation=cv2.INTER_AREA))[1].tobytes())
    for data in (cv2.imencode(".png", one)[1], cv2.imencode(".jpg", one)[1]):
        gray = decode_gray(data.tobytes())
        assert gray.shape == (SIDE, SIDE)
        assert np.abs(prepare(canvas_from_image(gray)) - prepare(canvas_from_image(small))).mean() < 0.02
    rgba = np.zeros((4000, 4000, 4), np.uint16)
    rgba[1000:3000, 1900:2100, 3] = 65535  # black ink, the rest transparent: paper
    cv2.imwrite(str(tmp_path / "deep.png"), rgba)
    code = ("import resource, sys; from digitpad.preprocessing.images import read_gray; "
            "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; g = read_gray(sys.argv[1]); "
            "print(g.shape, g.min(), g.max(), (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)")
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path / "deep.png")], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    shape, darkest, lightest, grown_mb = r.stdout.rsplit(" ", 3)
    assert shape == f"({SIDE}, {SIDE})" and (darkest, lightest) == ("0", "255"), r.stderr
    assert int(grown_mb) < 300  # the 16-bit RGBA copy is 128 MB; 645 MB before


def test_jpegs_read_alike_at_every_size_and_with_what_follows_them():
    """Found by the review of the shrinking: the reduced decode applied EXIF orientation where a full
    decode ignores it, so a picture turned or not by its size; and bytes after the end of a JPEG (a
    motion photo's video) were counted as scans."""
    def exif_rotated(jpeg):  # an APP1 Exif segment saying "turn 90 degrees" (orientation 6)
        entry = b"\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00"  # tag 0x0112, SHORT, 1 value: 6
        ifd = b"MM\x00*\x00\x00\x00\x08" + b"\x00\x01" + entry + b"\x00" * 4
        app1 = b"Exif\x00\x00" + ifd
        return jpeg[:2] + b"\xff\xe1" + (len(app1) + 2).to_bytes(2, "big") + app1 + jpeg[2:]

    for width in (2000, 2400, 5000):  # full, half and quarter decodes
        wide = np.full((width // 2, width), 255, np.uint8)
        wide[:, : width // 4] = 0
        gray = decode_gray(exif_rotated(cv2.imencode(".jpg", wide)[1].tobytes()))
        assert gray.shape[1] > gray.shape[0] and gray[:, 0].mean() < 50, (width, gray.shape)
    jpeg = cv2.imencode(".jpg", np.full((200, 200), 200, np.uint8), [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])[1].tobytes()
    trailer = (b"\xff\xda" * 50 + np.random.default_rng(0).bytes(1 << 20)) * 4
    with fuzz_case("digitpad.preprocessing.images"):
        assert decode_gray(jpeg + trailer).shape == (200, 200)


def test_a_jpeg_scan_bomb_is_refused_before_decoding():
    """Issue 24, 4: a 1 MB progressive JPEG of 29,979 empty scans took a minute to decode. The scans
    are counted from the markers first."""
    header = cv2.imencode(".jpg", np.full((64, 64), 200, np.uint8), [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])[1].tobytes()
    assert 1 < header.count(b"\xff\xda") <= MAX_JPEG_SCANS  # a real progressive JPEG reads
    assert decode_gray(header).shape == (64, 64)
    sos = header.index(b"\xff\xda")
    bomb = header[:sos] + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" * 30_000 + b"\xff\xd9"
    with fuzz_case("digitpad.preprocessing.images"):
        with pytest.raises(ImageError, match="a JPEG of 30,00[0-9] scans, over the limit of 100"):
            decode_gray(bomb)


@pytest.mark.parametrize("width, height", [(300_000, 1), (1, 300_000), (1_000_000, 1)])
def test_thin_images_within_the_budget_read(width, height):
    with fuzz_case("digitpad.preprocessing.images"):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        gray = decode_gray(thin_png(width, height))
        assert gray.shape == ((1, SIDE) if width > height else (SIDE, 1))  # shrunk to SIDE as it is read
        assert prepare(canvas_from_image(np.pad(gray, 2, constant_values=0))) is not None
        assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024 < 40 * width * height + (64 << 20)


def test_mutated_and_odd_files(tmp_path):
    ok, good = cv2.imencode(".png", np.eye(30, dtype=np.uint8) * 255)
    good = good.tobytes()
    rng = np.random.default_rng(0)
    for _ in range(200):
        data = bytearray(good)
        for _ in range(rng.integers(1, 6)):
            data[rng.integers(0, len(data))] = rng.integers(0, 256)
        with fuzz_case("digitpad.preprocessing.images"):
            try:
                decode_gray(bytes(data[:rng.integers(1, len(data) + 1)]))
            except ImageError:
                pass
    for data in (b"", b"BM", b"\xff\xd8", b"\xff\xd8\xff\xc0\x00\x11\x08", b"GIF89a", b"\x89PNG\r\n\x1a\n"):
        with fuzz_case("digitpad.preprocessing.images"), pytest.raises(ImageError):
            decode_gray(data)


def test_special_files_are_not_read(tmp_path):
    fifo = tmp_path / "fifo.png"
    os.mkfifo(fifo)
    for path, message in [("/dev/zero", "not a regular file"), (fifo, "not a regular file"),
                          (tmp_path, "a folder"), (tmp_path / "missing.png", "no such file")]:
        with fuzz_case("digitpad.preprocessing.images"), pytest.raises(ImageError, match=message):
            read_file(path)
    big = tmp_path / "big.png"
    with open(big, "wb") as f:
        f.truncate(65 << 20)
    with fuzz_case("digitpad.preprocessing.images"), pytest.raises(ImageError, match="byte limit"):
        read_file(big)


def test_non_utf8_file_names_are_read(tmp_path):
    name = os.fsencode(tmp_path) + b"/digit-\xff\xfe.png"
    ok, data = cv2.imencode(".png", np.eye(30, dtype=np.uint8) * 255)
    with open(name, "wb") as f:
        f.write(data.tobytes())
    with fuzz_case("digitpad.preprocessing.images"):
        assert read_gray(name).shape == (30, 30)


def forge(model_dir, name, mutate):
    """Rewrite ``name`` in a copied model and update the manifest's checksum to match."""
    mutate(model_dir / name)
    manifest = json.loads((model_dir / "model.json").read_text())
    key = name[:-4]
    if key in manifest["arrays"]:
        manifest["arrays"][key]["sha256"] = hashlib.sha256((model_dir / name).read_bytes()).hexdigest()
        (model_dir / "model.json").write_text(json.dumps(manifest))


def huge_header(path):
    data = path.read_bytes()
    header_len = struct.unpack("<H", data[8:10])[0]
    header = data[10:10 + header_len].decode("latin1").replace("(784, 1024)", "(999999, 999999)")
    header = header.ljust(header_len - 1) + "\n"
    path.write_bytes(data[:10] + header.encode("latin1") + data[10 + header_len:])


@pytest.mark.parametrize("case", ["nested", "huge_int", "huge_header", "fifo_array", "fifo_manifest",
                                  "dev_zero", "not_784", "not_10", "sparse"])
def test_every_malformed_model_is_one_model_error(tmp_path, case):
    model = tmp_path / "weights"
    shutil.copytree(ROOT / "weights", model)
    manifest = json.loads((model / "model.json").read_text())
    if case == "nested":
        (model / "model.json").write_text("[" * 100_000 + "]" * 100_000)
    elif case == "huge_int":
        (model / "model.json").write_text('{"format": ' + "9" * 5000 + "}")
    elif case == "huge_header":
        forge(model, "W1.npy", huge_header)
    elif case in ("fifo_array", "fifo_manifest"):
        target = model / ("W1.npy" if case == "fifo_array" else "model.json")
        target.unlink()
        os.mkfifo(target)
    elif case == "dev_zero":
        (model / "b1.npy").unlink()
        (model / "b1.npy").symlink_to("/dev/zero")
    elif case == "sparse":  # issue 24, 11: sizes asking for 4.8 GB, and a sparse W2.npy of that size (4 KB on disk)
        manifest["sizes"] = [784, 40000, 30000, 10]
        (model / "model.json").write_text(json.dumps(manifest))
        os.truncate(model / "W2.npy", 40000 * 30000 * 4 + 128)
    else:
        manifest["sizes"] = [780, 1024, 512, 10] if case == "not_784" else [784, 1024, 512, 9]
        (model / "model.json").write_text(json.dumps(manifest))
    result = {}
    worker = threading.Thread(target=lambda: result.update(error=_load_error(model)), daemon=True)
    with fuzz_case("model loader, hostile"):
        worker.start()
        worker.join(10)
        assert not worker.is_alive(), "the loader hangs"
        assert isinstance(result["error"], ModelError), result["error"]
    assert str(model) in str(result["error"])
    if case == "sparse":
        # 1,231,730,010 of them the digit network's, 75,402 its trajectory network's (160-256-128-10)
        assert "1,231,805,412 parameters (4.6 GiB), over the 64,000,000" in str(result["error"])


def _load_error(path):
    try:
        load_model(path)
    except BaseException as e:  # anything but ModelError fails the test
        return e
    return None


def test_hostile_sample_files(tmp_path, mnist):
    root = tmp_path / "samples"
    (root / "3").mkdir(parents=True)
    os.mkfifo(root / "3" / "fifo.png")
    os.mkfifo(root / "3" / "fifo.json")
    (root / "3" / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (root / "3" / "big.png").write_bytes(png_header_only(40_000, 40_000))
    (root / "3" / "labels.json").write_text(json.dumps({"label": 7, "canvas_size": [400, 400],
                                                        "strokes": [{"brush": 26, "points": [[1, 2], [True, 3]]}]}))
    with fuzz_case("samples loader"):
        done = {}
        worker = threading.Thread(target=lambda: done.update(images=load_samples(root),
                                                             strokes=load_stroke_samples(root)), daemon=True)
        worker.start()
        worker.join(20)
        assert not worker.is_alive(), "loading samples hangs"
    images, labels, problems = done["images"]
    assert len(images) == 0 and len(problems) == 2
    samples, problems = done["strokes"]
    assert samples == [] and len(problems) == 3
    assert any("not a regular file" in p for p in problems) and any("not a JSON" in p for p in problems)


def test_predict_survives_hostile_files(tmp_path):
    files = {"bomb.png": png_header_only(40_000, 40_000), "thin.png": thin_png(300_000, 1),
             "blank.png": cv2.imencode(".png", np.full((50, 50), 250, np.uint8))[1].tobytes()}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    odd = os.fsencode(tmp_path) + b"/odd-\xff.png"
    with open(odd, "wb") as f:
        f.write(cv2.imencode(".png", np.eye(40, dtype=np.uint8) * 255)[1].tobytes())
    (tmp_path / "new\nline.png").write_bytes(cv2.imencode(".png", np.eye(40, dtype=np.uint8) * 255)[1].tobytes())
    os.mkfifo(tmp_path / "fifo.png")
    with fuzz_case("tools/predict.py"):
        r = subprocess.run([sys.executable, str(ROOT / "tools" / "predict.py"), str(tmp_path), "/dev/zero", "--json"],
                           capture_output=True, timeout=120, cwd=ROOT)
        assert r.returncode == 1, r.stderr
    out, err = r.stdout.decode(), r.stderr.decode(errors="replace")
    lines = [json.loads(line) for line in out.splitlines()]  # every line valid JSON, newline in a name too
    # A name that is not UTF-8 is escaped (a lone surrogate would be no valid UTF-8 line).
    read = sorted(os.path.basename(x["file"]) for x in lines if "error" not in x)
    assert read == ["new\nline.png", "odd-\\udcff.png"]
    failed = sorted(os.path.basename(x["file"]) for x in lines if "error" in x)  # each failed file has its line
    assert failed == ["blank.png", "bomb.png", "fifo.png", "thin.png", "zero"]
    assert err.count("no ink found") == 2  # the blank page, and the thin one (all paper)
    assert "pixel limit" in err and "not a regular file" in err and "no ink" in err and "Traceback" not in err
    plain = subprocess.run([sys.executable, str(ROOT / "tools" / "predict.py"), str(tmp_path / "new\nline.png")],
                           capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert plain.returncode == 0 and plain.stdout.count("\n") == 1 and "new\\nline.png" in plain.stdout
    assert MAX_PIXELS == 50_000_000


def test_broken_ancillary_png_chunks_leave_stderr_quiet(tmp_path):
    """Issue 24, 19: libpng's warnings about a PNG's colour profile or text leaked to stderr. Only the
    chunks a picture needs are decoded; the picture itself reads as before."""
    import subprocess
    import sys
    import zlib

    def chunk(kind, data, crc=None):
        body = kind + data
        return len(data).to_bytes(4, "big") + body + (zlib.crc32(body) if crc is None else crc).to_bytes(4, "big")

    three = np.full((120, 120), 255, np.uint8)
    cv2.putText(three, "3", (25, 100), cv2.FONT_HERSHEY_SIMPLEX, 3.5, 0, 12)
    plain = cv2.imencode(".png", three)[1].tobytes()
    noisy = plain[:33] + chunk(b"iCCP", b"bad\x00\x00" + zlib.compress(b"no profile")) + chunk(b"tEXt", b"a\x00b", 1) \
        + plain[33:]
    (tmp_path / "noisy.png").write_bytes(noisy)
    with fuzz_case("digitpad.preprocessing.images"):
        assert np.array_equal(decode_gray(noisy), decode_gray(plain))
        r = subprocess.run([sys.executable, str(ROOT / "tools" / "predict.py"), str(tmp_path / "noisy.png")],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and r.stdout.startswith(f"{tmp_path / 'noisy.png'}: 3 ") and r.stderr == "", r.stderr


def test_pngs_whose_chunks_lie_are_one_image_error_or_a_picture():
    """The chunk walk that keeps what a picture needs (_png_essentials) against lying lengths,
    truncation, a missing IDAT or IEND, chunks after the end and 1 MB of empty chunks."""
    import zlib

    def chunk(kind, data, length=None):
        return (len(data) if length is None else length).to_bytes(4, "big") + kind + data \
            + zlib.crc32(kind + data).to_bytes(4, "big")

    plain = cv2.imencode(".png", np.full((20, 20), 128, np.uint8))[1].tobytes()
    head, idat_at = plain[:33], plain.index(b"IDAT") - 4
    body, end = plain[idat_at:-12], plain[-12:]
    cases = {"length past the end before IDAT": head + chunk(b"tEXt", b"a\x00b", 0xFFFFFFFF) + body + end,
             "length past the end after IEND": plain + chunk(b"tEXt", b"x", 0xFFFFFFFF),
             "truncated in IDAT": plain[:idat_at + 20], "no IDAT": head + end, "no IEND": head + body,
             "IHDR of length 0": plain[:8] + chunk(b"IHDR", b"") + body + end,
             "87,000 empty chunks": head + chunk(b"tEXt", b"") * 87_000 + body + end}
    for name, data in cases.items():
        with fuzz_case("digitpad.preprocessing.images"):
            try:
                gray = decode_gray(data)
            except ImageError:
                continue
            assert gray.shape == (20, 20), name


def test_lines_of_every_kind_beside_ink_never_break_the_reading_of_a_picture():
    """The judging of long lines (ruling, or a cropped digit's own strokes): 40 random pictures of
    0-5 rows and columns of any darkness and width, with or without a stroke, on even or shaded
    paper, 20 more on dim paper, beside a near-black grained table and under dark rules, from 16 px
    to 1,200 px a side, the thin and one-shade cases, and small pictures of nothing but lines: a
    canvas of the picture's shape comes back every time, and blank paper with only rules on it (two
    dark ones, or 300 bars over 1,200 px) reads as no ink."""
    rng = np.random.default_rng(11)
    for case in range(40):
        h, w = (int(v) for v in rng.integers(16, 1201, 2))
        paper = np.full((h, w), int(rng.integers(150, 256)), np.uint8)
        for _ in range(int(rng.integers(0, 6))):
            at, dark, width = int(rng.integers(0, max(h, w))), int(rng.integers(0, 250)), int(rng.integers(1, 30))
            if rng.random() < 0.5:
                paper[at % h:at % h + width] = dark
            else:
                paper[:, at % w:at % w + width] = dark
        if rng.random() < 0.7:
            points = (rng.random((int(rng.integers(2, 6)), 2)) * (w, h)).astype(np.int32)
            cv2.polylines(paper, [points], False, int(rng.integers(0, 120)), int(rng.integers(1, 40)))
        if rng.random() < 0.3:
            paper = (paper * np.linspace(0.5, 1.0, w)[None, :]).astype(np.uint8)
        with fuzz_case("digitpad.preprocessing.canvas_from_image, lines"):
            canvas = canvas_from_image(paper)
            assert canvas.shape == paper.shape and canvas.dtype == np.uint8, case
    for case in range(20):  # dim paper (grey 30-130), a dark table with noise or grain, dark rules
        h, w = (int(v) for v in rng.integers(16, 1201, 2))
        level = int(rng.integers(30, 131))
        paper = np.clip(rng.normal(level, rng.uniform(0, 8), (h, w)), 0, 255).astype(np.uint8)
        if rng.random() < 0.5:  # brighter paper beside a near-black table with grain along one side
            paper = cv2.add(paper, 120)
            side = int(rng.integers(1, max(2, w // 3)))
            paper[:, :side] = np.clip(rng.normal(8, 6, (h, side)), 0, 255).astype(np.uint8)
        paper[int(rng.integers(0, h))::int(rng.integers(2, 40))] //= 2
        cv2.line(paper, (w // 4, h // 5), (w // 2, 4 * h // 5), 0, int(rng.integers(1, 30)))
        with fuzz_case("digitpad.preprocessing.canvas_from_image, lines"):
            canvas = canvas_from_image(paper)
            assert canvas.shape == paper.shape and canvas.dtype == np.uint8, case
    for picture in (np.zeros((50, 50), np.uint8), np.full((3, 900), 20, np.uint8), np.full((900, 3), 240, np.uint8),
                    np.full((1, 300), 60, np.uint8), np.full((300, 1), 60, np.uint8), np.full((2, 2), 60, np.uint8)):
        picture[0, 0] = 0  # one dark pixel: a dim photo's ink, or nothing
        with fuzz_case("digitpad.preprocessing.canvas_from_image, lines"):
            assert canvas_from_image(picture).shape == picture.shape
    for h, w in ((16, 16), (17, 17), (24, 24), (64, 16), (16, 64)):  # nothing but lines: every pixel a rule's
        picture = np.full((h, w), 218, np.uint8)
        picture[::3] = 40
        picture[:, 2 * w // 3] = 60  # (it crashed: no pixel left to measure the rules' width from)
        with fuzz_case("digitpad.preprocessing.canvas_from_image, lines"):
            assert canvas_from_image(picture).shape == picture.shape
    ruled = np.full((300, 400), 240, np.uint8)
    ruled[[100, 101, 200, 201]] = 30  # two dark rules and nothing else: no digit
    assert not canvas_from_image(ruled).any()
    bars = np.full((1200, 1200), 240, np.uint8)
    bars[:, ::4] = 20  # 300 upright bars, as dark as ink: each would be judged alone, but so many are ruling
    with fuzz_case("digitpad.preprocessing.canvas_from_image, lines"):
        assert not canvas_from_image(bars).any()


def test_a_maze_made_to_cost_finds_its_basins_in_bounded_steps(monkeypatch):
    """Dark corridors wider than the paper's closing, one serpentine from the edge (the auditor's),
    under uneven light: the basins are looked for in at most PASS_STEPS steps per pixel of the
    estimate's height and width, and a picture that would need more keeps none; photos take 0.73."""
    from digitpad import preprocessing

    h = w = 384
    dark = np.zeros((h, w), bool)
    rows = range(12, h - 12 - 40 + 1, 52)
    for i, r in enumerate(rows):
        dark[r:r + 40, 12:w - 12] = True
        if i + 1 < len(rows):
            c = w - 12 - 40 if i % 2 == 0 else 12
            dark[r:r + 92, c:c + 40] = True
    dark[12:52, :12] = True  # open to the left edge
    light = 120 + 115 * np.mgrid[0:h, 0:w][1] / (w - 1)
    maze = np.clip(light * np.where(dark, 0.5, 1.0), 0, 255).astype(np.uint8)
    steps, erode = [], cv2.erode
    monkeypatch.setattr(cv2, "erode", lambda *a, **k: steps.append(1) or erode(*a, **k))
    with fuzz_case("digitpad.preprocessing._lowest_pass"):
        paper = preprocessing._lowest_pass(maze)
        assert len(steps) <= preprocessing.PASS_STEPS * (h + w) and np.array_equal(paper, maze)
        canvas_from_image(maze)  # the whole reading, each estimate bounded so
