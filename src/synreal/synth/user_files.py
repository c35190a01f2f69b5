"""Sources that read the user's own synthetic data (a folder, an .npz, or embeddings) instead of generating."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import numpy as np
from pydantic import Field

from synreal.data.base import LabelledSet
from synreal.data.convert import Shape, shape_of
from synreal.data.datasets import align_classes, load_embeddings, load_image_folder, load_npz
from synreal.errors import UserInputError
from synreal.synth.base import SOURCES, SourceConfig, SyntheticSource


class FileSourceConfig(SourceConfig):
    """Knobs of a file-backed image source."""

    image_size: int | None = Field(None, ge=4, le=1024, description="resize images to this size")
    channels: int | None = Field(None, ge=1, le=3, description="1 = grayscale, 3 = RGB")


class EmbeddingSourceConfig(SourceConfig):
    """An embeddings source has no knobs: the features are used as stored."""


class _FileSource(SyntheticSource):
    """Draws uniform random subsets (per seed) from a fixed set of user images or features."""

    Config = FileSourceConfig
    needs_path = True
    loader = staticmethod(load_npz)

    def __init__(self, config: SourceConfig, path: Path) -> None:
        self.config = config
        self.path = Path(path)

    @cached_property
    def images(self) -> LabelledSet:
        """All images (or feature rows) of the file or folder, read once."""
        knobs = self.config.model_dump()
        return self.loader(self.path, image_size=knobs.get("image_size"), channels=knobs.get("channels"), key="sources.path")

    def output_shape(self) -> Shape:
        """The per-item shape of what ``generate`` returns (reads the data once)."""
        return shape_of(self.images)

    def generate(self, n: int, seed: int, classes: list[str]) -> LabelledSet:
        """A uniform random subset of ``n`` items; error if fewer are available."""
        data = align_classes(self.images, classes, what=f"synthetic data in {self.path}", key="sources.path")
        if n > len(data):
            raise UserInputError(
                f"{self.path} holds {len(data)} images but {n} were requested", key="conditions.n_synthetic"
            )
        rng = np.random.default_rng([seed, 3])
        return data.subset(np.sort(rng.choice(len(data), size=n, replace=False)))


@SOURCES.register("npz", doc="the user's synthetic images from an .npz (images, labels[, classes])")
class NpzSource(_FileSource):
    """Synthetic images from an .npz file."""

    loader = staticmethod(load_npz)


@SOURCES.register("folder", doc="the user's synthetic images from an ImageFolder directory")
class FolderSource(_FileSource):
    """Synthetic images from an ImageFolder directory (e.g. Stable Diffusion outputs)."""

    loader = staticmethod(load_image_folder)


@SOURCES.register("embeddings", doc="the user's synthetic data as precomputed embeddings in an .npz (features, labels[, classes])")
class EmbeddingSource(_FileSource):
    """Synthetic data as feature vectors (e.g. CLIP embeddings of generated images), for feature learners."""

    Config = EmbeddingSourceConfig
    loader = staticmethod(load_embeddings)
