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
            print(table.to_markdown(index=False))
        else:
            print(table.to_string(index=False))
    judged = table[table["met"] != ""]
    print(f"\n{(judged['met'] == 'yes').sum()} of {len(judged)} targets met; {args.sims} simulations per rate, "
          f"{args.coverage_sims} per coverage; {secs:.0f} s")


if __name__ == "__main__":
    main()
