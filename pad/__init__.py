"""The drawing pad: state driven by mouse and key events, rendered frames, saved samples.

Everything here except ``display`` and ``main.py``'s loop works without a screen.
"""
