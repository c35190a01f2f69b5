"""The core report sections: substitution, flexibility, augmentation, samples, provenance.

Importing this module registers them in ``synreal.report.sections.SECTIONS``. Each reads
the tidy table through ``ReportContext`` and returns plain sentences (each with its interval,
or saying that the data cannot support the claim), an HTML body, figures and the numbers
behind the sentences.
"""

from __future__ import annotations

import html
import json
from typing import Any

import numpy as np
import pandas as pd

import synreal
from synreal.analysis.augmentation import augmentation_gains, missing_baselines
from synreal.analysis.ranking import AVERAGE, rank_configurations
from synreal.analysis.substitution import (
    CONFIG,
    SUBSTITUTE_CONDITIONS,
    config_label,
    substitutability,
    substitution_curves,
    substitution_tests,
)
from synreal.report.figures import plot_augmentation_gains, plot_image_grid, plot_ranking, plot_substitution_curves
from synreal.report.html import (
    figure_html,
    fmt_interval,
    fmt_num,
    fmt_p,
    fmt_pct,
    fmt_range,
    fmt_seeds,
    fmt_signed,
    html_table,
)
from synreal.report.sections import ReportContext, Section, section

MAX_HEADLINES = 3  # per section; the rest are in the section body


def _settings(ctx: ReportContext) -> tuple[str, bool, float]:
    """Primary metric, its direction, and the substitutability tolerance."""
    metric = str(ctx.meta.get("metric", "accuracy"))
    higher = bool(ctx.meta.get("higher_is_better", True))
    spec_report = ((ctx.meta.get("spec") or {}).get("report") or {})
    tolerance = float(ctx.meta.get("tolerance", spec_report.get("tolerance", 0.0)))
    return metric, higher, tolerance


def _iv(row: Any, level: float, signed: bool = False) -> str:
    """The interval of a row with ``lo``, ``hi`` and ``n_seeds`` (a Series or a named tuple)."""
    get = row.__getitem__ if isinstance(row, pd.Series) else lambda k: getattr(row, k)
    return fmt_interval(get("lo"), get("hi"), level=level, signed=signed, n=int(get("n_seeds")))


def _p(text: str, cls: str | None = None) -> str:
    """An escaped paragraph."""
    return f'<p{f" class={chr(34)}{cls}{chr(34)}" if cls else ""}>{html.escape(text)}</p>'


def _ul(items: list[str]) -> str:
    """An escaped bullet list."""
    return "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"


def _details(summary: str, body: str) -> str:
    """A collapsed block (long tables)."""
    return f"<details><summary>{html.escape(summary)}</summary><div class=\"table-wrap\">{body}</div></details>"


def _names(labels: list[str], limit: int = 4) -> str:
    """'a, b and c' (at most ``limit`` names, then 'and N more')."""
    if len(labels) > limit:
        labels = labels[:limit] + [f"{len(labels) - limit} more"]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _doing(condition: str, source: str, n: int) -> str:
    """The subject of a sentence about one synthetic configuration."""
    if condition == "pretrain":
        return f"Pre-training on {int(n):,} {source} images"
    if condition == "mix":
        return f"Training on {int(n):,} {source} images mixed with the real data"
    return f"Training on {int(n):,} {source} images alone"


# ---------------------------------------------------------------- substitution


def _substitution_sentence(row: pd.Series, test: pd.Series | None, metric: str, level: float, tol: float) -> str:
    """The plain sentence for one configuration's substitutability."""
    subject = _doing(row["condition"], row["source"], row["n_synthetic"])
    tol_txt = f" within a tolerance of {tol:g} {metric}" if tol > 0 else ""
    seeds = fmt_seeds(row["n_seeds"])
    status = row["status"]
    if status == "bracketed":
        interp = f"interpolated {fmt_pct(row['replaces_interp'])}; " if np.isfinite(row["replaces_interp"]) else ""
        text = (f"{subject} replaces between {fmt_pct(row['replaces_lo'])} and {fmt_pct(row['replaces_hi'])} "
                f"of the real training data{tol_txt} ({interp}{seeds}).")
    elif status == "at-least":
        text = (f"{subject} replaces at least {fmt_pct(row['replaces_lo'])} of the real training data{tol_txt}: "
                f"with {fmt_pct(row['f_star'])} of it, the smallest fraction run, it already matches real-only "
                f"training on all of it ({seeds}); how much more it could replace was not measured.")
    elif status == "not-reached":
        gap = f" ({seeds})"
        if test is not None:
            # quote the bound the decision rests on, not the two-sided t interval, so the
            # sentence cannot show an interval that contradicts its verdict
            gap = (f": at {fmt_pct(test['real_fraction'])} real it is {fmt_num(-test['diff'])} {metric} worse "
                   f"(one-sided {level:.0%} bound: at least {fmt_num(-test['upper'])} worse; "
                   f"{fmt_seeds(test['n_seeds'])})")
        text = (f"{subject} does not reach the reference (real-only on 100% of the real data) at any fraction "
                f"run{tol_txt}{gap}.")
    else:
        return (f"Whether {subject[0].lower() + subject[1:]} can replace real data cannot be assessed: no real "
                f"fraction has at least 2 seeds paired with the reference ({seeds} at most).")
    if row["fails_above"]:
        text += (f" The curve is not monotone: it falls short of the reference again at "
                 f"{_names([fmt_pct(f) for f in row['fails_above']])} real, so the bracket is fragile.")
    return text


@section("substitution", order=10)
def substitution_section(ctx: ReportContext) -> Section | None:
    """Substitution curves and how much real data each pretrain/mix configuration replaces."""
    metric, higher, tol = _settings(ctx)
    curves = substitution_curves(ctx.results, metric=metric, level=ctx.level)
    if curves.empty:
        return None
    sec = Section("substitution", "Substitution: how much real data can synthetic data replace")
    is_ref = (curves["condition"] == "real") & np.isclose(curves["real_fraction"], 1.0)
    reference = None
    if is_ref.any():
        r = curves[is_ref].iloc[0]
        reference = (float(r["mean"]), float(r["lo"]), float(r["hi"]))
    fig = plot_substitution_curves(curves, ctx.figures_dir / "substitution.png", reference=reference, metric=metric,
                                   level=ctx.level)
    sec.figures.append(fig)
    n_configs = len(curves[curves["condition"].isin(SUBSTITUTE_CONDITIONS)][CONFIG].drop_duplicates())
    body: list[str] = []
    summary: dict[str, Any] = {"metric": metric, "higher_is_better": higher, "tolerance": tol, "level": ctx.level,
                               "reference": None, "substitutability": [], "tests": [], "curves": curves,
                               "figures": [fig.name]}
    if n_configs == 0:
        sec.headlines.append("Substitutability cannot be assessed: the study ran no pretrain or mix condition, so "
                             "there is no synthetic curve to compare with real-only training.")
    elif reference is None:
        sec.headlines.append("Substitutability cannot be assessed: the study has no real-only runs on 100% of the "
                             "real data, the reference that training with synthetic data must match.")
    else:
        sub = substitutability(ctx.results, metric=metric, higher_is_better=higher, tolerance=tol, level=ctx.level)
        tests = substitution_tests(ctx.results, metric=metric, higher_is_better=higher, tolerance=tol, level=ctx.level)
        order = {"bracketed": 0, "at-least": 0, "not-reached": 1, "too-few-seeds": 2}
        sub = sub.assign(_o=sub["status"].map(order), _r=-sub["replaces_lo"].fillna(-1)).sort_values(
            ["_o", "_r", "condition", "source", "n_synthetic"]).drop(columns=["_o", "_r"]).reset_index(drop=True)
        # a configuration run at one real fraction only (a scaling grid) cannot bracket f*:
        # it belongs to the Scaling section, not to a "does not reach" sentence
        n_fr = tests.groupby(CONFIG)["real_fraction"].nunique()
        single = [k for k, v in n_fr.items() if v < min(3, n_fr.max())]
        if single:
            keep = ~sub.set_index(CONFIG).index.isin(single)
            sub = sub[keep].reset_index(drop=True)
        sentences = []
        for _, row in sub.iterrows():
            cell = tests[(tests["condition"] == row["condition"]) & (tests["source"] == row["source"])
                         & (tests["n_synthetic"] == row["n_synthetic"]) & (tests["n_seeds"] >= 2)]
            last = cell.sort_values("real_fraction").iloc[-1] if len(cell) else None
            sentences.append(_substitution_sentence(row, last, metric, ctx.level, tol))
        if single:
            sentences.append(f"{len(single)} configuration(s) ran at only one or two real fractions (a scaling grid), "
                             "which cannot bracket how much real data they replace; the Scaling section analyses them.")
        sec.headlines.extend(sentences[:MAX_HEADLINES])
        if len(sentences) > MAX_HEADLINES:
            sec.headlines.append(f"{len(sentences) - MAX_HEADLINES} further configuration(s) are assessed in the "
                                 "Substitution section.")
        r = curves[is_ref].iloc[0]
        summary["reference"] = {"condition": "real", "real_fraction": 1.0, "mean": r["mean"], "lo": r["lo"],
                                "hi": r["hi"], "n_seeds": r["n_seeds"]}
        summary["substitutability"] = sub
        summary["tests"] = tests
        body.append(_ul(sentences))
        n_real = ctx.meta.get("n_train_real")
        rows = []
        for _, row in sub.iterrows():
            if row["status"] in ("bracketed", "at-least"):
                bracket = f"{fmt_pct(row['replaces_lo'])} to {fmt_pct(row['replaces_hi'])}"
                saved = (f"{round(row['replaces_lo'] * n_real):,} to {round(row['replaces_hi'] * n_real):,}"
                         if n_real else "n/a")
            else:
                bracket = saved = "none"
            interp = fmt_pct(row["replaces_interp"]) if np.isfinite(row["replaces_interp"]) else "n/a"
            rows.append([config_label(row["condition"], row["source"], row["n_synthetic"]), row["status"],
                         bracket, interp, saved,
                         fmt_pct(row["f_star"]) if np.isfinite(row["f_star"]) else "none",
                         fmt_signed(row["diff_at_star"]), fmt_signed(row["upper_at_star"]), int(row["n_seeds"])])
        body.append(html_table(
            ["configuration", "status", "replaces", "interpolated", "real images saved", "f*", "diff at f*",
             f"{ctx.level:.0%} bound", "seeds"],
            rows, numeric=[3, 4, 5, 6, 7, 8]))
        body.append(_p(
            f"Reference R: real-only training on 100% of the real data, {metric} {fmt_num(r['mean'])} "
            f"({_iv(r, ctx.level)}, {fmt_seeds(r['n_seeds'])}). "
            f"f* is the smallest real fraction whose one-sided {ctx.level:.0%} bootstrap bound of "
            f"{metric}(f) - {metric}(R), paired by seed, reaches -tolerance ({tol:g}); the configuration then "
            "replaces between 1 - f* and 1 - (the fraction run below f*) of the real data"
            + (f", i.e. the stated number of the {n_real:,} real training images" if n_real else "")
            + ". 'diff at f*' is the mean paired difference there (at the largest fraction when none passes) and "
            f"'{ctx.level:.0%} bound' its one-sided bootstrap bound. Differences are oriented so that positive means "
            "better than R. The interpolated value is where an increasing (isotonic) fit of the mean differences, "
            "interpolated in log fraction, crosses -tolerance."
            + (" With fewer than 5 seeds the percentile bootstrap cannot reach beyond the values observed, so its "
               "bound is narrower than a t bound: read borderline verdicts with care."
               if int(tests["n_seeds"].max()) < 5 else ""), "note"))
        test_rows = [[config_label(t.condition, t.source, t.n_synthetic), fmt_pct(t.real_fraction), fmt_signed(t.diff),
                      fmt_range(t.lo, t.hi, signed=True, n=int(t.n_seeds)), fmt_signed(t.upper),
                      "yes" if t.passes else "no", int(t.n_seeds)] for t in tests.itertuples()]
        body.append(_details("Every pretrain/mix cell against the reference", html_table(
            ["configuration", "real", f"diff ({metric})", f"{ctx.level:.0%} t interval",
             f"one-sided {ctx.level:.0%} bound", "not worse than R", "seeds"], test_rows, numeric=[1, 2, 4, 6])))
    body.insert(0, figure_html(fig, f"{metric} against real fraction",
                               f"Mean {metric} over seeds with {ctx.level:.0%} t-interval bands"
                               + ("; dotted line: the reference (real-only on 100% of the real data)."
                                  if reference is not None else "; no reference (real-only on 100%) was run.")))
    curve_rows = [[config_label(c.condition, c.source, c.n_synthetic), fmt_pct(c.real_fraction), fmt_num(c.mean),
                   fmt_range(c.lo, c.hi, n=int(c.n_seeds)), int(c.n_seeds)]
                  for c in curves.itertuples()]
    body.append(_details("Curve values (mean and interval over seeds)", html_table(
        ["condition", "real", metric, f"{ctx.level:.0%} t interval", "seeds"], curve_rows, numeric=[1, 2, 4])))
    sec.html = "".join(body)
    sec.summary = summary
    return sec


# ---------------------------------------------------------------- flexibility


def _runs_of(by_fraction: pd.DataFrame) -> list[tuple[str, list[float]]]:
    """Consecutive real fractions grouped by their best configuration (rank 1, first by name)."""
    firsts = by_fraction[(by_fraction["rank"] == 1) & (by_fraction["real_fraction"] > 0)]
    firsts = firsts.sort_values(["real_fraction", "config"]).drop_duplicates("real_fraction")
    runs: list[tuple[str, list[float]]] = []
    for f, lab in zip(firsts["real_fraction"], firsts["config"]):
        if runs and runs[-1][0] == lab:
            runs[-1][1].append(float(f))
        else:
            runs.append((lab, [float(f)]))
    return runs


def _span(fs: list[float]) -> str:
    """'5% real' or '5% to 20% real'."""
    return f"{fmt_pct(fs[0])} real" if len(fs) == 1 else f"{fmt_pct(fs[0])} to {fmt_pct(fs[-1])} real"


def _full_grid(results: pd.DataFrame) -> pd.DataFrame:
    """Drop pretrain/mix configurations run at fewer than 3 real fractions (scaling grids) when others
    cover more, so the ranking compares configurations over the same fractions."""
    syn = results[results["condition"].isin(SUBSTITUTE_CONDITIONS)]
    n_fr = syn.groupby(CONFIG)["real_fraction"].nunique()
    if n_fr.empty or n_fr.max() < 3:
        return results
    single = set(n_fr[n_fr < 3].index)
    keys = list(zip(results["condition"], results["source"], results["n_synthetic"]))
    return results[[k not in single for k in keys]]


@section("flexibility", order=20)
def flexibility_section(ctx: ReportContext) -> Section | None:
    """Ranking of synthetic configurations with intervals and Holm-corrected paired tests."""
    metric, higher, _ = _settings(ctx)
    rk = rank_configurations(_full_grid(ctx.results), metric=metric, higher_is_better=higher, level=ctx.level)
    if rk.by_fraction.empty:
        return None
    sec = Section("flexibility", "Flexibility: which synthetic configuration helps most")
    lev = ctx.level
    alpha = 1 - lev
    body: list[str] = []
    main = rk.by_fraction[rk.by_fraction["real_fraction"] > 0]
    configs = main["config"].unique().tolist()
    if len(configs) == 1:
        sec.headlines.append(f"Only one pretrain/mix configuration ({configs[0]}) was run, so which synthetic "
                             "distribution helps most cannot be assessed.")
    elif len(configs) > 1 and rk.overall.empty:
        sec.headlines.append("The pretrain/mix configurations share no real fraction, so they cannot be ranked on "
                             "average; see the per-fraction ranks below.")
    elif len(configs) > 1:
        ov = rk.overall
        best = ov.iloc[0]
        fr = ", ".join(fmt_pct(f) for f in rk.fractions)
        sec.headlines.append(
            f"Of {len(ov)} synthetic configurations, {best['config']} ranks first on {metric} averaged over real "
            f"fractions {fr} ({fmt_num(best['mean'])}, {_iv(best, lev)}; "
            f"{fmt_seeds(best['n_seeds'])}).")
        avg_pairs = rk.pairs[rk.pairs["scope"] == AVERAGE]
        vs_best = avg_pairs[avg_pairs["better"] == best["config"]]
        sig = vs_best[vs_best["significant"]]["worse"].tolist()
        ties = [c for c in ov["config"].iloc[1:] if c not in sig]
        second = ov.iloc[1]
        d = avg_pairs[((avg_pairs["better"] == best["config"]) & (avg_pairs["worse"] == second["config"]))
                      | ((avg_pairs["worse"] == best["config"]) & (avg_pairs["better"] == second["config"]))].iloc[0]
        lead = (f"ahead of {second['config']} by {fmt_signed(d['diff'])} "
                f"({_iv(d, lev, signed=True)})")
        if not ties:
            sec.headlines.append(f"It is significantly better than each of the other {len(ov) - 1} (paired by seed, "
                                 f"Holm-corrected at {alpha:.0%}), {lead}.")
        elif not sig:
            sec.headlines.append(f"It cannot be told apart from any other configuration (paired by seed, "
                                 f"Holm-corrected at {alpha:.0%}); it is {lead}.")
        else:
            sec.headlines.append(f"It is significantly better than {_names(sig)} but cannot be told apart from "
                                 f"{_names(ties)} (paired by seed, Holm-corrected at {alpha:.0%}); it is {lead}.")
        runs = _runs_of(main)
        if len(runs) > 1:
            sec.headlines.append("The configuration with the best mean depends on the amount of real data: "
                                 + "; ".join(f"{lab} at {_span(fs)}" for lab, fs in runs) + ".")
        span = fmt_pct(rk.fractions[0]) + (f" to {fmt_pct(rk.fractions[-1])}" if len(rk.fractions) > 1 else "")
        title = f"{metric} averaged over {len(rk.fractions)} real fractions ({span})"
        body.append(figure_html(plot_ranking(ov, ctx.figures_dir / "ranking.png", metric=metric, level=lev, title=title),
                                "ranking of synthetic configurations",
                                f"Mean over seeds of each seed's average {metric} over real fractions {fr}, with "
                                f"{lev:.0%} t intervals."))
        body.append(html_table(["rank", "configuration", f"{metric} (average)", f"{lev:.0%} interval", "seeds"],
                               [[int(r.rank), r.config, fmt_num(r.mean),
                                 fmt_range(r.lo, r.hi, n=int(r.n_seeds)), int(r.n_seeds)]
                                for r in ov.itertuples()], numeric=[0, 2, 4]))
        body.append(html_table(["better", "worse", "difference", f"{lev:.0%} interval", "p", "p (Holm)", "significant"],
                               [[r.better, r.worse, fmt_signed(r.diff),
                                 fmt_range(r.lo, r.hi, signed=True, n=int(r.n_seeds)),
                                 fmt_p(r.p), fmt_p(r.p_holm), "yes" if r.significant else "no"]
                                for r in avg_pairs.itertuples()], numeric=[2, 4, 5],
                               caption="Pairwise differences of the averages, paired by seed"))
    synth_only = rk.by_fraction[rk.by_fraction["real_fraction"] == 0]
    if not synth_only.empty:
        b = synth_only.iloc[0]
        ref = ctx.results[(ctx.results["metric"] == metric) & (ctx.results["condition"] == "real")
                          & np.isclose(ctx.results["real_fraction"].astype(float), 1.0)]["value"]
        against = (f", against {fmt_num(float(ref.mean()))} for real-only training on all the real data"
                   if len(ref) else "")
        many = f"the best of {len(synth_only)}, " if len(synth_only) > 1 else ""
        sec.headlines.append(
            f"Trained on synthetic data alone ({many}{b['config']}), the model reaches {metric} "
            f"{fmt_num(b['mean'])} on the real test set ({_iv(b, lev)}){against}.")
    if len(rk.by_fraction):
        piv = rk.by_fraction.assign(cell=[f"{fmt_num(m)} (#{int(r)})" for m, r in zip(rk.by_fraction["mean"],
                                                                                     rk.by_fraction["rank"])])
        fr_list = sorted(piv["real_fraction"].unique())
        labels = sorted(piv["config"].unique())
        lookup = {(c, f): v for c, f, v in zip(piv["config"], piv["real_fraction"], piv["cell"])}
        body.append(html_table(["configuration"] + [(fmt_pct(f) + " real") if f > 0 else "synthetic only"
                                                    for f in fr_list],
                               [[c] + [lookup.get((c, f), "not run") for f in fr_list] for c in labels],
                               numeric=list(range(1, len(fr_list) + 1)),
                               caption=f"Mean {metric} and rank (#1 = best) at each real fraction"))
        per = rk.pairs[rk.pairs["scope"] != AVERAGE]
        if len(per):
            n_sig = int(per["significant"].sum())
            title = f"Pairwise tests at each real fraction ({n_sig} of {len(per)} significant)"
            body.append(_details(title, html_table(
                ["real", "better", "worse", "difference", f"{lev:.0%} interval", "p (Holm)", "significant"],
                [[fmt_pct(r.real_fraction), r.better, r.worse, fmt_signed(r.diff),
                  fmt_range(r.lo, r.hi, signed=True, n=int(r.n_seeds)), fmt_p(r.p_holm),
                  "yes" if r.significant else "no"] for r in per.itertuples()], numeric=[0, 3, 5])))
    body.append(_p(f"Intervals are two-sided {lev:.0%} t intervals over seeds. Pairs are compared on the seeds both "
                   f"ran (paired t-test); p-values are Holm-corrected within each scope (the average, or one real "
                   f"fraction), and a pair is significant when its corrected p-value is at most {alpha:.0%}.", "note"))
    sec.html = "".join(body)
    sec.figures = sorted(ctx.figures_dir.glob("ranking.png"))
    sec.summary = {"metric": metric, "level": lev, "fractions_averaged": rk.fractions, "overall": rk.overall,
                   "by_fraction": rk.by_fraction, "pairs": rk.pairs}
    return sec


# ---------------------------------------------------------------- augmentation


@section("augmentation", order=25)
def augmentation_section(ctx: ReportContext) -> Section | None:
    """Every synthetic gain beside the gain of plain augmentation (real+aug)."""
    metric, higher, _ = _settings(ctx)
    lev = ctx.level
    gains = augmentation_gains(ctx.results, metric=metric, higher_is_better=higher, level=lev)
    missing = missing_baselines(ctx.results, metric=metric)
    synth_cells = pd.concat([gains[gains["condition"] != "real+aug"][["config", "real_fraction"]],
                             missing[["config", "real_fraction"]]]).drop_duplicates()
    if synth_cells.empty and gains.empty:
        return None
    sec = Section("augmentation", "Augmentation baseline beside every synthetic gain")
    body: list[str] = []
    synth = gains[gains["condition"] != "real+aug"]
    over_real = synth[synth["baseline"] == "real"]
    over_aug = synth[synth["baseline"] == "real+aug"]
    aug_alone = gains[gains["condition"] == "real+aug"]
    has_aug = (ctx.results["condition"] == "real+aug").any()
    if not synth_cells.empty and not has_aug:
        sec.headlines.append("The study has no real+aug runs, so it cannot tell a synthetic gain from what plain "
                             "augmentation would have given.")
    if len(synth_cells):
        n = len(synth_cells)
        parts = [f"{int((over_real['verdict'] == 'better').sum())} beat real-only training"] if len(over_real) else []
        if len(over_aug):
            parts.append(f"{int((over_aug['verdict'] == 'better').sum())} beat real+aug, the augmentation baseline")
        if parts:
            sec.headlines.append(f"Of {n} synthetic cells (configuration x real fraction), " + " and ".join(parts)
                                 + f" ({lev:.0%} interval of the paired gain above zero).")
    # gains are oriented "positive = better"; for a lower-is-better metric say it is a reduction
    unit = metric if higher else f"{metric} reduction"
    if len(over_aug):
        b = over_aug.sort_values(["gain", "config"], ascending=[False, True]).iloc[0]
        same = over_real[(over_real["config"] == b["config"]) & (over_real["real_fraction"] == b["real_fraction"])]
        alone = aug_alone[aug_alone["real_fraction"] == b["real_fraction"]]
        txt = (f"Largest gain over the augmentation baseline: {b['config']} at {fmt_pct(b['real_fraction'])} real, "
               f"{fmt_signed(b['gain'])} {unit} over real+aug "
               f"({_iv(b, lev, signed=True)})")
        if len(same):
            s = same.iloc[0]
            txt += (f" and {fmt_signed(s['gain'])} over real-only "
                    f"({_iv(s, lev, signed=True)})")
        if len(alone):
            a = alone.iloc[0]
            txt += (f"; augmentation alone gives {fmt_signed(a['gain'])} there "
                    f"({_iv(a, lev, signed=True)})")
        sec.headlines.append(txt + ".")
    if len(gains):
        fig = plot_augmentation_gains(gains, ctx.figures_dir / "augmentation.png", metric=metric, level=lev)
        sec.figures.append(fig)
        body.append(figure_html(fig, "synthetic gains over real and real+aug",
                                f"Paired gains (mean over seeds, {lev:.0%} t interval); grey: real+aug over real."))

    def cell(df: pd.DataFrame, config: str, f: float, baseline: str) -> str:
        r = df[(df["config"] == config) & (df["real_fraction"] == f) & (df["baseline"] == baseline)]
        if r.empty:
            return "not run"
        r0 = r.iloc[0]
        return f"{fmt_signed(r0['gain'])} [{fmt_range(r0['lo'], r0['hi'], signed=True, n=int(r0['n_seeds']))}]"

    rows = []
    for c in synth_cells.sort_values(["config", "real_fraction"]).itertuples():
        rows.append([c.config, fmt_pct(c.real_fraction), cell(synth, c.config, c.real_fraction, "real"),
                     cell(synth, c.config, c.real_fraction, "real+aug"),
                     cell(aug_alone, "real+aug", c.real_fraction, "real")])
    if rows:
        body.append(html_table(["configuration", "real", "gain over real", "gain over real+aug",
                                "real+aug over real (augmentation alone)"], rows, numeric=[1, 2, 3, 4],
                               caption=f"Gains in {unit} (positive = better), paired by seed, "
                                       f"with {lev:.0%} t intervals"))
    elif len(aug_alone):
        body.append(html_table(["real", "real+aug over real"],
                               [[fmt_pct(f), cell(aug_alone, "real+aug", f, "real")]
                                for f in sorted(aug_alone["real_fraction"])], numeric=[0, 1],
                               caption=f"Gain of augmentation alone in {metric}"))
    if len(missing):
        body.append(_p("Baselines not run at the fraction of a synthetic cell: "
                       + "; ".join(f"{m.baseline} at {fmt_pct(m.real_fraction)} (for {m.config})"
                                   for m in missing.itertuples()) + ".", "note"))
    sec.html = "".join(body)
    sec.summary = {"metric": metric, "level": lev, "gains": gains, "missing_baselines": missing}
    return sec


# ---------------------------------------------------------------- samples


@section("samples", order=90)
def samples_section(ctx: ReportContext) -> Section | None:
    """Grids of sample images, real and synthetic, when the study supplies them."""
    samples = ctx.meta.get("samples")
    if not samples:
        return None
    fig = plot_image_grid(samples, ctx.figures_dir / "samples.png")
    shapes = {str(k): list(np.shape(getattr(v, "images", v))) for k, v in samples.items()}
    return Section("samples", "Samples", html=figure_html(fig, "sample images", "The first images of each set."),
                   figures=[fig], summary={"shapes": shapes})


# ---------------------------------------------------------------- provenance


def _fmt_value(v: object) -> str:
    """A provenance value: integers with separators, other numbers with 2 decimals."""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):,.2f}"
    return str(v)


@section("provenance", order=100)
def provenance_section(ctx: ReportContext) -> Section:
    """Configuration, seeds, version, data fingerprint, timings and what was reused."""
    meta, res = ctx.meta, ctx.results
    metric = str(meta.get("metric", "accuracy"))
    seeds = meta.get("seeds") or sorted(res["seed"].unique().tolist())
    n_runs = int(res["run_id"].nunique()) if "run_id" in res.columns else int((res["metric"] == metric).sum())
    rows = [["study", meta.get("name", "n/a")],
            ["synreal version (runs)", meta.get("version", "n/a")],
            ["synreal version (report)", synreal.__version__],
            ["data fingerprint", meta.get("data_fingerprint", "n/a")],
            ["seeds", ", ".join(str(s) for s in seeds)],
            ["real fractions", ", ".join(fmt_pct(f) for f in (meta.get("real_fractions")
                                                              or sorted(res["real_fraction"].unique())))],
            ["real training images (100%)", f"{meta['n_train_real']:,}" if meta.get("n_train_real") else "n/a"],
            ["primary metric", f"{metric} ({'higher' if meta.get('higher_is_better', True) else 'lower'} is better)"],
            ["runs", f"{n_runs:,}"]]
    reused = meta.get("reused")
    if reused is not None:
        count = reused if isinstance(reused, (int, np.integer)) else len(reused)
        rows.append(["runs reused from the store", f"{int(count):,} of {n_runs:,}"])
    failed = meta.get("failed") or []
    rows.append(["failed runs", str(len(failed))])
    body = [html_table(["", ""], rows)]
    summary: dict[str, Any] = {"seeds": seeds, "n_runs": n_runs, "version": meta.get("version"),
                               "report_version": synreal.__version__, "data_fingerprint": meta.get("data_fingerprint"),
                               "reused": reused, "failed": failed}
    secs = res[res["metric"] == "train_seconds"]
    if len(secs):
        by = secs.groupby("condition")["value"].agg(["count", "sum", "median"]).reset_index()
        body.append(html_table(["condition", "runs", "train time, total (s)", "median per run (s)"],
                               [[r.condition, int(r.count), f"{r.sum:,.1f}", f"{r.median:,.2f}"]
                                for r in by.itertuples()]
                               + [["all", int(by["count"].sum()), f"{by['sum'].sum():,.1f}", ""]],
                               numeric=[1, 2, 3], caption="Training time (metric train_seconds)"))
        summary["train_seconds"] = by
    timings = meta.get("timings")
    if timings:
        body.append(html_table(["item", "value"], [[k.replace("_", " "), _fmt_value(v)] for k, v in timings.items()],
                               numeric=[1], caption="Timings of the last execution"))
        summary["timings"] = timings
    if failed:
        body.append(_details(f"Failed runs ({len(failed)})", _ul([str(f) for f in failed])))
    if isinstance(reused, (list, tuple)) and reused:
        body.append(_details(f"Reused runs ({len(reused)})", _ul([str(r) for r in reused])))
    spec = meta.get("spec")
    if spec is not None:
        text = json.dumps(spec, indent=2, sort_keys=True, default=str)
        body.append(_details("Resolved study configuration", f"<pre>{html.escape(text)}</pre>"))
    body.append(_p("Every number in this report is computed from results.csv beside it; summary.json holds the "
                   "numbers behind each sentence.", "note"))
    return Section("provenance", "Provenance", html="".join(body), summary=summary)
