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
    """The camera: drawn per sequence from these ranges.

    Defaults were tuned on real pedestrian footage (MOT17's training sequences: static,
    hand-held and vehicle-mounted cameras); ``moving`` is the share of sequences whose
    camera moves.
    """

    width: int = Field(640, ge=32, le=4096, description="image width, pixels")
    height: int = Field(360, ge=32, le=4096, description="image height, pixels")
    cam_height: tuple[float, float] = Field((2.5, 10.0), description="metres above the ground")
    pitch: tuple[float, float] = Field((15.0, 38.0), description="downward tilt, degrees")
    fov: tuple[float, float] = Field((55.0, 80.0), description="horizontal field of view, degrees")
    yaw: tuple[float, float] = Field((0.0, 360.0), description="compass direction, degrees")
    orbit: tuple[float, float] = Field((0.0, 0.0), description="orbit speed, degrees per second (0: static)")
    depth: tuple[float, float] = Field(
        (5.0, 50.0), description="distance from the camera at which people are placed, metres (drawn log-uniformly)"
    )
    max_distance: float | None = Field(None, gt=2, le=500, description="older name of the far end of depth, metres")
    moving: float = Field(0.35, ge=0, le=1, description="share of sequences whose camera moves (pan, shake, walk)")
    pan: tuple[float, float] = Field((0.0, 14.0), description="moving camera: RMS pan rate, degrees per second")
    shake: tuple[float, float] = Field((0.02, 0.4), description="moving camera: RMS hand-held jitter, degrees")
    walk: tuple[float, float] = Field((0.3, 1.0), description="moving camera: operator's walking speed, m/s")
    follow: float = Field(0.0, ge=0, le=1, description="pan to keep the first group centred (1: fully; broadcast sports)")

    @field_validator("depth")
    @classmethod
    def _depth(cls, v: tuple[float, float]) -> tuple[float, float]:
        if v[0] < 0.5 or v[1] > 500:
            raise ValueError(f"depth must lie in [0.5, 500] metres, found {list(v)}")
        return v

    @field_validator("pan", "shake", "walk")
    @classmethod
    def _nonneg(cls, v: tuple[float, float], info: Any) -> tuple[float, float]:
        top = {"pan": 90.0, "shake": 10.0, "walk": 30.0}[info.field_name]
        if v[0] < 0 or v[1] > top:
            raise ValueError(f"expected values in [0, {top:g}], found {list(v)}")
        return v

    @property
    def far(self) -> float:
        """Far end of the depth range (``max_distance`` when given)."""
        return min(self.depth[1], self.max_distance) if self.max_distance is not None else self.depth[1]

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
    """How sequences are drawn (or not: ``images: false`` writes trajectories only), and how
    the ground truth is annotated (defaults: MOT17's style, see ``scene.annotate``)."""

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
    min_visibility: float = Field(
        0.4, ge=0, le=1, description="a track starts and ends where the person is at least this visible (annotated through occlusion in between)"
    )
    label_noise: float = Field(
        0.005, ge=0, le=0.2, description="annotation jitter: std of each box edge in the ground truth, share of box height"
    )
    label_interval: int = Field(
        12, ge=1, le=100, description="annotated keyframe every this many frames, boxes interpolated linearly in between"
    )
    label_grid: int = Field(
        1080, ge=0, le=10_000, description="round ground-truth boxes to whole pixels of an image this many pixels high (0: no rounding)"
    )


#: MOT17's training sequences: five filmed at 30 FPS, one at 25, one at 14.
MOT17_FRAME_RATES = {30.0: 5.0, 25.0: 1.0, 14.0: 1.0}


class SceneSpec(_Model):
    """The crowd: groups, their activities, people entering and leaving, and the clip.

    Defaults were tuned on MOT17's training ground truth, so that trajectories-only
    sequences have its motion statistics (``synreal mot stats``); M3Act's own clips are
    ``fps: 30, frames: 90`` without entries.
    """

    sim_fps: float = Field(30.0, gt=0, le=240, description="simulation rate; frame rates are decimated from it (M3Act: 30)")
    fps: float | dict[float, float] = Field(
        default_factory=lambda: dict(MOT17_FRAME_RATES),
        description="frame rate of the clip, or {rate: weight} drawn per sequence (decimated from sim_fps)",
    )
    frames: int | tuple[int, int] = Field(300, description="frames per sequence, or [low, high] drawn per sequence")
    layout: Literal["single-group", "multi-group"] = Field("multi-group", description="one group, or several")
    groups: tuple[int, int] = Field((2, 4), description="multi-group: number of groups")
    lone_walkers: tuple[int, int] = Field((0, 3), description="multi-group: people walking alone")
    activities: dict[str, float] = Field(
        default_factory=lambda: {"walk": 0.5, "wait": 5.0, "queue": 1.0, "talk": 2.0, "dance": 0.2, "run": 0.1},
        description="activity mix: name -> weight (M3Act's six; weighted as in MOT17's crowds)",
    )
    activity_options: dict[str, dict[str, Any]] = Field(default_factory=dict, description="knobs per activity")
    max_people: int = Field(40, ge=1, le=200, description="cap on the groups and lone walkers placed at the start")
    height: tuple[float, float] = Field((1.55, 1.95), description="body heights, metres")
    entry_rate: tuple[float, float] = Field(
        (0.2, 2.5), description="multi-group: groups entering the view per second, drawn per sequence (0: nobody enters)"
    )
    entry_group: tuple[int, int] = Field((1, 2), description="people per entering group")
    entry_mix: dict[str, float] = Field(default_factory=lambda: {"walk": 1.0}, description="activities of entering groups")
    occluders: tuple[int, int] = Field((1, 5), description="static occluders (pillars, kiosks, parked vans) per sequence")
    door_share: float = Field(
        0.9, ge=0, le=1, description="share of entering (and leaving) groups that appear from (vanish behind) an occluder"
    )
    along_view: float = Field(
        0.9, ge=0, le=1, description="share of entering groups and lone walkers that walk toward or away from the camera (a street)"
    )
    spacing: float = Field(0.6, gt=0.2, le=5, description="scale of the distances between people of a group")

    @field_validator("fps")
    @classmethod
    def _rates(cls, v: float | dict[float, float], info: Any) -> float | dict[float, float]:
        rates = v if isinstance(v, dict) else {v: 1.0}
        if not rates or any(w < 0 for w in rates.values()) or sum(rates.values()) <= 0:
            raise ValueError(f"expected {{rate: weight}} with weights >= 0 and a positive sum, found {v}")
        bad = [r for r in rates if not 1 <= r <= 240]
        if bad:
            raise ValueError(f"frame rates must lie in [1, 240], found {bad[0]:g}")
        sim = info.data.get("sim_fps")
        if sim is not None and max(rates) > sim:
            raise ValueError(
                f"frame rate {max(rates):g} exceeds sim_fps {sim:g}: frames are decimated from the simulation (raise sim_fps)"
            )
        return v

    @field_validator("frames")
    @classmethod
    def _frames(cls, v: int | tuple[int, int]) -> int | tuple[int, int]:
        lo, hi = (v, v) if isinstance(v, int) else v
        if lo < 1 or hi > 100_000 or lo > hi:
            raise ValueError(f"expected frames (or [low, high] with low <= high) in [1, 100000], found {list(v) if isinstance(v, tuple) else v}")
        return v

    @field_validator("groups", "lone_walkers", "occluders")
    @classmethod
    def _counts(cls, v: tuple[int, int]) -> tuple[int, int]:
        if v[0] < 0:
            raise ValueError(f"expected counts >= 0, found {list(v)}")
        return v

    @field_validator("entry_group")
    @classmethod
    def _entry_group(cls, v: tuple[int, int]) -> tuple[int, int]:
        if v[0] < 1 or v[1] > 20:
            raise ValueError(f"expected group sizes in [1, 20], found {list(v)}")
        return v

    @field_validator("entry_rate")
    @classmethod
    def _entry_rate(cls, v: tuple[float, float]) -> tuple[float, float]:
        if v[0] < 0 or v[1] > 50:
            raise ValueError(f"expected rates in [0, 50] groups per second, found {list(v)}")
        return v

    @field_validator("activities", "entry_mix")
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

    @property
    def frame_rates(self) -> dict[float, float]:
        """Frame rates and their weights (one rate with weight 1 for a fixed ``fps``)."""
        return dict(self.fps) if isinstance(self.fps, dict) else {float(self.fps): 1.0}

    @property
    def frame_range(self) -> tuple[int, int]:
        """``frames`` as a [low, high] range."""
        return (self.frames, self.frames) if isinstance(self.frames, int) else self.frames


class SceneSetSpec(_Model):
    """A set of generated sequences.

    Example:
        >>> s = SceneSetSpec.model_validate({"name": "dance", "scene": {"activities": {"dance": 1}}})
        >>> s.scene.frame_rates, s.scene.frames, s.sequences
        ({30.0: 5.0, 25.0: 1.0, 14.0: 1.0}, 300, 10)
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
    for group in ("activities", "activity_options", "entry_mix"):
        for name in getattr(spec.scene, group):
            loc = ("scene", group, name)
            if name not in ACTIVITIES:
                ACTIVITIES.get(name, file=f, key=loc_to_path(loc))
    for name in spec.scene.entry_mix:
        if not ACTIVITIES.get(name).moving:
            moving = [n for n in ACTIVITIES if ACTIVITIES.get(n).moving]
            loc = ("scene", "entry_mix", name)
            raise UserInputError(
                f"{name!r} stays in place; people enter with a moving activity: {', '.join(moving)}",
                file=file, key=loc_to_path(loc), line=line_for(lines, loc),
            )
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
