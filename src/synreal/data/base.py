"""The in-memory image set that every dataset, source and learner exchanges."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ImageSet:
    """Labelled images held in memory.

    Attributes:
        images: float32 array (N, C, H, W) with values in [0, 1].
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

    def subset(self, index: np.ndarray) -> "ImageSet":
        """The images at ``index`` (a new set; arrays are copied)."""
        index = np.asarray(index)
        return ImageSet(self.images[index], self.labels[index], list(self.classes), dict(self.meta))

    def fingerprint(self) -> str:
        """Content hash of images, labels and class names (16 hex digits)."""
        h = hashlib.sha256()
        h.update(np.ascontiguousarray(self.images, dtype=np.float32).tobytes())
        h.update(np.ascontiguousarray(self.labels, dtype=np.int64).tobytes())
        h.update("\x1f".join(self.classes).encode())
        return h.hexdigest()[:16]


def concat(sets: list[ImageSet]) -> ImageSet:
    """Concatenate sets that share classes and image shape."""
    if not sets:
        raise ValueError("nothing to concatenate")
    first = sets[0]
    for s in sets[1:]:
        if s.classes != first.classes:
            raise ValueError(f"class lists differ: {first.classes} vs {s.classes}")
        if s.shape != first.shape:
            raise ValueError(f"image shapes differ: {first.shape} vs {s.shape}")
    return ImageSet(
        np.concatenate([s.images for s in sets]),
        np.concatenate([s.labels for s in sets]),
        list(first.classes),
        dict(first.meta),
    )
