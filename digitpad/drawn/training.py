"""What the network trains on besides MNIST: pen digits drawn the way the pad draws them, and
drawings that are not digits, whose target is the uniform distribution (outlier exposure)."""
import numpy as np

from .forms import training_forms
from .nondigits import NOT_A_DIGIT, non_digit_inputs
from .render import training_inputs
from .unipen import UnipenError, parse_writers, read_unipen


def with_drawings(x, y, seed, pendigits=None, writers="1-25", variants=4, hands=False, non_digits=0,
                  forms=0, scans=0.0, log=print):
    """(x, y) with drawings added: the pen digits of ``writers`` in the UNIPEN file ``pendigits``,
    each drawn ``variants`` times under random conditions (``hands``: a random slant and width
    too), ``forms`` drawings of the catalogue of regional digit forms (digitpad.drawn.forms), and
    ``non_digits`` drawings that are not digits, labelled NOT_A_DIGIT; with ``scans``, that share of
    every kind is drawn as a scan (digitpad.drawn.scanlike).
    The same seed draws the same ones. UnipenError when the file is unreadable or has no digit of
    ``writers``."""
    xs, ys = [x], [y]
    if pendigits is not None:
        digits = read_unipen(pendigits, parse_writers(writers))
        if not digits:
            raise UnipenError(f"no digits from writers {writers} in {pendigits}")
        images, labels = training_inputs(digits, variants, np.random.default_rng([seed, 1_000_003]), hands, scans)
        log(f"rendered {len(images)} pen-drawn digits from {len(digits)} of writers {writers}")
        xs.append(images)
        ys.append(labels)
    if forms:
        images, labels = training_forms(forms, np.random.default_rng([seed, 4_000_037]), scans)
        log(f"drew {len(images)} regional digit forms")
        xs.append(images)
        ys.append(labels)
    if non_digits:
        images, _ = non_digit_inputs(non_digits, np.random.default_rng([seed, 2_000_003]), brushed=True, scans=scans)
        log(f"drew {len(images)} non-digits")
        xs.append(images)
        ys.append(np.full(len(images), NOT_A_DIGIT, np.int64))
    return (np.concatenate(xs), np.concatenate(ys)) if len(xs) > 1 else (x, y)
