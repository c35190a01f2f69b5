"""Image classification: real images (or embeddings), synthetic sources, learners in plain torch.

The task's data operations read the real data once per process (cached by the content of
its ``DataRef``) and give nested real-fraction subsets, the fixed test split and the held-out
pool; its model operations build a registered learner (seeded by the run), train it with the
shared loop and report accuracy and test loss.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Any

from synreal.data.base import LabelledSet, concat
from synreal.data.convert import ConversionPolicy, as_shape, convert_set
from synreal.data.splits import Split, make_split, nested_fractions
from synreal.learners.configs import AugmentConfig, TrainConfig
from synreal.study.jobs import DataRef, LearnerRef, SourceRef, canonical
from synreal.tasks.base import TASKS, MetricSpec, Task


@lru_cache(maxsize=4)
def _real_data(data_json: str) -> tuple[LabelledSet, Split]:
    from synreal.data.datasets import DATASETS

    ref = DataRef.model_validate_json(data_json)
    loader = DATASETS.get(ref.dataset)
    path = Path(ref.path) if ref.path else None
    data = loader(path, image_size=ref.image_size, channels=ref.channels, key="real.path")
    split = make_split(data.labels, test_fraction=ref.test_fraction, pool_fraction=ref.pool_fraction,
                       seed=ref.split_seed)
    return data, split


def real_data(ref: DataRef) -> tuple[LabelledSet, Split]:
    """The real dataset and its fixed split, loaded once per process.

    Example:
        >>> ref = DataRef(dataset="digits", test_fraction=0.3, fingerprint="x")
        >>> data, split = real_data(ref)
        >>> len(split.train) + len(split.test)
        1797
    """
    return _real_data(canonical(ref))


@lru_cache(maxsize=3)
def _synthetic(source_json: str, n: int, seed: int, classes: tuple[str, ...]) -> LabelledSet:
    from synreal.plugins import load_plugins
    from synreal.synth.base import SOURCES

    load_plugins("synthetic source")
    ref = SourceRef.model_validate_json(source_json)
    cls = SOURCES.get(ref.kind)
    config = cls.Config.model_validate(ref.knobs)
    src = cls(config, Path(ref.path)) if cls.needs_path else cls(config)
    return src.generate(n, seed, list(classes))


def synthetic_set(source: SourceRef, n: int, seed: int, classes: tuple[str, ...]) -> LabelledSet:
    """``n`` synthetic images of a source for ``seed`` (cached per process: pretrain and mix share them).

    Example:
        >>> s = synthetic_set(SourceRef(kind="render-digits", knobs={"fonts": 2}), 20, 0, tuple("0123456789"))
        >>> len(s), s.images.shape[1:]
        (20, (1, 8, 8))
    """
    return _synthetic(canonical(source), n, seed, tuple(classes))


def to_input_shape(data: LabelledSet, in_shape: tuple[int, ...], policy: ConversionPolicy, *, what: str) -> LabelledSet:
    """``data`` converted to the study's input shape by ``policy`` (checked at plan time already)."""
    return convert_set(data, as_shape(tuple(in_shape)), policy, what=what)


def real_pool(ref: DataRef) -> LabelledSet:
    """The real images held apart as the upstream pool of the retrieval baseline."""
    data, split = real_data(ref)
    return data.subset(split.pool)


@TASKS.register("classification", doc="image classification; metric accuracy (error = 1 - accuracy)")
class Classification(Task):
    """Image (or embedding) classification, measured by accuracy on the real test split."""

    name = "classification"
    metrics = (
        MetricSpec("accuracy", True, 0.0, 1.0, "mean", "fraction of test images classified right; chance = 1/classes"),
        MetricSpec("test_loss", False, 0.0, float("inf"), "mean", "mean cross-entropy on the test images"),
    )
    conditions = ("real", "real+aug", "pretrain", "mix", "synthetic-only", "retrieved", "generated", "perturbed")
    baseline = "real+aug"

    def real_train(self, data: DataRef, fraction: float, seed: int) -> LabelledSet:
        """The nested real-fraction subset of the training split for ``seed``."""
        real, split = real_data(data)
        train = real.subset(split.train)
        idx = nested_fractions(train.labels, [fraction], seed)[fraction]
        return train.subset(idx)

    def real_test(self, data: DataRef) -> LabelledSet:
        """The real test split."""
        real, split = real_data(data)
        return real.subset(split.test)

    def synthetic(self, source: SourceRef, n: int, seed: int, config: Any) -> LabelledSet:
        """``n`` images of ``source`` over the run's classes, converted to its input shape (the
        source's conversion policy; a no-op when the shapes already agree)."""
        data = synthetic_set(source, n, seed, tuple(config.classes))
        return to_input_shape(data, config.in_shape, source.convert, what=f"the {source.kind} source")

    def concat(self, parts: list[LabelledSet]) -> LabelledSet:
        """The parts as one training set (same classes)."""
        return concat(parts)

    def new_model(self, config: Any) -> Any:
        """The learner of ``config`` with its initialisation seeded by the run's seed."""
        import torch

        from synreal.learners.base import LEARNERS

        learner: LearnerRef = config.learner
        cls = LEARNERS.get(learner.name)
        torch.manual_seed(int(config.seed) * 7919 + 1)
        return cls.build(cls.Config.model_validate(learner.params), tuple(config.in_shape), len(config.classes))

    def fit(self, model: Any, data: LabelledSet, train: TrainConfig, seed: int,
            augment: AugmentConfig | None = None) -> float:
        """Train with the shared loop (``synreal.learners.train.train``); the seconds it took."""
        from synreal.learners.train import train as train_loop

        return train_loop(model, data, train, seed, augment=augment).seconds

    def evaluate(self, model: Any, test: LabelledSet, seed: int) -> dict[str, float]:
        """Accuracy and test loss on the real test split."""
        from synreal.learners.train import evaluate

        return evaluate(model, test)

    def save(self, model: Any) -> bytes:
        """The model's ``state_dict`` as bytes."""
        import torch

        buf = io.BytesIO()
        torch.save(model.state_dict(), buf)
        return buf.getvalue()

    def load(self, model: Any, payload: bytes) -> Any:
        """``model`` with the checkpoint's weights."""
        import torch

        model.load_state_dict(torch.load(io.BytesIO(payload), map_location="cpu", weights_only=True))
        return model

