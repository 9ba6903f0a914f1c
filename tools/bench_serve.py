"""The serve section of tools/bench.py: the server under load."""
import json
import subprocess
import time

import numpy as np

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def bench_serve():
    """tools/serve.py under load: 200 concurrent clients, then normal clients while 1,000 idle
    connections hold a request head open (slowloris), then keep-alive latency on one connection."""
    import http.client
    import socket
    from concurrent.futures import ThreadPoolExecutor

    import cv2

    server = subprocess.Popen([sys.executable, str(ROOT / "tools" / "serve.py"), "--port", "0", "--quiet"],
                              stderr=subprocess.PIPE, text=True, cwd=ROOT)
    port = int(server.stderr.readline().split("http://127.0.0.1:")[1].split("/")[0])
    body = json.dumps({"pixels": [0.0] * 392 + [1.0] * 392})

    def one(conn=None):
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        t0 = time.perf_counter()
        conn.request("POST", "/predict", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        if own:
            conn.close()
        return response.status, time.perf_counter() - t0

    def summary(results, seconds):
        latencies = sorted(t for _, t in results)
        return {"requests": len(results), "answered_2xx_4xx": sum(200 <= s < 500 for s, _ in results),
                "requests_per_s": round(len(results) / seconds, 1),
                "p50_ms": round(1000 * latencies[len(latencies) // 2], 2),
                "p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))], 2),
                "max_ms": round(1000 * latencies[-1], 2)}

    result = {}
    try:
        with ThreadPoolExecutor(200) as pool:
            t0 = time.perf_counter()
            results = list(pool.map(lambda _: one(), range(2000)))
        result["concurrent_200_clients"] = summary(results, time.perf_counter() - t0)
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(1000)]
        for s in idle:
            s.sendall(b"GET /health HTTP/1.1\r\n")
        t0 = time.perf_counter()
        results = [one() for _ in range(200)]
        result["with_1000_idle_connections"] = summary(results, time.perf_counter() - t0)
        for s in idle:
            s.close()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        t0 = time.perf_counter()
        results = [one(conn) for _ in range(500)]
        result["keep_alive_one_connection"] = summary(results, time.perf_counter() - t0)
        conn.close()
        # The largest image the server takes (16 megapixels), posted by 100 clients at once: a
        # 4000x4000 PNG of a thick stroke compresses to a few KB but decodes to 16 MB.
        canvas = np.full((4000, 4000), 255, np.uint8)
        canvas[1000:3000, 1900:2100] = 0
        png = cv2.imencode(".png", canvas)[1].tobytes()

        def big(_):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            t0 = time.perf_counter()
            conn.request("POST", "/predict", png, {"Content-Type": "image/png"})
            response = conn.getresponse()
            response.read()
            conn.close()
            return response.status, time.perf_counter() - t0

        with ThreadPoolExecutor(100) as pool:
            t0 = time.perf_counter()
            results = list(pool.map(big, range(100)))
        result["concurrent_100_largest_pngs"] = summary(results, time.perf_counter() - t0)
        status = Path(f"/proc/{server.pid}/status").read_text()
        result["server_peak_memory_mb"] = round(int(status.split("VmHWM:")[1].split()[0]) / 1024, 1)
    finally:
        server.terminate()
        server.wait()
    return result
