"""Measure speed on this machine, side by side in one run.

Usage:
    python tools/bench.py [--only SECTION,...] [--json]

Sections:
    train     training samples/s for 784-128-64-10, batch 128, Adam, against the
              sgemm ceiling (2048x2048 float32 matmul FLOP/s / (6 x weights per sample)),
              and PyTorch on the CPU for the same network when it is installed
    defaults  wall time and MNIST test accuracy of `tools/train.py` with its defaults
    to98      seconds of training with the defaults until MNIST test accuracy reaches 98%
    augment   training-time augmentation, images/s
    pad       per-frame cost while drawing: prepare + predict_proba on 280x280 and
              1000x1000 canvases (target p99 < 1 ms), and a whole pad frame
              (mouse move, prediction, rendering; 60 fps needs < 16.7 ms)
    window    the real pad window under Xvfb, scribbled on by xdotool: frames shown per second while
              drawing (target at least 60)
    model     the shipped model's accuracy: MNIST test, and drawn digits of the validation writers
    serve     tools/serve.py under load: 200 concurrent clients, normal clients beside 1,000 idle
              connections (slowloris), keep-alive latency; requests/s, p50/p99 latency, peak memory
    number    number mode on a 1200x400 pad: six digits grouped, prepared and read from scratch, and the
              pad's frame while the sixth is written (earlier digits' readings kept; target p99 < 2 ms),
              and the slowest of the worst inputs (one dot, a scribble across the pad, 100 tiny strokes)
    teach     learning a hand: adaptation seconds on 50 samples (5 of each digit) of each validation
              writer (target median at most 10 s), and the real window's frames per second while
              xdotool draws during an adaptation (target at least 30)
    web       the web pad in a real headless Chromium (tools/bench_web.py): 200 validation writers' digits
              drawn stroke by stroke with the mouse and, on a phone 390 px wide, a finger: accuracy against
              the desktop pad's reading (target at least 98%), pen lift to answer on screen (target p50 at
              most 30 ms, p99 at most 100 ms), answers a second while drawing (target at least 20)
    web-crowd 50 simulated browsers drawing at once with the page's requests: every answer after the
              pen lifts arrives, none later than 2 s
"""
import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from mnist_mlp import MLP, load_model  # noqa: E402
from mnist_mlp.optim import Adam  # noqa: E402
from mnist_mlp.training import train_epoch  # noqa: E402
from mnist_mlp.views import TurnedViews  # noqa: E402
from bench_web import bench_web, bench_web_crowd  # noqa: E402  (tools/bench_web.py)

BENCH_SIZES = [784, 128, 64, 10]
BATCH = 128


def timings(fn, repeats):
    """Seconds taken by each of ``repeats`` calls of fn."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def best_of(fn, repeats):
    """The fastest of several timings: the least disturbed by other work on a shared machine."""
    return min(timings(fn, repeats))


def sgemm_flops():
    a = np.random.default_rng(0).random((2048, 2048), dtype=np.float32)
    a @ a
    return 2 * 2048**3 / best_of(lambda: a @ a, 10)


def numpy_training_rate(x, y):
    model = MLP(BENCH_SIZES, seed=0)
    opt = Adam(model.parameters())
    rng = np.random.default_rng(0)
    train_epoch(model, opt, x[:5000], y[:5000], BATCH, rng)  # warm up
    return len(x) / best_of(lambda: train_epoch(model, opt, x, y, BATCH, rng), 3)


def torch_training_rate(x, y):
    try:
        import torch
    except ImportError:
        return None
    layers = []
    for i, (n_in, n_out) in enumerate(zip(BENCH_SIZES[:-1], BENCH_SIZES[1:])):
        layers.append(torch.nn.Linear(n_in, n_out))
        if i < len(BENCH_SIZES) - 2:
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def epoch(n=None):
        for idx in torch.randperm(n or len(x)).split(BATCH):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(xt[idx]), yt[idx]).backward()
            opt.step()

    epoch(5000)
    return len(x) / best_of(epoch, 3)


def bench_train():
    rng = np.random.default_rng(0)
    x = rng.random((60_000, 784), dtype=np.float32)[:20_000]
    y = rng.integers(0, 10, len(x))
    flops = sgemm_flops()
    weights = sum(a * b for a, b in zip(BENCH_SIZES[:-1], BENCH_SIZES[1:]))
    ceiling = flops / (6 * weights)
    rate = numpy_training_rate(x, y)
    torch_rate = torch_training_rate(x, y)
    result = {"network": BENCH_SIZES, "batch": BATCH, "optimizer": "adam",
              "sgemm_gflops": round(flops / 1e9, 1), "ceiling_samples_per_s": round(ceiling),
              "numpy_samples_per_s": round(rate), "ratio_to_ceiling": round(rate / ceiling, 3)}
    if torch_rate:
        result.update(torch_samples_per_s=round(torch_rate), numpy_over_torch=round(rate / torch_rate, 2))
    return result


def bench_defaults():
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "tools" / "train.py"), "--quiet", "--out", f"{tmp}/w"],
                       check=True, capture_output=True, cwd=ROOT)
        seconds = time.perf_counter() - t0
        manifest = json.loads(Path(f"{tmp}/w/model.json").read_text())
    return {"command": "python tools/train.py", "wall_seconds": round(seconds, 1),
            "mnist_test_accuracy": manifest["metrics"]["test_accuracy"],
            "best_epoch": manifest["training"]["best_epoch"]}


def percentiles_ms(fn, repeats):
    p50, p99 = np.percentile(timings(fn, repeats), [50, 99]) * 1e3
    return {"p50_ms": round(float(p50), 3), "p99_ms": round(float(p99), 3)}


def bench_pad():
    from pad.app import PadApp
    from pad.brush import render
    from preprocessing import prepare

    model = load_model(ROOT / "weights")
    reader = TurnedViews(model)  # read as the pad reads
    seven = [(0.25, 0.2), (0.75, 0.2), (0.55, 0.5), (0.45, 0.85)]
    result = {}
    for size in (280, 1000):
        canvas = render([([(x * size, y * size) for x, y in seven], size // 14)], size)
        result[f"prepare_predict_{size}"] = percentiles_ms(lambda c=canvas: reader.predict_proba(prepare(c)), 2000)
    app = PadApp(model, samples_dir=tempfile.gettempdir(), size=400)
    app.key(ord("d"))  # diagnostics on: the most drawing per frame
    app.mouse_down(100, 80)
    moves = iter(range(10**9))

    def frame():  # one displayed frame while drawing: a mouse move, a prediction, a render
        i = next(moves)
        app.mouse_move(100 + (i * 7) % 200, 80 + (i * 13) % 240)
        app.update()
        app.frame()

    result["pad_frame_400"] = percentiles_ms(frame, 1000)
    result["pad_fps_at_p99"] = round(1000 / result["pad_frame_400"]["p99_ms"])
    return result


def bench_to98():
    import train  # tools/train.py: the same defaults, optimiser and schedule
    from mnist_mlp.training import accuracy, optimizer_for, schedule_for

    args = train.parse_args(["--quiet"])
    (x, y), _, (x_test, y_test) = train.load_data(args)
    model = MLP(args.sizes, seed=args.seed)
    config = train.run_config(args)
    optimizer = optimizer_for(config, model.parameters())
    lr_at = schedule_for(config, (len(x) + args.batch_size - 1) // args.batch_size)
    elapsed = 0.0
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        train_epoch(model, optimizer, x, y, args.batch_size, np.random.default_rng([args.seed, epoch]), lr_at)
        elapsed += time.perf_counter() - t0
        test_accuracy = accuracy(model, x_test, y_test)
        if test_accuracy >= 0.98:
            return {"network": args.sizes, "epochs": epoch, "training_seconds": round(elapsed, 1),
                    "mnist_test_accuracy": test_accuracy}
    return {"network": args.sizes, "reached": False, "mnist_test_accuracy": test_accuracy}


def bench_augment():
    from preprocessing.augment import augment

    rng = np.random.default_rng(0)
    batch = (rng.random((BATCH, 784), dtype=np.float32) > 0.8).astype(np.float32)
    augment(batch, rng)
    seconds = best_of(lambda: [augment(batch, rng) for _ in range(20)], 3)
    return {"batch": BATCH, "images_per_s": round(20 * BATCH / seconds)}


def bench_model():
    import evaluate
    from drawn.benchmark import validation_metrics  # the drawn-digit numbers train.py records in model.json
    from drawn.render import DEFAULT_DATA
    from mnist_mlp.mnist import load_mnist

    model = load_model(ROOT / "weights")
    d = load_mnist(ROOT / "data" / "mnist")
    result = {"sizes": model.sizes,
              "mnist_test_accuracy": evaluate.evaluate(model, d["x_test"], d["y_test"])["accuracy"]}
    drawn = validation_metrics(model, ROOT / DEFAULT_DATA)
    if drawn:
        result.update(drawn_writers=drawn["writers"], drawn_worst=drawn["worst"],
                      drawn_worst_accuracy=round(drawn["worst_accuracy"], 4),
                      drawn_mean_accuracy=round(drawn["mean_accuracy"], 4))
    return result


def bench_window():
    """The real window under Xvfb, scribbled on by xdotool for 4 s: frames shown per second while drawing."""
    from screenshot import VirtualPad, missing_tools

    if missing_tools():
        return {"skipped": f"needs {', '.join(missing_tools())}"}
    with tempfile.TemporaryDirectory() as samples, VirtualPad("--stats", "--samples", samples) as pad:
        pad.scribble(4.0)
        frames, seconds = drawing_stats(pad)
    return {"frames_while_drawing": frames, "seconds": seconds, "fps_while_drawing": round(frames / seconds, 1)}


def drawing_stats(pad):
    """Close a VirtualPad started with --stats and read (frames, seconds) while drawing from the
    line it prints: "while drawing: N frames in T s, F frames per second"."""
    pad.close_window()
    frames, rest = pad.output().strip().splitlines()[-1].split(": ")[1].split(" frames in ")
    return int(frames), float(rest.split(" s")[0])


def bench_teach():
    """Learning a hand: adaptation time on 50 samples (k = 5) of each validation writer, and the
    real window's frames per second while xdotool draws during an adaptation (key t)."""
    from drawn.render import DEFAULT_DATA, VALIDATION_WRITERS
    from drawn.unipen import parse_writers, read_unipen
    from pad.samples import load_stroke_samples
    from personal.adapt import adapt, replay_data
    from personal.simulate import pick, save_samples
    from screenshot import VirtualPad, missing_tools

    if not Path(DEFAULT_DATA).exists():
        return {"skipped": f"needs the pen-digit data at {DEFAULT_DATA}"}
    base = load_model("weights")
    x_replay, y_replay = replay_data(log=lambda m: None)
    digits = read_unipen(DEFAULT_DATA, parse_writers(VALIDATION_WRITERS))
    seconds, folders = [], []
    for writer in sorted({d.writer for d in digits}):
        folder = tempfile.mkdtemp(prefix="bench-teach-")
        folders.append(folder)
        rng = np.random.default_rng(writer)
        save_samples(base, pick([d for d in digits if d.writer == writer], 5, rng)[0], folder, rng)
        samples, _ = load_stroke_samples(folder)
        t0 = time.perf_counter()
        adapt(base, samples, x_replay, y_replay)
        seconds.append(time.perf_counter() - t0)
    result = {"samples": 50, "writers": VALIDATION_WRITERS, "adapt_seconds": [round(s, 2) for s in seconds],
              "adapt_median_s": round(float(np.median(seconds)), 2), "adapt_max_s": round(max(seconds), 2)}
    if missing_tools():
        result["window"] = {"skipped": f"needs {', '.join(missing_tools())}"}
    else:
        with tempfile.TemporaryDirectory() as personal, \
                VirtualPad("--stats", "--samples", folders[0], "--personal", personal + "/model") as pad:
            pad.key("t")
            pad.scribble(6.0)
            frames, seconds = drawing_stats(pad)
            finished = (Path(personal) / "model" / "model.json").exists()
        result["window"] = {"fps_while_drawing_and_adapting": round(frames / seconds, 1),
                            "adaptation_finished_before_quit": finished}
    for folder in folders:
        shutil.rmtree(folder)
    return result


def bench_number():
    """Number mode's per-frame work on a 1200x400 pad: grouping, drawing each digit alone, prepare and
    one batched prediction, for six digits written as the pad records them; and the worst inputs."""
    from drawn.numbers import read_groups
    from screenshot import DIGIT_STROKES

    model = load_model("weights")
    strokes = []
    for k, digit in enumerate("204719"):
        for stroke in DIGIT_STROKES[digit]:
            points = [[int(40 + 185 * k + 200 * x), int(60 + 260 * y)] for x, y in stroke]
            strokes.append({"brush": 26, "points": points})
    result = {"six_digits": percentiles_ms(lambda: read_groups(model, strokes), 500)}
    # What the pad does per frame while the sixth digit is written: the first five are read already.
    cache, last = {}, strokes[-1]
    read_groups(model, strokes[:-1] + [{**last, "points": last["points"][:1]}], cache)
    frames = iter([strokes[:-1] + [{**last, "points": last["points"][:1] + [[x, y + step % 7] for x, y in
                                                                              last["points"][1:]]}]
                   for step in range(500)])
    result["frame_while_writing_the_sixth"] = percentiles_ms(lambda: read_groups(model, next(frames), cache), 500)
    rng = np.random.default_rng(0)
    scribble = [{"brush": 26, "points": rng.integers(0, [1200, 400], (300, 2)).tolist()}]
    tiny = [{"brush": 4, "points": [[int(x), int(y)]]} for x, y in rng.integers(0, [1200, 400], (100, 2))]
    for name, case in {"one_dot": [{"brush": 26, "points": [[600, 200]]}], "scribble_across_the_pad": scribble,
                       "100_tiny_strokes": tiny}.items():
        result[name] = {"max_ms": round(1000 * max(timings(lambda c=case: read_groups(model, c), 20)), 2)}
    return result


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


SECTIONS = {"train": bench_train, "defaults": bench_defaults, "to98": bench_to98, "augment": bench_augment,
            "pad": bench_pad, "window": bench_window, "model": bench_model, "teach": bench_teach,
            "serve": bench_serve, "number": bench_number, "web": bench_web, "web-crowd": bench_web_crowd}


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if "model name" in line)
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections to run")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    chosen = args.only.split(",")
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        p.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    results = {"machine": machine()}
    for name in chosen:
        print(f"running {name} ...", file=sys.stderr)
        results[name] = SECTIONS[name]()
        if not args.json:
            print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in results[name].items()))
    if args.json:
        print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
