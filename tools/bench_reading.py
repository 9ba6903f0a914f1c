"""Benchmark sections of reading a drawing (tools/bench.py): pad (a digit, a whole frame) and number."""
import tempfile

import numpy as np

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_timing import percentiles_ms, timings  # noqa: E402  (tools/, beside this file)
from mnist_mlp import load_model  # noqa: E402
from mnist_mlp.views import TurnedViews  # noqa: E402


def bench_pad():
    from digitpad.desktop.app import PadApp
    from digitpad.preprocessing.strokes import render
    from digitpad.preprocessing import prepare

    model = load_model()
    reader = TurnedViews(model)  # read as the pad reads
    seven = [(0.25, 0.2), (0.75, 0.2), (0.55, 0.5), (0.45, 0.85)]
    result = {}
    for size in (280, 1000):
        canvas = render([([(x * size, y * size) for x, y in seven], size // 14)], size)
        result[f"prepare_predict_{size}"] = percentiles_ms(lambda c=canvas: reader.predict_proba(prepare(c)), 2000)
    app = PadApp(model, samples_dir=tempfile.gettempdir(), size=400)
    app.key(ord("d"))  # diagnostics on: the most drawing per frame
    app.mouse_down(100, 80)
    moves = iter(range(10**9))

    def frame():  # one displayed frame while drawing: a mouse move, a prediction, a render
        i = next(moves)
        app.mouse_move(100 + (i * 7) % 200, 80 + (i * 13) % 240)
        app.update()
        app.frame()

    result["pad_frame_400"] = percentiles_ms(frame, 1000)
    result["pad_fps_at_p99"] = round(1000 / result["pad_frame_400"]["p99_ms"])
    return result


def bench_number():
    """Number mode's per-frame work on a 1200x400 pad: grouping, drawing each digit alone, prepare and
    one batched prediction, for six digits written as the pad records them; and the worst inputs."""
    from digitpad.reading.numbers import read_groups
    from screenshot import DIGIT_STROKES

    model = load_model()
    strokes = []
    for k, digit in enumerate("204719"):
        for stroke in DIGIT_STROKES[digit]:
            points = [[int(40 + 185 * k + 200 * x), int(60 + 260 * y)] for x, y in stroke]
            strokes.append({"brush": 26, "points": points})
    result = {"six_digits": percentiles_ms(lambda: read_groups(model, strokes), 500)}
    # What the pad does per frame while the sixth digit is written: the first five are read already.
    cache, last = {}, strokes[-1]
    read_groups(model, strokes[:-1] + [{**last, "points": last["points"][:1]}], cache)
    frames = iter([strokes[:-1] + [{**last, "points": last["points"][:1] + [[x, y + step % 7] for x, y in
                                                                              last["points"][1:]]}]
                   for step in range(500)])
    result["frame_while_writing_the_sixth"] = percentiles_ms(lambda: read_groups(model, next(frames), cache), 500)
    rng = np.random.default_rng(0)
    scribble = [{"brush": 26, "points": rng.integers(0, [1200, 400], (300, 2)).tolist()}]
    tiny = [{"brush": 4, "points": [[int(x), int(y)]]} for x, y in rng.integers(0, [1200, 400], (100, 2))]
    for name, case in {"one_dot": [{"brush": 26, "points": [[600, 200]]}], "scribble_across_the_pad": scribble,
                       "100_tiny_strokes": tiny}.items():
        result[name] = {"max_ms": round(1000 * max(timings(lambda c=case: read_groups(model, c), 20)), 2)}
    return result


def bench_pictures():
    """Reading a picture as predict.py and the server do, by its size: a thick stroke on white at
    1000x1000 and 4000x4000, as PNG and as JPEG (target: 4000x4000 within 3 times 1000x1000); a
    scanned 1 as a solid bar, which is thinned first, against a thin one, which is not; and a 4 cut
    out to its ink, whose long strokes are judged, the same 4 beside a dark table, whose paper is
    estimated and divided out, and a bold light 8 cut out close, read twice, against the same 4
    with paper round it."""
    import cv2

    from digitpad.preprocessing.images import decode_gray
    from digitpad.reading import picture_reading
    from digitpad.scans.sets import scan_picture

    views = TurnedViews(load_model())
    result = {}
    for kind in (".png", ".jpg"):
        for side in (1000, 4000):
            canvas = np.full((side, side), 255, np.uint8)
            canvas[side // 4:3 * side // 4, side // 2 - side // 40:side // 2 + side // 40] = 0
            data = cv2.imencode(kind, canvas)[1].tobytes()
            result[f"{kind[1:]}_{side}"] = percentiles_ms(lambda d=data: picture_reading(views, decode_gray(d)), 20)
        result[f"{kind[1:]}_ratio_4000_to_1000_p50"] = round(result[f"{kind[1:]}_4000"]["p50_ms"]
                                                              / result[f"{kind[1:]}_1000"]["p50_ms"], 2)
    for name, columns in (("scan_thin_1", slice(14, 18)), ("scan_solid_1", slice(8, 24))):
        bitmap = np.zeros((32, 32), bool)
        bitmap[:, columns] = True
        data = cv2.imencode(".png", scan_picture(bitmap))[1].tobytes()
        result[name] = percentiles_ms(lambda d=data: picture_reading(views, decode_gray(d)), 50)
    solid, thin = result["scan_solid_1"]["p50_ms"], result["scan_thin_1"]["p50_ms"]
    result["scan_ratio_solid_to_thin_p50"] = round(solid / thin, 2)
    # A 4 cut out to its ink, 1,200 px: its crossbar and stem span the picture and are judged (ruling
    # or its own strokes, digitpad.preprocessing._ruling_only); with paper round it no line is found at all.
    four = [np.array([(0.4, 0.02), (0.02, 0.66), (0.98, 0.66)]), np.array([(0.75, 0.02), (0.75, 0.98)])]
    for name, (lo, hi) in (("cut_out_4", (0, 1200)), ("four_on_paper", (300, 900))):
        paper = np.full((1200, 1200), 235, np.uint8)
        cv2.polylines(paper, [np.rint(lo + s * (hi - lo)).astype(np.int32) for s in four], False, 20, 40)
        data = cv2.imencode(".png", paper)[1].tobytes()
        result[name] = percentiles_ms(lambda d=data: picture_reading(views, decode_gray(d)), 20)
    result["cut_out_ratio_p50"] = round(result["cut_out_4"]["p50_ms"] / result["four_on_paper"]["p50_ms"], 2)
    # The same 4 with a dark table along a slanted edge: the paper is estimated (twice) and divided out.
    yy, xx = np.mgrid[0:1200, 0:1200]
    on_table = np.where(xx < 40 + 200 * yy / 1200, 30, paper).astype(np.uint8)  # paper: four_on_paper's
    data = cv2.imencode(".png", on_table)[1].tobytes()
    result["four_beside_a_table"] = percentiles_ms(lambda d=data: picture_reading(views, decode_gray(d)), 20)
    result["table_ratio_p50"] = round(result["four_beside_a_table"]["p50_ms"] / result["four_on_paper"]["p50_ms"], 2)
    # A bold light 8 cut out close, 1,200 px tall: read as paper it is unsure, so it is read again as
    # light ink (digitpad.reading.picture_canvases): the most readings a picture gets.
    eight = np.zeros((1200, 840), np.uint8)
    for centre, axes in (((420, 312), (228, 216)), ((420, 840), (276, 264))):
        cv2.ellipse(eight, centre, axes, 0, 0, 360, 255, 204)
    data = cv2.imencode(".png", eight)[1].tobytes()
    result["bold_8_cut_out"] = percentiles_ms(lambda d=data: picture_reading(views, decode_gray(d)), 20)
    result["bold_8_ratio_p50"] = round(result["bold_8_cut_out"]["p50_ms"] / result["four_on_paper"]["p50_ms"], 2)
    return result
