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

from synreal.analysis.meta import StudyMeta
from synreal.data.base import LabelledSet, concat
from synreal.data.convert import (
    ConversionPolicy,
    FeatureShape,
    Shape,
    as_shape,
    check_convertible,
    convert_set,
    describe,
    shape_of,
)
from synreal.data.datasets import file_fingerprint
from synreal.data.splits import Split, make_split, nested_fractions
from synreal.errors import UserInputError
from synreal.learners.configs import AugmentConfig, TrainConfig
from synreal.study.jobs import DataRef, LearnerRef, SourceRef, canonical
from synreal.study.spec import StudySpec, check_classification_plugins
from synreal.study.task import TASKS, MetricSpec, Prepared, Task


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


def _resolve_sources(spec: StudySpec, target: Shape) -> tuple[dict[str, SourceRef], dict[str, str]]:
    """Each source with its resolved knobs, checked to convert to the study's input shape.

    Returns:
        (name -> SourceRef, name -> the conversion in words, for the plan log).
    """
    from synreal.synth.base import SOURCES

    out, conversions = {}, {}
    for i, s in enumerate(spec.sources):
        cls = SOURCES.get(s.kind)
        config = cls.Config.model_validate(s.knobs)
        path = fingerprint = None
        try:
            if s.path is not None:
                p = Path(s.path).expanduser().resolve()
                if not p.exists():
                    raise UserInputError("no such file or directory", file=p)
                path, fingerprint = str(p), file_fingerprint(p)
            src = cls(config, Path(path)) if cls.needs_path else cls(config)
            shape = src.output_shape()
        except UserInputError as exc:
            raise spec.locate(exc, "sources", i, "path" if s.path is not None else "kind") from None
        check_convertible(shape, target, spec.convert, what_src=f"source {s.name!r} (sources[{i}])",
                          what_dst="the real data")
        conversions[s.name] = describe(shape, target, spec.convert, name=s.name)
        out[s.name] = SourceRef(kind=s.kind, knobs=config.model_dump(mode="json"), path=path, fingerprint=fingerprint,
                                convert=spec.convert)
    return out, conversions


def _check_inputs(spec: StudySpec, target: Shape) -> None:
    """Plan-time checks that the learner and the conditions suit the real data's kind of input."""
    from synreal.learners.base import check_learner_input

    check_learner_input(spec.learner.name, target, what="the real data", key="learner.name")
    if isinstance(target, FeatureShape):
        for i, c in enumerate(spec.conditions):
            if c.condition == "real+aug" or c.augment:
                raise UserInputError("naive augmentation (affine, jitter) needs images, but the real data holds "
                                     f"{target}; remove this condition", key=f"conditions[{i}]")
        if spec.retrieval is not None:
            raise UserInputError(f"the retrieval baseline works on images, but the real data holds {target}",
                                 key="retrieval")


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
    spec_model = StudySpec

    def check_spec(self, spec: StudySpec, *, file: Any, lines: dict) -> None:
        """The learner, dataset, source kinds and knobs, executor and retrievers resolve."""
        check_classification_plugins(spec, file=file, lines=lines)

    def prepare(self, spec: StudySpec) -> Prepared:
        """Load the real data and its split, fix the input shape, check learner and sources against it."""
        from synreal.data.datasets import DATASETS
        from synreal.learners.base import LEARNERS
        from synreal.study.conditions import PlanContext
        from synreal.study.spec import ConditionSpec

        r = spec.real
        try:
            real = DATASETS.get(r.dataset)(Path(r.path) if r.path else None, image_size=r.image_size,
                                           channels=r.channels, key="real.path")
        except UserInputError as exc:
            raise spec.locate(exc, "real", "path") from None
        if spec.retrieval is not None and spec.retrieval.pool != "embedded":
            pool = Path(spec.retrieval.pool).expanduser()
            if not pool.exists():
                raise UserInputError(f"no such file or directory: {pool}", **spec.where("retrieval", "pool"))
        split = make_split(real.labels, test_fraction=r.test_fraction, pool_fraction=r.pool_fraction,
                           seed=r.split_seed)
        fingerprint = real.fingerprint()
        fields = r.model_dump(mode="json") | {"fingerprint": fingerprint}
        if r.path is not None:
            fields["path"] = str(Path(r.path).expanduser().resolve())
        learner_cls = LEARNERS.get(spec.learner.name)
        target = shape_of(real)
        _check_inputs(spec, target)
        sources, conversions = _resolve_sources(spec, target)
        ctx = PlanContext(
            spec=spec, task=self.name, data=DataRef.model_validate(fields), n_train_real=len(split.train),
            classes=tuple(real.classes), in_shape=tuple(target),
            learner=LearnerRef(name=spec.learner.name,
                               params=learner_cls.Config.model_validate(spec.learner.params).model_dump(mode="json")),
            training=spec.training, augmentation=spec.augmentation, sources=sources)
        entries = []
        if spec.scaling is not None:
            entries.append(ConditionSpec(condition="pretrain", sources=spec.scaling.sources,
                                         n_synthetic=spec.scaling.n_synthetic,
                                         real_fractions=spec.scaling.real_fractions))
        meta = StudyMeta(n_train_real=len(split.train), n_test_real=len(split.test), n_pool_real=len(split.pool),
                         classes=list(real.classes), data_fingerprint=fingerprint,
                         n_boot=spec.scaling.n_boot if spec.scaling is not None else 1000,
                         conversions=conversions, input_shape=str(target))
        return Prepared(ctx, meta, real, entries, baseline_entries(spec))

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
            augment: AugmentConfig | None = None, *, warm: bool = False) -> tuple[Any, float]:
        """Train in place with the shared loop (``synreal.learners.train.train``) from the model's weights."""
        from synreal.learners.train import train as train_loop

        return model, train_loop(model, data, train, seed, augment=augment).seconds

    def evaluate(self, model: Any, data: DataRef, seed: int) -> dict[str, float]:
        """Accuracy and test loss on the real test split."""
        from synreal.learners.train import evaluate

        return evaluate(model, self.real_test(data))

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


def baseline_entries(spec: StudySpec) -> list[str]:
    """The conditions a ``retrieval:`` section adds to the plan."""
    r = spec.retrieval
    if r is None:
        return []
    out = ["retrieved"]
    if r.generator is not None:
        out.append("generated")
    if r.gammas:
        out.append("perturbed")
    return out
