"""Random distortions of 28x28 digits for training, so the network learns shapes, not pixels.

Each image gets a random affine map (rotation, scale, shear, translation)
combined with an elastic distortion (Simard, Steinkraus & Platt, 2003: a random
displacement field smoothed by a Gaussian), applied in one ``cv2.remap``; some
images also get thicker or thinner strokes (dilation or erosion).
"""
from dataclasses import dataclass

import cv2
import numpy as np

SIDE = 28
PAD = 2  # zero border around each image while warping a batch in one call


@dataclass(frozen=True)
class Augmentation:
    rotation: float = 12.0  # degrees, +-
    scale: tuple = (0.85, 1.1)
    shear: float = 0.15  # +-, as a fraction of the other axis
    translate: float = 1.5  # pixels, +-
    elastic_alpha: float = 34.0  # displacement scale (Simard et al.: 34 with sigma 4)
    elastic_sigma: float = 4.0
    thickness: float = 0.3  # probability of a dilation or an erosion

    def __call__(self, batch, rng):
        return augment(batch, rng, self)


def augment(batch, rng, settings=Augmentation()):
    """A distorted copy of a (N, 784) or (N, 28, 28) float32 batch in [0, 1], same shape."""
    images = batch.reshape(-1, SIDE, SIDE)
    n = len(images)
    # The whole batch is warped by one cv2.remap call over a tall image of tiles, each with a
    # zero border of PAD pixels: clamping every sample point into its own tile's border gives
    # exactly what warping each image alone with a black surround would.
    tile = SIDE + 2 * PAD
    tall = _in_tiles(images)
    # Elastic fields for the whole batch in one blur: 2N noise fields stacked into one tall
    # image. Smoothing across the seams only correlates neighbouring fields' edges, harmlessly.
    noise = rng.random((2 * n * SIDE, SIDE), dtype=np.float32) * 2 - 1
    ksize = 2 * int(2.5 * settings.elastic_sigma) + 1  # +-2.5 sigma holds 99% of the kernel's weight
    fields = cv2.GaussianBlur(noise, (ksize, ksize), settings.elastic_sigma).reshape(2 * n, SIDE, SIDE)
    fields *= settings.elastic_alpha
    angles = np.deg2rad(rng.uniform(-settings.rotation, settings.rotation, n))
    scales = rng.uniform(*settings.scale, n)
    cos, sin = (np.cos(angles) / scales)[:, None, None], (np.sin(angles) / scales)[:, None, None]
    shear = rng.uniform(-settings.shear, settings.shear, (n, 1, 1))
    shift = rng.uniform(-settings.translate, settings.translate, (2, n, 1, 1))
    grid_y, grid_x = np.mgrid[:SIDE, :SIDE].astype(np.float32)
    centre = (SIDE - 1) / 2
    # Inverse maps: for each output pixel, where to sample the input.
    dx, dy = grid_x - centre - shift[0], grid_y - centre - shift[1]
    map_x = cos * dx + (sin + shear) * dy + centre + fields[0::2]
    map_y = -sin * dx + cos * dy + centre + fields[1::2]
    limit = (-PAD + 0.5, SIDE - 1 + PAD - 0.5)
    map_x = (np.clip(map_x, *limit) + PAD).astype(np.float32)
    map_y = (np.clip(map_y, *limit) + PAD + tile * np.arange(n, dtype=np.float32)[:, None, None])
    warped = cv2.remap(tall.reshape(n * tile, tile), map_x.reshape(n * SIDE, SIDE),
                       map_y.astype(np.float32).reshape(n * SIDE, SIDE), cv2.INTER_LINEAR,
                       borderMode=cv2.BORDER_CONSTANT).reshape(n, SIDE, SIDE)
    # Thicker or thinner strokes for some: the 2x2 kernel cannot reach across tiles' borders.
    which = rng.random(n)
    dilate = which < settings.thickness / 2
    erode = (which >= settings.thickness / 2) & (which < settings.thickness)
    kernel = np.ones((2, 2), np.uint8)
    for selected, operation in ((dilate, cv2.dilate), (erode, cv2.erode)):
        if selected.any():
            done = operation(_in_tiles(warped[selected]).reshape(-1, tile), kernel).reshape(-1, tile, tile)
            warped[selected] = done[:, PAD:PAD + SIDE, PAD:PAD + SIDE]
    np.clip(warped, 0.0, 1.0, out=warped)
    return warped.reshape(batch.shape)


def _in_tiles(images):
    """(n, 28, 28) images each in the middle of a zero tile PAD pixels wider on every side."""
    tiles = np.zeros((len(images), SIDE + 2 * PAD, SIDE + 2 * PAD), np.float32)
    tiles[:, PAD:PAD + SIDE, PAD:PAD + SIDE] = images
    return tiles
