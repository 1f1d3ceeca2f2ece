"""Image grids as PNG files (Pillow), optionally captioned: a label left of
each row ("original", "reconstruction"), a title above each column (class
names) and a title above the whole grid (e.g. "SMOKE RUN: ...")."""

from pathlib import Path

import numpy as np
from PIL import Image
from PIL import ImageDraw
from PIL import ImageFont

import keras_perceptual.validation as validation
from keras_perceptual.cluster_matching import cluster_to_class

# Pillow modes of high-bit-depth grayscale (16-bit PNGs open as "I;16" or "I"):
# scaled by their full range, never clipped to 8 bits.
HIGH_DEPTH_MODES = {"I;16": 65535, "I;16B": 65535, "I;16L": 65535, "I;16N": 65535, "I": 65535}


def open_image(path):
    """The decoded Pillow image of the file `path`, or a ValueError naming
    the file (missing, unreadable, not an image, truncated or corrupt)."""
    try:
        image = Image.open(path)
        image.load()
    except Exception as e:  # Pillow raises OSError, SyntaxError, DecompressionBombError, ...
        raise validation.fail("image file", "a readable image (PNG, JPEG, BMP, GIF, ...)",
                              f"{str(path)!r}, which cannot be read ({type(e).__name__}: {e})") from e
    return image


def check_image_file(path):
    """Refuses (ValueError naming the file) a file Pillow cannot open and
    verify, without decoding all of it."""
    try:
        with Image.open(path) as image:
            image.verify()
    except Exception as e:
        raise validation.fail("image file", "a readable image (PNG, JPEG, BMP, GIF, ...)",
                              f"{str(path)!r}, which cannot be read ({type(e).__name__}: {e})") from e
    return path


def read_image(path, image_shape):
    """One image file -> float32 `(h, w, c)` in [-1, 1] at `image_shape`
    (resized with Pillow, bicubic, when needed; c is 1 or 3). The pixel
    values are scaled by the file's real bit depth: 8-bit by 255, 16-bit
    grayscale by 65535."""
    height, width, channels = image_shape
    validation.expect_choice("channels", channels, (1, 3))
    image = open_image(path)
    if image.mode in HIGH_DEPTH_MODES:
        top = HIGH_DEPTH_MODES[image.mode]
        values = np.asarray(image, dtype="float64")
        if values.size and (values.min() < 0 or values.max() > top):
            raise validation.fail("image file", f"a {image.mode} image with values in [0, {top}]",
                                  f"{str(path)!r} with values in [{values.min():g}, {values.max():g}]")
        gray = Image.fromarray((values / top).astype("float32"), mode="F")
        if gray.size != (width, height):
            gray = gray.resize((width, height), Image.BICUBIC)
        unit = np.clip(np.asarray(gray, dtype="float32"), 0.0, 1.0)[..., None]
        unit = np.repeat(unit, channels, axis=-1)
    elif image.mode == "F":
        raise validation.fail("image file", "an 8- or 16-bit image", f"{str(path)!r}, a 32-bit float image "
                              "of unknown range", hint="Save it as an 8- or 16-bit PNG.")
    else:
        image = image.convert("L" if channels == 1 else "RGB")
        if image.size != (width, height):
            image = image.resize((width, height), Image.BICUBIC)
        unit = np.asarray(image, dtype="float32").reshape(height, width, channels) / 255.0
    return (2.0 * unit - 1.0).astype("float32")


def read_images(paths, image_shape):
    """Image files -> float32 `(n, h, w, c)` in [-1, 1] (see `read_image`)."""
    out = [read_image(path, image_shape) for path in paths]
    return np.stack(out) if out else np.zeros((0,) + tuple(image_shape), "float32")


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


def _font(size=12):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: one bitmap size
        return ImageFont.load_default()


def caption_grid(grid, rows, columns, row_labels=None, column_labels=None, padding=2):
    """Adds black text on white margins to a PIL grid of `rows` x `columns`
    cells: `row_labels` (one per row, or repeated cyclically, e.g.
    `["original", "reconstruction"]`) at the left, `column_labels` (one per
    column) on top. Returns a new RGB image."""
    if not row_labels and not column_labels:
        return grid
    font = _font()
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))

    def width(text):
        box = measure.textbbox((0, 0), str(text), font=font)
        return box[2] - box[0]

    left = 6 + max(map(width, row_labels)) if row_labels else 0
    top = 18 if column_labels else 0
    out = Image.new("RGB", (grid.width + left, grid.height + top), "white")
    out.paste(grid.convert("RGB"), (left, top))
    draw = ImageDraw.Draw(out)
    cell_h = (grid.height - padding) / rows
    cell_w = (grid.width - padding) / columns
    for r in range(rows if row_labels else 0):
        text = str(row_labels[r % len(row_labels)])
        draw.text((2, top + r * cell_h + cell_h / 2), text, fill="black", font=font, anchor="lm")
    for c, text in enumerate(column_labels or ()):
        if c >= columns:
            break
        draw.text((left + c * cell_w + cell_w / 2, top / 2), str(text), fill="black", font=font, anchor="mm")
    return out


# The title of every picture of a smoke run (the driver's grids, the examples'
# --smoke pictures, a smoke preset's samples.png): a smoke run checks that the
# code runs; its pictures are no result.
SMOKE_CAPTION = "SMOKE RUN: untrained, a few steps on tiny data - not a result"
def title_image(image, title):
    """`image` (PIL) below `title` in black on a white band, the text
    wrapped to the image's width (at least 200 pixels: a narrow image is
    widened). Returns a new image of `image`'s mode (grey stays grey);
    `image` itself when `title` is empty."""
    if not title:
        return image
    font = _font()
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    width = max(image.width, 200)
    lines, line = [], ""
    for word in str(title).split():
        candidate = f"{line} {word}".strip()
        box = measure.textbbox((0, 0), candidate, font=font)
        if line and box[2] - box[0] > width - 8:
            lines.append(line)
            candidate = word
        line = candidate
    lines.append(line)
    band = 6 + 15 * len(lines)
    out = Image.new("RGB", (width, image.height + band), "white")
    out.paste(image.convert("RGB"), ((width - image.width) // 2, band))
    draw = ImageDraw.Draw(out)
    for i, text in enumerate(lines):
        draw.text((4, 3 + 15 * i), text, fill="black", font=font)
    return out.convert(image.mode) if image.mode in ("L", "RGB") else out


def save_image_grid(images, path, columns=None, padding=2, scale=1, row_labels=None, column_labels=None,
                    title=None):
    """Writes `images` (in [-1, 1]) as one PNG grid; returns the path.
    `scale` enlarges each pixel (nearest neighbour) for small images;
    `row_labels` / `column_labels` caption the rows and columns (see
    `caption_grid`); `title` is written above the grid (`title_image`)."""
    images = np.asarray(images)
    grid = Image.fromarray(image_grid(images, columns, padding))
    if scale != 1:
        grid = grid.resize((grid.width * scale, grid.height * scale), Image.NEAREST)
    columns = columns or int(np.ceil(np.sqrt(len(images))))
    rows = int(np.ceil(len(images) / columns))
    grid = caption_grid(grid, rows, columns, row_labels, column_labels, padding * scale)
    grid = title_image(grid, title)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    grid.save(path)
    return path


# Ten distinguishable colours (Tableau 10), one per class.
PALETTE = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
           (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


def code_scatter(points, labels, path, class_names=None, axis_labels=("z[0]", "z[1]"), size=480, radius=2,
                 title=None):
    """A PNG scatter plot of 2-D codes coloured by class, with Pillow: axes
    with their labels and min / max ticks, and a legend of the class names.

    Args:
        points: `(n, 2)` codes.
        labels: `(n,)` integer classes.
        path: the PNG to write.
        class_names: one name per class (default: the class numbers).
        axis_labels: the x and y axis titles.
        size: the plot area's side in pixels.
        radius: the dots' radius.
        title: written above the plot (e.g. `SMOKE_CAPTION`).

    Returns:
        The path.
    """
    points = np.asarray(points, "float64")
    labels = np.asarray(labels).astype(int)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) != len(labels):
        raise ValueError(
            f"`points` must be (n, 2) with one label each. Received: points.shape={points.shape}, "
            f"labels.shape={labels.shape}"
        )
    names = [str(n) for n in class_names] if class_names is not None else [str(k) for k in range(labels.max() + 1)]
    font = _font()
    left, bottom, legend = 56, 40, 12 + max(ImageDraw.Draw(Image.new("RGB", (1, 1))).textlength(n, font=font)
                                           for n in names) + 24
    image = Image.new("RGB", (left + size + 8 + int(legend), size + bottom + 8), "white")
    draw = ImageDraw.Draw(image)
    lo, hi = points.min(0), points.max(0)
    span = np.maximum(hi - lo, 1e-6)
    xy = (points - lo) / span * (size - 16) + 8
    for (x, y), label in zip(xy, labels):
        x, y = left + x, 8 + size - y  # up is up
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=PALETTE[label % len(PALETTE)])
    x0, y0, x1, y1 = left, 8, left + size, 8 + size
    draw.rectangle((x0, y0, x1, y1), outline="black")
    for value, x in ((lo[0], x0 + 8), (hi[0], x1 - 8)):  # x ticks
        draw.line((x, y1, x, y1 + 4), fill="black")
        draw.text((x, y1 + 6), f"{value:.2g}", fill="black", font=font, anchor="mt")
    for value, y in ((lo[1], y1 - 8), (hi[1], y0 + 8)):  # y ticks
        draw.line((x0 - 4, y, x0, y), fill="black")
        draw.text((x0 - 6, y), f"{value:.2g}", fill="black", font=font, anchor="rm")
    draw.text(((x0 + x1) / 2, y1 + 22), axis_labels[0], fill="black", font=font, anchor="mt")
    draw.text((4, (y0 + y1) / 2), axis_labels[1], fill="black", font=font, anchor="lm")
    for k, name in enumerate(names):  # legend
        y = y0 + 4 + 16 * k
        draw.rectangle((x1 + 12, y, x1 + 22, y + 10), fill=PALETTE[k % len(PALETTE)])
        draw.text((x1 + 28, y + 5), name, fill="black", font=font, anchor="lm")
    image = title_image(image, title)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def cluster_grid(images, clusters, path, per_row=10, labels=None, class_names=None, scale=2, title=None):
    """Row k: up to `per_row` images assigned to cluster k (blank if fewer),
    captioned "cluster k", plus the class it stands for (its Hungarian or
    majority match, `cluster_matching.cluster_to_class`) when `labels` are given;
    `title` above the grid (e.g. `SMOKE_CAPTION`). Returns the path."""
    images, clusters = np.asarray(images), np.asarray(clusters).astype(int)
    k = int(clusters.max()) + 1
    rows, captions = [], []
    matched = {}
    if labels is not None:
        matched = cluster_to_class(np.asarray(labels), clusters)
    for c in range(k):
        members = images[clusters == c][:per_row]
        row = np.ones((per_row,) + images.shape[1:], "float32")
        row[: len(members)] = members
        rows.append(row)
        name = matched.get(c)
        if name is not None and class_names is not None:
            name = class_names[int(name)]
        captions.append(f"cluster {c}" + ("" if name is None else f": {name}"))
    return save_image_grid(np.concatenate(rows), path, columns=per_row, scale=scale, row_labels=captions,
                           title=title)


def line_plot(points, path, x_label, y_label, title=None, caption=None, size=(480, 240)):
    """A PNG line plot of `(x, y)` points with Pillow: axes with their labels
    and min / middle / max ticks, a title above and a caption below (both
    wrapped to the plot's width). Non-finite values are left out of the line
    (and counted in the caption).

    Args:
        points: `(n, 2)` numbers, n >= 1, in x order.
        path: the PNG to write.
        x_label, y_label: the axis titles.
        title: text above the plot.
        caption: text below the plot.
        size: `(width, height)` of the plot area in pixels.

    Returns:
        The path.
    """
    import textwrap

    points = np.asarray(points, "float64")
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
        raise ValueError(f"`points` must be (n, 2) with n >= 1. Received: shape={points.shape}")
    finite = points[np.all(np.isfinite(points), axis=1)]
    dropped = len(points) - len(finite)
    font = _font()
    width, height = size
    left, right = 64, 16
    wrap = max(20, (left + width + right) // 7)
    title_lines = textwrap.wrap(title, wrap) if title else []
    caption_lines = textwrap.wrap(caption, wrap) if caption else []
    if dropped:
        caption_lines.append(f"({dropped} non-finite value(s) not drawn)")
    top = 24 + 16 * len(title_lines)  # the title, then a line for the y axis's title
    bottom = 44 + 16 * len(caption_lines)
    image = Image.new("RGB", (left + width + right, top + height + bottom), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(title_lines):
        draw.text(((left + width + right) / 2, 4 + 16 * i), line, fill="black", font=font, anchor="mt")
    x0, y0, x1, y1 = left, top, left + width, top + height
    draw.rectangle((x0, y0, x1, y1), outline="black")
    if len(finite):
        lo, hi = finite.min(0), finite.max(0)
        span = np.where(hi - lo > 0, hi - lo, 1.0)
        xy = (finite - lo) / span
        xs = x0 + 8 + xy[:, 0] * (width - 16)
        ys = y1 - 8 - xy[:, 1] * (height - 16)  # up is up
        if len(finite) > 1:
            draw.line(list(zip(xs, ys)), fill=PALETTE[0], width=2)
        for x, y in zip(xs, ys):
            draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill=PALETTE[0])
        for t in (0.0, 0.5, 1.0):
            x, y = x0 + 8 + t * (width - 16), y1 - 8 - t * (height - 16)
            draw.line((x, y1, x, y1 + 4), fill="black")
            draw.text((x, y1 + 6), f"{lo[0] + t * (hi[0] - lo[0]):.4g}", fill="black", font=font, anchor="mt")
            draw.line((x0 - 4, y, x0, y), fill="black")
            draw.text((x0 - 6, y), f"{lo[1] + t * (hi[1] - lo[1]):.3g}", fill="black", font=font, anchor="rm")
    draw.text(((x0 + x1) / 2, y1 + 22), x_label, fill="black", font=font, anchor="mt")
    draw.text((4, y0 - 16), y_label, fill="black", font=font, anchor="lt")
    for i, line in enumerate(caption_lines):
        draw.text(((x0 + x1) / 2, y1 + 40 + 16 * i), line, fill="black", font=font, anchor="mt")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def interleave_rows(originals, reconstructions, columns=16):
    """Rows of `columns` originals, each followed by its reconstructions' row."""
    originals = np.asarray(originals)
    reconstructions = np.asarray(reconstructions)
    rows = []
    for i in range(0, len(originals), columns):
        rows.append(originals[i : i + columns])
        rows.append(reconstructions[i : i + columns])
    return np.concatenate(rows, axis=0)
