"""The web pad in a real browser (headless Chromium through Selenium), served by tools/serve.py's
server: drawing with the mouse and with a finger, the answer, clear and undo, number mode, the
keyboard, saving samples, the security headers, and no file outside the page's folder. Any
JavaScript error or Content-Security-Policy violation in the console fails the test."""
import http.client
import json
import threading

import numpy as np
import pytest

from conftest import ROOT
from digitpad.drawn.forms import form_strokes
from digitpad.drawn.render import place
from mnist_mlp import load_model
from digitpad.serving.page import page_files
from digitpad import serve

from tools_path import browser  # tools/browser.py

pytestmark = pytest.mark.skipif(bool(browser.missing()), reason=browser.missing() or "-")
ASTERISK = [[(200, 60), (200, 340)], [(80, 120), (320, 280)], [(80, 280), (320, 120)]]


def form(name, size=400, centre=(0.5, 0.5), height=0.7, seed=0):
    """A drawing of a catalogue form on a pad ``size`` tall, as (x, y) strokes in pad pixels."""
    strokes = form_strokes(name, np.random.default_rng(seed))
    return [s.tolist() for s in place(strokes, size, height, centre, y_up=False)]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    samples = tmp_path_factory.mktemp("samples")
    srv = serve.make_server(load_model(ROOT / "weights"), "127.0.0.1", 0, quiet=True, samples=samples)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", samples
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def desktop():
    driver = browser.start()
    yield driver
    driver.quit()


@pytest.fixture
def page(server, desktop):
    url, _ = server
    desktop.get(url + "/")
    wait_for(desktop, "detail", "draw here")
    yield desktop
    assert browser.errors(desktop) == []  # no JavaScript error, no CSP violation


def text(driver, element_id):
    return driver.execute_script(f"return document.getElementById('{element_id}').textContent")


def wait_for(driver, element_id, wanted, timeout=20):
    """Wait until the element's text is ``wanted`` (or holds it): a sign from the page, not a clock."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout, poll_frequency=0.02).until(lambda d: wanted in text(d, element_id))
    return text(driver, element_id)


def press(driver, keys):
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(keys).perform()


def test_draw_a_three_and_read_three_with_the_bars_and_the_input(page):
    browser.draw(page, form("3 round"))
    assert wait_for(page, "answer", "3") == "3"
    bars = page.execute_script("return [...document.querySelectorAll('#bars .pct')].map(e => e.textContent)")
    assert len(bars) == 10 and int(bars[3].rstrip("%")) >= 50
    seen = page.execute_script("const c = document.getElementById('seen').getContext('2d');"
                               "return Array.from(c.getImageData(0, 0, 28, 28).data).filter((v, i) => i % 4 == 0)")
    assert max(seen) == 255 and sum(v > 0 for v in seen) > 40  # the network's input, white on black
    assert page.find_element("id", "answer").get_attribute("aria-live") == "polite"


def test_an_asterisk_reads_question_mark(page):
    browser.draw(page, ASTERISK)
    assert wait_for(page, "answer", "?") == "?"
    assert "not a digit?" in text(page, "detail")


def test_a_column_of_dots_reads_question_mark_with_no_best_guess(page):
    """Read as no digit at all (digitpad.preprocessing.broken): every bar 10%, none marked the best."""
    browser.draw(page, [[(200, 60 + 70 * k)] for k in range(5)])
    assert wait_for(page, "detail", "no best guess") == "not a digit? no best guess"
    assert text(page, "answer") == "?"
    bars = page.execute_script("return [...document.querySelectorAll('#bars .pct')].map(e => e.textContent)")
    assert bars == ["10%"] * 10 and not page.find_elements("css selector", "#bars .best")


def test_clear_then_undo_brings_the_drawing_back_and_undo_takes_strokes(page):
    browser.draw(page, form("7 crossed"))
    wait_for(page, "answer", "7")
    page.find_element("id", "clear").click()
    wait_for(page, "detail", "draw here")
    assert text(page, "answer") == "\u2013"
    page.find_element("id", "undo").click()
    assert wait_for(page, "answer", "7") == "7"
    press(page, "u")  # the bar of the crossed 7 goes: still a 7
    wait_for(page, "status", "undid the last stroke")
    press(page, "z")
    wait_for(page, "detail", "draw here")


def test_number_mode_reads_2024_each_digit_boxed(page):
    press(page, "n")
    wait_for(page, "status", "number mode")
    assert page.execute_script("return [pad.width, pad.height]") == [1200, 400]
    for name, x in (("2 plain", 0.16), ("0 oval", 0.38), ("2 plain", 0.6), ("4 open", 0.82)):
        browser.draw(page, [[(1200 * (0.5 + (px / 400 - 0.5) / 3) - 600 + 1200 * x, py) for px, py in s]
                            for s in form(name, centre=(0.5, 0.5), height=0.55)])
    assert wait_for(page, "answer", "2024") == "2024"
    boxes = page.execute_script("""const c = pad.getContext('2d').getImageData(0, 0, 1200, 400).data;
        let coloured = 0; for (let i = 0; i < c.length; i += 4) if (c[i] != c[i + 1]) coloured++; return coloured""")
    assert boxes > 500  # the boxes drawn round the digits, green (sure) or orange
    press(page, "n")
    wait_for(page, "status", "digit mode")


def test_keyboard_alone_reaches_every_control(page):
    from selenium.webdriver.common.keys import Keys

    reached = []
    for _ in range(20):
        press(page, Keys.TAB)
        reached.append(page.execute_script("return document.activeElement.id || document.activeElement.textContent"))
    assert {"pad", "clear", "undo", "mode", "brush"} <= set(reached)
    assert any(r.strip() == "7" for r in reached)  # the save buttons (this server has --samples)
    page.execute_script("document.getElementById('mode').focus()")
    press(page, Keys.ENTER)
    wait_for(page, "status", "number mode")
    press(page, Keys.SPACE)
    wait_for(page, "status", "digit mode")
    before = int(page.execute_script("return document.getElementById('brush').value"))
    press(page, "+")
    assert int(page.execute_script("return document.getElementById('brush').value")) == before + 2


def test_saving_a_drawing_as_a_sample(page, server):
    _, samples = server
    browser.draw(page, form("4 closed"))
    wait_for(page, "answer", "4")
    press(page, "4")
    wait_for(page, "status", "saved as 4")
    saved = sorted((samples / "4").iterdir())
    assert [p.suffix for p in saved] == [".json", ".png"]
    record = json.loads(saved[0].read_text())
    assert record["label"] == 4 and record["canvas_size"] == [400, 400] and len(record["strokes"]) >= 1
    wait_for(page, "detail", "draw here")  # the pad is cleared, as the desktop pad does


@pytest.fixture
def phone(server):
    """A phone 390 px wide with touch, on the page; its console must stay clean too."""
    url, _ = server
    driver = browser.start(phone=True)
    try:
        driver.get(url + "/")
        wait_for(driver, "detail", "draw here")
        yield driver
        assert browser.errors(driver) == []
    finally:
        driver.quit()


def test_a_phone_draws_with_a_finger(phone):
    width = phone.execute_script("return [document.documentElement.clientWidth, "
                                 "document.documentElement.scrollWidth, pad.getBoundingClientRect().width]")
    assert width[0] == 390 and width[1] <= 390 and width[2] <= 390  # it fits: no sideways scrolling
    assert phone.execute_script("return getComputedStyle(pad).touchAction") == "none"
    browser.draw(phone, form("1 continental"), touch=True)
    assert wait_for(phone, "answer", "1") == "1"
    browser.draw(phone, form("7 plain", seed=1), touch=True)  # a second stroke set on top
    wait_for(phone, "detail", "%")


def raw(url, method, path, headers=None):
    host, port = url.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
    for name, value in (headers or {}).items():
        conn.putheader(name, value)
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def test_security_headers_and_content_types(server):
    url, _ = server
    for path, kind in (("/", "text/html"), ("/pad.js", "text/javascript"), ("/pad.css", "text/css"),
                       ("/health", "application/json")):
        response, _ = raw(url, "GET", path)
        assert response.status == 200 and response.getheader("Content-Type").startswith(kind)
        assert response.getheader("X-Content-Type-Options") == "nosniff"
        if path != "/health":
            csp = response.getheader("Content-Security-Policy")
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
            assert response.getheader("Cache-Control") == "no-cache"


@pytest.mark.parametrize("path", ["/../README.md", "/%2e%2e/README.md", "/%2E%2E%2FREADME.md", "/..%2fREADME.md",
                                  "/pad.js/../../README.md", "//etc/passwd", "/etc/passwd", "/%2fetc%2fpasswd",
                                  "/web/pad.js", "/serving/web/pad.js", "/index.html%00", "/.%2e/tools/serve.py",
                                  "/" + "a" * 8000, "/" + "../" * 500 + "etc/passwd", "/%c0%ae%c0%ae/README.md",
                                  "/index.html/", "/INDEX.HTML", "/pad.js;.css"])
def test_nothing_outside_the_page_folder_is_served(server, path):
    url, _ = server
    response, body = raw(url, "GET", path)
    assert response.status in (404, 431, 400), (path, response.status)
    assert b"<html" not in body.lower() or path.startswith("/index")
    assert set(page_files()) == {"/", "/index.html", "/pad.js", "/pad.css", "/icon.svg"}


def test_without_samples_there_is_no_save_action(desktop):
    srv = serve.make_server(load_model(ROOT / "weights"), "127.0.0.1", 0, quiet=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        desktop.get(f"http://127.0.0.1:{srv.server_address[1]}/")
        wait_for(desktop, "detail", "draw here")
        assert not desktop.find_element("id", "save").is_displayed()
        response, body = raw(f"http://127.0.0.1:{srv.server_address[1]}", "POST", "/samples", {"Content-Length": "0"})
        assert response.status == 404 and b"--samples" in body
    finally:
        srv.shutdown()
        srv.server_close()


def test_a_second_finger_does_not_draw_while_the_first_does(phone):
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.actions.interaction import POINTER_TOUCH

    pad = phone.find_element("id", "pad")
    actions = ActionBuilder(phone)
    first, second = (actions.add_pointer_input(POINTER_TOUCH, name) for name in ("thumb", "palm"))
    first.create_pointer_move(origin=pad, x=0, y=-100)
    second.create_pointer_move(origin=pad, x=-120, y=0)
    first.create_pointer_down(button=0)
    second.create_pointer_down(button=0)
    for step in range(1, 11):
        first.create_pointer_move(origin=pad, x=0, y=-100 + 20 * step)
        second.create_pointer_move(origin=pad, x=-120 + 24 * step, y=10 * step)
    first.create_pointer_up(button=0)
    second.create_pointer_up(button=0)
    actions.perform()
    assert wait_for(phone, "answer", "1") == "1"  # the first finger's vertical line alone
    assert phone.execute_script("return strokes.length") == 1


def test_an_error_clears_the_stale_answer_and_the_next_answer_clears_the_error(page):
    """Over 60 strokes in number mode are refused (422): the page shows why and no stale reading;
    undo brings the answers back and the error goes."""
    press(page, "n")
    wait_for(page, "status", "number mode")
    browser.draw(page, [[(40 + 17 * i, 100), (40 + 17 * i, 140)] for i in range(61)])
    wait_for(page, "status", "more than 60 strokes")
    assert text(page, "answer") == "\u2013"
    press(page, "u")
    wait_for(page, "detail", "digit")
    assert text(page, "status") == ""
    press(page, "n")
    logged = browser.errors(page)  # the refused requests, and nothing else
    assert logged and all("status of 422" in line for line in logged)


def test_a_reply_for_the_other_mode_is_not_shown_as_a_failure(page):
    """A digit answer still in flight when n is pressed is dropped, not taken for a broken server."""
    page.execute_script("const real = window.fetch; window.fetch = (...a) => "
                        "new Promise(r => setTimeout(r, 600)).then(() => real(...a))")
    browser.draw(page, form("7 plain"))
    press(page, "n")
    wait_for(page, "status", "number mode")
    browser.draw(page, form("7 plain"))
    assert wait_for(page, "answer", "7") == "7"
    assert "cannot be reached" not in text(page, "status")


def test_a_double_press_saves_once(page, server):
    from selenium.webdriver.support.ui import WebDriverWait

    _, samples = server
    before = len(list(samples.rglob("*.png")))
    browser.draw(page, form("2 plain"))
    wait_for(page, "answer", "2")
    # Every status line the page shows, kept: when the save is quicker than the second press, that press
    # finds the pad empty and says so at once, and a poll could miss the "saved" line between them.
    page.execute_script("""const line = document.getElementById('status'); window.statusLines = [];
        new MutationObserver(() => window.statusLines.push(line.textContent))
            .observe(line, {childList: true, characterData: true, subtree: true});""")
    press(page, "22")
    WebDriverWait(page, 20, poll_frequency=0.02).until(
        lambda d: any("saved as 2" in line for line in d.execute_script("return window.statusLines")))
    wait_for(page, "detail", "draw here")
    lines = page.execute_script("return window.statusLines")
    assert sum("saved as" in line for line in lines) == 1, lines
    assert len(list(samples.rglob("*.png"))) == before + 1
