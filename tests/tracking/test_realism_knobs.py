"""Each realism knob moves its motion statistic the right way, and bad knobs name their key.

Every comparison generates the same sequence indices with the same seed under two values
of one knob, so the two sets differ by that knob only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from synreal.errors import UserInputError
from synreal.tracking.generate import make_sequence, scene_set_sequences
from synreal.tracking.spec import SceneSetSpec, validate_scene_set
from synreal.tracking.stats import RealismStats, sequence_stats

# Exact annotation (no keyframes, jitter, rounding or visibility rule) and walkers who do
# not stop, so that each test sees its own knob only.
BASE: dict[str, Any] = {
    "name": "k",
    "scene": {"fps": 30, "frames": 150, "groups": [2, 3], "lone_walkers": [1, 2], "entry_rate": [0.5, 0.5],
              "occluders": [0, 0], "activities": {"walk": 2, "wait": 1, "talk": 1},
              "activity_options": {"walk": {"stop": 0}}},
    "camera": {"moving": 0},
    "render": {"label_noise": 0, "label_interval": 1, "label_grid": 0, "min_visibility": 0},
}  # fmt: skip


def spec_with(**sections: dict[str, Any]) -> SceneSetSpec:
    """BASE with some keys of its sections replaced."""
    data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in BASE.items()}
    for section, values in sections.items():
        data[section] = {**data.get(section, {}), **values}
    return validate_scene_set(data)


def stats(n: int = 6, **sections: dict[str, Any]) -> RealismStats:
    """Statistics of ``n`` sequences of BASE with the given changes."""
    return sequence_stats(scene_set_sequences(spec_with(**sections), n, seed=3))


def test_more_entries_give_more_births_per_100_frames() -> None:
    few, many = stats(scene={"entry_rate": [0.1, 0.1]}), stats(scene={"entry_rate": [2.0, 2.0]})
    assert many.births_per_100 > 2 * few.births_per_100
    assert many.people_per_frame.mean() > few.people_per_frame.mean()


def test_nobody_enters_at_rate_zero_on_a_still_scene() -> None:
    s = stats(scene={"entry_rate": [0, 0], "activities": {"wait": 1, "talk": 1}, "lone_walkers": [0, 0]})
    assert s.births == 0 and s.n_boxes > 0


def test_a_lower_frame_rate_makes_more_jumps_between_frames() -> None:
    moving = {"moving": 1, "pan": [6, 6], "walk": [0, 0], "shake": [0, 0]}
    fast, slow = stats(camera=moving, scene={"fps": 30}), stats(camera=moving, scene={"fps": 7})
    assert slow.low_iou_share > fast.low_iou_share + 0.01
    assert set(slow.frame_rates.tolist()) == {7.0} and set(fast.frame_rates.tolist()) == {30.0}
    # The clip keeps its length in frames: at 7 FPS it covers 30/7 times as long.
    assert slow.n_frames == fast.n_frames


def test_decimation_samples_the_same_motion() -> None:
    # At 15 FPS every frame is every second frame of the 30 FPS simulation.
    a = spec_with(scene={"fps": 30, "frames": 61}, camera={"moving": 0})
    b = spec_with(scene={"fps": 15, "frames": 31}, camera={"moving": 0})
    sa, sb = make_sequence(a, 0), make_sequence(b, 0)
    np.testing.assert_allclose(sa.pos[:, ::2], sb.pos, atol=1e-9)


def test_farther_depth_gives_smaller_far_people() -> None:
    near, far = stats(camera={"depth": [3, 15]}), stats(camera={"depth": [3, 90]})
    assert np.percentile(far.height, 10) < 0.8 * np.percentile(near.height, 10)


def test_camera_shake_raises_the_constant_velocity_error() -> None:
    still = {"moving": 1, "pan": [0, 0], "walk": [0, 0], "shake": [0, 0]}
    shaky = {**still, "shake": [0.8, 0.8]}
    a, b = stats(camera=still), stats(camera=shaky)
    assert np.median(b.cv_error_1) > 1.5 * np.median(a.cv_error_1)
    assert np.median(b.cv_error_5) > 1.5 * np.median(a.cv_error_5)


def test_a_walking_camera_moves_standing_people_in_the_image() -> None:
    crowd = {"activities": {"wait": 1}, "entry_rate": [0, 0], "lone_walkers": [0, 0]}
    still = stats(scene=crowd, camera={"moving": 1, "walk": [0, 0], "pan": [0, 0], "shake": [0, 0]})
    walking = stats(scene=crowd, camera={"moving": 1, "walk": [1.4, 1.4], "pan": [0, 0], "shake": [0, 0]})
    assert np.median(walking.speed) > 3 * np.median(still.speed)


def test_wider_spacing_means_fewer_overlaps() -> None:
    crowd = {"activities": {"wait": 1, "queue": 1, "walk": 1}, "groups": [3, 4]}
    tight, loose = stats(scene={**crowd, "spacing": 0.6}), stats(scene={**crowd, "spacing": 2.5})
    assert loose.overlap_share < tight.overlap_share


def test_faster_walkers_are_faster_in_the_image() -> None:
    walkers = {"activities": {"walk": 1}, "entry_mix": {"walk": 1}}
    slow = stats(scene={**walkers, "activity_options": {"walk": {"speed": [0.8, 0.9], "stop": 0}}})
    fast = stats(scene={**walkers, "activity_options": {"walk": {"speed": [1.7, 1.8], "stop": 0}}})
    assert np.median(fast.speed) > 1.4 * np.median(slow.speed)


def test_label_noise_and_keyframes_change_the_annotated_motion() -> None:
    exact = stats(render={"label_noise": 0.0})
    noisy = stats(render={"label_noise": 0.02})
    assert np.median(noisy.cv_error_1) > 3 * np.median(exact.cv_error_1)
    keyed = stats(render={"label_interval": 10})
    # Between keyframes boxes move linearly: a constant-velocity guess is exact there (up
    # to the 0.01 px of the written boxes).
    assert (keyed.cv_error_1 < 1e-3).mean() > 0.5 > (exact.cv_error_1 < 1e-3).mean()


def test_label_grid_rounds_boxes_to_whole_pixels_of_the_real_image() -> None:
    s = make_sequence(spec_with(render={"label_grid": 1080}, camera={"width": 640, "height": 360}), 0)
    box = s.ground_truth().box
    # 1080 rows over 360 pixels: coordinates are multiples of a third of a pixel.
    assert np.allclose(np.round(box[:, :2] * 3), box[:, :2] * 3, atol=0.02)


def test_people_appear_from_behind_occluders() -> None:
    def inner_births(door_share: float) -> float:
        spec = spec_with(scene={"occluders": [3, 3], "door_share": door_share, "entry_rate": [1.0, 1.0]},
                         camera={"width": 640, "height": 360})  # fmt: skip
        inner = total = 0
        for i in range(6):
            s = make_sequence(spec, i)
            first = np.where(s.labelled.any(1), s.labelled.argmax(1), -1)
            for p in np.nonzero(first > 0)[0]:
                x, y, w, h = s.boxes[p, first[p]]
                total += 1
                inner += bool(x > 2 and x + w < 638 and y + h < 358)
        return inner / max(total, 1)

    assert inner_births(0.9) > inner_births(0.0) + 0.2


def test_clip_length_is_a_number_or_a_range() -> None:
    assert make_sequence(spec_with(scene={"frames": 40}), 0).n_frames == 40
    lengths = {make_sequence(spec_with(scene={"frames": [20, 60]}), i).n_frames for i in range(8)}
    assert min(lengths) >= 20 and max(lengths) <= 60 and len(lengths) > 1


def test_frame_rates_are_drawn_by_weight() -> None:
    spec = spec_with(scene={"fps": {30: 1, 7: 1}, "frames": 10})
    rates = [make_sequence(spec, i).fps for i in range(40)]
    assert set(rates) == {30.0, 7.0} and 10 <= rates.count(7.0) <= 30


def test_sport_players_accelerate_stop_and_turn_harder_than_walkers() -> None:
    pitch = {"cam_height": [8, 8], "pitch": [18, 18], "fov": [45, 45], "moving": 0}
    sport = stats(4, scene={"layout": "single-group", "fps": 25, "frames": 200, "activities": {"sport": 1}}, camera=pitch)
    walk = stats(4, scene={"layout": "single-group", "fps": 25, "frames": 200, "activities": {"walk": 1},
                           "activity_options": {"walk": {"stop": 0}}}, camera=pitch)  # fmt: skip
    assert np.percentile(sport.acceleration, 90) > 2 * np.percentile(walk.acceleration, 90)
    assert np.percentile(sport.turn, 90) > 2 * np.percentile(walk.turn, 90)
    # Players stop and hold: many steps are (nearly) still while others sprint.
    assert np.percentile(sport.speed, 90) > 4 * np.percentile(sport.speed, 20)


def test_a_following_camera_keeps_the_play_in_the_middle() -> None:
    def off_centre(follow: float) -> float:
        spec = spec_with(scene={"layout": "single-group", "fps": 25, "frames": 200, "activities": {"sport": 1},
                                "activity_options": {"sport": {"court": [40, 40]}}},
                         camera={"follow": follow, "moving": 0, "fov": [30, 30], "cam_height": [10, 10],
                                 "pitch": [15, 15]})  # fmt: skip
        gaps = []
        for i in range(3):
            s = make_sequence(spec, i)
            u = s.boxes[..., 0] + s.boxes[..., 2] / 2
            centre = np.where(s.labelled, u, np.nan)
            gaps.append(np.nanmean(np.abs(np.nanmean(centre, 0) - s.camera.start.width / 2)))
        return float(np.mean(gaps))

    assert off_centre(1.0) < 0.7 * off_centre(0.0)


@pytest.mark.parametrize(
    "data, key",
    [
        ({"name": "x", "scene": {"fps": 60}}, "scene.fps"),
        ({"name": "x", "scene": {"fps": {30: 1, 0.5: 1}}}, "scene.fps"),
        ({"name": "x", "scene": {"frames": [300, 100]}}, "scene.frames"),
        ({"name": "x", "scene": {"entry_rate": [-1, 2]}}, "scene.entry_rate"),
        ({"name": "x", "scene": {"entry_mix": {"talk": 1}}}, "scene.entry_mix.talk"),
        ({"name": "x", "scene": {"door_share": 1.5}}, "scene.door_share"),
        ({"name": "x", "scene": {"spacing": 0}}, "scene.spacing"),
        ({"name": "x", "camera": {"depth": [0.1, 50]}}, "camera.depth"),
        ({"name": "x", "camera": {"shake": [0, 50]}}, "camera.shake"),
        ({"name": "x", "camera": {"moving": 2}}, "camera.moving"),
        ({"name": "x", "render": {"label_interval": 0}}, "render.label_interval"),
        ({"name": "x", "scene": {"activity_options": {"sport": {"stop": 2}}}}, "scene.activity_options.sport.stop"),
    ],
)
def test_a_knob_outside_its_range_names_its_key(data: dict, key: str) -> None:
    with pytest.raises(UserInputError) as err:
        validate_scene_set(data)
    assert err.value.key == key


def test_tracks_start_and_end_where_people_are_visible_enough() -> None:
    spec = spec_with(render={"min_visibility": 0.5}, scene={"groups": [3, 4], "entry_rate": [1.5, 1.5]})
    plain = spec_with(scene={"groups": [3, 4], "entry_rate": [1.5, 1.5]})
    labelled = {0.5: 0, 0.0: 0}
    for i in range(4):
        s, p = make_sequence(spec, i), make_sequence(plain, i)
        labelled[0.5] += int(s.labelled.sum())
        labelled[0.0] += int(p.labelled.sum())
        for person in np.nonzero(s.labelled.any(1))[0]:
            frames = np.nonzero(s.labelled[person])[0]
            assert s.visibility[person, frames[0]] >= 0.5 and s.visibility[person, frames[-1]] >= 0.5
        # Between its first and last visible frames a person stays labelled through occlusion.
        assert (s.visibility[s.labelled] < 0.5).any()
    assert labelled[0.5] < labelled[0.0]


def test_walkers_who_stop_lower_the_median_speed() -> None:
    walkers = {"activities": {"walk": 1}, "entry_mix": {"walk": 1}}
    going = stats(scene={**walkers, "activity_options": {"walk": {"stop": 0}}})
    stopping = stats(scene={**walkers, "activity_options": {"walk": {"stop": 1, "stop_time": [5, 10]}}})
    assert np.median(stopping.speed) < 0.8 * np.median(going.speed)
