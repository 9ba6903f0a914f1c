"""Teaching the pad a person's hand in the background, while the pad keeps drawing.

``Teacher.start`` checks the saved samples at once (too few: it says which digits it needs
and does nothing), then adapts with ``personal.adapt`` in a child process and saves the
personal model atomically to its own folder. A process rather than a thread, so that the
pad's frames never wait for the adaptation's Python code, and at a lower priority, so that
drawing stays smooth on a machine with few cores. The pad polls ``Teacher.poll`` once a frame.
"""
import ctypes
import multiprocessing
import os
import queue
import signal
from pathlib import Path

from mnist_mlp import MLP, save_model
from mnist_mlp.model_io import replace_problem
from personal.adapt import SUGGESTED_PER_DIGIT, adapt, missing, needs_text, replay_data

from personal.samples import SampleError, load_stroke_samples


class Teacher:
    """One adaptation at a time. ``poll()`` gives (text, finished model path or None) when
    something changed since the last poll, else None."""

    def __init__(self, samples_dir, personal_dir, replay_dir):
        self.samples_dir = Path(samples_dir)
        self.personal_dir = Path(personal_dir)
        self.replay_dir = replay_dir
        self.process = None
        self.news = None

    @property
    def busy(self):
        return self.process is not None and self.process.is_alive()

    def start(self, base):
        """Begin adapting ``base`` to the saved samples; returns the text to show now."""
        if self.busy:
            return "already learning your hand; it goes on while you draw"
        problem = replace_problem(self.personal_dir)
        if problem:
            return f"cannot save a personal model: {problem}"
        try:
            samples, problems = load_stroke_samples(self.samples_dir)
        except SampleError:
            return "no samples yet: draw a digit, press its key to save it, and t once you have some"
        short = missing(samples)
        if short:
            return (f"to learn your hand it needs {needs_text(short)} (press the digit key after drawing; "
                    f"{SUGGESTED_PER_DIGIT} of each is best)")
        context = multiprocessing.get_context("spawn")  # a clean interpreter: no window or GUI threads
        self.news = context.Queue()
        self.process = context.Process(target=teach, daemon=True, args=(
            base.arrays(), base.manifest.get("saved_at"), samples, self.personal_dir, self.replay_dir, self.news))
        self.process.start()
        skipped = f"; {len(problems)} unreadable skipped" if problems else ""
        return f"learning your hand from {len(samples)} samples{skipped}..."

    def poll(self):
        """The latest news from the adaptation since the last poll, or None."""
        latest = None
        while self.news is not None:
            try:
                latest = self.news.get_nowait()
            except queue.Empty:
                break
        if latest is None and self.process is not None and not self.process.is_alive():
            if self.process.exitcode != 0:
                latest = (f"could not learn your hand: the adaptation stopped (exit code {self.process.exitcode})",
                          None)
            self.process = None
        return latest


def teach(arrays, base_saved_at, samples, personal_dir, replay_dir, news):
    """The child process: adapt, save the personal model atomically, and put (text, path or None)
    news on the queue as it goes; the last news says how it ended."""
    _die_with_parent()
    os.nice(10)

    def tell(text, finished=None):
        news.put((text, finished))

    try:
        tell("loading the digits it rehearses (MNIST)...")
        base = MLP.from_arrays(arrays)
        x_replay, y_replay = replay_data(replay_dir, log=tell)
        adapted = adapt(base, samples, x_replay, y_replay, progress=lambda f, text: tell(text))
        save_model(adapted.model, personal_dir, info={"personal": {
            "base_saved_at": base_saved_at, "samples": adapted.trained_on,
            "held_out": adapted.held_out, "before": adapted.before, "after": adapted.after,
            "seconds": round(adapted.seconds, 2)}})
    except Exception as e:  # the pad must always hear how it ended
        tell(f"could not learn your hand: {e}")
        return
    measured = (f": your {adapted.held_out} held-out samples {100 * adapted.before:.0f}% -> "
                f"{100 * adapted.after:.0f}%" if adapted.held_out else "")
    tell(f"learnt your hand in {adapted.seconds:.0f} s{measured}; now in use (p: base model)", personal_dir)


def _die_with_parent():
    """Ask Linux to end this process when the pad ends, however it ends (elsewhere: no-op)."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
