"""Tracking data: the group-activity crowd generator, MOTChallenge I/O and TrackEval-exact metrics.

The function API, by module:

- ``spec``: ``SceneSetSpec`` and ``load_scene_set`` (YAML) describe a set of sequences;
- ``activities``: the ``ACTIVITIES`` registry (walk, wait, queue, talk, dance, run, sport);
- ``scene``: ``simulate_scene`` draws camera, groups, trajectories, poses and boxes;
- ``render``: ``render_scene`` draws frames and measures visibility on pixels;
- ``generate``: ``generate_scene_set`` writes a set in the MOTChallenge layout,
  ``scene_set_sequences`` returns trajectories in memory;
- ``stats``: ``sequence_stats``, ``realism_distance``, ``stats_table`` (motion statistics of
  real or generated sequences); ``stats_figure``: ``stats_figure`` draws them;
- ``fit``: ``fit_generator`` searches the generator's knobs to match real annotations;
- ``motchallenge``: ``read_sequence``, ``read_mot_file``, ``write_sequence``, ``MotTable``;
- ``detections``: ``simulate_detections`` for ``det/det.txt``;
- ``metrics``: ``evaluate``, ``evaluate_sequences``, ``evaluate_folders`` (TrackEval's numbers);
- ``show``: ``show_sequence`` writes an MP4/GIF and a contact sheet;
- ``embedded``: ``tud_sequences`` (real TUD-Campus and TUD-Stadtmitte ground truth).

Names are re-exported here on first use, so ``import synreal.tracking`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ACTIVITIES": "activities",
    "Activity": "activities",
    "make_activity": "activities",
    "Camera": "camera",
    "CameraPath": "camera",
    "SceneSetSpec": "spec",
    "load_scene_set": "spec",
    "validate_scene_set": "spec",
    "Scene": "scene",
    "simulate_scene": "scene",
    "render_scene": "render",
    "SceneRenderer": "render",
    "generate_scene_set": "generate",
    "make_sequence": "generate",
    "write_scene": "generate",
    "scene_set_sequences": "generate",
    "RealismStats": "stats",
    "Distances": "stats",
    "STATISTICS": "stats",
    "sequence_stats": "stats",
    "realism_distance": "stats",
    "stats_table": "stats",
    "load_sequences": "stats",
    "stats_figure": "stats_figure",
    "fit_generator": "fit",
    "FitResult": "fit",
    "KNOBS": "fit",
    "MotTable": "motchallenge",
    "MotSequence": "motchallenge",
    "SeqInfo": "motchallenge",
    "read_mot_file": "motchallenge",
    "read_sequence": "motchallenge",
    "read_seqinfo": "motchallenge",
    "find_sequences": "motchallenge",
    "write_mot_file": "motchallenge",
    "write_sequence": "motchallenge",
    "simulate_detections": "detections",
    "evaluate": "metrics",
    "evaluate_sequences": "metrics",
    "evaluate_folders": "metrics",
    "TrackingResult": "metrics",
    "METRICS": "metrics",
    "show_sequence": "show",
    "tud_sequences": "embedded",
    "tud_tracker_results": "embedded",
    "write_tud": "embedded",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"synreal.tracking.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'synreal.tracking' has no attribute {name!r}")
