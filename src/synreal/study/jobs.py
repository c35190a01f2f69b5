"""Jobs: the unit of work the executor runs, with a typed config whose hash is its key.

A job's config is a frozen pydantic model (``RunConfig`` for a run that trains and
evaluates, ``PretrainConfig`` for a pre-training checkpoint, ``GeneratorConfig`` for the
pool-trained generator). ``canonical`` derives the JSON that is hashed and stored from the
model, in this one place; the key is the SHA-256 of that JSON, the package version and the
data fingerprint, so a stored result is reused only when all three match (science.md: "a run
is identified by the content hash of its full configuration"). Configs travel to workers and
back as these models, never as free dicts.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from synreal import __version__
from synreal.data.convert import ConversionPolicy
from synreal.learners.configs import AugmentConfig, TrainConfig
from synreal.tracking.detections import DetectionConfig
from synreal.tracking.motion.train_config import MotionTrainConfig
from synreal.tracking.tracker import TrackerConfig


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataRef(_Frozen):
    """The resolved real data a classification run reads: the spec's ``real`` section and its fingerprint."""

    kind: Literal["images"] = "images"
    dataset: str
    path: str | None = None
    image_size: int | None = None
    channels: int | None = None
    test_fraction: float
    pool_fraction: float = 0.0
    split_seed: int = 0
    fingerprint: str


class TrackingDataRef(_Frozen):
    """The resolved real data of a tracking run: the sequences, the split, the detections and the tracker.

    Attributes:
        path: the MOTChallenge folder of the training sequences.
        test_path: the folder of the test sequences when it is another one.
        train: training sequence names (fractions are nested subsets of them, or of their frames).
        test: test sequence names (never trained on).
        fraction_of: ``sequences`` or ``frames`` (a window of each training sequence).
        detections: where the tracker's detections come from (file or simulated from gt).
        tracker: the tracker's knobs.
        fingerprint: content hash of every ground-truth (and detection) file read.
    """

    kind: Literal["mot"] = "mot"
    path: str
    test_path: str | None = None
    train: tuple[str, ...]
    test: tuple[str, ...]
    fraction_of: Literal["sequences", "frames"] = "frames"
    detections: DetectionConfig = DetectionConfig()
    tracker: TrackerConfig = TrackerConfig()
    fingerprint: str


class SourceRef(_Frozen):
    """A synthetic source with its resolved knobs, the fingerprint of the user's files, and the
    policy that converts its images to the study's input shape."""

    kind: str
    knobs: dict[str, Any]
    path: str | None = None
    fingerprint: str | None = None
    convert: ConversionPolicy = ConversionPolicy()


class LearnerRef(_Frozen):
    """A registered learner and its resolved hyper-parameters."""

    name: str
    params: dict[str, Any]


class PoolRef(_Frozen):
    """The upstream pool of the retrieval baseline (``embedded``, or a pool path) and the real data."""

    pool: str
    data: DataRef
    classes: tuple[str, ...]
    convert: ConversionPolicy = ConversionPolicy()


class RunConfig(_Frozen):
    """Everything that determines one run's result.

    Which fields are set says what the run trains on: ``real_fraction`` of the real data
    (none for ``synthetic-only`` and the pool conditions), ``n_synthetic`` images of
    ``source`` mixed in (``mix``), the weights of the checkpoint ``pretrain`` first
    (``pretrain``, ``synthetic-only``), retrieved pool images (``pool``, ``retriever``), a
    trained ``generator``, and naive ``augment``-ation.
    """

    kind: Literal["run"] = "run"
    task: str = "classification"
    condition: str
    seed: int
    real_fraction: float = 0.0
    data: Annotated[Union[DataRef, TrackingDataRef], Field(discriminator="kind")]
    classes: tuple[str, ...]
    learner: LearnerRef
    in_shape: tuple[int, ...]
    train: TrainConfig | MotionTrainConfig | None = None
    augment: AugmentConfig | None = None
    n_synthetic: int = 0
    source: SourceRef | None = None
    pretrain: str | None = None
    pool: PoolRef | None = None
    retriever: dict[str, Any] | None = None
    generator: str | None = None
    gamma: float | None = None


class PretrainConfig(_Frozen):
    """A pre-training checkpoint: ``n_synthetic`` images of ``source`` for ``seed``."""

    kind: Literal["pretrain"] = "pretrain"
    task: str = "classification"
    source: SourceRef
    n_synthetic: int
    seed: int
    classes: tuple[str, ...]
    in_shape: tuple[int, ...]
    learner: LearnerRef
    train: TrainConfig | MotionTrainConfig


class GeneratorConfig(_Frozen):
    """The pool-trained generator: trained once per study on the retrieved pool images."""

    kind: Literal["generator"] = "generator"
    pool: PoolRef
    retriever: dict[str, Any]
    knobs: dict[str, Any]
    seed: int


JobConfig = Annotated[Union[RunConfig, PretrainConfig, GeneratorConfig], Field(discriminator="kind")]


def canonical(config: BaseModel) -> str:
    """The canonical JSON of a config: unset optional fields left out, keys sorted, no spaces.

    Example:
        >>> canonical(LearnerRef(name="small-cnn", params={"width": 8}))
        '{"name":"small-cnn","params":{"width":8}}'
    """
    return json.dumps(config.model_dump(mode="json", exclude_none=True), sort_keys=True, separators=(",", ":"))


def job_key(config: BaseModel, data_fingerprint: str, version: str = __version__) -> str:
    """16 hex digits identifying a job's result: its config, the package version and the data.

    Example:
        >>> a = LearnerRef(name="x", params={})
        >>> job_key(a, "fp") == job_key(LearnerRef(name="x", params={}), "fp") != job_key(a, "fp2")
        True
    """
    h = hashlib.sha256()
    h.update(canonical(config).encode())
    h.update(b"\x1e" + version.encode() + b"\x1e" + data_fingerprint.encode())
    return h.hexdigest()[:16]


class RunLabels(_Frozen):
    """The factor columns of the tidy table (not hashed: renaming a source reuses its runs)."""

    condition: str
    source: str = "none"
    n_synthetic: int = 0
    real_fraction: float = 0.0
    n_real: int = 0
    seed: int
    gamma: float | None = None

    def cell(self) -> tuple[str, str, int, float]:
        """``(condition, source, n_synthetic, real_fraction)``: the cell this run belongs to."""
        return (self.condition, self.source, self.n_synthetic, round(self.real_fraction, 12))


@dataclass(frozen=True)
class Job:
    """A unit of work.

    Attributes:
        config: everything that determines the result (hashed into ``key``).
        key: content hash of config, version and data fingerprint.
        deps: keys of jobs that must finish first.
        labels: the run's factor columns (runs), or the artifact's source, size and seed.
    """

    config: RunConfig | PretrainConfig | GeneratorConfig
    key: str
    deps: tuple[str, ...] = ()
    labels: RunLabels | None = None

    @property
    def kind(self) -> str:
        """``run``, ``pretrain`` or ``generator``."""
        return self.config.kind

    @property
    def seed(self) -> int | None:
        """The seed a run or checkpoint belongs to (None for study-wide artifacts)."""
        return None if isinstance(self.config, GeneratorConfig) else self.config.seed


def make_job(config: RunConfig | PretrainConfig | GeneratorConfig, fingerprint: str, *, deps: tuple[str, ...] = (),
             labels: RunLabels | None = None) -> Job:
    """A job whose key is derived from its config (the one way keys are made)."""
    return Job(config, job_key(config, fingerprint), tuple(deps), labels)
