"""Reading what a user hands over, one way for every client: strokes as the pad reads them (the pad,
the web page), and pictures as a user's file is read (tools/predict.py, the server,
tools/eval_scans.py). Both end in the network read through its turned views (mnist_mlp.views).

Strokes: redrawn at the width that suits their size (digitpad.preprocessing.strokes.redraw), so the brush picked does
not decide, then prepared (digitpad.preprocessing.prepare). Pictures: grey pixels -> a pad-like canvas
(paper, ruling and specks taken out) -> prepared and read; where its ink is thick for its size and
that reading is unsure, thinned to a pen's width (digitpad.preprocessing.thinning), prepared and read again;
where still unsure and it may be a scan whose 1 was stretched across a square box, read narrowed
too (digitpad.preprocessing.stretch). Every such step is taken at the threshold SURE; a caller's own threshold
only decides what is answered. A picture that is a small bitmap blown up, as scanned digit sets are,
is read by the network less surely than it is right, so that reading is sharpened last
(``sharpened`` at SCAN_TEMPERATURE). Ink that is a straight line broken into pieces (a column of dots, a
dashed line: digitpad.preprocessing.broken) is answered NO_DIGIT by both, without the network, which
reads it, shrunk to 28x28 where its gaps close, as a sure 1. Strokes are also read as the path
the pen took (digitpad.preprocessing.trajectory) by the trajectory network a model may carry
(``with_path``): the order in which a digit was written tells a 9 whose loop barely closed from a 7.
"""
import numpy as np

from mnist_mlp import SURE, ModelError, is_sure
from mnist_mlp.views import TurnedViews
from digitpad.preprocessing.broken import is_broken_line
from digitpad.preprocessing.strokes import as_seen, redraw
from digitpad.preprocessing import canvas_from_image, light_ink_canvas, may_be_light_ink, prepare, prepare_with_info
from digitpad.preprocessing.images import ImageError, at_reading_size, read_gray
from digitpad.preprocessing.stretch import NARROWER, OTHER, is_band, may_be_stretched, narrowed
from digitpad.preprocessing.thinning import blown_up, thinned
from digitpad.preprocessing.trajectory import SIZE as TRAJECTORY_SIZE, trajectory_input

NO_INK = "the image is blank or one shade, or its only marks look like ruling"  # why a picture may give no ink
NO_DIGIT = np.full(10, 0.1, np.float32)  # the reading of ink that is no digit: what non-digits are taught to give
TRAJECTORY = "trajectory"  # the companion network (mnist_mlp.model_io) that reads strokes as a path
# The path's share of a reading of strokes: chosen on writers 1-5 and 16-20, each read by networks
# that never saw them (0.3 is where their accuracy stops rising): docs/trajectory.md.
PATH_SHARE = 0.3
# The temperature of a bitmap blown up: of such scans read at 0.3-0.5 about 87% are right. Fitted by
# likelihood on scanned digits and on non-digits of the families trained on, as scans, half each
# (tools/fit_scan_temperature.py): docs/paper-scans.md, "Scans read as surely as they are right".
SCAN_TEMPERATURE = 0.8


def trajectory_network(views):
    """The trajectory network stored with the model that ``views`` (a TurnedViews, or the model)
    reads through; None for a model without one (strokes are then read as a picture only).
    ModelError when it does not read a path (a model folder edited by hand): the pad and the
    server ask once, as they load a model."""
    network = getattr(getattr(views, "model", views), "companions", {}).get(TRAJECTORY)
    if network is not None and network.sizes[0] != TRAJECTORY_SIZE:
        raise ModelError(f"its {TRAJECTORY} network reads {network.sizes[0]} values, not the {TRAJECTORY_SIZE} "
                         "of a path of strokes")
    return network


def with_path(picture, path, share=PATH_SHARE):
    """Rows of ten probabilities from the picture of some strokes and from their path, pooled:
    ``picture ** (1 - share) * path ** share``, renormalised, so a digit both find likely wins; then,
    where its top is above the picture's, drawn towards a tenth each until it is not. The path may
    change which digit is read and make it less sure, but never lift the top probability: it learnt
    from 25 people's pens and a few kinds of non-digits, and reads a letter it never saw as surely
    as a digit."""
    picture, path = np.atleast_2d(picture), np.atleast_2d(path)
    gave = np.isfinite(path).all(axis=1, keepdims=True)  # a doctored network may give no number: no say
    path = np.where(gave, path, 0.1)
    pooled = np.exp((1 - share) * np.log(np.maximum(picture, 1e-9)) + share * np.log(np.maximum(path, 1e-9)))
    pooled /= pooled.sum(axis=1, keepdims=True)
    top, cap = pooled.max(axis=1, keepdims=True), picture.max(axis=1, keepdims=True)
    keep = np.where(top > cap, (cap - 0.1) / np.maximum(top - 0.1, 1e-9), 1.0)  # top > cap >= 0.1
    return np.where(gave, keep * pooled + (1 - keep) * 0.1, picture).astype(np.float32)


def path_reading(views, picture, paths):
    """``picture`` (rows of ten, read from the pictures of strokes) pooled ``with_path`` with the
    trajectory network's reading of ``paths`` (lists of point arrays, one list a reading), or
    ``picture`` as it is for a model without that network; a path without points leaves its row."""
    network = trajectory_network(views)
    if network is None:
        return picture
    inputs = [trajectory_input(p) for p in paths]
    read = np.full((len(inputs), 10), np.nan, np.float32)  # no number: no say (with_path)
    have = [i for i, x in enumerate(inputs) if x is not None]
    if have:
        read[have] = network.predict_proba(np.stack([inputs[i] for i in have]))
    return with_path(picture, read)


def sharpened(probabilities, temperature):
    """Rows of ten probabilities (or one row) read at ``temperature``: each raised to the power 1 /
    temperature and renormalised, which is softmax(logits / temperature). Under 1 the top digit gains,
    the order stays and a tie (NO_DIGIT) stays a tie. ValueError for a temperature that is not a
    positive number."""
    check_temperature(temperature)
    p = np.maximum(np.asarray(probabilities, np.float64), 0)
    top = p.max(axis=-1, keepdims=True)
    p = (p / np.where(top > 0, top, 1)) ** (1.0 / temperature)  # the top raised is 1: nothing underflows to all 0
    return (p / np.maximum(p.sum(axis=-1, keepdims=True), 1e-300)).astype(np.float32)


def check_temperature(temperature):
    """ValueError unless ``temperature`` is a positive finite number: checked before any reading."""
    if not 0 < temperature < np.inf:  # also false for nan
        raise ValueError(f"a temperature must be a positive number, not {temperature!r}")


def strokes_input(strokes):
    """The (28, 28) input the network reads for the pad's ``(points, thickness)`` strokes: redrawn at
    the width that suits their size, then prepared; None when there is no ink."""
    return prepare(redraw(strokes)) if strokes else None


def canvas_input(canvas):
    """The (28, 28) input the network learns for a pad-like canvas (white ink on black) that a picture
    gave: prepared as it is, as ``canvas_reading`` reads it first; None when there is no ink. Thinning
    only rescues a reading that is unsure, and networks that learnt thick ink thinned read scans less
    surely (docs/paper-scans.md, "Scans learnt as they are read")."""
    return prepare(canvas)


def picture_input(gray):
    """The (28, 28) input the network learns for a grey uint8 picture of either polarity: the first of
    its ``picture_canvases`` (shrunk as a file is, paper, ruling and specks taken out), as
    ``canvas_input`` gives it; None when there is no ink."""
    return canvas_input(next(picture_canvases(gray)))


def strokes_reading(views, strokes):
    """``(probabilities, image, info)`` for the pad's ``(points, thickness)`` strokes: the ten
    probabilities ``views`` (a TurnedViews) gives, pooled with their path's (``path_reading``), NO_DIGIT
    for a broken line, the (28, 28) input it read and what prepare saw (digitpad.preprocessing.InkInfo,
    its box that of the redrawn strokes); None when there is no ink."""
    if not strokes:
        return None
    image, info = prepare_with_info(redraw(strokes))
    if image is None:
        return None
    # Pieces are as the user sees them: strokes a thick brush joins are one line (a 1 written in bits).
    if is_broken_line(as_seen(strokes)):
        return NO_DIGIT.copy(), image, info
    return path_reading(views, views.predict_proba(image), [[points for points, _ in strokes]])[0], image, info


def canvas_reading(views, canvas):
    """``(probabilities, image)`` for a pad-like canvas that a picture gave: the ten probabilities
    ``views`` gives (NO_DIGIT for a broken line) and the (28, 28) input it read; None when there is no
    ink. The canvas is read as
    it is, and where its strokes are too thick for their size and that reading is not sure
    (mnist_mlp.is_sure), thinned to a pen's width and read again: thinning is for ink the
    network cannot read as it is (a scanned 1 that fills its box), and it takes the filled loops of
    a bold 8 or 9 for a bar, a 1."""
    image = canvas_input(canvas)  # what training learns is what is read first
    if image is None:
        return None
    if is_broken_line(canvas):
        return NO_DIGIT.copy(), image
    probabilities = views.predict_proba(image)[0]
    if is_sure(probabilities):
        return probabilities, image  # thick or not: thinning is not even measured
    thin = thinned(canvas)
    if thin is canvas:
        return probabilities, image
    image = prepare(thin)
    return views.predict_proba(image)[0], image


def picture_canvases(gray):
    """The pad-like canvases a grey uint8 picture may be read as, the likeliest first: as
    digitpad.preprocessing.canvas_from_image takes it, and where it may be light ink though taken for paper
    (digitpad.preprocessing.may_be_light_ink), as light ink on an even dark ground
    (digitpad.preprocessing.light_ink_canvas). A bold light digit on a board, cut out close, is a light region
    with dark round it, as a sheet on a table is, or has light edges, as a scan cropped close to
    thick ink; read as paper, its holes or its outline are the ink. A picture larger than files are
    read (1,200 px a side: digitpad.preprocessing.images) is shrunk to that first, as a file is."""
    gray = at_reading_size(gray)
    yield canvas_from_image(gray)
    if may_be_light_ink(gray):
        yield light_ink_canvas(gray)


def stretched_reading(views, canvas, reading):
    """``reading`` (``(probabilities, image)`` of ``canvas``, a pad-like canvas a picture gave), or,
    where it is unsure, names no other digit with OTHER, and the canvas may be a scan whose digit was
    stretched to a square and is one band (digitpad.preprocessing.stretch), the mean of it and of the canvas
    read narrowed to each share of NARROWER of its width, if that mean is a sure 1; the image stays
    the one read at the canvas's own width. Stretching makes a 1 unreadable, and only a 1: the mean
    is not taken for another digit, nor for ink that is no band, because a blot, a circle, a "<" or
    an arch narrowed is read as a sure 1 too (docs/paper-scans.md, "Stretched 1s read narrowed too")."""
    probabilities = reading[0]
    if (is_sure(probabilities) or (probabilities.argmax() != 1 and probabilities.max() >= OTHER)
            or not may_be_stretched(canvas) or not is_band(canvas)):
        return reading
    narrow = (canvas_reading(views, narrowed(canvas, share)) for share in NARROWER)
    mean = np.mean([probabilities] + [r[0] for r in narrow if r is not None], axis=0)  # faint ink may vanish
    return (mean, reading[1]) if mean.argmax() == 1 and is_sure(mean) else reading


def picture_reading(views, gray, temperature=SCAN_TEMPERATURE):
    """``(probabilities, image, scan)`` for a grey uint8 picture: ``canvas_reading`` of the pad-like canvas
    it gives (paper, ruling and specks taken out); where that is unsure or has no ink, the other of
    its ``picture_canvases``, if its top digit has SURE of the probability, a 1 too (a guess at the
    picture's shades needs the full bar); where still unsure, as a digit stretched to its box may be
    (``stretched_reading``); and where the canvas is a small bitmap blown up (a scan of a digit set:
    digitpad.preprocessing.thinning.blown_up), ``sharpened`` at ``temperature`` (1: as the network
    reads it; SCAN_TEMPERATURE was fitted for the shipped model: tools/fit_scan_temperature.py fits
    another's). ``scan`` says whether it was taken for such a scan, sharpened or not. ValueError when
    there is no ink, or for a temperature that is not a positive number."""
    check_temperature(temperature)  # here too: a picture that is no scan is never sharpened
    canvases = picture_canvases(gray)
    first = next(canvases)
    reading = canvas_reading(views, first)
    if reading is None or not is_sure(reading[0]):
        others = (canvas_reading(views, c) for c in canvases)
        reading = next((r for r in others if r is not None and r[0].max() >= SURE), reading)
    if reading is None:
        raise ValueError(f"no ink found: {NO_INK}")
    probabilities, image = stretched_reading(views, first, reading)
    probabilities, scan = as_scan(probabilities, first, temperature)
    return probabilities, image, scan


def as_scan(probabilities, canvas, temperature):
    """``(probabilities, scan)`` for rows of ten probabilities read from a picture whose first canvas
    (``picture_canvases``) is ``canvas``: ``scan`` whether that is a small bitmap blown up (a scan:
    digitpad.preprocessing.thinning.blown_up), and where it is, the probabilities ``sharpened`` at
    ``temperature`` (1: as they are). One digit's reading (``picture_reading``) and a number's
    (digitpad.reading.numbers.read_image) are made surer alike."""
    scan = bool(blown_up(canvas))
    if not scan or temperature == 1 or not len(probabilities):
        return probabilities, scan
    return sharpened(probabilities, temperature), scan


def file_reading(views, path, temperature=SCAN_TEMPERATURE):
    """``picture_reading`` of the image file at ``path`` (digitpad.preprocessing.images: any PNG, JPEG or BMP
    within its budget); ValueError saying why when it cannot be read."""
    try:
        gray = read_gray(path)
    except ImageError as e:
        raise ValueError(str(e)) from None
    return picture_reading(views, gray, temperature)


def best_guess(probabilities):
    """The digit likelier than every other, or None where the likeliest tie (NO_DIGIT: none is)."""
    top = np.flatnonzero(probabilities == np.max(probabilities))
    return int(top[0]) if len(top) == 1 else None


def digit_answer(probabilities, threshold=SURE, image=None, scan=None):
    """The JSON answer for one digit, as every client gives it: "prediction" and its "confidence",
    "sure" false when that is under ``threshold`` (a 1 needs half: mnist_mlp.is_sure; probably
    not a digit, the prediction is then only the best guess, and null where there is none: NO_DIGIT)
    and the ten "probabilities", to six places; with ``image``, "input", the 28x28 input the network
    read (rows of values in 0..1, to three places); with ``scan`` (a picture's: ``picture_reading``),
    "scan", whether it was taken for a scan and sharpened."""
    reply = {"prediction": best_guess(probabilities), "confidence": round(float(np.max(probabilities)), 6),
             "sure": bool(is_sure(probabilities, threshold)),
             "probabilities": {str(d): round(float(p), 6) for d, p in enumerate(probabilities)}}
    if image is not None:
        reply["input"] = np.round(np.asarray(image, np.float64), 3).tolist()  # float32 would print 0.333000004
    if scan is not None:
        reply["scan"] = bool(scan)
    return reply


__all__ = ["NO_DIGIT", "NO_INK", "SCAN_TEMPERATURE", "TurnedViews", "as_scan", "best_guess", "canvas_input",
           "canvas_reading", "check_temperature", "digit_answer", "file_reading", "path_reading", "picture_canvases",
           "picture_input", "picture_reading", "sharpened", "stretched_reading", "strokes_input", "strokes_reading",
           "trajectory_network", "with_path"]
