"""Measured error rates of every verdict and interval the report prints (run by hand).

Plants substitution curves, learning curves and rankings with known truths and seed noise
like a real study's (per-seed sd 0.005 to 0.02), runs the report's own code
(``synreal.analysis.calibration.error_rate_table``) and prints one row per rate with its
target. The table in docs/verdicts.md is this script's output.

    python benchmarks/bench_verdicts.py [--sims 4000] [--coverage-sims 600] [--markdown]
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from synreal.analysis.calibration import error_rate_table


def pivot_markdown(table: pd.DataFrame) -> str:
    """One row per (quantity, design, noise shape), one column per sigma, targets in the last column."""
    t = table.assign(quantity=table["quantity"] + table["tails"].map({"normal": "", "heavy": " (heavy tails)"}))
    piv = t.pivot_table(index=["quantity", "design"], columns="sigma", values="value", aggfunc="first", sort=False)
    piv.columns = [f"sigma {c:g}" for c in piv.columns]
    target = t.groupby(["quantity", "design"], sort=False)["target"].first()
    out = piv.join(target).reset_index()
    q_order = {q: i for i, q in enumerate(dict.fromkeys(t["quantity"]))}
    d_order = {d: i for i, d in enumerate(dict.fromkeys(t["design"]))}
    out = out.sort_values(["quantity", "design"], key=lambda c: c.map(q_order if c.name == "quantity" else d_order))
    lines = ["| " + " | ".join(out.columns) + " |", "|" + "---|" * len(out.columns)]
    for row in out.itertuples(index=False):
        cells = [f"{v:.3f}" if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(c if c != "nan" else "" for c in cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sims", type=int, default=4000, help="simulations per verdict rate")
    ap.add_argument("--coverage-sims", type=int, default=600, help="simulations per interval coverage")
    ap.add_argument("--markdown", action="store_true", help="print the table as markdown (for docs/verdicts.md)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    table = error_rate_table(n_sims=args.sims, n_coverage=args.coverage_sims)
    secs = time.perf_counter() - t0
    table["value"] = table["value"].round(4)
    table["met"] = table["met"].map({True: "yes", False: "NO", None: ""})
    with pd.option_context("display.max_rows", None, "display.width", 200, "display.max_colwidth", 70):
        if args.markdown:
            print(pivot_markdown(table))
        else:
            print(table.to_string(index=False))
    judged = table[table["met"] != ""]
    print(f"\n{(judged['met'] == 'yes').sum()} of {len(judged)} targets met; {args.sims} simulations per rate, "
          f"{args.coverage_sims} per coverage; {secs:.0f} s")


if __name__ == "__main__":
    main()
