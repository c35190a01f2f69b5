"""Motion statistics of ground-truth tracks, and how far two sets of sequences are apart.

The cheap check before training a tracker on synthetic sequences: do people move, enter,
leave, crowd and get hidden as in the real footage? ``sequence_stats`` measures any list of
``MotSequence`` (read from MOTChallenge folders, or generated in memory), real or
synthetic, into a ``RealismStats``; ``realism_distance`` compares two of them statistic by
statistic and overall; ``stats_table`` lays several side by side (the figure is in
``synreal.tracking.stats_figure``).

Every motion quantity is normalised by the person's box height, so that people near and
far, and images of any size, are comparable. Counts are summed over sequences and rates
recomputed from the sums (never averaged per sequence), as TrackEval combines sequences.

Rows used: ground truth with a non-zero consider flag and, where the file has classes,
class 1 (pedestrian), as TrackEval's MOTChallenge evaluation keeps them. A visibility
column that is missing, or 1 in every row (SportsMOT writes 1 as a placeholder), counts
as absent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from synreal.errors import UserInputError
from synreal.tracking.boxes import iou, same_frame_pairs
from synreal.tracking.motchallenge import MotSequence, MotTable

#: Two boxes of one frame "overlap" above this IoU (the occlusion share of the table).
OVERLAP_IOU = 0.3
#: A step of one person between consecutive frames is a "jump" below this IoU (a tracker
#: that matches on IoU 0.5 loses the person there).
LOW_IOU = 0.5
#: Turn angles are measured only where the person moves at least this fast (box heights
#: per second) on both sides of the frame; slower, the direction is annotation noise.
TURN_MIN_SPEED = 0.2


@dataclass(frozen=True)
class Statistic:
    """One motion statistic: what it measures and how it is compared.

    Attributes:
        name: key (``RealismStats`` field for distributions, property for rates).
        label: short human label.
        kind: ``distribution`` (compared by the Kolmogorov-Smirnov distance of the
            samples) or ``rate`` (compared by the relative difference).
        unit: unit of the values.
        description: what one value is.
        log: draw on a log axis.
        floor: rates only: differences are relative to ``max(a, b, floor)``, so that two
            tiny rates are not called far apart.
    """

    name: str
    label: str
    kind: Literal["distribution", "rate"]
    unit: str
    description: str
    log: bool = False
    floor: float = 0.0


#: The statistics, in the order tables and figures show them.
STATISTICS: tuple[Statistic, ...] = (
    Statistic("people_per_frame", "people per frame", "distribution", "people", "labelled people in one frame"),
    Statistic("track_length", "track length", "distribution", "frames", "frames labelled per track id", log=True),
    Statistic("births", "new tracks per 100 frames", "rate", "per 100 frames", "ids whose first frame is not the first", floor=0.5),
    Statistic("deaths", "ended tracks per 100 frames", "rate", "per 100 frames", "ids whose last frame is not the last", floor=0.5),
    Statistic("height", "box height / image height", "distribution", "share", "one box's height over the image height", log=True),
    Statistic("aspect", "width / height", "distribution", "ratio", "one box's width over its height"),
    Statistic("speed", "speed", "distribution", "heights/s", "centre displacement per second over box height", log=True),
    Statistic("acceleration", "acceleration", "distribution", "heights/s^2", "second difference of the centre per s^2 over box height", log=True),
    Statistic("turn", "turn angle", "distribution", "degrees", f"change of direction per frame, where moving >= {TURN_MIN_SPEED} heights/s"),
    Statistic("cv_error_1", "constant-velocity error, 1 frame", "distribution", "heights", "centre error of a constant-velocity prediction 1 frame ahead", log=True),
    Statistic("cv_error_5", "constant-velocity error, 5 frames", "distribution", "heights", "centre error of a constant-velocity prediction 5 frames ahead", log=True),
    Statistic("iou_step", "IoU between consecutive frames", "distribution", "IoU", "IoU of one id's boxes in consecutive frames"),
    Statistic("low_iou", f"share of steps with IoU < {LOW_IOU}", "rate", "share", "consecutive-frame steps of one id below the IoU", floor=0.01),
    Statistic("overlap", f"share of boxes overlapping another (IoU > {OVERLAP_IOU})", "rate", "share", "boxes whose best IoU with another box of the frame exceeds it", floor=0.02),
    Statistic("visibility", "visibility", "distribution", "share", "visible share of a box (where annotated)"),
)
STATISTIC_NAMES = tuple(s.name for s in STATISTICS)


def statistic(name: str) -> Statistic:
    """The declaration of a statistic by name.

    Example:
        >>> statistic("births").kind
        'rate'
    """
    for s in STATISTICS:
        if s.name == name:
            return s
    raise UserInputError(f"unknown statistic {name!r}; expected one of {', '.join(STATISTIC_NAMES)}")


def _f64(a: Iterable[float] | np.ndarray | None = None) -> np.ndarray:
    """A float64 array (empty for None)."""
    return np.zeros(0) if a is None else np.asarray(a, dtype=np.float64)


@dataclass(frozen=True)
class RealismStats:
    """Motion statistics of a set of sequences: samples of each distribution and the counts
    behind each rate.

    Attributes:
        n_sequences, n_frames, n_boxes, n_tracks: sizes.
        births, deaths: tracks starting after the first frame / ending before the last.
        steps: consecutive-frame steps of one id; low_iou_steps: those below ``LOW_IOU``.
        overlapping: boxes whose best IoU with another box of its frame exceeds ``OVERLAP_IOU``.
        people_per_frame, track_length, height, aspect, speed, acceleration, turn,
        cv_error_1, cv_error_5, iou_step, visibility: samples (see ``STATISTICS``).
        frame_rates: frames per second of each sequence.

    Example:
        >>> s = RealismStats.empty()
        >>> s.n_boxes, s.births_per_100
        (0, nan)
    """

    n_sequences: int = 0
    n_frames: int = 0
    n_boxes: int = 0
    n_tracks: int = 0
    births: int = 0
    deaths: int = 0
    steps: int = 0
    low_iou_steps: int = 0
    overlapping: int = 0
    people_per_frame: np.ndarray = field(default_factory=_f64)
    track_length: np.ndarray = field(default_factory=_f64)
    height: np.ndarray = field(default_factory=_f64)
    aspect: np.ndarray = field(default_factory=_f64)
    speed: np.ndarray = field(default_factory=_f64)
    acceleration: np.ndarray = field(default_factory=_f64)
    turn: np.ndarray = field(default_factory=_f64)
    cv_error_1: np.ndarray = field(default_factory=_f64)
    cv_error_5: np.ndarray = field(default_factory=_f64)
    iou_step: np.ndarray = field(default_factory=_f64)
    visibility: np.ndarray = field(default_factory=_f64)
    frame_rates: np.ndarray = field(default_factory=_f64)

    @classmethod
    def empty(cls) -> "RealismStats":
        """Statistics of no sequence."""
        return cls()

    @staticmethod
    def _ratio(num: float, den: float, scale: float = 1.0) -> float:
        """num / den * scale, NaN without a denominator."""
        return scale * num / den if den > 0 else float("nan")

    @property
    def births_per_100(self) -> float:
        """New tracks per 100 frames."""
        return self._ratio(self.births, self.n_frames, 100.0)

    @property
    def deaths_per_100(self) -> float:
        """Tracks ending before the last frame, per 100 frames."""
        return self._ratio(self.deaths, self.n_frames, 100.0)

    @property
    def low_iou_share(self) -> float:
        """Share of consecutive-frame steps with IoU below ``LOW_IOU``."""
        return self._ratio(self.low_iou_steps, self.steps)

    @property
    def overlap_share(self) -> float:
        """Share of boxes overlapping another box of their frame above ``OVERLAP_IOU``."""
        return self._ratio(self.overlapping, self.n_boxes)

    def rate(self, name: str) -> float:
        """The value of a rate statistic (births, deaths, low_iou, overlap)."""
        return {"births": self.births_per_100, "deaths": self.deaths_per_100, "low_iou": self.low_iou_share,
                "overlap": self.overlap_share}[name]  # fmt: skip

    def samples(self, name: str) -> np.ndarray:
        """The samples of a distribution statistic."""
        if statistic(name).kind != "distribution":
            raise ValueError(f"{name} is a rate, not a distribution")
        return getattr(self, name)

    def has(self, name: str) -> bool:
        """True when the statistic can be computed (visibility needs annotations)."""
        if statistic(name).kind == "rate":
            return bool(np.isfinite(self.rate(name)))
        return len(self.samples(name)) > 0

    def summary(self, name: str, how: str = "median") -> float:
        """One number for a statistic: the rate, or a summary of the samples.

        Args:
            name: a statistic name.
            how: ``median``, ``mean``, or ``pNN`` (a percentile) for distributions.

        Returns:
            The value (NaN when there are no samples).
        """
        if statistic(name).kind == "rate":
            return self.rate(name)
        x = self.samples(name)
        if not len(x):
            return float("nan")
        if how == "mean":
            return float(x.mean())
        if how == "median":
            return float(np.median(x))
        if how.startswith("p"):
            return float(np.percentile(x, float(how[1:])))
        raise ValueError(f"unknown summary {how!r}")

    @classmethod
    def combine(cls, parts: Sequence["RealismStats"]) -> "RealismStats":
        """Statistics of the union of several sets: counts summed, samples pooled."""
        if not parts:
            return cls.empty()
        ints = ("n_sequences", "n_frames", "n_boxes", "n_tracks", "births", "deaths", "steps", "low_iou_steps", "overlapping")
        arrays = STATISTIC_NAMES + ("frame_rates",)
        kw: dict = {k: sum(getattr(p, k) for p in parts) for k in ints}
        for k in arrays:
            if k in ("births", "deaths", "low_iou", "overlap"):
                continue
            kw[k] = np.concatenate([getattr(p, k) for p in parts])
        return cls(**kw)


def _pedestrians(gt: MotTable) -> MotTable:
    """Rows TrackEval's MOTChallenge evaluation keeps as ground truth: consider != 0 and,
    where classes exist, pedestrians."""
    keep = gt.conf != 0
    if (gt.cls >= 0).any():
        keep &= gt.cls == 1
    return gt.select(keep)


def _one_sequence(seq: MotSequence) -> RealismStats:
    """Statistics of one sequence's ground truth."""
    if seq.gt is None:
        where = seq.path / "gt" / "gt.txt" if seq.path is not None else seq.name
        raise UserInputError("no ground truth: statistics need gt/gt.txt", file=where)
    gt = _pedestrians(seq.gt)
    T = int(seq.info.seq_length)
    fps = float(seq.info.frame_rate)
    H = float(seq.info.im_height)
    order = np.lexsort((gt.frame, gt.id))
    frame, ids, box = gt.frame[order], gt.id[order], gt.box[order]
    n = len(frame)
    ppf = np.bincount(np.clip(frame - 1, 0, T - 1), minlength=T)[:T].astype(float) if T > 0 else _f64()
    base = RealismStats(n_sequences=1, n_frames=T, n_boxes=n, people_per_frame=ppf, frame_rates=_f64([fps]))
    if n == 0:
        return base
    h = np.maximum(box[:, 3], 1e-9)
    centre = box[:, :2] + box[:, 2:] / 2
    new_track = np.r_[True, ids[1:] != ids[:-1]]
    starts = np.nonzero(new_track)[0]
    ends = np.r_[starts[1:], n] - 1
    # next_ok[i]: row i+1 is the same id one frame later.
    next_ok = np.r_[(ids[1:] == ids[:-1]) & (frame[1:] == frame[:-1] + 1), False]
    i = np.nonzero(next_ok)[0]
    step_iou = iou(box[i], box[i + 1])
    disp = centre[i + 1] - centre[i]
    speed = np.hypot(disp[:, 0], disp[:, 1]) * fps / h[i]
    # Triples t-1, t, t+1 of one id: acceleration and turning.
    mid = np.nonzero(np.r_[False, next_ok[:-1]] & next_ok)[0]
    d1, d2 = centre[mid] - centre[mid - 1], centre[mid + 1] - centre[mid]
    acc = np.hypot(*(d2 - d1).T) * fps**2 / h[mid]
    n1, n2 = np.hypot(*d1.T), np.hypot(*d2.T)
    moving = (n1 * fps / h[mid] >= TURN_MIN_SPEED) & (n2 * fps / h[mid] >= TURN_MIN_SPEED)
    cosang = (d1 * d2).sum(1)[moving] / (n1[moving] * n2[moving])
    turn = np.degrees(np.arccos(np.clip(cosang, -1.0, 1.0)))
    # Constant velocity from (t-1, t), predicted k frames ahead; needs t+1 .. t+k too.
    # run[r]: consecutive one-frame steps of the same id starting at row r.
    brk = np.nonzero(~next_ok)[0]  # always holds n - 1
    run = brk[np.searchsorted(brk, np.arange(n))] - np.arange(n)
    prev_ok = np.r_[False, next_ok[:-1]]
    cv = {}
    for k in (1, 5):
        t0 = np.nonzero(prev_ok & (run >= k))[0]
        pred = centre[t0] + k * (centre[t0] - centre[t0 - 1])
        cv[k] = np.hypot(*(centre[t0 + k] - pred).T) / h[t0]
    # Overlap: each box's best IoU with another box of its frame.
    a, b = same_frame_pairs(frame, box)
    best = np.zeros(n)
    if len(a):
        v = iou(box[a], box[b])
        np.maximum.at(best, a, v)
        np.maximum.at(best, b, v)
    vis = gt.vis[order]
    has_vis = bool((vis >= 0).all() and (vis < 1).any())
    return RealismStats(
        n_sequences=1,
        n_frames=T,
        n_boxes=n,
        n_tracks=len(starts),
        births=int((frame[starts] > 1).sum()),
        deaths=int((frame[ends] < T).sum()),
        steps=len(i),
        low_iou_steps=int((step_iou < LOW_IOU).sum()),
        overlapping=int((best > OVERLAP_IOU).sum()),
        people_per_frame=ppf,
        track_length=(ends - starts + 1).astype(float),
        height=box[:, 3] / H,
        aspect=box[:, 2] / h,
        speed=speed,
        acceleration=acc,
        turn=turn,
        cv_error_1=cv[1],
        cv_error_5=cv[5],
        iou_step=step_iou,
        visibility=np.clip(vis, 0, 1) if has_vis else _f64(),
        frame_rates=_f64([fps]),
    )


def sequence_stats(sequences: Iterable[MotSequence]) -> RealismStats:
    """Motion statistics of the ground truth of a list of sequences.

    Args:
        sequences: real or generated sequences with ground truth (``read_sequence``,
            ``scene_set_sequences``).

    Returns:
        Counts summed and samples pooled over the sequences.

    Raises:
        UserInputError: a sequence without ground truth (naming its file).

    Example:
        >>> from synreal.tracking.motchallenge import SeqInfo
        >>> gt = MotTable.from_rows([[1, 1, 0, 0, 10, 20, 1, 1, 1], [2, 1, 2, 0, 10, 20, 1, 1, 1],
        ...                          [2, 2, 50, 0, 10, 20, 1, 1, 1]])
        >>> s = sequence_stats([MotSequence(SeqInfo("toy", 2, 10.0, 100, 100), gt=gt)])
        >>> s.track_length.tolist(), s.births_per_100, s.speed.tolist()  # 2 px in 0.1 s over 20 px
        ([2.0, 1.0], 50.0, [1.0])
    """
    return RealismStats.combine([_one_sequence(s) for s in sequences])


def load_sequences(path: str | Path, *, n: int | None = None, seed: int | None = None) -> tuple[str, list[MotSequence]]:
    """Sequences to measure: a MOTChallenge folder (one sequence or a folder of them), or a
    scene-set YAML whose trajectories are generated in memory.

    Args:
        path: the folder or ``.yaml``/``.yml`` file.
        n: sequences to generate from a YAML (default: its ``sequences``).
        seed: the set's seed for a YAML (default: its ``seed``).

    Returns:
        (label, sequences): the folder name or the spec's name, and the sequences.

    Raises:
        UserInputError: a missing path, a folder without MOTChallenge sequences, a
            malformed file or spec.

    Example:
        >>> load_sequences("../shared/data/mot17-train")[0]  # doctest: +SKIP
        'mot17-train'
    """
    p = Path(path)
    if p.suffix.lower() in (".yaml", ".yml"):
        from synreal.tracking.generate import scene_set_sequences
        from synreal.tracking.spec import load_scene_set

        spec = load_scene_set(p)
        return spec.name, scene_set_sequences(spec, n, seed=seed)
    from synreal.tracking.motchallenge import find_sequences, read_sequence

    return p.resolve().name, [read_sequence(d) for d in find_sequences(p)]


def ks_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov distance: the largest gap between the two ECDFs.

    Args:
        a, b: samples.

    Returns:
        A value in [0, 1] (0: same distribution); NaN when a sample is empty.

    Example:
        >>> ks_distance(np.array([1.0, 2, 3, 4]), np.array([3.0, 4, 5, 6]))
        0.5
    """
    if not len(a) or not len(b):
        return float("nan")
    a, b = np.sort(a), np.sort(b)
    x = np.concatenate([a, b])
    fa = np.searchsorted(a, x, "right") / len(a)
    fb = np.searchsorted(b, x, "right") / len(b)
    return float(np.abs(fa - fb).max())


def rate_distance(a: float, b: float, floor: float = 0.0) -> float:
    """Relative difference of two rates, ``|a - b| / max(a, b, floor)``, in [0, 1].

    Example:
        >>> rate_distance(2.0, 3.0), rate_distance(0.0, 0.004, floor=0.01)
        (0.3333333333333333, 0.4)
    """
    if not (np.isfinite(a) and np.isfinite(b)):
        return float("nan")
    den = max(abs(a), abs(b), floor)
    return abs(a - b) / den if den > 0 else 0.0


@dataclass(frozen=True)
class Distances:
    """How far one set of sequences is from another.

    Attributes:
        per_statistic: statistic name -> distance in [0, 1] (NaN where a side lacks it).
        overall: mean of the finite per-statistic distances (0: indistinguishable on
            these statistics; 1: as far apart as they can be).
    """

    per_statistic: Mapping[str, float]
    overall: float

    def as_dict(self) -> dict[str, float]:
        """Plain floats, overall last (for JSON)."""
        return {**{k: float(v) for k, v in self.per_statistic.items()}, "overall": float(self.overall)}


def realism_distance(a: RealismStats, b: RealismStats, *, statistics: Sequence[str] | None = None) -> Distances:
    """Distance of two sets on each statistic and overall.

    Distributions are compared by the Kolmogorov-Smirnov distance of their samples (scale
    free, in [0, 1]); rates by ``|a - b| / max(a, b, floor)``. The overall distance is the
    plain mean over the statistics both sides have (visibility only where both annotate it).

    Args:
        a: one set (e.g. the real sequences).
        b: the other (e.g. generated ones).
        statistics: names to use (default: all of ``STATISTICS``).

    Returns:
        The distances.

    Example:
        >>> from synreal.tracking.motchallenge import SeqInfo
        >>> gt = MotTable.from_rows([[f, 1, f, 0, 10, 20, 1, 1, 1] for f in range(1, 9)])
        >>> s = sequence_stats([MotSequence(SeqInfo("toy", 8, 10.0, 100, 100), gt=gt)])
        >>> realism_distance(s, s).overall
        0.0
    """
    names = list(statistics) if statistics is not None else list(STATISTIC_NAMES)
    per: dict[str, float] = {}
    for name in names:
        st = statistic(name)
        if st.kind == "rate":
            per[name] = rate_distance(a.rate(name), b.rate(name), st.floor)
        else:
            per[name] = ks_distance(a.samples(name), b.samples(name))
    finite = [v for v in per.values() if np.isfinite(v)]
    return Distances(per, float(np.mean(finite)) if finite else float("nan"))


#: Rows of the comparison table: (statistic, summary). The first seven are the headline
#: figures that a synthetic set should reproduce (``meets_target``).
TABLE_ROWS: tuple[tuple[str, str], ...] = (
    ("track_length", "median"),
    ("births", "rate"),
    ("height", "p10"),
    ("low_iou", "rate"),
    ("overlap", "rate"),
    ("speed", "median"),
    ("aspect", "median"),
    ("people_per_frame", "mean"),
    ("track_length", "mean"),
    ("deaths", "rate"),
    ("height", "median"),
    ("speed", "p90"),
    ("acceleration", "median"),
    ("turn", "median"),
    ("cv_error_1", "median"),
    ("cv_error_5", "median"),
    ("iou_step", "median"),
    ("visibility", "mean"),
)
HEADLINE_ROWS = TABLE_ROWS[:7]


def row_label(name: str, how: str) -> str:
    """'speed (heights/s), median' for a table row."""
    st = statistic(name)
    unit = "" if st.unit in ("share", "ratio", "IoU", "people") or st.kind == "rate" else f" ({st.unit})"
    return st.label + unit + ("" if how == "rate" else f", {how}")


def meets_target(real: float, synthetic: float, *, rel: float = 0.25, share_abs: float = 0.01, share: bool = False) -> bool:
    """True when a synthetic figure is within ``rel`` of the real one, or (for shares
    under 0.1) within ``share_abs`` absolute.

    Example:
        >>> meets_target(0.24, 0.28), meets_target(0.018, 0.027, share=True), meets_target(7.8, 5.0)
        (True, True, False)
    """
    if not (np.isfinite(real) and np.isfinite(synthetic)):
        return False
    if share and real < 0.1 and abs(synthetic - real) <= share_abs + 1e-12:
        return True
    return abs(synthetic - real) <= rel * abs(real) + 1e-12


def is_share(name: str) -> bool:
    """True for statistics that are shares (their targets are absolute under 0.1)."""
    return statistic(name).unit == "share"


def stats_table(sets: Mapping[str, RealismStats], *, reference: str | None = None):  # type: ignore[no-untyped-def]
    """The statistics of several sets side by side, with distances to a reference set.

    Args:
        sets: label -> statistics (e.g. ``{"MOT17": real, "multi-group": synthetic}``).
        reference: label of the set the others are compared with (default: the first).

    Returns:
        A pandas DataFrame: one row per (statistic, summary) of ``TABLE_ROWS`` plus
        "distance (KS or relative)" rows per statistic and "overall distance"; one column
        per set. Columns ``statistic`` and ``summary`` name the row; ``headline`` marks the
        seven headline rows.

    Example:
        >>> from synreal.tracking.motchallenge import SeqInfo
        >>> gt = MotTable.from_rows([[f, 1, f, 0, 10, 20, 1, 1, 1] for f in range(1, 9)])
        >>> s = sequence_stats([MotSequence(SeqInfo("toy", 8, 10.0, 100, 100), gt=gt)])
        >>> t = stats_table({"a": s, "b": s})
        >>> float(t.loc[t.statistic == "track_length", "a"].iloc[0])
        8.0
    """
    import pandas as pd

    if not sets:
        raise ValueError("no sets to tabulate")
    labels = list(sets)
    ref = reference if reference is not None else labels[0]
    if ref not in sets:
        raise ValueError(f"reference {ref!r} is not among {labels}")
    rows = []
    for name, how in TABLE_ROWS:
        row = {"statistic": name, "summary": how, "label": row_label(name, how), "headline": (name, how) in HEADLINE_ROWS}
        for lab in labels:
            row[lab] = sets[lab].summary(name, "median" if how == "rate" else how)
        rows.append(row)
    for lab in labels:
        d = realism_distance(sets[ref], sets[lab])
        for name, v in d.per_statistic.items():
            rows.append({"statistic": name, "summary": "distance", "label": f"distance: {statistic(name).label}",
                         "headline": False, lab: v})  # fmt: skip
        rows.append({"statistic": "overall", "summary": "distance", "label": "overall distance", "headline": False, lab: d.overall})
    frame = pd.DataFrame(rows)
    frame = frame.groupby(["statistic", "summary", "label", "headline"], sort=False, as_index=False).first()
    return frame[["statistic", "summary", "label", "headline", *labels]]


def format_value(name: str, how: str, value: float) -> str:
    """A table cell: shares with 3 decimals, counts and lengths with 0-1, the rest 2-3."""
    if value is None or not np.isfinite(value):
        return "-"
    if how == "distance":
        return f"{value:.3f}"
    if name in ("track_length",):
        return f"{value:.0f}"
    if name in ("people_per_frame", "births", "deaths", "turn"):
        return f"{value:.1f}"
    if is_share(name) or name in ("iou_step", "aspect"):
        return f"{value:.3f}"
    return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"


def markdown_table(table, *, columns: Sequence[str] | None = None, distances: bool = True) -> str:  # type: ignore[no-untyped-def]
    """A ``stats_table`` as a Markdown table (headline rows in bold).

    Example:
        >>> from synreal.tracking.motchallenge import SeqInfo
        >>> gt = MotTable.from_rows([[f, 1, f, 0, 10, 20, 1, 1, 1] for f in range(1, 9)])
        >>> s = sequence_stats([MotSequence(SeqInfo("toy", 8, 10.0, 100, 100), gt=gt)])
        >>> markdown_table(stats_table({"toy": s})).splitlines()[2]
        '| **track length (frames), median** | 8 |'
    """
    cols = list(columns) if columns is not None else [c for c in table.columns if c not in ("statistic", "summary", "label", "headline")]
    out = ["| statistic | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for _, r in table.iterrows():
        if r["summary"] == "distance" and (not distances or r["statistic"] != "overall"):
            continue
        label = f"**{r['label']}**" if r["headline"] else r["label"]
        out.append(f"| {label} | " + " | ".join(format_value(r["statistic"], r["summary"], r[c]) for c in cols) + " |")
    return "\n".join(out)
