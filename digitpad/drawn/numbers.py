"""Numbers for the benchmark: pen digits of one writer laid out as a number on a wide pad
(``make_numbers``), and how well ``digitpad.reading.numbers`` reads them (``evaluate_numbers``).
"""
import numpy as np

from mnist_mlp.views import TURN, reader
from digitpad.preprocessing.strokes import render
from digitpad.reading import path_reading
from digitpad.reading.numbers import best_number, group_inputs, read_groups, read_image

MATCHED = 0.6  # of a digit's ink in its own box, for the number to be cut right (see _boxes_match)


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
    """How well numbers are read: grouping right, number right (its best reading), sure, sure and
    right, sure and wrong, digits right (each digit read from its own strokes), and the number
    accuracy the digit accuracy alone predicts (each number's product of its digits' per-class
    accuracies, averaged).
    ``via``: "strokes" as the pad reads them, "image" the pad's picture as predict.py --number reads
    it, "cut" that picture cut down to the ink with 1-5 pixels of paper (in turn) round it."""
    own_right, own_labels, segmentation, right, sure, sure_right = [], [], 0, 0, 0, 0
    digit_reader = reader(model, turn)
    for index, (strokes, labels, groups) in enumerate(numbers):
        images, _ = group_inputs(strokes, groups)
        own = digit_reader.predict_proba(images)
        if via == "strokes":  # as the pad reads a digit alone: its picture and its path
            own = path_reading(digit_reader, own, [[strokes[i]["points"] for i in g] for g in groups])
        own_right.extend(own.argmax(axis=1) == labels)
        own_labels.extend(labels)
        if via == "strokes":
            found, read, _, _ = read_groups(model, strokes, turn=turn)
            segmented = found == groups
        else:
            canvas = render([(np.asarray(s["points"], np.float64), s["brush"]) for s in strokes], *pad)
            x0, y0 = 0, 0
            if via == "cut":
                ys, xs = np.nonzero(canvas)
                margin = 1 + index % 5
                x0, y0 = max(0, xs.min() - margin), max(0, ys.min() - margin)
                canvas = canvas[y0:ys.max() + margin + 1, x0:xs.max() + margin + 1]
            read = read_image(model, 255 - canvas, turn)
            boxes = [(x + x0, y + y0, w, h) for x, y, w, h in (d["box"] for d in read["digits"])]
            segmented = _boxes_match(strokes, groups, boxes, pad)
        segmentation += segmented
        guess = best_number(read)  # sure or not
        right += segmented and guess == "".join(map(str, labels))
        sure += read["sure"]
        sure_right += read["sure"] and segmented and guess == "".join(map(str, labels))
    own_right, own_labels = np.array(own_right), np.array(own_labels)
    per_class = {c: own_right[own_labels == c].mean() for c in np.unique(own_labels)}
    expected = np.mean([np.prod([per_class[c] for c in labels]) for _, labels, _ in numbers])
    return {"numbers": len(numbers), "via": via, "segmentation": segmentation / len(numbers),
            "number_accuracy": right / len(numbers), "sure": sure / len(numbers),
            "sure_and_right": sure_right / len(numbers), "sure_and_wrong": (sure - sure_right) / len(numbers),
            "digit_accuracy": float(own_right.mean()),
            "expected_number_accuracy": float(expected)}


def _boxes_match(strokes, groups, boxes, pad):
    """True when there is one box a digit, left to right, each holding more of its own digit's ink than
    any other box does, and at least MATCHED of it: a cut between digits that touch or overlap leaves
    some of one digit's ink in its neighbour's box, as a person cutting them would."""
    if len(boxes) != len(groups):
        return False
    for k, group in enumerate(groups):
        ink = render([(np.asarray(strokes[i]["points"], np.float64), strokes[i]["brush"]) for i in group], *pad) > 0
        total = max(int(ink.sum()), 1)
        shares = [ink[y:y + h, x:x + w].sum() / total for x, y, w, h in boxes]
        if int(np.argmax(shares)) != k or shares[k] < MATCHED:
            return False
    return True
