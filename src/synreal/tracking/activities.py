"""Group activities: how a group stands, moves and poses over time (M3Act's set plus ``sport``).

Each activity is a class registered in ``ACTIVITIES`` with a pydantic ``Config`` of knobs
(defaults follow M3Act) and a ``simulate`` method that returns the group's trajectories on
the ground plane plus, per person and frame, the kind of motion, its cycle phase and the
move or gesture being made. Users add an activity by registering a subclass::

    @ACTIVITIES.register("stroll")
    class Stroll(Walk):
        '''Walk slowly, one abreast.'''
        class Config(Walk.Config):
            speed: tuple[float, float] = (0.5, 0.8)

Times are in seconds, distances in metres, headings in radians (0 = +x, counter-clockwise).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from synreal.registry import Registry

# Motion kinds, the pose generator's vocabulary.
IDLE, WALK, RUN, DANCE, TALK = 0, 1, 2, 3, 4
MOTION_NAMES = {IDLE: "idle", WALK: "walk", RUN: "run", DANCE: "dance", TALK: "talk"}
#: Dance moves (the ``move`` index while dancing); see ``synreal.tracking.figure``.
DANCE_MOVES = ("arms_wave", "jumping_jack", "side_step", "pump", "twist", "kick", "clap")
#: Idle postures / talking gestures (the ``move`` index while idle or talking).
IDLE_POSTURES = ("arms_down", "hands_on_hips", "arms_folded")
#: The athlete's ready stance (knees bent, arms out), an idle posture used by ``sport``.
READY = len(IDLE_POSTURES)
TALK_GESTURES = ("listen", "right_hand", "both_hands", "hand_on_hip")

WALK_STRIDE = 1.4  # metres per gait cycle (two steps)
RUN_STRIDE = 2.6

# Published gait speeds, m/s. Free walking: 1.34 +- 0.26 (Weidmann 1993, the standard
# figure of pedestrian planning; Bohannon & Andrews 2011 find 1.2-1.4 for ages 20-79).
# Groups walk slower the larger they are (Moussaid et al. 2010: about 1.3 m/s alone,
# 1.1 m/s in groups of four). Jogging 2.2-3.3 m/s, recreational running up to about 4.5.
WALK_SPEED = (0.83, 1.85)  # mean +- 1.96 sd of Weidmann's distribution
RUN_SPEED = (2.2, 4.5)


@dataclass
class GroupMotion:
    """Trajectories and motion labels of one group.

    Attributes:
        pos: (n, T, 2) ground positions.
        heading: (n, T) facing direction in radians.
        motion: (n, T) int8 motion kind (IDLE, WALK, RUN, DANCE, TALK).
        phase: (n, T) gait/dance cycle phase in cycles (the pose uses its fraction).
        move: (n, T) int16 dance move or gesture index.
        present: (n, T) bool, False while a person is not in the scene (before appearing
            from behind an occluder, after vanishing behind one); None means always present.
    """

    pos: np.ndarray
    heading: np.ndarray
    motion: np.ndarray
    phase: np.ndarray
    move: np.ndarray
    present: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.pos)


@dataclass(frozen=True)
class SimContext:
    """What an activity needs to know about the clip and the camera.

    Attributes:
        n_frames: frames in the clip.
        fps: frames per second.
        anchor: (2,) where the group is (stationary groups) or passes at mid-clip.
        heading: the group's main direction (radians).
        toward_camera: direction from the anchor to the camera (radians), for groups that
            face an audience.
        spacing: scale of the distances between the members of the group.
        pass_time: for moving groups, the time (seconds) at which the group passes its
            anchor; None draws it uniformly over the clip.
    """

    n_frames: int
    fps: float
    anchor: np.ndarray
    heading: float
    toward_camera: float
    spacing: float = 1.0
    pass_time: float | None = None

    def pass_at(self, rng: np.random.Generator) -> float:
        """When a moving group passes its anchor (seconds)."""
        if self.pass_time is not None:
            return float(self.pass_time)
        return float(rng.uniform(0, (self.n_frames - 1) / self.fps if self.n_frames > 1 else 0))

    @property
    def t(self) -> np.ndarray:
        """Frame times in seconds, (T,)."""
        return np.arange(self.n_frames) / self.fps


def _size_range(v: Any) -> Any:
    """Accept 3 as (3, 3)."""
    return (v, v) if isinstance(v, (int, float)) else v


class ActivityConfig(BaseModel):
    """Base of every activity's knobs; unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _scalar_to_range(cls, v: Any, info: Any) -> Any:
        ann = cls.model_fields[info.field_name].annotation
        if getattr(ann, "__origin__", None) is tuple:
            return _size_range(v)
        return v

    @field_validator("*", mode="after")
    @classmethod
    def _ordered(cls, v: Any) -> Any:
        if isinstance(v, tuple) and len(v) == 2 and all(isinstance(x, (int, float)) for x in v):
            if v[0] > v[1]:
                raise ValueError(f"expected [low, high] with low <= high, found {list(v)}")
            if v[0] < 0:
                raise ValueError(f"expected non-negative values, found {list(v)}")
        return v


class Activity(ABC):
    """Base class of a group activity.

    Subclasses set ``Config`` (knobs with defaults) and implement ``size``, ``radius``
    and ``simulate``. ``moving`` activities cross the view; the others stay near their
    anchor; ``centred`` ones are placed where the camera looks.
    """

    Config: ClassVar[type[ActivityConfig]] = ActivityConfig
    moving: ClassVar[bool] = False
    #: Placed where the camera looks (a court), instead of anywhere in view.
    centred: ClassVar[bool] = False

    def __init__(self, config: ActivityConfig | None = None) -> None:
        self.config = config if config is not None else self.Config()

    def size(self, rng: np.random.Generator) -> int:
        """Number of people in a new group."""
        lo, hi = self.config.people  # type: ignore[attr-defined]
        return int(rng.integers(lo, hi + 1))

    def radius(self, n: int) -> float:
        """Rough radius of the group on the ground, for keeping groups apart."""
        return 0.5 + 0.35 * n

    @abstractmethod
    def simulate(self, n: int, ctx: SimContext, rng: np.random.Generator) -> GroupMotion:
        """Trajectories of ``n`` people over the clip."""


ACTIVITIES: Registry[type[Activity]] = Registry("activity", interface=Activity)


def _rot(offsets: np.ndarray, heading: np.ndarray) -> np.ndarray:
    """Rotate group-frame offsets (n, 2) (forward, left) by headings (T,) -> (n, T, 2)."""
    c, s = np.cos(heading), np.sin(heading)
    fwd, left = offsets[:, 0:1], offsets[:, 1:2]
    return np.stack([fwd * c - left * s, fwd * s + left * c], axis=-1)


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, ...], t: np.ndarray, freq: float) -> np.ndarray:
    """Smooth random wiggle in [-1, 1]: two sinusoids with random frequency and phase."""
    f = freq * rng.uniform(0.6, 1.4, size=shape + (2,))
    ph = rng.uniform(0, 2 * np.pi, size=shape + (2,))
    return 0.5 * np.sin(2 * np.pi * f[..., 0, None] * t + ph[..., 0, None]) + 0.5 * np.sin(
        2 * np.pi * f[..., 1, None] * t + ph[..., 1, None]
    )


def _smoothstep(x: np.ndarray) -> np.ndarray:
    """0 below 0, 1 above 1, smooth in between."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _grad_t(a: np.ndarray, axis: int = 1) -> np.ndarray:
    """Finite-difference derivative along time (zeros for a single frame)."""
    if a.shape[axis] < 2:
        return np.zeros_like(a, dtype=float)
    return np.gradient(a, axis=axis)


def _heading_of(pos: np.ndarray, fallback: np.ndarray, min_speed: float = 0.05, fps: float = 30.0) -> np.ndarray:
    """Facing direction from velocity (n, T), keeping ``fallback`` while nearly still."""
    vel = _grad_t(pos, axis=1) * fps
    speed = np.linalg.norm(vel, axis=-1)
    ang = np.arctan2(vel[..., 1], vel[..., 0])
    return np.where(speed > min_speed, ang, fallback)


def _per_row(n: int, most: int) -> int:
    """People per row when ``n`` people stand in as few rows of at most ``most`` as possible."""
    rows = max(1, int(np.ceil(n / max(most, 1))))
    return max(1, int(np.ceil(n / rows)))


def _uniform(rng: np.random.Generator, r: tuple[float, float], size: Any = None) -> Any:
    """Uniform draw from a [low, high] pair."""
    return rng.uniform(r[0], r[1], size=size)


def person_speeds(rng: np.random.Generator, r: tuple[float, float], n: int) -> np.ndarray:
    """Preferred speeds of ``n`` people: normal, with ``r`` as its 95% range, clipped to ``r``."""
    mid, sd = (r[0] + r[1]) / 2, (r[1] - r[0]) / 3.92
    return np.clip(rng.normal(mid, sd, n), r[0], r[1]) if sd > 0 else np.full(n, mid)


# --------------------------------------------------------------------------------------
# walk together


class WalkConfig(ActivityConfig):
    """Knobs of walking together."""

    people: tuple[int, int] = Field((1, 9), description="group size (M3Act: 1-9)")
    speed: tuple[float, float] = Field(WALK_SPEED, description="95% range of a person's walking speed, m/s (Weidmann 1993)")
    abreast: int = Field(3, ge=1, le=9, description="most people side by side")
    spacing: float = Field(0.7, gt=0.2, le=3.0, description="metres between neighbours")
    turn: float = Field(3.0, ge=0, le=90, description="largest turning rate of the path, degrees/s")
    stop: float = Field(0.9, ge=0, le=1, description="probability that a group stops once on its way (a shop window, a crossing)")
    stop_time: tuple[float, float] = Field((5.0, 25.0), description="seconds a stop lasts")


@ACTIVITIES.register("walk")
class Walk(Activity):
    """Walk together: 1-9 people in rows of up to three, along a gently curving path."""

    Config = WalkConfig
    moving = True

    def simulate(self, n: int, ctx: SimContext, rng: np.random.Generator) -> GroupMotion:
        return self.simulate_units(np.array([n]), ctx.anchor[None], np.array([ctx.heading]),
                                   np.array([ctx.pass_at(rng)]), ctx, rng)  # fmt: skip

    def simulate_units(
        self,
        sizes: np.ndarray,
        anchors: np.ndarray,
        headings: np.ndarray,
        pass_times: np.ndarray,
        ctx: SimContext,
        rng: np.random.Generator,
    ) -> GroupMotion:
        """Several independent walking groups at once (people entering a street scene).

        Args:
            sizes: (U,) people per group.
            anchors: (U, 2) where each group passes.
            headings: (U,) each group's direction there.
            pass_times: (U,) when it passes, seconds (also before or after the clip).
            ctx: the clip (frames, rate, spacing); its anchor and heading are not used.
            rng: the generator.

        Returns:
            Everyone's motion, group after group.
        """
        c = self.config
        t = ctx.t
        U, T = len(sizes), len(t)
        n_all = int(sizes.sum())
        unit = np.repeat(np.arange(U), sizes)
        # A group walks at its members' mean preferred speed, slower the larger it is.
        own = person_speeds(rng, c.speed, n_all)
        mean = np.bincount(unit, own, minlength=U) / np.maximum(sizes, 1)
        speed = mean * (1.0 - 0.04 * np.minimum(sizes - 1, 4))
        turn = np.radians(rng.uniform(-c.turn, c.turn, U))
        spacing = c.spacing * ctx.spacing
        # A stop freezes the walk's clock for a while, somewhere around the pass time.
        stops = rng.random(U) < c.stop
        stop_at = pass_times + rng.uniform(-5.0, 5.0, U)
        stop_len = np.where(stops, rng.uniform(c.stop_time[0], c.stop_time[1], U), 0.0)
        held = np.clip(t[None] - stop_at[:, None], 0.0, stop_len[:, None])  # (U, T) time spent stopped so far
        paused = (held > 0) & (held < stop_len[:, None])
        held_at_pass = np.clip(pass_times - stop_at, 0.0, stop_len)
        # Walking time since passing the anchor (the clock stands still during the stop).
        rel = (t[None] - held) - (pass_times - held_at_pass)[:, None]  # (U, T)
        heading = headings[:, None] + turn[:, None] * rel
        cos_h, sin_h = np.cos(heading), np.sin(heading)
        # Each path passes its anchor at its pass time (also before or after the clip): an
        # arc of constant turning rate, integrated in closed form.
        bent = np.abs(turn) > 1e-9
        r = np.where(bent, speed / np.where(bent, turn, 1.0), 0.0)[:, None]
        c0, s0 = np.cos(headings)[:, None], np.sin(headings)[:, None]
        straight = speed[:, None] * rel
        px = np.where(bent[:, None], r * (sin_h - s0), straight * c0)
        py = np.where(bent[:, None], r * (c0 - cos_h), straight * s0)
        path_x, path_y = anchors[:, 0:1] + px, anchors[:, 1:2] + py  # (U, T)
        # Formation: rows of up to ``abreast``, centred, people a little off their slot.
        first = np.repeat(np.cumsum(sizes) - sizes, sizes)
        i = np.arange(n_all) - first
        row, col = np.divmod(i, c.abreast)
        in_row = np.minimum(c.abreast, sizes[unit] - row * c.abreast)
        fwd = -row * (spacing + 0.2) + rng.normal(0, 0.08, n_all)
        left = (col - (in_row - 1) / 2) * spacing + rng.normal(0, 0.08, n_all)
        ch, sh = cos_h[unit], sin_h[unit]
        stride_freq = speed[unit] / WALK_STRIDE
        walked = (t[None] - held)[unit]  # the gait clock stops with the walk
        phase = rng.uniform(0, 1, (n_all, 1)) + (stride_freq * rng.uniform(0.95, 1.05, n_all))[:, None] * walked
        side = left[:, None] + 0.012 * np.sin(2 * np.pi * phase) * ~paused[unit]  # the hips sway with each step
        pos = np.empty((n_all, T, 2))
        pos[..., 0] = path_x[unit] + (fwd[:, None] * ch - side * sh)
        pos[..., 1] = path_y[unit] + (fwd[:, None] * sh + side * ch)
        return GroupMotion(
            pos=pos,
            heading=heading[unit],
            motion=np.where(paused[unit], IDLE, WALK).astype(np.int8),
            phase=phase,
            move=np.zeros((n_all, T), np.int16),
        )


# --------------------------------------------------------------------------------------
# wait together


class WaitConfig(ActivityConfig):
    """Knobs of waiting together."""

    per_row: tuple[int, int] = Field((1, 6), description="people per row (M3Act: 1-6)")
    rows: tuple[int, int] = Field((1, 2), description="rows (M3Act: up to 2)")
    spacing: float = Field(0.75, gt=0.2, le=3.0, description="metres between neighbours in a row")
    row_gap: float = Field(1.0, gt=0.3, le=4.0, description="metres between rows")
    fidget: float = Field(0.08, ge=0, le=0.5, description="amplitude of small shifts, metres")


@ACTIVITIES.register("wait")
class Wait(Activity):
    """Wait together: up to two rows of 1-6 people facing one way, shifting their weight."""

    Config = WaitConfig

    def size(self, rng: np.random.Generator) -> int:
        c = self.config
        return int(rng.integers(c.per_row[0], c.per_row[1] + 1)) * int(rng.integers(c.rows[0], c.rows[1] + 1))

    def simulate(self, n: int, ctx: SimContext, rng: np.random.Generator) -> GroupMotion:
        c = self.config
        t = ctx.t
        per_row = _per_row(n, c.per_row[1])
        slots = np.zeros((n, 2))
        for i in range(n):
            row, col = divmod(i, per_row)
            in_row = min(per_row, n - row * per_row)
            slots[i] = (-row * c.row_gap * ctx.spacing, (col - (in_row - 1) / 2) * c.spacing * ctx.spacing)
        slots += rng.normal(0, 0.1, size=slots.shape)
        base = ctx.anchor + _rot(slots, np.array([ctx.heading]))[:, 0]
        jitter = np.stack([_smooth_noise(rng, (n,), t, 0.15), _smooth_noise(rng, (n,), t, 0.15)], -1) * c.fidget
        heading = ctx.heading + rng.normal(0, 0.25, size=(n, 1)) + 0.2 * _smooth_noise(rng, (n,), t, 0.1)
        return GroupMotion(
            pos=base[:, None] + jitter,
            heading=heading,
            motion=np.full((n, len(t)), IDLE, np.int8),
            phase=rng.uniform(0, 1, (n, 1)) + t[None] * rng.uniform(0.2, 0.4, (n, 1)),
            move=np.broadcast_to(rng.integers(0, len(IDLE_POSTURES), (n, 1)), (n, len(t))).astype(np.int16),
        )

    def radius(self, n: int) -> float:
        return 0.6 + 0.4 * min(n, 6)


# --------------------------------------------------------------------------------------
# queue


class QueueConfig(ActivityConfig):
    """Knobs of queueing."""

    people: tuple[int, int] = Field((3, 10), description="queue length (M3Act: 3-10)")
    spacing: tuple[float, float] = Field((0.7, 0.9), description="metres between people")
    curved: float = Field(0.5, ge=0, le=1, description="probability that the line is curved")
    curvature: float = Field(0.15, ge=0, le=1, description="largest curvature of a curved line, 1/m")
    advance_every: tuple[float, float] = Field((1.2, 3.0), description="seconds between steps forward")
    step_time: float = Field(0.9, gt=0.1, le=5, description="seconds a step forward takes")


@ACTIVITIES.register("queue")
class Queue(Activity):
    """Queue: 3-10 people in a straight or curved line that steps forward as the head leaves."""

    Config = QueueConfig

    def radius(self, n: int) -> float:
        return 0.4 * n + 0.5

    def simulate(self, n: int, ctx: SimContext, rng: np.random.Generator) -> GroupMotion:
        c = self.config
        t = ctx.t
        spacing = _uniform(rng, c.spacing) * ctx.spacing
        kappa = rng.uniform(-c.curvature, c.curvature) if rng.random() < c.curved else 0.0
        # Event k: the person at the head walks off and everyone behind steps forward.
        events, clock = [], rng.uniform(0.2, c.advance_every[1])
        while clock < t[-1] + 1e-9 and len(events) < n:
            events.append(clock)
            clock += _uniform(rng, c.advance_every)
        ev = np.array(events)
        advanced = _smoothstep((t[None] - ev[:, None]) / c.step_time).sum(0) if len(ev) else np.zeros_like(t)
        leave_speed = float(person_speeds(rng, WALK_SPEED, 1)[0])
        s = np.arange(n)[:, None] * spacing - spacing * advanced[None]
        for i, te in enumerate(ev):
            # The leaving head walks straight on along the head's direction.
            after = t >= te
            s[i, after] = -leave_speed * (t[after] - te)
        head_dir = ctx.heading
        # Arc-length s >= 0 runs back along the line; s < 0 continues straight past the head.
        back = s.clip(min=0)
        if abs(kappa) < 1e-6:
            along = -back
            side = np.zeros_like(back)
            tang = np.zeros_like(back)
        else:
            ang = -back * kappa
            along = np.sin(ang) / kappa
            side = (1 - np.cos(ang)) / kappa
            tang = ang
        along = np.where(s < 0, -s, along)
        side = np.where(s < 0, 0.0, side)
        tang = np.where(s < 0, 0.0, tang)
        f = np.array([np.cos(head_dir), np.sin(head_dir)])
        l = np.array([-np.sin(head_dir), np.cos(head_dir)])
        jitter = rng.normal(0, 0.06, size=(n, 1, 2))
        pos = ctx.anchor + along[..., None] * f + side[..., None] * l + jitter
        heading = head_dir + tang + rng.normal(0, 0.15, size=(n, 1))
        speed = np.abs(_grad_t(s, axis=1)) * ctx.fps
        moving = speed > 0.15
        dist = np.cumsum(speed / ctx.fps, axis=1)
        phase = rng.uniform(0, 1, (n, 1)) + np.where(moving, dist / WALK_STRIDE, t[None] * 0.3)
        return GroupMotion(
            pos=pos,
            heading=heading,
            motion=np.where(moving, WALK, IDLE).astype(np.int8),
            phase=phase,
            move=np.broadcast_to(rng.integers(0, len(IDLE_POSTURES), (n, 1)), (n, len(t))).astype(np.int16),
        )


# --------------------------------------------------------------------------------------
# talk in a circle


class TalkConfig(ActivityConfig):
    """Knobs of talking in a circle."""

    people: tuple[int, int] = Field((2, 6), description="circle size (M3Act: 2-6)")
    gesture_time: tuple[float, float] = Field((0.6, 2.0), description="seconds per gesture")


@ACTIVITIES.register("talk")
class Talk(Activity):
    """Talk in a circle: 2-6 people facing the centre, gesturing in turns."""

    Config = TalkConfig

    def radius(self, n: int) -> float:
        return max(0.45, n * 0.65 / (2 * np.pi)) + 0.5

    def simulate(self, n: int, ctx: SimContext, rng: np.random.Generator) -> GroupMotion:
        c = self.config
        t = ctx.t
        r = max(0.45, n * 0.65 / (2 * np.pi)) * ctx.spacing
        ang = ctx.heading + 2 * np.pi * np.arange(n) / n + rng.normal(0, 0.12, n)
        ang = ang[:, None] + 0.05 * _smooth_noise(rng, (n,), t, 0.1)
        rad = r + 0.05 * _smooth_noise(rng, (n,), t, 0.2)
        pos = ctx.anchor + np.stack([np.cos(ang) * rad, np.sin(ang) * rad], -1)
        heading = ang + np.pi + 0.3 * _smooth_noise(rng, (n,), t, 0.15)
        move = np.zeros((n, len(t)), np.int16)
        for i in range(n):
            clock = 0.0
            while clock < t[-1] + 1e-9:
                dur = _uniform(rng, c.gesture_time)
                move[i, (t >= clock) & (t < clock + dur)] = rng.integers(0, len(TALK_GESTURES))
                clock += dur
        return GroupMotion(
            pos=pos,
            heading=heading,
            motion=np.full((n, len(t)), TALK, np.int8),
            phase=rng.uniform(0, 1, (n, 1)) + t[None] * rng.uniform(0.6, 1.2, (n, 1)),
            move=move,
        )


# --------------------------------------------------------------------------------------
# dance together


class DanceConfig(ActivityConfig):
    """Knobs of dancing together."""

    per_row: tuple[int, int] = Field((1, 5), description="dancers per row (M3Act: 1-5)")
    rows: tuple[int, int] = Field((1, 3), description="rows (M3Act: up to 3)")
    spacing: float = Field(1.0, gt=0.3, le=4.0, description="metres between dancers")
    tempo: tuple[float, float] = Field((90.0, 130.0), description="beats per minute")
    beats_per_move: int = Field(8, ge=1, le=64, description="beats before the group changes move")
    formation_every: tuple[float, float] = Field((1.5, 3.5), description="seconds between formation changes")
    transition: float = Field(0.8, gt=0.05, le=5, description="seconds a formation change takes")
    shuffle: float = Field(0.5, ge=0, le=1, description="probability that dancers swap places in a change")
    sync: float = Field(0.97, ge=0, le=1, description="1 = perfectly synchronised moves")


def _formation(kind: str, n: int, per_row: int, spacing: float) -> np.ndarray:
    """Slot offsets (n, 2) as (forward, left) for a named formation."""
    if kind == "circle":
        r = max(spacing, n * spacing / (2 * np.pi))
        a = 2 * np.pi * np.arange(n) / max(n, 1)
        return np.stack([r * np.cos(a), r * np.sin(a)], -1)
    if kind == "line":
        return np.stack([np.zeros(n), (np.arange(n) - (n - 1) / 2) * spacing], -1)
    if kind == "v":
        k = np.arange(n) - (n - 1) / 2
        return np.stack([-np.abs(k) * spacing * 0.8, k * spacing], -1)
    if kind == "diagonal":
        k = np.arange(n) - (n - 1) / 2
        return np.stack([k * spacing * 0.7, k * spacing * 0.7], -1)
    rows = int(np.ceil(n / per_row))
    out = np.zeros((n, 2))
    for i in range(n):
        row, col = divmod(i, per_row)
        in_row = min(per_row, n - row * per_row)
        shift = 0.5 * spacing if (kind == "staggered" and row % 2) else 0.0
        out[i] = (-(row - (rows - 1) / 2) * spacing * 1.2, (col - (in_row - 1) / 2) * spacing + shift)
    return out


@ACTIVITIES.register("dance")
class Dance(Activity):
    """Dance together: rows of 1-5 dancers (up to 3 rows), synchronised moves, formation changes."""

    Config = DanceConfig
    FORMATIONS = ("grid", "staggered", "line", "v", "circle", "diagonal")

    def size(self, rng: np.random.Generator) -> int:
        c = self.config
        return int(rng.integers(c.per_row[0], c.per_row[1] + 1)) * int(rng.integers(c.rows[0], c.rows[1] + 1))

    def radius(self, n: int) -> float:
        return 0.8 + 0.45 * n

    def simulate(self, n: int, ctx: SimContext, rng: np.random.Generator) -> GroupMotion:
        from scipy.optimize import linear_sum_assignment

        c = self.config
        t = ctx.t
        per_row = _per_row(n, c.per_row[1])
        facing = ctx.toward_camera + rng.normal(0, 0.25)
        spacing = c.spacing * ctx.spacing
        slots = _formation("grid", n, per_row, spacing)
        # Piecewise formations: hold, then glide to the next over ``transition`` seconds.
        offsets = np.repeat(slots[:, None], len(t), axis=1)
        clock = _uniform(rng, c.formation_every)
        while clock < t[-1]:
            kind = self.FORMATIONS[int(rng.integers(len(self.FORMATIONS)))]
            target = _formation(kind, n, per_row, spacing)
            if rng.random() < c.shuffle:
                target = target[rng.permutation(n)]
            else:
                cost = np.linalg.norm(slots[:, None] - target[None], axis=-1)
                _, cols = linear_sum_assignment(cost)
                target = target[cols]
            w = _smoothstep((t - clock) / c.transition)[None, :, None]
            offsets = offsets * (1 - w) + target[:, None] * w
            slots = target
            clock += c.transition + _uniform(rng, c.formation_every)
        fwd = np.array([np.cos(facing), np.sin(facing)])
        left = np.array([-np.sin(facing), np.cos(facing)])
        pos = ctx.anchor + offsets[..., 0:1] * fwd + offsets[..., 1:2] * left
        bps = _uniform(rng, c.tempo) / 60.0
        beats = t * bps
        move_seq = rng.integers(0, len(DANCE_MOVES), size=int(beats[-1] // c.beats_per_move) + 2)
        move = move_seq[(beats // c.beats_per_move).astype(int)]
        # One cycle = two beats; small per-dancer timing errors when sync < 1.
        phase = beats[None] / 2 + rng.normal(0, 0.25 * (1 - c.sync), size=(n, 1))
        heading = facing + rng.normal(0, 0.05, size=(n, 1)) + np.zeros((1, len(t)))
        return GroupMotion(
            pos=pos,
            heading=heading,
            motion=np.full((n, len(t)), DANCE, np.int8),
            phase=phase,
            move=np.broadcast_to(move, (n, len(t))).astype(np.int16),
        )


# --------------------------------------------------------------------------------------
# run together


class RunConfig(ActivityConfig):
    """Knobs of running together."""

    people: tuple[int, int] = Field((1, 7), description="group size (M3Act: 1-7)")
    speed: tuple[float, float] = Field(RUN_SPEED, description="95% range of a runner's speed, m/s (jogging to running)")
    personal_space: float = Field(0.7, gt=0.1, le=3, description="distance runners keep apart, metres")
    spread: float = Field(1.6, gt=0.1, le=10, description="radius of the pack at the start, metres")


@ACTIVITIES.register("run")
class Run(Activity):
    """Run together: 1-7 runners in a loose pack that avoid colliding (social forces)."""

    Config = RunConfig
    moving = True

    def simulate(self, n: int, ctx: SimContext, rng: np.random.Generator) -> GroupMotion:
        c = self.config
        t = ctx.t
        T = len(t)
        dt = 1.0 / ctx.fps
        # A pack runs at its members' mean preferred speed; each keeps within a few percent.
        speed0 = float(person_speeds(rng, c.speed, n).mean())
        pref = speed0 * rng.uniform(0.95, 1.05, n)
        heading = ctx.heading
        space, spread = c.personal_space * ctx.spacing, c.spread * ctx.spacing
        # Start positions: rejection-sample a pack with personal space.
        pts: list[np.ndarray] = []
        tries = 0
        while len(pts) < n:
            p = rng.uniform(-spread, spread, 2)
            tries += 1
            if all(np.linalg.norm(p - q) >= space * 1.1 for q in pts) or tries > 200:
                pts.append(p)
        offs = np.array(pts)
        dirv = np.array([np.cos(heading), np.sin(heading)])
        t_mid = ctx.pass_at(rng)
        start = ctx.anchor - dirv * speed0 * t_mid
        drift = np.radians(rng.uniform(-6, 6))
        h = heading + drift * t
        desired = np.stack([np.cos(h), np.sin(h)], -1)[:, None, :] * pref[None, :, None]  # (T, n, 2)
        if n == 1:
            # Alone, nobody pushes: the runner follows the desired velocity.
            pos = (start + offs[0] + np.concatenate([np.zeros((1, 2)), np.cumsum(desired[:-1, 0], 0) * dt]))[None]
        else:
            # x and y as separate 1-D arrays: numpy's per-call overhead, not arithmetic, is
            # the cost of a loop that runs once per step. Steps are at most 1/15 s (the
            # forces change slowly at running speed), positions interpolated in between.
            sub = max(1, int(ctx.fps // 15))
            steps = (T - 1) // sub + 2
            h_dt = dt * sub
            coarse = np.zeros((n, steps, 2))
            px, py = start[0] + offs[:, 0], start[1] + offs[:, 1]
            vx, vy = dirv[0] * pref, dirv[1] * pref
            want = desired[np.minimum(np.arange(steps) * sub, T - 1)]
            dx_want, dy_want = want[..., 0], want[..., 1]
            not_self = 4.0 * (1.0 - np.eye(n))
            eye = np.eye(n)
            for k in range(steps):
                coarse[:, k, 0], coarse[:, k, 1] = px, py
                ddx, ddy = px[:, None] - px[None], py[:, None] - py[None]
                dist = np.hypot(ddx, ddy) + eye
                push = not_self * np.exp((space - dist) * 4.0) / dist
                # Relax to the desired velocity in 0.5 s; keep personal space.
                vx = vx + ((dx_want[k] - vx) * 2.0 + (push * ddx).sum(1)) * h_dt
                vy = vy + ((dy_want[k] - vy) * 2.0 + (push * ddy).sum(1)) * h_dt
                px = px + vx * h_dt
                py = py + vy * h_dt
            x = np.arange(T) / sub
            i0 = np.minimum(np.floor(x).astype(int), steps - 2)
            w = (x - i0)[None, :, None]
            pos = coarse[:, i0] * (1 - w) + coarse[:, i0 + 1] * w
        hd = _heading_of(pos, np.full((n, T), heading), fps=ctx.fps)
        dist_run = np.cumsum(np.linalg.norm(_grad_t(pos, axis=1), axis=-1), axis=1)
        return GroupMotion(
            pos=pos,
            heading=hd,
            motion=np.full((n, T), RUN, np.int8),
            phase=rng.uniform(0, 1, (n, 1)) + dist_run / RUN_STRIDE,
            move=np.zeros((n, T), np.int16),
        )


# --------------------------------------------------------------------------------------
# team sport


class SportConfig(ActivityConfig):
    """Knobs of a team sport (basketball, volleyball, football as a broadcast camera sees it)."""

    players: tuple[int, int] = Field((10, 12), description="players on the court")
    court: tuple[float, float] = Field((18.0, 30.0), description="court length, metres (its width is 0.55 x length)")
    max_speed: tuple[float, float] = Field((4.5, 8.0), description="95% range of a player's sprint speed, m/s")
    accel: tuple[float, float] = Field((3.0, 7.0), description="95% range of a player's largest acceleration, m/s^2")
    decide_every: tuple[float, float] = Field((0.3, 2.5), description="seconds between a player's new targets")
    stop: float = Field(0.3, ge=0, le=1, description="share of decisions that are to stop and hold position")
    play_speed: tuple[float, float] = Field((1.0, 4.0), description="speed of the centre of play, m/s")
    spread: float = Field(0.35, gt=0, le=1, description="players' distance from the centre of play, share of the court")


@ACTIVITIES.register("sport")
class Sport(Activity):
    """Team sport: players chase moving targets around the centre of play; they sprint, brake, stop and cut.

    Each player has a sprint speed and an acceleration limit (athletes reach 5-6 m/s^2
    forwards and brake harder); every few tenths of a second to seconds they pick a new
    target near the centre of play, or stop and hold. The group is placed where the
    camera looks, with the court's long side across the image as a broadcast camera sees it.
    """

    Config = SportConfig
    centred: ClassVar[bool] = True

    def size(self, rng: np.random.Generator) -> int:
        lo, hi = self.config.players
        return int(rng.integers(lo, hi + 1))

    def radius(self, n: int) -> float:
        return 0.5 * self.config.court[1]

    def simulate(self, n: int, ctx: SimContext, rng: np.random.Generator) -> GroupMotion:
        c = self.config
        T, dt = ctx.n_frames, 1.0 / ctx.fps
        length = float(_uniform(rng, c.court))
        half = np.array([length / 2, 0.55 * length / 2])
        axis = ctx.toward_camera + np.pi / 2  # long side across the image
        rot = np.array([[np.cos(axis), -np.sin(axis)], [np.sin(axis), np.cos(axis)]])
        vmax = person_speeds(rng, c.max_speed, n)
        amax = person_speeds(rng, c.accel, n)
        home = rng.uniform(-1, 1, (n, 2)) * half * c.spread * ctx.spacing
        start = rng.uniform(-1, 1, (n, 2)) * half * 0.8
        # x and y are kept as separate 1-D arrays: the loop runs once per simulated frame
        # and numpy's per-call overhead, not arithmetic, is its cost.
        px, py = start[:, 0].copy(), start[:, 1].copy()
        vx, vy = np.zeros(n), np.zeros(n)
        tx, ty = px.copy(), py.copy()
        next_decision = rng.uniform(0, c.decide_every[1], n)
        focus, waypoint = np.zeros(2), rng.uniform(-0.6, 0.6, 2) * half
        play_speed, hold_until = float(_uniform(rng, c.play_speed)), 0.0
        pos = np.zeros((n, T, 2))
        vel = np.zeros((n, T, 2))
        centre = np.zeros((T, 2))
        not_self = 1.0 - np.eye(n)
        eye = np.eye(n)
        lo, hi = -half - 1.0, half + 1.0
        brake = 1.6 * amax
        for k in range(T):
            now = k * dt
            # The centre of play moves between waypoints and pauses at each.
            to_wp = waypoint - focus
            dist = float(np.hypot(to_wp[0], to_wp[1]))
            if dist < 0.3:
                if now >= hold_until:
                    waypoint = rng.uniform(-0.6, 0.6, 2) * half
                    hold_until = now + rng.uniform(0.5, 3.0)
            else:
                focus = focus + to_wp * (min(play_speed * dt, dist) / dist)
            if next_decision.min() <= now:
                due = np.nonzero(next_decision <= now)[0]
                m = len(due)
                goal = focus + home[due] + rng.normal(0, 0.18, (m, 2)) * half
                goal = np.clip(goal, lo, hi)
                move = rng.random(m) >= c.stop
                tx[due] = np.where(move, goal[:, 0], px[due])
                ty[due] = np.where(move, goal[:, 1], py[due])
                next_decision[due] = now + _uniform(rng, c.decide_every, m)
            pos[:, k, 0], pos[:, k, 1] = px, py
            vel[:, k, 0], vel[:, k, 1] = vx, vy
            centre[k] = focus
            gx, gy = tx - px, ty - py
            gd = np.hypot(gx, gy)
            # Arrive: full speed far away, slowing within a couple of metres, still at the target.
            f = np.where(gd < 0.25, 0.0, np.minimum(vmax, 1.6 * gd) / np.maximum(gd, 1e-6))
            ax, ay = (gx * f - vx) * 5.0, (gy * f - vy) * 5.0
            a = np.hypot(ax, ay)
            lim = np.where(ax * vx + ay * vy < 0, brake, amax)
            r = np.minimum(a, lim) / np.maximum(a, 1e-9)
            dx, dy = px[:, None] - px[None], py[:, None] - py[None]
            dd = np.hypot(dx, dy) + eye
            push = not_self * np.maximum(0.7 - dd, 0.0) * 30.0 / dd
            vx = vx + (ax * r + (push * dx).sum(1)) * dt
            vy = vy + (ay * r + (push * dy).sum(1)) * dt
            px = px + vx * dt
            py = py + vy * dt
        world = ctx.anchor + pos @ rot.T
        speed = np.sqrt((vel * vel).sum(-1))
        running = speed > 2.5
        walking = (speed > 0.4) & ~running
        stride = np.where(running, RUN_STRIDE, WALK_STRIDE)
        phase = rng.uniform(0, 1, (n, 1)) + np.cumsum(speed * dt / stride, axis=1)
        to_play = ctx.anchor + centre @ rot.T - world
        facing = np.arctan2(to_play[..., 1], to_play[..., 0])
        v_world = vel @ rot.T
        heading = np.where(speed > 0.3, np.arctan2(v_world[..., 1], v_world[..., 0]), facing)
        motion = np.where(running, RUN, np.where(walking, WALK, IDLE)).astype(np.int8)
        return GroupMotion(
            pos=world,
            heading=heading,
            motion=motion,
            phase=phase,
            move=np.where(motion == IDLE, READY, 0).astype(np.int16),
        )


def make_activity(name: str, options: dict[str, Any] | None = None) -> Activity:
    """Instantiate a registered activity with its knobs.

    Args:
        name: a name in ``ACTIVITIES`` (walk, wait, queue, talk, dance, run, sport, ...).
        options: knob values; the rest keep their defaults.

    Returns:
        The activity.

    Raises:
        UserInputError: an unknown name (the message lists the registered ones).

    Example:
        >>> make_activity("dance", {"rows": [1, 2]}).config.rows
        (1, 2)
    """
    cls = ACTIVITIES.get(name)
    return cls(cls.Config.model_validate(options or {}))
