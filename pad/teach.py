"""Teaching the pad a person's hand in the background, while the pad keeps drawing.

``Teacher.start`` checks the saved samples at once (too few: it says which digits it needs
and does nothing), then adapts in a thread with ``personal.adapt`` and saves the personal
model atomically to its own folder. The pad polls ``Teacher.poll`` once a frame.
"""
import threading
from pathlib import Path

from mnist_mlp import save_model
from mnist_mlp.model_io import MANIFEST
from personal.adapt import HOLD_OUT_FROM, SUGGESTED_PER_DIGIT, adapt, missing, needs_text, replay_data

from .samples import SampleError, load_stroke_samples


def writable_model_dir(path):
    """None if ``path`` may receive a model (missing, empty, or already a model), else why not:
    a folder that holds anything else is never replaced."""
    path = Path(path)
    if not path.exists():
        return None
    if not path.is_dir():
        return f"{path} is a file, not a model folder"
    if (path / MANIFEST).is_file() or not any(path.iterdir()):
        return None
    return f"{path} holds files that are not a model; move them or choose another folder"


class Teacher:
    """One adaptation at a time. ``poll()`` gives (text, finished model path or None) when
    something changed since the last poll, else None."""

    def __init__(self, samples_dir, personal_dir, replay_dir):
        self.samples_dir = Path(samples_dir)
        self.personal_dir = Path(personal_dir)
        self.replay_dir = replay_dir
        self.thread = None
        self.lock = threading.Lock()
        self.news = None

    @property
    def busy(self):
        return self.thread is not None and self.thread.is_alive()

    def start(self, base):
        """Begin adapting ``base`` to the saved samples; returns the text to show now."""
        if self.busy:
            return "already learning your hand; it goes on while you draw"
        problem = writable_model_dir(self.personal_dir)
        if problem:
            return f"cannot save a personal model: {problem}"
        try:
            samples, problems = load_stroke_samples(self.samples_dir)
        except SampleError as e:
            return f"no samples yet ({e}): save some with the digit keys, then press t"
        short = missing(samples)
        if short:
            return (f"to learn your hand it needs {needs_text(short)} (press the digit key after drawing; "
                    f"{SUGGESTED_PER_DIGIT} of each is best)")
        skipped = f"; {len(problems)} unreadable skipped" if problems else ""
        self.thread = threading.Thread(target=self._run, args=(base, samples), daemon=True)
        self.thread.start()
        return f"learning your hand from {len(samples)} samples{skipped}..."

    def _run(self, base, samples):
        try:
            self._tell("loading the digits it rehearses (MNIST)...")
            x_replay, y_replay = replay_data(self.replay_dir, log=self._tell)
            adapted = adapt(base, samples, x_replay, y_replay, progress=lambda f, text: self._tell(text))
            save_model(adapted.model, self.personal_dir, info={"personal": {
                "base": base.manifest.get("saved_at"), "samples": adapted.trained_on,
                "held_out": adapted.held_out, "before": adapted.before, "after": adapted.after,
                "seconds": round(adapted.seconds, 2)}})
        except Exception as e:  # the thread must always report back, whatever failed
            self._tell(f"could not learn your hand: {e}")
            return
        if adapted.held_out:
            measured = (f"your {adapted.held_out} held-out samples {100 * adapted.before:.0f}% -> "
                        f"{100 * adapted.after:.0f}%")
        else:
            measured = f"save {HOLD_OUT_FROM} of a digit to have it measured"
        self._tell(f"learnt your hand in {adapted.seconds:.1f} s: {measured}; using it now (p: base model)",
                   self.personal_dir)

    def _tell(self, text, finished=None):
        with self.lock:
            self.news = (text, finished)

    def poll(self):
        with self.lock:
            news, self.news = self.news, None
        return news
