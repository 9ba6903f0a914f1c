"""How well scans are read, each file exactly as tools/predict.py reads it (digitpad.reading.file_reading):
right, sure and right, answered, the unsure and the wrong per digit, the most confused pairs."""
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from digitpad.drawn.benchmark import held_out_non_digits
from digitpad.drawn.render import pad_inputs
from digitpad.drawn.nondigits import FAMILIES, HELD_OUT
from digitpad.drawn.scanlike import scan_picture as scan_of_strokes
from mnist_mlp import is_sure
from mnist_mlp.metrics import confusion_matrix, format_pairs, most_confused
from digitpad.reading import SCAN_TEMPERATURE, file_reading, picture_reading
from digitpad.reading.numbers import number_hint

from .sets import SCAN_ZOOM, boxed, scan_picture

NON_DIGIT_SCANS = ("scan-like", "stretched binary", "stretched grey")  # how non_digit_scans makes them


@dataclass(frozen=True)
class Reading:
    path: Path
    label: int
    probabilities: np.ndarray  # (10,); all zero when the file could not be read
    image: np.ndarray  # the (28, 28) input the network read; zeros when none
    problem: str = ""  # why the file could not be read

    @property
    def guess(self):
        return int(self.probabilities.argmax())

    @property
    def confidence(self):
        return float(self.probabilities.max())

    def sure(self, threshold):
        """Read and sure at ``threshold`` (mnist_mlp.is_sure)."""
        return not self.problem and bool(is_sure(self.probabilities, threshold))


def write_scans(bitmaps, labels, folder, zoom=SCAN_ZOOM):
    """Each bitmap written into ``folder`` as the PNG a user's scan of it would be
    (``scan_picture``, ``zoom`` times larger), in the subfolder of its label and named by its index,
    so the folder is a labelled set itself: ``[(path, label)]``."""
    files = []
    for i, (bitmap, label) in enumerate(zip(bitmaps, labels)):
        path = Path(folder) / str(label) / f"{i:05d}.png"
        path.parent.mkdir(exist_ok=True)
        if not cv2.imwrite(str(path), scan_picture(bitmap, zoom)):
            raise OSError(f"cannot write {path}")
        files.append((path, int(label)))
    return files


def read_scans(views, files, temperature=SCAN_TEMPERATURE):
    """A Reading of every ``(path, label)``, through digitpad.reading.file_reading (a scan's reading
    sharpened at ``temperature``)."""
    readings = []
    for path, label in files:
        try:
            probabilities, image, _ = file_reading(views, path, temperature)
            readings.append(Reading(path, label, probabilities, image))
        except ValueError as e:
            readings.append(Reading(path, label, np.zeros(10, np.float32), np.zeros((28, 28), np.float32), str(e)))
    return readings


def summary(readings, threshold):
    """Shares of right, sure and right, and answered (sure at ``threshold``: mnist_mlp.is_sure);
    per digit the samples, right, unsure and wrong (read as another digit, sure or not), the most
    confused pairs, the files that could not be read, and the curve of answered and sure-and-right
    as the threshold moves. A file that cannot be read is a digit
    neither answered nor right."""
    labels = np.array([r.label for r in readings])
    guesses = np.array([r.guess for r in readings])
    readable = np.array([not r.problem for r in readings])
    right = readable & (guesses == labels)
    probabilities = np.array([r.probabilities for r in readings]).reshape(-1, 10)
    sure = readable & is_sure(probabilities, threshold)
    n = max(len(readings), 1)
    per_digit = {str(d): {"samples": int((labels == d).sum()), "right": int(right[labels == d].sum()),
                          "unsure": int((~sure & readable)[labels == d].sum()),
                          "wrong": int((~right & readable)[labels == d].sum()),
                          "sure_and_wrong": int((sure & ~right)[labels == d].sum())} for d in range(10)}
    counts = confusion_matrix(labels[readable], guesses[readable])
    answered = [(t, readable & is_sure(probabilities, t)) for t in np.round(np.arange(0.1, 1.0, 0.05), 2)]
    curve = [{"threshold": float(t), "answered": float(a.sum() / n), "sure_and_right": float((a & right).sum() / n)}
             for t, a in answered]
    return {"digits": len(readings), "threshold": threshold, "right": float(right.sum() / n),
            "sure_and_right": float((sure & right).sum() / n), "answered": float(sure.sum() / n),
            "sure_and_wrong": float((sure & ~right).sum() / n), "per_digit": per_digit,
            "most_confused": most_confused(counts, k=8), "curve": curve,
            "unreadable": [f"{r.path}: {r.problem}" for r in readings if r.problem]}


def summary_lines(result):
    """``summary``'s result, with the ``set`` read and the ``temperature`` it was read at, as lines of
    text to print."""
    lines = [f"{result['digits']} scans of {result['set']}, threshold {result['threshold']}, "
             f"temperature {result['temperature']}"]
    lines += [f"{key.replace('_', ' '):<16} {100 * result[key]:6.2f}%"
              for key in ("right", "sure_and_right", "answered", "sure_and_wrong")]
    lines.append("digit  samples   right  unsure  wrong (of them sure)   [unsure: under the threshold, right or not]")
    for d, r in result["per_digit"].items():
        right = f"{100 * r['right'] / r['samples']:6.2f}%" if r["samples"] else f"{'-':>7}"  # no scan of that digit
        lines.append(f"{d:>5} {r['samples']:>8} {right} {r['unsure']:>7} {r['wrong']:>6} ({r['sure_and_wrong']})")
    lines.append("most confused (true -> read: count): " + format_pairs(result["most_confused"]))
    lines.append("threshold  answered  sure and right")
    lines += [f"  {row['threshold']:.2f}     {100 * row['answered']:6.2f}%   {100 * row['sure_and_right']:6.2f}%"
              for row in result["curve"]]
    return lines + [f"unreadable: {problem}" for problem in result["unreadable"]]


def refusal_lines(result):
    """``non_digit_refusal``'s result as lines of a table to print, held-out families marked."""
    rows = [(f + (" (held out)" if f in HELD_OUT else ""), shares) for f, shares in result["families"].items()]
    rows += [("held out", result["held out"]), ("all", result["all"])]
    return [" " * 27 + "".join(f"{way:>18}" for way in NON_DIGIT_SCANS)] + [
        f"  {name:<25}" + "".join(f"{100 * shares[way]:17.2f}%" for way in NON_DIGIT_SCANS) for name, shares in rows]


def trouble_tiles(readings, threshold, tile=84):
    """A tile for every reading that is unsure or wrong: the picture as handed over beside the
    28x28 input the network read, under it the true digit and what was read (``?`` when unsure)."""
    tiles = []
    for r in readings:
        sure = r.sure(threshold)
        if r.problem or (sure and r.guess == r.label):
            continue
        picture = cv2.imread(str(r.path), cv2.IMREAD_GRAYSCALE)
        seen = 255 - (255 * r.image).astype(np.uint8)
        pair = np.hstack([cv2.resize(picture, (tile, tile), interpolation=cv2.INTER_AREA),
                          np.full((tile, 4), 255, np.uint8),
                          cv2.resize(seen, (tile, tile), interpolation=cv2.INTER_NEAREST)])
        band = np.full((18, pair.shape[1]), 255, np.uint8)
        read = str(r.guess) if sure else f"? {r.guess}"
        colour = cv2.cvtColor(np.vstack([pair, band]), cv2.COLOR_GRAY2BGR)
        cv2.putText(colour, f"{r.label} read {read} {100 * r.confidence:.0f}%", (3, pair.shape[0] + 13),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 200) if r.guess != r.label else (160, 90, 0), 1,
                    cv2.LINE_AA)
        tiles.append(colour)
    return tiles


def non_digit_scans(n_per_family, seed=0):
    """{way: {family: [grey pictures]}}: ``n_per_family`` freshly drawn non-digits of each family
    (digitpad.drawn.nondigits), as scans each way of NON_DIGIT_SCANS: scanned as the pen digits are in
    training (digitpad.drawn.scanlike), and as the pad draws them, stretched to fill a 16x16 box binary or
    grey as ``--mnist-boxed`` makes MNIST's digits (digitpad.scans.sets.boxed), each written as a scan is (a
    drawing too thin to leave a dot in the box stays, blank)."""
    rng = np.random.default_rng([seed, 5_000_011])
    drawn = held_out_non_digits(n_per_family, seed)
    made = {way: {} for way in NON_DIGIT_SCANS}
    for family, pads in drawn.items():
        made["scan-like"][family] = [scan_of_strokes(FAMILIES[family](rng), rng, y_up=False)
                                     for _ in range(n_per_family)]
        images = np.rint(255 * pad_inputs(pads).reshape(-1, 28, 28)).astype(np.uint8)
        for way, binary in (("stretched binary", True), ("stretched grey", False)):
            made[way][family] = [scan_picture(b) for b in boxed(images, binary)]  # a blank one is refused
    return made


def non_digit_refusal(views, scans, threshold, temperature=SCAN_TEMPERATURE):
    """For ``non_digit_scans``, the share refused each way: ``{"families": {family: {way: share}},
    "held out": {way: share}, "all": {way: share}}`` (all: the families' mean). A picture is refused
    when it has no ink, or is read (digitpad.reading.picture_reading, as a file is) as no digit surely
    (mnist_mlp.is_sure at ``threshold``) and as no number either (digitpad.reading.numbers.number_hint: the
    "hint" predict.py and the server give, which --number would answer surely)."""
    def refused(picture):
        try:
            return (not is_sure(picture_reading(views, picture, temperature)[0], threshold)
                    and number_hint(views.model, picture, threshold, temperature) is None)
        except ValueError:
            return True

    families = {f: {way: float(np.mean([refused(p) for p in scans[way][f]])) for way in scans}
                for f in next(iter(scans.values()))}

    def mean(names):
        return {way: float(np.mean([families[f][way] for f in names])) for way in scans}

    return {"families": families, "held out": mean([f for f in HELD_OUT if f in families]), "all": mean(families)}
