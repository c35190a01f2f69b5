"""The compiled loops of the crowd generator give the numpy code's numbers to the last bit."""

from __future__ import annotations

import glob
from pathlib import Path

import numpy as np
import pytest

from synreal.tracking import kernels
from synreal.tracking.boxes import same_frame_pairs
from synreal.tracking.generate import make_sequence
from synreal.tracking.scene import box_visibility
from synreal.tracking.spec import load_scene_set

pytest.importorskip("numba")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "tracking"


@pytest.fixture(autouse=True)
def _reset_jit():  # type: ignore[no-untyped-def]
    yield
    kernels.use_jit(None)


def both(fn):  # type: ignore[no-untyped-def]
    """fn() on the numpy path and on the compiled loops."""
    kernels.use_jit(False)
    ref = fn()
    kernels.use_jit(True)
    return ref, fn()


def random_crowd(seed: int, frames: int = 40, people: int = 40, statics: int = 3):  # type: ignore[no-untyped-def]
    """Boxes of a dense random crowd (many boxes behind five or more others) and static occluders."""
    rng = np.random.default_rng(seed)
    h = rng.uniform(10, 120, (people, frames))
    box = np.stack([rng.uniform(-40, 300, (people, frames)), rng.uniform(-20, 150, (people, frames)), 0.4 * h, h], -1)
    depth = rng.uniform(-1, 30, (people, frames))  # some behind the camera
    sbox = np.stack([rng.uniform(0, 250, (statics, frames)), rng.uniform(0, 100, (statics, frames)),
                     np.full((statics, frames), 60.0), np.full((statics, frames), 40.0)], -1)  # fmt: skip
    return box, depth, (sbox, rng.uniform(2, 20, (statics, frames)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_visibility_is_bit_identical_behind_few_and_many_boxes(seed: int) -> None:
    box, depth, static = random_crowd(seed)
    targets = np.random.default_rng(seed + 10).random(depth.shape) < 0.7
    ref, fast = both(lambda: box_visibility(box, depth, 320, 180, targets=targets, static=static))
    np.testing.assert_array_equal(ref, fast)
    assert 0 < (ref[targets & (depth > 0.3)] < 1).mean() < 1  # partly hidden boxes, and some not
    # Both paths of the occlusion step ran: boxes behind at most four others are cut
    # exactly, behind more on the grid.
    front = depth > 0.3
    t, p = np.nonzero(front.T)
    i, j = same_frame_pairs(t, box[p, t])
    far = np.where(depth[p[i], t[i]] > depth[p[j], t[j]], i, j)
    behind = np.bincount(far, minlength=len(t))
    assert (behind > 4).any() and ((behind >= 1) & (behind <= 4)).any()


def test_visibility_of_an_empty_or_lonely_frame() -> None:
    box = np.zeros((1, 3, 4))
    box[0, :, 2:] = 10
    ref, fast = both(lambda: box_visibility(box, np.array([[5.0, -1.0, 5.0]]), 100, 100))
    np.testing.assert_array_equal(ref, fast)
    assert fast.tolist() == [[1.0, 0.0, 1.0]]


@pytest.mark.parametrize("path", sorted(glob.glob(str(EXAMPLES / "*.yaml"))), ids=lambda p: Path(p).stem)
def test_generated_sequences_are_bit_identical(path: str) -> None:
    spec = load_scene_set(path)
    spec = spec.model_copy(update={"scene": spec.scene.model_copy(update={"frames": 150})})
    for i in range(2):
        a, b = both(lambda i=i: make_sequence(spec, i))
        np.testing.assert_array_equal(a.figures.box, b.figures.box)
        np.testing.assert_array_equal(a.figures.body_x, b.figures.body_x)
        np.testing.assert_array_equal(a.figures.body_y, b.figures.body_y)
        np.testing.assert_array_equal(a.visibility, b.visibility)
        np.testing.assert_array_equal(a.ground_truth().to_array(), b.ground_truth().to_array())


def test_poses_outside_the_pose_table_take_the_same_path() -> None:
    # A move index beyond the table forces the direct posing fallback.
    from synreal.tracking.activities import GroupMotion
    from synreal.tracking.camera import Camera, CameraPath
    from synreal.tracking.figure import pose_figures

    T = 4
    pos = np.array([[[0.0, 8.0]] * T, [[0.5, 9.0]] * T])
    z = np.zeros((2, T))
    move = np.full((2, T), 50, np.int16)
    m = GroupMotion(pos, z + 0.3, np.full((2, T), 3, np.int8), z + 0.1, move)
    a, b = both(lambda: pose_figures(m.pos, m.heading, m.motion, m.phase, m.move, np.array([1.7, 1.8]), np.array([1.0, 1.2]),
                                     CameraPath(Camera(), T)))  # fmt: skip
    np.testing.assert_array_equal(a.box, b.box)
    np.testing.assert_array_equal(a.body_x, b.body_x)


def test_the_environment_turns_the_compiled_loops_off(monkeypatch: pytest.MonkeyPatch) -> None:
    kernels.use_jit(None)
    monkeypatch.setenv("SYNREAL_NO_JIT", "1")
    assert not kernels.jit_enabled()
    kernels.use_jit(None)
    monkeypatch.delenv("SYNREAL_NO_JIT")
    assert kernels.jit_enabled()


@pytest.mark.parametrize("interval, noise, grid", [(1, 0.0, 1080), (5, 0.0, 0), (4, 0.03, 1080), (1, 0.02, 0)])
def test_annotation_is_bit_identical(interval: int, noise: float, grid: int) -> None:
    from synreal.tracking.scene import annotate

    box, depth, _ = random_crowd(3, frames=60, people=12)
    labelled = np.random.default_rng(4).random(depth.shape) < 0.8  # stretches with gaps

    def run() -> np.ndarray:
        return annotate(box, labelled, interval=interval, noise=noise, grid=grid, image_height=360,
                        rng=np.random.default_rng(7))  # fmt: skip

    ref, fast = both(run)
    np.testing.assert_array_equal(ref, fast)
    assert not np.array_equal(ref[labelled], box[labelled])  # the annotation moved the boxes
    np.testing.assert_array_equal(ref[~labelled], box[~labelled])  # and only the labelled ones


def test_projection_is_bit_identical_for_static_and_moving_cameras() -> None:
    from synreal.tracking.camera import Camera, CameraPath, random_motion
    from synreal.tracking.figure import reachable

    T = 50
    rng = np.random.default_rng(0)
    pos = rng.uniform(-40, 40, (30, 1, 2)) + np.linspace(0, 1, T)[None, :, None]  # some never in view
    height = rng.uniform(1.5, 1.95, 30)
    cam = Camera(640, 360, 4.0, 20.0, 60.0)
    for path in (CameraPath(cam, T), CameraPath(cam, T, 25.0, 0.0, random_motion(T, 25.0, rng, pan=3.0, shake=1.0, walk=0.5))):
        ref, fast = both(lambda path=path: reachable(path, pos, height))
        np.testing.assert_array_equal(ref, fast)
        assert 0 < ref.mean() < 1
