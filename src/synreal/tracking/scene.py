"""The scene model: a camera over a ground plane and groups of people doing activities.

``simulate_scene(spec, seed)`` draws a camera (static or moving), a frame rate and a clip
length, places one group (single-group) or several groups plus lone walkers (multi-group)
in view, lets further groups enter through the image borders or from behind static
occluders at a set rate, simulates every activity at the simulation rate and decimates it
to the clip's frame rate, poses every person in every frame and computes full-body boxes,
which people are labelled, and an occlusion estimate from the boxes (the renderer replaces
it by the visible fraction measured on its pixels). All randomness comes from
``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from synreal.tracking import kernels
from synreal.tracking.activities import Activity, GroupMotion, SimContext, Walk, make_activity
from synreal.tracking.appearance import Appearance, sample_appearance
from synreal.tracking.boxes import same_frame_pairs
from synreal.tracking.camera import Camera, CameraMotion, CameraPath, follow_yaw, random_motion
from synreal.tracking.figure import Figures, pose_figures, reachable
from synreal.tracking.motchallenge import MotTable, SeqInfo
from synreal.tracking.spec import SceneSetSpec


@dataclass
class GroupInfo:
    """One group of a scene: its activity, its members (person indices) and anchor."""

    activity: str
    members: np.ndarray
    anchor: np.ndarray


#: Static occluders: (name, width range, height range) in metres, seen from the front.
OCCLUDER_KINDS = (("pillar", (0.4, 0.9), (2.6, 4.0)), ("kiosk", (1.2, 2.5), (2.2, 2.8)), ("van", (3.5, 5.0), (1.9, 2.4)))


@dataclass
class Occluders:
    """Static occluders of a scene: upright rectangles standing on the ground, each facing
    the camera's start pose (pillars, kiosks, parked vans).

    Attributes:
        pos: (K, 2) ground point of each base centre.
        width: (K,) metres.
        height: (K,) metres.
        kind: (K,) index into ``OCCLUDER_KINDS``.
        color: (K, 3) RGB in [0, 255].
        facing: the direction (radians) of their face's normal, toward the camera.
    """

    pos: np.ndarray
    width: np.ndarray
    height: np.ndarray
    kind: np.ndarray
    color: np.ndarray
    facing: float

    def __len__(self) -> int:
        return len(self.pos)

    def corners(self, camera: CameraPath) -> tuple[np.ndarray, np.ndarray]:
        """Image corners (K, T, 4, 2) (bottom left, bottom right, top right, top left) and depth (K, T)."""
        K, T = len(self), camera.n_frames
        side = np.array([-math.sin(self.facing), math.cos(self.facing)])
        half = (self.width / 2)[:, None] * side[None]
        base = np.stack([self.pos - half, self.pos + half, self.pos + half, self.pos - half], 1)  # (K, 4, 2)
        z = np.stack([np.zeros(K), np.zeros(K), self.height, self.height], 1)[..., None]
        pts = np.concatenate([base, z], -1)  # (K, 4, 3)
        centre = np.concatenate([self.pos, np.zeros((K, 1))], -1)[:, None, None]
        allp = np.concatenate([np.repeat(pts[:, None], T, 1), np.repeat(centre, T, 1)], 2)  # (K, T, 5, 3)
        u, v, d = camera.project(allp)
        return np.stack([u[..., :4], v[..., :4]], -1), d[..., 4]

    def boxes(self, camera: CameraPath) -> tuple[np.ndarray, np.ndarray]:
        """Image boxes (K, T, 4) ``left, top, width, height`` and depth (K, T)."""
        c, d = self.corners(camera)
        lo, hi = c.min(2), c.max(2)
        return np.concatenate([lo, hi - lo], -1), d


@dataclass
class Scene:
    """A simulated sequence before (or without) rendering.

    Attributes:
        name: sequence name.
        seed: the seed it was drawn from.
        fps: frames per second.
        n_frames: frames.
        camera: the camera of each frame.
        pos: (P, T, 2) ground positions; heading, motion, phase, move: (P, T).
        group: (P,) group index (-1 for lone walkers).
        groups: the groups.
        appearance: colours per person.
        figures: posed figures and full-body boxes (P, T, 4).
        labelled: (P, T) True where the person is a ground-truth row.
        visibility: (P, T) visible fraction (box-based estimate until rendered).
        track_id: (P,) MOTChallenge id (0 for people never labelled).
        render_seed: seed of the renderer's own draws (background, lighting).
        present: (P, T) False while a person is not in the scene (None: always).
        occluders: static occluders, or None.
        gt_box: (P, T, 4) boxes as annotated (keyframes, jitter, rounding; see
            ``annotate``), or None when the ground truth is the exact boxes.
    """

    name: str
    seed: int
    fps: float
    n_frames: int
    camera: CameraPath
    pos: np.ndarray
    heading: np.ndarray
    motion: np.ndarray
    phase: np.ndarray
    move: np.ndarray
    group: np.ndarray
    groups: list[GroupInfo]
    appearance: Appearance
    figures: Figures
    labelled: np.ndarray
    visibility: np.ndarray
    track_id: np.ndarray
    render_seed: int
    present: np.ndarray | None = None
    occluders: Occluders | None = None
    gt_box: np.ndarray | None = None

    @property
    def n_people(self) -> int:
        """People simulated (labelled or not)."""
        return len(self.pos)

    @property
    def boxes(self) -> np.ndarray:
        """(P, T, 4) full-body boxes ``left, top, width, height`` in pixels."""
        return self.figures.box

    def info(self) -> SeqInfo:
        """seqinfo of the sequence."""
        cam = self.camera.start
        return SeqInfo(self.name, self.n_frames, self.fps, cam.width, cam.height)

    def ground_truth(self) -> MotTable:
        """MOTChallenge ground truth: labelled people, sorted by frame then id.

        Boxes (``gt_box`` when the scene was annotated, else the exact ones) are rounded to
        0.01 px and visibility to 1e-4, as written to ``gt.txt``.
        """
        p, t = np.nonzero(self.labelled)
        order = np.lexsort((self.track_id[p], t))
        p, t = p[order], t[order]
        n = len(p)
        box = (self.gt_box if self.gt_box is not None else self.boxes)[p, t]
        return MotTable(
            frame=t + 1,
            id=self.track_id[p],
            box=np.round(box, 2),
            conf=np.ones(n),
            cls=np.ones(n, np.int64),
            vis=np.round(np.clip(self.visibility[p, t], 0, 1), 4),
        )


def derive_seed(seed: int, index: int) -> int:
    """The seed of sequence ``index`` of a set with seed ``seed`` (stable across versions)."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1, np.uint64)[0] >> np.uint64(1))


def _draw(rng: np.random.Generator, r: tuple[float, float]) -> float:
    """A uniform draw from a [low, high] range."""
    return float(rng.uniform(r[0], r[1])) if r[1] > r[0] else float(r[0])


def _draw_int(rng: np.random.Generator, r: tuple[int, int]) -> int:
    """An integer uniform draw from a [low, high] range (inclusive)."""
    return int(rng.integers(r[0], r[1] + 1))


def _choose(rng: np.random.Generator, weights: dict) -> object:
    """A key of ``weights`` drawn with probability proportional to its weight."""
    keys = list(weights)
    w = np.array([weights[k] for k in keys], float)
    return keys[int(rng.choice(len(keys), p=w / w.sum()))]


def _sample_camera(spec: SceneSetSpec, rng: np.random.Generator) -> tuple[Camera, float]:
    """A camera and its orbit speed (degrees per second)."""
    c = spec.camera
    cam = Camera(
        width=c.width,
        height=c.height,
        cam_height=_draw(rng, c.cam_height),
        pitch_deg=_draw(rng, c.pitch),
        fov_deg=_draw(rng, c.fov),
        yaw_deg=_draw(rng, c.yaw),
    )
    return cam, _draw(rng, c.orbit)


def _visible_rows(cam: Camera, max_distance: float, person_h: float = 1.9) -> tuple[float, float]:
    """Image rows between which a standing person is fully in view and within range."""
    lo_v = cam.horizon_v() + 2
    far_pt = cam.center[:2] + max_distance * np.array([math.sin(math.radians(cam.yaw_deg)), math.cos(math.radians(cam.yaw_deg))])
    _, v_far, _ = cam.project(np.array([[far_pt[0], far_pt[1], 0.0]]))
    lo_v = max(lo_v, float(v_far[0]), 0.15 * cam.height)
    hi_v = cam.height * 0.97
    # The head of someone standing at row hi_v must not leave the top of the image.
    for _ in range(20):
        g = cam.ground_point(np.array(cam.width / 2), np.array(hi_v))
        _, v_head, _ = cam.project(np.array([[g[0], g[1], person_h]]))
        if np.isnan(g).any() or v_head[0] >= 0.02 * cam.height or hi_v <= lo_v + 1:
            break
        hi_v -= 0.04 * cam.height
    return lo_v, max(hi_v, lo_v + 1)


class _Placer:
    """Draws ground points in view: image column uniform, distance log-uniform in the depth range."""

    def __init__(self, cam: Camera, depth: tuple[float, float]) -> None:
        self.cam = cam
        self.rows = _visible_rows(cam, depth[1])
        # Distances straight ahead at the far and near visible rows.
        g = cam.ground_point(np.full(2, cam.width / 2), np.array(self.rows))
        d = np.hypot(g[:, 0] - cam.x, g[:, 1] - cam.y)
        far = float(d[0]) if np.isfinite(d[0]) else depth[1]
        near = float(d[1]) if np.isfinite(d[1]) else depth[0]
        self.log_range = (math.log(max(near, depth[0], 0.5)), math.log(max(min(far, depth[1]), max(near, depth[0], 0.5))))
        self.yaw = math.radians(cam.yaw_deg)

    def sample(self, rng: np.random.Generator, margin: float = 0.12) -> np.ndarray:
        """A ground point seen inside the image (NaN when the camera sees no ground)."""
        return self.sample_many(rng, 1, margin)[0]

    def sample_many(self, rng: np.random.Generator, n: int, margin: float = 0.12) -> np.ndarray:
        """``n`` ground points seen inside the image, (n, 2)."""
        cam = self.cam
        u = rng.uniform(margin * cam.width, (1 - margin) * cam.width, n)
        lo, hi = self.log_range
        dist = np.exp(rng.uniform(lo, hi, n)) if hi > lo else np.full(n, math.exp(lo))
        ahead = np.stack([cam.x + dist * math.sin(self.yaw), cam.y + dist * math.cos(self.yaw), np.zeros(n)], -1)
        _, v, _ = cam.project(ahead)
        return cam.ground_point(u, np.clip(v, self.rows[0], self.rows[1]))


def _decimate(m: GroupMotion, sim_fps: float, fps: float, n_frames: int) -> GroupMotion:
    """Resample a motion simulated at ``sim_fps`` to ``n_frames`` frames at ``fps``.

    Positions and phases are interpolated linearly between simulated frames; headings,
    motion kinds, moves and presence take the nearest simulated frame.
    """
    T_sim = m.pos.shape[1]
    if fps == sim_fps and T_sim == n_frames:
        return m
    x = np.minimum(np.arange(n_frames) * (sim_fps / fps), T_sim - 1)
    i0 = np.floor(x).astype(int)
    i1 = np.minimum(i0 + 1, T_sim - 1)
    w = x - i0
    near = np.minimum(np.rint(x).astype(int), T_sim - 1)
    return GroupMotion(
        pos=m.pos[:, i0] * (1 - w)[None, :, None] + m.pos[:, i1] * w[None, :, None],
        heading=m.heading[:, near],
        motion=m.motion[:, near],
        phase=m.phase[:, i0] * (1 - w)[None] + m.phase[:, i1] * w[None],
        move=m.move[:, near],
        present=None if m.present is None else m.present[:, near],
    )


def _concat(motions: list[GroupMotion], T: int) -> GroupMotion:
    """One GroupMotion of everyone (an empty one for nobody)."""
    if not motions:
        z = np.zeros((0, T))
        return GroupMotion(np.zeros((0, T, 2)), z, z.astype(np.int8), z.copy(), z.astype(np.int16))
    present = None
    if any(m.present is not None for m in motions):
        present = np.concatenate([m.present if m.present is not None else np.ones(m.motion.shape, bool) for m in motions])
    return GroupMotion(
        pos=np.concatenate([m.pos for m in motions]),
        heading=np.concatenate([m.heading for m in motions]),
        motion=np.concatenate([m.motion for m in motions]),
        phase=np.concatenate([m.phase for m in motions]),
        move=np.concatenate([m.move for m in motions]),
        present=present,
    )


#: People entering during a clip are capped (a guard against absurd rates in long clips).
MAX_ENTERING = 600
#: Entering groups pass their anchor up to this many seconds before the clip starts or
#: after it ends, so that the view is already in its steady state at the first frame.
ENTRY_MARGIN_S = 10.0


def _sample_occluders(n: int, placer: _Placer, cam: Camera, rng: np.random.Generator) -> Occluders | None:
    """``n`` static occluders standing in view."""
    if n <= 0:
        return None
    pos, width, height, kind = [], [], [], []
    for _ in range(n):
        g = placer.sample(rng, margin=0.1)
        if np.isnan(g).any():
            continue
        k = int(rng.integers(len(OCCLUDER_KINDS)))
        _, wr, hr = OCCLUDER_KINDS[k]
        pos.append(g)
        width.append(_draw(rng, wr))
        height.append(_draw(rng, hr))
        kind.append(k)
    if not pos:
        return None
    facing = math.radians(cam.yaw_deg)
    # Face the camera: the normal points back along the optical axis, on the ground.
    normal = math.atan2(-math.cos(facing), -math.sin(facing))
    color = rng.uniform(70, 190, (len(pos), 3)) * rng.uniform(0.8, 1.0, (len(pos), 1))
    return Occluders(np.array(pos), np.array(width), np.array(height), np.array(kind), color, normal)


def simulate_scene(spec: SceneSetSpec, seed: int, name: str = "seq") -> Scene:
    """Simulate one sequence of a scene set (no images).

    Args:
        spec: the scene-set spec (scene, camera, render knobs).
        seed: all randomness of this sequence comes from ``default_rng(seed)``.
        name: the sequence name.

    Returns:
        The scene with trajectories, poses, boxes, labels and a box-based visibility.

    Example:
        >>> from synreal.tracking.spec import SceneSetSpec
        >>> s = simulate_scene(SceneSetSpec(name="x", scene={"fps": 30, "frames": 90}), seed=0)
        >>> s.n_frames, s.fps, s.boxes.shape[1]
        (90, 30.0, 90)
    """
    rng = np.random.default_rng(seed)
    sc, cs = spec.scene, spec.camera
    fps = float(_choose(rng, sc.frame_rates))  # type: ignore[arg-type]
    T = _draw_int(rng, sc.frame_range)
    T_sim = int(round((T - 1) * sc.sim_fps / fps)) + 1
    duration = (T_sim - 1) / sc.sim_fps
    cam, orbit = _sample_camera(spec, rng)
    moving = bool(rng.random() < cs.moving)
    pan, shake, walk = _draw(rng, cs.pan), _draw(rng, cs.shake), _draw(rng, cs.walk)
    centre_path = CameraPath(cam, T, fps, orbit)
    placer = _Placer(cam, (cs.depth[0], cs.far))

    names = list(sc.activities)
    weights = np.array([sc.activities[n] for n in names], float)
    weights /= weights.sum()
    n_groups = 1 if sc.layout == "single-group" else _draw_int(rng, sc.groups)
    placed: list[tuple[np.ndarray, float]] = []
    motions: list[GroupMotion] = []
    group_of: list[np.ndarray] = []
    groups: list[GroupInfo] = []
    used = 0

    def place(radius: float) -> np.ndarray:
        # 30 candidate points at once; the first clear of the groups placed so far wins,
        # else the one with the most room.
        cand = placer.sample_many(rng, 30)
        cand = cand[~np.isnan(cand).any(1)]
        if not len(cand):
            return cam.look_at_point()
        if not placed:
            return cand[0]
        q = np.array([p for p, _ in placed])
        r = np.array([r for _, r in placed])
        gap = (np.linalg.norm(cand[:, None] - q[None], axis=-1) - radius - r[None]).min(1)
        clear = np.nonzero(gap > 0.3)[0]
        return cand[clear[0]] if len(clear) else cand[int(np.argmax(gap))]

    def toward_camera(anchor: np.ndarray) -> float:
        c = centre_path.at(T // 2).center
        return math.atan2(c[1] - anchor[1], c[0] - anchor[0])

    cache: dict[str, Activity] = {}

    def activity(act_name: str) -> Activity:
        if act_name not in cache:
            cache[act_name] = make_activity(act_name, sc.activity_options.get(act_name))
        return cache[act_name]

    def context(anchor: np.ndarray, pass_time: float | None = None) -> SimContext:
        heading = float(rng.uniform(0, 2 * np.pi))
        return SimContext(T_sim, sc.sim_fps, anchor, heading, toward_camera(anchor), sc.spacing, pass_time)

    for g in range(n_groups):
        act_name = names[int(rng.choice(len(names), p=weights))]
        act = activity(act_name)
        n = min(act.size(rng), sc.max_people - used)
        if n <= 0:
            break
        anchor = cam.look_at_point() if act.centred else place(act.radius(n))
        placed.append((anchor, act.radius(n)))
        motions.append(act.simulate(n, context(anchor), rng))
        group_of.append(np.full(n, g))
        groups.append(GroupInfo(act_name, np.arange(used, used + n), anchor))
        used += n
    if sc.layout == "multi-group":
        walker = make_activity("walk", {**sc.activity_options.get("walk", {}), "people": 1})
        for _ in range(_draw_int(rng, sc.lone_walkers)):
            if used >= sc.max_people:
                break
            anchor = placer.sample(rng, margin=0.02)
            if np.isnan(anchor).any():
                continue
            ctx = context(anchor)
            ctx = SimContext(ctx.n_frames, ctx.fps, anchor, float(_headings(rng, 1, sc.along_view, cam)[0]),
                             ctx.toward_camera, ctx.spacing)  # fmt: skip
            motions.append(walker.simulate(1, ctx, rng))
            group_of.append(np.full(1, -1))
            used += 1

    occluders = _sample_occluders(_draw_int(rng, sc.occluders), placer, cam, rng)
    rate = _draw(rng, sc.entry_rate)
    if sc.layout == "multi-group" and rate > 0:
        entries = _entering(sc, rate, duration, T_sim, placer, occluders, activity, context, rng)
        motions.extend(entries)
        group_of.extend(np.full(len(m), -1) for m in entries)

    everyone = _decimate(_concat(motions, T_sim), sc.sim_fps, fps, T)
    group = np.concatenate(group_of) if group_of else np.zeros(0, int)
    motion_cam: CameraMotion | None = None
    if moving and (pan > 0 or shake > 0 or walk > 0):
        motion_cam = random_motion(T, fps, rng, pan=pan, shake=shake, walk=walk, yaw_deg=cam.yaw_deg)
    if cs.follow > 0 and groups:
        members = groups[0].members
        centroid = everyone.pos[members].mean(0)
        cam = _aim(cam, centroid[0])
        dyaw = follow_yaw(cam, centroid, fps, strength=cs.follow)
        base = motion_cam if motion_cam is not None else CameraMotion.still(T)
        motion_cam = CameraMotion(base.dx, base.dy, base.dz, base.dyaw + dyaw, base.dpitch)
    path = CameraPath(cam, T, fps, orbit, motion_cam)
    # People walking alone who never come near the view are dropped before posing (they
    # would be neither drawn nor labelled); group members stay, so groups keep their indices.
    keep = (group >= 0) | reachable(path, everyone.pos, np.full(len(group), sc.height[1]), everyone.present)
    if not keep.all():
        everyone = _select(everyone, keep)
        group = group[keep]

    P = len(everyone)
    height = rng.uniform(sc.height[0], sc.height[1], P) if sc.height[1] > sc.height[0] else np.full(P, sc.height[0])
    build = rng.uniform(0.85, 1.15, P)
    appearance = sample_appearance(group, spec.render.uniform_costume, rng)
    render_seed = int(rng.integers(0, 2**62))
    scene = scene_from_tracks(
        everyone, path, height=height, build=build, group=group, appearance=appearance, groups=groups, name=name,
        seed=seed, render_seed=render_seed, min_in_frame=spec.render.min_in_frame,
        min_box_height=spec.render.min_box_height, occluders=occluders, min_visibility=spec.render.min_visibility,
    )  # fmt: skip
    r = spec.render
    if r.label_noise > 0 or r.label_interval > 1 or r.label_grid > 0:
        scene.gt_box = annotate(scene.boxes, scene.labelled, interval=r.label_interval, noise=r.label_noise,
                                grid=r.label_grid, image_height=cam.height, rng=rng)  # fmt: skip
    return scene


def annotate(
    boxes: np.ndarray,
    labelled: np.ndarray,
    *,
    interval: int = 1,
    noise: float = 0.0,
    grid: int = 0,
    image_height: int = 360,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Boxes as a human annotator writes them: keyframes, interpolation, jitter, whole pixels.

    MOT17-style annotation draws a box every few frames and interpolates linearly in
    between; each drawn edge is off by a little; coordinates are whole pixels of the
    original image.

    Args:
        boxes: (P, T, 4) exact boxes.
        labelled: (P, T) rows that are annotated.
        interval: a keyframe every this many frames (and at the first and last frame of
            each labelled stretch); 1 annotates every frame.
        noise: std of each keyframe edge, as a share of the box height.
        grid: round coordinates to whole pixels of an image this many pixels high
            (0: no rounding).
        image_height: the height of the generated image, pixels.
        rng: the generator of the jitter (needed when ``noise`` > 0).

    Returns:
        (P, T, 4) annotated boxes (rows outside ``labelled`` keep the exact box).

    Example:
        >>> b = np.zeros((1, 5, 4)); b[0, :, 0] = [0, 1, 5, 3, 4]; b[0, :, 2:] = 10
        >>> annotate(b, np.ones((1, 5), bool), interval=2)[0, :, 0].tolist()  # keyframes 0, 2, 4
        [0.0, 2.5, 5.0, 4.5, 4.0]
    """
    # Labelled rows person by person, frame by frame.
    pp, tt = np.nonzero(labelled)
    n = len(pp)
    interpolate = (interval > 1 or noise > 0) and n > 0
    if interpolate:
        # Each labelled stretch starts and ends with a keyframe, so every row lies between
        # a keyframe before and one after.
        first = np.r_[True, (pp[1:] != pp[:-1]) | (tt[1:] != tt[:-1] + 1)]
        last = np.r_[first[1:], True]
        key = first | last | (tt % interval == 0)
        draw = rng.normal(0.0, noise, (int(key.sum()), 4)) if noise > 0 else np.zeros((0, 4))  # type: ignore[union-attr]
    if kernels.jit_enabled():
        return kernels.annotate(boxes, pp, tt, key if interpolate else np.zeros(n, bool), draw if interpolate else np.zeros((0, 4)),
                                interpolate, image_height / grid if grid > 0 else 0.0)  # fmt: skip
    out = boxes.copy()
    if interpolate:
        idx = np.arange(n)
        prev = np.maximum.accumulate(np.where(key, idx, 0))
        nxt = np.minimum.accumulate(np.where(key, idx, n - 1)[::-1])[::-1]
        # Edges (left, top, right, bottom), so that jitter moves each side on its own.
        b = boxes[pp, tt]
        edges = np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], -1)
        if noise > 0:
            k = np.nonzero(key)[0]
            edges[k] += draw * b[k, 3:4]
        span = np.maximum(tt[nxt] - tt[prev], 1)
        w = ((tt - tt[prev]) / span)[:, None]
        e = edges[prev] * (1 - w) + edges[nxt] * w
        x0, y0 = e[:, 0], e[:, 1]
        x1, y1 = np.maximum(e[:, 2], x0 + 1.0), np.maximum(e[:, 3], y0 + 1.0)
        out[pp, tt] = np.stack([x0, y0, x1 - x0, y1 - y0], -1)
    if grid > 0:
        q = image_height / grid
        rows = out[pp, tt]
        corner0 = np.round(rows[:, :2] / q) * q
        corner1 = np.round((rows[:, :2] + rows[:, 2:]) / q) * q
        out[pp, tt] = np.concatenate([corner0, np.maximum(corner1 - corner0, q)], -1)
    return out


def _headings(rng: np.random.Generator, n: int, along: float, cam: Camera) -> np.ndarray:
    """Walking directions: a share ``along`` toward or away from the camera (within about
    15 degrees, as on a street seen along its length), the rest in any direction."""
    view = math.atan2(math.cos(math.radians(cam.yaw_deg)), math.sin(math.radians(cam.yaw_deg)))
    street = view + np.pi * rng.integers(0, 2, n) + rng.normal(0, np.radians(15), n)
    return np.where(rng.random(n) < along, street, rng.uniform(0, 2 * np.pi, n))


def _select(m: GroupMotion, keep: np.ndarray) -> GroupMotion:
    """The people of a motion where ``keep`` is true."""
    return GroupMotion(m.pos[keep], m.heading[keep], m.motion[keep], m.phase[keep], m.move[keep],
                       None if m.present is None else m.present[keep])  # fmt: skip


def _entering(
    sc: Any,
    rate: float,
    duration: float,
    T_sim: int,
    placer: _Placer,
    occluders: Occluders | None,
    activity: Any,
    context: Any,
    rng: np.random.Generator,
) -> list[GroupMotion]:
    """Groups that enter at ``rate`` per second: through the image borders (passing a point
    in view at a uniform time around the clip) or from behind an occluder (appearing or
    vanishing there at a uniform time within the clip)."""
    n_units = int(rng.poisson(rate * (duration + 2 * ENTRY_MARGIN_S)))
    mix = list(sc.entry_mix)
    mix_p = np.array([sc.entry_mix[k] for k in mix], float)
    act_of = rng.choice(len(mix), size=n_units, p=mix_p / mix_p.sum())
    sizes = rng.integers(sc.entry_group[0], sc.entry_group[1] + 1, n_units)
    door = rng.random(n_units) < (sc.door_share if occluders is not None else 0.0)
    anchors = placer.sample_many(rng, n_units, margin=0.02)
    headings = _headings(rng, n_units, sc.along_view, placer.cam)
    when = np.where(door, rng.uniform(0, duration, n_units), rng.uniform(-ENTRY_MARGIN_S, duration + ENTRY_MARGIN_S, n_units))
    appear = rng.random(n_units) < 0.5
    if occluders is not None:
        # Just behind an occluder as the camera sees it.
        back = occluders.pos - 0.8 * np.array([math.cos(occluders.facing), math.sin(occluders.facing)])
        which = rng.integers(0, len(occluders), n_units)
        anchors = np.where(door[:, None], back[which], anchors)
    ok = ~np.isnan(anchors).any(1) & (np.cumsum(sizes) <= MAX_ENTERING)
    t_sim = np.arange(T_sim) / sc.sim_fps
    out: list[GroupMotion] = []
    for a in range(len(mix)):
        units = np.nonzero(ok & (act_of == a))[0]
        if not len(units):
            continue
        act = activity(mix[a])
        if isinstance(act, Walk) and type(act).simulate is Walk.simulate:
            # Walkers of every group at once: the walk is in closed form.
            m = act.simulate_units(sizes[units], anchors[units], headings[units], when[units], context(anchors[units[0]]), rng)
        else:
            m = _concat([act.simulate(int(sizes[u]), SimContext(T_sim, sc.sim_fps, anchors[u], float(headings[u]), 0.0,
                                                                sc.spacing, float(when[u])), rng)
                         for u in units], T_sim)  # fmt: skip
        person = np.repeat(units, sizes[units])
        if door[units].any():
            w = when[person][:, None]
            m.present = np.where(door[person][:, None], np.where(appear[person][:, None], t_sim >= w, t_sim <= w), True)
        out.append(m)
    return out


def _aim(cam: Camera, point: np.ndarray) -> Camera:
    """The camera turned (yaw only) to look toward a ground point."""
    yaw = math.degrees(math.atan2(point[0] - cam.x, point[1] - cam.y)) % 360.0
    return Camera(cam.width, cam.height, cam.cam_height, cam.pitch_deg, cam.fov_deg, yaw, cam.x, cam.y)


def scene_from_tracks(
    motion: GroupMotion,
    camera: CameraPath,
    *,
    height: np.ndarray | None = None,
    build: np.ndarray | None = None,
    group: np.ndarray | None = None,
    appearance: Appearance | None = None,
    groups: list[GroupInfo] | None = None,
    name: str = "seq",
    seed: int = 0,
    render_seed: int = 0,
    min_in_frame: float = 0.1,
    min_box_height: float = 8.0,
    occluders: Occluders | None = None,
    min_visibility: float = 0.0,
) -> Scene:
    """A scene from explicit trajectories (for custom choreographies and tests).

    Args:
        motion: positions (P, T, 2), headings and motion labels of everyone (and who is
            present when).
        camera: the camera of each frame (its ``n_frames`` must equal T).
        height: (P,) body heights in metres (default 1.75).
        build: (P,) width factors (default 1).
        group: (P,) group index (default: everyone alone, -1).
        appearance: colours (default: drawn from ``default_rng(seed)``).
        groups: group descriptions, kept for reference.
        name: sequence name.
        seed: recorded in the scene; seeds the default appearance.
        render_seed: seed of the renderer's background and lighting.
        min_in_frame: share of the box inside the image needed to label a person.
        min_box_height: box height in pixels needed to label a person.
        occluders: static occluders (they hide people and are drawn).
        min_visibility: a person's track starts at the first frame where it is at least
            this visible and ends at the last (in between, it is labelled through
            occlusion, as MOTChallenge annotators do); 0 labels every frame in view.

    Returns:
        The scene with poses, boxes, labels, ids and a box-based visibility.

    Example:
        >>> from synreal.tracking.activities import GroupMotion
        >>> from synreal.tracking.camera import Camera
        >>> T = 2
        >>> m = GroupMotion(np.array([[[0.0, 10.0]] * T]), np.zeros((1, T)), np.zeros((1, T), np.int8),
        ...                 np.zeros((1, T)), np.zeros((1, T), np.int16))
        >>> scene_from_tracks(m, CameraPath(Camera(), T)).ground_truth().id.tolist()
        [1, 1]
    """
    P, T = motion.motion.shape
    if camera.n_frames != T:
        raise ValueError(f"camera has {camera.n_frames} frames, trajectories {T}")
    cam = camera.start
    height = np.full(P, 1.75) if height is None else np.asarray(height, float)
    build = np.ones(P) if build is None else np.asarray(build, float)
    group = -np.ones(P, int) if group is None else np.asarray(group)
    present = motion.present
    if appearance is None:
        appearance = sample_appearance(group, 0.0, np.random.default_rng(seed))
    figures = pose_figures(motion.pos, motion.heading, motion.motion, motion.phase, motion.move, height, build, camera, present)
    labelled = label_mask(figures.box, figures.depth, cam.width, cam.height, min_in_frame, min_box_height)
    if present is not None:
        labelled &= present
    static = occluders.boxes(camera) if occluders is not None else None
    visibility = box_visibility(figures.box, figures.depth, cam.width, cam.height, targets=labelled,
                                blockers=drawn_mask(figures.box, figures.depth, cam.width, cam.height, present),
                                static=static)  # fmt: skip
    if min_visibility > 0:
        # Annotators start a track when the person shows up (at a border, from behind an
        # occluder or another person) and end it when it is gone for good.
        seen = labelled & (visibility >= min_visibility)
        t = np.arange(T)
        first = np.where(seen.any(1), seen.argmax(1), T)
        last = np.where(seen.any(1), T - 1 - seen[:, ::-1].argmax(1), -1)
        labelled &= (t[None] >= first[:, None]) & (t[None] <= last[:, None])
        visibility = np.where(labelled, visibility, 0.0)
    # Ids in order of first appearance, as annotators number people.
    first = np.where(labelled.any(1), labelled.argmax(1), T + 1)
    order = np.lexsort((np.arange(P), first))
    track_id = np.zeros(P, np.int64)
    k = 0
    for p in order:
        if first[p] <= T:
            k += 1
            track_id[p] = k
    return Scene(
        name=name, seed=seed, fps=camera.fps, n_frames=T, camera=camera, pos=motion.pos, heading=motion.heading,
        motion=motion.motion, phase=motion.phase, move=motion.move, group=group, groups=groups or [],
        appearance=appearance, figures=figures, labelled=labelled, visibility=visibility, track_id=track_id,
        render_seed=render_seed, present=present, occluders=occluders,
    )  # fmt: skip


def label_mask(box: np.ndarray, depth: np.ndarray, width: int, height: int, min_in_frame: float, min_height: float) -> np.ndarray:
    """(P, T) True where a person is a ground-truth row: in front of the camera, tall
    enough, and with at least ``min_in_frame`` of its box inside the image."""
    x0, y0 = box[..., 0], box[..., 1]
    x1, y1 = x0 + box[..., 2], y0 + box[..., 3]
    iw = np.clip(np.minimum(x1, width) - np.maximum(x0, 0), 0, None)
    ih = np.clip(np.minimum(y1, height) - np.maximum(y0, 0), 0, None)
    area = np.maximum(box[..., 2] * box[..., 3], 1e-9)
    return (depth > 0.3) & (box[..., 3] >= min_height) & (iw * ih / area >= max(min_in_frame, 1e-9))


def drawn_mask(box: np.ndarray, depth: np.ndarray, width: int, height: int, present: np.ndarray | None = None) -> np.ndarray:
    """(P, T) True where a person is drawn: present, in front of the camera, touching the image."""
    x0, y0 = box[..., 0], box[..., 1]
    m = (depth > 0.3) & (x0 + box[..., 2] > 0) & (y0 + box[..., 3] > 0) & (x0 < width) & (y0 < height) & (box[..., 3] >= 2)
    return m if present is None else m & present


def _area(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray) -> np.ndarray:
    """Area of boxes given by their edges (0 when empty)."""
    return np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)


def _visible_share_few(
    tx0: np.ndarray, ty0: np.ndarray, tx1: np.ndarray, ty1: np.ndarray,
    qx0: np.ndarray, qy0: np.ndarray, qx1: np.ndarray, qy1: np.ndarray,
    valid: np.ndarray, width: int, height: int,
) -> np.ndarray:  # fmt: skip
    """``_visible_share`` for up to four occluders per box, exactly, by inclusion-exclusion
    over the intersections of the occluders (cut to the box's part inside the image)."""
    from itertools import combinations

    area = np.maximum((tx1 - tx0) * (ty1 - ty0), 1e-12)
    cx0, cx1 = np.clip(tx0, 0, width), np.clip(tx1, 0, width)
    cy0, cy1 = np.clip(ty0, 0, height), np.clip(ty1, 0, height)
    ax0, ax1 = np.maximum(qx0, cx0[:, None]), np.minimum(qx1, cx1[:, None])
    ay0, ay1 = np.maximum(qy0, cy0[:, None]), np.minimum(qy1, cy1[:, None])
    # Padding occluders become empty, and so does every intersection with them.
    ax1 = np.where(valid, ax1, ax0)
    hidden = np.zeros(len(tx0))
    for r in range(1, qx0.shape[1] + 1):
        sign = 1.0 if r % 2 else -1.0
        for c in combinations(range(qx0.shape[1]), r):
            idx = list(c)
            hidden += sign * _area(ax0[:, idx].max(1), ay0[:, idx].max(1), ax1[:, idx].min(1), ay1[:, idx].min(1))
    return np.clip((_area(cx0, cy0, cx1, cy1) - hidden) / area, 0.0, 1.0)


def _visible_share_sampled(
    tx0: np.ndarray, ty0: np.ndarray, tx1: np.ndarray, ty1: np.ndarray,
    qx0: np.ndarray, qy0: np.ndarray, qx1: np.ndarray, qy1: np.ndarray,
    valid: np.ndarray, width: int, height: int, cells: int = 8,
) -> np.ndarray:  # fmt: skip
    """``_visible_share`` measured on a ``cells`` x ``cells`` grid of points over each box
    (for boxes behind many others, where cutting the box exactly costs too much)."""
    k = ((np.arange(cells) + 0.5) / cells).astype(np.float32)
    xs = (tx0[:, None] + k * (tx1 - tx0)[:, None]).astype(np.float32)  # (n, cells)
    ys = (ty0[:, None] + k * (ty1 - ty0)[:, None]).astype(np.float32)
    inx = (valid[..., None] & (qx0[..., None] <= xs[:, None]) & (xs[:, None] < qx1[..., None])).astype(np.float32)
    iny = (valid[..., None] & (qy0[..., None] <= ys[:, None]) & (ys[:, None] < qy1[..., None])).astype(np.float32)
    hidden = np.matmul(inx.transpose(0, 2, 1), iny) > 0  # (n, x, y)
    onx = (xs >= 0) & (xs < width)
    ony = (ys >= 0) & (ys < height)
    shown = ~hidden & onx[:, :, None] & ony[:, None, :]
    return shown.mean(axis=(1, 2))


def box_visibility(
    box: np.ndarray,
    depth: np.ndarray,
    width: int,
    height: int,
    *,
    targets: np.ndarray | None = None,
    blockers: np.ndarray | None = None,
    static: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Visible share of each box, (P, T): the part inside the image and not behind nearer boxes.

    MOTChallenge's box-based visibility, computed exactly for boxes behind up to four
    others (inclusion-exclusion over the occluders' intersections) and on an 8 x 8 grid of
    points behind more (within about 1/16 of the box); the renderer measures it on pixels
    instead.

    Args:
        box: (P, T, 4) boxes ``left, top, width, height``.
        depth: (P, T) distance along the optical axis.
        width, height: image size.
        targets: (P, T) boxes whose visibility is wanted (default: all in front of the
            camera); the others get 0.
        blockers: (P, T) boxes that can hide others (default: all in front of the camera).
        static: boxes (K, T, 4) and depths (K, T) of static occluders.

    Returns:
        The visible share in [0, 1].
    """
    P, T = box.shape[:2]
    front = depth > 0.3
    if kernels.jit_enabled():
        return kernels.visibility(box, depth, width, height, front if targets is None else targets,
                                  front if blockers is None else blockers, static)  # fmt: skip
    targets = front if targets is None else targets & front
    blockers = front if blockers is None else blockers & front
    allbox, alldepth = box, depth
    if static is not None and len(static[0]):
        allbox = np.concatenate([box, static[0]], 0)
        alldepth = np.concatenate([depth, static[1]], 0)
        blockers = np.concatenate([blockers, static[1] > 0.3], 0)
    x0, y0 = allbox[..., 0], allbox[..., 1]
    x1, y1 = x0 + allbox[..., 2], y0 + allbox[..., 3]
    w, h = np.maximum(allbox[..., 2], 1e-9), np.maximum(allbox[..., 3], 1e-9)
    iw = np.clip(np.minimum(x1, width) - np.maximum(x0, 0), 0, None)
    ih = np.clip(np.minimum(y1, height) - np.maximum(y0, 0), 0, None)
    vis = (iw * ih / (w * h))[:P]
    vis = np.where(targets, vis, 0.0)
    targets = targets & (vis > 0)
    if static is not None and len(static[0]):
        targets = np.concatenate([targets, np.zeros(static[1].shape, bool)], 0)
    # Every overlapping pair of boxes in a frame, once; the farther box is the one hidden.
    # Work on flat per-entry arrays (one entry per box that can hide or be hidden).
    te, pe = np.nonzero((blockers | targets).T)
    if len(te) < 2:
        return vis
    ex0, ey0, ex1, ey1 = x0[pe, te], y0[pe, te], x1[pe, te], y1[pe, te]
    i, j = same_frame_pairs(te, np.stack([ex0, ey0, ex1 - ex0, ey1 - ey0], -1))
    de = alldepth[pe, te]
    et, eb = targets[pe, te], blockers[pe, te]
    far_i = de[i] > de[j]
    ia = np.where(far_i, i, j)
    ib = np.where(far_i, j, i)
    hit = et[ia] & eb[ib] & (de[ib] < de[ia])
    if not hit.any():
        return vis
    entry, b = ia[hit], ib[hit]
    order = np.argsort(entry, kind="stable")
    entry, b = entry[order], b[order]
    occluded, start, count = np.unique(entry, return_index=True, return_counts=True)
    # Boxes in buckets of similar occluder counts, so that padding stays small: exact
    # inclusion-exclusion up to four occluders, a grid of points behind more.
    bounds = np.array([1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64, 128, 1 << 30])
    bucket = np.searchsorted(bounds, count)
    for kb in np.unique(bucket):
        sel = np.nonzero(bucket == kb)[0]
        K = int(count[sel].max())
        slot = np.arange(K)[None]
        valid = slot < count[sel, None]
        q = b[np.minimum(start[sel, None] + slot, len(b) - 1)]
        e = occluded[sel]
        share = _visible_share_few if K <= 4 else _visible_share_sampled
        vis[pe[e], te[e]] = share(ex0[e], ey0[e], ex1[e], ey1[e], ex0[q], ey0[q], ex1[q], ey1[q], valid, width, height)
    return vis
