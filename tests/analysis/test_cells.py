"""The one scaling-grid rule: configurations run at too few real fractions to bracket f*."""

from __future__ import annotations

import pandas as pd

from synreal.analysis.cells import scaling_grid_configs


def table(configs: dict[tuple[str, str, int], list[float]]) -> pd.DataFrame:
    """One row per configuration and real fraction (other columns do not matter to the rule)."""
    rows = [{"condition": c, "source": s, "n_synthetic": n, "real_fraction": f, "seed": 0, "metric": "accuracy",
             "value": 0.9} for (c, s, n), fs in configs.items() for f in fs]
    return pd.DataFrame(rows)


def test_with_a_full_curve_present_configurations_at_one_or_two_fractions_are_grid_cells():
    t = table({("pretrain", "fonts", 1000): [0.1, 0.25, 0.5, 1.0], ("mix", "fonts", 1000): [0.1, 0.5, 1.0],
               ("pretrain", "fonts", 100): [0.1], ("pretrain", "fonts", 300): [0.1, 0.5],
               ("real", "none", 0): [0.1, 0.25, 0.5, 1.0]})
    assert scaling_grid_configs(t) == {("pretrain", "fonts", 100), ("pretrain", "fonts", 300)}


def test_when_the_best_covers_two_fractions_only_single_fraction_configurations_are_singled_out():
    t = table({("pretrain", "a", 1000): [0.1, 1.0], ("pretrain", "a", 100): [0.1], ("pretrain", "a", 300): [0.1]})
    assert scaling_grid_configs(t) == {("pretrain", "a", 100), ("pretrain", "a", 300)}


def test_a_study_that_is_all_grid_singles_out_nothing():
    t = table({("pretrain", "a", n): [0.1] for n in (100, 300, 1000)})
    assert scaling_grid_configs(t) == set()


def test_real_only_and_synthetic_only_rows_neither_count_nor_appear():
    t = table({("real", "none", 0): [0.1], ("synthetic-only", "a", 100): [0.0],
               ("pretrain", "a", 1000): [0.1, 0.5, 1.0], ("pretrain", "a", 100): [0.5]})
    assert scaling_grid_configs(t) == {("pretrain", "a", 100)}
    assert scaling_grid_configs(table({("real", "none", 0): [0.1, 1.0]})) == set()


def test_the_threshold_is_a_knob():
    t = table({("pretrain", "a", 1000): [0.1, 0.25, 0.5, 1.0], ("pretrain", "a", 100): [0.1, 0.5, 1.0]})
    assert scaling_grid_configs(t) == set()
    assert scaling_grid_configs(t, min_fractions=4) == {("pretrain", "a", 100)}
