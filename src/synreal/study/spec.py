"""The study spec: one pydantic model per section, read from YAML, hashed into run keys.

Every section forbids unknown keys, so a typo is an error that names the file, the key path
and the line, never a silently ignored setting. ``load_spec`` is the only entry point that
reads files; ``StudySpec`` itself works on plain dicts (tests, the Python API).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from synreal.analysis.advice.spec import AdviceSpec
from synreal.data.convert import ConversionPolicy
from synreal.errors import UserInputError
from synreal.learners.configs import AugmentConfig, TrainConfig
from synreal.registry import REGISTRIES
from synreal.yamlio import line_for, loc_to_path, read_yaml

SYNTHETIC_CONDITIONS = ("pretrain", "mix", "synthetic-only")
REAL_CONDITIONS = ("real", "real+aug")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SpecError(ValueError):
    """A cross-field problem found by a validator, with the key path it is about (for the line number)."""

    def __init__(self, loc: tuple[Any, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


class RealSpec(_Model):
    """The real dataset, its fixed split, and the share held apart as an upstream pool."""

    dataset: str = Field("digits", description="registered dataset: digits, folder, npz")
    path: Path | None = Field(None, description="file or folder for folder/npz datasets")
    image_size: int | None = Field(None, ge=4, le=1024, description="resize user images to this size")
    channels: Literal[1, 3] | None = None
    test_fraction: float = Field(0.3, gt=0, lt=1, description="share of real images in the test split")
    pool_fraction: float = Field(0.0, ge=0, lt=1, description="share held apart as the retrieval pool")
    split_seed: int = Field(0, description="fixes the train/test/pool split for the whole study")

    @model_validator(mode="after")
    def _fractions(self) -> "RealSpec":
        if self.test_fraction + self.pool_fraction >= 0.9:
            raise ValueError("test_fraction + pool_fraction must leave at least 10% of the data for training")
        return self


class SourceSpec(_Model):
    """One synthetic configuration: a registered source kind and its knobs."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$", description="label used in results and the report")
    kind: str = Field(description="registered source: render-digits, folder, npz, ...")
    knobs: dict[str, Any] = Field(default_factory=dict, description="the source's own settings")
    path: Path | None = Field(None, description="for folder/npz sources: the user's synthetic images")


STUDY_CONDITIONS = ("real", "real+aug", "pretrain", "mix", "synthetic-only", "kalman")
"""Every condition a study spec may list (each task allows its own subset)."""


class ConditionSpec(_Model):
    """A condition and the grid it runs on (defaults: every source, the study's fractions)."""

    condition: str = Field(description="a condition of the study's task (real, pretrain, mix, synthetic-only, ...)")

    @field_validator("condition")
    @classmethod
    def _name(cls, v: str) -> str:
        if v not in STUDY_CONDITIONS:
            import difflib

            close = difflib.get_close_matches(v, STUDY_CONDITIONS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"unknown condition {v!r}{hint} expected one of: {', '.join(STUDY_CONDITIONS)}")
        return v
    sources: list[str] | None = Field(None, description="source names (default: all)")
    n_synthetic: list[int] | None = Field(None, description="synthetic set sizes")
    real_fractions: list[float] | None = Field(None, description="override the study's real fractions")
    augment: bool = Field(False, description="mix only: add naive augmentation to the real images")

    @field_validator("n_synthetic")
    @classmethod
    def _positive(cls, v: list[int] | None) -> list[int] | None:
        if v is not None and (not v or min(v) < 1):
            raise ValueError("n_synthetic must be a non-empty list of positive integers")
        return v


class ScalingSpec(_Model):
    """A grid of synthetic pre-training sizes (and optionally fine-tuning fractions)."""

    sources: list[str] | None = Field(None, description="source names (default: all)")
    n_synthetic: list[int] = Field(description="pre-training sizes, at least 3 distinct")
    real_fractions: list[float] = Field(default_factory=lambda: [0.1], description="fine-tuning fractions")
    n_boot: int = Field(1000, ge=50, le=100_000, description="bootstrap resamples of the fit")

    @field_validator("n_synthetic")
    @classmethod
    def _sizes(cls, v: list[int]) -> list[int]:
        if len(set(v)) < 3 or min(v) < 1:
            raise ValueError("a scaling grid needs at least 3 distinct positive sizes")
        return sorted(set(v))


class GeneratorSpec(_Model):
    """The generator whose training data is the pool: the built-in pool-trained diffusion
    model, or the user's own generated images (a folder or .npz, e.g. Stable Diffusion outputs)."""

    kind: Literal["pool-diffusion", "folder", "npz"] = "pool-diffusion"
    knobs: dict[str, Any] = Field(default_factory=dict, description="pool-diffusion settings")
    path: Path | None = Field(None, description="folder/npz: the generated images")
    seed: int = Field(0, description="seed of the generator's training (trained once per study)")

    @model_validator(mode="after")
    def _path(self) -> "GeneratorSpec":
        if self.kind != "pool-diffusion" and self.path is None:
            raise ValueError(f"generator kind {self.kind!r} needs a path to the generated images")
        return self


class RetrievalStudySpec(_Model):
    """The retrieval baseline: retrieved pool images against a generator trained on the pool."""

    pool: str = Field("embedded", description="'embedded' (held-apart real digits + distractors) or a pool path")
    retrievers: list[dict[str, Any]] = Field(
        default_factory=lambda: [{"method": "fts"}], min_length=1, description="retrieval configs (method, rules, filter, ...)"
    )
    generator: GeneratorSpec | None = Field(default_factory=GeneratorSpec)
    sizes: list[int] = Field(min_length=1, description="numbers of images per condition (matched across sources)")
    gammas: list[float] = Field(default_factory=list, description="SDEdit strengths of the perturbed condition")

    @field_validator("sizes")
    @classmethod
    def _sizes(cls, v: list[int]) -> list[int]:
        if min(v) < 1:
            raise ValueError("sizes must be positive")
        return sorted(set(v))

    @field_validator("gammas")
    @classmethod
    def _gammas(cls, v: list[float]) -> list[float]:
        if any(not 0 <= g <= 1 for g in v):
            raise ValueError("gammas must lie in [0, 1]")
        return sorted(set(v))

    @model_validator(mode="after")
    def _probe(self) -> "RetrievalStudySpec":
        if self.gammas and (self.generator is None or self.generator.kind != "pool-diffusion"):
            raise ValueError("the perturbed condition (gammas) needs the pool-diffusion generator")
        return self


class LearnerSpec(_Model):
    """A registered learner and its hyper-parameters."""

    name: str = "small-cnn"
    params: dict[str, Any] = Field(default_factory=dict)


class TrainingSpec(_Model):
    """Optimisation settings per phase."""

    train: TrainConfig = Field(default_factory=TrainConfig, description="real, real+aug, synthetic-only")
    mix: TrainConfig = Field(default_factory=lambda: TrainConfig(epochs=8), description="the mix condition")
    pretrain: TrainConfig = Field(default_factory=lambda: TrainConfig(epochs=3, lr=3e-3), description="E_pre")
    finetune: TrainConfig = Field(default_factory=lambda: TrainConfig(epochs=30, lr=1e-3), description="E_ft")


class ReportSpec(_Model):
    """Statistics settings of the report."""

    level: float = Field(0.95, gt=0.5, lt=1, description="confidence level of intervals")
    tolerance: float = Field(0.0, ge=0, lt=1, description="substitutability: allowed drop below the reference")


VERDICT_FAMILIES = ("substitutability", "ranking", "augmentation", "retrieval")


class AdaptiveSeeds(_Model):
    """Adaptive seeds: start with ``start`` seeds, then add seeds only where verdicts are undecided.

    After each round, every verdict of the families in ``decide`` whose interval still
    straddles its threshold gets ``step`` more seeds (for the cells it compares), until every
    verdict is decided or ``max`` seeds are reached. The error budget of each verdict is
    spread over the looks (``synreal.analysis.verdicts.Looks``), so looking several times
    does not inflate the rate of wrong claims. Seeds are ``first, first + 1, ...``.
    """

    start: int = Field(3, ge=2, le=1000, description="seeds of the first round")
    max: int = Field(12, ge=2, le=1000, description="most seeds any cell gets")
    step: int | None = Field(None, ge=1, le=1000, description="seeds added per round (default: start)")
    first: int = Field(0, ge=0, description="the first seed value")
    decide: list[Literal["substitutability", "ranking", "augmentation", "retrieval"]] = Field(
        default_factory=lambda: ["substitutability", "ranking"],
        description="verdict families that adaptive seeding works to decide")

    @model_validator(mode="after")
    def _bounds(self) -> "AdaptiveSeeds":
        if self.max < self.start:
            raise ValueError(f"max ({self.max}) must be at least start ({self.start})")
        return self

    @property
    def sizes(self) -> tuple[int, ...]:
        """Seeds at each look: start, start + step, ..., max."""
        step = self.step or self.start
        return tuple(sorted(set(list(range(self.start, self.max, step)) + [self.max])))

    @property
    def all_seeds(self) -> list[int]:
        """Every seed a cell may get."""
        return list(range(self.first, self.first + self.max))


def _seeds_kind(v: Any) -> str:
    """Which form of ``seeds`` a value is: a mapping is adaptive seeds, anything else a list."""
    return "adaptive" if isinstance(v, (dict, AdaptiveSeeds)) else "list"


UNION_TAGS = frozenset({"list", "adaptive"})  # discriminator tags that pydantic puts in error locations


class ExecutorSpec(_Model):
    """Where runs execute."""

    kind: str = Field("local", description="registered executor: local (process pool), inline or ray")
    workers: int | None = Field(None, ge=1, le=1024, description="parallel workers (default: all cores)")
    address: str | None = Field(None, description="ray only: 'auto' joins the cluster on this machine, HOST:PORT or "
                                "ray://HOST:10001 a remote one; none starts a local Ray instance")

    @model_validator(mode="after")
    def _address(self) -> "ExecutorSpec":
        if self.address is not None and self.kind != "ray":
            raise SpecError(("address",), f"address applies to the ray executor only, not {self.kind!r}")
        return self


class CacheSpec(_Model):
    """The shared artifact cache: checkpoints another study already trained are reused from it."""

    dir: Path | None = Field(None, description="cache root (default: $SYNREAL_CACHE_DIR, else $XDG_CACHE_HOME/synreal, "
                             "else ~/.cache/synreal); artifacts go to DIR/artifacts")
    artifacts: bool = Field(True, description="reuse and share pre-training and generator checkpoints")


class BaseStudySpec(_Model):
    """What every study has, whatever its task: seeds, fractions, sources, conditions, learner.

    A task's own spec (``StudySpec`` for classification, ``TrackingStudySpec`` for tracking)
    adds its real data, training settings and extras. ``CONDITIONS`` lists the conditions the
    task's studies may use.
    """

    CONDITIONS: ClassVar[tuple[str, ...]] = ()

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    task: str = "classification"
    seeds: Annotated[Union[Annotated[list[int], Tag("list")], Annotated[AdaptiveSeeds, Tag("adaptive")]],
                     Discriminator(_seeds_kind)] = Field(
        description="a list of seeds (one run per seed and cell), or adaptive seeds {start, max, step, first, decide}")
    real_fractions: list[float] = Field(min_length=1, description="nested fractions of the real training split")
    sources: list[SourceSpec] = Field(default_factory=list)
    conditions: list[ConditionSpec] = Field(min_length=1)
    learner: LearnerSpec = Field(default_factory=LearnerSpec)
    report: ReportSpec = Field(default_factory=ReportSpec)
    executor: ExecutorSpec = Field(default_factory=ExecutorSpec)
    cache: CacheSpec = Field(default_factory=CacheSpec)
    advice: AdviceSpec | None = Field(None, description="prices and a goal: the report says what to buy "
                                      "(see docs/advice.md)")
    _file: str | None = PrivateAttr(None)
    _lines: dict = PrivateAttr(default_factory=dict)

    @field_validator("conditions", mode="before")
    @classmethod
    def _shorthand(cls, v: Any) -> Any:
        if isinstance(v, list):
            return [{"condition": c} if isinstance(c, str) else c for c in v]
        return v

    @field_validator("conditions")
    @classmethod
    def _of_this_task(cls, v: list[ConditionSpec]) -> list[ConditionSpec]:
        for i, c in enumerate(v):
            if cls.CONDITIONS and c.condition not in cls.CONDITIONS:
                raise SpecError((i,), f"condition {c.condition!r} is not one of this task's: "
                                 f"{', '.join(cls.CONDITIONS)}")
        return v

    @field_validator("real_fractions")
    @classmethod
    def _fractions(cls, v: list[float]) -> list[float]:
        bad = [f for f in v if not 0 < f <= 1]
        if bad:
            raise ValueError(f"real fractions must lie in (0, 1], found {bad}")
        return sorted(set(v))

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, v: list[int] | AdaptiveSeeds) -> list[int] | AdaptiveSeeds:
        if isinstance(v, list):
            if not v:
                raise ValueError("seeds must list at least one seed")
            if len(set(v)) != len(v):
                raise ValueError("seeds must be distinct")
        return v

    @property
    def seed_list(self) -> list[int]:
        """Every seed the study may run (all of a list; up to ``max`` of adaptive seeds)."""
        return self.seeds.all_seeds if isinstance(self.seeds, AdaptiveSeeds) else list(self.seeds)

    @property
    def adaptive(self) -> AdaptiveSeeds | None:
        """The adaptive seed settings, or None for a plain list."""
        return self.seeds if isinstance(self.seeds, AdaptiveSeeds) else None

    def source(self, name: str) -> SourceSpec:
        """The source called ``name``."""
        return next(s for s in self.sources if s.name == name)

    def _check_references(self, extra: list[tuple[tuple[Any, ...], list[str] | None]] = ()) -> None:
        """Unique source names; every source a condition names exists; synthetic conditions have sources and sizes."""
        names = [s.name for s in self.sources]
        for i, n in enumerate(names):
            if n in names[:i]:
                raise SpecError(("sources", i, "name"), f"source names must be unique; {n!r} is also the name of "
                                                        f"sources[{names.index(n)}]")
        groups: list[tuple[tuple[Any, ...], list[str] | None]] = [
            (("conditions", i, "sources"), c.sources) for i, c in enumerate(self.conditions)
        ] + list(extra)
        for where, refs in groups:
            for k, r in enumerate(refs or []):
                if r not in names:
                    raise SpecError((*where, k), f"names source {r!r}, but the study defines {names or 'no sources'}")
        for i, c in enumerate(self.conditions):
            if c.condition in SYNTHETIC_CONDITIONS:
                if not self.sources:
                    raise SpecError(("conditions", i), f"{c.condition} needs at least one entry under 'sources'")
                if not c.n_synthetic:
                    raise SpecError(("conditions", i), f"{c.condition} needs n_synthetic (a list of sizes)")
            elif c.sources or c.n_synthetic:
                raise SpecError(("conditions", i), f"{c.condition} trains on real data only; remove sources/n_synthetic")

    def where(self, *loc: Any) -> dict[str, Any]:
        """``file``, ``key`` and ``line`` of a key path, for a ``UserInputError`` about it.

        Example:
            >>> s = StudySpec.model_validate({"name": "t", "seeds": [0], "real_fractions": [1], "conditions": ["real"]})
            >>> s.where("real", "path")
            {'file': None, 'key': 'real.path', 'line': None}
        """
        known = [k for k in range(len(loc), 0, -1) if tuple(loc[:k]) in self._lines]  # not the file's first line
        return {"file": self._file, "key": loc_to_path(loc) or None,
                "line": self._lines[tuple(loc[:known[0]])] if known else None}

    def locate(self, exc: UserInputError, *loc: Any) -> UserInputError:
        """``exc`` (about a data file) re-raised at the spec key that pointed at the data.

        The message keeps the data file, its key or line and the problem, after the spec
        file, line and key: ``study.yaml:9: real.path: data.npz: images: ...``.
        """
        where = self.where(*loc)
        if exc.file is None or (self._file is not None and exc.file == self._file):
            # about the spec's key already (a missing path, say): the spec knows the exact key and line;
            # a key of the data's own (an array name) stays in the message
            inner = exc.key if exc.key and exc.key.split(".")[0].split("[")[0] != loc[0] else None
            return UserInputError(f"{inner}: {exc.problem}" if inner else exc.problem, hint=exc.hint, **where)
        return UserInputError(exc.message, **where)


class StudySpec(BaseStudySpec):
    """A classification study: what to compare, on which data, with which learner.

    Example:
        >>> s = StudySpec.model_validate({"name": "t", "seeds": [0], "real_fractions": [1.0], "conditions": ["real"]})
        >>> s.conditions[0].condition
        'real'
    """

    CONDITIONS: ClassVar[tuple[str, ...]] = ("real", "real+aug", "pretrain", "mix", "synthetic-only")

    task: Literal["classification"] = "classification"
    real: RealSpec = Field(default_factory=RealSpec)
    scaling: ScalingSpec | None = None
    retrieval: RetrievalStudySpec | None = None
    training: TrainingSpec = Field(default_factory=TrainingSpec)
    augmentation: AugmentConfig = Field(default_factory=AugmentConfig)
    convert: ConversionPolicy = Field(default_factory=ConversionPolicy,
                                      description="how sources and pools of another shape become the real data's")

    @model_validator(mode="after")
    def _references(self) -> "StudySpec":
        self._check_references([(("scaling", "sources"), self.scaling.sources)] if self.scaling is not None else [])
        if self.scaling is not None and not self.sources:
            raise SpecError(("scaling",), "scaling needs at least one entry under 'sources'")
        if self.retrieval is not None and self.retrieval.pool == "embedded" and self.real.pool_fraction <= 0:
            raise SpecError(("retrieval", "pool"), "the embedded retrieval pool is built from held-apart real images: "
                                                   "set real.pool_fraction > 0")
        return self


def spec_model(data: Any, *, file: str | Path | None = None, lines: dict | None = None) -> type[BaseStudySpec]:
    """The spec model of the task a spec names (``task:``, default ``classification``)."""
    name = data.get("task", "classification") if isinstance(data, dict) else "classification"
    if not isinstance(name, str):
        raise UserInputError(f"expected a task name, found {name!r}", file=file, key="task",
                             line=line_for(lines or {}, ("task",)))
    from synreal.plugins import load_plugins
    from synreal.study.task import TASKS

    load_plugins("task")
    try:
        return TASKS.get(name, file=str(file) if file else None, key="task").spec_model
    except UserInputError as exc:
        raise UserInputError(exc.problem, file=file, key="task", line=line_for(lines or {}, ("task",)),
                             hint=exc.hint) from None


def validate_spec(data: dict[str, Any], *, file: str | Path | None = None, lines: dict | None = None) -> Any:
    """Validate a spec dict with its task's spec model, turning the first pydantic error into a ``UserInputError``.

    Also checks the names that registries resolve (learner, dataset, source kinds and their
    knobs), so that a typo fails before any run starts.
    """
    model = spec_model(data, file=file, lines=lines)
    try:
        spec = model.model_validate(data)
    except ValidationError as exc:
        # a misspelt key shows up as 'unknown key' and 'required key missing': name the typo first
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        err = errors[0]
        # a discriminated union adds its tag to the location: the user wrote no such key
        loc = tuple(p for i, p in enumerate(err["loc"]) if not (i == 1 and p in UNION_TAGS))
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, SpecError):
            loc = (*loc, *cause.loc)  # a cross-field check knows which key it is about
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown key {loc[-1]!r}" + _allowed(loc, model)
        elif err["type"] == "missing":
            msg = "required key is missing"
        elif "input" in err and err["type"] not in ("value_error",) and not isinstance(err["input"], dict):
            msg = f"{msg} (found {err['input']!r})"
        extra = f" (and {len(exc.errors()) - 1} more problems)" if len(exc.errors()) > 1 else ""
        raise UserInputError(msg + extra, file=file, key=loc_to_path(loc) or None, line=line_for(lines or {}, loc)) from None
    from synreal.study.task import TASKS

    spec._file, spec._lines = (str(file) if file is not None else None), dict(lines or {})
    TASKS.get(spec.task)().check_spec(spec, file=file, lines=lines or {})
    return spec


def _allowed(loc: tuple[Any, ...], root: type[BaseModel]) -> str:
    """', expected one of: ...' for the model that owns ``loc[:-1]``."""
    model: Any = root
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return ""
        ann = field.annotation
        for cand in getattr(ann, "__args__", ()) or (ann,):
            if isinstance(cand, type) and issubclass(cand, BaseModel):
                model = cand
                break
            for inner in getattr(cand, "__args__", ()):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    model = inner
        else:
            pass
    fields = getattr(model, "model_fields", None)
    if not fields:
        return ""
    import difflib

    close = difflib.get_close_matches(str(loc[-1]), list(fields), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{hint} expected one of: {', '.join(fields)}"


def check_classification_plugins(spec: StudySpec, *, file: str | Path | None, lines: dict) -> None:
    """The names a classification spec gives registries resolve (learner, dataset, sources, executor, retrievers)."""
    from synreal.data.datasets import DATASETS
    from synreal.learners.base import LEARNERS
    from synreal.plugins import load_builtin_plugins
    from synreal.synth.base import SOURCES

    load_builtin_plugins()
    f = str(file) if file is not None else None

    def get(reg: Any, name: str, loc: tuple) -> Any:
        try:
            return reg.get(name, file=f, key=loc_to_path(loc))
        except UserInputError as exc:
            exc.line = line_for(lines, loc)
            raise UserInputError(exc.problem, file=f, key=exc.key, line=exc.line, hint=exc.hint) from None

    learner = get(LEARNERS, spec.learner.name, ("learner", "name"))
    _validate_knobs(learner.Config, spec.learner.params, f, ("learner", "params"), lines)
    get(DATASETS, spec.real.dataset, ("real", "dataset"))
    if spec.real.dataset != "digits" and spec.real.path is None:
        raise UserInputError(f"dataset {spec.real.dataset!r} needs a path", file=f, key="real.path", line=line_for(lines, ("real",)))
    for i, s in enumerate(spec.sources):
        cls = get(SOURCES, s.kind, ("sources", i, "kind"))
        _validate_knobs(cls.Config, s.knobs, f, ("sources", i, "knobs"), lines)
        if cls.needs_pool:
            raise UserInputError(
                f"source kind {s.kind!r} is trained on the upstream pool; declare it under retrieval.generator",
                file=f, key=f"sources[{i}].kind", line=line_for(lines, ("sources", i, "kind")))
        if cls.needs_path and s.path is None:
            raise UserInputError(f"source kind {s.kind!r} needs a path", file=f, key=f"sources[{i}].path", line=line_for(lines, ("sources", i)))
    get(REGISTRIES["executor"], spec.executor.kind, ("executor", "kind"))
    if spec.retrieval is not None:
        from synreal.retrieval.config import validate_config

        for i, r in enumerate(spec.retrieval.retrievers):
            try:
                validate_config(r, file=f, key=f"retrieval.retrievers[{i}]")
            except UserInputError as exc:
                raise UserInputError(exc.problem, file=f, key=exc.key, line=line_for(lines, ("retrieval", "retrievers", i))) from None
        g = spec.retrieval.generator
        if g is not None and g.kind == "pool-diffusion":
            from synreal.synth.diffusion import DiffusionConfig

            _validate_knobs(DiffusionConfig, g.knobs, f, ("retrieval", "generator", "knobs"), lines)


def _validate_knobs(config_cls: type[BaseModel], knobs: dict, file: str | None, loc: tuple, lines: dict) -> BaseModel:
    try:
        return config_cls.model_validate(knobs)
    except ValidationError as exc:
        err = exc.errors()[0]
        full = (*loc, *err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            import difflib

            close = difflib.get_close_matches(str(err["loc"][-1]), list(config_cls.model_fields), n=1)
            msg = f"unknown key {err['loc'][-1]!r}" + (f"; did you mean {close[0]!r}?" if close else "")
            msg += f" expected one of: {', '.join(config_cls.model_fields)}"
        elif "input" in err and not isinstance(err["input"], dict):
            msg = f"{msg} (found {err['input']!r})"
        raise UserInputError(msg, file=file, key=loc_to_path(full), line=line_for(lines, full)) from None


def load_spec(path: str | Path) -> StudySpec:
    """Read and validate a study spec from YAML.

    Raises:
        UserInputError: naming the file, the key path, the line and what was expected.

    Example:
        >>> load_spec("examples/digits.yaml").name  # doctest: +SKIP
        'digits'
    """
    data, lines = read_yaml(path)
    return validate_spec(data, file=path, lines=lines)
