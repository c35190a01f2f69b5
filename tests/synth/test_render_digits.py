"""The ``render-digits`` source: shapes, determinism, what each knob does, font vetting, realism."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from pydantic import ValidationError

from synreal.errors import UserInputError
from synreal.synth.base import SOURCES
from synreal.synth.digits_source import RenderDigits
from synreal.synth.fonts import digit_fonts, discover_fonts, vet_fonts
from synreal.synth.render_digits import RenderDigitsConfig, render_digits

DIGIT_CLASSES = [str(d) for d in range(10)]

# no random geometry at all: every image of a digit in one font is the same bitmap
STILL = dict(
    hand_share=0.0,
    slant=(0, 0),
    rotation=(0, 0),
    aspect=(1, 1),
    elastic_alpha=0.0,
    shift=(0, 0),
    scale=(1, 1),
    ink_fraction=None,
    stroke_style="pen",
    stroke_width=(3, 3),
)


def _digest(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def _centre_of_mass(ink: np.ndarray) -> np.ndarray:
    """(N, 2) column/row centre of mass of (N, H, W) 0/1 bitmaps."""
    ink = ink.astype(np.float64)
    idx = np.arange(ink.shape[1]) + 0.5
    total = ink.sum((1, 2))
    return np.stack([(ink.sum(1) * idx).sum(1) / total, (ink.sum(2) * idx).sum(1) / total], 1)


def test_registered_with_its_config():
    assert SOURCES.get("render-digits") is RenderDigits
    assert RenderDigits.Config is RenderDigitsConfig
    assert "render-digits" in SOURCES.describe()


def test_generate_returns_block_counts_over_16():
    cfg = RenderDigitsConfig()
    s = RenderDigits(cfg).generate(103, seed=4, classes=DIGIT_CLASSES)
    assert s.images.shape == (103, 1, 8, 8) and s.images.dtype == np.float32
    counts = s.images * 16
    assert np.array_equal(counts, np.round(counts)), "every value is an ink count / 16"
    assert counts.min() >= 0 and counts.max() <= 16
    assert counts.max() == 16, "the thick strokes of the real data fill whole blocks"
    assert s.labels.dtype == np.int64 and s.classes == DIGIT_CLASSES
    assert s.meta["source"] == "render-digits" and s.meta["seed"] == 4
    assert s.meta["knobs"] == cfg.model_dump(mode="json")
    assert s.meta["fonts"] == list(digit_fonts())


def test_classes_are_balanced_and_the_remainder_spread():
    labels = RenderDigits(RenderDigitsConfig()).generate(103, seed=0, classes=DIGIT_CLASSES).labels
    counts = np.bincount(labels, minlength=10)
    assert sorted(counts.tolist()) == [10] * 7 + [11] * 3  # 103 = 10 * 10 + 3
    s = RenderDigits(RenderDigitsConfig()).generate(9, seed=0, classes=["8", "3"])
    assert s.classes == ["8", "3"] and sorted(np.bincount(s.labels).tolist()) == [4, 5]


def test_labels_index_the_classes_given():
    # with one font and no distortion, a digit's image is fixed: "8" and "3" must not swap
    cfg = RenderDigitsConfig(fonts=1, **STILL)
    s = RenderDigits(cfg).generate(20, seed=0, classes=["8", "3"])
    ref, digits = render_digits(20, 0, cfg, digits=[8, 3])
    eight = ref[digits == 8][0] / 16
    assert all(np.array_equal(img[0], eight) for img in s.images[s.labels == 0])
    assert not any(np.array_equal(img[0], eight) for img in s.images[s.labels == 1])


def test_same_seed_same_arrays_other_seed_other_arrays():
    src = RenderDigits(RenderDigitsConfig())
    a = src.generate(300, seed=11, classes=DIGIT_CLASSES)
    b = RenderDigits(RenderDigitsConfig()).generate(300, seed=11, classes=DIGIT_CLASSES)
    c = src.generate(300, seed=12, classes=DIGIT_CLASSES)
    assert a.fingerprint() == b.fingerprint()
    assert a.fingerprint() != c.fingerprint()
    # most images differ, not just the label order
    same = (a.images == c.images).all((1, 2, 3)).mean()
    assert same < 0.05


def test_identical_across_processes_and_thread_counts():
    cfg = RenderDigitsConfig(fonts=3)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        here = _digest(*render_digits(2500, 5, cfg))  # more than one internal batch
    finally:
        torch.set_num_threads(threads)
    code = (
        "import hashlib, numpy as np, torch; torch.set_num_threads(2)\n"
        "from synreal.synth.render_digits import RenderDigitsConfig, render_digits\n"
        "h = hashlib.sha256()\n"
        "for a in render_digits(2500, 5, RenderDigitsConfig(fonts=3)): h.update(np.ascontiguousarray(a).tobytes())\n"
        "print(h.hexdigest())\n"
    )
    env = dict(os.environ, PYTHONHASHSEED="123")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == here


def test_bitmaps_and_other_sizes():
    ink, labels = render_digits(40, 0, reduce=False)
    assert ink.shape == (40, 32, 32) and ink.dtype == np.uint8 and set(np.unique(ink)) <= {0, 1}
    counts, labels2 = render_digits(40, 0)
    assert np.array_equal(labels, labels2)
    # the 8x8 counts are exactly the 4x4 block sums of the bitmaps
    assert np.array_equal(counts, ink.reshape(40, 8, 4, 8, 4).sum((2, 4)))
    big, _ = render_digits(10, 0, size=64, reduce=False)
    assert big.shape == (10, 64, 64)
    assert render_digits(0, 0)[0].shape == (0, 8, 8)


def test_thicker_strokes_give_more_ink():
    base = dict(STILL, fonts=4, hand_share=0.5)
    thin = render_digits(300, 1, RenderDigitsConfig(**dict(base, stroke_width=(1.5, 1.5))), reduce=False)[0]
    thick = render_digits(300, 1, RenderDigitsConfig(**dict(base, stroke_width=(4.5, 4.5))), reduce=False)[0]
    assert thick.sum((1, 2)).mean() > 1.8 * thin.sum((1, 2)).mean()
    # same glyphs and geometry: the thin strokes lie inside the thick ones
    assert (thin & ~thick).sum() < 0.02 * thin.sum()


def test_ink_fraction_normalises_stroke_width_like_the_real_data():
    ink, labels = render_digits(2000, 3, RenderDigitsConfig(ink_fraction=(0.28, 0.32)), reduce=False)
    frac = ink.mean((1, 2))
    assert abs(frac.mean() - 0.30) < 0.01
    assert np.quantile(frac, 0.05) > 0.25 and np.quantile(frac, 0.95) < 0.35
    # a 1 and an 8 carry about the same ink, as in the real digits (NIST's normalisation)
    per_class = np.array([frac[labels == d].mean() for d in range(10)])
    assert per_class.max() - per_class.min() < 0.03


def test_digits_fill_the_box_height_like_the_real_data():
    ink, _ = render_digits(1000, 2, RenderDigitsConfig(shift=(0, 0)), reduce=False)
    rows = ink.any(2)
    # the real digits touch the top and bottom 4-pixel rows in every image
    assert rows[:, :4].any(1).mean() > 0.97 and rows[:, -4:].any(1).mean() > 0.97
    # without elastic distortion the ink box is exact; with it, within a pixel or so
    top, bottom = rows.argmax(1), rows[:, ::-1].argmax(1)
    assert top.mean() < 1.0 and bottom.mean() < 1.0
    exact, _ = render_digits(300, 2, RenderDigitsConfig(shift=(0, 0), elastic_alpha=0), reduce=False)
    assert exact[:, 0].any(1).all() and exact[:, -1].any(1).all()
    # and are narrower than tall: hardly any ink in the outer 4-pixel columns
    assert ink[:, :, :4].mean() < 0.02 and ink[:, :, -4:].mean() < 0.02


def test_larger_shift_range_spreads_the_centre_of_mass():
    # a box smaller than the bitmap leaves room to move without cropping
    still = RenderDigitsConfig(**dict(STILL, fonts=4, box_height=24, box_width=16))
    moved = RenderDigitsConfig(**dict(STILL, fonts=4, box_height=24, box_width=16, shift=(-4, 4)))
    c0 = _centre_of_mass(render_digits(500, 6, still, reduce=False)[0])
    c1 = _centre_of_mass(render_digits(500, 6, moved, reduce=False)[0])
    assert (c1.std(0) > c0.std(0) + 1.0).all()
    # same seed, same glyphs: the centre moves by the shift, uniform(-4, 4) per axis, whose
    # standard deviation is 8 / sqrt(12) = 2.31 px
    moves = c1 - c0
    assert np.allclose(moves.std(0), 8 / np.sqrt(12), atol=0.25)
    assert np.abs(moves).max() < 4.5


def test_slant_leans_the_digits():
    right = RenderDigitsConfig(**dict(STILL, fonts=4, slant=(25, 25)))
    left = RenderDigitsConfig(**dict(STILL, fonts=4, slant=(-25, -25)))

    def lean(cfg: RenderDigitsConfig) -> float:
        """Mean column of the top half minus that of the bottom half (px; > 0 leans right)."""
        ink = render_digits(300, 0, cfg, reduce=False)[0].astype(np.float64)
        cols = np.arange(32)
        top = (ink[:, :16].sum(1) * cols).sum(1) / ink[:, :16].sum((1, 2))
        bottom = (ink[:, 16:].sum(1) * cols).sum(1) / ink[:, 16:].sum((1, 2))
        return float((top - bottom).mean())

    assert lean(right) > 2.0 and lean(left) < -2.0


def test_one_font_has_fewer_shapes_than_all():
    def shapes_per_digit(fonts: object) -> float:
        ink, digits = render_digits(600, 0, RenderDigitsConfig(**dict(STILL, fonts=fonts)), reduce=False)
        return np.mean([len({img.tobytes() for img in ink[digits == d]}) for d in range(10)])

    assert shapes_per_digit(1) == 1.0  # nothing random left: one bitmap per digit
    assert shapes_per_digit("all") >= 10


def test_hand_share_switches_between_fonts_and_templates():
    fonts_only = RenderDigitsConfig(**dict(STILL, fonts=1, hand_share=0.0))
    hand_only = RenderDigitsConfig(**dict(STILL, fonts=1, hand_share=1.0))
    a, da = render_digits(200, 0, fonts_only, reduce=False)
    b, db = render_digits(200, 0, hand_only, reduce=False)
    for d in range(10):
        font_shapes = {img.tobytes() for img in a[da == d]}
        hand_shapes = {img.tobytes() for img in b[db == d]}
        assert not font_shapes & hand_shapes


def test_vetting_drops_fonts_whose_digits_are_not_digits():
    verdicts = {v.name: v for v in vet_fonts()}
    assert set(verdicts) == set(discover_fonts())
    # TeX's symbol and extension fonts put symbols and brackets at the digits' code points
    for name in ("cmsy10", "cmex10"):
        if name in verdicts:
            assert not verdicts[name].kept, verdicts[name].reason
    if "LastResortHE-Regular" in verdicts:  # one placeholder box for every character
        assert not verdicts["LastResortHE-Regular"].kept
    assert verdicts["DejaVuSans"].kept
    kept = digit_fonts()
    assert kept[0] == "DejaVuSans" and len(kept) == len(set(kept)) >= 10
    assert all(verdicts[n].kept for n in kept)
    assert all(v.reason for v in verdicts.values() if not v.kept)


def test_a_dropped_font_is_rejected_with_the_reason():
    with pytest.raises(ValidationError) as err:
        RenderDigitsConfig(fonts=["cmsy10"])
    text = str(err.value)
    assert "fonts" in text and "cmsy10" in text and "left out" in text


@pytest.mark.parametrize(
    ("knobs", "key", "words"),
    [
        ({"stroke_width": (5, 3), "ink_fraction": None}, "stroke_width", "low <= high"),
        ({"slant": (30, -30)}, "slant", "low <= high"),
        ({"rotation": (-200, 0)}, "rotation", ">= -180"),
        ({"scale": (0, 1)}, "scale", "> 0"),
        ({"elastic_alpha": -1}, "elastic_alpha", "greater than or equal"),
        ({"ink_fraction": (0.4, 0.3)}, "ink_fraction", "low <= high"),
        ({"fonts": 0}, "fonts", "1.."),
        ({"fonts": "NoSuchFont"}, "fonts", "unknown font"),
        ({"fonts": True}, "fonts", "positive integer"),
        ({"hand_share": 1.5}, "hand_share", "less than or equal"),
        ({"stroke_style": "brush"}, "stroke_style", "pen"),
        ({"strok_width": (1, 2)}, "strok_width", "Extra inputs"),
    ],
)
def test_bad_knobs_are_rejected_naming_the_key(knobs, key, words):
    with pytest.raises(ValidationError) as err:
        RenderDigitsConfig(**knobs)
    first = err.value.errors()[0]
    assert first["loc"][0] == key
    assert words in first["msg"]


def test_knobs_that_would_do_nothing_are_rejected():
    for knobs in ({"stroke_width": (1, 2)}, {"ink_threshold": 0.3}):
        with pytest.raises(ValidationError) as err:
            RenderDigitsConfig(**knobs)
        (key,) = knobs
        assert err.value.errors()[0]["loc"] == (key,)
        assert f"{key} only applies when ink_fraction is null" in str(err.value)
        RenderDigitsConfig(**knobs, ink_fraction=None)  # fine once ink is not normalised
    with pytest.raises(ValidationError, match="stroke_width"):
        RenderDigitsConfig(stroke_width=(2, 16), ink_fraction=None)  # no room left for the digit


def test_a_study_spec_reports_bad_knobs_with_their_path():
    from pathlib import Path

    from synreal.study.spec import validate_spec
    from tests.conftest import tiny_spec

    source = {"name": "r", "kind": "render-digits", "knobs": {"slant": [30, -30]}}
    with pytest.raises(UserInputError) as err:
        validate_spec(tiny_spec(Path("unused.npz"), sources=[source]), file="study.yaml")
    assert err.value.key == "sources[0].knobs.slant" and "low <= high" in err.value.problem


def test_bad_calls_raise_user_input_errors():
    src = RenderDigits(RenderDigitsConfig())
    with pytest.raises(UserInputError, match="classes asked for"):
        src.generate(10, 0, ["cat", "dog"])
    with pytest.raises(UserInputError) as err:
        render_digits(-1, 0)
    assert err.value.key == "n"
    with pytest.raises(UserInputError) as err:
        render_digits(10, -3)
    assert err.value.key == "seed"
    with pytest.raises(UserInputError) as err:
        render_digits(10, 0, size=30)
    assert err.value.key == "size"


def test_config_is_hashable_and_round_trips():
    cfg = RenderDigitsConfig(fonts=["DejaVuSans", "cmr10"], slant=[-5, 5])
    assert cfg.fonts == ("DejaVuSans", "cmr10") and cfg.slant == (-5.0, 5.0)
    again = RenderDigitsConfig.model_validate(cfg.model_dump(mode="json"))
    assert again == cfg and hash(again) == hash(cfg)
    assert RenderDigitsConfig(fonts="cmr10").font_names() == ("cmr10",)
    assert RenderDigitsConfig(fonts=2).font_names() == digit_fonts()[:2]


def test_rendered_digits_transfer_to_the_real_digits():
    """A linear classifier trained only on rendered digits recognises the real ones."""
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression

    syn = RenderDigits(RenderDigitsConfig()).generate(2000, seed=0, classes=DIGIT_CLASSES)
    real = load_digits()
    clf = LogisticRegression(max_iter=500).fit(syn.images.reshape(len(syn), -1), syn.labels)
    accuracy = clf.score(real.images.reshape(len(real.images), -1) / 16.0, real.target)
    print(f"logistic regression, 2000 rendered -> 1797 real digits: accuracy {accuracy:.3f}")
    assert accuracy > 0.6  # chance is 0.1
