"""Is there a screen to open a window on? Asked before OpenCV's Qt is, because Qt
aborts the whole process when it cannot reach a display."""
import os
import socket
import sys


def display_problem(env=None, platform=None):
    """None when a window can be opened, else a sentence saying why not."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return None  # Windows and macOS always have their own window system
    display = env.get("DISPLAY", "")
    if not display:
        return ("DISPLAY is not set (run it on a desktop, or under a virtual one: xvfb-run digitpad, or "
                "xvfb-run python main.py from a checkout)")
    host, _, rest = display.rpartition(":")
    number = rest.split(".")[0]
    if not number.isdigit():
        return f"DISPLAY={display!r} is not of the form [host]:number"
    if host in ("", "unix"):
        for address in (f"\0/tmp/.X11-unix/X{number}", f"/tmp/.X11-unix/X{number}"):
            if _connects(socket.AF_UNIX, address):
                return None
    elif _connects(socket.AF_INET, (host, 6000 + int(number))):
        return None
    return f"cannot connect to the X display {display!r}"


def _connects(family, address):
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        try:
            s.connect(address)
            return True
        except OSError:
            return False


def screen_size(env=None):
    """(width, height) of the X screen the window will open on, or None where it cannot be asked
    (no libX11, no display, not Linux): then nothing is fitted to it."""
    import ctypes
    import ctypes.util

    env = os.environ if env is None else env
    if not sys.platform.startswith("linux") or not env.get("DISPLAY"):
        return None
    library = ctypes.util.find_library("X11")
    if library is None:
        return None
    x11 = ctypes.CDLL(library)
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XDefaultScreen.argtypes = [ctypes.c_void_p]
    x11.XDisplayWidth.argtypes = x11.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = x11.XOpenDisplay(env["DISPLAY"].encode())
    if not display:
        return None
    try:
        screen = x11.XDefaultScreen(display)
        return int(x11.XDisplayWidth(display, screen)), int(x11.XDisplayHeight(display, screen))
    finally:
        x11.XCloseDisplay(display)
