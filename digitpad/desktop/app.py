"""The pad's behaviour without a window: events in, prediction and frame out.

``digitpad/pad.py`` (``python main.py``) feeds it mouse events and keys from OpenCV and shows ``frame()``;
tests feed it the same events directly.
"""
from dataclasses import replace

import cv2

from digitpad.reading.numbers import read_groups
from mnist_mlp import SURE, ModelError, is_sure, load_model
from mnist_mlp.mnist import DEFAULT_DIR
from mnist_mlp.paths import PERSONAL, SAMPLES
from digitpad.reading import TurnedViews, strokes_reading

from .frame import Prediction, render_frame
from digitpad.personal.samples import SampleError, save_sample
from .state import PadState
from .teach import Teacher

QUIT_KEYS = {ord("q"), 27}  # 27: Esc
UNDO_KEYS = {ord("u"), ord("z")}
BIGGER_KEYS = {ord("+"), ord("=")}  # '=' is '+' without shift on most keyboards
SMALLER_KEYS = {ord("-"), ord("_")}
DELETE_KEYS = {8, 127}  # Backspace, and Delete as some keyboards send it
ENTER_KEYS = {10, 13}
NUMBER_WIDTH = 3  # the number pad is three times as wide as it is tall
SUGGEST_AFTER = 3  # corrections before the pad suggests learning the user's hand
CLEARED = "cleared (u brings it back)"  # said until the next stroke, after which u undoes that stroke


class PadApp:
    """``model`` is the base model; ``personal`` (a model or None) the user's own, adapted from
    the samples with ``t`` and saved in ``personal_dir``; the pad starts with the personal model
    when there is one and ``start_personal`` is true."""

    def __init__(self, model, samples_dir=SAMPLES, threshold=SURE, size=400, brush=26,
                 personal_dir=PERSONAL, personal=None, start_personal=True, replay_dir=DEFAULT_DIR,
                 mode="digit", number_width=None):
        self.base = model
        self.personal = self.with_base_companions(personal)
        self.model = personal if personal is not None and start_personal else model
        self.samples_dir = samples_dir
        self.teacher = Teacher(samples_dir, personal_dir, replay_dir)
        self.corrections = 0
        self.saved = []  # samples saved in this session, the last one last: Backspace takes it back
        self.threshold = threshold
        self.pad_size, self.mode = size, mode
        self.number_width = number_width or NUMBER_WIDTH * size  # digitpad/pad.py narrows it to fit the screen
        self.number, self.groups, self.typed = None, [], ""  # number mode: the reading, and what was typed
        self.digit_images, self.current_digit = [], None
        self.number_cache, self.strokes_read, self.model_read = {}, 0, None  # readings of unchanged digits
        self.state = self._new_state(brush)
        self.prediction = None
        self.predicted_version = self.state.version
        self.show_diagnostics = False
        self.show_help = False
        self.status = ("write a number; type it and press Enter to save its digits" if mode == "number"
                       else "draw a digit with the mouse; h for help")
        if self.using_personal:
            self.status = f"using your personal model ({personal_dir}); p switches to the base model"
        self.running = True
        self.changed = True  # the frame needs redrawing

    # --- events -----------------------------------------------------------
    def _new_state(self, brush):
        wide = self.mode == "number"
        return PadState(self.pad_size, brush, width=self.number_width if wide else None)

    def mouse_down(self, x, y):
        if 0 <= x < self.state.width and 0 <= y < self.state.size:
            self.state.pen_down(x, y)
            self.show_help = False  # drawing under the overlay would be drawing blind
            if self.status == CLEARED:  # u now takes back this stroke, not the clear
                self.status = ""
            self.changed = True

    def mouse_move(self, x, y):
        if self.state.drawing:
            self.state.pen_move(x, y)
            self.changed = True

    def mouse_up(self):
        self.state.pen_up()

    def key(self, code):
        """Act on a key code as cv2.waitKey gives it (already masked to 8 bits)."""
        self.changed = True
        if code in QUIT_KEYS:
            self.running = False
        elif code == ord("c"):
            self.state.clear()
            self.status = CLEARED
        elif code in DELETE_KEYS and self.typed:
            self.typed = self.typed[:-1]
            self.status = f"typed: {self.typed or '(nothing)'}; Enter saves"
        elif code in DELETE_KEYS:
            self.delete_last_sample()
        elif code == ord("n"):
            self.switch_mode()
        elif self.mode == "number" and ord("0") <= code <= ord("9"):
            self.typed += chr(code)
            self.status = f"typed: {self.typed}; Enter saves each digit as a sample, Backspace takes one back"
        elif self.mode == "number" and code in ENTER_KEYS:
            self.save_number()
        elif self.mode == "number" and code == ord("s"):
            self.status = "in number mode, type the number you wrote, then press Enter"
        elif code in UNDO_KEYS:
            undone = self.state.undo()
            self.status = {"stroke": "undid the last stroke", "clear": "the drawing is back (undid the clear)",
                           None: "nothing to undo"}[undone]
        elif ord("0") <= code <= ord("9"):
            self.save(code - ord("0"))
        elif code == ord("s"):
            self.save_predicted()
        elif code in BIGGER_KEYS or code in SMALLER_KEYS:
            size = self.state.change_brush(1 if code in BIGGER_KEYS else -1)
            self.status = f"brush {size} px"
        elif code == ord("d"):
            self.show_diagnostics = not self.show_diagnostics
        elif code == ord("h"):
            self.show_help = not self.show_help
        elif code == ord("t"):  # while the pad asks about samples that look mislabelled: learn from them all
            self.status = self.teacher.start(self.base, () if self.teacher.asking else None)
        elif code == ord("x") and self.teacher.asking:  # ... or leave them out
            self.status = self.teacher.start(self.base, self.teacher.suspects)
        elif code == ord("p"):
            self.switch_model()
        else:
            self.changed = False

    def switch_mode(self):
        """Between one digit on a square pad and a whole number on a wide one (the drawing is cleared)."""
        self.mode = "number" if self.mode == "digit" else "digit"
        self.state = self._new_state(self.state.brush)
        self.prediction, self.number, self.groups, self.typed = None, None, [], ""
        self.predicted_version = None
        self.status = ("number mode: write a number; type it and press Enter to save its digits; n: one digit"
                       if self.mode == "number" else "digit mode: draw one digit; n: a whole number")

    def save_number(self):
        """Save each digit of the number on the pad as a sample labelled with the typed digit; nothing
        at all when the typed digits and the digits on the pad differ in number."""
        self.update()
        if not self.groups:
            self.status = "nothing to save: write a number first"
            return []
        if len(self.typed) != len(self.groups):
            self.status = (f"you typed {len(self.typed)} digits ({self.typed or 'none'}) but the pad holds "
                           f"{len(self.groups)}; nothing saved (Backspace edits what you typed)")
            return []
        paths = []
        for group, label, image in zip(self.groups, self.typed, self.digit_images):
            record = {"canvas_size": [self.state.width, self.state.size], "strokes": self.state.stroke_dicts(group)}
            try:
                paths.append(save_sample(self.samples_dir, int(label), image, record))
            except SampleError as e:
                self.saved.extend(paths)
                self.status = f"NOT SAVED after {len(paths)} of {len(self.groups)} digits: {e}"
                return paths
        misread = sum(d["digit"] != int(t) for d, t in zip(self.number["digits"], self.typed))
        self.corrections += misread
        self.saved.extend(paths)
        self.status = f"saved {self.typed} as {len(paths)} samples" + (
            f" ({misread} read otherwise: {self.corrections} corrections)" if misread else "")
        self.state.clear(undoable=False)
        self.typed = ""
        return paths

    @property
    def using_personal(self):
        return self.model is not self.base

    def with_base_companions(self, personal):
        """``personal`` reading what the base model's companions read (the pen's path: digitpad.reading)
        where it has none of its own: adapting to a hand teaches the picture network only."""
        if personal is not None and not personal.companions:
            personal.companions = dict(self.base.companions)
        return personal

    @property
    def views(self):
        """The model in use, read as every drawing is read (reading, mnist_mlp.views)."""
        return TurnedViews(self.model)

    def switch_model(self):
        """Between the base and the personal model, predicting the same drawing again."""
        if self.personal is None:
            self.status = "no personal model yet: save samples with the digit keys, then press t"
            return
        self.model = self.base if self.using_personal else self.personal
        self.predicted_version = None
        self.status = "using your personal model" if self.using_personal else "using the base model"

    # --- work -------------------------------------------------------------
    def update(self):
        """Take news from a running adaptation, and predict again if the ink changed since the
        last prediction (at most once a frame)."""
        news = self.teacher.poll()
        if news is not None:
            self.status, finished = news
            self.changed = True
            if finished is not None:
                try:
                    self.personal = self.model = self.with_base_companions(load_model(finished))
                    self.predicted_version = None
                except ModelError as e:
                    self.status = f"the personal model did not load: {e}"
        if self.state.version == self.predicted_version:
            return
        self.predicted_version = self.state.version
        if self.mode == "number":
            self.read_number()
            return
        self.prediction = None
        if not self.state.empty:
            # The network reads the strokes redrawn at the width that suits their size, so the
            # brush the user picked does not decide; the diagnostics show the ink as drawn.
            read = strokes_reading(self.views, [(s.points, s.thickness) for s in self.state.strokes])
            if read is not None:
                probabilities, image, info = read
                info = replace(info, bbox=cv2.boundingRect(self.state.canvas))
                self.prediction = Prediction(probabilities, image, info)
        self.changed = True

    def read_number(self):
        """Read every digit on the number pad (one batched prediction); the bars show the digit that
        holds the last stroke, the one under the pen or last written."""
        if len(self.state.strokes) < self.strokes_read or self.model is not self.model_read:
            self.number_cache = {}  # strokes were undone or cleared, or the model changed: read afresh
        self.strokes_read, self.model_read = len(self.state.strokes), self.model
        self.groups, self.number, images, probabilities = read_groups(
            self.model, self.state.stroke_dicts(), self.number_cache, threshold=self.threshold)
        self.digit_images = images
        if "error" in self.number:
            self.status = f"{self.number['error']}; c clears the pad"
        last = len(self.state.strokes) - 1
        current = self.current_digit = next((k for k, g in enumerate(self.groups) if last in g), None)
        self.prediction = None if current is None else Prediction(probabilities[current], images[current], None)
        self.changed = True

    def save(self, label=None):
        """Save the drawing as a labelled sample (label None: the predicted digit) and clear the pad."""
        self.update()
        if self.prediction is None:
            self.status = "nothing to save: the pad is empty"
            return None
        corrected = label is not None and label != self.prediction.guess
        label = self.prediction.digit if label is None else label
        try:
            path = save_sample(self.samples_dir, label, self.prediction.image, self.state.strokes_json())
        except SampleError as e:
            self.status = f"NOT SAVED: {e}"
            return None
        self.state.clear(undoable=False)
        self.saved.append(path)
        self.status = f"saved {label} as {path}"
        if corrected:
            self.corrections += 1
            read_as = "no digit" if self.prediction.guess is None else self.prediction.guess
            self.status = (f"saved {label} (read as {read_as}): {self.corrections} "
                           f"correction{'s' if self.corrections > 1 else ''}"
                           + ("; press t to teach the pad your hand" if self.corrections >= SUGGEST_AFTER else ""))
        return path

    def delete_last_sample(self):
        """Remove the last sample saved in this session (its PNG and JSON); older ones are never touched."""
        if not self.saved:
            self.status = "no sample saved in this session to delete"
            return None
        path = self.saved.pop()
        try:
            path.unlink(missing_ok=True)
            path.with_suffix(".json").unlink(missing_ok=True)
        except OSError as e:
            self.status = f"could not delete {path}: {e.strerror or e}"
            return None
        self.status = f"deleted the last sample, {path.parent.name}: {path.name}"
        return path

    def save_predicted(self):
        self.update()
        if self.prediction is not None and not is_sure(self.prediction.probabilities, self.threshold):
            self.status = "not saved: it does not look like a digit (its digit key saves it anyway)"
            return None
        return self.save()

    def frame(self):
        self.changed = False
        return render_frame(self.state.canvas, self.prediction, threshold=self.threshold, status=self.status,
                            number=self.number if self.mode == "number" else None, current=self.current_digit,
                            brush=self.state.brush, model_name="personal" if self.using_personal else "base",
                            show_diagnostics=self.show_diagnostics,
                            show_help=self.show_help)
