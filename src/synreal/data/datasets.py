"""Real datasets: the embedded ``digits`` default, users' ImageFolder and ``.npz`` files, embeddings.

Each loader returns an ``ImageSet`` (float32 (N, C, H, W) in [0, 1]) or, for ``embeddings``,
a ``FeatureSet`` (float32 (N, D)), and is registered in ``DATASETS`` so that a spec names it.
Loaders read local files only. ``image_size`` and ``channels`` bring every image to one
shape through the one conversion path (``synreal.data.convert`` under a
``ConversionPolicy``); sets too large for memory are decoded once into a memory-mapped
cache (``synreal.data.cache``). Bad input (NaN pixels, float labels, label ids beyond the
class list, a file that does not decode) is a ``UserInputError`` naming the file and the
image's index or path.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from synreal.data.base import FeatureSet, ImageSet, LabelledSet, MappedImages, with_labels
from synreal.data.cache import cache_key, cached_array, files_key, open_cached, progress_callback, use_cache
from synreal.data.convert import ConversionPolicy, InputShape, convert, stored_images, stored_layout, to_nchw, to_unit_range
from synreal.data.decode import IMAGE_SUFFIXES, decode_images, exact_as_uint8, scan_images, target_shape
from synreal.errors import UserInputError
from synreal.registry import Registry, callable_with

DATASETS: Registry = Registry("dataset", contract=[callable_with("path", "image_size", "channels", "key")])
"""name -> loader(path: Path | None, *, image_size, channels, file, key, [policy, cache, cache_dir]) -> set"""

# images per chunk when an .npz is streamed into the cache
_NPZ_CHUNK_BYTES = 32 << 20
# show a progress bar when decoding at least this many files
_PROGRESS_MIN = 5000


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


# --------------------------------------------------------------------------- labels


def parse_labels(
    raw: np.ndarray, classes: list[str] | None, n: int, *, file: str | None, key: str | None = None
) -> tuple[np.ndarray, list[str]]:
    """Labels as int64 indices into a class list, or a UserInputError naming the first bad one.

    Args:
        raw: N integers (indices into ``classes`` when given, else class values) or N
            strings (class names). Floats and booleans are rejected: a float label is
            usually a regression target or a mistake.
        classes: the class names stored beside the labels, if any.
        n: the number of images or feature rows.
        file, key: for messages.

    Returns:
        (labels int64 (N,), class names).

    Example:
        >>> parse_labels(np.array([3, 1, 3]), None, 3, file="x.npz")
        (array([1, 0, 1]), ['1', '3'])
        >>> parse_labels(np.array([0, 5]), ["a", "b"], 2, file="x.npz")
        Traceback (most recent call last):
        ...
        synreal.errors.UserInputError: x.npz: labels: label 1 is 5, outside the 2 classes (expected 0..1)
    """
    key = key or "labels"
    raw = np.asarray(raw)
    if raw.ndim != 1:
        raise UserInputError(f"labels must be a 1-D array, found shape {raw.shape}", file=file, key=key)
    if len(raw) != n:
        raise UserInputError(f"{n} images but {len(raw)} labels", file=file, key=key)
    if raw.dtype.kind == "f":
        hint = "store them as integers (labels.astype(int))" if np.all(np.isfinite(raw) & (raw == np.round(raw))) else None
        bad = int(np.flatnonzero(~np.isfinite(raw) | (raw != np.round(raw)))[0]) if hint is None else 0
        raise UserInputError(
            f"labels are floats (dtype {raw.dtype}, label {bad} is {raw[bad].item()!r}); expected integers or class-name strings",
            file=file, key=key, hint=hint,
        )
    if raw.dtype.kind not in "iuUS":
        raise UserInputError(f"labels must be integers or strings, found dtype {raw.dtype}", file=file, key=key)
    if raw.dtype.kind in "US":
        names = [v.decode() if isinstance(v, bytes) else str(v) for v in raw.tolist()]
        if classes is None:
            classes = sorted(set(names))
        lookup = {c: i for i, c in enumerate(classes)}
        missing = next((i for i, v in enumerate(names) if v not in lookup), None)
        if missing is not None:
            raise UserInputError(
                f"label {missing} is {names[missing]!r}, which is not among the classes {classes}", file=file, key=key
            )
        return np.array([lookup[v] for v in names], np.int64), list(classes)
    if classes is not None:
        labels = raw.astype(np.int64)
        bad = np.flatnonzero((labels < 0) | (labels >= len(classes)))
        if bad.size:
            i = int(bad[0])
            raise UserInputError(
                f"label {i} is {labels[i]}, outside the {len(classes)} classes (expected 0..{len(classes) - 1})",
                file=file, key=key,
            )
        return labels, list(classes)
    values = sorted(set(raw.tolist()))
    lookup = {v: i for i, v in enumerate(values)}
    return np.array([lookup[v] for v in raw.tolist()], np.int64), [str(v) for v in values]


def _classes_entry(z: Any, p: Path, file: str | None) -> list[str] | None:
    """The optional 'classes' array of an .npz, as names."""
    if "classes" not in z.files:
        return None
    arr = np.asarray(z["classes"])
    if arr.ndim != 1 or len(arr) == 0:
        raise UserInputError(f"{p}: 'classes' must be a non-empty 1-D array of names, found shape {arr.shape}", file=file, key="classes")
    names = [v.decode() if isinstance(v, bytes) else str(v) for v in arr.tolist()]
    if len(set(names)) != len(names):
        raise UserInputError(f"{p}: 'classes' names a class twice: {names}", file=file, key="classes")
    return names


def _open_npz(p: Path, file: str | None, key: str | None) -> Any:
    try:
        return np.load(p, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise UserInputError(f"cannot read {p} as .npz: {exc}", file=file, key=key) from None


def _array(z: Any, name: str, p: Path, file: str | None) -> np.ndarray:
    try:
        return np.asarray(z[name])
    except ValueError as exc:  # object arrays: pickles are never loaded
        raise UserInputError(f"{p}: cannot read {name!r}: {exc}", file=file, key=name) from None


# --------------------------------------------------------------------------- ImageFolder


@DATASETS.register("folder", doc="ImageFolder layout: one subfolder per class holding PNG/JPEG images")
def load_image_folder(
    path: Path | None,
    *,
    image_size: int | None = None,
    channels: int | None = None,
    policy: ConversionPolicy | None = None,
    cache: bool | None = None,
    cache_dir: str | Path | None = None,
    file: str | None = None,
    key: str | None = None,
) -> ImageSet:
    """Read an ImageFolder-style directory (``root/<class>/<image>.png``).

    Args:
        path: the root directory; each subfolder is a class, sorted by name.
        image_size: resize every image to this square size; required when sizes differ.
        channels: 1 (grey) or 3 (RGB); by default 1 if every image is grey.
        policy: how images are resized and recoloured (``ConversionPolicy``).
        cache: decode once into a memory-mapped cache file (True), never (False), or when
            the decoded images would exceed ``CACHE_MIN_BYTES`` (None).
        cache_dir: the cache directory (default ``synreal.data.cache.cache_dir()``).
        file, key: where the path came from, for messages.

    Returns:
        An ImageSet with classes = subfolder names; its images are ``MappedImages`` when cached.

    Example:
        >>> load_image_folder(Path("my_digits"), image_size=8)  # doctest: +SKIP
    """
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
    meta: dict[str, Any] = {"dataset": "folder", "path": str(root)}
    label_arr = np.asarray(labels, np.int64)
    if cache is None:
        # decide from the first image alone: reading every header costs as much as the cache saves
        guess = target_shape(scan_images(paths[:1]), image_size=image_size, channels=channels, what=str(root))
        cache = use_cache(None, len(paths), guess)
    if not cache:
        headers = scan_images(paths)
        target = target_shape(headers, image_size=image_size, channels=channels, what=str(root), file=file, key=key)
        return ImageSet(decode_images(paths, target, policy), label_arr, classes, meta)
    # the key covers what decides the array (files, size, channels, policy); the file's own
    # header then says its shape, so a reused cache needs no image header read at all
    k = cache_key("folder", files_key(paths, root), str(root.resolve()), image_size, channels,
                  (policy or ConversionPolicy()).model_dump())
    store = open_cached(k, directory=cache_dir)
    if store is None or len(store) != len(paths):
        headers = scan_images(paths)
        target = target_shape(headers, image_size=image_size, channels=channels, what=str(root), file=file, key=key)
        dtype = np.uint8 if exact_as_uint8(headers, target) else np.float32

        def fill(out: np.ndarray) -> None:
            update, close = progress_callback(len(paths), f"decoding {root.name}") if len(paths) >= _PROGRESS_MIN else (None, None)
            try:
                decode_images(paths, target, policy, out=out, progress=update)
            finally:
                if close is not None:
                    close()

        store = cached_array(k, (len(paths), *target), dtype, fill, directory=cache_dir)
    return ImageSet(MappedImages(store), label_arr, classes, meta | {"cache": str(store.filename)})


# --------------------------------------------------------------------------- .npz images


def _member_header(p: Path, name: str) -> tuple[tuple[int, ...], np.dtype, bool] | None:
    """(shape, dtype, fortran_order) of an .npz member from its header, or None if unreadable."""
    with zipfile.ZipFile(p) as zf:
        member = f"{name}.npy"
        if member not in zf.namelist():
            return None
        with zf.open(member) as fh:
            version = np.lib.format.read_magic(fh)
            reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, fortran, dtype = reader(fh)
    return tuple(shape), dtype, fortran


def _stream_rows(p: Path, name: str, shape: tuple[int, ...], dtype: np.dtype, rows: int):
    """(start, array) chunks of an .npz member, read without loading it whole."""
    per_row = int(np.prod(shape[1:])) * dtype.itemsize
    with zipfile.ZipFile(p) as zf, zf.open(f"{name}.npy") as fh:
        version = np.lib.format.read_magic(fh)
        (np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0)(fh)
        for start in range(0, shape[0], rows):
            k = min(rows, shape[0] - start)
            buf = fh.read(k * per_row)
            yield start, np.frombuffer(buf, dtype=dtype).reshape((k, *shape[1:]))


@DATASETS.register("npz", doc=".npz with 'images' (N,H,W | N,C,H,W | N,H,W,C) and 'labels'; optional 'classes'")
def load_npz(
    path: Path | None,
    *,
    image_size: int | None = None,
    channels: int | None = None,
    policy: ConversionPolicy | None = None,
    cache: bool | None = None,
    cache_dir: str | Path | None = None,
    file: str | None = None,
    key: str | None = None,
) -> ImageSet:
    """Read images and labels from an ``.npz`` file.

    Args:
        path: the file. It must hold ``images`` ((N, H, W), (N, C, H, W) or (N, H, W, C);
            uint8 in 0..255, uint16 in 0..65535, or floats in [0, 1]) and ``labels`` (N
            integers, or N strings). An optional ``classes`` array names the classes that
            integer labels index; an optional ``max_value`` scalar gives the full-scale
            value (e.g. 16 for digits).
        image_size: resize every image to this square size.
        channels: 1 (grey) or 3 (RGB); default: as stored.
        policy: how images are resized and recoloured (``ConversionPolicy``).
        cache: decode once into a memory-mapped cache (True), never (False), or when the
            converted images would exceed ``CACHE_MIN_BYTES`` (None). Cached files are
            streamed, never loaded whole.
        cache_dir: the cache directory.
        file, key: where the path came from, for messages.

    Returns:
        An ImageSet.

    Example:
        >>> load_npz(Path("usps16-train.npz"), image_size=28)  # doctest: +SKIP
    """
    p = _need_path(path, "npz", file, key)
    where = str(p)
    z = _open_npz(p, file, key)
    with z:
        for k in ("images", "labels"):
            if k not in z.files:
                raise UserInputError(f"{p} has no array {k!r} (found: {', '.join(z.files) or 'nothing'})", file=where, key=k)
        header = _member_header(p, "images")
        if header is None:  # not a plain member (cannot happen for np.savez output); read it whole
            header = (np.shape(z["images"]), np.asarray(z["images"]).dtype, False)
        shape, dtype, fortran = header
        if dtype.kind not in "biuf":
            raise UserInputError(f"{p}: 'images' must hold numbers, found dtype {dtype}", file=where, key="images")
        layout, native = stored_layout(shape, file=where)
        n = shape[0]
        classes = _classes_entry(z, p, where)
        labels, classes = parse_labels(_array(z, "labels", p, where), classes, n, file=where)
        max_value = float(np.asarray(z["max_value"])) if "max_value" in z.files else None
        target = InputShape(channels or native.channels, *((image_size, image_size) if image_size else native[1:]))
        meta: dict[str, Any] = {"dataset": "npz", "path": str(p)}
        if not use_cache(cache, n, target) or fortran:
            images = convert(stored_images(_array(z, "images", p, where), max_value=max_value, file=where), target, policy)
            return ImageSet(images, labels, classes, meta)
    exact = dtype == np.uint8 and max_value in (None, 255.0) and target == native
    out_dtype = np.uint8 if exact else np.float32
    st = p.stat()
    k = cache_key("npz", str(p.resolve()), st.st_size, st.st_mtime_ns, tuple(target),
                  (policy or ConversionPolicy()).model_dump(), np.dtype(out_dtype).str)
    rows = max(1, _NPZ_CHUNK_BYTES // max(1, int(np.prod(shape[1:])) * dtype.itemsize))

    def fill(out: np.ndarray) -> None:
        for start, chunk in _stream_rows(p, "images", shape, dtype, rows):
            chunk = to_nchw(chunk, layout)
            unit = to_unit_range(chunk, max_value=max_value, first_index=start, file=where, key="images")
            if exact:
                out[start : start + len(chunk)] = chunk
            else:
                convert(unit, target, policy, out=out[start : start + len(chunk)])

    store = cached_array(k, (n, *target), out_dtype, fill, directory=cache_dir)
    return ImageSet(MappedImages(store), labels, classes, meta | {"cache": str(store.filename)})


# --------------------------------------------------------------------------- embeddings


@DATASETS.register("embeddings", doc=".npz of precomputed embeddings: 'features' (N, D) floats, 'labels'; optional 'classes'")
def load_embeddings(
    path: Path | None,
    *,
    image_size: int | None = None,
    channels: int | None = None,
    file: str | None = None,
    key: str | None = None,
    **_: object,
) -> FeatureSet:
    """Read precomputed embeddings (e.g. CLIP image embeddings) and labels from an ``.npz``.

    Args:
        path: the file: ``features`` (N, D) floats, finite; ``labels`` (N integers or
            strings); optional ``classes`` (names that integer labels index) and
            ``embedding`` (a name, e.g. "clip-vit-b32", recorded in ``meta``).
        image_size, channels: must be None (they apply to images only).
        file, key: where the path came from, for messages.

    Returns:
        A FeatureSet.

    Example:
        >>> load_embeddings(Path("clip_train.npz")).shape  # doctest: +SKIP
        (512,)
    """
    p = _need_path(path, "embeddings", file, key)
    if image_size is not None or channels is not None:
        raise UserInputError("image_size and channels apply to images; an embeddings dataset holds features", file=file, key=key)
    where = str(p)
    with _open_npz(p, file, key) as z:
        for k in ("features", "labels"):
            if k not in z.files:
                raise UserInputError(f"{p} has no array {k!r} (found: {', '.join(z.files) or 'nothing'})", file=where, key=k)
        feats = _array(z, "features", p, where)
        if feats.ndim != 2:
            raise UserInputError(f"{p}: 'features' has shape {feats.shape}; expected (N, D)", file=where, key="features")
        if feats.dtype.kind != "f":
            raise UserInputError(f"{p}: 'features' must be floats, found dtype {feats.dtype}", file=where, key="features")
        finite = np.isfinite(feats).all(axis=1)
        if not finite.all():
            i = int(np.flatnonzero(~finite)[0])
            raise UserInputError(f"{p}: feature row {i} holds NaN or infinite values", file=where, key="features")
        classes = _classes_entry(z, p, where)
        labels, classes = parse_labels(_array(z, "labels", p, where), classes, len(feats), file=where)
        meta: dict[str, Any] = {"dataset": "embeddings", "path": str(p)}
        if "embedding" in z.files:
            meta["embedding"] = str(np.asarray(z["embedding"]))
    return FeatureSet(feats.astype(np.float32), labels, classes, meta)


# --------------------------------------------------------------------------- helpers


def file_fingerprint(path: Path) -> str:
    """Content hash of a file or of every file under a directory (16 hex digits)."""
    h = hashlib.sha256()
    path = Path(path)
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for f in files:
        h.update(str(f.relative_to(path) if f != path else f.name).encode())
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()[:16]


def align_classes(data: LabelledSet, classes: list[str], *, what: str, file: str | None = None, key: str | None = None) -> LabelledSet:
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
    return with_labels(data, lookup[data.labels], classes)
