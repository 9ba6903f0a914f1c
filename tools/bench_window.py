"""Benchmark sections of the real window (tools/bench.py): window and teach, under Xvfb and xdotool."""
import shutil
import tempfile
import time

import numpy as np

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mnist_mlp import load_model  # noqa: E402
from screenshot import VirtualPad, missing_tools  # noqa: E402  (tools/screenshot.py)


def bench_window():
    """The real window under Xvfb, scribbled on by xdotool for 4 s: frames shown per second while
    drawing; then the seconds from the q key to the pad's exit (the issue measured 1.5 s)."""

    if missing_tools():
        return {"skipped": f"needs {', '.join(missing_tools())}"}
    with tempfile.TemporaryDirectory() as samples, VirtualPad("--stats", "--samples", samples) as pad:
        pad.scribble(4.0)
        started = time.perf_counter()
        pad.xdotool("key", "--window", pad.window, "q")
        pad.app.wait(timeout=60)
        quit_seconds = time.perf_counter() - started
        frames, seconds = drawing_stats(pad)
    return {"frames_while_drawing": frames, "seconds": seconds, "fps_while_drawing": round(frames / seconds, 1),
            "seconds_to_quit": round(quit_seconds, 3)}


def drawing_stats(pad):
    """Close a VirtualPad started with --stats (if it is still open) and read (frames, seconds)
    while drawing from the line it prints: "while drawing: N frames in T s, F frames per second"."""
    if pad.app.poll() is None:
        pad.close_window()
    frames, rest = pad.output().strip().splitlines()[-1].split(": ")[1].split(" frames in ")
    return int(frames), float(rest.split(" s")[0])


def bench_teach():
    """Learning a hand: adaptation time on 50 samples (k = 5) of each validation writer, and the
    real window's frames per second while xdotool draws during an adaptation (key t)."""
    from digitpad.drawn.render import DEFAULT_DATA, VALIDATION_WRITERS
    from digitpad.drawn.unipen import parse_writers, read_unipen
    from digitpad.personal.samples import load_stroke_samples
    from digitpad.personal.adapt import adapt, replay_data
    from digitpad.desktop.simulate import pick, save_samples

    base = load_model()
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
