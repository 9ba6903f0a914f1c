"""Import the command-line tools as modules (they live in tools/, which is not a package)."""
import importlib
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
serve = importlib.import_module("serve")
predict = importlib.import_module("predict")
charts = importlib.import_module("charts")
report = importlib.import_module("report")
screenshot = importlib.import_module("screenshot")
