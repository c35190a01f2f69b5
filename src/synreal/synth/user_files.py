"""Sources that read the user's own synthetic images (a folder or an .npz) instead of generating."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import numpy as np
from pydantic import Field

from synreal.data.base import ImageSet
from synreal.data.datasets import align_classes, load_image_folder, load_npz
from synreal.errors import UserInputError
from synreal.synth.base import SOURCES, SourceConfig


class FileSourceConfig(SourceConfig):
    """Knobs of a file-backed source."""

    image_size: int | None = Field(None, ge=4, le=1024, description="resize images to this size")
    channels: int | None = Field(None, ge=1, le=3, description="1 = grayscale, 3 = RGB")


class _FileSource:
    """Draws uniform random subsets (per seed) from a fixed set of user images."""

    Config = FileSourceConfig
    needs_path = True
    loader = staticmethod(load_npz)

    def __init__(self, config: FileSourceConfig, path: Path) -> None:
        self.config = config
        self.path = Path(path)

    @cached_property
    def images(self) -> ImageSet:
        """All images of the file/folder, read once."""
        return self.loader(self.path, image_size=self.config.image_size, channels=self.config.channels, key="sources.path")

    def generate(self, n: int, seed: int, classes: list[str]) -> ImageSet:
        """A uniform random subset of ``n`` images; error if fewer are available."""
        data = align_classes(self.images, classes, what=f"synthetic images in {self.path}", key="sources.path")
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
