"""tools/bench.py's sections for the web pad: a real Chromium drawing the validation writers' digits
(mouse on a desktop, a finger on a phone), and a crowd of simulated browsers drawing at once."""
import http.client
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import browser  # tools/browser.py
from digitpad.serve import make_server  # noqa: E402

from digitpad.drawn.render import DEFAULT_DATA, VALIDATION_WRITERS, place
from digitpad.drawn.unipen import parse_writers, read_unipen
from mnist_mlp import load_model
from digitpad.reading import TurnedViews, strokes_reading

PAD, BRUSH = 400, 26


def validation_digits(n, seed=0):
    """``n`` pen digits of the validation writers, each placed on the web pad as a person would draw
    it (70% of its height, centred): ``[(label, [stroke points])]``."""
    digits = read_unipen(DEFAULT_DATA, parse_writers(VALIDATION_WRITERS))
    chosen = np.random.default_rng(seed).choice(len(digits), n, replace=False)
    return [(digits[i].label, [s.tolist() for s in place(digits[i].strokes, PAD, 0.7, (0.5, 0.5))]) for i in chosen]


def serving(work):
    """``work(url)`` with a server of the shipped model running on a free loopback port."""
    server = make_server(load_model(), port=0, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        return work(f"http://127.0.0.1:{server.server_address[1]}/")
    finally:
        server.shutdown()
        server.server_close()


def draw_and_read(driver, label, strokes, touch, move_ms):
    """Draw one digit on a cleared pad; what the page read (its best bar), how long from the pen
    lifting to the answer on screen, and the answers per second while the pen was down."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_script("document.getElementById('clear').click();"
                          "Object.assign(pad.dataset, {answeredIn: '', updates: '0', drawingMs: '0'})")
    browser.draw(driver, strokes, touch=touch, move_ms=move_ms)
    WebDriverWait(driver, 10, 0.01).until(lambda d: d.execute_script("return pad.dataset.answeredIn"))
    best, answered_in, updates, drawing_ms = driver.execute_script(
        "const b = document.querySelector('#bars li.best .digit');"
        "return [b ? b.textContent : '', pad.dataset.answeredIn, pad.dataset.updates, pad.dataset.drawingMs]")
    return best == str(label), float(answered_in), 1000 * int(updates) / max(float(drawing_ms), 1.0)


def bench_web(n=200, move_ms=8):
    """The validation writers' digits drawn in a real browser, stroke by stroke: accuracy with a
    mouse (desktop) and a finger (a phone 390 px wide) against the desktop pad's reading of the same
    strokes; from the pen lifting to the answer on screen; answers a second while drawing."""
    if browser.missing():
        return {"skipped": browser.missing()}
    digits = validation_digits(n)
    views = TurnedViews(load_model())
    pad = [int(strokes_reading(views, [(np.array(s), BRUSH) for s in strokes])[0].argmax() == label)
           for label, strokes in digits]

    def run(url):
        result = {"digits": n, "desktop_pad_accuracy": float(np.mean(pad))}
        for name, phone in (("mouse", False), ("touch", True)):
            driver = browser.start(phone=phone)
            try:
                driver.get(url)
                rows = [draw_and_read(driver, label, strokes, phone, move_ms) for label, strokes in digits]
                problems = browser.errors(driver)
            finally:
                driver.quit()
            right, latency, rate = (np.array(column) for column in zip(*rows))
            result[name] = {"accuracy": float(right.mean()), "lift_to_answer_ms_p50": float(np.percentile(latency, 50)),
                            "lift_to_answer_ms_p99": float(np.percentile(latency, 99)),
                            "updates_per_second_median": float(np.median(rate)), "console_errors": problems}
        return result

    return serving(run)


def one_browser(url, digits, move_s):
    """One simulated browser drawing ``digits`` as the page does: while the pen moves (a point every
    ``move_s`` seconds), the strokes so far are posted with at most one request in flight; after the
    pen lifts, the whole drawing once more. The seconds from each lift to its answer."""
    host, port = url.split("//")[1].rstrip("/").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    waits = []

    def post(strokes):
        body = json.dumps({"strokes": strokes, "canvas_size": [PAD, PAD]})
        conn.request("POST", "/predict", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status

    for _, strokes in digits:
        points = [(i, j) for i, s in enumerate(strokes) for j in range(len(s))]
        start = time.perf_counter()
        while True:
            drawn = min(len(points), int((time.perf_counter() - start) / move_s) + 1)
            i, j = points[drawn - 1]
            so_far = strokes[:i] + [strokes[i][:j + 1]]
            post([{"brush": BRUSH, "points": s} for s in so_far])
            if drawn == len(points):
                break
        lifted = time.perf_counter()
        assert post([{"brush": BRUSH, "points": s} for s in strokes]) == 200
        waits.append(time.perf_counter() - lifted)
    conn.close()
    return waits


def bench_web_crowd(browsers=50, each=4, move_s=0.016):
    """``browsers`` simulated browsers drawing ``each`` validation digits at once through the page's
    request pattern: does every answer after the pen lifts arrive, and how late."""
    digits = validation_digits(browsers * each)

    def run(url):
        with ThreadPoolExecutor(browsers) as pool:
            start = time.perf_counter()
            waits = list(pool.map(lambda k: one_browser(url, digits[k * each:(k + 1) * each], move_s), range(browsers)))
            seconds = time.perf_counter() - start
        every = np.concatenate(waits)
        return {"browsers": browsers, "digits_each": each, "answers_after_lifting": int(len(every)),
                "expected": browsers * each, "lift_to_answer_s_p50": float(np.percentile(every, 50)),
                "lift_to_answer_s_p99": float(np.percentile(every, 99)), "lift_to_answer_s_max": float(every.max()),
                "seconds": seconds}

    return serving(run)
