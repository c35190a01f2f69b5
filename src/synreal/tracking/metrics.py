"""Tracking metrics computed exactly as TrackEval does: HOTA, CLEAR MOT, Identity, counts.

The metric arithmetic is TrackEval's own (``trackeval.metrics.HOTA``, ``CLEAR``,
``Identity``, ``Count``); this module builds their input with the preprocessing of
TrackEval's ``MotChallenge2DBox`` dataset, re-implemented on in-memory tables and
vectorised where that does not change a single bit:

1. tracker boxes are matched to *all* ground-truth boxes of a frame (Hungarian on IoU,
   pairs below 0.5 dropped) and those matched to a distractor class (person on vehicle 2,
   static person 7, distractor 8, reflection 12, and non-motorised vehicle 6 for MOT20)
   are removed;
2. ground truth is kept only where the ``consider`` flag is non-zero and the class is
   pedestrian (1); MOT15-style files (no classes) keep every row whose flag is non-zero;
3. ids are relabelled to 0..n-1 in sorted order.

Sequences are combined with each metric's ``combine_sequences`` (counts are summed and
ratios recomputed from the sums, never averaged).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from synreal.errors import UserInputError
from synreal.tracking.motchallenge import MotTable, check_unique_ids, find_sequences, read_mot_file, read_seqinfo

Benchmark = Literal["auto", "MOT15", "MOT16", "MOT17", "MOT20"]

PEDESTRIAN = 1
#: MOTChallenge class ids 1..13 (pedestrian, person on vehicle, car, bicycle, motorbike,
#: non-motorised vehicle, static person, distractor, occluder, occluder on ground,
#: occluder full, reflection, crowd).
VALID_CLASSES = np.arange(1, 14)
_DISTRACTORS = {"MOT20": np.array([2, 7, 8, 12, 6])}
_DEFAULT_DISTRACTORS = np.array([2, 7, 8, 12])
_EPS = np.finfo("float").eps


@dataclass(frozen=True)
class MetricInfo:
    """What a reported metric is, where it comes from and how to read it.

    Attributes:
        name: the name in tables (``FP`` is TrackEval's ``CLR_FP``).
        family: the TrackEval metric class (HOTA, CLEAR, Identity, Count).
        field: TrackEval's field name.
        kind: ``"score"`` (a ratio in [0, 1]; HOTA-family scores are averaged over the 19
            localisation thresholds 0.05..0.95) or ``"count"``.
        higher_is_better: the direction; None for plain counts of the data.
        description: one line, including what a trivial tracker scores.
    """

    name: str
    family: str
    field: str
    kind: Literal["score", "count"]
    higher_is_better: bool | None
    description: str


METRICS: dict[str, MetricInfo] = {
    m.name: m
    for m in [
        MetricInfo("HOTA", "HOTA", "HOTA", "score", True, "sqrt(DetA*AssA), [0,1]; 0 for a tracker that outputs nothing"),
        MetricInfo("DetA", "HOTA", "DetA", "score", True, "detection accuracy TP/(TP+FN+FP), [0,1]"),
        MetricInfo("AssA", "HOTA", "AssA", "score", True, "association accuracy over matched pairs, [0,1]"),
        MetricInfo("DetRe", "HOTA", "DetRe", "score", True, "detection recall TP/(TP+FN), [0,1]"),
        MetricInfo("DetPr", "HOTA", "DetPr", "score", True, "detection precision TP/(TP+FP), [0,1]"),
        MetricInfo("AssRe", "HOTA", "AssRe", "score", True, "association recall, [0,1]"),
        MetricInfo("AssPr", "HOTA", "AssPr", "score", True, "association precision, [0,1]"),
        MetricInfo("LocA", "HOTA", "LocA", "score", True, "mean IoU of matched pairs, [0,1]; TrackEval gives 1 when nothing matches"),
        MetricInfo("MOTA", "CLEAR", "MOTA", "score", True, "1-(FN+FP+IDSW)/GT, (-inf,1]; 0 for an empty output"),
        MetricInfo("MOTP", "CLEAR", "MOTP", "score", True, "mean IoU of CLEAR matches, [0,1]"),
        MetricInfo("IDF1", "Identity", "IDF1", "score", True, "identity F1 2IDTP/(2IDTP+IDFP+IDFN), [0,1]"),
        MetricInfo("IDP", "Identity", "IDP", "score", True, "identity precision, [0,1]"),
        MetricInfo("IDR", "Identity", "IDR", "score", True, "identity recall, [0,1]"),
        MetricInfo("IDSW", "CLEAR", "IDSW", "count", False, "identity switches"),
        MetricInfo("FP", "CLEAR", "CLR_FP", "count", False, "false positives at IoU 0.5"),
        MetricInfo("FN", "CLEAR", "CLR_FN", "count", False, "missed ground-truth boxes at IoU 0.5"),
        MetricInfo("Frag", "CLEAR", "Frag", "count", False, "track fragmentations"),
        MetricInfo("MT", "CLEAR", "MT", "count", True, "mostly tracked ids (>= 80% of their frames)"),
        MetricInfo("ML", "CLEAR", "ML", "count", False, "mostly lost ids (< 20% of their frames)"),
        MetricInfo("TP", "CLEAR", "CLR_TP", "count", True, "true positives at IoU 0.5"),
        MetricInfo("IDTP", "Identity", "IDTP", "count", True, "identity true positives"),
        MetricInfo("Dets", "Count", "Dets", "count", None, "tracker boxes after preprocessing"),
        MetricInfo("GT_Dets", "Count", "GT_Dets", "count", None, "ground-truth boxes after preprocessing"),
        MetricInfo("IDs", "Count", "IDs", "count", None, "tracker ids after preprocessing"),
        MetricInfo("GT_IDs", "Count", "GT_IDs", "count", None, "ground-truth ids after preprocessing"),
    ]
}
#: The columns ``synreal mot eval`` prints.
SUMMARY_FIELDS = (
    "HOTA", "DetA", "AssA", "DetRe", "DetPr", "AssRe", "AssPr", "LocA",
    "MOTA", "MOTP", "IDF1", "IDP", "IDR", "IDSW", "FP", "FN", "Frag", "MT", "ML",
)  # fmt: skip


# --------------------------------------------------------------------------------------
# preprocessing (TrackEval's MotChallenge2DBox.get_preprocessed_seq_data on tables)


def _corners(box: np.ndarray) -> tuple[np.ndarray, ...]:
    """x0, y0, x1, y1 and area per box, with TrackEval's operation order."""
    x0, y0 = box[:, 0], box[:, 1]
    x1 = box[:, 0] + box[:, 2]
    y1 = box[:, 1] + box[:, 3]
    return x0, y0, x1, y1, (x1 - x0) * (y1 - y0)


def _iou(g: tuple[np.ndarray, ...], t: tuple[np.ndarray, ...]) -> np.ndarray:
    """IoU matrix, bit-identical to TrackEval's ``_calculate_box_ious`` (xywh)."""
    gx0, gy0, gx1, gy1, ga = g
    tx0, ty0, tx1, ty1, ta = t
    iw = np.maximum(np.minimum(gx1[:, None], tx1[None, :]) - np.maximum(gx0[:, None], tx0[None, :]), 0)
    ih = np.maximum(np.minimum(gy1[:, None], ty1[None, :]) - np.maximum(gy0[:, None], ty0[None, :]), 0)
    inter = iw * ih
    union = ga[:, None] + ta[None, :] - inter
    inter[ga <= 0 + _EPS, :] = 0
    inter[:, ta <= 0 + _EPS] = 0
    inter[union <= 0 + _EPS] = 0
    union[union <= 0 + _EPS] = 1
    return inter / union


def _frame_slices(frames: np.ndarray, n_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Row order (stable by frame) and slice bounds per 1-based frame."""
    order = np.argsort(frames, kind="stable")
    bounds = np.searchsorted(frames[order], np.arange(1, n_frames + 2), side="left")
    return order, bounds


def resolve_benchmark(benchmark: str, gt: MotTable, name: str = "") -> str:
    """The benchmark whose preprocessing applies: 'auto' picks MOT15 for class-less gt.

    MOT15-style ground truth (TUD, ETH, ...: 10 columns, or -1 in the class column) has
    no classes, so no distractor handling applies; MOT20 is chosen
    when the sequence name says so; everything else (MOT16/17, DanceTrack, generated
    sequences) follows MOT17.
    """
    if benchmark != "auto":
        return benchmark
    if gt.layout == "MOT15" or (len(gt) and bool((gt.cls == -1).all())):
        return "MOT15"
    if name.upper().startswith("MOT20"):
        return "MOT20"
    return "MOT17"


def preprocess(
    gt: MotTable,
    tracks: MotTable,
    n_frames: int,
    *,
    benchmark: str = "MOT17",
    do_preproc: bool = True,
    name: str = "seq",
) -> dict[str, Any]:
    """Build the per-frame data dict that TrackEval's metrics take.

    Args:
        gt: ground truth of one sequence (all classes; distractors are used, then dropped).
        tracks: tracker output of the same sequence.
        n_frames: the sequence length; frames run 1..n_frames.
        benchmark: ``MOT15`` (no class handling), ``MOT16``/``MOT17`` or ``MOT20``.
        do_preproc: False keeps every gt row with a non-zero flag and every tracker row.
        name: the sequence name, for messages.

    Returns:
        TrackEval's dict: ``gt_ids``, ``tracker_ids``, ``gt_dets``, ``tracker_dets``,
        ``tracker_confidences``, ``similarity_scores`` (lists over frames) and the counts
        ``num_timesteps``, ``num_gt_ids``, ``num_tracker_ids``, ``num_gt_dets``,
        ``num_tracker_dets``, ``seq``.

    Raises:
        UserInputError: duplicate ids in a frame, frames outside 1..n_frames, a tracker
            row of a class other than pedestrian, or unknown gt classes.

    Example:
        >>> g = MotTable.from_rows([[1, 1, 0, 0, 10, 10, 1, 1, 1]])
        >>> preprocess(g, g, 1)["num_gt_dets"]
        1
    """
    bench = benchmark.upper()
    for tab, what in ((gt, "ground truth"), (tracks, "tracker output")):
        if len(tab):
            bad = (tab.frame < 1) | (tab.frame > n_frames)
            if bad.any():
                k = int(np.argmax(bad))
                raise UserInputError(
                    f"{what} of {name}: frame {int(tab.frame[k])} lies outside 1..{n_frames} (seqLength)",
                    file=tab.source,
                    line=None if tab.line is None else int(tab.line[k]),
                )
        check_unique_ids(tab, what=f"{what} of {name}")
    if len(tracks) and tracks.cls.max() > PEDESTRIAN:
        k = int(np.argmax(tracks.cls > PEDESTRIAN))
        raise UserInputError(
            f"tracker output of {name}: class {int(tracks.cls[k])} found; evaluation is valid for pedestrians (class 1, or -1) only",
            file=tracks.source,
            line=None if tracks.line is None else int(tracks.line[k]),
        )
    use_classes = do_preproc and bench != "MOT15"
    if use_classes and len(gt):
        bad = ~np.isin(gt.cls, VALID_CLASSES)
        if bad.any():
            k = int(np.argmax(bad))
            raise UserInputError(
                f"ground truth of {name}: class {int(gt.cls[k])} is not a MOTChallenge class (1..13)",
                file=gt.source,
                line=None if gt.line is None else int(gt.line[k]),
                hint="MOT15-style files without classes: use --benchmark MOT15 (or auto)",
            )
    distractors = _DISTRACTORS.get(bench, _DEFAULT_DISTRACTORS)

    g_order, g_b = _frame_slices(gt.frame, n_frames)
    t_order, t_b = _frame_slices(tracks.frame, n_frames)
    g_corner = _corners(gt.box[g_order])
    t_corner = _corners(tracks.box[t_order])
    g_ids, t_ids = gt.id[g_order], tracks.id[t_order]
    g_box, t_box = gt.box[g_order], tracks.box[t_order]
    t_conf = tracks.conf[t_order]
    g_cls = gt.cls[g_order]
    g_is_distractor = np.isin(g_cls, distractors) if use_classes else np.zeros(len(gt), bool)
    keep_gt_row = gt.conf[g_order].astype(np.int64) != 0
    if use_classes:
        keep_gt_row &= g_cls == PEDESTRIAN

    from scipy.optimize import linear_sum_assignment

    data: dict[str, Any] = {k: [None] * n_frames for k in ("gt_ids", "tracker_ids", "gt_dets", "tracker_dets", "tracker_confidences", "similarity_scores")}
    for t in range(n_frames):
        gs, ge, ts, te = g_b[t], g_b[t + 1], t_b[t], t_b[t + 1]
        sim = _iou(tuple(c[gs:ge] for c in g_corner), tuple(c[ts:te] for c in t_corner))
        tid, tdet, tconf = t_ids[ts:te], t_box[ts:te], t_conf[ts:te]
        # Only a match to a distractor removes a tracker box, so frames without
        # distractors skip the assignment and give the same result.
        if use_classes and ge > gs and te > ts and g_is_distractor[gs:ge].any():
            scores = sim.copy()
            scores[scores < 0.5 - _EPS] = 0
            rows, cols = linear_sum_assignment(-scores)
            ok = scores[rows, cols] > 0 + _EPS
            rows, cols = rows[ok], cols[ok]
            remove = cols[g_is_distractor[gs:ge][rows]]
            if len(remove):
                keep = np.ones(te - ts, bool)
                keep[remove] = False
                tid, tdet, tconf, sim = tid[keep], tdet[keep], tconf[keep], sim[:, keep]
        gk = keep_gt_row[gs:ge]
        data["gt_ids"][t] = g_ids[gs:ge][gk]
        data["gt_dets"][t] = g_box[gs:ge][gk]
        data["similarity_scores"][t] = sim[gk]
        data["tracker_ids"][t] = tid
        data["tracker_dets"][t] = tdet
        data["tracker_confidences"][t] = tconf

    for key, count in (("gt_ids", "gt"), ("tracker_ids", "tracker")):
        allids = np.concatenate(data[key]) if n_frames else np.zeros(0, np.int64)
        uniq = np.unique(allids)
        if len(uniq):
            data[key] = [np.searchsorted(uniq, ids).astype(int) if len(ids) else ids for ids in data[key]]
        data[f"num_{count}_ids"] = len(uniq)
        data[f"num_{count}_dets"] = len(allids)
    data["num_timesteps"] = n_frames
    data["seq"] = name
    return data


# --------------------------------------------------------------------------------------
# evaluation


def _metric_objects(threshold: float) -> list[Any]:
    """TrackEval's metric instances (imported lazily: trackeval pulls in scipy)."""
    from synreal._optional import require

    te_metrics = require("trackeval.metrics", "tracking")
    CLEAR, HOTA, Count, Identity = te_metrics.CLEAR, te_metrics.HOTA, te_metrics.Count, te_metrics.Identity
    cfg = {"THRESHOLD": threshold, "PRINT_CONFIG": False}
    return [HOTA(), CLEAR(cfg), Identity(cfg), Count()]


@dataclass
class TrackingResult:
    """Metrics of one tracker on a set of sequences, in TrackEval's own result dicts.

    Attributes:
        tracker: the tracker's name.
        sequences: sequence -> metric family (HOTA, CLEAR, Identity, Count) -> TrackEval
            result dict (HOTA-family fields are arrays over the 19 alphas).
        combined: metric family -> combined result over all sequences.
        benchmark: the preprocessing applied (MOT15, MOT17, MOT20), per sequence.
        notes: what the evaluator decided on the user's behalf (e.g. shared MOT17 gt).
        warnings: sequence -> why its scores mean little (an empty ground truth: every
            tracker box is a false positive, MOTA is -FP/1 and so on).
    """

    tracker: str
    sequences: dict[str, dict[str, dict[str, Any]]]
    combined: dict[str, dict[str, Any]]
    benchmark: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warnings: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def _value(res: Mapping[str, dict[str, Any]], name: str) -> float:
        info = METRICS[name]
        v = res[info.family][info.field]
        return float(np.mean(v)) if info.kind == "score" else float(v)

    def summary(self, sequence: str | None = None) -> dict[str, float]:
        """Every metric in ``METRICS`` for one sequence (None: combined over all).

        Scores are fractions in [0, 1] (TrackEval prints them x100); HOTA-family scores
        are the mean over the 19 alphas, as in TrackEval's summary.
        """
        res = self.combined if sequence is None else self.sequences[sequence]
        return {name: self._value(res, name) for name in METRICS}

    def table(self, fields: tuple[str, ...] = SUMMARY_FIELDS) -> "Any":
        """A pandas DataFrame: one row per sequence and a last row ``COMBINED``."""
        import pandas as pd

        rows = {s: {f: self._value(r, f) for f in fields} for s, r in sorted(self.sequences.items())}
        rows["COMBINED"] = {f: self._value(self.combined, f) for f in fields}
        return pd.DataFrame.from_dict(rows, orient="index")

    def tidy(self) -> "Any":
        """Long table ``tracker, sequence, metric, value`` (COMBINED included)."""

        t = self.table(tuple(METRICS))
        long = t.rename_axis("sequence").reset_index().melt(id_vars="sequence", var_name="metric", value_name="value")
        long.insert(0, "tracker", self.tracker)
        return long

    def detailed(self) -> dict[str, dict[str, float]]:
        """TrackEval's detailed results: sequence (and ``COMBINED``) -> field -> value.

        The fields are those of TrackEval's ``pedestrian_detailed.csv`` (``HOTA___AUC``,
        ``HOTA___5`` ... ``MOTA`` ... ``IDF1`` ... ``GT_IDs``).
        """
        out: dict[str, dict[str, float]] = {}
        for metric in _metric_objects(0.5):
            name = metric.get_name()
            table = {s: r[name] for s, r in self.sequences.items()}
            table["COMBINED_SEQ"] = self.combined[name]
            for seq, vals in metric.detailed_results(table).items():
                key = "COMBINED" if seq == "COMBINED_SEQ" else seq
                out.setdefault(key, {}).update({k: float(v) for k, v in vals.items()})
        return out

    def write(self, out_dir: str | Path, cls: str = "pedestrian") -> list[Path]:
        """Write TrackEval's ``pedestrian_summary.txt`` and ``pedestrian_detailed.csv`` plus a tidy ``results.csv``."""
        from synreal._optional import require

        te_utils = require("trackeval.utils", "tracking")

        d = Path(out_dir)
        d.mkdir(parents=True, exist_ok=True)
        summaries, details = [], []
        for metric in _metric_objects(0.5):
            name = metric.get_name()
            table = {s: r[name] for s, r in self.sequences.items()}
            table["COMBINED_SEQ"] = self.combined[name]
            summaries.append(metric.summary_results(table))
            details.append(metric.detailed_results(table))
        te_utils.write_summary_results(summaries, cls, str(d))
        te_utils.write_detailed_results(details, cls, str(d))
        self.tidy().to_csv(d / "results.csv", index=False)
        return [d / f"{cls}_summary.txt", d / f"{cls}_detailed.csv", d / "results.csv"]


def evaluate(
    ground_truth: MotTable,
    tracks: MotTable,
    *,
    n_frames: int | None = None,
    benchmark: Benchmark = "auto",
    do_preproc: bool = True,
    threshold: float = 0.5,
    name: str = "seq",
) -> dict[str, float]:
    """Score one sequence of tracker output against its ground truth.

    Args:
        ground_truth: gt rows (frame, id, box, consider flag, class).
        tracks: tracker rows (frame, id, box, score).
        n_frames: sequence length (default: the last frame of either table).
        benchmark: preprocessing rules; ``auto`` = MOT15 for class-less gt, else MOT17.
        do_preproc: apply MOTChallenge preprocessing (distractors, zero-marked gt).
        threshold: IoU for CLEAR and Identity matches (TrackEval's default 0.5).
        name: the sequence name, for messages.

    Returns:
        Metric name -> value for every metric in ``METRICS`` (scores in [0, 1]).

    Example:
        >>> gt = MotTable.from_rows([[1, 1, 0, 0, 10, 20, 1, 1, 1], [2, 1, 1, 0, 10, 20, 1, 1, 1]])
        >>> evaluate(gt, gt)["HOTA"]
        1.0
    """
    return evaluate_sequences({name: (ground_truth, tracks, n_frames)}, benchmark=benchmark, do_preproc=do_preproc, threshold=threshold).summary(name)


def evaluate_sequences(
    items: Mapping[str, tuple[MotTable, MotTable, int | None]],
    *,
    tracker: str = "tracker",
    benchmark: Benchmark = "auto",
    do_preproc: bool = True,
    threshold: float = 0.5,
    progress: Callable[[str], None] | None = None,
) -> TrackingResult:
    """Score a tracker on several sequences and combine them as TrackEval does.

    Args:
        items: sequence name -> (ground truth, tracker output, length or None).
        tracker: the tracker's name, carried into the result.
        benchmark: preprocessing rules (``auto`` decides per sequence).
        do_preproc: apply MOTChallenge preprocessing.
        threshold: IoU for CLEAR and Identity matches.
        progress: called with each sequence name once it is scored.

    Returns:
        Per-sequence and combined results.

    Example:
        >>> gt = MotTable.from_rows([[1, 1, 0, 0, 10, 20, 1, 1, 1]])
        >>> r = evaluate_sequences({"a": (gt, gt, None), "b": (gt, MotTable.empty(), 1)})
        >>> r.summary()["DetRe"]
        0.5
    """
    if not items:
        raise UserInputError("no sequences to evaluate")
    metrics = _metric_objects(threshold)
    per_seq: dict[str, dict[str, dict[str, Any]]] = {}
    benches: dict[str, str] = {}
    for name, (gt, tr, n) in items.items():
        if n is None:
            n = int(max([1] + [int(t.frame.max()) for t in (gt, tr) if len(t)]))
        bench = resolve_benchmark(benchmark, gt, name)
        benches[name] = bench
        data = preprocess(gt, tr, n, benchmark=bench, do_preproc=do_preproc, name=name)
        per_seq[name] = {m.get_name(): m.eval_sequence(data) for m in metrics}
        if progress is not None:
            progress(name)
    return TrackingResult(tracker=tracker, sequences=per_seq, combined=combine(per_seq), benchmark=benches)


def combine(sequences: Mapping[str, Mapping[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Combine per-sequence results with each metric's ``combine_sequences``.

    Counts are summed and ratios recomputed from the sums (HOTA's association scores are
    weighted by true positives), exactly as TrackEval's evaluator does.

    Args:
        sequences: sequence -> metric family -> TrackEval result dict (``TrackingResult.sequences``).

    Returns:
        Metric family -> combined result dict.

    Example:
        >>> gt = MotTable.from_rows([[1, 1, 0, 0, 10, 20, 1, 1, 1]])
        >>> r = evaluate_sequences({"a": (gt, gt, None)})
        >>> combine({"a": r.sequences["a"], "b": r.sequences["a"]})["Count"]["GT_Dets"]
        2
    """
    return {
        m.get_name(): m.combine_sequences({s: r[m.get_name()] for s, r in sequences.items()})
        for m in _metric_objects(0.5)
    }


# --------------------------------------------------------------------------------------
# folders


_MOT17_VARIANT = re.compile(r"^(MOT17-\d+)-(DPM|FRCNN|SDP)$")


def find_trackers(root: str | Path) -> dict[str, Path]:
    """Tracker result folders under ``root``: name -> folder holding ``SEQ.txt`` files.

    Accepts a folder of ``.txt`` files, a tracker folder with a ``data/`` subfolder
    (TrackEval's layout), or a folder of such tracker folders.

    Example:
        >>> find_trackers("../shared/data/mot17-train-trackers")  # doctest: +SKIP
        {'MoTT_20221127': PosixPath('../shared/data/mot17-train-trackers/MoTT_20221127/data')}
    """
    r = Path(root)
    if not r.is_dir():
        raise UserInputError("no such folder", file=r)

    def files_in(d: Path) -> Path | None:
        # TrackEval's data/ subfolder wins: the tracker folder itself may hold summaries.
        if (d / "data").is_dir() and any((d / "data").glob("*.txt")):
            return d / "data"
        if any(d.glob("*.txt")):
            return d
        return None

    direct = files_in(r)
    if direct is not None:
        name = r.name if direct == r and r.name != "data" else (r.parent.name if r.name == "data" else r.name)
        return {name: direct}
    found = {p.name: f for p in sorted(r.iterdir()) if p.is_dir() and (f := files_in(p)) is not None}
    if not found:
        raise UserInputError(
            "no tracker results found (expected SEQ.txt files, TRACKER/data/SEQ.txt or TRACKER/SEQ.txt)", file=r
        )
    return found


def _gt_length(seq_dir: Path, gt: MotTable) -> int:
    """seqLength from seqinfo.ini, else the last gt frame."""
    if (seq_dir / "seqinfo.ini").is_file():
        return read_seqinfo(seq_dir / "seqinfo.ini").seq_length
    return int(gt.frame.max()) if len(gt) else 1


def evaluate_folders(
    gt_root: str | Path,
    tracker_root: str | Path,
    *,
    benchmark: Benchmark = "auto",
    do_preproc: bool = True,
    threshold: float = 0.5,
    sequences: list[str] | None = None,
    progress: bool = False,
) -> list[TrackingResult]:
    """Evaluate tracker result files against MOTChallenge-layout ground truth.

    Each ground-truth sequence needs a ``SEQ.txt`` from each tracker. MOT17's detector
    variants (``-DPM``, ``-FRCNN``, ``-SDP``) share one ground truth, so a tracker file
    ``MOT17-02-DPM.txt`` is scored against ``MOT17-02-FRCNN/gt`` when that is the only
    variant present (and the result says so in ``notes``).

    Args:
        gt_root: a sequence folder or a folder of sequence folders.
        tracker_root: see ``find_trackers``.
        benchmark: preprocessing rules (``auto``: MOT15 for class-less gt, else MOT17/20).
        do_preproc: apply MOTChallenge preprocessing.
        threshold: IoU for CLEAR and Identity matches.
        sequences: evaluate only these sequence names.
        progress: show a progress bar on stderr.

    Returns:
        One result per tracker.

    Raises:
        UserInputError: missing folders or files, malformed rows (file and line).

    Example:
        >>> res = evaluate_folders("../shared/data/mot17-train", "../shared/data/mot17-train-trackers")  # doctest: +SKIP
        >>> round(res[0].summary()["HOTA"], 5)  # doctest: +SKIP
        0.75272
    """
    seq_dirs = {p.name: p for p in find_sequences(gt_root)}
    seq_dirs = {k: v for k, v in seq_dirs.items() if (v / "gt" / "gt.txt").is_file()}
    if not seq_dirs:
        raise UserInputError("no sequence with gt/gt.txt found", file=gt_root)
    trackers = find_trackers(tracker_root)
    gt_cache: dict[str, tuple[MotTable, int]] = {}

    def load_gt(seq: str) -> tuple[MotTable, int]:
        if seq not in gt_cache:
            d = seq_dirs[seq]
            n = read_seqinfo(d).seq_length if (d / "seqinfo.ini").is_file() else None
            gt = read_mot_file(d / "gt" / "gt.txt", "gt", n_frames=n)
            gt_cache[seq] = (gt, n if n is not None else _gt_length(d, gt))
        return gt_cache[seq]

    results = []
    for tname, tdir in trackers.items():
        files = {p.stem: p for p in sorted(tdir.glob("*.txt"))}
        pairs: dict[str, str] = {}  # tracker sequence -> gt sequence
        notes: list[str] = []
        for seq in seq_dirs:
            if seq in files:
                pairs[seq] = seq
        for stem in files:
            m = _MOT17_VARIANT.match(stem)
            if stem in pairs or not m:
                continue
            shared = [s for s in seq_dirs if s.startswith(m.group(1) + "-") and _MOT17_VARIANT.match(s)]
            if len(shared) == 1:
                pairs[stem] = shared[0]
                notes.append(f"{stem} scored against {shared[0]}/gt (MOT17 detector variants share ground truth)")
        if sequences is not None:
            unknown = sorted(set(sequences) - set(pairs) - set(seq_dirs))
            if unknown:
                raise UserInputError(f"unknown sequences {unknown}; found {sorted(seq_dirs)}", file=gt_root)
            pairs = {k: v for k, v in pairs.items() if k in sequences}
        missing = sorted(s for s in seq_dirs if s not in pairs and (sequences is None or s in sequences)
                         and not any(v == s for v in pairs.values()))  # fmt: skip
        if missing:
            raise UserInputError(
                f"tracker {tname!r} has no result for {len(missing)} sequence(s): {', '.join(missing[:5])}",
                file=tdir / f"{missing[0]}.txt",
                hint="every ground-truth sequence needs a SEQ.txt (an empty file means no output)",
            )
        extra = sorted(set(files) - set(pairs))
        if extra:
            notes.append(f"skipped {len(extra)} file(s) without ground truth: {', '.join(extra[:5])}")
        items = {}
        for tseq in sorted(pairs):
            gt, n = load_gt(pairs[tseq])
            items[tseq] = (gt, read_mot_file(files[tseq], "tracker", n_frames=n), n)
        res = _run_with_progress(items, tname, benchmark, do_preproc, threshold, progress, notes)
        res.warnings = empty_gt_warnings({k: v[0] for k, v in items.items()})
        results.append(res)
    return results


def empty_gt_warnings(gts: Mapping[str, MotTable]) -> dict[str, str]:
    """Sequence -> a warning, for ground truths with no box to match (their scores are meaningless).

    Example:
        >>> empty_gt_warnings({"a": MotTable.empty(), "b": MotTable.from_rows([[1, 1, 0, 0, 5, 5, 1, 1, 1]])})
        {'a': 'the ground truth has no boxes: every tracker box counts as a false positive'}
    """
    out = {}
    for seq, gt in gts.items():
        if len(gt) == 0:
            out[seq] = "the ground truth has no boxes: every tracker box counts as a false positive"
        elif not (gt.conf != 0).any():
            out[seq] = "no ground-truth box is marked to be considered (every consider flag is 0)"
    return out


def _run_with_progress(items, tname, benchmark, do_preproc, threshold, progress, notes) -> TrackingResult:  # type: ignore[no-untyped-def]
    """evaluate_sequences with an optional rich progress bar."""
    if not progress:
        res = evaluate_sequences(items, tracker=tname, benchmark=benchmark, do_preproc=do_preproc, threshold=threshold)
    else:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=Console(stderr=True), transient=True,
        ) as bar:  # fmt: skip
            task = bar.add_task(f"evaluating {tname}", total=len(items))
            res = evaluate_sequences(
                items, tracker=tname, benchmark=benchmark, do_preproc=do_preproc, threshold=threshold,
                progress=lambda _s: bar.advance(task),
            )  # fmt: skip
    res.notes = notes
    return res
