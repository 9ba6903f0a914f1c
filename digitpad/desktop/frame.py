"""The window's picture as a pure function of what to show: pad, bars, diagnostics, status.

Layout (pixels): the pad at the left; a 320-wide panel at its right with the
predicted digit, ten probability bars and, toggled, the network's-eye view;
a status bar along the bottom; the help overlay over everything.
"""
from dataclasses import dataclass

import cv2
import numpy as np

from mnist_mlp import SURE, is_sure
from digitpad.reading import best_guess

PANEL_WIDTH = 320
PANEL_MIN_HEIGHT = 400
STATUS_HEIGHT = 26
BAR_TOP, BAR_ROW = 104, 19
BAR_LEFT, BAR_LENGTH, BAR_THICKNESS = 34, 200, 13
DIAG_TOP, DIAG_ZOOM = 300, 3
HELP_ROW = 23  # pixels between the help's lines: all of them fit above the status bar

BACKGROUND = (38, 34, 30)
TEXT = (235, 235, 235)
DIM = (150, 150, 150)
TRACK = (70, 64, 58)
BAR = (190, 150, 90)
TOP_BAR = (90, 200, 110)
UNSURE = (60, 170, 240)
BOX = (0, 200, 255)
FONT = cv2.FONT_HERSHEY_SIMPLEX

HELP = [
    ("draw", "hold the left mouse button"),
    ("c", "clear the pad"),
    ("u / z", "undo the last stroke or clear"),
    ("0 - 9", "save the drawing with that label"),
    ("Backspace", "delete the last saved sample"),
    ("s", "save it with the predicted label"),
    ("+ / -", "thicker / thinner brush"),
    ("n", "number mode: a whole number"),
    ("d", "show what the network sees"),
    ("t", "learn your hand from saved samples"),
    ("p", "personal / base model"),
    ("h", "show / hide this help"),
    ("q / Esc", "quit"),
]


@dataclass(frozen=True)
class Prediction:
    """The network's answer for the current drawing and the input it was given."""
    probabilities: np.ndarray  # (10,), sums to 1
    image: np.ndarray  # (28, 28) float in [0, 1]
    info: object  # digitpad.preprocessing.InkInfo

    @property
    def digit(self):
        return int(np.argmax(self.probabilities))

    @property
    def confidence(self):
        return float(np.max(self.probabilities))

    @property
    def guess(self):
        """The digit likelier than every other, or None (digitpad.reading.best_guess)."""
        return best_guess(self.probabilities)


def frame_size(pad_size, pad_width=None):
    """(width, height) of the whole frame for a pad of this height (and width, if not square)."""
    return (pad_width or pad_size) + PANEL_WIDTH, max(pad_size, PANEL_MIN_HEIGHT) + STATUS_HEIGHT


def bar_row_y(digit):
    """Top edge of digit's bar, in panel coordinates."""
    return BAR_TOP + digit * BAR_ROW


def render_frame(canvas, prediction, *, threshold=SURE, status="", brush=0, model_name="base",
                 show_diagnostics=False, show_help=False, number=None, current=None):
    """The BGR frame for a uint8 canvas and the prediction for it (None when empty). ``number``, in
    number mode, is the number object (digitpad.reading.numbers) of what is on the pad: each digit gets a box
    with its reading, the whole number shows in large type, and ``prediction`` is the digit under
    the pen or last written (``current``, its index)."""
    size, pad_width = canvas.shape
    width, height = frame_size(size, pad_width)
    frame = np.empty((height, width, 3), np.uint8)
    frame[...] = BACKGROUND
    frame[:size, :pad_width] = canvas[:, :, None]
    if prediction is None and not canvas.any():
        hint = "write a number here" if number is not None else "draw here"
        _text(frame, hint, (pad_width // 2 - 12 * len(hint) // 2, size // 2 + 6), 0.7, TRACK, 1)
    if show_diagnostics and prediction is not None and prediction.info is not None:
        x, y, w, h = prediction.info.bbox
        cv2.rectangle(frame, (x, y), (x + w - 1, y + h - 1), BOX, 1)
    if number is not None:
        _draw_number_boxes(frame, number)
    panel = frame[:height - STATUS_HEIGHT, pad_width:]
    if number is not None and number["digits"]:
        _draw_number(panel, number, current)
    else:
        _draw_answer(panel, prediction, threshold)
    _draw_bars(panel, prediction)
    if show_diagnostics:
        _draw_diagnostics(panel, prediction)
    _draw_status(frame[height - STATUS_HEIGHT:], status, brush, model_name)
    if show_help:
        _draw_help(frame)
    return frame


def _text(img, text, org, scale=0.5, color=TEXT, thickness=1):
    cv2.putText(img, text, org, FONT, scale, color, thickness, cv2.LINE_AA)


def _draw_answer(panel, prediction, threshold):
    cv2.line(panel, (0, 0), (0, panel.shape[0]), TRACK, 1)
    if prediction is None:
        _text(panel, "draw a digit", (20, 55), 0.8, DIM, 1)
        return
    sure = is_sure(prediction.probabilities, threshold)
    _text(panel, str(prediction.digit) if sure else "?", (20, 82), 2.6, TOP_BAR if sure else UNSURE, 5)
    if sure:
        _text(panel, f"{100 * prediction.confidence:.1f}% sure", (100, 50), 0.7)
    else:
        _text(panel, "not a digit?", (100, 50), 0.7, UNSURE)
        guess = (f"best guess {prediction.guess}: {100 * prediction.confidence:.0f}%" if prediction.guess is not None
                 else "no best guess")
        _text(panel, guess, (100, 76), 0.5, DIM)


def _draw_number_boxes(frame, number):
    """A thin box around each digit on the pad, with what it reads as ('?' when unsure)."""
    for d in number["digits"]:
        x, y, w, h = d["box"]
        sure = d["sure"]
        cv2.rectangle(frame, (x, y), (x + w - 1, y + h - 1), BOX if sure else UNSURE, 1)
        _text(frame, str(d["digit"]) if sure else "?", (x + 2, max(14, y - 6)), 0.6, TOP_BAR if sure else UNSURE, 2)


def _draw_number(panel, number, current):
    """The whole number in large type, as big as fits the panel, and which digit the bars are of."""
    cv2.line(panel, (0, 0), (0, panel.shape[0]), TRACK, 1)
    text = number["number"]  # "?" for a digit under the threshold (digitpad.reading.numbers)
    scale = min(2.2, 280 / max(1, cv2.getTextSize(text, FONT, 1.0, 4)[0][0]))
    _text(panel, text, (16, 72), scale, TOP_BAR if "?" not in text else UNSURE, 4 if scale > 1 else 2)
    if current is not None:
        _text(panel, f"bars: digit {current + 1} of {len(number['digits'])}", (16, 96), 0.45, DIM)


def _draw_bars(panel, prediction):
    probabilities = np.zeros(10) if prediction is None else prediction.probabilities
    top = None if prediction is None else prediction.guess
    for digit, p in enumerate(probabilities):
        y = bar_row_y(digit)
        color = TOP_BAR if digit == top else BAR
        _text(panel, str(digit), (14, y + BAR_THICKNESS - 1), 0.5, TEXT if digit == top else DIM)
        cv2.rectangle(panel, (BAR_LEFT, y), (BAR_LEFT + BAR_LENGTH - 1, y + BAR_THICKNESS - 1), TRACK, -1)
        filled = int(round(float(p) * BAR_LENGTH))
        if filled:
            cv2.rectangle(panel, (BAR_LEFT, y), (BAR_LEFT + filled - 1, y + BAR_THICKNESS - 1), color, -1)
        if prediction is not None:
            _text(panel, f"{100 * p:5.1f}%", (BAR_LEFT + BAR_LENGTH + 8, y + BAR_THICKNESS - 1), 0.45,
                  TEXT if digit == top else DIM)


def _draw_diagnostics(panel, prediction):
    side = 28 * DIAG_ZOOM
    x0, y0 = 14, DIAG_TOP
    cv2.rectangle(panel, (x0 - 1, y0 - 1), (x0 + side, y0 + side), TRACK, 1)
    if prediction is None:
        _text(panel, "network input: empty pad", (x0 + side + 12, y0 + 16), 0.45, DIM)
        return
    pixels = np.rint(prediction.image * 255).astype(np.uint8)
    zoomed = cv2.resize(pixels, (side, side), interpolation=cv2.INTER_NEAREST)
    panel[y0:y0 + side, x0:x0 + side] = zoomed[:, :, None]
    info = prediction.info
    lines = ["network input 28x28"]
    if info is None:  # a digit of a number: read from its own strokes, it has no box on the pad
        lines.append("of the digit last written")
    else:
        x, y, w, h = info.bbox
        lines += [f"ink box {w}x{h} at ({x},{y})",
                  f"mass offset {info.com_offset[0]:+.1f}, {info.com_offset[1]:+.1f} px",
                  f"ink density {100 * info.density:.1f}%"]
    for i, line in enumerate(lines):
        _text(panel, line, (x0 + side + 10, y0 + 14 + 21 * i), 0.42, TEXT if i else DIM)


def _draw_status(bar, status, brush, model_name):
    bar[...] = (24, 22, 20)
    right = f"{model_name} model   brush {brush}px   h: help"
    (w, _), _ = cv2.getTextSize(right, FONT, 0.45, 1)
    lines, scale, beside = status_lines(status, bar.shape[1] - w - 24, bar.shape[1] - 16)
    if beside:
        _text(bar, right, (bar.shape[1] - w - 8, 18), 0.45, DIM)
    for i, line in enumerate(lines):
        _text(bar, line, (8, 18 if len(lines) == 1 else 11 + 12 * i), scale)


def status_lines(text, beside, whole):
    """The status ``text`` as it fits the bar: (lines, font scale, whether the model and brush still
    fit beside it). One line in the ``beside`` pixels left of them, else one line across the
    ``whole`` bar, else two smaller lines, cut with '...' only when even they cannot hold it."""
    wide = cv2.getTextSize(text, FONT, 0.45, 1)[0][0]
    if wide <= whole:
        return [text], 0.45, wide <= beside
    lines = [""]
    for word in text.split(" "):
        joined = f"{lines[-1]} {word}".strip()
        if cv2.getTextSize(joined, FONT, 0.36, 1)[0][0] <= whole or not lines[-1]:
            lines[-1] = joined
        else:
            lines.append(word)
    if len(lines) > 2:
        lines = [lines[0], _fit(" ".join(lines[1:]), whole, 0.36)]
    return lines, 0.36, False


def _fit(text, width, scale):
    """``text``, cut short with '...' where it would be wider than ``width`` pixels."""
    if cv2.getTextSize(text, FONT, scale, 1)[0][0] <= width:
        return text
    while text and cv2.getTextSize(text + "...", FONT, scale, 1)[0][0] > width:
        text = text[:-1]
    return text + "..."


def _draw_help(frame):
    frame //= 5
    h, w = frame.shape[:2]
    box = (12, 12), (min(w - 12, 470), h - STATUS_HEIGHT - 12)
    cv2.rectangle(frame, *box, BACKGROUND, -1)
    cv2.rectangle(frame, *box, TRACK, 1)
    x0, y0 = 40, 44
    _text(frame, "Keys", (x0, y0), 0.8, TEXT, 2)
    for i, (key, what) in enumerate(HELP):
        y = y0 + 30 + HELP_ROW * i
        _text(frame, key, (x0, y), 0.6, TOP_BAR, 1)
        _text(frame, what, (x0 + 130, y), 0.6, TEXT, 1)
    _text(frame, "press h to close", (x0, y0 + 30 + HELP_ROW * len(HELP) + 5), 0.5, DIM)
