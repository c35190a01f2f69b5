"""Writing scene sets: layout, reuse of finished sequences, refusing to mix sets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tests.tracking.tracking_helpers import tiny_spec

from synreal.errors import UserInputError
from synreal.tracking.generate import SPEC_FILE, generate_scene_set, make_sequence
from synreal.tracking.motchallenge import find_sequences, read_sequence


def test_trajectories_only_set_layout(tmp_path: Path) -> None:
    spec = tiny_spec(sequences=3, render={"images": False}, detections={"enabled": True})
    res = generate_scene_set(spec, tmp_path)
    assert res.generated == 3 and res.reused == 0
    names = [p.name for p in find_sequences(tmp_path)]
    assert names == ["tiny-0000", "tiny-0001", "tiny-0002"]
    assert (tmp_path / "seqmap.txt").read_text().split() == ["name", *names]
    meta = json.loads((tmp_path / SPEC_FILE).read_text())
    assert meta["spec"]["sequences"] == 3
    seq = read_sequence(tmp_path / "tiny-0001")
    assert seq.images == [] and seq.det is not None
    # The written ground truth is the simulated one.
    np.testing.assert_allclose(seq.gt.box, make_sequence(spec, 1).ground_truth().box, atol=1e-9)
    assert res.boxes == sum(len(read_sequence(p).gt) for p in find_sequences(tmp_path))


def test_rendered_set_has_images_and_measured_visibility(tmp_path: Path) -> None:
    spec = tiny_spec(sequences=1, scene={"frames": 3})
    generate_scene_set(spec, tmp_path)
    seq = read_sequence(tmp_path / "tiny-0000")
    assert [p.name for p in seq.images] == ["000001.jpg", "000002.jpg", "000003.jpg"]
    assert ((seq.gt.vis >= 0) & (seq.gt.vis <= 1)).all()


def test_rerun_reuses_and_a_different_set_is_refused(tmp_path: Path) -> None:
    spec = tiny_spec(sequences=2, render={"images": False})
    generate_scene_set(spec, tmp_path)
    again = generate_scene_set(spec, tmp_path)
    assert (again.generated, again.reused) == (0, 2)
    other = tiny_spec(sequences=2, seed=9, render={"images": False})
    with pytest.raises(UserInputError, match="another spec"):
        generate_scene_set(other, tmp_path)
    res = generate_scene_set(other, tmp_path, overwrite=True)
    assert res.generated == 2


def test_a_half_written_sequence_is_not_taken_for_a_finished_one(tmp_path: Path) -> None:
    spec = tiny_spec(sequences=1, render={"images": False})
    generate_scene_set(spec, tmp_path)
    (tmp_path / "tiny-0000" / "gt" / "gt.txt").unlink()
    assert generate_scene_set(spec, tmp_path).generated == 1
