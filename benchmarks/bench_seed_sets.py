"""Run the demo study twice, with disjoint seed sets, and compare every verdict (run by hand).

A verdict may be decided in one run and undecided in the other, but must never be decided
both ways. Prints each verdict's decision and seeds in both runs, and the counts.

    python benchmarks/bench_seed_sets.py [--out DIR] [--second-first 100]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
from rich.console import Console

from synreal.cli.study import demo_spec_path
from synreal.report.build import report_from_store
from synreal.study.runner import run_study
from synreal.study.spec import load_spec


def run(first: int, out: Path) -> pd.DataFrame:
    spec = load_spec(demo_spec_path())
    if spec.adaptive is None:
        raise SystemExit("the demo spec does not use adaptive seeds")
    spec = spec.model_copy(update={"seeds": spec.adaptive.model_copy(update={"first": first})})
    t0 = time.perf_counter()
    run_study(spec, out / f"first-{first}", console=Console(stderr=True))
    report_from_store(out / f"first-{first}")
    print(f"seeds from {first}: {time.perf_counter() - t0:.0f} s")
    return pd.read_csv(out / f"first-{first}" / "verdicts.csv")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("runs/seed-sets"))
    ap.add_argument("--second-first", type=int, default=100)
    args = ap.parse_args()
    a = run(0, args.out)
    b = run(args.second_first, args.out)
    m = a.merge(b, on=["family", "subject", "against"], suffixes=("_a", "_b"))
    decided = {"above", "below"}
    both = m[m["decision_a"].isin(decided) & m["decision_b"].isin(decided)]
    contradict = both[both["decision_a"] != both["decision_b"]]
    one = m[m["decision_a"].isin(decided) ^ m["decision_b"].isin(decided)]
    with pd.option_context("display.max_rows", None, "display.width", 200, "display.max_colwidth", 60):
        print(m[["family", "subject", "against", "decision_a", "n_seeds_a", "decision_b", "n_seeds_b"]]
              .to_string(index=False))
    print(f"\n{len(m)} verdicts in both runs: {len(both)} decided in both ({len(both) - len(contradict)} the same "
          f"way, {len(contradict)} contradicting), {len(one)} decided in one only, "
          f"{len(m) - len(both) - len(one)} undecided in both")
    if len(contradict):
        print(contradict.to_string(index=False))


if __name__ == "__main__":
    main()
