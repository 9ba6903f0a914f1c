"""The house's arrows all point down: no package imports one above it (issue 25), and the network
package stays free of OpenCV and of window code."""
import ast

from conftest import ROOT

# Lowest first. A package may import those on its own row or below; tools/ and main.py sit above all.
# The application's packages live inside digitpad/ (pip installs no generic top-level names).
LAYERS = [
    ["mnist_mlp"],  # the network: NumPy only
    ["digitpad.preprocessing"],  # a canvas or strokes -> what MNIST digits look like
    ["digitpad.reading"],  # strokes or a picture -> a reading, for every client
    ["digitpad.drawn", "digitpad.scans"],  # data sets, renderings for training, benchmarks
    ["digitpad.personal"],  # the user's samples and the model adapted to them
    ["digitpad.desktop", "digitpad.serving"],  # the desktop pad; the HTTP server and web page
    ["digitpad"],  # the installed commands: digitpad's own modules
]
LEVEL = {package: level for level, row in enumerate(LAYERS) for package in row}


def package_of(module):
    """The package of LAYERS that holds ``module`` (a dotted name), or None for another project's."""
    parts = module.split(".")
    inner = ".".join(parts[:2])
    return inner if inner in LEVEL else parts[0] if parts[0] in LEVEL or parts[0] == "tools" else None


def imported_packages(path):
    """The project's packages that the Python file at ``path`` imports (relative imports stay inside)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.update(package for package in map(package_of, names) if package)
    return found


def package_files(package):
    """The Python files of ``package`` and not of a package nested in it that has a row of its own."""
    folder = ROOT.joinpath(*package.split("."))
    nested = [ROOT.joinpath(*other.split(".")) for other in LEVEL if other.startswith(package + ".")]
    return sorted(path for path in folder.rglob("*.py") if not any(path.is_relative_to(n) for n in nested))


def test_every_package_is_in_a_layer():
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    packages |= {f"digitpad.{p.parent.name}" for p in ROOT.glob("digitpad/*/__init__.py")}
    assert packages == set(LEVEL), "a new package needs its place in LAYERS"


def test_no_module_imports_one_above_it():
    upward = []
    for package, level in LEVEL.items():
        for path in package_files(package):
            for name in imported_packages(path):
                if name == "tools" or LEVEL[name] > level:
                    upward.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not upward, "\n".join(upward)


def test_the_check_sees_an_upward_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom digitpad.desktop.app import PadApp\nimport digitpad.cli\nfrom . import sibling\n")
    assert imported_packages(bad) == {"digitpad.desktop", "digitpad"}
    assert len(package_files("digitpad")) == len(list((ROOT / "digitpad").glob("*.py")))


def test_the_network_needs_no_opencv_and_no_window():
    for path in sorted((ROOT / "mnist_mlp").rglob("*.py")):
        modules = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules.add(node.module.split(".")[0])
        assert not modules & {"cv2", "tkinter", "scipy"}, path


def test_the_reading_of_a_drawing_is_put_together_in_one_module():
    """Strokes -> redraw -> prepare and picture -> canvas -> prepare are assembled in digitpad/reading/ alone;
    the pad, the server, predict.py, the benchmarks and the training renderings call it."""
    import re

    assembled = re.compile(r"prepare(_with_info)?\(\s*(redraw|canvas_from_image)\(")
    built = {ROOT / "build", ROOT / "dist"}  # `pip install .` copies the sources there
    found = [f"{path.relative_to(ROOT)}:{n}" for path in sorted(ROOT.glob("[!.]*/**/*.py"))
             if not path.is_relative_to(ROOT / "digitpad" / "reading") and "tests" not in path.parts
             and not any(path.is_relative_to(b) for b in built)
             for n, line in enumerate(path.read_text().splitlines(), 1) if assembled.search(line)]
    assert not found, found
    assert assembled.search("image = prepare(redraw(strokes))")  # the check sees what it looks for
