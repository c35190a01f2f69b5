"""How real the generated crowds move: motion statistics of every example scene set against
MOT17 and SportsMOT training ground truth, the targets of the realism issue, and what
``fit-generator`` gains over the defaults (also on real sequences it never saw).

Targets: with default knobs, multi-group against MOT17 and sport against SportsMOT each
within 25% of the real value (or 0.01 absolute for shares under 0.1) on the seven headline
statistics; fit-generator halves the overall distance from the defaults.

The noise floor (``--floor``): how far a sample of the real set's own size drawn from the
real sequences (a bootstrap over sequences) is from the real set, which is about where a
generator that reproduced the real footage's population exactly would sit; and how far two
generated samples of one spec are apart at the sizes the search uses.

Every fit is checked again, outside its budget, on ``--check`` sequences of another seed
than the search's and its final choice used, for the starting and the fitted spec.

Honesty note: the defaults were tuned on these same MOT17 and SportsMOT training sets, so
the default rows are in-sample. The held-out rows fit on every other real sequence (in
name order) and measure the distance on the others.

Usage: python benchmarks/bench_realism.py [--sequences 40] [--floor] [--fit] [--budget 3000] [--per-trial 12]
    [--rungs 3] [--check 200] [--only multi-group] [--no-holdout] [--skip-table]
Needs ../shared/data/mot17-train and ../shared/data/sportsmot-train.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SYNREAL_SHARED_DATA", REPO.parent / "shared" / "data"))
EXAMPLES = REPO / "examples" / "tracking"
#: Which scene set imitates which real set (and so has targets).
IMITATES = {"multi-group": "MOT17", "sport": "SportsMOT"}
#: The generator before its realism knobs (M3Act's clips: no entries, no occluders, a
#: static camera, placements within 20 m, exact annotation, walkers who never stop), as a
#: starting point that has not seen the real data: what a fit gains when the defaults were
#: not tuned on the same set.
UNTUNED = {
    "scene": {"activities": {"walk": 1, "wait": 1, "queue": 1, "talk": 1, "dance": 1, "run": 1}, "entry_rate": 0,
              "occluders": 0, "door_share": 0, "along_view": 0, "spacing": 1,
              "activity_options": {"walk": {"stop": 0, "turn": 8}}},
    "camera": {"cam_height": [2.5, 6], "pitch": [12, 30], "fov": [50, 75], "depth": [3, 20], "moving": 0},
    "render": {"label_interval": 1, "label_noise": 0, "label_grid": 0, "min_visibility": 0},
}  # fmt: skip


def headline(real, synth) -> list[tuple[str, float, float, bool]]:  # type: ignore[no-untyped-def]
    """(label, real, synthetic, within target) for the seven headline rows."""
    from synreal.tracking.stats import HEADLINE_ROWS, is_share, meets_target, row_label

    out = []
    for name, how in HEADLINE_ROWS:
        r = real.summary(name, "median" if how == "rate" else how)
        s = synth.summary(name, "median" if how == "rate" else how)
        out.append((row_label(name, how), r, s, meets_target(r, s, share=is_share(name))))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sequences", type=int, default=40, help="generated sequences per scene set")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fit", action="store_true", help="also run fit-generator (minutes)")
    ap.add_argument("--budget", type=int, default=3000, help="fit-generator: sequences simulated per fit")
    ap.add_argument("--per-trial", type=int, default=12, help="fit-generator: sequences per trial (first size)")
    ap.add_argument("--rungs", type=int, default=3, help="fit-generator: successive-halving sizes (1: none)")
    ap.add_argument("--check", type=int, default=200, help="fresh sequences of the independent check of each fit")
    ap.add_argument("--no-holdout", action="store_true", help="skip the held-out half fits")
    ap.add_argument("--floor", action="store_true", help="measure the noise floor of the distance")
    ap.add_argument("--save", type=Path, help="folder for the fitted scene sets (YAML, distances in the header)")
    ap.add_argument("--only", choices=sorted(IMITATES), help="fit (and measure the floor of) only this scene set")
    ap.add_argument("--skip-table", action="store_true", help="skip the statistics tables and targets")
    ap.add_argument("--untuned", action="store_true", help="start the fits from the untuned generator, not the defaults")
    args = ap.parse_args()

    from synreal.tracking.motchallenge import find_sequences, read_sequence
    from synreal.tracking.spec import load_scene_set
    from synreal.tracking.stats import sequence_stats

    reals = {"MOT17": SHARED / "mot17-train", "SportsMOT": SHARED / "sportsmot-train"}
    missing = [str(p) for p in reals.values() if not p.is_dir()]
    if missing:
        sys.exit(f"missing real data: {', '.join(missing)}")
    print(f"realism benchmark (Python {sys.version.split()[0]}, load {os.getloadavg()[0]:.1f}), "
          f"{args.sequences} sequences per scene set, seed {args.seed}")  # fmt: skip
    real_seqs = {k: [read_sequence(d) for d in find_sequences(p)] for k, p in reals.items()}
    real_stats = {k: sequence_stats(v) for k, v in real_seqs.items()}
    specs = {p.stem: load_scene_set(p) for p in sorted(EXAMPLES.glob("*.yaml"))}
    if not args.skip_table:
        tables(args, real_stats, specs)
    if args.floor:
        floor(args, real_seqs, specs)
    if args.fit:
        fits(args, real_seqs, specs)


def tables(args, real_stats, specs) -> None:  # type: ignore[no-untyped-def]
    """Statistics of every scene set against both real sets, and the headline targets."""
    from synreal.tracking.generate import scene_set_sequences
    from synreal.tracking.stats import markdown_table, realism_distance, sequence_stats, stats_table

    synth = {}
    for name, spec in specs.items():
        t = time.process_time()
        synth[name] = sequence_stats(scene_set_sequences(spec, args.sequences, seed=args.seed))
        print(f"  generated {name}: {args.sequences} sequences in {time.process_time() - t:.1f} CPU s")

    for real in real_stats:
        print(f"\n## every scene set against {real} (distances: KS for distributions, relative for rates)\n")
        print(markdown_table(stats_table({real: real_stats[real], **synth})))

    print("\n## targets (defaults, in-sample: the defaults were tuned on these sets)\n")
    failures = 0
    for name, real in IMITATES.items():
        rows = headline(real_stats[real], synth[name])
        met = sum(ok for *_, ok in rows)
        failures += len(rows) - met
        print(f"{name} vs {real}: {met}/{len(rows)} headline statistics within target; "
              f"overall distance {realism_distance(real_stats[real], synth[name]).overall:.3f}")  # fmt: skip
        for label, r, s, ok in rows:
            print(f"  {label:55s} real {r:9.4g}  synthetic {s:9.4g}  {'PASS' if ok else 'FAIL'}")
    print(f"headline targets missed: {failures}")


def floor(args, real_seqs, specs) -> None:  # type: ignore[no-untyped-def]
    """The distance a perfect generator would still show, and the sampling noise of generated sets."""
    import numpy as np

    from synreal.tracking.fit import observed
    from synreal.tracking.generate import scene_set_sequences
    from synreal.tracking.stats import RealismStats, realism_distance, sequence_stats

    print("\n## noise floor of the overall distance (mean +- sd over draws)\n")
    rng = np.random.default_rng(args.seed)
    for name, real in IMITATES.items():
        if args.only and name != args.only:
            continue
        per_real = [sequence_stats([s]) for s in real_seqs[real]]
        full = RealismStats.combine(per_real)
        boot = [realism_distance(full, RealismStats.combine([per_real[i] for i in rng.integers(0, len(per_real), len(per_real))]))
                for _ in range(200)]  # fmt: skip
        ov = np.array([d.overall for d in boot])
        print(f"{real}: a bootstrap sample of its {len(per_real)} sequences is {ov.mean():.3f} +- {ov.std():.3f} from it")
        print("  per statistic: " + ", ".join(f"{k} {np.nanmean([d.per_statistic[k] for d in boot]):.2f}"
                                           for k in boot[0].per_statistic if np.isfinite(boot[0].per_statistic[k])))  # fmt: skip
        start = observed(real_seqs[real], specs[name])
        pool = 2 * max(args.check, 4 * args.per_trial)
        t = time.process_time()
        per_gen = [sequence_stats([s]) for s in scene_set_sequences(start, pool, seed=args.seed + 77)]
        print(f"  {name} (observed properties of {real} copied): {pool} sequences in {time.process_time() - t:.0f} CPU s")
        for n in sorted({args.per_trial, 3 * args.per_trial, 9 * args.per_trial, args.check}):
            if 2 * n > pool:
                continue
            gg, rg = [], []
            for _ in range(8):
                idx = rng.permutation(pool)
                a, b = (RealismStats.combine([per_gen[i] for i in part]) for part in (idx[:n], idx[n:2 * n]))
                gg.append(realism_distance(a, b).overall)
                rg.append(realism_distance(full, a).overall)
            print(f"  {n:4d} sequences: two generated samples {np.mean(gg):.3f} +- {np.std(gg):.3f} apart; "
                  f"{real} to one {np.mean(rg):.3f} +- {np.std(rg):.3f}", flush=True)


def fits(args, real_seqs, specs) -> None:  # type: ignore[no-untyped-def]
    """fit-generator from the defaults, on all real sequences and on every other one."""
    from synreal.tracking.fit import fit_generator, generated_stats, write_fit
    from synreal.tracking.spec import validate_scene_set
    from synreal.tracking.stats import realism_distance, sequence_stats

    start = "the untuned generator" if args.untuned else "the defaults"
    print(f"\n## fit-generator from {start} (budget {args.budget} sequences, {args.per_trial} per trial, "
          f"{args.rungs} sizes, seed {args.seed}; check on {args.check} fresh sequences)\n")
    check_seed = args.seed + 2_000_029  # neither the search's seed nor its final choice's

    def check(target, res) -> tuple:  # type: ignore[no-untyped-def]
        a = realism_distance(target, generated_stats(res.base_spec, args.check, check_seed))
        b = realism_distance(target, generated_stats(res.spec, args.check, check_seed))
        return a, b

    for name, real in IMITATES.items():
        if args.only and name != args.only:
            continue
        if args.untuned:
            data = specs[name].model_dump(mode="python")
            for section, values in UNTUNED.items():
                keep = {k: v for k, v in values.items() if not (name == "sport" and k in ("activities", "activity_options"))}
                data[section] = {**data[section], **keep}
            specs = {**specs, name: validate_scene_set(data)}
        seqs = real_seqs[real]
        t = time.time()
        res = fit_generator(seqs, specs[name], budget=args.budget, per_trial=args.per_trial, seed=args.seed,
                            rungs=args.rungs)  # fmt: skip
        took = time.time() - t
        if args.save:
            write_fit(res, args.save / f"{name}-fit-{real}.yaml")
        a, b = check(sequence_stats(seqs), res)
        gain = 1 - b.overall / a.overall
        print(f"{name} -> {real}, all {len(seqs)} sequences: {len(res.trials)} trials, {res.simulated} sequences, "
              f"{took:.0f} s; on the fit's final {res.final_sequences} fresh sequences {res.base_distance.overall:.3f} "
              f"(start) -> {res.distance.overall:.3f} (fitted)", flush=True)  # fmt: skip
        print(f"  check on {args.check} other fresh sequences: overall distance {a.overall:.3f} (start) -> "
              f"{b.overall:.3f} (fitted), {gain:.0%} lower; {'PASS' if gain >= 0.5 else 'FAIL'} (target: at least half)")  # fmt: skip
        print("  per statistic (start -> fitted): " + ", ".join(
            f"{k} {a.per_statistic[k]:.2f}->{v:.2f}" for k, v in b.per_statistic.items()), flush=True)  # fmt: skip
        changed = {k: v for k, v in res.params.items() if k in res.trials[0][0] and abs(v - res.trials[0][0][k]) > 1e-9}
        print("  knobs changed: " + (", ".join(f"{k} {res.trials[0][0][k]:.3g}->{v:.3g}" for k, v in changed.items()) or "none"))
        if args.no_holdout:
            continue
        fit_part, held = seqs[0::2], seqs[1::2]
        t = time.time()
        res = fit_generator(fit_part, specs[name], budget=args.budget, per_trial=args.per_trial, seed=args.seed,
                            holdout=held, rungs=args.rungs)  # fmt: skip
        took = time.time() - t
        if args.save:
            write_fit(res, args.save / f"{name}-fit-{real}-half.yaml")
        fa, fb = check(sequence_stats(fit_part), res)
        ha, hb = check(sequence_stats(held), res)
        print(f"  held out: fit on {len(fit_part)} sequences ({', '.join(s.name for s in fit_part)}), "
              f"measured on the other {len(held)}: {ha.overall:.3f} (start) -> {hb.overall:.3f} (fitted), "
              f"{1 - hb.overall / ha.overall:.0%} lower; on the fitted part {fa.overall:.3f} -> {fb.overall:.3f}; "
              f"{took:.0f} s (distances on the {args.check} check sequences)", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
