"""Reading image files without trusting them: regular files only, a size and a pixel budget
checked from the header before anything is decoded, transparency composited onto white.

Every reader of images (predict, the server, the pad's samples) goes through here, so one budget
holds for all: at most MAX_FILE_BYTES of file and MAX_PIXELS pixels (50 megapixels, a 7000x7000
photo). PNG, JPEG and BMP are read; their headers say the size, so a 40000x40000 or 1x1000000 image
is refused before OpenCV allocates anything, and a JPEG's scans are counted from its markers (each
scan is a pass over the whole picture: 30,000 empty ones took a minute to decode). A picture is
shrunk to SIDE pixels at once, as it is decoded where the format allows (JPEG), so what follows
costs the same for a 16-megapixel photo as for a 1-megapixel one, and only one full-size copy is
ever held.
"""
import struct

import cv2
import numpy as np

from mnist_mlp.files import FileProblem, read_regular

cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)  # a warning on stderr is no answer to a user

from . import MAX_CANVAS_PIXELS, _check_canvas

MAX_PIXELS = MAX_CANVAS_PIXELS  # one budget for files and for canvases
MAX_FILE_BYTES = 64 << 20
SIDE = 1200  # pixels: a picture's longer side once read; a digit ends up 20 px, a number's digits ~100
BLOCKED = 8  # a side longer than this many times SIDE is averaged in blocks before it is resized
MAX_JPEG_SCANS = 100  # a progressive JPEG has about 10
MAX_PNG_SIDE = 1_000_000  # pixels: libpng's own limit on a PNG's width and height
# Decoded smaller by libjpeg; EXIF orientation ignored, as IMREAD_UNCHANGED ignores it at every other size.
JPEG_REDUCED = {f: flag | cv2.IMREAD_IGNORE_ORIENTATION for f, flag in
                ((8, cv2.IMREAD_REDUCED_GRAYSCALE_8), (4, cv2.IMREAD_REDUCED_GRAYSCALE_4),
                 (2, cv2.IMREAD_REDUCED_GRAYSCALE_2))}
PNG_KEPT = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}  # what a picture needs; other chunks only warn
JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


class ImageError(ValueError):
    """An image file that cannot or may not be read; the message says why, in a few words.
    ``over_limit`` tells one refused for its size from one that is broken."""

    def __init__(self, message, over_limit=False):
        super().__init__(message)
        self.over_limit = over_limit


def read_file(path, max_bytes=MAX_FILE_BYTES):
    """The bytes of a regular image file of at most ``max_bytes``, any file name (mnist_mlp.files):
    a FIFO, a device or a folder is refused without being read from."""
    try:
        return read_regular(path, max_bytes)
    except FileProblem as e:
        raise ImageError(str(e)) from None


def image_size(data):
    """(format, width, height) from a PNG, JPEG or BMP header, or ImageError."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return "PNG", width, height
    if data[:2] == b"BM" and len(data) >= 26:
        header = struct.unpack("<I", data[14:18])[0]
        if header == 12:
            width, height = struct.unpack("<HH", data[18:22])
        else:
            width, height = struct.unpack("<ii", data[18:26])
        return "BMP", abs(width), abs(height)
    if data[:2] == b"\xff\xd8":
        return ("JPEG", *_jpeg_size(data))
    raise ImageError("not a PNG, JPEG or BMP image")


def _jpeg_size(data):
    """(width, height) from the first frame header of a JPEG, or ImageError."""
    for marker, i in _jpeg_markers(data):
        if marker in JPEG_SOF and i + 9 <= len(data):
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
    raise ImageError("a damaged JPEG (no frame header)")


def _jpeg_markers(data):
    """(marker, offset) of each segment of a JPEG up to its end (EOI), walking them by their lengths:
    APP segments (a thumbnail's own markers) are skipped whole, entropy-coded data runs to the next
    marker (every 0xFF in it is stuffed), and whatever follows the end is not looked at. Stops where a
    marker should be and is not."""
    i = 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if marker == 0xD9:  # EOI
            return
        if marker == 0xFF or marker in (0x01, *range(0xD0, 0xD8)):  # fill byte, markers without a length
            i += 1 if marker == 0xFF else 2
            continue
        yield marker, i
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if length < 2:
            return
        i += 2 + length
        while marker == 0xDA:  # the entropy-coded data runs to the next 0xFF that is not 0xFF00 or a restart
            i = data.find(b"\xff", i)
            if i < 0 or i + 1 >= len(data):
                return
            if data[i + 1] != 0 and not 0xD0 <= data[i + 1] <= 0xD7:
                break
            i += 2


def decode_gray(data, max_pixels=MAX_PIXELS, background=255, side=SIDE):
    """A grey uint8 image from PNG, JPEG or BMP bytes, checked against the pixel budget first and
    no more than ``side`` pixels along its longer side (shrunk by area averaging, JPEGs as they are
    decoded). Transparent parts become ``background``: white paper, as an image viewer shows them,
    or black for an image that is white ink on black (the pad's samples)."""
    kind, width, height = image_size(data)
    if width == 0 or height == 0:
        raise ImageError(f"a {kind} of {width}x{height} pixels has nothing to read")
    if width * height > max_pixels:
        raise ImageError(f"{width}x{height} pixels, over the {max_pixels:,}-pixel limit "
                         f"(scale the image down first)", over_limit=True)
    if kind == "PNG" and max(width, height) > MAX_PNG_SIDE:  # libpng refuses it, and says so on stderr
        raise ImageError(f"a PNG of {width}x{height} pixels, over the {MAX_PNG_SIDE:,} pixels a side that PNG "
                         "decoding takes (scale the image down first)", over_limit=True)
    flags = cv2.IMREAD_UNCHANGED
    if kind == "JPEG":
        scans = sum(marker == 0xDA for marker, _ in _jpeg_markers(data))  # each a pass over the picture
        if scans > MAX_JPEG_SCANS:
            raise ImageError(f"a JPEG of {scans:,} scans, over the limit of {MAX_JPEG_SCANS}", over_limit=True)
        factor = next((f for f in JPEG_REDUCED if max(width, height) >= f * side), 1)
        flags = JPEG_REDUCED.get(factor, flags)
    if kind == "PNG":
        data = _png_essentials(data)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    if image is None:
        raise ImageError(f"a damaged {kind} that OpenCV cannot decode")
    image = shrunk(image, side)
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        raise ImageError(f"{image.dtype} pixels are not supported")
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        alpha = image[:, :, 3:].astype(np.float32) / 255
        image = (image[:, :, :3] * alpha + background * (1 - alpha)).round().astype(np.uint8)
    elif image.shape[2] == 2:
        alpha = image[:, :, 1].astype(np.float32) / 255
        return (image[:, :, 0] * alpha + background * (1 - alpha)).round().astype(np.uint8)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def at_reading_size(gray):
    """A grey uint8 picture of either polarity handed over as an array (checked as a canvas is, but
    said as a picture), shrunk as a file is when read (``shrunk``), so an array costs no more to read
    than a file."""
    if isinstance(gray, np.ndarray) and (gray.ndim != 2 or gray.dtype != np.uint8):
        raise ValueError(f"a picture must be a 2-D array of uint8 grey levels (0-255, dark ink on light paper or "
                         f"light on dark), got shape {gray.shape} and dtype {gray.dtype}")
    return shrunk(_check_canvas(gray))


def shrunk(image, side=SIDE):
    """``image`` itself when its longer side is at most ``side`` pixels, else the image shrunk to that
    by area averaging (what a digit needs is there at 1,200 px; more only costs time and memory)."""
    if max(image.shape[:2]) <= side:
        return image
    # OpenCV's area resizing holds about 12 bytes for each pixel along a side: a strip 50 million
    # pixels long took 650 MB. Such a side is first averaged in whole blocks down to BLOCKED times side.
    for axis in (0, 1):
        block = image.shape[axis] // (BLOCKED * side)
        if block > 1:
            kept = image[(slice(None),) * axis + (slice(0, image.shape[axis] // block * block),)]
            blocks = kept.reshape(*kept.shape[:axis], -1, block, *kept.shape[axis + 1:])
            image = np.rint(blocks.mean(axis=axis + 1, dtype=np.float32)).astype(image.dtype)
    scale = side / max(image.shape[:2])
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _png_essentials(data):
    """The PNG with only the chunks a picture needs: colour profiles, text and the like go, and with
    them libpng's warnings on stderr about the broken ones (a user sees no "iCCP: known incorrect
    sRGB profile" for a file that reads well)."""
    kept, i = [data[:8]], 8
    while i + 12 <= len(data):
        length = int.from_bytes(data[i:i + 4], "big")
        end = i + 12 + length
        if data[i + 4:i + 8] in PNG_KEPT:
            kept.append(data[i:end])
        if data[i + 4:i + 8] == b"IEND" or end > len(data):
            break
        i = end
    return b"".join(kept)


def read_gray(path, max_pixels=MAX_PIXELS):
    """``decode_gray(read_file(path))``."""
    return decode_gray(read_file(path), max_pixels)
