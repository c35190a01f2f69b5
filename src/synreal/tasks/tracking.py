"""Multi-person tracking: a tracker whose motion model learns from trajectories (science.md, "The tracking study").

The real data is a MOTChallenge folder: training sequences whose ground truth trains the
motion model (a nested fraction of the sequences, or of the frames of each), and fixed test
sequences the tracker is scored on with TrackEval's arithmetic. Synthetic data is a crowd
scene set (``synreal.tracking.generate``): its trajectories pre-train the motion model. The
baseline every learned model must beat is the same tracker with a constant-velocity Kalman
filter, which learns nothing (condition ``kalman``).
"""

from __future__ import annotations

import hashlib
import io
import math
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from synreal.analysis.meta import StudyMeta
from synreal.errors import UserInputError
from synreal.study.jobs import LearnerRef, SourceRef, TrackingDataRef, canonical
from synreal.study.spec import BaseStudySpec, LearnerSpec, _Model
from synreal.study.task import TASKS, MetricSpec, Prepared, Task
from synreal.tracking.detections import DetectionConfig
from synreal.tracking.motion.train_config import MotionTrainConfig
from synreal.tracking.tracker import TrackerConfig

EMBEDDED = "embedded:tud"
"""The real default: the two TUD sequences that the motmetrics package ships (train on one, test on the other)."""


class TrackingRealSpec(_Model):
    """The real sequences, the fixed test split, what fractions are taken of, detections and tracker."""

    path: str = Field(EMBEDDED, description="a MOTChallenge folder of sequences, or embedded:tud")
    test_sequences: list[str] | None = Field(None, description="sequences of path never trained on")
    test_path: Path | None = Field(None, description="a second folder whose sequences are all test sequences")
    train_sequences: list[str] | None = Field(None, description="training sequences (default: all others)")
    fraction_of: Literal["sequences", "frames"] = Field(
        "frames", description="a real fraction takes whole sequences, or a window of every sequence's frames")
    detections: DetectionConfig = Field(default_factory=DetectionConfig)
    tracker: TrackerConfig = Field(default_factory=TrackerConfig)

    @model_validator(mode="after")
    def _split(self) -> "TrackingRealSpec":
        if not self.test_sequences and self.test_path is None and self.path != EMBEDDED:
            raise ValueError("name the test sequences (test_sequences) or a test folder (test_path)")
        overlap = sorted(set(self.test_sequences or []) & set(self.train_sequences or []))
        if overlap:
            raise ValueError(f"sequences {overlap} are listed for training and for testing; a test sequence is "
                             "never trained on")
        return self


class TrackingTrainingSpec(_Model):
    """How the motion model trains in each phase (steps, not epochs: cost does not grow with the data)."""

    train: MotionTrainConfig = Field(default_factory=lambda: MotionTrainConfig(steps=1500),
                                     description="real: from scratch on the real fraction")
    pretrain: MotionTrainConfig = Field(default_factory=lambda: MotionTrainConfig(steps=1500),
                                        description="on the synthetic trajectories")
    finetune: MotionTrainConfig = Field(default_factory=lambda: MotionTrainConfig(steps=600, lr=1e-3),
                                        description="on the real fraction, from the pre-trained weights")
    mix: MotionTrainConfig = Field(default_factory=lambda: MotionTrainConfig(steps=1500),
                                   description="on real and synthetic trajectories together")


class TrackingStudySpec(BaseStudySpec):
    """A tracking study: motion models trained on real and synthetic trajectories, scored on real test sequences.

    Example:
        >>> s = TrackingStudySpec.model_validate({"name": "t", "task": "tracking", "seeds": [0],
        ...     "real_fractions": [1.0], "conditions": ["kalman", "real"]})
        >>> s.learner.name, s.real.path
        ('learned', 'embedded:tud')
    """

    CONDITIONS: ClassVar[tuple[str, ...]] = ("real", "pretrain", "mix", "synthetic-only", "kalman")

    task: Literal["tracking"] = "tracking"
    real: TrackingRealSpec = Field(default_factory=TrackingRealSpec)
    learner: LearnerSpec = Field(default_factory=lambda: LearnerSpec(name="learned"))
    training: TrackingTrainingSpec = Field(default_factory=TrackingTrainingSpec)
    realism_sequences: int = Field(20, ge=0, le=1000,
                                   description="sequences per scene set whose motion statistics the report sets "
                                               "beside the real training set (0: none)")

    @field_validator("learner")
    @classmethod
    def _trainable(cls, v: LearnerSpec) -> LearnerSpec:
        if v.name == "kalman":
            raise ValueError("the learner is the motion model that trains; the Kalman filter is the 'kalman' "
                             "condition (the baseline), not a learner")
        return v

    @model_validator(mode="after")
    def _references(self) -> "TrackingStudySpec":
        self._check_references()
        return self


# ----------------------------------------------------------------------------- real data


def _read_folder(path: Path) -> dict[str, Any]:
    from synreal.tracking.motchallenge import find_sequences, read_sequence

    return {d.name: read_sequence(d) for d in find_sequences(path)}


@lru_cache(maxsize=4)
def _sequences(path: str) -> dict[str, Any]:
    """Every sequence of a folder (or the embedded TUD pair), read once per process."""
    if path == EMBEDDED:
        from synreal.tracking.embedded import tud_sequences

        return tud_sequences()
    return _read_folder(Path(path))


def _fingerprint(seqs: dict[str, Any]) -> str:
    """Content hash of the sequences' ground truth and detections (16 hex digits)."""
    h = hashlib.sha256()
    for name in sorted(seqs):
        s = seqs[name]
        h.update(name.encode())
        for t in (s.gt, s.det):
            if t is not None:
                h.update(np.ascontiguousarray(t.to_array("gt" if t is s.gt else "det"), dtype=np.float64).tobytes())
    return h.hexdigest()[:16]


def _window(seq: Any, fraction: float, seed: int) -> Any:
    """The frames of a circular window of ``fraction`` of the sequence, starting at a seeded frame.

    The start depends on the seed and the sequence only, so the window of a larger fraction
    contains that of a smaller one (nested fractions).
    """
    from dataclasses import replace

    n = seq.info.seq_length
    width = min(n, max(2, math.ceil(fraction * n)))
    start = np.random.default_rng([seed, zlib.crc32(seq.name.encode())]).integers(n)
    frames = (start + np.arange(width)) % n + 1
    gt = seq.gt.select(np.isin(seq.gt.frame, frames))
    return replace(seq, gt=gt)


# ----------------------------------------------------------------------------- the task


@TASKS.register("tracking", doc="multi-person tracking; metric HOTA (error = 1 - HOTA); a learned motion model")
class Tracking(Task):
    """Multi-person tracking by detection, measured by HOTA on real test sequences."""

    name = "tracking"
    metrics = tuple(
        MetricSpec(n, True, -math.inf if n == "MOTA" else 0.0, 1.0, "recomputed", d)
        for n, d in (("HOTA", "sqrt(DetA*AssA), [0,1]; 0 for a tracker that outputs nothing"),
                     ("DetA", "detection accuracy, [0,1]"),
                     ("AssA", "association accuracy, [0,1]: where a motion model shows"),
                     ("IDF1", "identity F1, [0,1]"),
                     ("MOTA", "1-(FN+FP+IDSW)/GT, (-inf,1]"))
    )
    conditions = ("real", "pretrain", "mix", "synthetic-only", "kalman")
    baseline = "kalman"
    item = "sequences"
    spec_model = TrackingStudySpec

    def check_spec(self, spec: TrackingStudySpec, *, file: Any, lines: dict) -> None:
        """The motion model, its knobs and the scene sets' kinds resolve."""
        from synreal.plugins import load_plugins
        from synreal.tracking.motion.base import MOTION_MODELS

        load_plugins("motion model")
        cls = MOTION_MODELS.get(spec.learner.name, file=str(file) if file else None, key="learner.name")
        if not cls.trainable:
            raise UserInputError(f"motion model {spec.learner.name!r} learns nothing; name a trainable one "
                                 f"({', '.join(n for n in MOTION_MODELS.names() if MOTION_MODELS.get(n).trainable)})",
                                 file=file, key="learner.name")
        try:
            cls.Config.model_validate(spec.learner.params)
        except Exception as exc:  # noqa: BLE001 - a pydantic error, reported as the user's
            raise UserInputError(str(exc).splitlines()[-1].strip(), file=file, key="learner.params") from None
        for i, s in enumerate(spec.sources):
            if s.kind != "crowd":
                raise UserInputError(f"a tracking study's sources are crowd scene sets (kind: crowd), found {s.kind!r}",
                                     file=file, key=f"sources[{i}].kind")

    # ------------------------------------------------------------------ planning

    def prepare(self, spec: TrackingStudySpec) -> Prepared:
        """Read the sequences, fix the split, resolve the motion model and the scene sets."""
        from synreal.study.conditions import PlanContext
        from synreal.tracking.motion.base import MOTION_MODELS

        r = spec.real
        path = r.path if r.path == EMBEDDED else str(Path(r.path).expanduser().resolve())
        seqs = _sequences(path)
        if not seqs:
            raise UserInputError("no MOTChallenge sequences here (expected <seq>/gt/gt.txt)", file=path, key="real.path")
        test_path = str(Path(r.test_path).expanduser().resolve()) if r.test_path is not None else None
        if path == EMBEDDED and not r.test_sequences and test_path is None:
            test = ["TUD-Campus"]
        elif test_path is not None:
            test = sorted(_sequences(test_path))
        else:
            test = list(r.test_sequences or [])
        pool = seqs if test_path is None else seqs
        unknown = [n for n in (r.test_sequences or []) + (r.train_sequences or []) if n not in pool]
        if unknown and test_path is None:
            raise UserInputError(f"no sequence {unknown[0]!r} in {path}; found {', '.join(sorted(pool))}",
                                 key="real.test_sequences" if unknown[0] in (r.test_sequences or []) else
                                 "real.train_sequences")
        train = list(r.train_sequences) if r.train_sequences else [n for n in sorted(seqs) if n not in test]
        clash = sorted(set(train) & set(test)) if test_path is None else []
        if clash:
            raise UserInputError(f"sequences {clash} would be trained on and tested on", key="real.train_sequences")
        if not train:
            raise UserInputError("no training sequence is left once the test sequences are set apart",
                                 key="real.test_sequences")
        for name in train:
            if seqs[name].gt is None or not len(seqs[name].gt):
                raise UserInputError(f"training sequence {name!r} has no ground truth", key="real.train_sequences")
        test_seqs = _sequences(test_path) if test_path else seqs
        fp = _fingerprint({**{n: seqs[n] for n in train}, **{f"test/{n}": test_seqs[n] for n in test}})
        data = TrackingDataRef(path=path, test_path=test_path, train=tuple(train), test=tuple(test),
                               fraction_of=r.fraction_of, detections=r.detections, tracker=r.tracker, fingerprint=fp)
        n_train = (len(train) if r.fraction_of == "sequences"
                   else sum(seqs[n].info.seq_length for n in train))
        smallest = min(spec.real_fractions)
        if r.fraction_of == "sequences" and round(smallest * len(train)) < 1:
            raise UserInputError(f"real fraction {smallest:g} of {len(train)} training sequences leaves none; "
                                 "use fraction_of: frames or a larger fraction", key="real_fractions")
        cls = MOTION_MODELS.get(spec.learner.name)
        learner = LearnerRef(name=spec.learner.name, params=cls.Config.model_validate(spec.learner.params)
                             .model_dump(mode="json"))
        sources = {s.name: self._source_ref(s, i) for i, s in enumerate(spec.sources)}
        ctx = PlanContext(spec=spec, task=self.name, data=data, n_train_real=n_train, classes=("pedestrian",),
                          in_shape=(), learner=learner, training=spec.training, augmentation=None, sources=sources)
        realism = self._realism(spec, sources, [seqs[n] for n in train]) if spec.realism_sequences else {}
        meta = StudyMeta(n_train_real=n_train, n_test_real=sum(test_seqs[n].info.seq_length for n in test),
                         classes=["pedestrian"], data_fingerprint=fp, input_shape="trajectories",
                         realism=realism, n_boot=1000, real_item=spec.real.fraction_of)
        return Prepared(ctx, meta, None, [], [])

    def _source_ref(self, s: Any, i: int) -> SourceRef:
        """A scene set as a source: the resolved scene spec is its knobs (so its content is in every key)."""
        from synreal.tracking.spec import load_scene_set, validate_scene_set

        if s.path is not None:
            scene = load_scene_set(Path(s.path).expanduser())
            if s.knobs:
                raise UserInputError("give a scene set as a file (path) or inline (knobs), not both",
                                     key=f"sources[{i}]")
        else:
            scene = validate_scene_set({"name": s.name, **s.knobs}, file=f"sources[{i}].knobs")
        return SourceRef(kind="crowd", knobs=scene.model_dump(mode="json"))

    def _realism(self, spec: TrackingStudySpec, sources: dict[str, SourceRef], train: list[Any]) -> dict[str, Any]:
        """Each scene set's motion statistics against the real training sequences (the cheap check)."""
        from synreal.tracking.generate import scene_set_sequences
        from synreal.tracking.spec import SceneSetSpec
        from synreal.tracking.stats import realism_distance, sequence_stats

        real = sequence_stats(train)
        out = {}
        for name, ref in sources.items():
            syn = sequence_stats(scene_set_sequences(SceneSetSpec.model_validate(ref.knobs), spec.realism_sequences,
                                                     seed=0))
            # a statistic one side lacks (visibility of real sets without it) has no distance: None
            out[name] = {k: (v if np.isfinite(v) else None) for k, v in realism_distance(syn, real).as_dict().items()}
        return out

    # ------------------------------------------------------------------ data (workers)

    def real_train(self, data: TrackingDataRef, fraction: float, seed: int) -> list[Any]:
        """The nested training subset: the first sequences of a seeded order, or a window of each."""
        seqs = _sequences(data.path)
        train = [seqs[n] for n in data.train]
        if data.fraction_of == "sequences":
            order = np.random.default_rng([seed, 0x7365]).permutation(len(train))
            k = max(1, round(fraction * len(train)))
            return [train[i] for i in sorted(order[:k])]
        return [_window(s, fraction, seed) for s in train]

    def real_test(self, data: TrackingDataRef) -> list[Any]:
        """The fixed test sequences."""
        seqs = _sequences(data.test_path or data.path)
        return [seqs[n] for n in data.test]

    def synthetic(self, source: SourceRef, n: int, seed: int, config: Any) -> list[Any]:
        """``n`` sequences of the scene set for ``seed`` (trajectories only)."""
        return _scene_sequences(canonical(source), n, seed)

    def concat(self, parts: list[list[Any]]) -> list[Any]:
        """The sequences of every part."""
        return [s for p in parts for s in p]

    # ------------------------------------------------------------------ models (workers)

    def new_model(self, config: Any) -> Any:
        """The motion model of the run (``kalman`` for the baseline), initialised from its seed."""
        from synreal.tracking.motion import make_motion_model
        from synreal.tracking.motion.learned import LearnedConfig, LearnedMotion

        if config.learner.name == "learned":
            return LearnedMotion(LearnedConfig.model_validate(config.learner.params), seed=int(config.seed))
        return make_motion_model(config.learner.name, config.learner.params)

    def fit(self, model: Any, data: list[Any], train: MotionTrainConfig, seed: int, augment: Any = None, *,
            warm: bool = False) -> tuple[Any, float]:
        """Train on the sequences' trajectories (fine-tune from ``model``'s weights when ``warm``)."""
        from synreal.tracking.motion.training import train_motion_model

        cfg = train.model_copy(update={"model": model.config})
        trained, stats = train_motion_model(data, cfg, seed, init_state=model if warm else None)
        return trained, stats.seconds

    def evaluate(self, model: Any, data: TrackingDataRef, seed: int) -> dict[str, float]:
        """Track the test sequences (detections read or simulated with ``seed``) and score them."""
        from synreal.tracking.tracker import run_tracker

        return run_tracker(self.real_test(data), model, data.tracker, data.detections, seed)

    def save(self, model: Any) -> bytes:
        """The learned model's weights."""
        import torch

        buf = io.BytesIO()
        torch.save(model.state_dict(), buf)
        return buf.getvalue()

    def load(self, model: Any, payload: bytes) -> Any:
        """The model with a checkpoint's weights."""
        import torch

        from synreal.tracking.motion.learned import LearnedMotion

        return LearnedMotion(model.config, torch.load(io.BytesIO(payload), map_location="cpu", weights_only=True))


@lru_cache(maxsize=4)
def _scene_sequences(source_json: str, n: int, seed: int) -> list[Any]:
    from synreal.tracking.generate import scene_set_sequences
    from synreal.tracking.spec import SceneSetSpec

    ref = SourceRef.model_validate_json(source_json)
    seqs = scene_set_sequences(SceneSetSpec.model_validate(ref.knobs), n, seed=seed)
    if not any(s.gt is not None and len(s.gt) for s in seqs):
        raise UserInputError(f"scene set {ref.knobs.get('name')!r} produced no trajectories (no person in view)",
                             key="sources")
    return seqs
