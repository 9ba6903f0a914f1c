"""Digit pad: draw a digit with the mouse and watch the network's belief change.

Usage:
    digitpad [--weights weights/] [--samples samples/] [--personal weights-personal/]
             [--threshold 0.5] [--size 400] [--brush 26] [--mode digit|number] [--stats]
(or python main.py from a checkout; the default folders: mnist_mlp.paths)

Keys:
    draw     hold the left mouse button
    c        clear the pad
    u, z     undo the last stroke
    0 - 9    save the drawing as a sample with that label (samples/<label>/...), then clear
    s        save it with the predicted label
    n        number mode: write a whole number on a wide pad; type it and press Enter to save its digits
    t        teach the pad your hand: adapt to the saved samples in the background
    p        switch between your personal model and the base model
    + / -    thicker / thinner brush
    d        show what the network sees (its 28x28 input, ink box, centre of mass, density)
    h        help
    q, Esc   quit (closing the window quits too)
"""
import os
import sys
import time
from pathlib import Path

from digitpad import cli
from mnist_mlp import SURE
from mnist_mlp.paths import PERSONAL, SAMPLES, WEIGHTS
from digitpad.desktop.display import display_problem, screen_size
from digitpad.desktop.state import MAX_BRUSH, MIN_BRUSH

WINDOW = "Digit pad"
FRAME_MS = 14


def parse_args(argv):
    p = cli.parser(__doc__)
    default = cli.shown_in_help(WEIGHTS)
    p.add_argument("--weights", type=Path, default=None,
                   help=f"model directory (default: {default}, started with the personal model when there is one)")
    p.add_argument("--samples", type=Path, default=SAMPLES, help="where labelled samples are saved")
    p.add_argument("--personal", type=Path, default=PERSONAL,
                   help="where t saves the model adapted to your hand, and p finds it")
    p.add_argument("--threshold", type=float, default=SURE,
                   help="below this confidence the pad shows '?' instead of a digit "
                        "(a 1 needs half, and twice any other digit's)")
    p.add_argument("--size", type=int, default=400, help="pad side in pixels (a number pad is 3 sides wide)")
    p.add_argument("--mode", choices=["digit", "number"], default="digit",
                   help="start with one digit, or a whole number on a wide pad (key n switches)")
    p.add_argument("--brush", type=int, default=26, help="brush diameter in pixels")
    p.add_argument("--stats", action="store_true", help="on exit, print frames per second while drawing")
    args = p.parse_args(argv)
    if not 0 <= args.threshold <= 1:
        p.error("--threshold must be between 0 and 1")
    if not 100 <= args.size <= 2000:
        p.error("--size must be between 100 and 2000")
    if not MIN_BRUSH <= args.brush <= MAX_BRUSH:
        p.error(f"--brush must be between {MIN_BRUSH} and {MAX_BRUSH} pixels")
    return args


def fitted_size(size, screen):
    """The pad's side, made smaller where the window would not fit the screen (when it is known):
    the status bar must stay in sight below the pad, and the panel beside it."""
    from digitpad.desktop.frame import PANEL_WIDTH, STATUS_HEIGHT

    if screen is None:
        return size
    return max(100, min(size, screen[1] - STATUS_HEIGHT - 80, screen[0] - PANEL_WIDTH - 40))


def number_width(size, screen):
    """The number pad's width: three times its height, narrowed to fit the screen when it is known."""
    from digitpad.desktop.app import NUMBER_WIDTH
    from digitpad.desktop.frame import PANEL_WIDTH

    wide = NUMBER_WIDTH * size
    return wide if screen is None else max(size, min(wide, screen[0] - PANEL_WIDTH - 40))


def run(app):
    """The window's event loop; returns (frames shown, seconds) counted while the pen was down."""
    import cv2

    def on_mouse(event, x, y, flags, _):
        if event == cv2.EVENT_LBUTTONDOWN:
            app.mouse_down(x, y)
        elif event == cv2.EVENT_MOUSEMOVE and flags & cv2.EVENT_FLAG_LBUTTON:
            app.mouse_move(x, y)
        elif event == cv2.EVENT_LBUTTONUP:
            app.mouse_up()

    cv2.namedWindow(WINDOW, cv2.WINDOW_AUTOSIZE | cv2.WINDOW_GUI_NORMAL)
    cv2.setMouseCallback(WINDOW, on_mouse)
    drawing_frames, drawing_seconds, frame = 0, 0.0, None
    try:
        while app.running:
            started = time.perf_counter()
            drawing = app.state.drawing
            app.update()  # mouse events arrive inside waitKey; predict once per frame at most
            if app.changed:
                frame = app.frame()
                cv2.imshow(WINDOW, frame)
                drawing_frames += drawing
            # Wait out the rest of the frame: about 70 frames a second, whatever rendering took.
            spent_ms = (time.perf_counter() - started) * 1000
            key = cv2.waitKey(max(1, int(FRAME_MS - spent_ms)))
            if drawing:
                drawing_seconds += time.perf_counter() - started
            if key != -1:
                app.key(key & 0xFF)
            if window_closed(cv2):
                break
            if frame is not None:
                keep_size(cv2, frame.shape)
    except KeyboardInterrupt:
        pass
    cv2.destroyAllWindows()
    return drawing_frames, drawing_seconds


def keep_size(cv2, shape):
    """Put the window back to the frame's own size if it was resized: scaled, the frame's text is
    unreadable and the bars are squeezed (--size sets the pad's size)."""
    x, y, width, height = cv2.getWindowImageRect(WINDOW)
    if (width, height) != (shape[1], shape[0]) and width > 0:
        cv2.resizeWindow(WINDOW, shape[1], shape[0])


def window_closed(cv2):
    """True once the user closed the window with its close button."""
    try:
        return cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1
    except cv2.error:  # the Qt backend raises instead once the window is gone
        return True


def main(argv=None):
    args = parse_args(argv)
    problem = display_problem()
    if problem:
        print(f"no display available: {problem}", file=sys.stderr)
        return 2
    # OpenCV's bundled Qt looks for fonts in its own folder and warns at length when it is empty.
    os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.fonts.warning=false;qt.qpa.*.warning=false")

    from mnist_mlp import ModelError, load_model
    from digitpad.reading import trajectory_network
    from digitpad.desktop.app import PadApp

    weights = args.weights or WEIGHTS
    try:
        model = load_model(weights)
    except ModelError as e:
        print(f"error: cannot load the model: {e}\n"
              f"retrain it with: python tools/train.py --out {weights}", file=sys.stderr)
        return 1
    try:
        trajectory_network(model)
    except ModelError as e:
        print(f"error: cannot use the model in {weights}: {e}", file=sys.stderr)
        return 1
    personal = None
    if (args.personal / "model.json").exists():
        try:
            personal = load_model(args.personal)
            trajectory_network(personal)
        except ModelError as e:
            print(f"warning: your personal model is not usable ({e}); using {weights}", file=sys.stderr)
    screen = screen_size()
    size = fitted_size(args.size, screen)
    if size < args.size:
        print(f"note: a {args.size} px pad would not fit the {screen[0]}x{screen[1]} screen; using {size} px",
              file=sys.stderr)
    app = PadApp(model, args.samples, args.threshold, size, args.brush, personal_dir=args.personal,
                 personal=personal, start_personal=args.weights is None, mode=args.mode,
                 number_width=number_width(size, screen))
    frames, seconds = run(app)
    if args.stats:
        rate = f"{frames / seconds:.1f} frames per second" if seconds else "no drawing"
        print(f"while drawing: {frames} frames in {seconds:.2f} s, {rate}")
    return 0



def command():
    """The installed command's entry point."""
    cli.run(main)
