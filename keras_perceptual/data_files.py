"""The zoo's data on disk, read with NumPy and Pillow only (no TensorFlow):
Fashion-MNIST's IDX files, its class names and splits, and the CelebA
sources that `keras_perceptual.datasets` (tf.data) streams.

Importing this module never loads TensorFlow, so a JAX or PyTorch run that
only needs arrays (Fashion-MNIST, pictures' captions) stays free of it;
`keras_perceptual.datasets` re-exports every name here.

CelebA is found in a folder `DIR` in one of three layouts (`find_celeba`):

- a prepared `tensorflow_datasets` directory (`DIR/celeb_a/...`);
- the official files: `DIR/img_align_celeba.zip` (or the folder
  `DIR/img_align_celeba/` it unpacks to), with `DIR/list_attr_celeba.txt`
  for the 40 attributes and, optionally, `DIR/list_eval_partition.txt` for
  the official splits;
- a plain folder of aligned 178x218 CelebA images (every image under it).
"""

import contextlib
import dataclasses
import gzip
import io
import os
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

import keras_perceptual.validation as validation

FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)


def class_names(num_classes, dataset="fashion_mnist"):
    """Captions for `num_classes` classes: Fashion-MNIST's ten names, else
    the class numbers ("0", "1", ...)."""
    if dataset == "fashion_mnist" and num_classes == len(FASHION_MNIST_CLASSES):
        return list(FASHION_MNIST_CLASSES)
    return [str(i) for i in range(num_classes)]


_FASHION_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
# The zoo's splits of Fashion-MNIST. The official training file (60,000
# images) is cut in two: "train", its first 55,000 images, which every
# recipe trains on, and "validation", its last 5,000 (1/12 of the file),
# on which budgets, stopping points and every tuning choice are picked.
# "test" (the official 10,000) is used once, for the final tables.
FASHION_MNIST_SPLITS = ("train", "validation", "test", "train+validation")
VALIDATION_FRACTION = 12  # validation = the last len(file) // 12 images: 5,000 of 60,000
FASHION_MNIST_SEARCH_PATH = (
    "$KERAS_PERCEPTUAL_DATA",
    "/usr/share/datasets/fashion-mnist",
    "~/.keras/datasets/fashion-mnist",
)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def _check_split(split, splits):
    validation.expect_choice("split", split, splits)


def _read_idx(path):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    ndim = magic & 0xFF
    if magic >> 8 != 0x08:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes (magic {magic:#x}).")
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _find_idx(folder, stem):
    for name in (stem + ".gz", stem):
        if (folder / name).exists():
            return folder / name
    return None


def find_fashion_mnist(path=None):
    """The folder holding Fashion-MNIST's IDX files: `path`, then
    `$KERAS_PERCEPTUAL_DATA` (or its `fashion-mnist/`),
    `/usr/share/datasets/fashion-mnist/` (Debian's `dataset-fashion-mnist`),
    `~/.keras/datasets/fashion-mnist/`. None when no copy is found."""
    if path:
        candidates = [path]
    else:
        env = os.environ.get("KERAS_PERCEPTUAL_DATA")
        candidates = [env, os.path.join(env, "fashion-mnist")] if env else []
        candidates += list(FASHION_MNIST_SEARCH_PATH[1:])
    for c in candidates:
        folder = Path(os.path.expanduser(c))
        if all(_find_idx(folder, stem) for stem in _FASHION_FILES["train"] + _FASHION_FILES["test"]):
            return folder
    if path:
        raise ValueError(
            f"No Fashion-MNIST IDX files (train-images-idx3-ubyte[.gz], ...) in {path}."
        )
    return None


def load_fashion_mnist(split="train", path=None):
    """Fashion-MNIST as NumPy: `(images uint8 (n, 28, 28), labels uint8 (n,))`.

    Reads the official IDX files from the first folder `find_fashion_mnist`
    finds; downloads through `keras.datasets.fashion_mnist` only when there
    is none.

    Args:
        split: "train" (the first 55,000 images of the official training
            file), "validation" (its last 5,000), "test" (the official
            10,000) or "train+validation" (the whole training file).
        path: folder of the IDX files (see `find_fashion_mnist`).
    """
    _check_split(split, FASHION_MNIST_SPLITS)
    folder = find_fashion_mnist(path)
    source = "test" if split == "test" else "train"
    if folder is None:
        import keras  # only to download: a copy on disk needs no Keras

        (xtr, ytr), (xte, yte) = keras.datasets.fashion_mnist.load_data()
        x, y = (xte, yte) if source == "test" else (xtr, ytr)
    else:
        images_stem, labels_stem = _FASHION_FILES[source]
        x, y = _read_idx(_find_idx(folder, images_stem)), _read_idx(_find_idx(folder, labels_stem))
    if split in ("train", "validation"):
        cut = len(x) - len(x) // VALIDATION_FRACTION
        x, y = (x[:cut], y[:cut]) if split == "train" else (x[cut:], y[cut:])
    return x, y


def unit_range(images):
    """uint8 [0, 255] (NumPy) -> float32 [-1, 1]."""
    return np.asarray(images).astype("float32") / 127.5 - 1.0


def fashion_mnist_arrays(split="train", limit=None, labels=False, path=None):
    """Fashion-MNIST as a NumPy float32 array `(n, 28, 28, 1)` in [-1, 1]
    (and int64 labels `(n,)` when `labels=True`); the first `limit` images
    of `split` (see `load_fashion_mnist`: "train", "validation", "test",
    "train+validation") when given."""
    limit = validation.expect_int("limit", limit, minimum=1, allow_none=True)
    validation.expect_bool("labels", labels)
    x, y = load_fashion_mnist(split, path)
    if limit is not None:
        x, y = x[:limit], y[:limit]
    x = unit_range(x)[..., None]
    return (x, y.astype("int64")) if labels else x


def list_image_files(directory):
    """Every image file (by suffix, `IMAGE_SUFFIXES`) under `directory`,
    recursively, sorted; refuses a path that is not a folder or holds no
    image."""
    if not isinstance(directory, (str, os.PathLike)) or not Path(directory).is_dir():
        raise validation.fail("directory", "an existing folder of images",
                              f"directory={str(directory)!r}, which is not a folder")
    files = sorted(str(p) for p in Path(directory).rglob("*")
                   if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise validation.fail("directory", f"a folder holding {'/'.join(IMAGE_SUFFIXES)} images",
                              f"{str(directory)!r}, which holds none")
    return files


# -- CelebA on disk ---------------------------------------------------------------
CELEBA_ZIP = "img_align_celeba.zip"
CELEBA_FOLDER = "img_align_celeba"
CELEBA_ATTRIBUTES = "list_attr_celeba.txt"
CELEBA_PARTITION = "list_eval_partition.txt"
CELEBA_TFDS = "celeb_a"
CELEBA_SPLITS = ("train", "validation", "test")
# The official split by image number (list_eval_partition.txt): 1..162770
# train, ..182637 validation, the rest test.
CELEBA_LAST_OF_SPLIT = {"train": 162770, "validation": 182637}
CELEBA_SHAPE = (218, 178, 3)  # aligned images: rows, columns, channels
CELEBA_LAYOUTS = (f"a prepared tensorflow_datasets folder (DIR/{CELEBA_TFDS}/), the official DIR/{CELEBA_ZIP} "
                  f"(or DIR/{CELEBA_FOLDER}/) with DIR/{CELEBA_ATTRIBUTES} for attributes, or a folder of the "
                  "aligned 178x218 CelebA images")


@dataclasses.dataclass(frozen=True)
class CelebAFiles:
    """CelebA found in a folder (see `find_celeba`).

    Attributes:
        kind: "tfds", "zip" or "folder".
        root: the folder given.
        names: the images: zip member names ("zip") or file paths
            ("folder"), sorted; empty for "tfds".
        archive: the zip file ("zip" only).
    """

    kind: str
    root: Path
    names: tuple = ()
    archive: Path = None

    @contextlib.contextmanager
    def reader(self):
        """`with source.reader() as read:` `read(name)` gives the bytes of
        image `name` (one of `names`); the zip is opened once."""
        if self.kind == "zip":
            with zipfile.ZipFile(self.archive) as z:
                yield z.read
        else:
            yield lambda name: Path(name).read_bytes()

    def read(self, name):
        """The bytes of image `name` (one of `names`)."""
        with self.reader() as read:
            return read(name)

    def split(self, split):
        """The images of `split` ("train", "validation", "test"): by
        `list_eval_partition.txt` when DIR has it, else by the official
        image numbers (000001.jpg ...); images named otherwise (a plain
        folder) are all "train"."""
        _check_split(split, CELEBA_SPLITS)
        partition = _read_partition(self.root / CELEBA_PARTITION)
        wanted = CELEBA_SPLITS.index(split)
        out = []
        for name in self.names:
            base = os.path.basename(name)
            if partition is not None and base in partition:
                part = partition[base]
            else:
                stem = os.path.splitext(base)[0]
                number = int(stem) if stem.isdigit() else 0
                part = 0 if number <= CELEBA_LAST_OF_SPLIT["train"] else (
                    1 if number <= CELEBA_LAST_OF_SPLIT["validation"] else 2)
            if part == wanted:
                out.append(name)
        return out

    def attributes(self, names):
        """`(attribute names sorted alphabetically, float32 (len(names), 40)
        of 0/1)` for `names`, from `list_attr_celeba.txt`."""
        path = self.root / CELEBA_ATTRIBUTES
        if not path.is_file():
            raise validation.fail(
                "data_dir", f"a CelebA folder holding {CELEBA_ATTRIBUTES} (the attributes a conditional model "
                "needs)", f"data_dir={str(self.root)!r}, which has none",
                hint=f"Put the official {CELEBA_ATTRIBUTES} next to the images, or train unconditionally.")
        header, table = read_celeba_attributes(path)
        order = np.argsort(header)
        missing = [n for n in names if os.path.basename(n) not in table]
        if missing:
            raise validation.fail("data_dir", f"{CELEBA_ATTRIBUTES} to list every image",
                                  f"{len(missing)} image(s) not in it, e.g. {os.path.basename(missing[0])!r}")
        values = np.stack([table[os.path.basename(n)] for n in names]) if names else np.zeros((0, len(header)))
        return [header[i] for i in order], (values[:, order] > 0).astype("float32")


def read_celeba_attributes(path):
    """`(names, {file: int8 array of -1/1})` of an official
    `list_attr_celeba.txt`: a count line, a line of the 40 attribute names,
    then one line per image, `000001.jpg -1 1 ...`."""
    lines = Path(path).read_text().splitlines()
    if len(lines) < 2:
        raise validation.fail(CELEBA_ATTRIBUTES, "the official attribute list (a count, the names, a row per "
                              "image)", f"{str(path)!r} of {len(lines)} line(s)")
    header = lines[1].split()
    table = {}
    for number, line in enumerate(lines[2:], start=3):
        fields = line.split()
        if not fields:
            continue
        values = fields[1:]
        if len(values) != len(header) or any(v not in ("-1", "1") for v in values):
            raise validation.fail(CELEBA_ATTRIBUTES, f"{len(header)} values of -1 or 1 after each file name",
                                  f"line {number} of {str(path)!r}: {line[:80]!r}")
        table[fields[0]] = np.array(values, dtype="int8")
    return header, table


def _read_partition(path):
    if not path.is_file():
        return None
    out = {}
    for line in path.read_text().splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[1] in ("0", "1", "2"):
            out[fields[0]] = int(fields[1])
    return out


def find_celeba(data_dir):
    """CelebA in `data_dir` (see the module's docstring for the three
    layouts): a `CelebAFiles`. Checks the first image's size (aligned
    CelebA is 178x218: Larsen et al.'s crop needs it)."""
    if not isinstance(data_dir, (str, os.PathLike)) or not Path(data_dir).is_dir():
        raise validation.fail("data_dir", f"a folder holding CelebA: {CELEBA_LAYOUTS}",
                              f"data_dir={str(data_dir)!r}, which is not a folder")
    root = Path(data_dir)
    if (root / CELEBA_TFDS).is_dir():
        return CelebAFiles("tfds", root)
    if (root / CELEBA_ZIP).is_file():
        archive = root / CELEBA_ZIP
        try:
            with zipfile.ZipFile(archive) as z:
                names = sorted(n for n in z.namelist()
                               if not n.endswith("/") and os.path.splitext(n)[1].lower() in IMAGE_SUFFIXES)
        except (zipfile.BadZipFile, OSError) as e:
            raise validation.fail("data_dir", f"a readable {CELEBA_ZIP}",
                                  f"{str(archive)!r} ({type(e).__name__}: {e})") from None
        if not names:
            raise validation.fail("data_dir", f"{CELEBA_ZIP} holding the aligned images "
                                  f"({CELEBA_FOLDER}/000001.jpg ...)", f"{str(archive)!r}, which holds none")
        source = CelebAFiles("zip", root, tuple(names), archive)
    else:
        folder = root / CELEBA_FOLDER if (root / CELEBA_FOLDER).is_dir() else root
        try:
            names = list_image_files(folder)
        except ValueError:
            raise validation.fail("data_dir", f"a folder holding CelebA: {CELEBA_LAYOUTS}",
                                  f"data_dir={str(data_dir)!r}, which holds none of these") from None
        source = CelebAFiles("folder", root, tuple(names))
    _check_celeba_image(source, source.names[0])
    return source


def _check_celeba_image(source, name):
    try:
        with Image.open(io.BytesIO(source.read(name))) as image:
            size = image.size
    except Exception as e:  # Pillow raises many kinds for a broken file
        raise validation.fail("data_dir", "CelebA images readable as JPEG/PNG",
                              f"{name!r} ({type(e).__name__}: {' '.join(str(e).split())[:120]})") from None
    if size != (CELEBA_SHAPE[1], CELEBA_SHAPE[0]):
        raise validation.fail("data_dir", "the aligned CelebA images, 178 wide and 218 high (Larsen et al.'s "
                              "crop, rows 40:188 and columns 15:163, is defined on them)",
                              f"{name!r} of {size[0]}x{size[1]}",
                              hint="Train on other images with the `image_folder_dataset` of "
                                   "keras_perceptual.datasets.")
