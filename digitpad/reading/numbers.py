"""Reading a whole number: from the pad's strokes, or from an image.

Strokes are grouped into digits as ``digitpad.preprocessing.group_strokes`` does (asking the network alone
where geometry cannot tell: the grouping's thresholds were set on its confidences), each group is
redrawn on its own as a digit is (digitpad.preprocessing.strokes.redraw) and prepared, and the digits
found are read as the pad reads a digit (mnist_mlp.views, ``turn``) in one batched call. An
image goes through ``digitpad.preprocessing.split_image``'s work the same way, each digit found read as a
picture of one digit is (digitpad.reading.canvas_reading). Both answer the same object: ``{"number":
"2024", "sure": true, "digits": [{"digit": 2, "confidence": 0.99, "sure": true, "box": [x, y, w,
h]}, ...]}`` (an image's boxes in its pixels as read: shrunk, when larger, to 1,200 px a side, as
digitpad.preprocessing.images reads a file), where a digit under the threshold is "?" in "number"
and the number is sure only when every digit is and the grouping was no close call. A digit of more
than MAX_PARTS strokes or pieces of ink is never sure (a straight line of dots or dashes is read as no
digit at all, NO_DIGIT, as a digit alone is: digitpad.reading), nor a number of more than MAX_DIGITS
digits (a barcode's bars), and a digit of an image cut out of touching ink is sure only
from CUT_SURE, a 1 from CUT_ONE (a letter's strokes cut apart read as digits, a stroke cut off as a
1).
"""
import cv2
import numpy as np

from mnist_mlp import SURE, is_sure
from mnist_mlp.views import TURN, reader
from digitpad.preprocessing import prepare
from digitpad.preprocessing.broken import PIECES, is_broken_line
from digitpad.preprocessing.numbers import group_strokes, split_canvas, stroke_boxes
from digitpad.preprocessing.strokes import as_seen
from digitpad.reading import (NO_DIGIT, SCAN_TEMPERATURE, as_scan, best_guess, canvas_reading, check_temperature,
                              path_reading, picture_canvases, strokes_input)

EMPTY = np.zeros(784, np.float32)
NO_READING = np.zeros((0, 10), np.float32)  # the readings of a picture that is no number
MAX_PARTS = 6  # strokes or pieces of ink in one digit; more is a column of dots or hatching, no digit
MAX_STROKES = 60  # four strokes a digit for 15 digits; more is a scribble, answered at once
MAX_DIGITS = 15  # digits in a number; more (a barcode's bars, a fence) is never a sure number
# A digit cut out of touching ink is sure from CUT_SURE, and from CUT_ONE when it is a 1: a letter's
# strokes cut apart read as digits, most often a stroke cut off as a 1 (an A as "14", an M as "14").
CUT_SURE, CUT_ONE = 0.7, 0.9


def group_inputs(strokes, groups, boxes=None):
    """(len(groups), 784) network inputs, each group's strokes redrawn alone (digitpad.preprocessing.strokes.redraw),
    and their [x, y, w, h] boxes on the pad (``boxes``: the strokes' own, if already known)."""
    boxes = stroke_boxes(strokes) if boxes is None else boxes
    images, found = [], []
    for group in groups:
        x0, y0 = np.floor(boxes[group, :2].min(axis=0))
        x1, y1 = np.ceil(boxes[group, 2:].max(axis=0))
        image = strokes_input([(strokes[i]["points"], strokes[i]["brush"]) for i in group])
        images.append(EMPTY if image is None else image.reshape(-1))
        found.append([int(x0), int(y0), int(x1 - x0), int(y1 - y0)])
    return np.array(images, np.float32).reshape(-1, 784), found


def answer(probabilities, boxes, threshold=SURE, doubtful=(), close_call=False):
    """The number object for per-digit probabilities and boxes, left to right: a digit is sure when
    its confidence reaches ``threshold`` (mnist_mlp.is_sure) and it is not in ``doubtful`` (else "?" in the number), the
    number when all its digits are, its grouping was no ``close_call`` and it has at most MAX_DIGITS."""
    digits = [{"digit": best_guess(p), "confidence": round(float(p.max()), 6),  # null: no best guess
               "sure": bool(is_sure(p, threshold)) and k not in doubtful, "box": box}
              for k, (p, box) in enumerate(zip(probabilities, boxes))]
    return {"number": "".join(str(d["digit"]) if d["sure"] else "?" for d in digits),
            "sure": 0 < len(digits) <= MAX_DIGITS and all(d["sure"] for d in digits) and not close_call,
            "digits": digits}


def read_strokes(model, strokes, turn=TURN, threshold=SURE):
    """The number written in the pad's strokes ({"brush", "points"} dicts in canvas pixels)."""
    return read_groups(model, strokes, turn=turn, threshold=threshold)[1]


def read_groups(model, strokes, cache=None, turn=TURN, threshold=SURE):
    """(the strokes' grouping into digits, the number object, each digit's (28, 28) input and its
    ten probabilities). ``cache``, a dict kept between calls (the pad keeps one while the ink only
    grows), holds each group's reading, so a frame reads only the groups that changed: the digit
    being written; the rest are read in one batched call. ``model`` is the network; the digits found
    are read through ``mnist_mlp.views.reader(model, turn)``, sure from ``threshold`` up."""
    cache = {} if cache is None else cache

    def key(group):  # a stroke only ever grows: its length and ends tell its versions apart
        return tuple((i, len(strokes[i]["points"]), tuple(strokes[i]["points"][0]), tuple(strokes[i]["points"][-1]),
                      strokes[i]["brush"]) for i in group)

    def readings(groups):
        todo = [g for g in groups if key(g) not in cache]
        if todo:
            images, boxes = group_inputs(strokes, todo, stroke_box)
            for g, image, p, box in zip(todo, images, model.predict_proba(images), boxes):
                cache[key(g)] = {"image": image, "network": p, "box": box}
        return [cache[key(g)] for g in groups]

    def broken_line(group):  # a column of dots or a dashed line, as a digit alone is read (digitpad.reading)
        return len(group) >= PIECES and is_broken_line(as_seen([(strokes[i]["points"], strokes[i]["brush"])
                                                                 for i in group]))

    def read(groups):  # the digits found, as the pad reads a digit; each group read once
        found = readings(groups)
        unread = [(g, r) for g, r in zip(groups, found) if "read" not in r]
        if unread:
            views = reader(model, turn)
            read_all = path_reading(views, views.predict_proba(np.array([r["image"] for _, r in unread])),
                                    [[strokes[i]["points"] for i in g] for g, _ in unread])
            for (g, r), p in zip(unread, read_all):
                r["read"] = NO_DIGIT.copy() if broken_line(g) else p
        return [(r["image"], r["read"], r["box"]) for r in found]

    nothing = np.zeros((0, 28, 28), np.float32), np.zeros((0, 10), np.float32)
    if len(strokes) > MAX_STROKES:  # a scribble of many marks is no number; say so at once
        return [], {**answer([], []), "error": f"more than {MAX_STROKES} strokes: not a number"}, *nothing
    if not strokes:
        return [], answer([], []), *nothing
    stroke_box = stroke_boxes(strokes)  # once a call, for the grouping and for every reading
    doubts = []
    groups = group_strokes(strokes, lambda gs: [r["network"].max() for r in readings(gs)], stroke_box, doubts)
    images, probabilities, boxes = zip(*read(groups))
    probabilities = np.array(probabilities)
    many = {k for k, group in enumerate(groups) if len(group) > MAX_PARTS}
    return (groups, answer(probabilities, list(boxes), threshold, many, bool(doubts)),
            np.array(images).reshape(-1, 28, 28), probabilities)


def read_image(model, gray, turn=TURN, threshold=SURE, temperature=SCAN_TEMPERATURE):
    """The number in a grey image of either polarity (dark ink on paper, or a pad's canvas); cut
    where the network alone reads the pieces best, the digits read through ``reader(model, turn)``.
    With too many pieces of ink to be a number, the answer has no digits and an "error". A picture
    whose number is not sure is read as its other digitpad.reading.picture_canvases too, and that number
    answered where every digit has ``threshold`` of the probability, a 1 too. Where the first canvas
    is a small bitmap blown up (a scan: digitpad.preprocessing.thinning.blown_up), the digits of the
    number answered are sharpened at ``temperature`` last (digitpad.reading.sharpened; 1: as the
    network gives them). Every choice is made on the network's own probabilities, as
    digitpad.reading.picture_reading makes it for one digit."""
    check_temperature(temperature)
    canvases = picture_canvases(gray)
    first = next(canvases)
    found = _canvas_digits(model, first, turn)
    number = _answer(found, threshold)
    if not number["sure"]:
        for canvas in canvases:
            other = _canvas_digits(model, canvas, turn)
            read = _answer(other, threshold)
            if read["sure"] and all(d["confidence"] >= threshold for d in read["digits"]):
                found, number = other, read
                break
    read, scan = as_scan(found.get("read", NO_READING), first, temperature)
    if "read" in found:  # the number answered, sharpened last (no number: nothing to sharpen)
        number = _answer({**found, "read": read}, threshold)
    return {**number, "scan": scan}


def best_number(number):
    """The digits a number object (``answer``) reads as, sure or not: each digit's best guess, "?"
    where it has none (digitpad.reading.NO_DIGIT)."""
    return "".join("?" if d["digit"] is None else str(d["digit"]) for d in number["digits"])


def number_hint(model, gray, threshold=SURE, temperature=SCAN_TEMPERATURE):
    """For a grey picture read as no sure digit: the number it reads as (``read_image`` at
    ``threshold`` and ``temperature``) when that has two digits or more and is sure, a user having
    handed a number to a reader of one digit; else None."""
    number = read_image(model, gray, threshold=threshold, temperature=temperature)
    return number["number"] if number["sure"] and len(number["digits"]) >= 2 else None


def _answer(found, threshold):
    """The number object for what ``_canvas_digits`` found, sure from ``threshold``."""
    if "error" in found:
        return {**answer([], []), "error": found["error"]}
    return answer(found["read"], found["boxes"], threshold, found["doubtful"], found["close_call"])


def _canvas_digits(model, canvas, turn):
    """The digits of the pad-like canvas (white ink on black) a picture gave, as ``_answer`` takes
    them: ``{"read": ten probabilities a digit, "boxes", "doubtful": which digits are never sure,
    "close_call": the cutting was one}``, or ``{"error": why it is no number}``."""
    def crop(box):
        x, y, w, h = box
        return np.ascontiguousarray(canvas[y:y + h, x:x + w])

    def inputs(boxes):
        images = [prepare(crop(box)) for box in boxes]
        return np.array([EMPTY if im is None else im.reshape(-1) for im in images], np.float32).reshape(-1, 784)

    doubts, cuts = [], []
    try:
        boxes = split_canvas(canvas, lambda boxes: model.predict_proba(inputs(boxes)).max(axis=1), doubts, cuts)
    except ValueError as e:  # too many pieces of ink to be a number: said at once, as for strokes
        return {"error": str(e)}
    doubtful = {k for k, (x, y, w, h) in enumerate(boxes)
                if cv2.connectedComponents((canvas[y:y + h, x:x + w] > 0).astype(np.uint8))[0] - 1 > MAX_PARTS}
    # The cuts are chosen on the pieces as prepare gives them (thinning a sliver cut off a digit would
    # mislead); the digits found are read as a picture of one digit is.
    views = reader(model, turn)
    readings = [canvas_reading(views, crop(box)) for box in boxes]
    read = [views.predict_proba(EMPTY)[0] if r is None else r[0] for r in readings]
    doubtful |= {k for k in cuts if read[k].max() < (CUT_ONE if read[k].argmax() == 1 else CUT_SURE)}
    return {"read": read, "boxes": [list(map(int, b)) for b in boxes], "doubtful": doubtful, "close_call": bool(doubts)}
