"""Screenshot the real pad: start Xvfb, run main.py, draw a digit with xdotool, save PNGs.

Usage:
    python tools/screenshot.py [--out docs/] [--digit 3] [--weights weights/]

Writes OUT/pad.png (the digit drawn, diagnostics on), OUT/pad-help.png (help overlay) and
OUT/pad-number.png (number mode, 2047 written with a two-stroke 4 and a crossed 7).
Needs Xvfb, xdotool and ImageMagick's import:
    sudo apt-get install xvfb xdotool imagemagick
The end-to-end test drives the pad through the same VirtualPad class.
"""
import argparse
import ctypes
import ctypes.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mnist_mlp.paths import WEIGHTS  # noqa: E402

TOOLS = ("Xvfb", "xdotool", "import")
QT_CANNOT_CONNECT = 'Could not load the Qt platform plugin "xcb"'
ATTEMPTS = 5  # fresh screens tried when Qt cannot connect: 3 all failed once, with helpers driving screens beside

# Digit shapes as strokes of (x, y) in 0..1 of the pad, as a person might draw them.
DIGIT_STROKES = {
    "0": [[(0.50, 0.18), (0.35, 0.26), (0.30, 0.50), (0.36, 0.74), (0.50, 0.82), (0.64, 0.74), (0.70, 0.50),
           (0.64, 0.26), (0.50, 0.18)]],
    "1": [[(0.42, 0.26), (0.52, 0.18), (0.52, 0.82)]],
    "2": [[(0.32, 0.30), (0.42, 0.19), (0.58, 0.19), (0.67, 0.30), (0.62, 0.46), (0.45, 0.63), (0.31, 0.80),
           (0.70, 0.80)]],
    "5": [[(0.62, 0.19), (0.38, 0.19), (0.35, 0.47), (0.52, 0.43), (0.66, 0.53), (0.67, 0.68), (0.56, 0.80),
           (0.36, 0.78)]],
    "6": [[(0.62, 0.18), (0.45, 0.32), (0.34, 0.55), (0.38, 0.75), (0.52, 0.82), (0.65, 0.72), (0.63, 0.56),
           (0.48, 0.50), (0.36, 0.58)]],
    "8": [[(0.62, 0.26), (0.50, 0.18), (0.37, 0.27), (0.42, 0.42), (0.60, 0.56), (0.64, 0.72), (0.50, 0.82),
           (0.35, 0.72), (0.40, 0.56), (0.58, 0.42), (0.62, 0.26)]],
    "9": [[(0.64, 0.34), (0.52, 0.20), (0.38, 0.28), (0.38, 0.43), (0.52, 0.49), (0.64, 0.38), (0.64, 0.34),
           (0.60, 0.60), (0.55, 0.82)]],
    "3": [[(0.33, 0.22), (0.45, 0.17), (0.58, 0.18), (0.65, 0.26), (0.62, 0.36), (0.50, 0.45),
           (0.44, 0.47), (0.55, 0.50), (0.66, 0.58), (0.67, 0.70), (0.58, 0.79), (0.45, 0.81),
           (0.32, 0.76)]],
    "7": [[(0.30, 0.22), (0.68, 0.22), (0.60, 0.38), (0.52, 0.55), (0.46, 0.80)]],
    "4": [[(0.55, 0.18), (0.30, 0.58), (0.70, 0.58)], [(0.60, 0.35), (0.58, 0.82)]],
}


class _ClientMessage(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                ("format", ctypes.c_int), ("data", ctypes.c_long * 5), ("pad", ctypes.c_long * 12)]


def send_wm_delete_window(display_name, window):
    x11 = ctypes.CDLL(ctypes.util.find_library("X11"))
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
    x11.XFlush.argtypes = x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = x11.XOpenDisplay(display_name.encode())
    if not display:
        raise OSError(f"cannot open X display {display_name}")
    event = _ClientMessage(type=33, window=window, format=32,  # 33: ClientMessage
                           message_type=x11.XInternAtom(display, b"WM_PROTOCOLS", 0))
    event.data[0] = x11.XInternAtom(display, b"WM_DELETE_WINDOW", 0)
    x11.XSendEvent(display, window, 0, 0, ctypes.byref(event))
    x11.XFlush(display)
    x11.XCloseDisplay(display)


def is_blank(image):
    """True for a capture of one colour only: a window not painted yet."""
    return image is None or image.size == 0 or bool((image == image.reshape(-1, image.shape[-1])[0]).all())


def missing_tools():
    return [t for t in TOOLS if shutil.which(t) is None]


class VirtualPad:
    """main.py in a real window on a private Xvfb screen, driven like a person would."""

    def __init__(self, *main_args, size=400, screen=(1024, 768), expect_window=True):
        self.size, self.screen, self.expect_window = size, screen, expect_window
        self.main_args = ["--size", str(size), *main_args]

    def __enter__(self):
        for attempt in range(ATTEMPTS):
            self._start()
            self.window = self._wait_for_window(timeout=60)
            if self.window is not None or not self.expect_window:
                break
            output = self.output()
            self.__exit__()
            # A starved Xvfb sometimes refuses Qt's first connection; that is the screen, not the pad.
            if QT_CANNOT_CONNECT not in output or attempt == ATTEMPTS - 1:
                raise RuntimeError(f"main.py exited (code {self.app.returncode}) without opening a window:\n{output}")
        if self.window is not None:
            self._wait_for_paint()
        return self

    def _start(self):
        read, write = os.pipe()
        self.xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "{}x{}x24".format(*self.screen),
                                      "-nolisten", "tcp"], pass_fds=[write],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as f:
            number = f.readline().strip()
        self.env = {**os.environ, "DISPLAY": f":{number}"}
        self.log = tempfile.TemporaryFile()
        self.app = subprocess.Popen([sys.executable, str(ROOT / "main.py"), *self.main_args], cwd=ROOT,
                                    env=self.env, stdout=self.log, stderr=subprocess.STDOUT)

    def _wait_for_paint(self, timeout=5):
        """Wait until the window shows something. On a loaded machine Qt can miss the window's first
        expose event and never paint it (measured: 4 starts in 16 under two busy cores); with no
        window manager on Xvfb nothing exposes it again, so map it afresh as a window manager would."""
        for _ in range(2):
            deadline = time.time() + timeout
            while time.time() < deadline:
                if not is_blank(self.capture()):
                    return
                time.sleep(0.2)
            self.xdotool("windowunmap", "--sync", self.window)
            self.xdotool("windowmap", "--sync", self.window)
        raise RuntimeError(f"the pad's window stayed blank:\n{self.output()}")

    def _wait_for_window(self, timeout):
        """The pad's window id, or None if main.py exited without opening one."""
        deadline = time.time() + timeout
        while time.time() < deadline and self.app.poll() is None:
            found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^Digit pad$"],
                                   env=self.env, capture_output=True, text=True).stdout.split()
            if found:
                return found[0]
            time.sleep(0.2)
        if self.app.poll() is None:
            raise TimeoutError(f"no pad window after {timeout} s:\n{self.output()}")
        return None

    def __exit__(self, *exc):
        if self.app.poll() is None:
            self.app.kill()
        self.app.wait()
        # Asked to stop rather than killed, Xvfb removes its socket and lock file, so the next
        # screen cannot meet a stale one of the same number.
        self.xvfb.terminate()
        try:
            self.xvfb.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.xvfb.kill()
            self.xvfb.wait()
        self.log.close()

    def xdotool(self, *args, timeout=20):
        return subprocess.run(["xdotool", *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout, check=True).stdout

    def draw(self, strokes, steps=6):
        """Drag the mouse along each stroke (points in 0..1), with in-between moves like a real hand."""
        for stroke in strokes:
            points = [(x * self.size, y * self.size) for x, y in stroke]
            self.move(*points[0])
            self.xdotool("mousedown", "1")
            for (x0, y0), (x1, y1) in zip(points[:-1], points[1:]):
                for i in range(1, steps + 1):
                    self.move(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps)
                    time.sleep(0.01)
            self.xdotool("mouseup", "1")
        time.sleep(0.3)

    def draw_until_seen(self, strokes, tries=3):
        """``draw``, again if the pad shows no ink afterwards: a window remapped on a loaded machine
        (``_wait_for_paint``) can lose the first mouse events. The ink on the pad is the sign."""
        for _ in range(tries):
            self.draw(strokes)
            if (self.capture()[:self.size, :self.size] > 200).all(axis=2).mean() > 0.01:
                return
        raise RuntimeError(f"the pad showed no ink after drawing {tries} times:\n{self.output()}")

    def scribble(self, seconds, pause=0.004):
        """Draw without stopping for about ``seconds``: one xdotool process, a move every ``pause`` s."""
        rng = np.random.default_rng(0)
        moves = int(seconds / pause)
        points = self.size * (0.5 + 0.3 * np.stack([np.sin(np.arange(moves) / 9), np.cos(np.arange(moves) / 13)], 1))
        points += rng.normal(0, 2, points.shape)
        args = ["mousemove", "--window", self.window, *map(str, points[0].astype(int)), "mousedown", "1"]
        for x, y in points[1:].astype(int):
            args += ["mousemove", "--window", self.window, str(x), str(y), "sleep", str(pause)]
        self.xdotool(*args, "mouseup", "1", timeout=seconds * 10 + 30)

    def move(self, x, y):
        self.xdotool("mousemove", "--window", self.window, str(int(x)), str(int(y)))

    def key(self, name):
        self.xdotool("key", "--window", self.window, name)
        time.sleep(0.3)

    def capture(self):
        """The pad's window as it is on screen now: a BGR image."""
        png = subprocess.run(["import", "-window", self.window, "png:-"], env=self.env, check=True,
                             capture_output=True, timeout=20).stdout
        return cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)

    def screenshot(self, path, timeout=15):
        """A PNG of the pad's window alone, once it has settled: two captures alike and not one colour.
        A loaded machine can capture the window before it is painted (all black); that raises."""
        deadline, last = time.time() + timeout, None
        while True:
            image = self.capture()
            settled = last is not None and image.shape == last.shape and (image == last).all()
            if settled and not is_blank(image):
                break
            if time.time() > deadline:
                raise RuntimeError(f"the pad's window {'stayed blank' if is_blank(image) else 'kept changing'} "
                                   f"for {timeout} s; no screenshot written to {path}")
            last = image
            time.sleep(0.2)
        if not cv2.imwrite(str(path), image):
            raise OSError(f"cannot write {path}")

    def close_window(self):
        """Press the window's close button, and wait for the app to end.

        A window manager turns that click into a WM_DELETE_WINDOW message to the
        app; Xvfb has no window manager, so the message is sent here through libX11.
        """
        send_wm_delete_window(self.env["DISPLAY"], int(self.window))
        return self.app.wait(timeout=20)

    def output(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the pictures (made if missing)")
    p.add_argument("--digit", choices=sorted(DIGIT_STROKES), default="3", help="the digit drawn on the pad")
    p.add_argument("--weights", type=Path, default=WEIGHTS, help="the model the pad reads with")
    args = p.parse_args(argv)
    if missing_tools():
        sys.exit(f"error: needs {', '.join(missing_tools())}: sudo apt-get install xvfb xdotool imagemagick")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as samples, \
            VirtualPad("--weights", str(args.weights), "--samples", samples) as pad:
        pad.draw_until_seen(DIGIT_STROKES[args.digit])  # a loaded machine can lose the first strokes
        pad.key("d")
        pad.screenshot(args.out / "pad.png")
        pad.key("h")
        pad.screenshot(args.out / "pad-help.png")
    with tempfile.TemporaryDirectory() as samples, VirtualPad("--weights", str(args.weights), "--samples", samples,
                                                              "--mode", "number", screen=(1600, 900)) as pad:
        for k, digit in enumerate("2047"):
            strokes = DIGIT_STROKES[digit] + ([[(0.40, 0.52), (0.66, 0.52)]] if digit == "7" else [])
            pad.draw([[(0.15 + 0.55 * k + 0.6 * x, 0.1 + 0.6 * y) for x, y in stroke] for stroke in strokes])
        pad.screenshot(args.out / "pad-number.png")
    print(f"wrote {args.out / 'pad.png'}, {args.out / 'pad-help.png'} and {args.out / 'pad-number.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
