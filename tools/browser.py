"""A real Chromium driving the web pad, for the tests and tools/bench.py: start it, draw strokes with
the mouse or a finger, read what the page shows, and collect what its console logged.

Needs Chromium and its driver (Debian: apt-get install chromium chromium-driver) and Selenium
(requirements-dev.txt). ``missing()`` says what is absent, so callers can skip saying why.
"""
import shutil

CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
PHONE = {"width": 390, "height": 844, "pixelRatio": 3.0, "touch": True}


def missing():
    """Why a browser cannot be started here, or "" when it can."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "Selenium is not installed (pip install -r requirements-dev.txt)"
    if not any(shutil.which(name) for name in CHROMIUM) or not shutil.which("chromedriver"):
        return "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
    return ""


def start(phone=False, size=(1280, 900)):
    """A headless Chromium: a desktop window of ``size``, or a phone 390 px wide with touch."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = next(shutil.which(name) for name in CHROMIUM if shutil.which(name))
    # No network but loopback here: the background services' connections would only fail.
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-quic", f"--window-size={size[0]},{size[1]}"):
        options.add_argument(flag)
    if phone:
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": PHONE})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))


def draw(driver, strokes, touch=False, element_id="pad", move_ms=0):
    """Draw ``strokes`` (each a sequence of (x, y) in the pad's own pixels) on the page's pad, stroke
    by stroke, with the mouse or a finger, as a person would: down, along the points (each move
    taking ``move_ms``), up."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.actions.interaction import POINTER_MOUSE, POINTER_TOUCH
    from selenium.webdriver.common.actions.pointer_input import PointerInput
    from selenium.webdriver.common.by import By

    pad = driver.find_element(By.ID, element_id)
    width, height, css_width, css_height = driver.execute_script(
        "const p = arguments[0], b = p.getBoundingClientRect(); return [p.width, p.height, b.width, b.height];", pad)
    kind = POINTER_TOUCH if touch else POINTER_MOUSE
    for stroke in strokes:
        actions = ActionBuilder(driver, mouse=PointerInput(kind, "finger" if touch else "mouse"), duration=move_ms)
        # Selenium places a pointer relative to the element's centre, in whole CSS pixels.
        points = [(round((x / width - 0.5) * css_width), round((y / height - 0.5) * css_height)) for x, y in stroke]
        actions.pointer_action.move_to(pad, *points[0]).pointer_down()
        for x, y in points[1:]:
            actions.pointer_action.move_to(pad, x, y)
        actions.pointer_action.pointer_up()
        actions.perform()


def errors(driver):
    """What the page's console logged as errors or warnings (JavaScript errors, CSP violations)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
