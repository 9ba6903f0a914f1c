"""The trajectory network and what it learns from: pen digits, the catalogue's forms and non-digits
as paths (digitpad.preprocessing.trajectory), each drawn several times by a slightly different hand."""
import numpy as np

from digitpad.preprocessing.trajectory import SIZE, trajectory_input
from mnist_mlp import MLP
from mnist_mlp.optim import Adam
from mnist_mlp.training import lr_schedule, train_epoch

from .forms import FORMS, form_strokes
from .nondigits import FAMILIES, TRAINING_FAMILIES

SIZES = [SIZE, 256, 128, 10]
COPIES = 24  # paths drawn of each pen digit: 48 read writers 21-25 no better (docs/trajectory.md)
TURN, SHEAR, WIDTH = 12.0, 0.3, 0.25  # degrees either way; slant per unit of height; log of the width factor
JITTER = 0.01  # of the drawing's size: the wobble of each point
# Strokes drawn the other way: learnt only as 25 writers drew, a 4 whose first stroke went up was a
# sure 9 (docs/trajectory.md, "Strokes drawn the other way").
REVERSED = 0.1


def varied(strokes, rng):
    """The strokes as another hand might draw them: turned, slanted, wider or narrower, each point
    moved a little, a share REVERSED of them drawn the other way; their order kept."""
    angle = np.radians(rng.uniform(-TURN, TURN))
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    shape = turn @ np.array([[np.exp(rng.uniform(-WIDTH, WIDTH)), rng.uniform(-SHEAR, SHEAR)], [0.0, 1.0]])
    strokes = [np.asarray(s, np.float64).reshape(-1, 2) for s in strokes]
    size = float(np.ptp(np.concatenate(strokes), axis=0).max()) or 1.0
    return [(s[::-1] if rng.random() < REVERSED else s) @ shape.T + rng.normal(0.0, JITTER * size, s.shape)
            for s in strokes]


def pen_strokes(digit):
    """A pen digit's strokes (digitpad.drawn.unipen: the tablet's y points up) in the pad's y-down axes."""
    return [np.asarray(s, np.float64).reshape(-1, 2) * [1.0, -1.0] for s in digit.strokes]


def training_paths(digits, rng, copies=COPIES, forms=0, non_digits=0):
    """(inputs, labels): ``copies`` varied paths of each pen digit, ``forms`` drawings of the
    catalogue's forms in turn and ``non_digits`` of the training families in turn (label -1: trained
    towards the uniform distribution, as the digit network is)."""
    drawings = [(pen_strokes(d), d.label) for d in digits for _ in range(copies)]
    names = list(FORMS)
    drawings += [(form_strokes(names[i % len(names)], rng), FORMS[names[i % len(names)]][0]) for i in range(forms)]
    drawings += [(FAMILIES[TRAINING_FAMILIES[i % len(TRAINING_FAMILIES)]](rng), -1) for i in range(non_digits)]
    x = np.stack([trajectory_input(varied(strokes, rng)) for strokes, _ in drawings])
    return x, np.array([label for _, label in drawings], np.int64)


def train_trajectory(x, y, epochs=10, lr=1e-3, weight_decay=1e-4, seed=0, log=None):
    """A network of SIZES trained on (x, y) with Adam, a cosine schedule and decoupled weight decay;
    ``log(epoch, loss)`` after each epoch."""
    rng = np.random.default_rng(seed)
    network = MLP(SIZES, seed=seed)
    optimizer = Adam(network.parameters(), lr=lr, weight_decay=weight_decay)
    batch = 128
    schedule = lr_schedule("cosine", lr, epochs, (len(x) + batch - 1) // batch)
    for epoch in range(1, epochs + 1):
        loss, _ = train_epoch(network, optimizer, x, y, batch, rng, schedule)
        if log:
            log(epoch, loss)
    return network
