"""How sure a scan's reading should be: the temperature (digitpad.reading.SCAN_TEMPERATURE) at which
the network's readings of scans are likeliest, fitted on scanned digits and on non-digits as scans.

A digit's loss is the cross-entropy of its label; a non-digit's, the cross-entropy of a tenth for
each digit, the reading non-digits are taught to give (digitpad.reading.NO_DIGIT). The two kinds count
half each, so the fit does not depend on how many of each were read. Sharpening (a temperature
under 1) lowers the first and raises the second.
"""
import numpy as np

from digitpad.reading import picture_reading, sharpened

TEMPERATURES = tuple(np.round(np.arange(0.5, 1.31, 0.05), 2))


def losses(digits, labels, non_digits, temperatures=TEMPERATURES):
    """``[(temperature, digit loss, non-digit loss, their mean)]`` for (N, 10) readings of
    ``digits`` with their ``labels`` and (M, 10) readings of ``non_digits``, each read as the network
    gives them (temperature 1), then ``sharpened`` at each temperature."""
    digits, non_digits, labels = np.asarray(digits), np.asarray(non_digits), np.asarray(labels)
    if not len(digits) or not len(non_digits) or len(digits) != len(labels):
        raise ValueError("need readings of digits, one label each, and readings of non-digits")
    rows = []
    for t in temperatures:
        digit = -np.mean(np.log(np.maximum(sharpened(digits, t)[np.arange(len(labels)), labels], 1e-30)))
        non_digit = -np.mean(np.log(np.maximum(sharpened(non_digits, t), 1e-30)).mean(axis=1))
        rows.append((float(t), float(digit), float(non_digit), float((digit + non_digit) / 2)))
    return rows


def best(rows):
    """The temperature of ``losses``' rows whose mean loss is least."""
    return min(rows, key=lambda row: row[3])[0]


def non_digit_readings(views, pictures):
    """(M, 10) readings of grey pictures as the network gives them (``picture_reading`` at temperature
    1), leaving out those with no ink."""
    readings = []
    for picture in pictures:
        try:
            readings.append(picture_reading(views, picture, temperature=1)[0])
        except ValueError:
            continue  # no ink: refused whatever the temperature
    return np.array(readings, np.float32).reshape(-1, 10)
