"""digitpad's commands: ``digitpad`` (the pad), ``digitpad-predict``, ``digitpad-serve`` and
``digitpad-train``, installed by ``pip install .``; ``python main.py`` and ``python tools/....py``
run the same code from a checkout. Each command module is a thin argument parser over the library.
"""
__version__ = "2.5.0"
