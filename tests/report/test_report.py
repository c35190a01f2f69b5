"""The report built from a simulated study: planted findings, self-containment, outputs."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from synreal.data.base import ImageSet
from synreal.errors import UserInputError
from synreal.report.figures import plot_image_grid
from synreal.report.html import build_report
from tests.report.simulate import simulate_meta, simulate_study

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    table = simulate_study()
    rng = np.random.default_rng(0)
    samples = {"real": rng.uniform(size=(12, 1, 8, 8)),
               "fonts-all": ImageSet(rng.uniform(size=(4, 1, 8, 8)).astype(np.float32), np.arange(4), list("0123"))}
    meta = simulate_meta(table, timings={"wall_seconds": 12.5, "reused_runs": 3})
    out = tmp_path_factory.mktemp("report")
    paths = build_report(table, meta, out, samples=samples)
    return table, paths, paths.html.read_text(encoding="utf-8"), json.loads(paths.summary.read_text())


def _headlines(summary: dict, section: str) -> list[str]:
    return [h["text"] for h in summary["headlines"] if h["section"] == section]


def test_headlines_state_the_planted_substitutability(built):
    _, _, page, summary = built
    sub = _headlines(summary, "substitution")
    # pretrain fonts-all matches the reference at 30% real: at least 70% replaced (grid 70-80%); mix at 70%:
    # at least 30% (30-60%); fonts-2-thin is 0.03 below real-only everywhere, beyond the 0.01 tolerance
    assert any(s.startswith("Pre-training on 20,000 fonts-all images replaces at least 70% of the real training data")
               and "between 70% and 80%" in s and "3 seeds" in s for s in sub)
    assert any("mixed with the real data replaces at least 30%" in s and "between 30% and 60%" in s for s in sub)
    assert any("fonts-2-thin" in s and "is worse than real-only training even with 100%" in s for s in sub)
    findings = page.split('id="findings"')[1].split("</section>")[0]
    assert "replaces at least 70%" in findings


def test_headlines_state_the_planted_ranking(built):
    _, _, _, summary = built
    flex = _headlines(summary, "flexibility")
    assert flex[0].startswith("Of 3 synthetic configurations, pretrain fonts-all (20,000) has the best mean")
    assert "95% interval" in flex[0]
    assert flex[1].startswith("It is shown better than every other configuration")
    assert "adjusted for 3 comparisons" in flex[1]
    assert any("synthetic data alone" in s and "synthetic-only fonts-all" in s for s in flex)
    overall = summary["sections"]["flexibility"]["overall"]
    assert [r["config"] for r in overall] == ["pretrain fonts-all (20,000)", "mix fonts-all (20,000)",
                                             "pretrain fonts-2-thin (20,000)"]


def test_every_synthetic_gain_sits_beside_the_augmentation_baseline(built):
    _, _, page, summary = built
    aug = _headlines(summary, "augmentation")
    assert any("real+aug" in s and "augmentation alone gives" in s for s in aug)
    gains = pd.DataFrame(summary["sections"]["augmentation"]["gains"])
    assert (gains["verdict"] == np.where(gains["lower"] > 0, "better",
                                         np.where(gains["upper"] < 0, "worse", "cannot tell apart"))).all()
    synth = gains[gains["condition"] != "real+aug"]
    # 3 configurations x 7 fractions, each against both baselines
    assert len(synth) == 3 * 7 * 2
    assert "gain over real+aug" in page


def test_html_is_self_contained(built):
    _, _, page, _ = built
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"url\(\s*['\"]?\s*(?:https?:)?//", page, re.I)
    assert "<script" not in page.lower() and "<link" not in page.lower()
    imgs = re.findall(r'<img\b[^>]*\bsrc="([^"]*)"', page)
    assert len(imgs) >= 4  # substitution, ranking, augmentation, samples
    for src in imgs:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == PNG


def test_figures_are_written_as_png(built):
    _, paths, _, _ = built
    names = {p.name for p in paths.figures}
    assert {"substitution.png", "ranking.png", "augmentation.png", "samples.png"} <= names
    for p in paths.figures:
        assert p.read_bytes()[:8] == PNG


def test_summary_round_trips_and_carries_meta(built):
    _, paths, _, summary = built
    assert json.loads(json.dumps(summary)) == summary
    assert summary["seeds"] == [0, 1, 2]
    assert summary["data_fingerprint"] == "0123456789abcdef"
    assert summary["config"]["report"]["tolerance"] == 0.01
    assert {"substitution", "flexibility", "augmentation", "samples", "provenance"} <= set(summary["sections"])
    rows = {r["source"]: r for r in summary["sections"]["substitution"]["substitutability"]
            if r["condition"] == "pretrain"}
    assert (rows["fonts-all"]["replaces_lo"], rows["fonts-all"]["replaces_hi"]) == pytest.approx((0.7, 0.8))
    assert rows["fonts-2-thin"]["status"] == "worse" and rows["fonts-2-thin"]["replaces_lo"] is None
    assert summary["meta"]["samples"]["real"] == {"array_shape": [12, 1, 8, 8]}


def test_results_csv_equals_the_input_table(built):
    table, paths, _, _ = built
    back = pd.read_csv(paths.results_csv)
    pd.testing.assert_frame_equal(back, table, check_dtype=False)
    assert back["value"].to_numpy() == pytest.approx(table["value"].to_numpy(), abs=0, rel=0)


def _report(tmp_path: Path, table: pd.DataFrame, **meta) -> tuple[str, dict]:
    paths = build_report(table, simulate_meta(table, **meta), tmp_path)
    return paths.html.read_text(encoding="utf-8"), json.loads(paths.summary.read_text())


def test_missing_conditions_are_said_not_crashed(tmp_path):
    # one configuration, no reference (real at 100%) and no real+aug at all
    t = simulate_study(configs=({"condition": "pretrain", "source": "fonts-all", "n_synthetic": 20000, "match": 0.3},),
                       synthetic_only=())
    t = t[~((t["condition"] == "real") & (t["real_fraction"] == 1.0)) & (t["condition"] != "real+aug")]
    page, summary = _report(tmp_path, t)
    sub = _headlines(summary, "substitution")
    assert len(sub) == 1 and "cannot be assessed" in sub[0] and "no real-only runs on 100%" in sub[0]
    assert any("no real+aug runs" in s and "cannot tell" in s for s in _headlines(summary, "augmentation"))
    assert any("Only one pretrain/mix configuration" in s and "cannot be assessed" in s
               for s in _headlines(summary, "flexibility"))
    assert "cannot be assessed" in page.split('id="findings"')[1].split("</section>")[0]


def test_no_synthetic_conditions_says_so_and_stale_figures_go(tmp_path):
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "old.png").write_bytes(PNG)
    _, summary = _report(tmp_path, simulate_study(configs=(), synthetic_only=()))
    assert any("ran no pretrain or mix condition" in s for s in _headlines(summary, "substitution"))
    assert "flexibility" not in summary["sections"]
    assert not (tmp_path / "figures" / "old.png").exists()


def test_one_seed_gives_no_claims_without_intervals(tmp_path):
    t = simulate_study(seeds=(0,))
    page, summary = _report(tmp_path, t)
    sub = _headlines(summary, "substitution")
    assert all("cannot be assessed" in s for s in sub[:3])
    assert "no interval: 1 seed" in page


def test_bad_tables_are_user_errors(tmp_path):
    t = simulate_study(configs=(), synthetic_only=())
    with pytest.raises(UserInputError, match="lacks column"):
        build_report(t.drop(columns="seed"), simulate_meta(t), tmp_path)
    with pytest.raises(UserInputError, match="does not occur"):
        build_report(t, simulate_meta(t, metric="hota"), tmp_path)
    with pytest.raises(UserInputError, match="empty"):
        build_report(t.iloc[:0], simulate_meta(t), tmp_path)


def test_image_grid_rejects_what_is_not_an_image_array(tmp_path):
    with pytest.raises(UserInputError, match="C = 1 or 3"):
        plot_image_grid({"x": np.zeros((2, 8, 8))}, tmp_path / "g.png")
    with pytest.raises(UserInputError, match=r"\[0, 1\]"):
        plot_image_grid({"x": np.full((2, 1, 8, 8), 16.0)}, tmp_path / "g.png")
    p = plot_image_grid({"rgb": np.random.default_rng(0).uniform(size=(3, 3, 8, 8))}, tmp_path / "g.png")
    assert p.read_bytes()[:8] == PNG
