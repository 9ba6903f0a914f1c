"""Reading a whole number: from the pad's strokes, or from an image.

Strokes are grouped into digits with ``preprocessing.group_strokes`` (asking the model where
geometry cannot tell), each group is drawn on its own through the pad's brush and prepared
like a single digit, and all the groups are read in one batched ``predict_proba`` call. An
image goes through ``preprocessing.split_image`` the same way. Both answer the same object:
``{"number": "2024", "digits": [{"digit": 2, "confidence": 0.99, "box": [x, y, w, h]}, ...]}``.
"""
import numpy as np

from pad.brush import render
from preprocessing import canvas_from_image, group_strokes, prepare, split_image
from preprocessing.numbers import stroke_boxes

EMPTY = np.zeros(784, np.float32)


def group_inputs(strokes, groups):
    """(len(groups), 784) network inputs, each group's strokes drawn alone on a canvas of its size,
    and their [x, y, w, h] boxes on the pad."""
    boxes = stroke_boxes(strokes)
    images, found = [], []
    for group in groups:
        x0, y0 = np.floor(boxes[group, :2].min(axis=0))
        x1, y1 = np.ceil(boxes[group, 2:].max(axis=0))
        canvas = render([(np.asarray(strokes[i]["points"], np.float64).reshape(-1, 2) - (x0 - 2, y0 - 2),
                          strokes[i]["brush"]) for i in group], int(x1 - x0) + 4, int(y1 - y0) + 4)
        image = prepare(canvas)
        images.append(EMPTY if image is None else image.reshape(-1))
        found.append([int(x0), int(y0), int(x1 - x0), int(y1 - y0)])
    return np.array(images, np.float32).reshape(-1, 784), found


def answer(probabilities, boxes):
    """The number object for per-digit probabilities and boxes, left to right."""
    digits = [{"digit": int(p.argmax()), "confidence": round(float(p.max()), 6), "box": box}
              for p, box in zip(probabilities, boxes)]
    return {"number": "".join(str(d["digit"]) for d in digits), "digits": digits}


def read_strokes(model, strokes):
    """The number written in the pad's strokes ({"brush", "points"} dicts in canvas pixels)."""
    def confidences(groups):
        return model.predict_proba(group_inputs(strokes, groups)[0]).max(axis=1)

    groups = group_strokes(strokes, confidences)
    if not groups:
        return answer([], [])
    images, boxes = group_inputs(strokes, groups)
    return answer(model.predict_proba(images), boxes)


def read_image(model, gray):
    """The number in a grey image of either polarity (dark ink on paper, or a pad's canvas)."""
    canvas = canvas_from_image(gray)

    def inputs(boxes):
        images = [prepare(np.ascontiguousarray(canvas[y:y + h, x:x + w])) for x, y, w, h in boxes]
        return np.array([EMPTY if im is None else im.reshape(-1) for im in images], np.float32).reshape(-1, 784)

    boxes = split_image(gray, lambda boxes: model.predict_proba(inputs(boxes)).max(axis=1))
    return answer(model.predict_proba(inputs(boxes)) if boxes else [], [list(map(int, b)) for b in boxes])
