"""Teaching the pad a person's hand in the background, while the pad keeps drawing.

``Teacher.start`` counts the saved samples at once, without reading them (too few: it says which
digits it needs and does nothing), then reads the most recent MAX_PER_DIGIT of each digit and adapts
with ``digitpad.personal.adapt`` in a child process, and saves the personal model atomically to its own folder.
Before adapting, samples the base model reads confidently as another digit are shown ("your 9 saved at
10:42 looks like a 4 to me"): ``t`` again learns from them all, ``x`` leaves them out. A personal
model that reads the held-out samples worse than the base model is not used. A process rather than a thread, so that the
pad's frames never wait for the adaptation's Python code, and at a lower priority, so that
drawing stays smooth on a machine with few cores. The pad polls ``Teacher.poll`` once a frame.
"""
import ctypes
import multiprocessing
import os
import queue
import signal
import time
from pathlib import Path

from mnist_mlp import MLP, save_model
from mnist_mlp.model_io import replace_problem
from digitpad.personal.adapt import (MAX_PER_DIGIT, SUGGESTED_PER_DIGIT, adapt, missing, needs_text, replay_data,
                                     suspects, thinned)
from digitpad.personal.samples import SampleError, load_stroke_samples, stroke_sample_counts


class Teacher:
    """One adaptation at a time. ``poll()`` gives (text, finished model path or None) when
    something changed since the last poll, else None."""

    def __init__(self, samples_dir, personal_dir, replay_dir):
        self.samples_dir = Path(samples_dir)
        self.personal_dir = Path(personal_dir)
        self.replay_dir = replay_dir
        self.process = None
        self.news = None
        self.suspects = None  # paths of samples that look mislabelled, while the pad asks what to do

    @property
    def asking(self):
        """True while the pad asks whether to leave out samples that look mislabelled."""
        return self.suspects is not None

    @property
    def busy(self):
        return self.process is not None and self.process.is_alive()

    def start(self, base, leave_out=None):
        """Begin adapting ``base`` to the saved samples; returns the text to show now. The first
        time, samples that look mislabelled stop it with a question; then ``leave_out`` is what the
        user chose to leave out (empty: learn from them all)."""
        if self.busy:
            return "already learning your hand; it goes on while you draw"
        problem = replace_problem(self.personal_dir)
        if problem:
            return f"cannot save a personal model: {problem}"
        try:
            counts = stroke_sample_counts(self.samples_dir)  # file names only: the reading is the child's
        except SampleError:
            return "no samples yet: draw a digit, press its key to save it, and t once you have some"
        short = missing(counts)
        if short:
            return (f"to learn your hand it needs {needs_text(short)} (press the digit key after drawing; "
                    f"{SUGGESTED_PER_DIGIT} of each is best)")
        context = multiprocessing.get_context("spawn")  # a clean interpreter: no window or GUI threads
        self.news = context.Queue()
        checked = self.suspects is not None and leave_out is not None
        self.process = context.Process(target=teach, daemon=True, args=(
            base.arrays(), base.manifest.get("saved_at"), self.samples_dir, self.personal_dir, self.replay_dir,
            self.news, tuple(str(p) for p in leave_out or ()), checked))
        self.suspects = None
        self.process.start()
        used = int(counts.clip(max=MAX_PER_DIGIT).sum())
        older = f" (the {MAX_PER_DIGIT} most recent of each digit; {int(counts.sum()) - used} older left out)" \
            if used < counts.sum() else ""
        return f"learning your hand from {used} samples{older}..."

    def poll(self):
        """The latest news from the adaptation since the last poll, or None."""
        latest = None
        while self.news is not None:
            try:
                latest = self.news.get_nowait()
            except queue.Empty:
                break
            if len(latest) == 3:  # (text, None, the samples that look mislabelled): the pad asks
                self.suspects, latest = latest[2], latest[:2]
        if latest is None and self.process is not None and not self.process.is_alive():
            if self.process.exitcode != 0:
                latest = (f"could not learn your hand: the adaptation stopped (exit code {self.process.exitcode})",
                          None)
            self.process = None
        return latest


def teach(arrays, base_saved_at, samples_dir, personal_dir, replay_dir, news, leave_out=(), checked=False):
    """The child process: read the samples (but those in ``leave_out``), look for mislabelled ones
    unless ``checked`` (found: say so and stop), adapt, save the personal model atomically if it does
    no worse on the held-out samples, and put (text, path or None) news on the queue as it goes; the
    last news says how it ended."""
    _die_with_parent()
    os.nice(10)

    def tell(text, finished=None):
        news.put((text, finished))

    try:
        samples, problems = load_stroke_samples(samples_dir, MAX_PER_DIGIT)
        samples = [thinned(s) for s in samples if str(s.path) not in leave_out]
        base = MLP.from_arrays(arrays)
        doubtful = [] if checked else suspects(base, samples)
        if doubtful:
            (first, read), more = doubtful[0], len(doubtful) - 1
            saved = time.strftime("%H:%M", time.localtime(os.stat(first.path).st_mtime))
            others = f" (and {more} more like it)" if more else ""
            news.put((f"your {first.label} saved at {saved} looks like a {read} to me{others}: t learns from "
                      f"{'them all' if more else 'it anyway'}, x leaves {'them' if more else 'it'} out",
                      None, [s.path for s, _ in doubtful]))
            return
        if problems:
            tell(f"{len(problems)} unreadable samples skipped; loading the digits it rehearses (MNIST)...")
        else:
            tell("loading the digits it rehearses (MNIST)...")
        x_replay, y_replay = replay_data(replay_dir, log=tell)
        adapted = adapt(base, samples, x_replay, y_replay, progress=lambda f, text: tell(text))
        if adapted.held_out and adapted.after < adapted.before:  # the measure guards the swap
            tell(f"the personal model read your {adapted.held_out} held-out samples worse ({100 * adapted.before:.0f}% "
                 f"-> {100 * adapted.after:.0f}%): kept the base model; check your samples' labels")
            return
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
