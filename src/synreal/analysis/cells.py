"""Which configurations of a study's tidy table belong to which analysis.

A *configuration* is ``(condition, source, n_synthetic)`` for the synthetic conditions that
are trained together with real data (``pretrain`` and ``mix``); a *cell* is a configuration at
one real fraction. Substitutability needs a configuration run over a range of real fractions
(to bracket the fraction ``f*`` from which it matches real-only training); a scaling grid runs
many synthetic sizes at one or two fractions instead. The rule that tells them apart lives here
so that every section applies the same one.
"""

from __future__ import annotations

import pandas as pd

from synreal.analysis.substitution import CONFIG, SUBSTITUTE_CONDITIONS

MIN_FRACTIONS = 3  # real fractions that bracket f* (below, at and above it)


def scaling_grid_configs(results: pd.DataFrame, *, min_fractions: int = MIN_FRACTIONS) -> set[tuple[str, str, int]]:
    """The pretrain/mix configurations that are scaling-grid cells, not substitution curves.

    Rule: a configuration ``(condition, source, n_synthetic)`` is a scaling-grid cell when it
    was run at fewer distinct real fractions than ``min(min_fractions, m)``, where ``m`` is the
    most distinct real fractions any pretrain/mix configuration of the study was run at. So
    with ``min_fractions = 3``: when some configuration covers 3 or more fractions, every
    configuration at 1 or 2 fractions is a grid cell; when the best covers 2, those at 1 are;
    when every configuration was run at one fraction, none is singled out (there is nothing
    better covered to set them apart from). Grid cells cannot bracket ``f*`` and cannot be
    ranked over the fractions the others share; the scaling section analyses them.

    Args:
        results: the tidy table (``condition, source, n_synthetic, real_fraction`` at least).
        min_fractions: fractions a configuration needs to count as a substitution curve.

    Returns:
        ``{(condition, source, n_synthetic)}`` with ``n_synthetic`` as an int.

    Example:
        >>> rows = [("pretrain", "fonts", 1000, f) for f in (0.1, 0.5, 1.0)]
        >>> rows += [("pretrain", "fonts", n, 0.1) for n in (100, 300, 3000)]
        >>> t = pd.DataFrame(rows, columns=["condition", "source", "n_synthetic", "real_fraction"])
        >>> sorted(scaling_grid_configs(t))
        [('pretrain', 'fonts', 100), ('pretrain', 'fonts', 300), ('pretrain', 'fonts', 3000)]
    """
    syn = results[results["condition"].isin(SUBSTITUTE_CONDITIONS)]
    if syn.empty:
        return set()
    n_fr = syn.groupby(list(CONFIG))["real_fraction"].nunique()
    need = min(int(min_fractions), int(n_fr.max()))
    return {(str(c), str(s), int(n)) for (c, s, n), v in n_fr.items() if v < need}
