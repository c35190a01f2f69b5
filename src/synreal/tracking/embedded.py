"""The small real default: TUD-Campus and TUD-Stadtmitte (MOT15) from the motmetrics wheel.

The motmetrics package ships the ground truth of these two real pedestrian sequences and
one tracker's output on them as package data. They are read from the installed package
(motmetrics itself is not imported: only its files are used), so a user without MOT17 or
DanceTrack on disk still has real tracking data to look at and evaluate against.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from synreal.tracking.motchallenge import (
    MotSequence,
    MotTable,
    SeqInfo,
    read_mot_file,
    write_sequence,
)

#: seqinfo of the embedded sequences (from MOT15: 640x480 at 25 fps).
TUD_INFO = {
    "TUD-Campus": SeqInfo("TUD-Campus", seq_length=71, frame_rate=25.0, im_width=640, im_height=480),
    "TUD-Stadtmitte": SeqInfo("TUD-Stadtmitte", seq_length=179, frame_rate=25.0, im_width=640, im_height=480),
}
#: Name under which the tracker output shipped with the sequences is filed.
TUD_TRACKER = "motmetrics-sample"


def tud_data_dir() -> Path:
    """The ``motmetrics/data`` folder of the installed wheel.

    Raises:
        ModuleNotFoundError: motmetrics is not installed (it is a dependency of synreal).
    """
    spec = importlib.util.find_spec("motmetrics")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the embedded TUD sequences come with the motmetrics package: pip install motmetrics")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def tud_sequences() -> dict[str, MotSequence]:
    """The two TUD sequences with their real ground truth (MOT15 format, no images).

    Returns:
        Name -> sequence (``gt`` filled, ``det`` None).

    Example:
        >>> seqs = tud_sequences()
        >>> sorted(seqs), seqs["TUD-Campus"].info.seq_length
        (['TUD-Campus', 'TUD-Stadtmitte'], 71)
    """
    root = tud_data_dir()
    return {
        name: MotSequence(info=info, gt=read_mot_file(root / name / "gt.txt", "gt", n_frames=info.seq_length))
        for name, info in TUD_INFO.items()
    }


def tud_tracker_results() -> dict[str, MotTable]:
    """The tracker output that motmetrics ships beside the TUD ground truth.

    Example:
        >>> len(tud_tracker_results()["TUD-Campus"]) > 0
        True
    """
    root = tud_data_dir()
    return {name: read_mot_file(root / name / "test.txt", "tracker", n_frames=info.seq_length) for name, info in TUD_INFO.items()}


def write_tud(out_dir: str | Path) -> tuple[Path, Path]:
    """Write the TUD sample in the MOTChallenge layout.

    Layout: ``OUT/gt/TUD-Campus/{seqinfo.ini, gt/gt.txt}`` and
    ``OUT/trackers/motmetrics-sample/data/TUD-Campus.txt`` (likewise for Stadtmitte), ready
    for ``synreal mot eval OUT/gt OUT/trackers`` and ``synreal mot show``.

    Args:
        out_dir: the folder to write into.

    Returns:
        (ground-truth root, tracker root).

    Example:
        >>> gt_root, tr_root = write_tud("/tmp/tud")  # doctest: +SKIP
    """
    out = Path(out_dir)
    root = tud_data_dir()
    for name, info in TUD_INFO.items():
        write_sequence(out / "gt" / name, info)
        # Copied verbatim: the files are the real annotations, not our re-encoding of them.
        (out / "gt" / name / "gt").mkdir(parents=True, exist_ok=True)
        (out / "gt" / name / "gt" / "gt.txt").write_bytes((root / name / "gt.txt").read_bytes())
        (out / "trackers" / TUD_TRACKER / "data").mkdir(parents=True, exist_ok=True)
        (out / "trackers" / TUD_TRACKER / "data" / f"{name}.txt").write_bytes((root / name / "test.txt").read_bytes())
    return out / "gt", out / "trackers"
