"""Timing helpers for the benchmark sections (tools/bench.py): timings that a shared machine
disturbs as little as it can, and what the machine is."""
import os
import platform
import time

import numpy as np


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


def percentiles_ms(fn, repeats):
    p50, p99 = np.percentile(timings(fn, repeats), [50, 99]) * 1e3
    return {"p50_ms": round(float(p50), 3), "p99_ms": round(float(p99), 3)}


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if "model name" in line)
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__}
