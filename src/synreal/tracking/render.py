"""Drawing scenes: textured ground, sky line, shadows and articulated figures, plus the
visible fraction of every person measured on the rendered pixels.

Speed comes from doing little per frame: the background is computed once per sequence
(static camera) and kept at a few brightness levels for the slow lighting flicker; each
person is a handful of PIL primitives (two-segment limbs, torso, head, hair). The visible
fraction needs pixels only where it can differ from 1: people whose box overlaps a
nearer person's box are also drawn, far to near, into an id buffer, and people who are
occluded or cut by the image border are drawn once more alone in a small scratch image
to count their full silhouette.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from synreal.tracking.appearance import BOTTOM_DARK_I, BOTTOM_I, HAIR_I, SKIN_I, TOP_DARK_I, TOP_I
from synreal.tracking.camera import Camera
from synreal.tracking.figure import (
    ARM_W, EL_L, EL_R, FT_L, FT_R, HA_L, HA_R, HEAD, HEAD_R, HIP_L, HIP_R, KN_L, KN_R, LEG_W, PELVIS,
    SH_L, SH_R, TORSO_DEPTH,
)  # fmt: skip
from synreal.tracking.scene import Scene
from synreal.tracking.spec import RenderSpec

_SKY_TOP = np.array([120.0, 160.0, 215.0])
_SKY_LOW = np.array([200.0, 215.0, 230.0])
_GROUND_BASE = {
    "pavement": np.array([150.0, 145.0, 138.0]),
    "plaza": np.array([185.0, 175.0, 160.0]),
    "grass": np.array([92.0, 128.0, 62.0]),
    "wood": np.array([150.0, 108.0, 70.0]),
}


def _waves(rng: np.random.Generator, n: int, scale: float) -> list[tuple[float, float, float, float]]:
    """Random plane waves (kx, ky, phase, amplitude) for smooth procedural noise."""
    out = []
    for k in range(n):
        ang = rng.uniform(0, 2 * math.pi)
        freq = 2 * math.pi / (scale * rng.uniform(0.5, 1.5) / (1 + k * 0.7))
        out.append((freq * math.cos(ang), freq * math.sin(ang), rng.uniform(0, 2 * math.pi), 1.0 / (1 + k)))
    return out


def _noise(x: np.ndarray, y: np.ndarray, waves: list[tuple[float, float, float, float]]) -> np.ndarray:
    """Sum of waves, normalised to about [-1, 1]."""
    total = sum(a for *_, a in waves)
    return sum(a * np.sin(kx * x + ky * y + ph) for kx, ky, ph, a in waves) / total


def _hash(ix: np.ndarray, iy: np.ndarray, salt: float) -> np.ndarray:
    """Per-cell pseudo-random value in [-1, 1]."""
    v = np.sin(ix * 12.9898 + iy * 78.233 + salt) * 43758.5453
    return 2 * (v - np.floor(v)) - 1


class Background:
    """The textured ground and the sky line of one sequence (a function of the camera)."""

    def __init__(self, kind: str, rng: np.random.Generator) -> None:
        self.kind = kind
        self.base = _GROUND_BASE[kind] * rng.uniform(0.85, 1.15, 3)
        self.tile = rng.uniform(0.35, 0.7) if kind == "pavement" else rng.uniform(0.9, 1.6)
        self.plank = rng.uniform(0.12, 0.22)
        self.angle = rng.uniform(0, math.pi)
        self.salt = rng.uniform(0, 100)
        self.coarse = _waves(rng, 3, 12.0)
        self.fine = _waves(rng, 4, 0.6)
        # Skyline: building heights (radians above the horizon) per 0.25 degree of azimuth.
        n = 1440
        heights = np.zeros(n)
        colors = np.zeros((n, 3))
        i = 0
        while i < n:
            w = int(rng.integers(12, 60))
            heights[i : i + w] = rng.uniform(0.02, 0.16) if rng.random() < 0.85 else 0.0
            colors[i : i + w] = rng.uniform(90, 190) * rng.uniform(0.85, 1.1, 3)
            i += w
        self.skyline, self.sky_colors = heights, colors

    def ground(self, x: np.ndarray, y: np.ndarray, dist: np.ndarray, *, haze: bool = True) -> np.ndarray:
        """Ground colour at world points, (..., 3); ``dist`` fades fine detail (and adds haze)."""
        shade = 1 + 0.12 * _noise(x, y, self.coarse)
        fade = np.clip(1 - dist / 30.0, 0, 1)  # far detail would only alias
        k = self.kind
        if k in ("pavement", "plaza"):
            fy = y / self.tile
            fx = x / self.tile + (0.5 * np.floor(fy) if k == "plaza" else 0.0)
            var = _hash(np.floor(fx), np.floor(fy), self.salt)
            gx, gy = fx - np.floor(fx), fy - np.floor(fy)
            edge = np.minimum(np.minimum(gx, 1 - gx), np.minimum(gy, 1 - gy))
            grout = (edge < 0.04).astype(float) * fade
            shade = shade * (1 + (0.07 if k == "pavement" else 0.12) * var * fade) * (1 - 0.3 * grout)
        elif k == "grass":
            shade = shade * (1 + 0.15 * _noise(x, y, self.fine) * fade)
        else:  # wood planks
            c, s = math.cos(self.angle), math.sin(self.angle)
            across, along = (x * c + y * s) / self.plank, -x * s + y * c
            var = _hash(np.floor(across), np.floor(along / 2.4 + 0.37 * np.floor(across)), self.salt)
            g = across - np.floor(across)
            seam = (np.minimum(g, 1 - g) < 0.05).astype(float) * fade
            grain = np.sin(along * 9 + 3 * _noise(x, y, self.fine))
            shade = shade * (1 + (0.1 * var + 0.04 * grain) * fade) * (1 - 0.35 * seam)
        col = self.base * shade[..., None]
        if not haze:
            return col
        mix = 1 - np.exp(-dist / 80.0)
        return col * (1 - mix[..., None]) + _SKY_LOW * mix[..., None]

    def _sky(self, cam: Camera, us: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Sky gradient and skyline for image rows above the horizon, (rows, cols, 3)."""
        f = cam.focal
        elev = np.arctan((cam.horizon_v() - rows) / f)  # radians above the horizon
        sky = _SKY_LOW + (_SKY_TOP - _SKY_LOW) * np.clip(elev / 0.6, 0, 1)[:, None]
        img = np.broadcast_to(sky[:, None, :], (len(rows), len(us), 3)).copy()
        az = (math.radians(cam.yaw_deg) + np.arctan((us - cam.width / 2) / f)) % (2 * math.pi)
        col = (az / (2 * math.pi) * len(self.skyline)).astype(int) % len(self.skyline)
        building = elev[:, None] < self.skyline[col][None, :]
        img[building] = np.broadcast_to(self.sky_colors[col][None], img.shape)[building]
        return img

    def render(self, cam: Camera) -> np.ndarray:
        """The background image (H, W, 3) float, evaluated at every pixel."""
        W, H = cam.width, cam.height
        us = np.arange(W) + 0.5
        vs = np.arange(H) + 0.5
        out = np.empty((H, W, 3))
        below = vs > cam.horizon_v() + 0.5
        if below.any():
            uu, vv = np.meshgrid(us, vs[below])
            g = cam.ground_point(uu, vv)
            dist = np.hypot(g[..., 0] - cam.x, g[..., 1] - cam.y)
            out[below] = self.ground(g[..., 0], g[..., 1], dist)
        if (~below).any():
            out[~below] = self._sky(cam, us, vs[~below])
        return out


class OrbitBackground:
    """Backgrounds of a moving camera: one ground texture warped by a homography per frame.

    The ground is rendered once into a texture around the orbit centre; each frame maps it
    into the image with PIL's perspective transform (C speed). Haze depends only on the
    image row for a camera that keeps its height and pitch, so it is one fixed blend.
    """

    def __init__(self, background: Background, start: Camera, center: np.ndarray, max_px: int = 1200) -> None:
        self.bg = background
        radius = float(np.hypot(start.x - center[0], start.y - center[1]))
        half = min(radius + 45.0, 80.0)
        self.res = max(0.04, 2 * half / max_px)
        n = int(math.ceil(2 * half / self.res))
        self.origin = np.array([center[0] - half, center[1] - half])
        xs = self.origin[0] + (np.arange(n) + 0.5) * self.res
        ys = self.origin[1] + (np.arange(n) + 0.5) * self.res
        xx, yy = np.meshgrid(xs, ys)
        dist = np.hypot(xx - center[0], yy - center[1])
        # Haze is added per image row below; fine detail fades with distance from the centre.
        base = background.ground(xx, yy, dist, haze=False)
        self.texture = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
        W, H = start.width, start.height
        vs = np.arange(H) + 0.5
        g = start.ground_point(np.full(H, W / 2), vs)
        d = np.hypot(g[:, 0] - start.x, g[:, 1] - start.y)
        haze = np.where(np.isnan(d), 1.0, 1 - np.exp(-np.nan_to_num(d, nan=1e9) / 80.0))
        self.haze_mask = Image.fromarray(np.repeat((haze * 255).astype(np.uint8)[:, None], W, axis=1), "L")
        self.haze = Image.new("RGB", (W, H), tuple(int(c) for c in _SKY_LOW))

    def render(self, cam: Camera) -> np.ndarray:
        """Background of one camera pose, (H, W, 3) float."""
        right, down, axis = cam.axes()
        f = cam.focal
        # Pixel (u, v) sees ground point C - h * ray_xy / ray_z with ray = A + u Bu + v Bv.
        A = axis - (cam.width / 2) / f * right - (cam.height / 2) / f * down
        Bu, Bv = right / f, down / f
        C, h = cam.center, cam.cam_height
        num_x = C[0] * np.array([Bu[2], Bv[2], A[2]]) - h * np.array([Bu[0], Bv[0], A[0]])
        num_y = C[1] * np.array([Bu[2], Bv[2], A[2]]) - h * np.array([Bu[1], Bv[1], A[1]])
        den = np.array([Bu[2], Bv[2], A[2]])
        # Texture pixel = (world - origin) / res.
        tx = (num_x - self.origin[0] * den) / self.res
        ty = (num_y - self.origin[1] * den) / self.res
        d0 = den[2] if abs(den[2]) > 1e-12 else 1e-12
        coeffs = (tx[0] / d0, tx[1] / d0, tx[2] / d0, ty[0] / d0, ty[1] / d0, ty[2] / d0, den[0] / d0, den[1] / d0)
        img = self.texture.transform((cam.width, cam.height), Image.Transform.PERSPECTIVE, coeffs, Image.BILINEAR,
                                     fillcolor=tuple(int(c) for c in _SKY_LOW))  # fmt: skip
        img = Image.composite(self.haze, img, self.haze_mask)
        out = np.asarray(img, dtype=np.float64).copy()
        hv = cam.horizon_v()
        top = int(min(cam.height, max(0, math.ceil(hv + 0.5))))
        if top > 0:
            out[:top] = self.bg._sky(cam, np.arange(cam.width) + 0.5, np.arange(top) + 0.5)
        return out


class SceneRenderer:
    """Renders the frames of one scene and measures each person's visible fraction.

    Args:
        scene: a simulated scene.
        spec: rendering knobs (lighting, grounds).

    Example:
        >>> from synreal.tracking.spec import SceneSetSpec
        >>> from synreal.tracking.scene import simulate_scene
        >>> spec = SceneSetSpec(name="x", camera={"width": 160, "height": 90}, scene={"frames": 2})
        >>> r = SceneRenderer(simulate_scene(spec, 0), spec.render)
        >>> image, visible = r.frame(0)
        >>> image.size
        (160, 90)
    """

    def __init__(self, scene: Scene, spec: RenderSpec) -> None:
        self.scene = scene
        self.spec = spec
        rng = np.random.default_rng(scene.render_seed)
        self.background = Background(str(rng.choice(spec.grounds)), rng)
        lo, hi = spec.lighting
        self.gain = float(rng.uniform(lo, hi)) if hi > lo else float(lo)
        self.tint = rng.normal(1.0, 0.04, 3)
        self.flicker = spec.flicker * rng.uniform(0.3, 1.0)
        self.flicker_freq = rng.uniform(0.05, 0.3)
        self.flicker_phase = rng.uniform(0, 2 * math.pi)
        self._bg_static: np.ndarray | None = None
        self._bg_cache: dict[int, Image.Image] = {}
        self._orbit: OrbitBackground | None = None
        occ = scene.occluders
        if occ is not None and len(occ):
            self._occ_corners, self._occ_depth = occ.corners(scene.camera)
        else:
            self._occ_corners, self._occ_depth = np.zeros((0, scene.n_frames, 4, 2)), np.zeros((0, scene.n_frames))

    def _light(self, t: int) -> float:
        """Brightness factor of frame t (quantised so backgrounds can be reused)."""
        f = self.gain * (1 + self.flicker * math.sin(2 * math.pi * self.flicker_freq * t / self.scene.fps + self.flicker_phase))
        return round(f, 2)

    def _background(self, t: int, light: float) -> Image.Image:
        """Background of frame t at brightness ``light``."""
        path = self.scene.camera
        if path.static:
            key = int(round(light * 100))
            if key not in self._bg_cache:
                if self._bg_static is None:
                    self._bg_static = self.background.render(path.start)
                arr = np.clip(self._bg_static * (light * self.tint), 0, 255).astype(np.uint8)
                self._bg_cache[key] = Image.fromarray(arr)
            return self._bg_cache[key].copy()
        if self._orbit is None:
            self._orbit = OrbitBackground(self.background, path.start, path.start.look_at_point())
        arr = self._orbit.render(path.at(t))
        return Image.fromarray(np.clip(arr * (light * self.tint), 0, 255).astype(np.uint8))

    def _primitives(self, p: int, t: int, away: bool) -> list[tuple[Any, ...]]:
        """Drawing operations of one person in one frame, far parts first.

        Each op is (kind, flat coordinates, width or angles, colour slot): ``L`` a
        two-segment limb, ``T`` the torso, ``E`` an ellipse, ``C`` a chord (hair).
        """
        fig = self.scene.figures
        J = fig.joints_of(p, t)
        s = float(fig.scale[p, t])
        Hm = float(fig.height[p])
        b = float(fig.build[p])
        lw = max(1, int(round(LEG_W * Hm * s * b)))
        aw = max(1, int(round(ARM_W * Hm * s * b)))
        sh_w = abs(J[SH_L, 0] - J[SH_R, 0]) + aw
        tw = max(1, int(round(max(sh_w, 2 * TORSO_DEPTH * Hm * s))))
        c = J.ravel().tolist()  # joint j is at c[2j], c[2j + 1]

        def limb(a: int, m: int, e: int) -> list[float]:
            return [c[2 * a], c[2 * a + 1], c[2 * m], c[2 * m + 1], c[2 * e], c[2 * e + 1]]

        legs = {True: limb(HIP_L, KN_L, FT_L), False: limb(HIP_R, KN_R, FT_R)}
        arms = {True: limb(SH_L, EL_L, HA_L), False: limb(SH_R, EL_R, HA_R)}
        near = bool(fig.left_near[p, t])
        rx, ry = HEAD_R * Hm * s, HEAD_R * 1.15 * Hm * float(fig.scale_v[p, t])
        hx, hy = c[2 * HEAD], c[2 * HEAD + 1]
        head = [hx - rx, hy - ry, hx + rx, hy + ry]
        torso = [(c[2 * SH_L] + c[2 * SH_R]) / 2, (c[2 * SH_L + 1] + c[2 * SH_R + 1]) / 2, c[2 * PELVIS], c[2 * PELVIS + 1]]
        ops: list[tuple[Any, ...]] = [
            ("L", arms[not near], aw, TOP_DARK_I),
            ("L", legs[not near], lw, BOTTOM_DARK_I),
            ("L", legs[near], lw, BOTTOM_I),
            ("T", torso, tw, TOP_I),
            ("L", arms[near], aw, TOP_I),
            ("E", head, 0, HAIR_I if away else SKIN_I),
        ]
        if not away:
            ops.append(("C", head, (150, 390) if self.scene.appearance.long_hair[p] else (180, 360), HAIR_I))
        return ops

    @staticmethod
    def _issue(core: Any, ops: list[tuple[Any, ...]], inks: list[int] | int, dx: float = 0.0, dy: float = 0.0) -> None:
        """Draw ``ops`` on a PIL core draw object with an ink per colour slot (or one ink)."""
        table = isinstance(inks, list)
        for kind, xy, arg, part in ops:
            ink = inks[part] if table else inks
            if dx or dy:
                xy = [v - (dx if i % 2 == 0 else dy) for i, v in enumerate(xy)]
            if kind == "L":
                core.draw_lines(xy, ink, arg)
                if arg > 2:
                    # A round joint so that bent knees and elbows have no notch.
                    r = arg / 2 - 0.5
                    core.draw_ellipse((xy[2] - r, xy[3] - r, xy[2] + r, xy[3] + r), ink, 1)
            elif kind == "T":
                core.draw_lines(xy, ink, arg)
            elif kind == "E":
                core.draw_ellipse(xy, ink, 1)
            else:
                core.draw_chord(xy, arg[0], arg[1], ink, 1)

    def frame(self, t: int) -> tuple[Image.Image, np.ndarray]:
        """Render frame t (0-based).

        Returns:
            (RGB image, visible fraction per person (P,); 0 for people not drawn).
        """
        sc = self.scene
        W, H = sc.camera.start.width, sc.camera.start.height
        light = self._light(t)
        img = self._background(t, light)
        box = sc.figures.box[:, t]
        depth = sc.figures.depth[:, t]
        x0, y0 = box[:, 0], box[:, 1]
        x1, y1 = x0 + box[:, 2], y0 + box[:, 3]
        drawn = (depth > 0.3) & (x1 > 0) & (y1 > 0) & (x0 < W) & (y0 < H) & (box[:, 3] >= 2)
        if sc.present is not None:
            drawn &= sc.present[:, t]
        idx = np.nonzero(drawn)[0]
        idx = idx[np.argsort(-depth[idx], kind="stable")]
        visible = np.zeros(sc.n_people)
        # Static occluders in view, far to near, as (depth, corners, colour).
        oc, od = self._occ_corners[:, t], self._occ_depth[:, t]
        ok = (od > 0.3) & (oc[..., 0].max(1) > 0) & (oc[..., 0].min(1) < W) & (oc[..., 1].max(1) > 0) & (oc[..., 1].min(1) < H)
        occ = [(float(od[k]), oc[k], k) for k in np.nonzero(ok)[0]]
        occ.sort(key=lambda o: -o[0])
        if not len(idx):
            self._draw_occluders(img, None, occ, light)
            return img, visible
        # Soft shadows first, so that nobody's shadow falls on someone drawn earlier.
        shade = ImageDraw.Draw(img, "RGBA")
        for p in idx:
            J = sc.figures.joints_of(p, t)
            fx = (J[FT_L, 0] + J[FT_R, 0]) / 2
            fy = max(J[FT_L, 1], J[FT_R, 1])
            rx = 0.22 * sc.figures.height[p] * sc.figures.scale[p, t]
            shade.ellipse([fx - rx, fy - rx * 0.28, fx + rx, fy + rx * 0.28], fill=(0, 0, 0, 70))
        colors = sc.appearance.colors * (light * self.tint)
        m = 1.5  # boxes may be a pixel short of PIL's rounded strokes
        bx0, by0, bx1, by1 = x0[idx] - m, y0[idx] - m, x1[idx] + m, y1[idx] + m
        overlap = (bx0[:, None] < bx1[None]) & (bx0[None] < bx1[:, None]) & (by0[:, None] < by1[None]) & (by0[None] < by1[:, None])
        np.fill_diagonal(overlap, False)
        overlapping = overlap.any(1)
        for _, c, _ in occ:
            # Someone an occluder may hide is measured on the id buffer too.
            lo, hi = c.min(0), c.max(0)
            overlapping |= (bx0 < hi[0]) & (lo[0] < bx1) & (by0 < hi[1]) & (lo[1] < by1)
        truncated = (bx0 < 0) | (by0 < 0) | (bx1 > W) | (by1 > H)
        core = ImageDraw.Draw(img).draw
        ids = Image.new("L", (W, H), 0) if overlapping.any() else None
        id_core = ImageDraw.Draw(ids).draw if ids is not None else None
        axis = sc.camera.at(t).axes()[2]
        hd = sc.heading[idx, t]
        away = np.cos(hd) * axis[0] + np.sin(hd) * axis[1] > 0
        rgb = np.clip(colors[idx], 0, 255).astype(np.uint8).tolist()
        full = np.ones(len(idx))
        inside = np.ones(len(idx))
        rank = np.zeros(len(idx), int)
        r = 0
        pending = list(occ)
        for k, p in enumerate(idx):
            # Occluders farther than this person are drawn before it.
            while pending and pending[0][0] > depth[p]:
                self._draw_occluders(img, id_core, [pending.pop(0)], light)
            ops = self._primitives(p, t, bool(away[k]))
            self._issue(core, ops, [core.draw_ink(tuple(c)) for c in rgb[k]])
            if overlapping[k]:
                r += 1
                rank[k] = r
                self._issue(id_core, ops, r)
            if overlapping[k] or truncated[k]:
                ox, oy = math.floor(bx0[k]) - 1, math.floor(by0[k]) - 1
                cw, ch = math.ceil(bx1[k]) + 1 - ox, math.ceil(by1[k]) + 1 - oy
                scratch = Image.new("L", (max(cw, 1), max(ch, 1)), 0)
                self._issue(ImageDraw.Draw(scratch).draw, ops, 255, ox, oy)
                full[k] = max(scratch.histogram()[255], 1)
                if truncated[k]:
                    cx0, cy0 = max(0, -ox), max(0, -oy)
                    cx1, cy1 = min(cw, W - ox), min(ch, H - oy)
                    inside[k] = scratch.crop((cx0, cy0, max(cx0, cx1), max(cy0, cy1))).histogram()[255]
                else:
                    inside[k] = full[k]
        self._draw_occluders(img, id_core, pending, light)
        vis = inside / full
        if ids is not None:
            hist = np.array(ids.histogram())
            sel = overlapping
            vis[sel] = hist[rank[sel]] / full[sel]
        visible[idx] = np.clip(vis, 0, 1)
        return img, visible

    def _draw_occluders(self, img: Image.Image, id_core: Any, items: list, light: float) -> None:
        """Draw static occluders (a face and a darker top band), and blank them in the id buffer."""
        if not items:
            return
        occ = self.scene.occluders
        draw = ImageDraw.Draw(img)
        for _, c, k in items:
            poly = [tuple(p) for p in c.tolist()]
            col = np.clip(occ.color[k] * light * self.tint, 0, 255)  # type: ignore[union-attr]
            draw.polygon(poly, fill=tuple(int(v) for v in col))
            top = [poly[3], poly[2], (poly[2][0] * 0.85 + poly[1][0] * 0.15, poly[2][1] * 0.85 + poly[1][1] * 0.15),
                   (poly[3][0] * 0.85 + poly[0][0] * 0.15, poly[3][1] * 0.85 + poly[0][1] * 0.15)]  # fmt: skip
            draw.polygon(top, fill=tuple(int(v * 0.75) for v in col))
            if id_core is not None:
                id_core.draw_polygon([v for p in poly for v in p], 0, 1)

    def silhouette(self, p: int, t: int) -> np.ndarray:
        """Pixels person ``p`` covers in frame ``t`` when drawn alone, (H, W) bool.

        Example:
            >>> from synreal.tracking.spec import SceneSetSpec
            >>> from synreal.tracking.scene import simulate_scene
            >>> spec = SceneSetSpec(name="x", camera={"width": 160, "height": 90}, scene={"frames": 1})
            >>> r = SceneRenderer(simulate_scene(spec, 0), spec.render)
            >>> r.silhouette(0, 0).shape
            (90, 160)
        """
        sc = self.scene
        cam = sc.camera.at(t)
        img = Image.new("L", (cam.width, cam.height), 0)
        axis = cam.axes()[2]
        hd = sc.heading[p, t]
        away = math.cos(hd) * axis[0] + math.sin(hd) * axis[1] > 0
        self._issue(ImageDraw.Draw(img).draw, self._primitives(p, t, bool(away)), 255)
        return np.asarray(img) > 0

    def frames(self) -> Iterator[tuple[int, Image.Image]]:
        """Render every frame; afterwards ``scene.visibility`` holds the measured fractions."""
        for t in range(self.scene.n_frames):
            img, vis = self.frame(t)
            self.scene.visibility[:, t] = vis
            yield t, img


def render_scene(scene: Scene, spec: RenderSpec) -> Iterator[tuple[int, Image.Image]]:
    """Render a scene frame by frame (0-based index, RGB image).

    Measures the visible fraction of every person on the rendered pixels and writes it
    into ``scene.visibility`` as frames are produced.

    Args:
        scene: from ``simulate_scene``.
        spec: rendering knobs.

    Returns:
        An iterator of (frame index, image).

    Example:
        >>> from synreal.tracking.spec import SceneSetSpec
        >>> from synreal.tracking.scene import simulate_scene
        >>> spec = SceneSetSpec(name="x", camera={"width": 96, "height": 64}, scene={"frames": 3})
        >>> [im.size for _, im in render_scene(simulate_scene(spec, 1), spec.render)]
        [(96, 64), (96, 64), (96, 64)]
    """
    return SceneRenderer(scene, spec).frames()
