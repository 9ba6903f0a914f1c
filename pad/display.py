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
        return "DISPLAY is not set (run it on a desktop, or under a virtual one: xvfb-run python main.py)"
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
