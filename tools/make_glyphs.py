"""Write digitpad/drawn/glyphs.json: Hershey stroke glyphs of the letters and symbols drawn as non-digits.

Usage:
    pip install Hershey-Fonts==2.1.0 && python tools/make_glyphs.py

The Hershey fonts (A. V. Hershey, 1967, public domain) are pen strokes, so they are drawn
through the pad's brush like a person's strokes. OpenCV 5's putText draws an outline font,
not these, hence this one-off extraction through the MIT-licensed Hershey-Fonts package.
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from digitpad.drawn.nondigits import GLYPH_SETS  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "digitpad" / "drawn" / "glyphs.json"


def main(argv=None):
    argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog="Usage: " + __doc__.split("Usage:")[1].strip(),
                            formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    try:
        from HersheyFonts import HersheyFonts
    except ImportError:
        sys.exit("error: the Hershey fonts are not installed: pip install Hershey-Fonts==2.1.0")
    font, glyphs = HersheyFonts(), {}
    for family, sets in GLYPH_SETS.items():
        glyphs[family] = []
        for fonts, text in sets:
            for name in fonts:
                font.load_default_font(name)
                for char in text:
                    strokes = [[list(p) for p in s] for s in font.strokes_for_text(char) if len(s)]
                    if strokes:
                        glyphs[family].append({"font": name, "char": char, "strokes": strokes})
    OUT.write_text(json.dumps({"source": "Hershey fonts via Hershey-Fonts 2.1.0 (y points down)",
                               "glyphs": glyphs}, separators=(",", ":")))
    print(f"{OUT}: " + ", ".join(f"{k} {len(v)}" for k, v in glyphs.items()))


if __name__ == "__main__":
    main()
