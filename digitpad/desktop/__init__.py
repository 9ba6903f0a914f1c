"""The drawing pad: state driven by mouse and key events, rendered frames, a writer teaching it (simulate).

Everything here except ``display`` and the window loop (digitpad/pad.py) works without a screen.
"""
