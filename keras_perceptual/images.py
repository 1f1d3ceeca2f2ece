"""Image grids as PNG files (Pillow)."""

from pathlib import Path

import numpy as np
from PIL import Image


def to_uint8(images):
    """[-1, 1] floats -> uint8 [0, 255], clipping."""
    images = np.asarray(images, dtype="float32")
    return np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype("uint8")


def image_grid(images, columns=None, padding=2):
    """Tiles `(n, h, w, c)` images in [-1, 1] into one uint8 array."""
    images = to_uint8(images)
    if images.ndim != 4:
        raise ValueError(f"`images` must be (n, height, width, channels). Received: shape={images.shape}")
    n, h, w, c = images.shape
    columns = columns or int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / columns))
    grid = np.full((rows * (h + padding) + padding, columns * (w + padding) + padding, c), 255, "uint8")
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        y, x = padding + r * (h + padding), padding + col * (w + padding)
        grid[y : y + h, x : x + w] = image
    return grid[..., 0] if c == 1 else grid


def save_image_grid(images, path, columns=None, padding=2, scale=1):
    """Writes `images` (in [-1, 1]) as one PNG grid; returns the path.
    `scale` enlarges each pixel (nearest neighbour) for small images."""
    grid = Image.fromarray(image_grid(images, columns, padding))
    if scale != 1:
        grid = grid.resize((grid.width * scale, grid.height * scale), Image.NEAREST)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    grid.save(path)
    return path
