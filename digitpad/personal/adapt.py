"""Adapting the network to one person's hand from a few of their saved samples.

The recipe: every saved sample is drawn again from its strokes, through the pad's brush and
``prepare``, at many random pad sizes, places, brush widths, slants and widths, so five samples
of a digit stand for a few hundred ways the person might draw it on the pad (the fewer samples,
the more renderings of each). The base network's last layers are then fine-tuned on those
renderings mixed with class-balanced replayed MNIST digits, which keep the other digits and
other people's styles from drifting. Where there are enough samples, one of each digit is first
held out to measure the person's accuracy before and after; the model that is kept is then
trained on all of them.
"""
import time
from dataclasses import dataclass, replace
from types import SimpleNamespace

import numpy as np

from digitpad.drawn.render import Condition, network_inputs, pad_inputs
from mnist_mlp import MLP
from mnist_mlp.mnist import DEFAULT_DIR, fetch_mnist, load_mnist, training_split
from mnist_mlp.training import accuracy, balanced_choice, fine_tune
from mnist_mlp.views import TurnedViews

MIN_PER_DIGIT = 1  # samples of every digit before adapting
HOLD_OUT_FROM = 3  # a digit with this many samples lends one to the before/after measure
SUGGESTED_PER_DIGIT = 5
MAX_PER_DIGIT = 50  # the most recent samples of each digit that are used: 500 at most, about 4 s to adapt
SUSPECT = 0.9  # a sample the base model reads as another digit this surely was probably saved under the wrong key
MAX_POINTS = 1000  # points of one sample used (a drawn digit has tens to hundreds); more are thinned evenly


@dataclass(frozen=True)
class Recipe:
    """How to adapt; the defaults are the measured recipe (README, "Teach it your hand")."""
    renderings: int = 2000  # in all, shared evenly by the samples: fewer samples, more of each
    replay: int = 5000  # replayed base-training images per epoch, the same number of each digit
    epochs: int = 8
    lr: float = 3e-4  # peak learning rate (Adam, cosine schedule)
    batch_size: int = 128
    train_layers: int = 2  # only the last n layers move (0: all of them)
    slant: float = 0.15  # largest random slant of a rendering (horizontal shift per unit height)
    warp: float = 0.15  # largest smooth random displacement of the strokes, as a fraction of the digit's height
    rotate: float = 12.0  # largest random rotation, degrees
    seed: int = 0


@dataclass(frozen=True)
class Adapted:
    """The adapted network and how it did."""
    model: MLP
    trained_on: int  # samples
    held_out: int  # samples held out for before/after (0: too few to measure)
    before: float | None  # accuracy of the base model on those held-out samples
    after: float | None  # ... and of the model adapted without them
    seconds: float


def replay_data(data_dir=DEFAULT_DIR, log=print):
    """The images replayed while adapting: MNIST's first 50,000 training digits (the base model's
    own training set), fetched once into ``data_dir`` if missing. ((N, 784) inputs, (N,) labels)."""
    fetch_mnist(data_dir, log=log)
    return training_split(load_mnist(data_dir))[0]


def label_counts(samples):
    """How many of ``samples`` each digit has: a (10,) int array."""
    return np.bincount([s.label for s in samples], minlength=10)


def missing(counts, minimum=MIN_PER_DIGIT):
    """``{digit: how many more samples it needs}`` for every digit whose count is short of ``minimum``."""
    return {d: int(minimum - counts[d]) for d in range(10) if counts[d] < minimum}


def thinned(sample, most=MAX_POINTS):
    """``sample`` with its strokes' points thinned evenly to at most ``most`` in all, each stroke
    keeping its ends: drawing it again costs in proportion to its points."""
    total = sum(len(s) for s in sample.strokes)
    if total <= most:
        return sample
    keep = max(2, most // len(sample.strokes))
    strokes = tuple(s if len(s) <= keep else s[np.unique(np.linspace(0, len(s) - 1, keep).round().astype(int))]
                    for s in sample.strokes)
    return replace(sample, strokes=strokes)


def random_pad_condition(rng, slant):
    """A random way to draw on the pad: pad size, digit size and place, brush, slant and width."""
    canvas = int(rng.choice([280, 400, 600]))
    height = rng.uniform(0.3, 0.8)
    margin = height / 2 + 0.03
    centre = tuple(rng.uniform(min(margin, 0.5), max(1 - margin, 0.5), size=2))
    brush = max(2, int(round(rng.uniform(0.03, 0.18) * height * canvas)))
    return Condition("random", canvas, height, centre, brush,
                     slant=rng.uniform(-slant, slant), width=float(np.exp(rng.uniform(-0.15, 0.15))))


def warped(strokes, rng, warp, rotate):
    """The strokes turned by up to ``rotate`` degrees and bent by a smooth random displacement of up
    to ``warp`` times the digit's height: the same hand drawing the same digit a little differently."""
    points = np.concatenate(strokes)
    lo, hi = points.min(axis=0), points.max(axis=0)
    centre, height = (lo + hi) / 2, max(float(hi[1] - lo[1]), 1.0)
    angle = np.radians(rng.uniform(-rotate, rotate))
    turn = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    waves = rng.uniform(0.5, 1.5, size=(2, 2)) * np.pi / height  # about one bend across the digit
    phases = rng.uniform(0, 2 * np.pi, size=2)
    amplitude = rng.uniform(-warp, warp, size=2) * height
    out = []
    for s in strokes:
        p = (s - centre) @ turn
        bend = np.sin(p @ waves + phases) * amplitude  # x moves with one wave, y with another
        out.append(p + bend + centre)
    return out


def renderings(samples, variants, rng, slant=Recipe.slant, warp=0.0, rotate=0.0):
    """Each sample drawn ``variants`` times under random pad conditions: (N, 784) inputs, (N,) labels
    and (N,) the index of the sample each rendering came from."""
    owner = np.repeat(np.arange(len(samples)), variants)
    drawn = [samples[i] if not (warp or rotate) else SimpleNamespace(strokes=warped(samples[i].strokes, rng, warp,
                                                                                    rotate)) for i in owner]
    images = network_inputs(drawn, [random_pad_condition(rng, slant) for _ in owner], y_up=False)
    return images, np.array([samples[i].label for i in owner], np.int64), owner


def hold_out(samples):
    """Indices of the samples kept for the before/after measure: the most recent one of each digit
    that has at least HOLD_OUT_FROM (samples are in saving order within a digit)."""
    last = {}
    counts = np.bincount([s.label for s in samples], minlength=10)
    for i, s in enumerate(samples):
        if counts[s.label] >= HOLD_OUT_FROM:
            last[s.label] = i
    return sorted(last.values())


def adapt(base, samples, x_replay, y_replay, recipe=None, progress=None):
    """Adapt ``base`` (an MLP, left unchanged) to ``samples`` (digitpad.personal.samples.StrokeSample);
    replay comes from (x_replay, y_replay). ``progress(fraction, text)`` reports as it goes.
    Returns an ``Adapted``.

    Only the last ``recipe.train_layers`` layers move, so the frozen first layers' outputs are
    computed once for every rendering and replayed image, and each epoch trains the rest alone.
    """
    short = missing(label_counts(samples))
    if short:
        raise ValueError("too few samples: " + needs_text(short))
    samples = [thinned(s) for s in samples]
    recipe = recipe or Recipe()
    started = time.perf_counter()
    report = progress or (lambda fraction, text: None)
    report(0.0, "drawing your samples again")
    rng = np.random.default_rng(recipe.seed)
    x_own, y_own, owner = renderings(samples, -(-recipe.renderings // len(samples)), rng, recipe.slant,
                                     recipe.warp, recipe.rotate)
    pool = balanced_choice(y_replay, recipe.epochs * recipe.replay, rng)
    n_frozen = len(base.dense_layers()) - (recipe.train_layers or len(base.dense_layers()))
    f_own, f_pool = base.features(x_own, n_frozen), base.features(x_replay[pool], n_frozen)
    y_pool = y_replay[pool]

    def tuned(keep, start, end, text):
        head = base.head(len(base.dense_layers()) - n_frozen)
        fine_tune(head, f_own[keep], y_own[keep], f_pool, y_pool, epochs=recipe.epochs, lr=recipe.lr,
                  replay=recipe.replay, batch_size=recipe.batch_size, rng=np.random.default_rng(recipe.seed),
                  progress=lambda done, loss: report(start + (end - start) * done, f"{text}: "
                                                     f"{100 * (start + (end - start) * done):.0f}%"))
        return head

    held = hold_out(samples)
    before = after = None
    if held:
        head = tuned(~np.isin(owner, held), 0.1, 0.55, "measuring on your held-out samples")
        x_held, y_held = as_drawn([samples[i] for i in held])
        before = accuracy(base, x_held, y_held)
        after = accuracy(head, base.features(x_held, n_frozen), y_held)
    head = tuned(np.ones(len(owner), bool), 0.55 if held else 0.1, 1.0, "learning your hand")
    return Adapted(base.with_head(head), len(samples), len(held), before, after, time.perf_counter() - started)


def as_drawn(samples):
    """The network inputs the pad saw for these samples (their strokes redrawn as the pad redraws
    them to predict, digitpad.preprocessing.strokes.redraw) and their labels."""
    labels = np.array([s.label for s in samples], np.int64)
    return pad_inputs([list(zip(s.strokes, s.brushes)) for s in samples]), labels


def suspects(base, samples, confidence=SUSPECT):
    """The samples that ``base``, reading as the pad reads (three views), takes for another digit with
    at least ``confidence``: probably saved under the wrong key. [(sample, digit it reads)]."""
    if not samples:
        return []
    x, labels = as_drawn(samples)
    probabilities = TurnedViews(base).predict_proba(x)
    read = probabilities.argmax(axis=1)
    return [(s, int(r)) for s, r, p, label in zip(samples, read, probabilities.max(axis=1), labels)
            if r != label and p >= confidence]


def needs_text(short):
    """'2 more 3s, 1 more 7' for ``{3: 2, 7: 1}``."""
    return ", ".join(f"{n} more {d}{'s' if n > 1 else ''}" for d, n in sorted(short.items()))
