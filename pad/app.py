"""The pad's behaviour without a window: events in, prediction and frame out.

``main.py`` feeds it mouse events and keys from OpenCV and shows ``frame()``;
tests feed it the same events directly.
"""
from mnist_mlp import ModelError, load_model
from mnist_mlp.mnist import DEFAULT_DIR
from preprocessing import prepare_with_info

from .frame import Prediction, render_frame
from .samples import SampleError, save_sample
from .state import PadState
from .teach import Teacher

QUIT_KEYS = {ord("q"), 27}  # 27: Esc
UNDO_KEYS = {ord("u"), ord("z")}
BIGGER_KEYS = {ord("+"), ord("=")}  # '=' is '+' without shift on most keyboards
SMALLER_KEYS = {ord("-"), ord("_")}
DELETE_KEYS = {8, 127}  # Backspace, and Delete as some keyboards send it
SUGGEST_AFTER = 3  # corrections before the pad suggests learning the user's hand


class PadApp:
    """``model`` is the base model; ``personal`` (a model or None) the user's own, adapted from
    the samples with ``t`` and saved in ``personal_dir``; the pad starts with the personal model
    when there is one and ``start_personal`` is true."""

    def __init__(self, model, samples_dir="samples", threshold=0.5, size=400, brush=26,
                 personal_dir="weights-personal", personal=None, start_personal=True, replay_dir=DEFAULT_DIR):
        self.base = model
        self.personal = personal
        self.model = personal if personal is not None and start_personal else model
        self.samples_dir = samples_dir
        self.teacher = Teacher(samples_dir, personal_dir, replay_dir)
        self.corrections = 0
        self.saved = []  # samples saved in this session, the last one last: Backspace takes it back
        self.threshold = threshold
        self.state = PadState(size, brush)
        self.prediction = None
        self.predicted_version = self.state.version
        self.show_diagnostics = False
        self.show_help = False
        self.status = "draw a digit with the mouse; h for help"
        if self.using_personal:
            self.status = f"using your personal model ({personal_dir}); p switches to the base model"
        self.running = True
        self.changed = True  # the frame needs redrawing

    # --- events -----------------------------------------------------------
    def mouse_down(self, x, y):
        if 0 <= x < self.state.size and 0 <= y < self.state.size:
            self.state.pen_down(x, y)
            self.show_help = False  # drawing under the overlay would be drawing blind
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
            self.status = "cleared (u brings it back)"
        elif code in DELETE_KEYS:
            self.delete_last_sample()
        elif code in UNDO_KEYS:
            self.status = "undid the last stroke" if self.state.undo() else "nothing to undo"
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
        elif code == ord("t"):
            self.status = self.teacher.start(self.base)
        elif code == ord("p"):
            self.switch_model()
        else:
            self.changed = False

    @property
    def using_personal(self):
        return self.model is not self.base

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
                    self.personal = self.model = load_model(finished)
                    self.predicted_version = None
                except ModelError as e:
                    self.status = f"the personal model did not load: {e}"
        if self.state.version == self.predicted_version:
            return
        self.predicted_version = self.state.version
        image, info = prepare_with_info(self.state.canvas)
        if image is None:
            self.prediction = None
        else:
            self.prediction = Prediction(self.model.predict_proba(image)[0], image, info)
        self.changed = True

    def save(self, label=None):
        """Save the drawing as a labelled sample (label None: the predicted digit) and clear the pad."""
        self.update()
        if self.prediction is None:
            self.status = "nothing to save: the pad is empty"
            return None
        corrected = label is not None and label != self.prediction.digit
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
            self.status = (f"saved {label} (read as {self.prediction.digit}): {self.corrections} "
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
        if self.prediction is not None and self.prediction.confidence < self.threshold:
            self.status = "not sure what this is: press its digit key to save it with a label"
            return None
        return self.save()

    def frame(self):
        self.changed = False
        return render_frame(self.state.canvas, self.prediction, threshold=self.threshold, status=self.status,
                            brush=self.state.brush, model_name="personal" if self.using_personal else "base",
                            show_diagnostics=self.show_diagnostics,
                            show_help=self.show_help)
