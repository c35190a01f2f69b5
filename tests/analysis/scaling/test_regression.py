"""Regression anchors: the public fit on fixed tables reproduces the numbers of the original engine.

The expected numbers below were produced once by the single-module engine
(``src/synreal/analysis/scaling.py`` at commit e6bca01, before it was split into the
``synreal.analysis.scaling`` package) on the same inputs, with the same arguments. They are
the one legitimate kind of hard-coded result: they pin behaviour across a refactoring, they do
not claim to be the truth. A deliberate change of the method must update them and say why.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synreal.analysis.equivalency import effective_data
from synreal.analysis.scaling import fit_scaling_law

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "scaling" / "pretrain_runs.csv"
REL = 1e-7  # bit-identical on the machine that made them; room for another BLAS


def _check(fit, params, gains, balance, rss, df):
    for p, (est, lo, hi) in params.items():
        assert fit.params[p] == pytest.approx(est, rel=REL), p
        assert fit.intervals[p] == pytest.approx((lo, hi), rel=REL), p
    for k, v in gains.items():
        assert fit.gains[k] == pytest.approx(v, rel=REL), k
    for k, v in balance.items():
        assert fit.balance[k] == pytest.approx(v, rel=REL), k
    assert fit.rss == pytest.approx(rss, rel=REL) and fit.df == df


def test_single_law_with_a_seed_bootstrap_matches_the_original_engine():
    t = pd.read_csv(EXAMPLE)
    fit = fit_scaling_law(t[t["n_real"] == 575], n="n_synthetic", metric="accuracy", higher_is_better=True,
                          seed="seed")
    _check(fit,
           params={"D": (0.7988233503111553, 0.3643837644701105, 1.2332629361522),
                   "alpha": (0.44434135015596066, 0.3412536843330188, 0.5785702675835355),
                   "C": (0.01515105822464072, 0.005385528139662556, 0.024916588309618883)},
           gains={"2x": (0.0028692193755776446, 0.0018190902223748399, 0.0039193485287804496),
                  "10x": (0.006933110514997929, 0.00385143375563474, 0.010014787274361118)},
           balance={"removable": (0.01082396556355703, 0.006048529485595794, 0.019369704785282705),
                    "gap": (0.01515105822464072, 0.005385528139662556, 0.024916588309618883),
                    "difference": (-0.004327092661083689, -0.02089755202886945, 0.01224336670670207)},
           rss=0.00016877287353159526, df=27)
    assert fit.verdict_kind == "gap-dominates" and not fit.ill_conditioned


def test_joint_law_matches_the_original_engine():
    t = pd.read_csv(EXAMPLE)
    fit = fit_scaling_law(t, n="n_synthetic", metric="accuracy", higher_is_better=True, seed="seed", s="n_real")
    _check(fit,
           params={"delta": (17.158899391619055, 13.027413672051425, 22.60063553238969),
                   "gamma": (0.01727824179062799, 0.014643122539151657, 0.01991336104210432),
                   "alpha": (0.44282598371581505, 0.39026425085882843, 0.5024668578337537),
                   "beta": (0.47921500964581704, 0.447372585895567, 0.5110574333960671)},
           gains={"2x": (0.0029677802638824226, 0.0025582064857854734, 0.0033773540419793717),
                  "10x": (0.007178117860072036, 0.005935917449583458, 0.008420318270560613)},
           balance={"removable": (0.011228496502195326, 0.008820477065864115, 0.014293913215618237),
                    "gap": (0.014109600660176878, 0.010416464441899028, 0.01780273687845473),
                    "difference": (-0.002881104157981552, -0.009341422026560468, 0.0035792137105973626)},
           rss=0.0005687242907932039, df=56)
    assert fit.s_ref == 575 and fit.verdict_kind == "gap-dominates"


def test_residual_bootstrap_matches_the_original_engine():
    t = pd.read_csv(EXAMPLE)
    one = t[(t["n_real"] == 144) & (t["seed"] == 0)]
    fit = fit_scaling_law(one, n="n_synthetic", metric="accuracy", higher_is_better=True)
    _check(fit,
           params={"D": (2.0404122486285567, 0.9246281930053473, 4.362311851664122),
                   "alpha": (0.48254113093160067, 0.35558170927520183, 0.6408930250622591),
                   "C": (0.032453520316302206, 0.01549920631249244, 0.04549788428577315)},
           gains={"2x": (0.005430123804902487, 0.003550760093929634, 0.007518963803973174),
                  "10x": (0.012812994353538783, 0.00748323619976215, 0.019141744343914097)},
           balance={}, rss=1.0998420528721846e-05, df=3)
    assert fit.procedure["bootstrap"] == "residuals"


def test_effective_data_matches_the_original_engine():
    # The simulated study of docs/make_scaling_figures.py: pre-training worth 400 real samples at 5,000.
    rng = np.random.default_rng(0)
    sizes = [144, 287, 575, 862, 1150]

    def curve(n):
        return 3 * np.asarray(n, dtype=float) ** -0.5 + 0.02

    real = pd.DataFrame([{"n_real": n, "seed": k, "error": curve(n) + rng.normal(0, 0.003)}
                         for n in sizes for k in range(5)])
    rows = [{"source": src, "n_synthetic": m, "n_real": n, "seed": k, "error": curve(n + extra) + rng.normal(0, 0.003)}
            for src, worth in (("render-digits", {1000: 150, 5000: 400}), ("noisy-npz", {1000: 40, 5000: 60}))
            for m, extra in worth.items() for n in sizes for k in range(5)]
    out = effective_data(real, pd.DataFrame(rows), by=["source", "n_synthetic"], n_boot=1000)
    c = out.attrs["real_curve"]
    assert (c["a"], c["b"], c["c"]) == pytest.approx((3.4762313262685574, 0.5376219251896458, 0.03020334774166994),
                                                     rel=REL)
    r = out[(out["source"] == "render-digits") & (out["n_synthetic"] == 5000)].set_index("n_real")
    expected = {144: (544.5794036802207, 509.7196962887794, 581.8231649119682),
                287: (682.9492656404726, 639.2051053841345, 729.6870683762182),
                575: (976.661186080784, 860.4253216823009, 1108.5994895312074)}
    for n, v in expected.items():
        assert tuple(r.loc[n, ["n_eff", "n_eff_lo", "n_eff_hi"]]) == pytest.approx(v, rel=REL), n
    assert not r.loc[862, "identifiable"] and not r.loc[1150, "identifiable"]
