"""How fast ``render-digits`` makes 8x8 digits, on one core, cold and warm, per knob set.

Run: ``python benchmarks/bench_render_digits.py [--n 20480] [--repeats 5] [--transfer]``

Cold = a fresh process: importing synreal, vetting matplotlib's fonts, building the glyph
fields and rendering the first ``n`` images. Warm = the same call again in a process that has
done it once (best of ``repeats``, so that other load on the machine inflates it least).
The target is at least 20,000 images/s warm with ``torch.set_num_threads(1)``.

``--transfer`` also measures how well the rendered digits stand in for the real ones, per
knob set: a logistic regression trained on 2,000 rendered digits (seed 0), and the
``small-cnn`` learner trained on 5,000 (8 epochs; seeds 0..3, mean), both scored on all
1,797 real digits (chance: 0.10). These are the numbers quoted in docs/sources.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

KNOB_SETS: dict[str, dict] = {
    "defaults": {},
    "pen strokes": {"stroke_style": "pen"},
    "fonts only (hand_share 0)": {"hand_share": 0.0},
    "one font, no hand": {"fonts": 1, "hand_share": 0.0},
    "no elastic": {"elastic_alpha": 0.0},
    "fixed stroke width": {"ink_fraction": None, "stroke_width": [2.0, 5.0]},
}

COLD = """
import json, sys, time
t0 = time.perf_counter()
import torch
torch.set_num_threads(1)
from synreal.synth.render_digits import RenderDigitsConfig, render_digits
cfg = RenderDigitsConfig(**json.loads(sys.argv[1]))
t1 = time.perf_counter()
render_digits(int(sys.argv[2]), 0, cfg)
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "first_call_s": t2 - t1}))
"""


def cold(knobs: dict, n: int) -> dict:
    """Seconds to import and to make the first ``n`` images, in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", COLD, json.dumps(knobs), str(n)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def warm(knobs: dict, n: int, repeats: int, reduce: bool = True) -> float:
    """Best-of-``repeats`` images per second once everything is cached."""
    from synreal.synth.render_digits import RenderDigitsConfig, render_digits

    cfg = RenderDigitsConfig(**knobs)
    render_digits(2048, 99, cfg, reduce=reduce)
    best = float("inf")
    for r in range(repeats):
        t = time.perf_counter()
        render_digits(n, r, cfg, reduce=reduce)
        best = min(best, time.perf_counter() - t)
    return n / best


TRANSFER_SETS: dict[str, dict] = {
    "defaults": {},
    "fonts only (hand_share 0)": {"hand_share": 0.0},
    "templates only (hand_share 1)": {"hand_share": 1.0},
    "pen strokes": {"stroke_style": "pen"},
    "no elastic": {"elastic_alpha": 0.0},
    "fixed stroke width 2-5 px": {"ink_fraction": None, "stroke_width": [2.0, 5.0]},
    "one font, no templates": {"fonts": 1, "hand_share": 0.0},
}


def transfer(knobs: dict) -> tuple[float, float]:
    """(logistic regression, small-cnn) accuracy on the real digits after training on rendered ones."""
    import warnings

    import numpy as np
    import torch
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    from synreal.data.datasets import load_digits_set
    from synreal.learners.cnn import SmallCNN, SmallCNNConfig
    from synreal.learners.train import TrainConfig, evaluate, train
    from synreal.synth.digits_source import RenderDigits

    real = load_digits_set()
    source = RenderDigits(RenderDigits.Config(**knobs))
    syn = source.generate(2000, 0, real.classes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the score, not the optimum, is the point
        lr = LogisticRegression(max_iter=300).fit(syn.images.reshape(len(syn), -1), syn.labels)
    lr_acc = lr.score(real.images.reshape(len(real), -1), real.labels)
    cnn = []
    for seed in range(4):
        syn = source.generate(5000, seed, real.classes)
        torch.manual_seed(seed)
        net = SmallCNN(SmallCNNConfig(), real.shape, len(real.classes))
        train(net, syn, TrainConfig(epochs=8), seed)
        cnn.append(evaluate(net, real)["accuracy"])
    return float(lr_acc), float(np.mean(cnn))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20480, help="images per timed call")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per knob set (best counts)")
    parser.add_argument("--transfer", action="store_true", help="also train on rendered, score on real digits")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    print(f"render-digits, {args.n} images per call, torch {torch.__version__}, 1 thread")
    print(f"{'knob set':28s} {'import s':>9s} {'1st call s':>11s} {'cold img/s':>11s} {'warm img/s':>11s}")
    for name, knobs in KNOB_SETS.items():
        c = cold(knobs, args.n)
        w = warm(knobs, args.n, args.repeats)
        cold_rate = args.n / (c["import_s"] + c["first_call_s"])
        print(f"{name:28s} {c['import_s']:9.2f} {c['first_call_s']:11.2f} {cold_rate:11,.0f} {w:11,.0f}")
    bitmaps = warm({}, args.n, args.repeats, reduce=False)
    print(f"{'defaults, 32x32 bitmaps':28s} {'':9s} {'':11s} {'':11s} {bitmaps:11,.0f}")
    if args.transfer:
        print("\ntrained on rendered digits, scored on the 1,797 real ones (accuracy; chance 0.10)")
        print(f"{'knob set':30s} {'logistic (2k)':>13s} {'small-cnn (5k)':>15s}")
        for name, knobs in TRANSFER_SETS.items():
            lr_acc, cnn_acc = transfer(knobs)
            print(f"{name:30s} {lr_acc:13.3f} {cnn_acc:15.3f}", flush=True)


if __name__ == "__main__":
    main()
