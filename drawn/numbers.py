"""Reading a whole number: from the pad's strokes, or from an image.

Strokes are grouped into digits as ``preprocessing.group_strokes`` does (asking the network alone
where geometry cannot tell: the grouping's thresholds were set on its confidences), each group is
redrawn on its own as the pad predicts from a digit (pad.brush.redraw) and prepared, and the digits
found are read as the pad reads a digit (mnist_mlp.views, ``turn``) in one batched call. An
image goes through ``preprocessing.split_image``'s work the same way. Both answer the same object:
``{"number": "2024", "digits": [{"digit": 2, "confidence": 0.99, "box": [x, y, w, h]}, ...]}``.
"""
import numpy as np

from mnist_mlp.views import TURN, reader
from pad.brush import redraw, render
from preprocessing import canvas_from_image, prepare
from preprocessing.numbers import group_boxes, split_canvas, stroke_boxes

EMPTY = np.zeros(784, np.float32)
MAX_STROKES = 60  # four strokes a digit for 15 digits; more is a scribble, answered at once


def group_inputs(strokes, groups, boxes=None):
    """(len(groups), 784) network inputs, each group's strokes redrawn alone (pad.brush.redraw),
    and their [x, y, w, h] boxes on the pad (``boxes``: the strokes' own, if already known)."""
    boxes = stroke_boxes(strokes) if boxes is None else boxes
    images, found = [], []
    for group in groups:
        x0, y0 = np.floor(boxes[group, :2].min(axis=0))
        x1, y1 = np.ceil(boxes[group, 2:].max(axis=0))
        image = prepare(redraw([(strokes[i]["points"], strokes[i]["brush"]) for i in group]))
        images.append(EMPTY if image is None else image.reshape(-1))
        found.append([int(x0), int(y0), int(x1 - x0), int(y1 - y0)])
    return np.array(images, np.float32).reshape(-1, 784), found


def answer(probabilities, boxes):
    """The number object for per-digit probabilities and boxes, left to right."""
    digits = [{"digit": int(p.argmax()), "confidence": round(float(p.max()), 6), "box": box}
              for p, box in zip(probabilities, boxes)]
    return {"number": "".join(str(d["digit"]) for d in digits), "digits": digits}


def read_strokes(model, strokes, turn=TURN):
    """The number written in the pad's strokes ({"brush", "points"} dicts in canvas pixels)."""
    return read_groups(model, strokes, turn=turn)[1]


def read_groups(model, strokes, cache=None, turn=TURN):
    """(the strokes' grouping into digits, the number object, each digit's (28, 28) input and its
    ten probabilities). ``cache``, a dict kept between calls (the pad keeps one while the ink only
    grows), holds each group's reading, so a frame reads only the groups that changed: the digit
    being written; the rest are read in one batched call. ``model`` is the network; the digits found
    are read through ``mnist_mlp.views.reader(model, turn)``."""
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

    def read(groups):  # the digits found, as the pad reads a digit; each group read once
        found = readings(groups)
        unread = [r for r in found if "read" not in r]
        if unread:
            for r, p in zip(unread, reader(model, turn).predict_proba(np.array([r["image"] for r in unread]))):
                r["read"] = p
        return [(r["image"], r["read"], r["box"]) for r in found]

    nothing = np.zeros((0, 28, 28), np.float32), np.zeros((0, 10), np.float32)
    if len(strokes) > MAX_STROKES:  # a scribble of many marks is no number; say so at once
        return [], {**answer([], []), "error": f"more than {MAX_STROKES} strokes: not a number"}, *nothing
    if not strokes:
        return [], answer([], []), *nothing
    stroke_box = stroke_boxes(strokes)  # once a call, for the grouping and for every reading
    groups = group_boxes(stroke_box, lambda gs: [r["network"].max() for r in readings(gs)])
    images, probabilities, boxes = zip(*read(groups))
    probabilities = np.array(probabilities)
    return groups, answer(probabilities, list(boxes)), np.array(images).reshape(-1, 28, 28), probabilities


def read_image(model, gray, turn=TURN):
    """The number in a grey image of either polarity (dark ink on paper, or a pad's canvas); cut
    where the network alone reads the pieces best, the digits read through ``reader(model, turn)``.
    With too many pieces of ink to be a number, the answer has no digits and an "error"."""
    canvas = canvas_from_image(gray)  # once: split_canvas works on it too

    def inputs(boxes):
        images = [prepare(np.ascontiguousarray(canvas[y:y + h, x:x + w])) for x, y, w, h in boxes]
        return np.array([EMPTY if im is None else im.reshape(-1) for im in images], np.float32).reshape(-1, 784)

    try:
        boxes = split_canvas(canvas, lambda boxes: model.predict_proba(inputs(boxes)).max(axis=1))
    except ValueError as e:  # too many pieces of ink to be a number: said at once, as for strokes
        return {**answer([], []), "error": str(e)}
    return answer(reader(model, turn).predict_proba(inputs(boxes)) if boxes else [], [list(map(int, b)) for b in boxes])


def make_numbers(digits, count, rng, pad=(1200, 400), brush=26, touching=True):
    """``count`` numbers of 2 to 8 digits, each from one writer's pen digits, laid out on a pad of
    ``pad`` (width, height) as mouse strokes: [(strokes, labels, groups)], where groups are the true
    stroke indices of each digit. Digits share a height (+-15%) and a baseline (jittered); gaps run
    from a slight overlap (when ``touching``, else from a clear gap wider than the brush) to wide."""
    by_writer = {}
    for d in digits:
        by_writer.setdefault(d.writer, []).append(d)
    writers = sorted(by_writer)
    width, height = pad
    numbers = []
    for _ in range(count):
        own = by_writer[writers[rng.integers(len(writers))]]
        chosen = [own[i] for i in rng.integers(0, len(own), rng.integers(2, 9))]
        size = rng.uniform(0.35, 0.6) * height
        shapes, gaps = [], []
        for digit in chosen:
            points = np.concatenate(digit.strokes).astype(np.float64)
            lo, hi = points.min(axis=0), points.max(axis=0)
            scale = size * rng.uniform(0.85, 1.15) / max(hi[1] - lo[1], 1.0)
            drop = rng.uniform(-0.05, 0.05) * size  # the baseline wanders a little
            shapes.append([np.column_stack([(s[:, 0] - lo[0]) * scale, (hi[1] - s[:, 1]) * scale + drop])
                           for s in map(np.asarray, digit.strokes)])
            gaps.append(rng.uniform(-0.08 if touching else 0.05, 0.5) * size)
        widths = [np.concatenate(pieces)[:, 0].max() for pieces in shapes]
        fit = 1.0
        for _ in range(3):  # shrink a long number to fit; apart, the ink must not touch once shrunk
            if not touching:
                gaps = [max(g, (brush + 6) / fit) for g in gaps]
            fit = min(1.0, 0.92 * width / (sum(widths) + sum(gaps[:-1])), 0.8 * height / (1.3 * size))
        starts = np.concatenate([[0.0], np.cumsum(np.add(widths, gaps))[:-1]])
        placed = [[p + (x, 0.0) for p in pieces] for pieces, x in zip(shapes, starts)]
        all_points = np.concatenate([np.concatenate(s) for s in placed]) * fit
        offset = (np.array([width, height]) - (all_points.max(axis=0) + all_points.min(axis=0))) / 2
        strokes, labels, groups = [], [], []
        for digit, pieces in zip(chosen, placed):
            groups.append(list(range(len(strokes), len(strokes) + len(pieces))))
            labels.append(digit.label)
            for piece in pieces:
                points = np.clip(np.rint(piece * fit + offset), 0, [width - 1, height - 1]).astype(int)
                strokes.append({"brush": brush, "points": points.tolist()})
        numbers.append((strokes, labels, groups))
    return numbers


def evaluate_numbers(model, numbers, via="strokes", pad=(1200, 400), turn=TURN):
    """How well numbers are read: grouping right, number right, digits right (each digit read from its
    own strokes), and the number accuracy the digit accuracy alone predicts (each number's product of
    its digits' per-class accuracies, averaged)."""
    own_right, own_labels, segmentation, right = [], [], 0, 0
    digit_reader = reader(model, turn)
    for strokes, labels, groups in numbers:
        images, _ = group_inputs(strokes, groups)
        own_right.extend(digit_reader.predict(images) == labels)
        own_labels.extend(labels)
        if via == "strokes":
            found, read, _, _ = read_groups(model, strokes, turn=turn)
            segmented = found == groups
        else:
            canvas = render([(np.asarray(s["points"], np.float64), s["brush"]) for s in strokes], *pad)
            read = read_image(model, 255 - canvas, turn)
            segmented = _boxes_match(strokes, groups, [d["box"] for d in read["digits"]], pad)
        segmentation += segmented
        right += segmented and read["number"] == "".join(map(str, labels))
    own_right, own_labels = np.array(own_right), np.array(own_labels)
    per_class = {c: own_right[own_labels == c].mean() for c in np.unique(own_labels)}
    expected = np.mean([np.prod([per_class[c] for c in labels]) for _, labels, _ in numbers])
    return {"numbers": len(numbers), "via": via, "segmentation": segmentation / len(numbers),
            "number_accuracy": right / len(numbers), "digit_accuracy": float(own_right.mean()),
            "expected_number_accuracy": float(expected)}


def _boxes_match(strokes, groups, boxes, pad):
    """True when there is one box a digit, left to right, each holding at least 90% of its own digit's
    ink and the most of it of any box."""
    if len(boxes) != len(groups):
        return False
    for k, group in enumerate(groups):
        ink = render([(np.asarray(strokes[i]["points"], np.float64), strokes[i]["brush"]) for i in group], *pad) > 0
        total = max(int(ink.sum()), 1)
        shares = [ink[y:y + h, x:x + w].sum() / total for x, y, w, h in boxes]
        if int(np.argmax(shares)) != k or shares[k] < 0.9:
            return False
    return True
