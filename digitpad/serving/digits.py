"""The digit model's HTTP routes: the web page, predict from pixels, strokes or an image, whole
numbers, samples saved from the page, health, model info.

Strokes (the web page's, in the form the pad saves them) are read exactly as the desktop pad reads
them (digitpad.reading.strokes_reading: redrawn, prepared, the turned views, the threshold), and whole
numbers through the pad's own grouping (digitpad.reading.numbers).

Images (PNG, JPEG or BMP, the formats tools/predict.py reads) go through the same reader
as every other image (digitpad.preprocessing.images) with a budget of MAX_IMAGE_PIXELS, and are
decoded in the server's few worker threads, so however many clients post at once, only
that many images are in memory at a time.
"""
import json
import math

import numpy as np

from mnist_mlp import SURE
from digitpad.reading.numbers import number_hint, read_groups, read_image
from digitpad.personal.samples import MAX_RECORD_BYTES, SampleError, parse_strokes, save_sample
from digitpad.preprocessing.images import ImageError, decode_gray
from digitpad.reading import SCAN_TEMPERATURE, TurnedViews, digit_answer, picture_reading, strokes_reading

from .http import HttpError
from .page import page_files

MAX_IMAGE_PIXELS = 4000 * 4000
IMAGE_TYPES = {"image/png", "image/jpeg", "image/bmp"}
MAX_SAMPLES = 10_000  # saved through one server's run; each at most MAX_RECORD_BYTES of strokes on disk
LIGHT_BODY = 16 << 10  # bytes: a digit's strokes take a few KB (1,500 points at most here); more is heavy
STROKES_FORM = '{"strokes": [{"brush": 26, "points": [[x, y], ...]}], "canvas_size": [width, height]}'


def json_body(body):
    """The parsed JSON of a request body, or HttpError(400)."""
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError) as e:  # ValueError: bad JSON, or an integer of 5,000 digits
        raise HttpError(400, f"body is not valid JSON ({e})") from None
    except RecursionError:
        raise HttpError(400, "body is not valid JSON (nested too deeply)") from None


def pixels_from_json(data):
    """The (784,) float32 input from a parsed JSON body, or HttpError."""
    if not isinstance(data, dict) or "pixels" not in data:
        raise HttpError(400, f'expected a JSON object {{"pixels": [784 numbers]}} or {STROKES_FORM}')
    pixels = data["pixels"]
    if not isinstance(pixels, list) or len(pixels) != 784:
        got = f"{len(pixels)} values" if isinstance(pixels, list) else type(pixels).__name__
        raise HttpError(400, f'"pixels" must be a list of 784 numbers, got {got}')
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pixels):
        raise HttpError(400, '"pixels" must hold only numbers')
    if not all(0.0 <= v <= 1.0 and math.isfinite(v) for v in pixels):  # range first: a 400-digit int
        # compares fine but would overflow math.isfinite
        raise HttpError(400, '"pixels" must be finite and between 0 and 1')
    return np.array(pixels, np.float32)


def gray_from_image(body):
    if not body:  # curl -s --data-binary @FILE sends nothing, silently, when it cannot read FILE
        raise HttpError(400, "image: the body is empty (0 bytes); send the picture's bytes")
    try:
        return decode_gray(body, MAX_IMAGE_PIXELS)
    except ImageError as e:
        raise HttpError(413 if e.over_limit else 400, f"image: {e}") from None


def strokes_from(data):
    """The pad's (points, brush) strokes and the record to save from a parsed JSON body, or HttpError."""
    try:
        strokes, brushes, canvas_size = parse_strokes(data)
    except ValueError as e:
        raise HttpError(400, f"strokes: {e} (expected {STROKES_FORM})") from None
    record = {"canvas_size": list(canvas_size),
              "strokes": [{"brush": b, "points": p.tolist()} for p, b in zip(strokes, brushes)]}
    return list(zip(strokes, brushes)), record


def number_from(model, kind, body, threshold=SURE, temperature=SCAN_TEMPERATURE):
    """The number object (digitpad.reading.numbers) for an image body (a scan's digits sharpened at
    ``temperature``), or for JSON in the form the pad saves strokes; each digit "sure" when its
    confidence reaches ``threshold``, the number when every digit is. From
    strokes, as the pad's number mode shows it: each digit's probabilities too, and "current" (the
    digit holding the last stroke) with its 28x28 "input"."""
    if kind != "application/json":
        number = read_image(model, gray_from_image(body), threshold=threshold, temperature=temperature)
    else:
        strokes, _ = strokes_from(json_body(body))
        groups, number, images, probabilities = read_groups(model, [{"brush": b, "points": p} for p, b in strokes],
                                                            threshold=threshold)
        if groups:
            current = next(k for k, group in enumerate(groups) if len(strokes) - 1 in group)
            for digit, p in zip(number["digits"], probabilities):
                digit["probabilities"] = {str(d): round(float(v), 6) for d, v in enumerate(p)}  # as /predict's
            number = {**number, "current": current, "input": np.round(images[current], 3).tolist()}
    if "error" in number:
        raise HttpError(422, number["error"])
    return number


def model_info(model):
    m = model.manifest if isinstance(model.manifest, dict) else {}
    training = m.get("training") if isinstance(m.get("training"), dict) else {}
    return {"sizes": model.sizes, "activations": m.get("activations"), "input": m.get("input"),
            "preprocessing": m.get("preprocessing"), "metrics": m.get("metrics"),
            "training": {k: training.get(k) for k in ("command", "best_epoch", "train_seconds")},
            "companions": {name: {"sizes": companion.sizes, "metrics": companion.manifest.get("metrics")}
                           for name, companion in model.companions.items()},
            "saved_at": m.get("saved_at")}


def make_app(model, threshold=SURE, samples=None, page=None, log=print, temperature=SCAN_TEMPERATURE):
    """The routes, as an app for digitpad.serving.http.Server; answers under ``threshold`` are not sure.
    Every drawing and image is read three ways (reading), as the pad reads it; an image that is a scan
    (digitpad.reading.picture_reading) has its probabilities sharpened at ``temperature``. ``samples``, a
    folder, lets the page save drawings there as the pad's labelled samples (at most MAX_SAMPLES);
    ``page`` maps request paths to the web page's files (digitpad.serving.page); ``log`` takes what only the
    server's operator should read."""
    views = TurnedViews(model)
    page = page_files() if page is None else page
    saved = []

    def predict(kind, body):
        if kind != "application/json":
            gray = gray_from_image(body)
            probabilities, image, scan = read_picture(gray)
            reply = digit_answer(probabilities, threshold, image, scan)
            number = None if reply["sure"] else number_hint(model, gray, threshold, temperature)
            return {**reply, "hint": f"reads as the number {number}: POST it to /predict/number"} if number else reply
        data = json_body(body)
        if isinstance(data, dict) and "strokes" in data:
            probabilities, image, _ = read_strokes_or_422(strokes_from(data)[0])
            return digit_answer(probabilities, threshold, image)
        pixels = pixels_from_json(data)
        if not pixels.any():
            raise HttpError(422, "no ink found: the pixels are all 0")
        return digit_answer(views.predict_proba(pixels)[0], threshold)

    def read_picture(gray):
        try:
            return picture_reading(views, gray, temperature)
        except ValueError as e:
            raise HttpError(422, str(e)) from None

    def read_strokes_or_422(strokes):
        read = strokes_reading(views, strokes)
        if read is None:
            raise HttpError(422, "no ink found: the strokes draw nothing")
        return read

    def save(body):
        data = json_body(body)
        label = data.get("label") if isinstance(data, dict) else None
        if type(label) is not int or not 0 <= label <= 9:
            raise HttpError(400, f'"label" must be a whole number from 0 to 9 (with {STROKES_FORM})')
        strokes, record = strokes_from(data)
        if len(json.dumps(record)) > MAX_RECORD_BYTES - 1024:  # room for the label and the time it was saved
            raise HttpError(413, f"a sample's strokes must fit in {MAX_RECORD_BYTES - 1024:,} bytes of JSON, as "
                                 "the pad's samples do (a digit takes a few KB)")
        if len(saved) >= MAX_SAMPLES:
            raise HttpError(507, f"this server has saved its {MAX_SAMPLES:,} samples; restart it to save more")
        _, image, _ = read_strokes_or_422(strokes)
        try:
            path = save_sample(samples, label, image, record)
        except (SampleError, ValueError, OSError) as e:
            log(f"a sample was not saved: {e}")  # the server's own paths stay in its log, not in answers
            raise HttpError(500, "not saved: the server could not write the sample (its log says why)") from None
        saved.append(path)
        return {"saved": f"{label}/{path.name}", "label": label, "count": len(saved)}

    async def app(request, run):
        method = "GET" if request.method == "HEAD" else request.method
        path = request.path.split("?", 1)[0]
        if method == "GET" and path in page:
            return 200, page[path]
        if method == "GET" and path == "/health":
            return 200, {"status": "ok", "model_loaded": True}
        if method == "GET" and path == "/model/info":
            return 200, model_info(model)
        if method == "GET" and path == "/config":
            return 200, {"threshold": threshold, "temperature": temperature, "samples": samples is not None}
        if method == "POST" and path in ("/predict", "/predict/number"):
            kind = request.content_type
            if kind != "application/json" and kind not in IMAGE_TYPES:
                raise HttpError(415, "Content-Type must be application/json, image/png, image/jpeg or "
                                     f"image/bmp, not {kind or 'missing'}")
            work = predict if path == "/predict" else lambda k, b: number_from(model, k, b, threshold, temperature)
            # Pictures and numbers cost up to a few tenths of a second; a digit's strokes or pixels about
            # a millisecond: they go in separate lanes, so the cheap ones never wait behind the costly.
            heavy = path == "/predict/number" or kind != "application/json" or len(request.body) > LIGHT_BODY
            return 200, await run(work, kind, request.body, heavy=heavy)
        if method == "POST" and path == "/samples" and samples is not None:
            if request.content_type != "application/json":
                raise HttpError(415, f"Content-Type must be application/json with {STROKES_FORM} and a label")
            return 201, await run(save, request.body, heavy=len(request.body) > LIGHT_BODY)
        if path == "/samples" and samples is None:
            raise HttpError(404, "saving samples is off: start the server with --samples DIR")
        if path in ("/predict", "/predict/number", "/samples"):
            raise HttpError(405, f"{request.method} is not allowed on {path}", [("Allow", "POST")])
        if path in ("/health", "/model/info", "/config", *page):
            raise HttpError(405, f"{request.method} is not allowed on {path}", [("Allow", "GET, HEAD")])
        raise HttpError(404, f"no such endpoint: {request.method} {path[:200]}")

    return app
