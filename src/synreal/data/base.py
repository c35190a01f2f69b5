"""The in-memory sets that every dataset, source and learner exchanges.

``ImageSet`` holds images (float32 (N, C, H, W) in [0, 1]); ``FeatureSet`` holds
precomputed embeddings (float32 (N, D)). Both carry int64 labels indexing a class list and
share ``subset``, ``fingerprint``, ``shape`` and ``inputs`` (what a learner is fed), so the
study engine treats them alike. An ImageSet's images may live on disk
(``MappedImages``, a memory-mapped cache): they are read on indexing, and a subset is a
view, so a set larger than memory costs only the pages a run touches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# rows per chunk when a mapped array is read whole (hashing, min/max, materialising)
_READ_CHUNK = 4096


class MappedImages:
    """Read-only float32 images (N, C, H, W) in [0, 1] backed by an on-disk array.

    The store is a memory-mapped array, uint8 (values are ``k / 255``) or float32; an
    optional index selects and orders its rows. Indexing returns plain float32 arrays;
    ``take`` returns another view without reading anything. ``np.asarray`` reads it all.

    Args:
        store: (M, C, H, W) uint8 or float32 array, usually an ``np.memmap``.
        index: positions into ``store`` (default: all rows in order).

    Example:
        >>> m = MappedImages(np.full((4, 1, 2, 2), 255, np.uint8))
        >>> m.shape, m.dtype.name, float(m[1].max()), m.take(np.array([3, 0])).shape
        ((4, 1, 2, 2), 'float32', 1.0, (2, 1, 2, 2))
    """

    dtype = np.dtype(np.float32)
    ndim = 4

    def __init__(self, store: np.ndarray, index: np.ndarray | None = None) -> None:
        if store.ndim != 4 or store.dtype not in (np.uint8, np.float32):
            raise ValueError(f"store must be uint8 or float32 (M, C, H, W), got {store.dtype} {store.shape}")
        self.store = store
        self.index = None if index is None else np.asarray(index, np.int64)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """(N, C, H, W)."""
        n = len(self.store) if self.index is None else len(self.index)
        return (n, *self.store.shape[1:])  # type: ignore[return-value]

    @property
    def size(self) -> int:
        """Number of values."""
        return int(np.prod(self.shape))

    def __len__(self) -> int:
        return self.shape[0]

    def _rows(self, rows: np.ndarray | slice | int) -> np.ndarray:
        """Rows of the store (positions already mapped through ``index``), as float32."""
        raw = self.store[rows]
        if raw.dtype == np.uint8:
            # the same expression as the in-memory decoder, so both give identical floats
            return raw.astype(np.float32) / 255.0
        return np.array(raw, dtype=np.float32)

    def _positions(self, key: Any) -> np.ndarray | slice | int:
        """Store positions for a row key (int, slice, integer array or boolean mask)."""
        if self.index is None:
            if isinstance(key, (int, np.integer, slice)):
                return key
            key = np.asarray(key)
            return np.flatnonzero(key) if key.dtype == bool else key
        return self.index[key]

    def __getitem__(self, key: Any) -> np.ndarray:
        if isinstance(key, tuple):
            head, rest = key[0], key[1:]
            return self[head][(slice(None),) * (0 if isinstance(head, (int, np.integer)) else 1) + rest]
        return self._rows(self._positions(key))

    def take(self, index: np.ndarray) -> "MappedImages":
        """The rows at ``index`` as a new view (nothing is read)."""
        index = np.asarray(index)
        if index.dtype == bool:
            index = np.flatnonzero(index)
        base = np.arange(len(self.store)) if self.index is None else self.index
        return MappedImages(self.store, base[index])

    def chunks(self, rows: int = _READ_CHUNK) -> Iterator[np.ndarray]:
        """The images in order, ``rows`` at a time, as float32 arrays."""
        for start in range(0, len(self), rows):
            yield self[start : start + rows]

    def __iter__(self) -> Iterator[np.ndarray]:
        for chunk in self.chunks():
            yield from chunk

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = np.empty(self.shape, np.float32)
        for start in range(0, len(self), _READ_CHUNK):
            out[start : start + _READ_CHUNK] = self[start : start + _READ_CHUNK]
        return out if dtype is None else out.astype(dtype, copy=False)

    def astype(self, dtype: Any, copy: bool = True) -> np.ndarray:
        """All images, read into memory, as ``dtype``."""
        return np.asarray(self).astype(dtype, copy=False)

    def reshape(self, *shape: Any) -> np.ndarray:
        """All images, read into memory and reshaped."""
        return np.asarray(self).reshape(*shape)

    def min(self) -> np.float32:
        """Smallest value (read in chunks)."""
        return min((c.min() for c in self.chunks()), default=np.float32(np.nan))

    def max(self) -> np.float32:
        """Largest value (read in chunks)."""
        return max((c.max() for c in self.chunks()), default=np.float32(np.nan))

    def __repr__(self) -> str:
        return f"MappedImages(shape={self.shape}, store={self.store.dtype.name})"


def _hash_rows(h: "hashlib._Hash", values: Any) -> None:
    """Feed float32 bytes of ``values`` to ``h``, in chunks for mapped images."""
    if isinstance(values, MappedImages):
        for chunk in values.chunks():
            h.update(np.ascontiguousarray(chunk).tobytes())
    else:
        h.update(np.ascontiguousarray(values, dtype=np.float32).tobytes())


@dataclass(frozen=True)
class ImageSet:
    """Labelled images.

    Attributes:
        images: float32 array (N, C, H, W) with values in [0, 1], or ``MappedImages``
            (the same, read from a memory-mapped cache on indexing).
        labels: int64 array (N,), indices into ``classes``.
        classes: class names; ``labels`` index into it.
        meta: free-form provenance (source name, file, knobs), never used for hashing.

    Example:
        >>> s = ImageSet(np.zeros((2, 1, 8, 8), np.float32), np.array([0, 1]), ["0", "1"])
        >>> len(s), s.shape
        (2, (1, 8, 8))
    """

    images: np.ndarray
    labels: np.ndarray
    classes: list[str]
    meta: dict = field(default_factory=dict, compare=False)

    kind = "images"

    def __post_init__(self) -> None:
        if self.images.ndim != 4:
            raise ValueError(f"images must be (N, C, H, W), got shape {self.images.shape}")
        if len(self.images) != len(self.labels):
            raise ValueError(f"{len(self.images)} images but {len(self.labels)} labels")

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def shape(self) -> tuple[int, int, int]:
        """(C, H, W) of one image."""
        return tuple(self.images.shape[1:])  # type: ignore[return-value]

    @property
    def inputs(self) -> np.ndarray:
        """What a learner is fed: the images."""
        return self.images

    @property
    def mapped(self) -> bool:
        """True when the images are read from disk on indexing."""
        return isinstance(self.images, MappedImages)

    def subset(self, index: np.ndarray) -> "ImageSet":
        """The images at ``index`` (a new set; arrays are copied, mapped images are viewed)."""
        index = np.asarray(index)
        images = self.images.take(index) if isinstance(self.images, MappedImages) else self.images[index]
        return ImageSet(images, self.labels[index], list(self.classes), dict(self.meta))

    def fingerprint(self) -> str:
        """Content hash of images, labels and class names (16 hex digits)."""
        h = hashlib.sha256()
        _hash_rows(h, self.images)
        h.update(np.ascontiguousarray(self.labels, dtype=np.int64).tobytes())
        h.update("\x1f".join(self.classes).encode())
        return h.hexdigest()[:16]


@dataclass(frozen=True)
class FeatureSet:
    """Labelled feature vectors: precomputed embeddings (e.g. CLIP image embeddings).

    Attributes:
        features: float32 array (N, D), finite.
        labels: int64 array (N,), indices into ``classes``.
        classes: class names.
        meta: provenance (file, embedding name), never used for hashing.

    Example:
        >>> s = FeatureSet(np.zeros((3, 4), np.float32), np.array([0, 1, 1]), ["a", "b"])
        >>> len(s), s.shape, s.subset(np.array([2])).labels.tolist()
        (3, (4,), [1])
    """

    features: np.ndarray
    labels: np.ndarray
    classes: list[str]
    meta: dict = field(default_factory=dict, compare=False)

    kind = "features"

    def __post_init__(self) -> None:
        if self.features.ndim != 2:
            raise ValueError(f"features must be (N, D), got shape {self.features.shape}")
        if len(self.features) != len(self.labels):
            raise ValueError(f"{len(self.features)} feature rows but {len(self.labels)} labels")

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def shape(self) -> tuple[int]:
        """(D,) of one feature vector."""
        return (int(self.features.shape[1]),)

    @property
    def inputs(self) -> np.ndarray:
        """What a learner is fed: the feature vectors."""
        return self.features

    def subset(self, index: np.ndarray) -> "FeatureSet":
        """The rows at ``index`` (a new set; arrays are copied)."""
        index = np.asarray(index)
        return FeatureSet(self.features[index], self.labels[index], list(self.classes), dict(self.meta))

    def fingerprint(self) -> str:
        """Content hash of features, labels and class names (16 hex digits)."""
        h = hashlib.sha256(b"features")
        h.update(np.ascontiguousarray(self.features, dtype=np.float32).tobytes())
        h.update(np.ascontiguousarray(self.labels, dtype=np.int64).tobytes())
        h.update("\x1f".join(self.classes).encode())
        return h.hexdigest()[:16]


LabelledSet = ImageSet | FeatureSet
"""Either kind of labelled set; ``.inputs`` is what a learner consumes."""


def with_labels(data: LabelledSet, labels: np.ndarray, classes: list[str]) -> LabelledSet:
    """The same inputs under new labels and class names."""
    if isinstance(data, FeatureSet):
        return FeatureSet(data.features, labels, list(classes), dict(data.meta))
    return ImageSet(data.images, labels, list(classes), dict(data.meta))


def concat(sets: list[LabelledSet]) -> LabelledSet:
    """Concatenate sets of one kind that share classes and input shape (mapped images are read)."""
    if not sets:
        raise ValueError("nothing to concatenate")
    first = sets[0]
    for s in sets[1:]:
        if type(s) is not type(first):
            raise ValueError(f"cannot concatenate {type(first).__name__} with {type(s).__name__}")
        if s.classes != first.classes:
            raise ValueError(f"class lists differ: {first.classes} vs {s.classes}")
        if s.shape != first.shape:
            raise ValueError(f"input shapes differ: {first.shape} vs {s.shape}")
    inputs = np.concatenate([np.asarray(s.inputs, dtype=np.float32) for s in sets])
    labels = np.concatenate([s.labels for s in sets])
    if isinstance(first, FeatureSet):
        return FeatureSet(inputs, labels, list(first.classes), dict(first.meta))
    return ImageSet(inputs, labels, list(first.classes), dict(first.meta))
