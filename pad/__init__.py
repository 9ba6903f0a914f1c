"""The drawing pad: state driven by mouse and key events, rendered frames, a writer teaching it (simulate).

Everything here except ``display`` and ``main.py``'s loop works without a screen.
"""
