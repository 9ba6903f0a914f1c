"""The server's sections of tools/bench.py: serve (load), and three floods (flood-lockout,
flood-fire-and-forget, flood-bodies), each measuring what a normal client at 127.0.0.1 gets
meanwhile: /health and a small /predict, p50 / p99 / max and how many were answered. Attackers
connect from other loopback addresses (127.0.0.2, ...), as other machines would."""
import http.client
import json
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SMALL = json.dumps({"pixels": [0.0] * 392 + [1.0] * 392})


class Server:
    """tools/serve.py in a process of its own, on a free port."""

    def __enter__(self):
        self.process = subprocess.Popen([sys.executable, str(ROOT / "tools" / "serve.py"), "--port", "0", "--quiet"],
                                        stderr=subprocess.PIPE, text=True, cwd=ROOT)
        self.port = int(self.process.stderr.readline().split("http://127.0.0.1:")[1].split("/")[0])
        return self

    def peak_memory_mb(self):
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return round(int(status.split("VmHWM:")[1].split()[0]) / 1024, 1)

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait()


def exchange(port, method, path, body=None, kind="application/json", conn=None, timeout=120):
    """(status, seconds) of one request, on ``conn`` or a connection of its own."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    t0 = time.perf_counter()
    try:
        conn.request(method, path, body, {"Content-Type": kind} if body else {})
        response = conn.getresponse()
        response.read()
        status = response.status
    except OSError:
        status = 0  # refused, reset or timed out: not answered
    if own:
        conn.close()
    return status, time.perf_counter() - t0


def summary(results, seconds=None):
    latencies = sorted(t for _, t in results)
    found = {"requests": len(results), "answered_200": sum(s == 200 for s, _ in results),
             "p50_ms": round(1000 * latencies[len(latencies) // 2], 2),
             "p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))], 2),
             "max_ms": round(1000 * latencies[-1], 2)}
    if seconds:
        found["requests_per_s"] = round(len(results) / seconds, 1)
    return found


class Probe:
    """A normal client asking /health and a small /predict every 20 ms while something else goes on."""

    def __init__(self, port):
        self.port, self.results, self.done = port, {"/health": [], "/predict": []}, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.done.is_set():
            self.results["/health"].append(exchange(self.port, "GET", "/health", timeout=30))
            self.results["/predict"].append(exchange(self.port, "POST", "/predict", SMALL, timeout=30))
            time.sleep(0.02)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()

    def report(self):
        return {path: summary(results) for path, results in self.results.items() if results}


def big_png():
    """The largest picture the server takes, 16 megapixels of a thick stroke: a few KB."""
    canvas = np.full((4000, 4000), 255, np.uint8)
    canvas[1000:3000, 1900:2100] = 0
    return cv2.imencode(".png", canvas)[1].tobytes()


def bench_serve():
    """200 concurrent clients; normal clients beside 1,000 idle connections from other addresses
    (slowloris); keep-alive latency; 100 clients posting the 16-megapixel PNG at once, probed."""
    result = {}
    with Server() as server:
        port = server.port
        with ThreadPoolExecutor(200) as pool:
            t0 = time.perf_counter()
            results = list(pool.map(lambda _: exchange(port, "POST", "/predict", SMALL), range(2000)))
        result["concurrent_200_clients"] = summary(results, time.perf_counter() - t0)
        idle = []
        for k in range(1000):
            s = socket.create_connection(("127.0.0.1", port), source_address=(f"127.0.0.{2 + k % 8}", 0))
            s.sendall(b"GET /health HTTP/1.1\r\n")
            idle.append(s)
        t0 = time.perf_counter()
        results = [exchange(port, "POST", "/predict", SMALL) for _ in range(200)]
        result["with_1000_idle_connections"] = summary(results, time.perf_counter() - t0)
        for s in idle:
            s.close()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        t0 = time.perf_counter()
        results = [exchange(port, "POST", "/predict", SMALL, conn=conn) for _ in range(500)]
        result["keep_alive_one_connection"] = summary(results, time.perf_counter() - t0)
        conn.close()
        png = big_png()
        with Probe(port) as probe, ThreadPoolExecutor(100) as pool:
            t0 = time.perf_counter()
            results = list(pool.map(lambda _: exchange(port, "POST", "/predict", png, "image/png"), range(100)))
        result["concurrent_100_largest_pngs"] = summary(results, time.perf_counter() - t0)
        result["meanwhile"] = probe.report()
        result["server_peak_memory_mb"] = server.peak_memory_mb()
    return result


def bench_flood_lockout():
    """2,100 connections from one address, each sending pipelined requests and never reading an
    answer (issue 24, 1), for 20 s; then one address reconnecting idle connections in a loop."""
    result = {}
    with Server() as server, Probe(server.port) as probe:
        flood = []
        for _ in range(2100):
            try:
                s = socket.create_connection(("127.0.0.1", server.port), source_address=("127.0.0.2", 0))
                s.setblocking(False)
                s.send(b"GET /model/info HTTP/1.1\r\n\r\n" * 200)
                flood.append(s)
            except OSError:
                pass
        time.sleep(20)
        for s in flood:
            s.close()
        stop = time.monotonic() + 10
        while time.monotonic() < stop:  # idle connections, opened and dropped as fast as it can
            batch = [socket.create_connection(("127.0.0.1", server.port), source_address=("127.0.0.3", 0))
                     for _ in range(100)]
            for s in batch:
                s.close()
        result["server_peak_memory_mb"] = server.peak_memory_mb()
    result["meanwhile"] = probe.report()
    return result


def bench_flood_fire_and_forget():
    """40 requests of a 16-megapixel PNG sent and their connections closed at once, five times
    (issue 24, 2): the work of those gone is dropped, and normal clients are served meanwhile."""
    png = big_png()
    head = f"POST /predict HTTP/1.1\r\nContent-Type: image/png\r\nContent-Length: {len(png)}\r\n\r\n".encode()
    with Server() as server, Probe(server.port) as probe:
        for _ in range(5):
            for _ in range(40):
                with socket.create_connection(("127.0.0.1", server.port), source_address=("127.0.0.2", 0)) as s:
                    s.sendall(head + png)
            time.sleep(2)
        after = exchange(server.port, "POST", "/predict", png, "image/png")
        memory = server.peak_memory_mb()
    return {"meanwhile": probe.report(), "a_big_png_after": summary([after]), "server_peak_memory_mb": memory}


def bench_flood_bodies():
    """1,500 connections from 8 addresses, each promising a 1 MiB body and sending it slowly
    (issue 24, 7): the bodies held at once stay bounded, normal clients are served meanwhile."""
    head = b"POST /predict HTTP/1.1\r\nContent-Type: image/png\r\nContent-Length: 1048576\r\n\r\n"
    chunk = b"\0" * (512 << 10)
    with Server() as server, Probe(server.port) as probe:
        flood, refused = [], 0
        for k in range(1500):
            try:
                s = socket.create_connection(("127.0.0.1", server.port), source_address=(f"127.0.0.{2 + k % 8}", 0))
                s.sendall(head + chunk)  # half the body, the rest never comes
                flood.append(s)
            except OSError:
                refused += 1
        time.sleep(10)
        for s in flood:
            s.close()
        memory = server.peak_memory_mb()
    return {"meanwhile": probe.report(), "refused_while_sending": refused, "server_peak_memory_mb": memory}
