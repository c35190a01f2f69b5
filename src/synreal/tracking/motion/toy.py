"""Simple synthetic trajectories: people as boxes moving at constant velocity or along turning
random walks, in the MOTChallenge in-memory types.

They are the simplest synthetic source a motion model can be pre-trained on (no scene, no
camera): a floor for what the crowd generator's richer motion should add.
"""

from __future__ import annotations

import numpy as np

from synreal.tracking.motchallenge import MotSequence, MotTable, SeqInfo


def toy_sequences(
    n: int,
    *,
    frames: int = 150,
    people: int = 8,
    fps: float = 25.0,
    turn: float = 0.0,
    seed: int = 0,
    width: int = 1280,
    height: int = 720,
) -> list[MotSequence]:
    """Sequences of boxes moving with constant velocity (``turn=0``) or turning random walks.

    Each person gets a box height of 60..200 px (aspect 0.35..0.5), a speed of 0..0.04
    box heights per frame at 25 fps and a heading; with ``turn > 0`` the heading follows a
    random walk of ``turn`` radians per frame (std) and the speed drifts. Boxes outside the
    image are dropped, so people enter and leave.

    Args:
        n: number of sequences.
        frames: frames per sequence.
        people: people per sequence.
        fps: frame rate written to the sequences (speeds are per second, so they scale).
        turn: heading change per frame (std, radians); 0 = straight lines.
        seed: the set's seed.
        width: image width.
        height: image height.

    Returns:
        Sequences with ground truth only.

    Example:
        >>> seqs = toy_sequences(2, frames=10, people=3, seed=0)
        >>> len(seqs), seqs[0].info.seq_length, int(seqs[0].gt.id.max()) <= 3
        (2, 10, True)
    """
    out = []
    for s in range(n):
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), s]))
        h = rng.uniform(60, 200, people)
        w = h * rng.uniform(0.35, 0.5, people)
        x = rng.uniform(0.1, 0.9, people) * width
        y = rng.uniform(0.2, 0.8, people) * height
        speed = rng.uniform(0, 0.04, people) * h * 25.0 / fps
        heading = rng.uniform(0, 2 * np.pi, people)
        grow = rng.normal(0, 0.002, people) * 25.0 / fps
        rows = []
        for t in range(1, frames + 1):
            inside = (x - w / 2 > 0) & (x + w / 2 < width) & (y - h / 2 > 0) & (y + h / 2 < height)
            for p in np.flatnonzero(inside):
                rows.append([t, p + 1, x[p] - w[p] / 2, y[p] - h[p] / 2, w[p], h[p], 1, 1, 1.0])
            if turn > 0:
                heading = heading + rng.normal(0, turn, people)
                speed = np.abs(speed * np.exp(rng.normal(0, 0.05, people)))
            x = x + speed * np.cos(heading)
            y = y + speed * np.sin(heading) * 0.5  # foreshortened ground plane
            h, w = h * np.exp(grow), w * np.exp(grow)
        gt = MotTable.from_rows(rows) if rows else MotTable.empty()
        out.append(MotSequence(SeqInfo(f"toy-{seed}-{s:04d}", frames, fps, width, height), gt=gt))
    return out
