"""The substitution section: curves, and how much real data each configuration replaces.

It formats ``StudyAnalysis.substitutability`` and ``.tests`` (computed once by
``synreal.analysis.study``); every sentence states the verdict of the non-inferiority test
of science.md and the seeds that decided it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synreal.analysis.study import StudyAnalysis
from synreal.analysis.substitution import CONFIG, SUBSTITUTE_CONDITIONS, config_label
from synreal.report.figures import plot_substitution_curves
from synreal.report.html import figure_html, fmt_bounds, fmt_num, fmt_pct, fmt_seeds, fmt_signed, html_table
from synreal.report.sections import ReportContext, Section, section
from synreal.report.text import bullets, details, doing, headlines_with_rest, lower_first, para

STATUS_ORDER = {"replaces": 0, "none": 1, "not-shown": 2, "worse": 3, "too-few-seeds": 4}


def _tol_words(tol: float, metric: str) -> str:
    return f"within {tol:g} {metric} of" if tol > 0 else "at least as good as"


def _seeds_words(n: int, a: StudyAnalysis) -> str:
    """'3 seeds' or, with adaptive seeds, 'decided with 6 seeds'."""
    looks = a.settings.looks
    if looks is not None and len(looks.sizes) > 1:
        return f"decided with {fmt_seeds(n)}"
    return fmt_seeds(n)


def substitution_sentence(row: pd.Series, tests: pd.DataFrame, a: StudyAnalysis) -> str:
    """The plain sentence for one configuration's substitutability.

    Args:
        row: one row of ``substitutability``.
        tests: that configuration's rows of ``substitution_tests``.
        a: the study analysis (settings: metric, tolerance, level, seed schedule).

    Returns:
        One sentence that states the claim, its grid bracket, the point estimate with its
        interval, and the seeds behind it; or why no claim is made.
    """
    s = a.settings
    subject = doing(row["condition"], row["source"], row["n_synthetic"], a.settings.item)
    within = _tol_words(s.tolerance, s.metric)
    ref = "real-only training on all the real data"
    status = row["status"]
    if status == "replaces":
        f_star, f_prev = float(row["f_star"]), float(row["f_prev"])
        star = tests[np.isclose(tests["real_fraction"], f_star)].iloc[0]
        shown = (f"with {fmt_pct(f_star)} of the real data it is shown {within} {ref} "
                 f"({fmt_signed(star['diff'])}, {fmt_bounds(star['lower'], star['upper'], star['bound_level'], level=s.level)}; "
                 f"{_seeds_words(int(star['n_seeds']), a)})")
        if f_prev > 0:
            prev = {"below": "is shown worse", "undecided": "cannot be told", "too few seeds": "has too few seeds"}.get(
                row["prev_decision"], "was not tested")
            bracket = (f"; the grid brackets the answer between {fmt_pct(row['replaces_lo'])} and "
                       f"{fmt_pct(row['replaces_hi'])}: at {fmt_pct(f_prev)} real it {prev}")
        else:
            bracket = "; that is the smallest fraction run, so it may replace more"
        text = f"{subject} replaces at least {fmt_pct(row['replaces_lo'])} of the real training data: {shown}{bracket}."
        if np.isfinite(row["point"]):
            hi_txt = fmt_pct(row["point_hi"]) if np.isfinite(row["point_hi"]) else "n/a"
            lo_txt = fmt_pct(max(row["point_lo"], 0.0)) if np.isfinite(row["point_lo"]) else "0%"
            text += (f" Point estimate: {fmt_pct(row['point'])} ({s.level:.0%} interval {lo_txt} to {hi_txt}, "
                     "over seeds).")
        if row["point_note"]:
            text += f" Note: {row['point_note']}."
    elif status == "none":
        below = tests[tests["real_fraction"] < float(row["f_star"]) - 1e-12].sort_values("real_fraction")
        tail = ""
        if len(below):
            b = below.iloc[-1]
            what = "is shown worse" if b["decision"] == "below" else "cannot be told apart"
            tail = (f"; at {fmt_pct(b['real_fraction'])} real it {what} ({fmt_signed(b['diff'])}, "
                    f"{fmt_bounds(b['lower'], b['upper'], b['bound_level'], level=s.level)})")
        text = (f"{subject} is not shown to replace any of the real data: it is shown {within} {ref} only with "
                f"{fmt_pct(row['f_star'])} of it{tail}.")
    elif status == "not-shown":
        text = (f"{subject} is not shown to replace any of the real data: even at {fmt_pct(row['largest_fraction'])} "
                f"real the seeds cannot tell whether it is {within} {ref} ({fmt_signed(row['diff_at_largest'])}, "
                f"{fmt_bounds(row['lower_at_largest'], row['upper_at_largest'], _level_at(tests, row), level=s.level)};"
                f" {fmt_seeds(int(row['n_seeds']))}).")
    elif status == "worse":
        text = (f"{subject} is worse than real-only training even with {fmt_pct(row['largest_fraction'])} of the real "
                f"data: {fmt_signed(row['diff_at_largest'])} {s.metric} (upper bound "
                f"{fmt_signed(row['upper_at_largest'])}, beyond the tolerance of {s.tolerance:g}); it replaces none "
                "of it.")
    else:
        return (f"Whether {lower_first(subject)} can replace real data cannot be assessed: no real fraction has at "
                f"least 2 seeds paired with the reference ({fmt_seeds(int(row['n_seeds']))} at most).")
    looks = s.looks
    if looks is not None and len(looks.sizes) > 1 and row["undecided"]:
        final = tests[tests["real_fraction"].isin(row["undecided"]) & tests["final"].astype(bool)]
        if len(final):
            text += (f" Undecided after {looks.max_seeds} seeds at "
                     f"{', '.join(fmt_pct(f) for f in final['real_fraction'])} real.")
    return text


def _level_at(tests: pd.DataFrame, row: pd.Series) -> float:
    r = tests[np.isclose(tests["real_fraction"], float(row["largest_fraction"]))]
    return float(r["bound_level"].iloc[0]) if len(r) else float("nan")


@section("substitution", order=10)
def substitution_section(ctx: ReportContext) -> Section | None:
    """Substitution curves and how much real data each pretrain/mix configuration replaces."""
    a = ctx.analysis
    assert a is not None  # set when the context is made
    s = a.settings
    curves = a.curves
    if curves.empty:
        return None
    sec = Section("substitution", "Substitution: how much real data can synthetic data replace")
    keep = [(c, src, int(n)) not in a.grid_configs
            for c, src, n in zip(curves["condition"], curves["source"], curves["n_synthetic"])]
    shown_curves = curves[keep]
    ref = shown_curves[(shown_curves["condition"] == "real") & np.isclose(shown_curves["real_fraction"], 1.0)]
    reference = tuple(float(ref.iloc[0][k]) for k in ("mean", "lo", "hi")) if len(ref) else None
    fig = plot_substitution_curves(shown_curves, ctx.figures_dir / "substitution.png", reference=reference,
                                   metric=s.metric, level=s.level, tests=a.tests,
                                   tolerance=s.tolerance if s.higher_is_better else -s.tolerance)
    sec.figures.append(fig)
    summary: dict[str, Any] = {"metric": s.metric, "higher_is_better": s.higher_is_better, "tolerance": s.tolerance,
                               "level": s.level, "reference": None, "substitutability": a.substitutability,
                               "tests": a.tests, "curves": curves, "figures": [fig.name]}
    body: list[str] = []
    n_configs = len(shown_curves[shown_curves["condition"].isin(SUBSTITUTE_CONDITIONS)][CONFIG].drop_duplicates())
    if n_configs == 0:
        sec.headlines.append("Substitutability cannot be assessed: the study ran no pretrain or mix condition, so "
                             "there is no synthetic curve to compare with real-only training.")
    elif not a.has_reference:
        sec.headlines.append("Substitutability cannot be assessed: the study has no real-only runs on 100% of the "
                             "real data, the reference that training with synthetic data must match.")
    else:
        sub = a.substitutability.assign(
            _o=a.substitutability["status"].map(STATUS_ORDER), _r=-a.substitutability["replaces_lo"].fillna(-1)
        ).sort_values(["_o", "_r", "condition", "source", "n_synthetic"]).drop(columns=["_o", "_r"])
        sentences = []
        for _, row in sub.iterrows():
            t = a.tests[(a.tests["condition"] == row["condition"]) & (a.tests["source"] == row["source"])
                        & (a.tests["n_synthetic"] == row["n_synthetic"])]
            sentences.append(substitution_sentence(row, t, a))
        sec.headlines.extend(headlines_with_rest(sentences, "Substitution"))
        r = ref.iloc[0]
        summary["reference"] = {"condition": "real", "real_fraction": 1.0, "mean": r["mean"], "lo": r["lo"],
                                "hi": r["hi"], "n_seeds": r["n_seeds"]}
        summary["sentences"] = sentences
        body.append(figure_html(fig, "substitution curves",
                                f"Mean {s.metric} over seeds with {s.level:.0%} t interval bands; the dotted line is "
                                f"the reference R (real-only, 100%) and the shaded strip below it the tolerance. "
                                "Filled markers: shown within the tolerance of R; open: undecided; crosses: shown "
                                "worse."))
        body.append(bullets(sentences))
        body.append(_summary_table(sub, a, ctx.meta.n_train_real))
        body.append(details("Every test (configuration x real fraction)", _tests_table(a)))
    if a.grid_configs:
        body.append(para(f"{len(a.grid_configs)} pretrain/mix configuration(s) ran at only one or two real fractions "
                         "(a scaling grid); they cannot bracket how much real data they replace, so the Scaling "
                         "section analyses them and this section leaves them out.", "note"))
    body.append(para(_method_note(a), "note"))
    sec.html = "".join(body)
    sec.summary = summary
    return sec


def _summary_table(sub: pd.DataFrame, a: StudyAnalysis, n_real: int | None) -> str:
    """One row per configuration: claim, bracket, point estimate, seeds."""
    rows = []
    for _, row in sub.iterrows():
        if row["status"] == "replaces":
            claim = f"at least {fmt_pct(row['replaces_lo'])}"
            bracket = f"{fmt_pct(row['replaces_lo'])} to {fmt_pct(row['replaces_hi'])}"
            saved = f"at least {round(row['replaces_lo'] * n_real):,}" if n_real else "n/a"
        else:
            claim = {"none": "none shown", "not-shown": "none shown (undecided at the largest fraction)",
                     "worse": "none: worse than real-only", "too-few-seeds": "too few seeds"}[row["status"]]
            bracket = saved = "-"
        point = "n/a"
        if np.isfinite(row["point"]):
            hi = fmt_pct(row["point_hi"]) if np.isfinite(row["point_hi"]) else "n/a"
            point = f"{fmt_pct(row['point'])} [{fmt_pct(max(row['point_lo'], 0.0))} to {hi}]"
        rows.append([config_label(row["condition"], row["source"], row["n_synthetic"]), claim, bracket, point, saved,
                     fmt_pct(row["f_star"]) if np.isfinite(row["f_star"]) else "none",
                     row["prev_decision"] or "-", int(row["n_seeds"])])
    return html_table(["configuration", "replaces", "grid bracket", f"point estimate [{a.settings.level:.0%}]",
                       "real images saved", "f*", "decision below f*", "seeds"], rows, numeric=[4, 5, 7],
                      caption="How much of the real training data each configuration replaces")


def _tests_table(a: StudyAnalysis) -> str:
    """Every cell's difference to R, its bounds and its decision."""
    words = {"above": "within tolerance", "below": "worse", "undecided": "undecided", "too few seeds": "too few seeds"}
    rows = [[config_label(r.condition, r.source, r.n_synthetic), fmt_pct(r.real_fraction), fmt_signed(r.diff),
             fmt_num(r.lower), fmt_num(r.upper), f"{round(100 * r.bound_level, 2):g}%", int(r.n_seeds),
             words[r.decision]] for r in a.tests.itertuples()]
    return html_table(["configuration", "real", f"difference to R ({a.settings.metric})", "lower bound",
                       "upper bound", "one-sided level", "seeds", "decision"], rows, numeric=[1, 2, 3, 4, 5, 6])


def _method_note(a: StudyAnalysis) -> str:
    s = a.settings
    looks = s.looks
    schedule = looks.describe() if looks is not None else f"one look at the seeds run, one-sided {s.level:.0%}"
    return (f"Non-inferiority test (science.md): per seed, d = {s.metric}(f) - {s.metric}(R), paired by seed, with R "
            f"real-only training on 100% of the real data. A fraction passes when the lower one-sided bound of the "
            f"mean of d lies above -{s.tolerance:g} (shown within the tolerance; a wide interval makes a pass harder, "
            f"never easier); f* is the smallest fraction from which every larger fraction passes. Bounds are "
            f"Student-t over seeds; {schedule}. The point estimate is where the isotonic mean curve crosses "
            f"-{s.tolerance:g} (linear in log fraction); its interval holds every fraction at which a paired t-test "
            f"does not tell the seeds' interpolated curves apart from -{s.tolerance:g}.")
