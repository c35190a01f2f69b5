"""The scene model: a camera over a ground plane and groups of people doing activities.

``simulate_scene(spec, seed)`` draws a camera, places one group (single-group) or several
groups plus lone walkers (multi-group) in view, simulates each group's activity, poses
every person in every frame and computes full-body boxes, which people are labelled, and
an occlusion estimate from the boxes (the renderer replaces it by the visible fraction
measured on its pixels). All randomness comes from ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from synreal.tracking.activities import GroupMotion, SimContext, make_activity
from synreal.tracking.appearance import Appearance, sample_appearance
from synreal.tracking.camera import Camera, CameraPath
from synreal.tracking.figure import Figures, pose_figures
from synreal.tracking.motchallenge import MotTable, SeqInfo
from synreal.tracking.spec import SceneSetSpec


@dataclass
class GroupInfo:
    """One group of a scene: its activity, its members (person indices) and anchor."""

    activity: str
    members: np.ndarray
    anchor: np.ndarray


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

        Boxes are rounded to 0.01 px and visibility to 1e-4, as written to ``gt.txt``.
        """
        p, t = np.nonzero(self.labelled)
        order = np.lexsort((self.track_id[p], t))
        p, t = p[order], t[order]
        n = len(p)
        return MotTable(
            frame=t + 1,
            id=self.track_id[p],
            box=np.round(self.boxes[p, t], 2),
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


def _sample_anchor(cam: Camera, rows: tuple[float, float], rng: np.random.Generator, margin: float = 0.12) -> np.ndarray:
    """A ground point seen inside the image, drawn uniformly in image coordinates."""
    u = rng.uniform(margin * cam.width, (1 - margin) * cam.width)
    v = rng.uniform(rows[0], rows[1])
    return cam.ground_point(np.array(u), np.array(v))


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
        >>> s = simulate_scene(SceneSetSpec(name="x"), seed=0)
        >>> s.n_frames, s.fps, s.boxes.shape[1]
        (90, 30.0, 90)
    """
    rng = np.random.default_rng(seed)
    sc = spec.scene
    T = sc.frames
    cam, orbit = _sample_camera(spec, rng)
    path = CameraPath(cam, T, sc.fps, orbit)
    rows = _visible_rows(cam, spec.camera.max_distance)

    names = list(sc.activities)
    weights = np.array([sc.activities[n] for n in names], float)
    weights /= weights.sum()
    n_groups = 1 if sc.layout == "single-group" else _draw_int(rng, sc.groups)
    placed: list[tuple[np.ndarray, float]] = []
    motions, group_of, groups = [], [], []
    used = 0

    def place(radius: float) -> np.ndarray:
        best, best_gap = None, -np.inf
        for _ in range(30):
            a = _sample_anchor(cam, rows, rng)
            if np.isnan(a).any():
                continue
            gap = min([np.linalg.norm(a - q) - radius - r for q, r in placed] + [np.inf])
            if gap > 0.3:
                return a
            if gap > best_gap:
                best, best_gap = a, gap
        return best if best is not None else cam.look_at_point()

    def toward_camera(anchor: np.ndarray) -> float:
        c = path.at(T // 2).center
        return math.atan2(c[1] - anchor[1], c[0] - anchor[0])

    for g in range(n_groups):
        act_name = names[int(rng.choice(len(names), p=weights))]
        act = make_activity(act_name, sc.activity_options.get(act_name))
        n = min(act.size(rng), sc.max_people - used)
        if n <= 0:
            break
        anchor = place(act.radius(n))
        placed.append((anchor, act.radius(n)))
        ctx = SimContext(T, sc.fps, anchor, float(rng.uniform(0, 2 * np.pi)), toward_camera(anchor))
        motions.append(act.simulate(n, ctx, rng))
        group_of.append(np.full(n, g))
        groups.append(GroupInfo(act_name, np.arange(used, used + n), anchor))
        used += n
    if sc.layout == "multi-group":
        walker = make_activity("walk", {**sc.activity_options.get("walk", {}), "people": 1})
        for _ in range(_draw_int(rng, sc.lone_walkers)):
            if used >= sc.max_people:
                break
            anchor = _sample_anchor(cam, rows, rng, margin=0.02)
            if np.isnan(anchor).any():
                continue
            ctx = SimContext(T, sc.fps, anchor, float(rng.uniform(0, 2 * np.pi)), toward_camera(anchor))
            motions.append(walker.simulate(1, ctx, rng))
            group_of.append(np.full(1, -1))
            used += 1

    pos = np.concatenate([m.pos for m in motions]) if motions else np.zeros((0, T, 2))
    heading = np.concatenate([m.heading for m in motions]) if motions else np.zeros((0, T))
    motion = np.concatenate([m.motion for m in motions]) if motions else np.zeros((0, T), np.int8)
    phase = np.concatenate([m.phase for m in motions]) if motions else np.zeros((0, T))
    move = np.concatenate([m.move for m in motions]) if motions else np.zeros((0, T), np.int16)
    group = np.concatenate(group_of) if group_of else np.zeros(0, int)
    P = len(pos)
    height = rng.uniform(sc.height[0], sc.height[1], P) if sc.height[1] > sc.height[0] else np.full(P, sc.height[0])
    build = rng.uniform(0.85, 1.15, P)
    appearance = sample_appearance(group, spec.render.uniform_costume, rng)
    render_seed = int(rng.integers(0, 2**62))
    return scene_from_tracks(
        GroupMotion(pos, heading, motion, phase, move), path, height=height, build=build, group=group,
        appearance=appearance, groups=groups, name=name, seed=seed, render_seed=render_seed,
        min_in_frame=spec.render.min_in_frame, min_box_height=spec.render.min_box_height,
    )  # fmt: skip


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
) -> Scene:
    """A scene from explicit trajectories (for custom choreographies and tests).

    Args:
        motion: positions (P, T, 2), headings and motion labels of everyone.
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
    if appearance is None:
        appearance = sample_appearance(group, 0.0, np.random.default_rng(seed))
    figures = pose_figures(motion.pos, motion.heading, motion.motion, motion.phase, motion.move, height, build, camera)
    labelled = label_mask(figures.box, figures.depth, cam.width, cam.height, min_in_frame, min_box_height)
    visibility = box_visibility(figures.box, figures.depth, cam.width, cam.height)
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
        render_seed=render_seed,
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


def box_visibility(box: np.ndarray, depth: np.ndarray, width: int, height: int, cells: int = 16) -> np.ndarray:
    """Visible share of each box, (P, T): the part inside the image and not behind nearer boxes.

    MOTChallenge's box-based visibility, measured on a ``cells`` x ``cells`` grid over each
    occluded box (exact for unoccluded boxes); the renderer measures it on pixels instead.
    """
    x0, y0 = box[..., 0], box[..., 1]
    x1, y1 = x0 + box[..., 2], y0 + box[..., 3]
    w, h = np.maximum(box[..., 2], 1e-9), np.maximum(box[..., 3], 1e-9)
    iw = np.clip(np.minimum(x1, width) - np.maximum(x0, 0), 0, None)
    ih = np.clip(np.minimum(y1, height) - np.maximum(y0, 0), 0, None)
    vis = iw * ih / (w * h)
    front = depth > 0.3
    # occ[p, q, t]: q is nearer than p and their boxes overlap.
    occ = (
        (x0[:, None] < x1[None]) & (x0[None] < x1[:, None]) & (y0[:, None] < y1[None]) & (y0[None] < y1[:, None])
        & (depth[None] < depth[:, None]) & front[None] & front[:, None]
    )  # fmt: skip
    pp, tt = np.nonzero(occ.any(1) & (vis > 0))
    if len(pp):
        # Sample each occluded box on a cells x cells grid; a sample is hidden when it lies
        # in a nearer box (one batched matrix product over all occluders) or off the image.
        k = (np.arange(cells) + 0.5) / cells
        xs = x0[pp, tt, None] + k * w[pp, tt, None]  # (n, cells)
        ys = y0[pp, tt, None] + k * h[pp, tt, None]
        o = occ[pp, :, tt]  # (n, P)
        # Gather only the actual occluders of each box (at most K of them) instead of all P.
        K = int(o.sum(1).max())
        q = np.argsort(~o, axis=1, kind="stable")[:, :K]  # (n, K) occluder indices first
        valid = np.take_along_axis(o, q, 1)
        qt = tt[:, None]
        qx0, qx1, qy0, qy1 = x0[q, qt], x1[q, qt], y0[q, qt], y1[q, qt]  # (n, K)
        inx = (valid[..., None] & (qx0[..., None] <= xs[:, None]) & (xs[:, None] < qx1[..., None])).astype(np.float32)
        iny = (valid[..., None] & (qy0[..., None] <= ys[:, None]) & (ys[:, None] < qy1[..., None])).astype(np.float32)
        hidden = np.matmul(inx.transpose(0, 2, 1), iny) > 0  # (n, x, y)
        onx = (xs >= 0) & (xs < width)
        ony = (ys >= 0) & (ys < height)
        shown = ~hidden & onx[:, :, None] & ony[:, None, :]
        vis[pp, tt] = shown.mean(axis=(1, 2))
    return np.where(front, vis, 0.0)
