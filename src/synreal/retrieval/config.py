"""The retrieval settings as one typed, serialisable, hashable model (a spec section)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from synreal.errors import UserInputError
from synreal.retrieval.dedup import DedupConfig
from synreal.retrieval.filters import ScoreFilter
from synreal.retrieval.fts import QueryRule


class RetrievalConfig(BaseModel):
    """How to retrieve task-relevant images from a pool.

    Attributes:
        method: a registered retriever: ``fts`` (caption search), ``knn-image`` (nearest
            neighbours of image exemplars), ``knn-text`` (nearest neighbours of the pool's
            text embeddings of class prompts).
        rules: ``fts`` only: class -> QueryRule (a list is shorthand for ``any``, a string
            for a raw FTS5 ``match``); classes not named search for their own name.
        k: ``knn-*`` only: neighbours retrieved per query embedding.
        embedding: ``knn-image`` only: ``pool`` searches the pool's embeddings (computing
            centred pixels when it has none); ``pixels`` always uses centred pixels.
        filter: the per-class score filter.
        conflicts: an image retrieved for several classes is dropped (``drop``) or kept for
            the class where it scores best (``best``; ties go to the earlier class). Default:
            the method's own (``drop`` for ``fts``, whose BM25 scores of different queries
            do not compare; ``best`` for ``knn-*``, whose cosine similarities do).
        dedup: how near-duplicates of the test set are found (applied when a test set is given).

    Example:
        >>> c = RetrievalConfig.model_validate({"method": "fts", "rules": {7: ["7", "seven"]}})
        >>> c.rules["7"].any
        ['7', 'seven']
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: str = Field("fts", description="registered retriever: fts, knn-image, knn-text")
    rules: dict[str, QueryRule] | None = Field(None, description="fts: per-class query rules")
    k: int = Field(20, ge=1, le=100_000, description="knn: neighbours per query")
    embedding: Literal["pool", "pixels"] = Field("pool", description="knn-image: pool embeddings or centred pixels")
    filter: ScoreFilter = Field(default_factory=ScoreFilter, description="per-class score filter")
    conflicts: Literal["drop", "best"] | None = Field(None, description="an image retrieved for several classes (default: the method's)")
    dedup: DedupConfig = Field(default_factory=DedupConfig, description="test-set de-duplication")

    @field_validator("rules", mode="before")
    @classmethod
    def _class_keys(cls, v: Any) -> Any:
        # YAML reads `7: [seven]` with an integer key; class names are strings
        if isinstance(v, dict):
            return {str(k): r for k, r in v.items()}
        return v


def validate_config(config: RetrievalConfig | dict[str, Any] | None, *, file: str | None = None, key: str = "retrieval") -> RetrievalConfig:
    """A RetrievalConfig from a model, a dict or None; a UserInputError naming the key if invalid.

    Example:
        >>> validate_config({"k": 0})
        Traceback (most recent call last):
        ...
        synreal.errors.UserInputError: retrieval.k: Input should be greater than or equal to 1 (found 0)
    """
    if isinstance(config, RetrievalConfig):
        return config
    try:
        return RetrievalConfig.model_validate(config or {})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in (key, *err["loc"]))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown key {err['loc'][-1]!r}"
        elif "input" in err and not isinstance(err["input"], dict):
            msg = f"{msg} (found {err['input']!r})"
        raise UserInputError(msg, file=file, key=loc) from None
