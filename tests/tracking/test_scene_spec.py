"""The scene-set spec: examples load, and mistakes name the file, key and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from synreal.errors import UserInputError
from synreal.tracking.spec import load_scene_set, validate_scene_set

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "tracking"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_examples_load(path: Path) -> None:
    spec = load_scene_set(path)
    assert spec.name == path.stem


def test_examples_cover_the_four_scene_sets() -> None:
    got = {p.stem: load_scene_set(p) for p in EXAMPLES.glob("*.yaml")}
    assert got["single-group"].scene.layout == "single-group"
    assert got["multi-group"].scene.layout == "multi-group"
    assert set(got["multi-group"].scene.activities) == {"walk", "wait", "queue", "talk", "dance", "run"}
    assert set(got["dance-only"].scene.activities) == {"dance"}
    assert set(got["walk-run"].scene.activities) == {"walk", "run"}


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "s.yaml"
    p.write_text(text)
    return p


def test_a_typo_names_key_line_and_suggestion(tmp_path: Path) -> None:
    p = write(tmp_path, "name: x\nscene:\n  fps: 25\n  actvities: {dance: 1}\n")
    with pytest.raises(UserInputError) as err:
        load_scene_set(p)
    e = err.value
    assert (e.file, e.key, e.line) == (str(p), "scene.actvities", 4)
    assert "did you mean 'activities'" in e.message


def test_an_unknown_activity_lists_the_registered_ones(tmp_path: Path) -> None:
    p = write(tmp_path, "name: x\nscene:\n  activities: {dancing: 1}\n")
    with pytest.raises(UserInputError, match="unknown activity 'dancing'; registered: dance, queue") as err:
        load_scene_set(p)
    assert err.value.key == "scene.activities.dancing" and "did you mean 'dance'" in err.value.message


def test_activity_knobs_are_checked_with_their_line(tmp_path: Path) -> None:
    p = write(tmp_path, "name: x\nscene:\n  activity_options:\n    dance:\n      rows: [3, 1]\n")
    with pytest.raises(UserInputError, match="low <= high") as err:
        load_scene_set(p)
    assert (err.value.key, err.value.line) == ("scene.activity_options.dance.rows", 5)
    p = write(tmp_path, "name: x\nscene:\n  activity_options:\n    run:\n      sped: [1, 2]\n")
    with pytest.raises(UserInputError, match="did you mean 'speed'"):
        load_scene_set(p)


@pytest.mark.parametrize(
    "data, key",
    [
        ({"name": "x", "camera": {"pitch": [40, 20]}}, "camera.pitch"),
        ({"name": "x", "camera": {"pitch": [0, 20]}}, "camera.pitch"),
        ({"name": "x", "scene": {"activities": {"dance": 0}}}, "scene.activities"),
        ({"name": "x", "scene": {"frames": 0}}, "scene.frames"),
        ({"name": "bad name"}, "name"),
        ({"scene": {}}, "name"),
    ],
)
def test_invalid_values_name_their_key(data: dict, key: str) -> None:
    with pytest.raises(UserInputError) as err:
        validate_scene_set(data)
    assert err.value.key == key


def test_a_number_is_a_fixed_range() -> None:
    spec = validate_scene_set({"name": "x", "camera": {"cam_height": 4, "orbit": 2}})
    assert spec.camera.cam_height == (4, 4) and spec.camera.orbit == (2, 2)
