"""Import the command-line tools as modules (they live in tools/, which is not a package); the installed
commands are the package digitpad."""
import importlib
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
charts = importlib.import_module("charts")
report = importlib.import_module("report")
screenshot = importlib.import_module("screenshot")
browser = importlib.import_module("browser")
eval_scans = importlib.import_module("eval_scans")
