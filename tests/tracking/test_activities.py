"""Every registered activity, then what each one promises (M3Act's group behaviours)."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from synreal.errors import UserInputError
from synreal.tracking.activities import (
    ACTIVITIES, DANCE, IDLE, RUN, TALK, WALK, Activity, SimContext, Walk, WalkConfig, make_activity,
)  # fmt: skip
from synreal.tracking.scene import simulate_scene
from synreal.tracking.spec import SceneSetSpec

MOTIONS = {IDLE, WALK, RUN, DANCE, TALK}


def ctx(frames: int = 90, heading: float = 0.3) -> SimContext:
    return SimContext(n_frames=frames, fps=30.0, anchor=np.array([1.0, 12.0]), heading=heading, toward_camera=-np.pi / 2)


@pytest.mark.parametrize("name", ACTIVITIES.names())
def test_activity_contract(name: str) -> None:
    act = make_activity(name)
    rng = np.random.default_rng(1)
    n = act.size(rng)
    m = act.simulate(n, ctx(), rng)
    assert m.pos.shape == (n, 90, 2)
    for arr in (m.heading, m.motion, m.phase, m.move):
        assert arr.shape == (n, 90)
    assert np.isfinite(m.pos).all() and np.isfinite(m.heading).all() and np.isfinite(m.phase).all()
    assert set(np.unique(m.motion)) <= MOTIONS
    # Same seed, same group.
    rng2 = np.random.default_rng(1)
    act.size(rng2)
    again = act.simulate(n, ctx(), rng2)
    np.testing.assert_array_equal(again.pos, m.pos)
    with pytest.raises(ValidationError):
        make_activity(name, {"no_such_knob": 1})


@pytest.mark.parametrize(
    "name, lo, hi",
    [("walk", 1, 9), ("wait", 1, 12), ("queue", 3, 10), ("talk", 2, 6), ("dance", 1, 15), ("run", 1, 7)],
)
def test_group_sizes_follow_m3act(name: str, lo: int, hi: int) -> None:
    act = make_activity(name)
    rng = np.random.default_rng(0)
    sizes = [act.size(rng) for _ in range(300)]
    assert min(sizes) == lo and max(sizes) == hi


def test_unknown_activity_names_the_registered_ones() -> None:
    with pytest.raises(UserInputError, match="registered: dance, queue, run, sport, talk, wait, walk"):
        make_activity("danse")


def test_walkers_move_at_walking_speed() -> None:
    act = make_activity("walk", {"people": 1, "speed": [1.2, 1.2], "turn": 0, "stop": 0})
    m = act.simulate(1, ctx(), np.random.default_rng(3))
    dist = np.linalg.norm(m.pos[0, -1] - m.pos[0, 0])
    assert dist / (89 / 30) == pytest.approx(1.2, abs=0.05)
    assert (m.motion == WALK).all()


def test_a_walker_who_stops_stands_still_for_the_stop_and_still_passes_its_anchor() -> None:
    act = make_activity("walk", {"people": 1, "speed": [1.2, 1.2], "turn": 0, "stop": 1, "stop_time": [1, 1]})
    c = ctx()
    c = type(c)(c.n_frames, c.fps, c.anchor, c.heading, c.toward_camera, 1.0, 1.5)
    m = act.simulate(1, c, np.random.default_rng(3))
    still = m.motion[0] == IDLE
    # One second at 30 FPS, if the stop falls inside the clip (it is drawn within 5 s of the pass).
    assert still.sum() in (0, 30) or 0 < still.sum() < 30 and (still[0] or still[-1])
    step = np.linalg.norm(np.diff(m.pos[0], axis=0), axis=1)
    assert np.all(step[still[1:] & still[:-1]] < 1e-9)
    assert np.linalg.norm(m.pos[0, round(1.5 * 30)] - c.anchor) < 0.2
    # Overall it covers the clip minus the stop at walking pace.
    assert step.sum() == pytest.approx(1.2 * ((89 - max(int(still.sum()) - 1, 0)) / 30), abs=0.1)


def test_runners_keep_apart_and_outpace_walkers() -> None:
    act = make_activity("run", {"people": 7, "personal_space": 0.7})
    closest = []
    for seed in range(4):
        m = act.simulate(7, ctx(), np.random.default_rng(seed))
        d = np.linalg.norm(m.pos[:, None] - m.pos[None], axis=-1)
        d[np.arange(7), np.arange(7)] = np.inf
        closest.append(d.min())
        speed = np.linalg.norm(np.diff(m.pos, axis=1), axis=-1).mean() * 30
        assert speed > 2.0
    assert min(closest) > 0.45


def test_queue_is_evenly_spaced_and_its_head_leaves() -> None:
    act = make_activity("queue", {"people": 5, "spacing": [0.8, 0.8], "curved": 0, "advance_every": [1.0, 1.0]})
    m = act.simulate(5, ctx(), np.random.default_rng(0))
    gaps = np.linalg.norm(np.diff(m.pos[:, 0], axis=0), axis=-1)
    np.testing.assert_allclose(gaps, 0.8, atol=0.3)  # 6 cm jitter per person
    # The head walks away: by the end it is far from where it queued.
    assert np.linalg.norm(m.pos[0, -1] - m.pos[0, 0]) > 1.0
    assert (m.motion[0] == WALK).any() and (m.motion[-1] == IDLE).any()


def test_talkers_stand_in_a_circle_facing_its_centre() -> None:
    m = make_activity("talk").simulate(5, ctx(), np.random.default_rng(2))
    centre = m.pos[:, 0].mean(0)
    to_centre = np.arctan2(centre[1] - m.pos[:, 0, 1], centre[0] - m.pos[:, 0, 0])
    off = np.angle(np.exp(1j * (m.heading[:, 0] - to_centre)))
    assert np.abs(off).max() < 0.7
    r = np.linalg.norm(m.pos[:, 0] - centre, axis=-1)
    assert r.std() < 0.2 * r.mean()


def test_dancers_move_in_sync_and_change_formation() -> None:
    act = make_activity("dance", {"sync": 1.0, "formation_every": [1.0, 1.0], "transition": 0.5})
    m = act.simulate(6, ctx(), np.random.default_rng(0))
    assert (m.move == m.move[0]).all()
    np.testing.assert_allclose(m.phase, np.broadcast_to(m.phase[0], m.phase.shape))
    assert np.linalg.norm(m.pos[:, -1] - m.pos[:, 0], axis=-1).max() > 0.3
    still = make_activity("dance", {"formation_every": [100.0, 100.0]}).simulate(6, ctx(), np.random.default_rng(0))
    np.testing.assert_allclose(still.pos, np.broadcast_to(still.pos[:, :1], still.pos.shape))


def test_wait_rows_hold_at_most_two_rows_of_six() -> None:
    act = make_activity("wait")
    rng = np.random.default_rng(5)
    for _ in range(20):
        n = act.size(rng)
        assert n <= 12
        m = act.simulate(n, ctx(), rng)
        assert (m.motion == IDLE).all()
        assert np.linalg.norm(m.pos[:, -1] - m.pos[:, 0], axis=-1).max() < 0.5


def test_a_user_activity_can_be_registered_and_used() -> None:
    class StrollConfig(WalkConfig):
        speed: tuple[float, float] = (0.5, 0.5)

    @ACTIVITIES.register("stroll-test")
    class Stroll(Walk):
        """Walk slowly."""

        Config = StrollConfig

    try:
        spec = SceneSetSpec.model_validate(
            {"name": "s", "scene": {"layout": "single-group", "activities": {"stroll-test": 1}, "frames": 10}}
        )
        scene = simulate_scene(spec, 0)
        assert [g.activity for g in scene.groups] == ["stroll-test"]
        assert issubclass(ACTIVITIES.get("stroll-test"), Activity)
    finally:
        # The registry is process-wide; leave it as the other tests expect it.
        ACTIVITIES._items.pop("stroll-test", None)
        ACTIVITIES._docs.pop("stroll-test", None)
