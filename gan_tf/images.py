"""Sample grids: many images tiled into one, written as PNG or as a TensorBoard image."""

from __future__ import annotations

import math
import pathlib

import numpy as np
import tensorflow as tf


def image_grid(images: np.ndarray | tf.Tensor, rows: int | None = None, pad: int = 1) -> np.ndarray:
    """Tiles (N, H, W, C) images in [-1, 1] into one uint8 (rows*H', cols*W', C) image.

    `rows` defaults to a square-ish grid; a `pad`-pixel white border separates the images.
    """
    images = np.asarray(images, dtype=np.float32)
    n, h, w, c = images.shape
    rows = rows or max(1, int(math.sqrt(n)))
    cols = math.ceil(n / rows)
    pixels = np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype(np.uint8)
    grid = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad, c), 255, np.uint8)
    for i in range(n):
        r, col = divmod(i, cols)
        top, left = pad + r * (h + pad), pad + col * (w + pad)
        grid[top : top + h, left : left + w] = pixels[i]
    return grid


def save_png(path: str | pathlib.Path, image: np.ndarray) -> pathlib.Path:
    """Writes a uint8 (H, W, C) image as PNG, creating the parent folder."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(tf.io.encode_png(image).numpy())
    return path
