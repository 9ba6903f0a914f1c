"""A small HTTP API for the digit model, on the standard library's threaded http.server.

Usage:
    python tools/serve.py [--weights weights/] [--host 127.0.0.1] [--port 8000] [--max-body 1048576]

Endpoints:
    POST /predict      JSON {"pixels": [784 floats in 0..1]} (MNIST style: white digit on black,
                       row by row), or a PNG body with Content-Type: image/png (any size, either
                       polarity, prepared like the pad's canvas)
                       -> {"prediction": 7, "confidence": 0.98, "probabilities": {"0": ..., "9": ...}}
    GET  /health       -> {"status": "ok", "model_loaded": true}
    GET  /model/info   -> the model's layer sizes, metrics and training summary

Bad requests get a 4xx answer with {"error": "..."}; a body over --max-body is
refused from its Content-Length without being read. Listens on 127.0.0.1 only
unless --host says otherwise.
"""
import argparse
import json
import math
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mnist_mlp import ModelError, load_model  # noqa: E402
from preprocessing import canvas_from_image, prepare  # noqa: E402

MAX_BODY = 1 << 20
MAX_IMAGE_PIXELS = 4000 * 4000


class BadRequest(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def pixels_from_json(body):
    """The (784,) float32 input from a JSON body, or BadRequest."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BadRequest(HTTPStatus.BAD_REQUEST, f"body is not valid JSON ({e})") from None
    if not isinstance(data, dict) or "pixels" not in data:
        raise BadRequest(HTTPStatus.BAD_REQUEST, 'expected a JSON object {"pixels": [784 numbers]}')
    pixels = data["pixels"]
    if not isinstance(pixels, list) or len(pixels) != 784:
        got = f"{len(pixels)} values" if isinstance(pixels, list) else type(pixels).__name__
        raise BadRequest(HTTPStatus.BAD_REQUEST, f'"pixels" must be a list of 784 numbers, got {got}')
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pixels):
        raise BadRequest(HTTPStatus.BAD_REQUEST, '"pixels" must hold only numbers')
    if not all(math.isfinite(v) and 0.0 <= v <= 1.0 for v in pixels):
        raise BadRequest(HTTPStatus.BAD_REQUEST, '"pixels" must be finite and between 0 and 1')
    return np.array(pixels, np.float32)


def pixels_from_png(body):
    if not body.startswith(b"\x89PNG\r\n\x1a\n"):
        raise BadRequest(HTTPStatus.BAD_REQUEST, "body is not a PNG image")
    width, height = int.from_bytes(body[16:20], "big"), int.from_bytes(body[20:24], "big")
    if width * height > MAX_IMAGE_PIXELS:  # checked before decoding: a small file can declare a huge image
        raise BadRequest(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"image of {width}x{height} pixels is too large")
    gray = cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_GRAYSCALE)
    if gray is None:
        raise BadRequest(HTTPStatus.BAD_REQUEST, "PNG could not be decoded")
    image = prepare(canvas_from_image(gray))
    if image is None:
        raise BadRequest(HTTPStatus.UNPROCESSABLE_ENTITY, "no ink found: the image is blank")
    return image


def answer(probabilities):
    digit = int(np.argmax(probabilities))
    return {"prediction": digit, "confidence": float(probabilities[digit]),
            "probabilities": {str(d): float(p) for d, p in enumerate(probabilities)}}


def model_info(model):
    m = model.manifest
    return {"sizes": m.get("sizes"), "activations": m.get("activations"), "input": m.get("input"),
            "preprocessing": m.get("preprocessing"), "metrics": m.get("metrics"),
            "training": {k: m.get("training", {}).get(k) for k in ("command", "best_epoch", "train_seconds")},
            "saved_at": m.get("saved_at")}


def make_handler(model, max_body):
    class Handler(BaseHTTPRequestHandler):
        server_version = "digit-pad"
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            routes = {"/health": lambda: {"status": "ok", "model_loaded": model is not None},
                      "/model/info": lambda: model_info(model)}
            if self.path not in routes:
                self.send_json(HTTPStatus.NOT_FOUND, {"error": f"no such endpoint: GET {self.path}"})
            else:
                self.send_json(HTTPStatus.OK, routes[self.path]())

        def do_POST(self):
            try:
                if self.path != "/predict":
                    raise BadRequest(HTTPStatus.NOT_FOUND, f"no such endpoint: POST {self.path}")
                body = self.read_body()
                kind = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
                if kind == "application/json":
                    pixels = pixels_from_json(body)
                elif kind == "image/png":
                    pixels = pixels_from_png(body)
                else:
                    raise BadRequest(HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                                     f"Content-Type must be application/json or image/png, not {kind or 'missing'}")
                self.send_json(HTTPStatus.OK, answer(model.predict_proba(pixels)[0]))
            except BadRequest as e:
                self.send_json(e.status, {"error": str(e)})
            except Exception as e:  # a bug must cost one request, never the server
                self.log_error("internal error: %r", e)
                self.send_json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "internal error"})

        def read_body(self):
            length = self.headers.get("Content-Length")
            if length is None or not length.strip().isdigit():
                self.close_connection = True
                raise BadRequest(HTTPStatus.LENGTH_REQUIRED, "a Content-Length header is required")
            length = int(length)
            if length > max_body:
                self.close_connection = True  # the unread body must not be taken for the next request
                raise BadRequest(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                                 f"body of {length} bytes is over the {max_body}-byte limit")
            body = self.rfile.read(length)
            if len(body) < length:
                self.close_connection = True
                raise BadRequest(HTTPStatus.BAD_REQUEST, "body shorter than its Content-Length")
            return body

        def send_error(self, code, message=None, explain=None):
            """http.server's own errors (a malformed request line, headers too long) as JSON too,
            with a status line even for a request that never said which HTTP it speaks."""
            if self.request_version == "HTTP/0.9":
                self.request_version = "HTTP/1.0"
            self.close_connection = True
            self.send_json(code, {"error": message or HTTPStatus(code).phrase})

        def send_json(self, status, payload):
            data = (json.dumps(payload) + "\n").encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, fmt, *args):
            sys.stderr.write(f"{self.address_string()} {fmt % args}\n")

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # socketserver's default backlog of 5 resets bursts of concurrent clients


def make_server(model, host="127.0.0.1", port=8000, max_body=MAX_BODY):
    return Server((host, port), make_handler(model, max_body))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--weights", type=Path, default=Path("weights"))
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--max-body", type=int, default=MAX_BODY, help="largest request body accepted, bytes")
    args = p.parse_args(argv)
    try:
        model = load_model(args.weights)
    except ModelError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    server = make_server(model, args.host, args.port, args.max_body)
    print(f"serving {args.weights} on http://{args.host}:{server.server_address[1]}/ (Ctrl-C stops)", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
