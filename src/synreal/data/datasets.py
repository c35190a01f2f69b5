"""Real datasets: the embedded ``digits`` default and users' ImageFolder and ``.npz`` files.

Each loader returns an ``ImageSet`` (float32 (N, C, H, W) in [0, 1]) and is registered in
``DATASETS`` so that a spec names it. Loaders for users' data read local files only.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from synreal.data.base import ImageSet
from synreal.errors import UserInputError
from synreal.registry import Registry

DATASETS: Registry = Registry("dataset")
"""name -> loader(path: Path | None, *, image_size, channels, file, key) -> ImageSet"""

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff"}


@DATASETS.register("digits", doc="scikit-learn's 1,797 real handwritten digits (8x8, 0..16), shipped with the package")
def load_digits_set(path: Path | None = None, **_: object) -> ImageSet:
    """The embedded default: scikit-learn's real handwritten digits.

    Returns:
        1,797 images (1, 8, 8) in [0, 1] (the 0..16 ink counts divided by 16), classes "0".."9".

    Example:
        >>> s = load_digits_set()
        >>> len(s), s.shape, s.classes[:3]
        (1797, (1, 8, 8), ['0', '1', '2'])
    """
    from sklearn.datasets import load_digits

    d = load_digits()
    images = (d.images.astype(np.float32) / 16.0)[:, None, :, :]
    return ImageSet(images, d.target.astype(np.int64), [str(c) for c in d.target_names], {"dataset": "digits"})


def _need_path(path: Path | None, kind: str, file: str | None, key: str | None) -> Path:
    if path is None:
        raise UserInputError(f"dataset {kind!r} needs a path", file=file, key=key)
    path = Path(path).expanduser()
    if not path.exists():
        raise UserInputError(f"no such file or directory: {path}", file=file, key=key)
    return path


@DATASETS.register("folder", doc="ImageFolder layout: one subfolder per class holding PNG/JPEG images")
def load_image_folder(
    path: Path | None,
    *,
    image_size: int | None = None,
    channels: int | None = None,
    file: str | None = None,
    key: str | None = None,
) -> ImageSet:
    """Read an ImageFolder-style directory (``root/<class>/<image>.png``).

    Args:
        path: the root directory; each subfolder is a class, sorted by name.
        image_size: resize every image to this square size; required when sizes differ.
        channels: 1 (grayscale) or 3 (RGB); by default 1 if every image is grayscale.
        file, key: where the path came from, for messages.

    Returns:
        An ImageSet with classes = subfolder names.

    Example:
        >>> load_image_folder(Path("my_digits"), image_size=8)  # doctest: +SKIP
    """
    from PIL import Image, UnidentifiedImageError

    root = _need_path(path, "folder", file, key)
    if not root.is_dir():
        raise UserInputError(f"{root} is not a directory (expected one subfolder per class)", file=file, key=key)
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise UserInputError(f"{root} has no class subfolders (expected root/<class>/<image>.png)", file=file, key=key)
    paths: list[Path] = []
    labels: list[int] = []
    for ci, name in enumerate(classes):
        files = sorted(p for p in (root / name).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise UserInputError(f"class folder {root / name} holds no PNG/JPEG images", file=file, key=key)
        paths += files
        labels += [ci] * len(files)
    pil = []
    for p in paths:
        try:
            with Image.open(p) as im:
                im.load()
                pil.append(im.copy())
        except (UnidentifiedImageError, OSError) as exc:
            raise UserInputError(f"cannot read image {p}: {exc}", file=file, key=key) from None
    if channels is None:
        channels = 1 if all(im.mode in ("L", "1", "I", "I;16") for im in pil) else 3
    mode = "L" if channels == 1 else "RGB"
    sizes = {im.size for im in pil}
    if image_size is None and len(sizes) > 1:
        raise UserInputError(
            f"images in {root} have {len(sizes)} different sizes (e.g. {sorted(sizes)[:3]}); set image_size to resize",
            file=file,
            key=key,
        )
    arrays = []
    for im in pil:
        im = im.convert(mode)
        if image_size is not None and im.size != (image_size, image_size):
            im = im.resize((image_size, image_size), Image.BILINEAR)
        a = np.asarray(im, dtype=np.float32) / 255.0
        arrays.append(a[None] if a.ndim == 2 else a.transpose(2, 0, 1))
    return ImageSet(np.stack(arrays), np.asarray(labels, np.int64), classes, {"dataset": "folder", "path": str(root)})


@DATASETS.register("npz", doc=".npz with 'images' (N,H,W | N,C,H,W | N,H,W,C) and 'labels'; optional 'classes'")
def load_npz(
    path: Path | None,
    *,
    image_size: int | None = None,
    channels: int | None = None,
    file: str | None = None,
    key: str | None = None,
) -> ImageSet:
    """Read images and labels from an ``.npz`` file.

    Args:
        path: the file. It must hold ``images`` ((N, H, W), (N, C, H, W) or (N, H, W, C);
            uint8 in 0..255, or floats in [0, 1]) and ``labels`` (N integers, or N strings).
            An optional ``classes`` array names the classes that integer labels index;
            an optional ``max_value`` scalar gives the full-scale value (e.g. 16 for digits).
        image_size, channels: unused (accepted for a uniform loader signature).

    Returns:
        An ImageSet.

    Example:
        >>> load_npz(Path("synthetic.npz"))  # doctest: +SKIP
    """
    p = _need_path(path, "npz", file, key)
    try:
        z = np.load(p, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise UserInputError(f"cannot read {p} as .npz: {exc}", file=file, key=key) from None
    for k in ("images", "labels"):
        if k not in z.files:
            raise UserInputError(f"{p} has no array {k!r} (found: {', '.join(z.files) or 'nothing'})", file=file, key=key)
    images = np.asarray(z["images"])
    raw_labels = np.asarray(z["labels"])
    if images.ndim == 3:
        images = images[:, None]
    elif images.ndim == 4 and images.shape[-1] in (1, 3) and images.shape[1] not in (1, 3):
        images = images.transpose(0, 3, 1, 2)
    elif images.ndim != 4:
        raise UserInputError(f"{p}: 'images' has shape {images.shape}; expected (N,H,W), (N,C,H,W) or (N,H,W,C)", file=file, key=key)
    if len(images) != len(raw_labels):
        raise UserInputError(f"{p}: {len(images)} images but {len(raw_labels)} labels", file=file, key=key)
    if "max_value" in z.files:
        scale = float(z["max_value"])
    elif images.dtype == np.uint8:
        scale = 255.0
    else:
        scale = 1.0
    images = images.astype(np.float32) / scale
    if images.size and (images.min() < -1e-6 or images.max() > 1 + 1e-6):
        raise UserInputError(
            f"{p}: pixel values span {images.min():.3g}..{images.max():.3g} after scaling by {scale:g}; "
            "store uint8 0..255, floats in [0, 1], or add a 'max_value' entry",
            file=file,
            key=key,
        )
    if "classes" in z.files:
        classes = [str(c) for c in z["classes"]]
        labels = raw_labels.astype(np.int64)
        if labels.size and (labels.min() < 0 or labels.max() >= len(classes)):
            raise UserInputError(f"{p}: labels run {labels.min()}..{labels.max()} but there are {len(classes)} classes", file=file, key=key)
    elif raw_labels.dtype.kind in "iu":
        classes = [str(c) for c in sorted(set(raw_labels.tolist()))]
        lookup = {int(c): i for i, c in enumerate(sorted(set(raw_labels.tolist())))}
        labels = np.array([lookup[int(v)] for v in raw_labels], np.int64)
    else:
        classes = sorted({str(v) for v in raw_labels})
        lookup = {c: i for i, c in enumerate(classes)}
        labels = np.array([lookup[str(v)] for v in raw_labels], np.int64)
    return ImageSet(np.clip(images, 0, 1), labels, classes, {"dataset": "npz", "path": str(p)})


def file_fingerprint(path: Path) -> str:
    """Content hash of a file or of every file under a directory (16 hex digits)."""
    h = hashlib.sha256()
    path = Path(path)
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for f in files:
        h.update(str(f.relative_to(path) if f != path else f.name).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def align_classes(data: ImageSet, classes: list[str], *, what: str, file: str | None = None, key: str | None = None) -> ImageSet:
    """Relabel ``data`` so its labels index ``classes``; a clear error on a label mismatch."""
    if data.classes == classes:
        return data
    unknown = sorted(set(data.classes) - set(classes))
    if unknown:
        raise UserInputError(
            f"{what} has classes {unknown} that the real data does not have (real classes: {classes})",
            file=file,
            key=key,
        )
    lookup = np.array([classes.index(c) for c in data.classes], np.int64)
    return ImageSet(data.images, lookup[data.labels], list(classes), dict(data.meta))
