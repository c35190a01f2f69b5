"""Fitting the crowd generator to real annotations: search its knobs so that generated
trajectories have the motion statistics of a real set.

``fit_generator(real, base)`` keeps what the real sequences show directly (frame rates,
image shape, clip lengths) and searches the rest (``KNOBS``: entry rate, crowd size and
spacing, camera height, tilt, zoom and motion, depth range, occluders, annotation jitter,
activity mix and knobs) with optuna's TPE sampler to minimise ``realism_distance`` between
the real statistics and those of generated sequences, within a budget of simulated
sequences. Every trial generates the same sequence indices with the same seed, so trials
differ by their knobs only; the sampler is seeded, so a fit is reproducible.

A dozen generated sequences are a noisy sample (two samples of 12 sequences of one spec
are about as far apart as the defaults are from MOT17), so the search spends its budget
by successive halving: every trial is measured on ``per_trial`` sequences, and the trials
among the best ``1 / PROMOTE`` of those measured so far at that size are measured again
on ``PROMOTE`` times as many (the same indices extended), up to ``rungs`` sizes. The best
trials at the largest size and the starting spec are then measured on fresh sequences of
that size, and the closest wins.

optuna is an optional dependency: ``pip install 'synreal[fit]'``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from synreal._optional import require
from synreal.errors import UserInputError
from synreal.tracking.motchallenge import MotSequence
from synreal.tracking.spec import SceneSetSpec, validate_scene_set
from synreal.tracking.stats import Distances, RealismStats, realism_distance, sequence_stats

Path_ = tuple[str, ...]


@dataclass(frozen=True)
class Knob:
    """One searched knob of the scene spec.

    Attributes:
        name: the key path in the spec (``camera.pitch``, ``scene.activities.walk``).
        low, high: the search interval.
        log: search on a log scale.
        integer: whole numbers.
        pair: the knob is a ``[low, high]`` range: two values are searched and sorted.
        upper_only: a range whose low end stays at ``low``; only its high end is searched.
        applies: which specs the knob is searched for (default: all).
    """

    name: str
    low: float
    high: float
    log: bool = False
    integer: bool = False
    pair: bool = False
    upper_only: bool = False
    applies: Callable[[SceneSetSpec], bool] = field(default=lambda s: True, compare=False, repr=False)

    @property
    def path(self) -> Path_:
        """The key path as a tuple."""
        return tuple(self.name.split("."))


def _multi(spec: SceneSetSpec) -> bool:
    """Knobs of people entering and of lone walkers exist for multi-group scenes only."""
    return spec.scene.layout == "multi-group"


def _has(activity: str) -> Callable[[SceneSetSpec], bool]:
    """The knob exists when the activity is in the spec's mix."""
    return lambda s: activity in s.scene.activities


def _mixed(activity: str) -> Callable[[SceneSetSpec], bool]:
    """A weight is worth searching when the mix has that activity and another one."""
    return lambda s: activity in s.scene.activities and len(s.scene.activities) > 1


#: The searched knobs (those that do not apply to a spec are left as they are).
KNOBS: tuple[Knob, ...] = (
    Knob("scene.entry_rate", 0.0, 4.0, pair=True, applies=_multi),
    Knob("scene.entry_group", 1, 4, integer=True, upper_only=True, applies=_multi),
    Knob("scene.groups", 1, 6, integer=True, pair=True, applies=_multi),
    Knob("scene.lone_walkers", 0, 8, integer=True, pair=True, applies=_multi),
    Knob("scene.spacing", 0.5, 2.5, log=True),
    Knob("scene.occluders", 0, 6, integer=True, upper_only=True),
    Knob("scene.door_share", 0.0, 0.8),
    Knob("scene.along_view", 0.0, 1.0, applies=_multi),
    *(Knob(f"scene.activities.{a}", 0.05, 5.0, log=True, applies=_mixed(a))
      for a in ("walk", "wait", "queue", "talk", "dance", "run", "sport")),  # fmt: skip
    Knob("scene.activity_options.walk.turn", 0.0, 30.0, applies=_has("walk")),
    Knob("scene.activity_options.sport.players", 6, 24, integer=True, pair=True, applies=_has("sport")),
    Knob("scene.activity_options.sport.court", 12.0, 60.0, pair=True, applies=_has("sport")),
    Knob("scene.activity_options.sport.stop", 0.0, 0.7, applies=_has("sport")),
    Knob("scene.activity_options.sport.decide_every", 0.5, 4.0, upper_only=True, applies=_has("sport")),
    Knob("scene.activity_options.sport.play_speed", 0.5, 6.0, upper_only=True, applies=_has("sport")),
    Knob("scene.activity_options.sport.spread", 0.1, 0.8, applies=_has("sport")),
    Knob("camera.cam_height", 1.5, 20.0, log=True, pair=True),
    Knob("camera.pitch", 2.0, 45.0, pair=True),
    Knob("camera.fov", 20.0, 90.0, pair=True),
    Knob("camera.depth", 1.5, 120.0, log=True, pair=True),
    Knob("camera.moving", 0.0, 1.0),
    Knob("camera.pan", 0.0, 15.0, pair=True),
    Knob("camera.shake", 0.0, 1.0, upper_only=True),
    Knob("camera.walk", 0.0, 2.5, pair=True),
    Knob("camera.follow", 0.0, 1.0),
    Knob("render.min_visibility", 0.0, 0.6),
    Knob("render.label_noise", 0.0, 0.03),
    Knob("render.label_interval", 1, 30, integer=True, log=True),
)


def knob(name: str) -> Knob:
    """A knob of ``KNOBS`` by name (a UserInputError lists them)."""
    for k in KNOBS:
        if k.name == name:
            return k
    raise UserInputError(f"unknown knob {name!r}; expected one of {', '.join(k.name for k in KNOBS)}", key="knobs")


def _get(data: dict, path: Path_) -> Any:
    """The value at a key path of nested dicts (None when absent)."""
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _set(data: dict, path: Path_, value: Any) -> None:
    """Set a key path of nested dicts, creating the dicts on the way."""
    for part in path[:-1]:
        data = data.setdefault(part, {})
    data[path[-1]] = value


def _current(spec: SceneSetSpec, k: Knob) -> Any:
    """The value a spec gives a knob (an activity's knob falls back to its default)."""
    data = spec.model_dump(mode="python")
    v = _get(data, k.path)
    if v is None and k.path[:2] == ("scene", "activity_options"):
        from synreal.tracking.activities import ACTIVITIES

        v = getattr(ACTIVITIES.get(k.path[2]).Config(), k.path[3])
    if v is None and k.path[:2] == ("scene", "activities"):
        v = 0.0
    return v


def _clip(k: Knob, x: float) -> float:
    """A value pulled into the knob's interval."""
    x = min(max(float(x), k.low), k.high)
    return float(round(x)) if k.integer else x


def knob_params(spec: SceneSetSpec, knobs: Sequence[Knob]) -> dict[str, float]:
    """The search parameters that reproduce ``spec`` (clipped into each knob's interval).

    Example:
        >>> knob_params(SceneSetSpec(name="x"), [knob("camera.pitch"), knob("camera.moving")])
        {'camera.pitch.low': 15.0, 'camera.pitch.high': 38.0, 'camera.moving': 0.35}
    """
    out: dict[str, float] = {}
    for k in knobs:
        v = _current(spec, k)
        if k.pair:
            out[k.name + ".low"], out[k.name + ".high"] = _clip(k, v[0]), _clip(k, v[1])
        elif k.upper_only:
            out[k.name + ".high"] = _clip(k, v[1])
        else:
            out[k.name] = _clip(k, v)
    return out


def apply_params(spec: SceneSetSpec, knobs: Sequence[Knob], params: dict[str, float]) -> SceneSetSpec:
    """The spec with the knobs set from search parameters.

    Args:
        spec: the base spec.
        knobs: the searched knobs.
        params: values as produced by ``knob_params`` or the search.

    Returns:
        A validated spec.

    Example:
        >>> s = apply_params(SceneSetSpec(name="x"), [knob("camera.pitch")], {"camera.pitch.low": 20, "camera.pitch.high": 10})
        >>> s.camera.pitch
        (10.0, 20.0)
    """
    data = spec.model_dump(mode="python")
    for k in knobs:
        conv = (lambda x: int(round(x))) if k.integer else float
        if k.pair:
            lo, hi = sorted((params[k.name + ".low"], params[k.name + ".high"]))
            _set(data, k.path, [conv(lo), conv(hi)])
        elif k.upper_only:
            low = _current(spec, k)[0]
            hi = max(conv(params[k.name + ".high"]), low)
            _set(data, k.path, [low, hi])
        else:
            _set(data, k.path, conv(params[k.name]))
    return validate_scene_set(data)


def observed(real: Sequence[MotSequence], spec: SceneSetSpec) -> SceneSetSpec:
    """The spec with what the real sequences show directly: frame rates (weighted by
    sequence count, at most the simulation rate), image shape (width kept, height from the
    most common aspect ratio), clip lengths (10th to 90th percentile of the real lengths)
    and the pixel grid of the annotations (the most common real image height).

    Example:
        >>> from synreal.tracking.motchallenge import SeqInfo
        >>> seqs = [MotSequence(SeqInfo("a", 500, 25.0, 1280, 720)), MotSequence(SeqInfo("b", 900, 25.0, 1280, 720))]
        >>> s = observed(seqs, SceneSetSpec(name="x"))
        >>> s.scene.fps, s.scene.frames, (s.camera.width, s.camera.height)
        ({25.0: 2.0}, (540, 860), (640, 360))
    """
    if not real:
        return spec
    rates: dict[float, float] = {}
    for s in real:
        r = float(min(s.info.frame_rate, spec.scene.sim_fps))
        rates[r] = rates.get(r, 0.0) + 1.0
    shapes: dict[float, int] = {}
    for s in real:
        a = round(s.info.im_height / s.info.im_width, 4)
        shapes[a] = shapes.get(a, 0) + 1
    aspect = max(shapes, key=lambda a: shapes[a])
    lengths = np.array([int(s.info.seq_length) for s in real])
    lo, hi = (int(round(x)) for x in np.percentile(lengths, [10, 90]))
    data = spec.model_dump(mode="python")
    data["scene"]["fps"] = rates
    data["scene"]["frames"] = [lo, hi] if lo < hi else lo
    data["camera"]["height"] = max(32, int(round(spec.camera.width * aspect)))
    heights = [int(s.info.im_height) for s in real]
    data["render"]["label_grid"] = max(set(heights), key=heights.count)
    return validate_scene_set(data)


@dataclass
class FitResult:
    """What ``fit_generator`` found.

    Attributes:
        spec: the best spec: of the starting spec and the search's best ``FINALISTS``
            trials, the one closest to the real set on fresh sequences.
        distance: its distances to the real set on those fresh sequences (another seed
            than the search's, so that the search's luck does not count).
        base_spec: the starting spec (with the observed properties filled in).
        base_distance: the starting spec's distances, on the same fresh sequences.
        search_distance: the best overall distance the search saw at its largest
            measured size (optimistic: the search's own sequences).
        params: the best knob values.
        trials: (parameters, overall distance) of every trial, in order, each at the
            largest size it was measured on.
        simulated: sequences generated.
        holdout_distance: distance of the best spec to held-out real sequences, when given.
        base_holdout_distance: the same for the starting spec.
        trial_sequences: sequences each trial was measured on (``per_trial`` for those
            stopped at the first size), in the order of ``trials``.
        trial_distances: each trial's overall distance at every size it was measured on.
        final_sequences: fresh sequences each final check generated.
    """

    spec: SceneSetSpec
    distance: Distances
    base_spec: SceneSetSpec
    base_distance: Distances
    search_distance: float
    params: dict[str, float]
    trials: list[tuple[dict[str, float], float]]
    simulated: int
    holdout_distance: Distances | None = None
    base_holdout_distance: Distances | None = None
    trial_sequences: list[int] = field(default_factory=list)
    trial_distances: list[list[float]] = field(default_factory=list)
    final_sequences: int = 0


#: Trials measured again on fresh sequences before one is chosen.
FINALISTS = 3
#: Successive halving: the best 1 / PROMOTE of the trials measured at one size are measured
#: on PROMOTE times as many sequences.
PROMOTE = 3


def _optuna() -> Any:
    """Import optuna, or say which extra installs it."""
    return require("optuna", "fit")


def generated_stats(spec: SceneSetSpec, n: int, seed: int, start: int = 0) -> RealismStats:
    """Statistics of ``n`` trajectories-only sequences of a spec (indices from ``start``)."""
    from synreal.tracking.generate import scene_set_sequences

    return sequence_stats(scene_set_sequences(spec, n, seed=seed, start=start))


def rung_sizes(per_trial: int, rungs: int) -> list[int]:
    """Sequences a trial is measured on at each successive-halving size.

    Example:
        >>> rung_sizes(12, 3)
        [12, 36, 108]
    """
    return [per_trial * PROMOTE**r for r in range(rungs)]


def fit_generator(
    real: Sequence[MotSequence] | RealismStats,
    base: SceneSetSpec,
    *,
    budget: int = 3000,
    per_trial: int = 12,
    seed: int = 0,
    knobs: Sequence[str] | None = None,
    holdout: Sequence[MotSequence] | RealismStats | None = None,
    observe: Sequence[MotSequence] | None = None,
    rungs: int = 3,
    progress: bool = False,
) -> FitResult:
    """Search the generator's knobs to match the motion statistics of real sequences.

    Args:
        real: the real sequences (or their statistics) to imitate.
        base: the starting spec; knobs that are not searched keep its values.
        budget: most sequences to generate in all (the final checks on fresh sequences
            included: ``FINALISTS + 1`` checks of the largest size).
        per_trial: sequences every trial is measured on first (the same indices and seed
            for every trial).
        seed: seeds the sampler and the generated sequences.
        knobs: names of the knobs to search (default: every knob of ``KNOBS`` that
            applies to ``base``).
        holdout: real sequences (or statistics) not used in the search, to measure how
            the fit generalises.
        observe: sequences whose frame rates, image shape and clip lengths are copied into
            the spec (default: ``real`` when it is a list of sequences; nothing is copied
            when it is statistics).
        rungs: successive-halving sizes (``rung_sizes``: ``per_trial`` times 1, PROMOTE,
            PROMOTE^2, ...); 1 measures every trial on ``per_trial`` sequences only.
        progress: show a progress bar.

    Returns:
        The best spec and its distances, with the base's for comparison.

    Raises:
        UserInputError: optuna is missing, a knob name is unknown, or the budget does not
            allow the final checks and two trials.

    Example:
        >>> from synreal.tracking.generate import scene_set_sequences
        >>> truth = SceneSetSpec.model_validate({"name": "t", "scene": {"frames": 60, "entry_rate": [2, 2]}})
        >>> real = scene_set_sequences(truth, 4, seed=1)
        >>> res = fit_generator(real, truth.model_copy(update={"name": "fit"}), budget=40, per_trial=2, rungs=2,
        ...                     knobs=["scene.entry_rate"])  # doctest: +SKIP
    """
    optuna = _optuna()
    if per_trial < 1:
        raise UserInputError(f"expected at least 1 sequence per trial, found {per_trial}", key="per_trial")
    if rungs < 1:
        raise UserInputError(f"expected at least 1 rung, found {rungs}", key="rungs")
    sizes = rung_sizes(per_trial, rungs)
    final_n = sizes[-1]
    search_budget = budget - (1 + FINALISTS) * final_n
    if search_budget < 2 * per_trial:
        raise UserInputError(
            f"a budget of {budget} sequences leaves {max(search_budget, 0)} for the search after the {1 + FINALISTS} "
            f"final checks of {final_n} sequences; at least 2 trials of {per_trial} are needed "
            f"(raise the budget, or lower per_trial or rungs)",
            key="budget",
        )
    target = real if isinstance(real, RealismStats) else sequence_stats(real)
    source = observe if observe is not None else (None if isinstance(real, RealismStats) else real)
    start = observed(list(source), base) if source else base
    chosen = [knob(n) for n in knobs] if knobs is not None else [k for k in KNOBS if k.applies(start)]
    if not chosen:
        raise UserInputError("no knob to search for this spec", key="knobs")
    first_params = knob_params(start, chosen)
    first: dict[str, float | int] = dict(first_params)
    for k in chosen:
        if k.integer:
            first = {nm: (int(v) if nm.startswith(k.name + ".") or nm == k.name else v) for nm, v in first.items()}

    def suggest(trial: Any) -> dict[str, float]:
        params = {}
        for k in chosen:
            names = [k.name + ".low", k.name + ".high"] if k.pair else [k.name + ".high"] if k.upper_only else [k.name]
            for nm in names:
                if k.integer:
                    params[nm] = float(trial.suggest_int(nm, int(k.low), int(k.high)))
                else:
                    params[nm] = trial.suggest_float(nm, k.low if not k.log else max(k.low, 1e-6), k.high, log=k.log)
        return params

    def score(d: Distances) -> float:
        return d.overall if math.isfinite(d.overall) else 1.0

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    # A trial costs per_trial sequences, plus the larger sizes for the 1 / PROMOTE^r promoted.
    cost = sum((sizes[r] - (sizes[r - 1] if r else 0)) / PROMOTE**r for r in range(rungs))
    expected = max(2, int(search_budget / cost))
    sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True, n_startup_trials=max(5, expected // 5))
    pruner = optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=PROMOTE, min_early_stopping_rate=0)
    study = optuna.create_study(direction="minimize", sampler=sampler, pruner=pruner)
    study.enqueue_trial(first)
    bar = None
    if progress:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                       TextColumn("best {task.fields[best]}"), console=Console(stderr=True), transient=True)  # fmt: skip
        bar.start()
        task = bar.add_task("fitting the generator (sequences)", total=budget, best="-")

    records: list[tuple[dict[str, float], float, int]] = []  # (params, distance, sequences)
    rung_values: list[list[float]] = []
    used = 0
    try:
        while used + per_trial <= search_budget:
            trial = study.ask()
            params = suggest(trial)
            spec_t = apply_params(start, chosen, params)
            stats: RealismStats | None = None
            n, value, pruned, values = 0, float("nan"), False, []
            for r, size in enumerate(sizes):
                if used + size - n > search_budget:
                    pruned = True  # the budget ends before the next size
                    break
                more = generated_stats(spec_t, size - n, seed, start=n)
                stats = more if stats is None else RealismStats.combine([stats, more])
                used += size - n
                n, value = size, score(realism_distance(target, stats))
                values.append(value)
                if bar is not None:
                    bar.update(task, advance=size - (sizes[r - 1] if r else 0))
                trial.report(value, step=size // per_trial)
                if r < rungs - 1 and trial.should_prune():
                    pruned = True
                    break
            records.append((params, value, n))
            rung_values.append(values)
            if pruned:
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            else:
                study.tell(trial, value)
            if bar is not None:
                top_n = max(m for *_, m in records)
                bar.update(task, best=f"{min(v for _, v, m in records if m == top_n):.3f} on {top_n}")
        # The search favours the spec that was luckiest on its own sequences: the best few
        # at the largest size reached and the starting spec are measured again on fresh
        # sequences, and the best of those wins (so a fit never returns a spec that does
        # worse there than the one it started from).
        fresh = seed + 1_000_003
        ranked = sorted(records[1:], key=lambda rec: (-rec[2], rec[1]))[:FINALISTS]
        base_s = generated_stats(start, final_n, fresh)
        base_d = realism_distance(target, base_s)
        best, best_params, best_d, best_s = start, first_params, base_d, base_s
        for params, _, _ in ranked:
            spec_t = apply_params(start, chosen, params)
            s_t = generated_stats(spec_t, final_n, fresh)
            d_t = realism_distance(target, s_t)
            if score(d_t) < score(best_d):
                best, best_params, best_d, best_s = spec_t, params, d_t, s_t
        if bar is not None:
            bar.update(task, advance=(1 + len(ranked)) * final_n)
    finally:
        if bar is not None:
            bar.stop()
    top_n = max(m for *_, m in records)
    result = FitResult(spec=best, distance=best_d, base_spec=start, base_distance=base_d,
                       search_distance=min(v for _, v, m in records if m == top_n), params=best_params,
                       trials=[(p, v) for p, v, _ in records], simulated=used + (1 + len(ranked)) * final_n,
                       trial_sequences=[m for *_, m in records], trial_distances=rung_values,
                       final_sequences=final_n)  # fmt: skip
    if holdout is not None:
        ho = holdout if isinstance(holdout, RealismStats) else sequence_stats(holdout)
        result.holdout_distance = realism_distance(ho, best_s)
        result.base_holdout_distance = realism_distance(ho, base_s)
    return result


def spec_yaml(spec: SceneSetSpec, header: Sequence[str] = ()) -> str:
    """A spec as YAML (frame-rate keys as numbers), after ``#`` comment lines.

    Example:
        >>> print(spec_yaml(SceneSetSpec(name="x", scene={"fps": 25}), ["fitted"]).splitlines()[0])
        # fitted
    """
    import yaml

    data = spec.model_dump(mode="python")
    fps = data["scene"]["fps"]
    if isinstance(fps, dict):
        data["scene"]["fps"] = {(int(k) if float(k).is_integer() else float(k)): float(v) for k, v in fps.items()}

    def plain(x: Any) -> Any:
        if isinstance(x, dict):
            return {k: plain(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [plain(v) for v in x]
        if isinstance(x, (np.floating, float)):
            return float(round(float(x), 4))
        return x

    text = yaml.safe_dump(plain(data), sort_keys=False, default_flow_style=None, width=110)
    return "".join(f"# {h}\n" for h in header) + text


def write_fit(result: FitResult, out: str | Path) -> Path:
    """Write the best spec as YAML, its distances in the header, via a temporary file.

    Args:
        result: from ``fit_generator``.
        out: the YAML file to write.

    Returns:
        The path written.
    """
    p = Path(out)
    head = [
        "Scene set fitted to real annotations by `synreal mot fit-generator`.",
        f"overall distance {result.distance.overall:.4f} (starting spec: {result.base_distance.overall:.4f}) on fresh "
        f"sequences; {len(result.trials)} trials, {result.simulated} sequences simulated",
    ]
    if result.holdout_distance is not None and result.base_holdout_distance is not None:
        head.append(
            f"held-out real sequences: overall distance {result.holdout_distance.overall:.4f} "
            f"(starting spec: {result.base_holdout_distance.overall:.4f})"
        )
    head.append("distance per statistic (fitted / starting):")
    for name, v in result.distance.per_statistic.items():
        head.append(f"  {name}: {v:.4f} / {result.base_distance.per_statistic[name]:.4f}")
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(spec_yaml(result.spec, head), encoding="utf-8")
    tmp.replace(p)
    return p
