"""Looking at sequences: GIF/MP4 with boxes and ids, and the contact sheet."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from tests.tracking.tracking_helpers import tiny_spec

from synreal.errors import UserInputError
from synreal.tracking.embedded import write_tud
from synreal.tracking.generate import generate_scene_set
from synreal.tracking.motchallenge import MotTable
from synreal.tracking.show import draw_boxes, id_color, show_sequence


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    generate_scene_set(tiny_spec(sequences=1, scene={"frames": 5}), tmp_path / "set")
    return tmp_path / "set" / "tiny-0000"


def test_gif_and_sheet_of_a_generated_sequence(generated: Path, tmp_path: Path) -> None:
    res = show_sequence(generated, tmp_path / "v.gif")
    with Image.open(res.video) as im:
        assert im.n_frames == 5 and im.size == (160, 96)
    assert res.sheet is not None and res.sheet.name == "v_sheet.jpg"
    with Image.open(res.sheet) as sheet:
        assert sheet.width > 320


def test_mp4_of_a_real_sequence_without_images(tmp_path: Path) -> None:
    import imageio.v2 as imageio

    gt_root, _ = write_tud(tmp_path / "tud")
    res = show_sequence(gt_root / "TUD-Campus", tmp_path / "tud.mp4", max_frames=20, sheet=False)
    assert res.sheet is None and res.frames == 20
    reader = imageio.get_reader(res.video)
    frames = [f for f in reader]
    reader.close()
    assert len(frames) == 20 and frames[0].shape[:2] == (480, 640)


def test_boxes_are_drawn_in_their_id_colour() -> None:
    img = Image.new("RGB", (100, 100))
    draw_boxes(img, MotTable.from_rows([[1, 7, 20, 30, 40, 50, 1, 1, 1]]))
    a = np.asarray(img)
    # The right edge of the box, away from the label.
    assert tuple(a[70, 60]) == id_color(7)
    assert tuple(a[70, 40]) == (0, 0, 0)  # inside stays untouched


def test_unsupported_video_suffix(generated: Path, tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="expected a .mp4 or .gif"):
        show_sequence(generated, tmp_path / "v.avi")
