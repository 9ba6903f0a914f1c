"""The HTTP API: real requests to a server on a free loopback port, good and bad, many at once."""
import http.client
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import pytest

from conftest import ROOT
from mnist_mlp import load_model
from tools_path import serve


@pytest.fixture(scope="module")
def server():
    srv = serve.make_server(load_model(ROOT / "weights"), "127.0.0.1", 0, max_body=100_000)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv.server_address[1]
    srv.shutdown()
    srv.server_close()


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, json.loads(data) if data else None


def post_json(port, payload):
    return request(port, "POST", "/predict", json.dumps(payload), {"Content-Type": "application/json"})


def test_predict_from_pixels(server, mnist):
    image = mnist["x_test"][0].reshape(-1) / 255
    status, body = post_json(server, {"pixels": image.tolist()})
    assert status == 200
    assert body["prediction"] == int(mnist["y_test"][0])
    assert set(body["probabilities"]) == {str(d) for d in range(10)}
    assert abs(sum(body["probabilities"].values()) - 1) < 1e-4
    assert body["confidence"] == max(body["probabilities"].values())


@pytest.mark.parametrize("invert", [False, True])
def test_predict_from_png_either_polarity(server, mnist, invert):
    digit = cv2.resize(mnist["x_test"][1], (140, 140), interpolation=cv2.INTER_LINEAR)
    ok, png = cv2.imencode(".png", 255 - digit if invert else digit)
    status, body = request(server, "POST", "/predict", png.tobytes(), {"Content-Type": "image/png"})
    assert status == 200 and body["prediction"] == int(mnist["y_test"][1])


def test_health_and_info(server):
    assert request(server, "GET", "/health") == (200, {"status": "ok", "model_loaded": True})
    status, info = request(server, "GET", "/model/info")
    assert status == 200 and info["sizes"][0] == 784 and "test_accuracy" in info["metrics"]


BAD_REQUESTS = [
    ("not JSON", "POST", "/predict", b"{nope", {"Content-Type": "application/json"}, 400, "not valid JSON"),
    ("no pixels", "POST", "/predict", b"{}", {"Content-Type": "application/json"}, 400, "pixels"),
    ("short", "POST", "/predict", json.dumps({"pixels": [0.5] * 783}), {"Content-Type": "application/json"},
     400, "got 783 values"),
    ("out of range", "POST", "/predict", json.dumps({"pixels": [2.0] * 784}),
     {"Content-Type": "application/json"}, 400, "between 0 and 1"),
    ("NaN", "POST", "/predict", '{"pixels": [' + ",".join(["NaN"] * 784) + "]}",
     {"Content-Type": "application/json"}, 400, "finite"),
    ("strings", "POST", "/predict", json.dumps({"pixels": ["a"] * 784}), {"Content-Type": "application/json"},
     400, "only numbers"),
    ("list body", "POST", "/predict", b"[1, 2]", {"Content-Type": "application/json"}, 400, "JSON object"),
    ("wrong type", "POST", "/predict", b"hello", {"Content-Type": "text/plain"}, 415, "Content-Type"),
    ("no type", "POST", "/predict", b"hello", {}, 415, "Content-Type"),
    ("fake png", "POST", "/predict", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, {"Content-Type": "image/png"}, 400,
     "could not be decoded"),
    ("not png", "POST", "/predict", b"GIF89a", {"Content-Type": "image/png"}, 400, "not a PNG"),
    ("unknown path", "GET", "/nope", None, {}, 404, "no such endpoint"),
    ("unknown post", "POST", "/health", b"{}", {"Content-Type": "application/json"}, 404, "no such endpoint"),
]


@pytest.mark.parametrize("name, method, path, body, headers, status, message", BAD_REQUESTS,
                         ids=[r[0] for r in BAD_REQUESTS])
def test_bad_requests_get_a_json_error(server, name, method, path, body, headers, status, message):
    got, answer = request(server, method, path, body, headers)
    assert got == status and message in answer["error"]
    assert request(server, "GET", "/health")[0] == 200  # still up


def test_blank_png(server):
    ok, png = cv2.imencode(".png", np.full((50, 50), 255, np.uint8))
    status, body = request(server, "POST", "/predict", png.tobytes(), {"Content-Type": "image/png"})
    assert status == 422 and "blank" in body["error"]


def test_huge_body_is_refused_unread(server):
    """A declared size over the limit is answered at once, before any of the body is sent."""
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=10)
    conn.putrequest("POST", "/predict")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(50 * 1024 * 1024))
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 413 and "over the" in json.loads(response.read())["error"]
    conn.close()
    assert request(server, "GET", "/health")[0] == 200


def test_missing_length(server):
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=10)
    conn.putrequest("POST", "/predict")
    conn.putheader("Content-Type", "application/json")
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 411
    conn.close()


def test_png_declaring_a_huge_image(server):
    ok, png = cv2.imencode(".png", np.zeros((10, 10), np.uint8))
    data = bytearray(png.tobytes())
    data[16:24] = (100_000).to_bytes(4, "big") * 2  # IHDR width and height
    status, body = request(server, "POST", "/predict", bytes(data), {"Content-Type": "image/png"})
    assert status == 413 and "too large" in body["error"]


def test_concurrent_requests_all_answered_correctly(server, mnist):
    images = mnist["x_test"][:128].reshape(128, -1) / 255
    expected = load_model(ROOT / "weights").predict(images.astype(np.float32))

    def one(i):
        return post_json(server, {"pixels": images[i].tolist()})[1]["prediction"]

    with ThreadPoolExecutor(32) as pool:
        got = list(pool.map(one, range(128)))
    assert got == expected.tolist()


RAW_REQUESTS = [
    b"GARBAGE\r\n\r\n",
    b"GET\r\n\r\n",
    b"POST /predict HTTP/1.1\r\nContent-Length: -5\r\nContent-Type: application/json\r\n\r\n",
    b"POST /predict HTTP/1.1\r\nContent-Length: abc\r\nContent-Type: application/json\r\n\r\n",
    b"POST /predict HTTP/1.1\r\nContent-Length: 100\r\nContent-Type: application/json\r\n\r\n{\"pix",
    b"POST /predict HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
    b"5\r\nhello\r\n0\r\n\r\n",
    b"POST /predict HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 3\r\n\r\n\xff\xfe\x00",
    b"GET /health HTTP/1.1\r\n" + b"X-Long: " + b"a" * 70000 + b"\r\n\r\n",
    b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # a TLS hello to a plain-HTTP port
    b"POST /predict HTTP/1.1\r\nContent-Type: image/png\r\nContent-Length: 8\r\n\r\n\x89PNG\r\n\x1a\n",
]


@pytest.mark.parametrize("raw", RAW_REQUESTS, ids=range(len(RAW_REQUESTS)))
def test_malformed_raw_requests_never_bring_it_down(server, raw):
    import socket

    from conftest import fuzz_case

    with fuzz_case("HTTP API (malformed requests)"):
        with socket.create_connection(("127.0.0.1", server), timeout=10) as s:
            s.sendall(raw)
            s.shutdown(socket.SHUT_WR)
            reply = b""
            try:
                while chunk := s.recv(65536):
                    reply += chunk
            except (ConnectionResetError, socket.timeout):
                pass
        if reply:
            status = int(reply.split(b" ", 2)[1])
            assert 400 <= status < 500, reply[:200]
        assert request(server, "GET", "/health")[0] == 200
