"""People simulated from pen-drawn digits: a few of each digit drawn on the pad and saved as the
pad saves them, adapted on with the pad's recipe, and measured on the writer's other digits."""
import tempfile
import time

import numpy as np

from digitpad.drawn.benchmark import evaluate_drawn
from digitpad.drawn.render import CONDITIONS, place
from mnist_mlp.views import TurnedViews
from digitpad.desktop.app import PadApp
from digitpad.personal.samples import load_stroke_samples

from digitpad.personal.adapt import Recipe, adapt

PAD_SIZE, BRUSH = 400, 26  # the pad's defaults


def draw_on_pad(app, strokes, rng):
    """Draw tablet strokes on the pad as mouse moves would: a random size and place, whole pixels."""
    size = app.state.size
    height = rng.uniform(0.45, 0.8)
    centre = rng.uniform(0.4, 0.6, size=2)
    for stroke in place(strokes, size, height, centre, margin=app.state.brush / 2 + 3):
        points = np.clip(np.rint(stroke), 0, size - 1).astype(int)
        app.mouse_down(*points[0])
        for x, y in points[1:]:
            app.mouse_move(x, y)
        app.mouse_up()


def pick(digits, k, rng):
    """(chosen, rest): k digits of each label at random (all of a label that has fewer)."""
    chosen = []
    for label in range(10):
        idx = [i for i, d in enumerate(digits) if d.label == label]
        chosen.extend(rng.permutation(idx)[:k].tolist())
    taken = set(chosen)
    return [digits[i] for i in chosen], [d for i, d in enumerate(digits) if i not in taken]


def save_samples(base, digits, folder, rng):
    """Draw each pen digit on a default pad and save it with its label, as a person would."""
    app = PadApp(base, folder, size=PAD_SIZE, brush=BRUSH)
    for digit in digits:
        draw_on_pad(app, digit.strokes, rng)
        if app.save(digit.label) is None:
            raise RuntimeError(f"the pad did not save a sample: {app.status}")


def simulate_writer(base, digits, k, x_replay, y_replay, recipe=None, seed=0, samples_dir=None):
    """One person: save k samples of each digit through the pad, adapt, measure on the rest under
    every eval_drawn condition. Returns (result dict, adapted model)."""
    rng = np.random.default_rng([seed, digits[0].writer])
    chosen, rest = pick(digits, k, rng)
    with tempfile.TemporaryDirectory(prefix="personal-", dir=samples_dir) as folder:
        save_samples(base, chosen, folder, rng)
        samples, problems = load_stroke_samples(folder)
    if problems or len(samples) != len(chosen):
        raise RuntimeError(f"saved {len(chosen)} samples but read back {len(samples)}: {problems}")
    started = time.perf_counter()
    adapted = adapt(base, samples, x_replay, y_replay, recipe or Recipe())
    seconds = time.perf_counter() - started
    before = evaluate_drawn(TurnedViews(base), rest, CONDITIONS)  # read as the pad reads
    after = evaluate_drawn(TurnedViews(adapted.model), rest, CONDITIONS)
    return {"writer": int(digits[0].writer), "samples": len(samples), "n_test": len(rest),
            "before": _overall(before), "after": _overall(after), "seconds": round(seconds, 2),
            "worst_condition_after": after["worst_accuracy"],
            "held_out": {"samples": adapted.held_out, "before": adapted.before, "after": adapted.after},
            "confused_after": after["most_confused"]}, adapted.model


def _overall(result):
    """Accuracy over every condition together."""
    return float(np.mean([c["accuracy"] for c in result["conditions"].values()]))
