"""Regenerate the pictures of docs/tracking.md into docs/img/tracking/.

Usage: python docs/make_tracking_figures.py

Everything is drawn from the example specs in examples/tracking/ with fixed seeds, so the
pictures change only when the generator does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from synreal.tracking.activities import DANCE, DANCE_MOVES, IDLE, RUN, TALK, WALK, GroupMotion
from synreal.tracking.camera import Camera, CameraPath
from synreal.tracking.generate import make_sequence
from synreal.tracking.render import SceneRenderer
from synreal.tracking.scene import scene_from_tracks
from synreal.tracking.show import _font, contact_sheet, draw_boxes
from synreal.tracking.spec import load_scene_set

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "img" / "tracking"
EXAMPLES = REPO / "examples" / "tracking"


def _frame_with_boxes(spec_name: str, index: int, t: int, *, label_vis: bool = False) -> Image.Image:
    """Frame t of sequence ``index`` of an example set, with its ground truth drawn."""
    spec = load_scene_set(EXAMPLES / f"{spec_name}.yaml")
    scene = make_sequence(spec, index)
    r = SceneRenderer(scene, spec.render)
    img = None
    for k in range(t + 1):  # visibility of frame t is measured when it is drawn
        img, vis = r.frame(k)
        scene.visibility[:, k] = vis
    gt = scene.ground_truth()
    assert img is not None
    return draw_boxes(img, gt.in_frame(t + 1), label_vis=label_vis)


def scene_sets() -> Path:
    """One frame of each example scene set (and a second multi-group one), 3 x 2."""
    tiles = []
    for name, idx in (("single-group", 1), ("multi-group", 0), ("multi-group", 3), ("dance-only", 2),
                      ("walk-run", 0), ("sport", 1)):  # fmt: skip
        img = _frame_with_boxes(name, idx, 45)
        ImageDraw.Draw(img).text((8, 6), name, fill=(255, 255, 255), font=_font(18), stroke_width=2, stroke_fill=(0, 0, 0))
        tiles.append(img.resize((400, 225), Image.BILINEAR))
    sheet = Image.new("RGB", (3 * 400 + 12, 2 * 225 + 6), (20, 20, 22))
    for k, tile in enumerate(tiles):
        sheet.paste(tile, ((k % 3) * 406, (k // 3) * 231))
    path = OUT / "scene_sets.jpg"
    sheet.save(path, quality=82)
    return path


def dance_sheet() -> Path:
    """Eight frames of one dance-only sequence: synchronised moves, formation changes."""
    spec = load_scene_set(EXAMPLES / "dance-only.yaml")
    scene = make_sequence(spec, 2)
    r = SceneRenderer(scene, spec.render)
    gt = scene.ground_truth()
    keep = set(np.linspace(0, scene.n_frames - 1, 8).round().astype(int).tolist())
    frames, labels = [], []
    for t in range(scene.n_frames):
        img, vis = r.frame(t)
        if t in keep:
            frames.append(draw_boxes(img, gt.in_frame(t + 1)))
            labels.append(t + 1)
    return contact_sheet(frames, labels, OUT / "dance_sheet.jpg", columns=4, thumb_width=240, title="dance-only-0002")


def visibility() -> Path:
    """A crowded frame with each box labelled by its id and measured visibility."""
    img = _frame_with_boxes("walk-run", 3, 30, label_vis=True)
    path = OUT / "visibility.jpg"
    img.save(path, quality=85)
    return path


def poses() -> Path:
    """The pose vocabulary: idle, talk, walk, run and the seven dance moves."""
    kinds = [(IDLE, 0, "idle"), (TALK, 2, "talk"), (WALK, 0, "walk"), (RUN, 0, "run")]
    kinds += [(DANCE, m, name) for m, name in enumerate(DANCE_MOVES)]
    n = len(kinds)
    xs = (np.arange(n) - (n - 1) / 2) * 1.2
    pos = np.stack([np.stack([xs, np.full(n, 9.0)], -1)] * 1, axis=1)
    motion = np.array([[k[0]] for k in kinds], np.int8)
    move = np.array([[k[1]] for k in kinds], np.int16)
    phase = np.array([[0.27] for _ in kinds])
    m = GroupMotion(pos, np.full((n, 1), -np.pi / 2 + 0.5), motion, phase, move)
    m.heading[2:4] = 0.0  # walkers and runners seen from the side
    cam = CameraPath(Camera(1100, 300, cam_height=1.6, pitch_deg=4.0, fov_deg=70.0), 1)
    scene = scene_from_tracks(m, cam, seed=5, render_seed=2)
    img, _ = SceneRenderer(scene, load_scene_set(EXAMPLES / "single-group.yaml").render).frame(0)
    d = ImageDraw.Draw(img)
    for k, (_, _, name) in enumerate(kinds):
        x, y, w, h = scene.boxes[k, 0]
        d.text((x + w / 2, y + h + 6), name, fill=(255, 255, 255), font=_font(13), anchor="mt", stroke_width=2, stroke_fill=(0, 0, 0))
    path = OUT / "poses.jpg"
    img.save(path, quality=85)
    return path


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for make in (scene_sets, dance_sheet, visibility, poses):
        path = make()
        print(f"wrote {path.relative_to(REPO)} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
