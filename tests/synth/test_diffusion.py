"""The pool-trained diffusion generator: shapes, labels, determinism, SDEdit, checkpoints, cache."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
from pydantic import ValidationError

from synreal.data.base import ImageSet
from synreal.errors import UserInputError
from synreal.synth.base import SOURCES
from synreal.synth.diffusion import (
    DiffusionConfig,
    DiffusionGenerator,
    PoolDiffusion,
    _timestep_grid,
    cache_key,
    cosine_alpha_bar,
    train_diffusion,
)
from synreal.synth.unet import UNet, level_sizes

torch.set_num_threads(1)

TINY = DiffusionConfig(channels=8, train_steps=3, batch_size=16, timesteps=100, ddim_steps=4)


def halves(n: int = 120, seed: int = 0) -> ImageSet:
    """Two classes: ink in the left half ("left") or in the right half ("right") of an 8x8 image."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    x = rng.random((n, 1, 8, 8)).astype(np.float32) * 0.1
    x[y == 0, :, :, :4] += 0.85
    x[y == 1, :, :, 4:] += 0.85
    return ImageSet(np.clip(x, 0, 1), y.astype(np.int64), ["left", "right"])


def left_minus_right(images: np.ndarray) -> np.ndarray:
    """Mean ink of the left half minus the right half, per image."""
    return images[:, 0, :, :4].mean(axis=(1, 2)) - images[:, 0, :, 4:].mean(axis=(1, 2))


@pytest.fixture(scope="module")
def tiny_pool() -> ImageSet:
    """Sixty 8x8 images over three classes."""
    rng = np.random.default_rng(1)
    return ImageSet(rng.random((60, 1, 8, 8)).astype(np.float32), np.arange(60) % 3, ["a", "b", "c"])


@pytest.fixture(scope="module")
def tiny_gen(tiny_pool: ImageSet) -> DiffusionGenerator:
    """A generator trained for three steps: enough for shapes and plumbing."""
    return train_diffusion(tiny_pool, TINY, seed=0, progress=False)


@pytest.fixture(scope="module")
def halves_gen() -> DiffusionGenerator:
    """A generator trained long enough to learn which half each class inks."""
    cfg = DiffusionConfig(channels=8, train_steps=80, batch_size=32, timesteps=200, ddim_steps=8, lr=3e-3)
    return train_diffusion(halves(), cfg, seed=0, progress=False)


# ---------------------------------------------------------------- the network and schedule


@pytest.mark.parametrize("shape", [(1, 8, 8), (3, 32, 32), (1, 28, 28), (3, 16, 12), (1, 5, 5)])
def test_unet_keeps_the_image_shape_at_any_resolution(shape):
    net = UNet(shape, n_classes=4, channels=8)
    x = torch.randn(2, *shape)
    assert net(x, torch.tensor([0.0, 999.0]), torch.tensor([0, 4])).shape == x.shape


def test_unet_depth_follows_the_resolution():
    assert len(level_sizes(8, 8)) == 2
    assert len(level_sizes(32, 32)) == 4
    assert level_sizes(28, 28) == [(28, 28), (14, 14), (7, 7)]  # 7 is odd: no further halving
    assert len(UNet((3, 32, 32), 2, channels=8).down) == 4


def test_cosine_schedule_falls_from_signal_to_noise():
    ab = cosine_alpha_bar(1000)
    assert ab.shape == (1000,)
    assert bool((ab[1:] < ab[:-1]).all())
    assert ab[0] > 0.999 and ab[-1] < 1e-3
    # Half way through, the cosine schedule keeps cos(pi/4)^2 = 1/2 of the signal variance.
    assert abs(float(ab[499]) - 0.5) < 0.02


def test_timestep_grid_runs_down_evenly_and_never_repeats():
    assert _timestep_grid(999, 4) == [999, 749, 499, 249]
    assert _timestep_grid(9, 100) == list(range(9, -1, -1))  # capped at one call per timestep
    assert _timestep_grid(0, 5) == [0]


# ---------------------------------------------------------------- training and sampling


def test_generator_samples_the_requested_shapes_and_labels(tiny_gen, tiny_pool):
    s = tiny_gen.sample(n_per_class=2, seed=0)
    assert s.images.shape == (6, 1, 8, 8) and s.images.dtype == np.float32
    assert s.labels.tolist() == [0, 0, 1, 1, 2, 2]
    assert s.classes == tiny_pool.classes
    assert s.images.min() >= 0 and s.images.max() <= 1
    t = tiny_gen.sample([2, 0, 2, 1], seed=0)
    assert t.labels.tolist() == [2, 0, 2, 1]
    assert len(tiny_gen.sample(n_per_class=0, seed=0)) == 0


def test_ddpm_sampler_gives_other_images_than_ddim(tiny_gen):
    a = tiny_gen.sample(n_per_class=2, seed=0, sampler="ddim")
    b = tiny_gen.sample(n_per_class=2, seed=0, sampler="ddpm", steps=6)
    assert b.images.shape == a.images.shape and b.meta["sampler"] == "ddpm"
    assert not np.allclose(a.images, b.images)


def test_sampling_is_chunked_without_changing_the_labels(tiny_pool):
    gen = train_diffusion(tiny_pool, TINY.model_copy(update={"sample_batch": 4}), seed=0, progress=False)
    s = gen.sample(n_per_class=3, seed=0)
    assert s.labels.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_same_pool_config_and_seed_give_identical_weights_and_samples(tiny_pool, tiny_gen):
    again = train_diffusion(tiny_pool, TINY, seed=0, progress=False)
    for (k, v), w in zip(tiny_gen.model.state_dict().items(), again.model.state_dict().values()):
        assert torch.equal(v, w), k
    np.testing.assert_array_equal(tiny_gen.sample(n_per_class=2, seed=5).images, again.sample(n_per_class=2, seed=5).images)
    other = train_diffusion(tiny_pool, TINY, seed=1, progress=False)
    assert not torch.equal(other.model.out.bias, tiny_gen.model.out.bias) or not torch.equal(
        other.model.stem.weight, tiny_gen.model.stem.weight
    )
    assert not np.allclose(tiny_gen.sample(n_per_class=2, seed=5).images, tiny_gen.sample(n_per_class=2, seed=6).images)


def test_training_leaves_the_global_torch_rng_alone(tiny_pool):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    train_diffusion(tiny_pool, TINY, seed=0, progress=False)
    assert torch.equal(torch.rand(3), expected)


def test_generator_learns_what_each_class_looks_like(halves_gen):
    s = halves_gen.sample(n_per_class=20, seed=0, guidance=1.0)
    d = left_minus_right(s.images)
    # Real "left" images have d ~ +0.85, "right" ones ~ -0.85; the generator must get the sign right.
    assert (d[s.labels == 0] > 0.3).mean() >= 0.9
    assert (d[s.labels == 1] < -0.3).mean() >= 0.9


def test_unconditional_sampling_mixes_the_classes(halves_gen):
    s = halves_gen.sample(np.zeros(40, np.int64), seed=0, guidance=0.0)  # the label is ignored at w = 0
    d = left_minus_right(s.images)
    assert (d > 0.3).sum() >= 5 and (d < -0.3).sum() >= 5


def test_a_shape_other_than_digits_trains_and_samples():
    rng = np.random.default_rng(0)
    pool = ImageSet(rng.random((8, 3, 16, 16)).astype(np.float32), np.arange(8) % 2, ["x", "y"])
    gen = train_diffusion(pool, TINY.model_copy(update={"train_steps": 2}), seed=0, progress=True)
    assert gen.sample(n_per_class=1, seed=0).images.shape == (2, 3, 16, 16)


# ---------------------------------------------------------------- SDEdit probe


def test_perturb_with_gamma_zero_returns_the_input(halves_gen):
    real = halves(10, seed=3)
    out = halves_gen.perturb(real, 0.0, seed=0)
    np.testing.assert_allclose(out.images, real.images, atol=1e-6)
    assert out.labels.tolist() == real.labels.tolist() and out.meta["gamma"] == 0.0


def test_perturb_moves_further_from_the_input_as_gamma_grows(halves_gen):
    real = halves(40, seed=3)
    dist = [np.abs(halves_gen.perturb(real, g, seed=0).images - real.images).mean() for g in (0.05, 0.4, 1.0)]
    assert dist[0] < dist[1] < dist[2]
    assert dist[0] < 0.1  # a light touch keeps the image


def test_perturb_keeps_labels_and_class_content(halves_gen):
    real = halves(20, seed=4)
    out = halves_gen.perturb(real, 0.6, seed=1)
    assert out.labels.tolist() == real.labels.tolist() and out.classes == real.classes
    d = left_minus_right(out.images)
    assert (np.sign(d) == np.where(real.labels == 0, 1, -1)).mean() >= 0.9


def test_perturb_matches_classes_by_name_not_position(halves_gen):
    real = halves(20, seed=4)
    swapped = ImageSet(real.images, 1 - real.labels, ["right", "left"])  # same images, classes listed the other way
    np.testing.assert_array_equal(halves_gen.perturb(swapped, 0.6, seed=1).images, halves_gen.perturb(real, 0.6, seed=1).images)


@pytest.mark.parametrize("gamma", [-0.1, 1.5, "half", True])
def test_perturb_rejects_gamma_outside_zero_one(tiny_gen, tiny_pool, gamma):
    with pytest.raises(UserInputError, match="gamma"):
        tiny_gen.perturb(tiny_pool.subset(np.arange(3)), gamma, seed=0)


def test_perturb_rejects_images_of_other_classes_or_shapes(tiny_gen, tiny_pool):
    wrong_classes = ImageSet(tiny_pool.images[:3], np.zeros(3, np.int64), ["a", "b", "z"])
    with pytest.raises(UserInputError, match=r"classes \['z'\]"):
        tiny_gen.perturb(wrong_classes, 0.5, seed=0)
    wrong_shape = ImageSet(np.zeros((2, 1, 16, 16), np.float32), np.zeros(2, np.int64), tiny_pool.classes)
    with pytest.raises(UserInputError, match="shape"):
        tiny_gen.perturb(wrong_shape, 0.5, seed=0)


# ---------------------------------------------------------------- bad input


def test_config_rejects_unknown_keys_and_bad_values():
    with pytest.raises(ValidationError, match="extra"):
        DiffusionConfig(chanels=16)
    with pytest.raises(ValidationError):
        DiffusionConfig(sampler="euler")
    with pytest.raises(ValidationError):
        DiffusionConfig(label_drop=1.0)


def test_sample_rejects_bad_label_requests(tiny_gen):
    with pytest.raises(UserInputError, match="exactly one"):
        tiny_gen.sample(seed=0)
    with pytest.raises(UserInputError, match="exactly one"):
        tiny_gen.sample([0], n_per_class=1, seed=0)
    with pytest.raises(UserInputError, match="3 classes"):
        tiny_gen.sample([0, 3], seed=0)
    with pytest.raises(UserInputError, match="integers"):
        tiny_gen.sample([0.5], seed=0)
    with pytest.raises(UserInputError, match="sampler"):
        tiny_gen.sample(n_per_class=1, seed=0, sampler="euler")  # type: ignore[arg-type]
    with pytest.raises(UserInputError, match="steps"):
        tiny_gen.sample(n_per_class=1, seed=0, steps=0)
    with pytest.raises(UserInputError, match="guidance"):
        tiny_gen.sample(n_per_class=1, seed=0, guidance=-1.0)


def test_pools_that_cannot_train_a_generator_are_refused():
    x = np.zeros((4, 1, 8, 8), np.float32)
    with pytest.raises(UserInputError, match="pool.labels"):
        train_diffusion(ImageSet(x, np.array([0, 1, -1, 0]), ["a", "b"]), TINY, progress=False)
    with pytest.raises(UserInputError, match=r"\[0, 1\]"):
        train_diffusion(ImageSet(x + 2, np.zeros(4, np.int64), ["a"]), TINY, progress=False)
    with pytest.raises(UserInputError, match="no images"):
        train_diffusion(ImageSet(x[:0], np.zeros(0, np.int64), ["a"]), TINY, progress=False)


# ---------------------------------------------------------------- checkpoints and cache


def test_checkpoint_round_trip_samples_the_same_images(tiny_gen, tiny_pool, tmp_path):
    path = tiny_gen.save(tmp_path / "gen.pt")
    back = DiffusionGenerator.load(path, expected_pool_fingerprint=tiny_pool.fingerprint())
    assert back.classes == tiny_gen.classes and back.config == tiny_gen.config and back.seed == 0
    np.testing.assert_array_equal(back.sample(n_per_class=2, seed=3).images, tiny_gen.sample(n_per_class=2, seed=3).images)


def test_checkpoint_from_another_pool_is_refused_and_kept(tiny_gen, tmp_path):
    path = tiny_gen.save(tmp_path / "gen.pt")
    before = path.read_bytes()
    with pytest.raises(UserInputError) as err:
        DiffusionGenerator.load(path, expected_pool_fingerprint="0000111122223333")
    assert tiny_gen.pool_fingerprint in str(err.value) and "0000111122223333" in str(err.value)
    assert str(path) in str(err.value)
    assert path.read_bytes() == before


def test_files_that_are_not_synreal_checkpoints_are_refused(tmp_path):
    junk = tmp_path / "junk.pt"
    junk.write_text("not a checkpoint")
    with pytest.raises(UserInputError, match="not a synreal diffusion checkpoint"):
        DiffusionGenerator.load(junk)
    other = tmp_path / "other.pt"
    torch.save({"state_dict": {"w": torch.zeros(2)}}, other)
    with pytest.raises(UserInputError, match="format None"):
        DiffusionGenerator.load(other)
    with pytest.raises(UserInputError, match="no such checkpoint"):
        DiffusionGenerator.load(tmp_path / "missing.pt")


def test_cache_is_reused_and_says_so(tiny_pool, tmp_path, caplog):
    first = train_diffusion(tiny_pool, TINY, seed=0, cache_dir=tmp_path, progress=False)
    files = sorted(tmp_path.glob("diffusion-*.pt"))
    assert [f.name for f in files] == [f"diffusion-{cache_key(tiny_pool.fingerprint(), TINY, 0)}.pt"]
    assert not list(tmp_path.glob("*.tmp"))
    with caplog.at_level(logging.INFO, logger="synreal.synth.diffusion"):
        again = train_diffusion(tiny_pool, TINY, seed=0, cache_dir=tmp_path, progress=False)
    assert first.info["reused"] is False and again.info["reused"] is True
    assert any("reusing" in r.getMessage() for r in caplog.records)
    np.testing.assert_array_equal(first.sample(n_per_class=1, seed=0).images, again.sample(n_per_class=1, seed=0).images)
    guided = train_diffusion(tiny_pool, TINY.model_copy(update={"guidance": 3.0}), seed=0, cache_dir=tmp_path, progress=False)
    assert guided.info["reused"] and guided.config.guidance == 3.0
    assert not np.array_equal(guided.sample(n_per_class=1, seed=0).images, first.sample(n_per_class=1, seed=0).images)
    train_diffusion(tiny_pool, TINY, seed=1, cache_dir=tmp_path, progress=False)
    assert len(list(tmp_path.glob("diffusion-*.pt"))) == 2  # another seed is another generator


def test_cache_key_changes_with_pool_config_and_seed():
    base = cache_key("aaaa", TINY, 0)
    assert base != cache_key("bbbb", TINY, 0)
    assert base != cache_key("aaaa", TINY.model_copy(update={"lr": 1e-3}), 0)
    # Sampling knobs do not change the weights: a guidance sweep reuses one generator.
    assert base == cache_key("aaaa", TINY.model_copy(update={"guidance": 3.0, "ddim_steps": 9}), 0)
    assert base != cache_key("aaaa", TINY, 1)
    assert base == cache_key("aaaa", DiffusionConfig(**TINY.model_dump()), 0)


# ---------------------------------------------------------------- the registered source


def test_pool_diffusion_is_a_registered_source_that_needs_the_pool():
    assert SOURCES.get("pool-diffusion") is PoolDiffusion
    assert PoolDiffusion.Config is DiffusionConfig and PoolDiffusion.needs_pool
    with pytest.raises(RuntimeError, match="fit"):
        PoolDiffusion(TINY).generate(4, seed=0, classes=["a"])


def test_pool_diffusion_generates_balanced_sets_in_the_study_class_order(halves_gen):
    src = PoolDiffusion(halves_gen.config)
    src.generator = halves_gen  # as fit() would leave it, without retraining
    s = src.generate(21, seed=0, classes=["right", "left"])
    assert s.classes == ["right", "left"]
    assert np.bincount(s.labels).tolist() == [11, 10]
    d = left_minus_right(s.images)
    assert (d[s.labels == 0] < 0).mean() >= 0.9  # label 0 now means "right"
    with pytest.raises(UserInputError, match="cannot make"):
        src.generate(4, seed=0, classes=["left", "up"])


def test_pool_diffusion_fit_uses_the_cache(tiny_pool, tmp_path):
    a = PoolDiffusion(TINY).fit(tiny_pool, seed=0, cache_dir=tmp_path)
    b = PoolDiffusion(TINY).fit(tiny_pool, seed=0, cache_dir=tmp_path)
    assert b.generator is not None and b.generator.info["reused"]
    np.testing.assert_array_equal(a.generate(6, 0, ["a", "b", "c"]).images, b.generate(6, 0, ["a", "b", "c"]).images)
    out = b.perturb(tiny_pool.subset(np.arange(4)), 0.5, seed=0)
    assert out.images.shape == (4, 1, 8, 8)
