"""What is on the pad and how the user is drawing: plain Python, driven by events."""
from dataclasses import dataclass, field

from digitpad.preprocessing import strokes as brush

MIN_BRUSH, MAX_BRUSH, BRUSH_STEP = 4, 64, 2
MAX_CLEARS = 20  # cleared drawings that undo can still bring back


@dataclass
class Stroke:
    thickness: int
    points: list = field(default_factory=list)


class PadState:
    """Strokes with undo, the brush, and the canvas they make.

    The canvas is drawn incrementally as the mouse moves and redrawn from the
    strokes only on undo. ``version`` changes whenever the ink does, so the
    loop knows when a new prediction is needed. Undo takes back the last
    action, a stroke or a clear: ``u`` after ``c`` brings the drawing back.
    """

    def __init__(self, size=400, brush_size=26, width=None):
        self.size = size  # the pad's height, and its width unless ``width`` says otherwise
        self.width = width or size
        self.brush = max(MIN_BRUSH, min(MAX_BRUSH, brush_size))
        self.strokes = []
        self.cleared = []  # drawings taken away by clear(), the last one first to come back
        self.history = []  # "stroke" or "clear", the last action last
        self.drawing = False
        self.canvas = brush.render([], self.width, size)
        self.version = 0

    def pen_down(self, x, y):
        stroke = Stroke(self.brush, [(int(x), int(y))])
        self.strokes.append(stroke)
        self.history.append("stroke")
        self.drawing = True
        brush.draw_dot(self.canvas, stroke.points[0], stroke.thickness)
        self.version += 1

    def pen_move(self, x, y):
        if not self.drawing:
            return
        stroke = self.strokes[-1]
        point = (int(x), int(y))
        if point == stroke.points[-1]:
            return
        brush.draw_segment(self.canvas, stroke.points[-1], point, stroke.thickness)
        stroke.points.append(point)
        self.version += 1

    def pen_up(self):
        self.drawing = False

    def undo(self):
        """Take back the last stroke or clear: "stroke" or "clear", whichever it was, or None when
        there is nothing to take back."""
        if not self.history:
            return None
        undone = self.history.pop()
        if undone == "clear":
            self.strokes = self.cleared.pop()
        else:
            self.strokes.pop()
        self.drawing = False
        self.canvas = brush.render([(s.points, s.thickness) for s in self.strokes], self.width, self.size)
        self.version += 1
        return undone

    def clear(self, undoable=True):
        """Empty the pad; undo brings the drawing back unless ``undoable`` is false (after a save)."""
        if undoable and self.strokes:
            self.cleared.append(self.strokes)
            self.history.append("clear")
            if len(self.cleared) > MAX_CLEARS:  # the oldest drawing, and all before it, is gone for good
                self.cleared.pop(0)
                del self.history[:self.history.index("clear") + 1]
        elif not undoable:
            self.cleared, self.history = [], []
        self.strokes = []
        self.drawing = False
        self.canvas[...] = 0
        self.version += 1

    def change_brush(self, steps):
        self.brush = max(MIN_BRUSH, min(MAX_BRUSH, self.brush + steps * BRUSH_STEP))
        return self.brush

    @property
    def empty(self):
        return not self.strokes

    def strokes_json(self):
        """The strokes as saved beside a sample: canvas size, and each stroke's brush and points."""
        return {"canvas_size": [self.width, self.size], "strokes": self.stroke_dicts()}

    def stroke_dicts(self, indices=None):
        """The strokes (all, or those of ``indices``) as {"brush", "points"} dicts."""
        chosen = self.strokes if indices is None else [self.strokes[i] for i in indices]
        return [{"brush": s.thickness, "points": [list(p) for p in s.points]} for s in chosen]
