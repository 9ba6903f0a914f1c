"""Remake the web page's pictures in docs/ from the real page in a headless Chromium.

The pad served by tools/serve.py, on a desktop (a 3 drawn with the mouse) and on a phone 390 px
wide (a continental 1 drawn with a finger).

Usage:
    python tools/screenshot_web.py [--out docs/] [--weights weights/]

Needs Chromium, chromedriver and Selenium (tools/browser.py says what is missing).
"""
import sys
import threading
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import browser  # noqa: E402  (tools/browser.py, beside this script)
from digitpad import cli  # noqa: E402
from digitpad.serve import make_server  # noqa: E402

from digitpad.drawn.forms import form_strokes  # noqa: E402
from digitpad.drawn.render import place  # noqa: E402
from mnist_mlp.paths import WEIGHTS  # noqa: E402
from mnist_mlp import ModelError, load_model  # noqa: E402


def shoot(url, out, phone, name, wanted):
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser.start(phone=phone, size=(1100, 760))
    try:
        driver.get(url)
        strokes = place(form_strokes(name, np.random.default_rng(2)), 400, 0.7, (0.5, 0.5), y_up=False)
        browser.draw(driver, [s.tolist() for s in strokes], touch=phone)
        WebDriverWait(driver, 20, 0.05).until(
            lambda d: d.execute_script("return document.getElementById('answer').textContent") == wanted)
        if not driver.save_screenshot(str(out)):  # Selenium says False, not why: a folder missing, say
            raise OSError(f"cannot write {out}")
        problems = browser.errors(driver)
    finally:
        driver.quit()
    return problems


def main(argv=None):
    p = cli.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "docs",
                   help="folder for the pictures (made if missing)")
    p.add_argument("--weights", type=Path, default=WEIGHTS, help="the model the page's server reads with")
    args = p.parse_args(argv)
    if browser.missing():
        print(f"error: {browser.missing()}", file=sys.stderr)
        return 1
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        print(f"error: cannot make {args.out}: {e.strerror or e}", file=sys.stderr)
        return 1
    try:
        server = make_server(load_model(args.weights), port=0, quiet=True)
    except ModelError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    problems = []
    try:
        for phone, name, wanted, file in ((False, "3 round", "3", "web-desktop.png"),
                                          (True, "1 continental", "1", "web-phone.png")):
            problems += shoot(url, args.out / file, phone, name, wanted)
            print(f"wrote {args.out / file}")
    finally:
        server.shutdown()
        server.server_close()
    for problem in problems:
        print(f"error: the page logged: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    cli.run(main)
