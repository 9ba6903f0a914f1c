"""The digit model's HTTP routes: predict from pixels or an image, health, model info.

Images (PNG, JPEG or BMP, the formats tools/predict.py reads) go through the same reader
as every other image (preprocessing.images) with a budget of MAX_IMAGE_PIXELS, and are
decoded in the server's few worker threads, so however many clients post at once, only
that many images are in memory at a time.
"""
import json
import math

import numpy as np

from mnist_mlp import SURE
from mnist_mlp.views import TurnedViews
from drawn.numbers import read_image, read_strokes
from pad.samples import parse_strokes
from preprocessing import canvas_from_image, prepare
from preprocessing.images import ImageError, decode_gray

from .http import HttpError

MAX_IMAGE_PIXELS = 4000 * 4000
IMAGE_TYPES = {"image/png", "image/jpeg", "image/bmp"}


def json_body(body):
    """The parsed JSON of a request body, or HttpError(400)."""
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError) as e:  # ValueError: bad JSON, or an integer of 5,000 digits
        raise HttpError(400, f"body is not valid JSON ({e})") from None
    except RecursionError:
        raise HttpError(400, "body is not valid JSON (nested too deeply)") from None


def pixels_from_json(body):
    """The (784,) float32 input from a JSON body, or HttpError."""
    data = json_body(body)
    if not isinstance(data, dict) or "pixels" not in data:
        raise HttpError(400, 'expected a JSON object {"pixels": [784 numbers]}')
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
    try:
        return decode_gray(body, MAX_IMAGE_PIXELS)
    except ImageError as e:
        raise HttpError(413 if e.over_limit else 400, f"image: {e}") from None


def number_from(model, kind, body):
    """The number object for an image body, or for JSON {"strokes": [...], "canvas_size": [w, h]}."""
    if kind != "application/json":
        return read_image(model, gray_from_image(body))
    try:
        strokes, brushes, _ = parse_strokes(json_body(body))
    except ValueError as e:
        raise HttpError(400, f'strokes: {e} (expected {{"strokes": [{{"brush": 26, "points": [[x, y], ...]}}], '
                             '"canvas_size": [width, height]}})') from None
    number = read_strokes(model, [{"brush": b, "points": p} for p, b in zip(strokes, brushes)])
    if "error" in number:
        raise HttpError(422, number["error"])
    return number


def pixels_from_image(body):
    """The (28, 28) input from image bytes, or HttpError."""
    image = prepare(canvas_from_image(gray_from_image(body)))
    if image is None:
        raise HttpError(422, "no ink found: the image is blank")
    return image


def answer(probabilities, threshold=SURE):
    """The JSON answer for one drawing: "sure" is false when the best digit's probability is under
    ``threshold`` (probably not a digit at all; "prediction" is then only the best guess)."""
    digit = int(np.argmax(probabilities))
    return {"prediction": digit, "confidence": float(probabilities[digit]),
            "sure": bool(probabilities[digit] >= threshold),
            "probabilities": {str(d): float(p) for d, p in enumerate(probabilities)}}


def model_info(model):
    m = model.manifest if isinstance(model.manifest, dict) else {}
    training = m.get("training") if isinstance(m.get("training"), dict) else {}
    return {"sizes": model.sizes, "activations": m.get("activations"), "input": m.get("input"),
            "preprocessing": m.get("preprocessing"), "metrics": m.get("metrics"),
            "training": {k: training.get(k) for k in ("command", "best_epoch", "train_seconds")},
            "saved_at": m.get("saved_at")}


def make_app(model, threshold=SURE):
    """The routes, as an app for serving.http.Server; answers under ``threshold`` are not sure.
    Images are read three ways (mnist_mlp.views), as the pad reads them."""
    reader = TurnedViews(model)

    def predict(kind, body):
        pixels = pixels_from_json(body) if kind == "application/json" else pixels_from_image(body)
        return answer(reader.predict_proba(pixels)[0], threshold)

    async def app(request, run):
        method = "GET" if request.method == "HEAD" else request.method
        if method == "GET" and request.path == "/health":
            return 200, {"status": "ok", "model_loaded": True}
        if method == "GET" and request.path == "/model/info":
            return 200, model_info(model)
        if method == "POST" and request.path in ("/predict", "/predict/number"):
            kind = request.content_type
            if kind != "application/json" and kind not in IMAGE_TYPES:
                raise HttpError(415, "Content-Type must be application/json, image/png, image/jpeg or "
                                     f"image/bmp, not {kind or 'missing'}")
            work = predict if request.path == "/predict" else lambda k, b: number_from(model, k, b)
            return 200, await run(work, kind, request.body)
        if request.path in ("/health", "/model/info", "/predict", "/predict/number"):
            raise HttpError(405, f"{request.method} is not allowed on {request.path}")
        raise HttpError(404, f"no such endpoint: {request.method} {request.path}")

    return app
