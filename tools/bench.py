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
    pictures  a picture read as predict.py and the server read it, 1000x1000 against 4000x4000, PNG and
              JPEG (target: the larger within 3 times the smaller); a scanned solid 1 against a thin
              one; a 4 cut out to its ink (its lines judged), and beside a dark table (its paper divided
              out), against the same 4 with paper round it
    window    the real pad window under Xvfb, scribbled on by xdotool: frames shown per second while
              drawing (target at least 60), and seconds from the q key to the pad's exit (target
              well under the 1.5 s an issue measured)
    model     the shipped model's accuracy: MNIST test, and drawn digits of the validation writers
    serve     tools/serve.py under load: 200 concurrent clients, normal clients beside 1,000 idle
              connections (slowloris), keep-alive latency, 100 clients posting a 16-megapixel PNG
              (target: all answered, the slowest within 30 s, /health and a small /predict within
              100 ms at p99 meanwhile); requests/s, p50/p99 latency, peak memory
    flood-lockout, flood-fire-and-forget, flood-bodies
              the server under each flood of issue 24 (one address's 2,100 connections that never
              read; 200 pictures sent and dropped; 1,500 slow 1 MiB bodies): what a normal client
              gets meanwhile (the same 100 ms target), and the server's peak memory
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
import sys

from bench_serve import bench_flood_bodies, bench_flood_fire_and_forget, bench_flood_lockout, bench_serve
from bench_timing import machine
from bench_reading import bench_number, bench_pad, bench_pictures
from bench_training import bench_augment, bench_defaults, bench_model, bench_to98, bench_train
from bench_web import bench_web, bench_web_crowd
from bench_window import bench_teach, bench_window

SECTIONS = {"train": bench_train, "defaults": bench_defaults, "to98": bench_to98, "augment": bench_augment,
            "pad": bench_pad, "pictures": bench_pictures, "window": bench_window, "model": bench_model,
            "teach": bench_teach,
            "serve": bench_serve, "flood-lockout": bench_flood_lockout,
            "flood-fire-and-forget": bench_flood_fire_and_forget, "flood-bodies": bench_flood_bodies,
            "number": bench_number, "web": bench_web, "web-crowd": bench_web_crowd}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__[__doc__.index("Sections:"):],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections to run (all unless given)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
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
