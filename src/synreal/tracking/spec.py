"""The scene-set spec: what a set of generated multi-person sequences looks like.

One pydantic model per section (scene, camera, render, detections); every section forbids
unknown keys, so a typo fails with the file, the key path and the line. Ranges are written
``[low, high]`` (a single number means a fixed value) and are drawn per sequence.

Example YAML (``examples/tracking/dance-only.yaml``)::

    name: dance-only
    sequences: 20
    scene:
      layout: single-group
      activities: {dance: 1}
    render:
      uniform_costume: 0.5
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from synreal.errors import UserInputError
from synreal.tracking.detections import DetectionSpec
from synreal.yamlio import line_for, loc_to_path, read_yaml

GROUNDS = ("pavement", "grass", "plaza", "wood")


def _range(v: Any) -> Any:
    """Accept 3 as (3, 3) and check low <= high."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return (v, v)
    if isinstance(v, (list, tuple)) and len(v) == 2 and v[0] > v[1]:
        raise ValueError(f"expected [low, high] with low <= high, found {list(v)}")
    return v


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _ranges(cls, v: Any, info: Any) -> Any:
        ann = cls.model_fields[info.field_name].annotation
        if getattr(ann, "__origin__", None) is tuple:
            return _range(v)
        return v


class CameraSpec(_Model):
    """The camera: drawn per sequence from these ranges."""

    width: int = Field(640, ge=32, le=4096, description="image width, pixels")
    height: int = Field(360, ge=32, le=4096, description="image height, pixels")
    cam_height: tuple[float, float] = Field((2.5, 6.0), description="metres above the ground")
    pitch: tuple[float, float] = Field((12.0, 30.0), description="downward tilt, degrees")
    fov: tuple[float, float] = Field((50.0, 75.0), description="horizontal field of view, degrees")
    yaw: tuple[float, float] = Field((0.0, 360.0), description="compass direction, degrees")
    orbit: tuple[float, float] = Field((0.0, 0.0), description="orbit speed, degrees per second (0: static)")
    max_distance: float = Field(20.0, gt=2, le=200, description="people stand no further than this, metres")

    @field_validator("pitch")
    @classmethod
    def _pitch(cls, v: tuple[float, float]) -> tuple[float, float]:
        if v[0] < 2 or v[1] > 80:
            raise ValueError(f"pitch must lie in [2, 80] degrees so that the camera sees the ground, found {list(v)}")
        return v

    @field_validator("fov")
    @classmethod
    def _fov(cls, v: tuple[float, float]) -> tuple[float, float]:
        if v[0] < 10 or v[1] > 150:
            raise ValueError(f"fov must lie in [10, 150] degrees, found {list(v)}")
        return v

    @field_validator("cam_height")
    @classmethod
    def _height(cls, v: tuple[float, float]) -> tuple[float, float]:
        if v[0] < 0.5:
            raise ValueError(f"cam_height must be at least 0.5 m, found {list(v)}")
        return v


class RenderSpec(_Model):
    """How sequences are drawn (or not: ``images: false`` writes trajectories only)."""

    images: bool = Field(True, description="render images; false = trajectories only (much faster)")
    uniform_costume: float = Field(0.0, ge=0, le=1, description="probability that a group wears one costume")
    lighting: tuple[float, float] = Field((0.75, 1.2), description="overall brightness factor")
    flicker: float = Field(0.04, ge=0, le=0.5, description="amplitude of slow brightness changes")
    grounds: list[Literal["pavement", "grass", "plaza", "wood"]] = Field(
        default_factory=lambda: list(GROUNDS), min_length=1, description="ground textures to draw from"
    )
    jpeg_quality: int = Field(90, ge=30, le=100)
    min_in_frame: float = Field(0.1, ge=0, le=1, description="label a person when this share of the box is in the image")
    min_box_height: float = Field(8.0, ge=0, description="label a person when its box is at least this tall, pixels")


class SceneSpec(_Model):
    """The crowd: groups, their activities and the clip length."""

    fps: float = Field(30.0, gt=0, le=240, description="frames per second (M3Act: 30)")
    frames: int = Field(90, ge=1, le=100_000, description="frames per sequence (M3Act: 90)")
    layout: Literal["single-group", "multi-group"] = Field("multi-group", description="one group, or several")
    groups: tuple[int, int] = Field((2, 4), description="multi-group: number of groups")
    lone_walkers: tuple[int, int] = Field((0, 3), description="multi-group: people walking alone")
    activities: dict[str, float] = Field(
        default_factory=lambda: {"walk": 1.0, "wait": 1.0, "queue": 1.0, "talk": 1.0, "dance": 1.0, "run": 1.0},
        description="activity mix: name -> weight",
    )
    activity_options: dict[str, dict[str, Any]] = Field(default_factory=dict, description="knobs per activity")
    max_people: int = Field(40, ge=1, le=200, description="cap on people per sequence")
    height: tuple[float, float] = Field((1.55, 1.95), description="body heights, metres")

    @field_validator("groups", "lone_walkers")
    @classmethod
    def _counts(cls, v: tuple[int, int]) -> tuple[int, int]:
        if v[0] < 0:
            raise ValueError(f"expected counts >= 0, found {list(v)}")
        return v

    @field_validator("activities")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        if not v or any(w < 0 for w in v.values()) or sum(v.values()) <= 0:
            raise ValueError(f"expected activity weights >= 0 with a positive sum, found {v}")
        return v

    @model_validator(mode="after")
    def _groups(self) -> "SceneSpec":
        if self.layout == "multi-group" and self.groups[1] < 1:
            raise ValueError("a multi-group scene needs groups >= 1")
        return self


class SceneSetSpec(_Model):
    """A set of generated sequences.

    Example:
        >>> s = SceneSetSpec.model_validate({"name": "dance", "scene": {"activities": {"dance": 1}}})
        >>> s.scene.fps, s.scene.frames, s.sequences
        (30.0, 90, 10)
    """

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="prefix of the sequence names")
    seed: int = Field(0, description="sequence i uses a seed derived from (seed, i)")
    sequences: int = Field(10, ge=1, le=1_000_000, description="number of sequences")
    scene: SceneSpec = Field(default_factory=SceneSpec)
    camera: CameraSpec = Field(default_factory=CameraSpec)
    render: RenderSpec = Field(default_factory=RenderSpec)
    detections: DetectionSpec = Field(default_factory=DetectionSpec)


def _explain(exc: ValidationError, model: type[BaseModel]) -> tuple[str, tuple[Any, ...]]:
    """The first pydantic error as (message, location)."""
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        owner: Any = model
        for part in loc[:-1]:
            f = getattr(owner, "model_fields", {}).get(part)
            owner = f.annotation if f is not None else None
        fields = list(getattr(owner, "model_fields", {}) or {})
        close = difflib.get_close_matches(str(loc[-1]), fields, n=1)
        msg = f"unknown key {loc[-1]!r}" + (f"; did you mean {close[0]!r}?" if close else "")
        if fields:
            msg += f" expected one of: {', '.join(fields)}"
    elif err["type"] == "missing":
        msg = "required key is missing"
    elif "input" in err and not isinstance(err["input"], dict) and err["type"] != "value_error":
        msg = f"{msg} (found {err['input']!r})"
    return msg, loc


def validate_scene_set(data: dict[str, Any], *, file: str | Path | None = None, lines: dict | None = None) -> SceneSetSpec:
    """Validate a scene-set dict, including the activity names and their knobs.

    Args:
        data: the parsed YAML (or a dict built in Python).
        file: the file it came from, for messages.
        lines: key path -> line table from ``synreal.yamlio.read_yaml``.

    Returns:
        The validated spec.

    Raises:
        UserInputError: naming the file, the key path, the line and what was expected.

    Example:
        >>> validate_scene_set({"name": "w", "scene": {"activities": {"walk": 1, "run": 1}}}).scene.layout
        'multi-group'
    """
    from synreal.tracking.activities import ACTIVITIES

    lines = lines or {}
    try:
        spec = SceneSetSpec.model_validate(data)
    except ValidationError as exc:
        msg, loc = _explain(exc, SceneSetSpec)
        more = f" (and {len(exc.errors()) - 1} more problems)" if len(exc.errors()) > 1 else ""
        raise UserInputError(msg + more, file=file, key=loc_to_path(loc) or None, line=line_for(lines, loc)) from None
    f = str(file) if file is not None else None
    for group in ("activities", "activity_options"):
        for name in getattr(spec.scene, group):
            loc = ("scene", group, name)
            if name not in ACTIVITIES:
                ACTIVITIES.get(name, file=f, key=loc_to_path(loc))
    for name, opts in spec.scene.activity_options.items():
        cls = ACTIVITIES.get(name)
        try:
            cls.Config.model_validate(opts)
        except ValidationError as exc:
            msg, loc = _explain(exc, cls.Config)
            full = ("scene", "activity_options", name, *loc)
            raise UserInputError(msg, file=file, key=loc_to_path(full), line=line_for(lines, full)) from None
    return spec


def load_scene_set(path: str | Path) -> SceneSetSpec:
    """Read and validate a scene-set spec from YAML.

    Args:
        path: the YAML file.

    Returns:
        The validated spec.

    Raises:
        UserInputError: naming the file, the key path, the line and what was expected.

    Example:
        >>> load_scene_set("examples/tracking/dance-only.yaml").scene.activities  # doctest: +SKIP
        {'dance': 1.0}
    """
    data, lines = read_yaml(path)
    return validate_scene_set(data, file=path, lines=lines)
