"""Regenerate the realism figures and tables of docs/tracking.md.

Usage: python docs/make_realism_figures.py [--sequences 20]

Draws the motion statistics of every example scene set (examples/tracking/*.yaml, 20
trajectories-only sequences each, seed 0) against the MOT17 and SportsMOT training ground
truth in ../shared/data, writes docs/img/tracking/realism_mot17.png and
realism_sportsmot.png, and prints the two Markdown tables that the page shows.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "img" / "tracking"
EXAMPLES = REPO / "examples" / "tracking"
SHARED = Path(os.environ.get("SYNREAL_SHARED_DATA", REPO.parent / "shared" / "data"))
ORDER = ("multi-group", "single-group", "walk-run", "dance-only", "sport")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sequences", type=int, default=20)
    args = ap.parse_args()

    from synreal.tracking.generate import scene_set_sequences
    from synreal.tracking.motchallenge import find_sequences, read_sequence
    from synreal.tracking.spec import load_scene_set
    from synreal.tracking.stats import markdown_table, sequence_stats, stats_table
    from synreal.tracking.stats_figure import stats_figure

    synth = {}
    for name in ORDER:
        spec = load_scene_set(EXAMPLES / f"{name}.yaml")
        synth[name] = sequence_stats(scene_set_sequences(spec, args.sequences, seed=0))
    OUT.mkdir(parents=True, exist_ok=True)
    for label, folder, png in (("MOT17", "mot17-train", "realism_mot17.png"), ("SportsMOT", "sportsmot-train", "realism_sportsmot.png")):
        real = sequence_stats([read_sequence(d) for d in find_sequences(SHARED / folder)])
        sets = {label: real, **synth}
        path = OUT / png
        stats_figure(sets, out=path, dpi=80)
        print(f"wrote {path.relative_to(REPO)} ({path.stat().st_size // 1024} KB)\n")
        print(markdown_table(stats_table(sets)))
        print()


if __name__ == "__main__":
    main()
