"""Benchmark sections of training and the model (tools/bench.py): train, defaults, to98, augment, model."""
import json
import subprocess
import tempfile
import time

import numpy as np

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_timing import best_of  # noqa: E402  (tools/, beside this file)
from mnist_mlp import MLP, load_model  # noqa: E402
from mnist_mlp.mnist import DEFAULT_DIR, load_mnist  # noqa: E402
from mnist_mlp.optim import Adam  # noqa: E402
from mnist_mlp.paths import WEIGHTS  # noqa: E402
from mnist_mlp.training import train_epoch  # noqa: E402

BENCH_SIZES = [784, 128, 64, 10]
BATCH = 128


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


def bench_to98():
    from digitpad.recipe import Recipe, load_data
    from mnist_mlp.training import accuracy, optimizer_for, schedule_for

    recipe = Recipe()  # digitpad-train's defaults: the same network, optimiser and schedule
    (x, y), _, (x_test, y_test) = load_data(DEFAULT_DIR, log=lambda m: None)
    model = MLP(recipe.sizes, seed=recipe.seed)
    config = recipe.config()
    optimizer = optimizer_for(config, model.parameters())
    lr_at = schedule_for(config, (len(x) + recipe.batch_size - 1) // recipe.batch_size)
    elapsed = 0.0
    for epoch in range(1, recipe.epochs + 1):
        t0 = time.perf_counter()
        train_epoch(model, optimizer, x, y, recipe.batch_size, np.random.default_rng([recipe.seed, epoch]), lr_at)
        elapsed += time.perf_counter() - t0
        test_accuracy = accuracy(model, x_test, y_test)
        if test_accuracy >= 0.98:
            return {"network": list(recipe.sizes), "epochs": epoch, "training_seconds": round(elapsed, 1),
                    "mnist_test_accuracy": test_accuracy}
    return {"network": list(recipe.sizes), "reached": False, "mnist_test_accuracy": test_accuracy}


def bench_augment():
    from digitpad.preprocessing.augment import augment

    rng = np.random.default_rng(0)
    batch = (rng.random((BATCH, 784), dtype=np.float32) > 0.8).astype(np.float32)
    augment(batch, rng)
    seconds = best_of(lambda: [augment(batch, rng) for _ in range(20)], 3)
    return {"batch": BATCH, "images_per_s": round(20 * BATCH / seconds)}


def bench_model():
    import evaluate  # tools/evaluate.py
    from digitpad.drawn.benchmark import validation_metrics  # the drawn-digit numbers train.py records in model.json
    from digitpad.drawn.render import DEFAULT_DATA

    model = load_model(WEIGHTS)
    d = load_mnist(DEFAULT_DIR)
    result = {"sizes": model.sizes,
              "mnist_test_accuracy": evaluate.evaluate(model, d["x_test"], d["y_test"])["accuracy"]}
    drawn = validation_metrics(model, DEFAULT_DATA)
    if drawn:
        result.update(drawn_writers=drawn["writers"], drawn_worst=drawn["worst"],
                      drawn_worst_accuracy=round(drawn["worst_accuracy"], 4),
                      drawn_mean_accuracy=round(drawn["mean_accuracy"], 4))
    return result
