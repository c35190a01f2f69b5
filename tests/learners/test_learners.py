import numpy as np
import pytest
import torch

from synreal.data.base import ImageSet
from synreal.learners.augment import AugmentConfig, augment_batch
from synreal.learners.base import LEARNERS
from synreal.learners.train import TrainConfig, evaluate, train
from synreal.plugins import load_builtin_plugins

load_builtin_plugins()


@pytest.mark.parametrize("name", LEARNERS.names())
@pytest.mark.parametrize("shape", [(1, 8, 8), (3, 32, 32)])
def test_every_learner_builds_for_any_resolution(name, shape):
    cls = LEARNERS.get(name)
    net = cls.build(cls.Config(), shape, 7)
    assert net(torch.zeros(3, *shape)).shape == (3, 7)


def _easy(n=200, seed=0):
    """Two classes that differ in which half of the image is bright."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.random((n, 1, 8, 8)).astype(np.float32) * 0.3
    for i, c in enumerate(y):
        x[i, 0, :, :4] += 0.7 * (c == 0)
        x[i, 0, :, 4:] += 0.7 * (c == 1)
    return ImageSet(np.clip(x, 0, 1), y, ["left", "right"])


@pytest.mark.parametrize("name", LEARNERS.names())
def test_training_learns_an_easy_task(name):
    torch.set_num_threads(1)
    cls = LEARNERS.get(name)
    torch.manual_seed(0)
    net = cls.build(cls.Config(width=8), (1, 8, 8), 2)
    before = evaluate(net, _easy(seed=1))["accuracy"]
    train(net, _easy(), TrainConfig(epochs=3, min_steps=30), seed=0)
    after = evaluate(net, _easy(seed=1))
    assert after["accuracy"] > 0.95 and after["accuracy"] > before
    assert after["test_loss"] < 0.3


def test_training_is_deterministic_in_seed():
    torch.set_num_threads(1)
    cls = LEARNERS.get("small-cnn")

    def run(seed):
        torch.manual_seed(0)
        net = cls.build(cls.Config(width=4), (1, 8, 8), 2)
        train(net, _easy(), TrainConfig(epochs=1, min_steps=5), seed=seed, augment=AugmentConfig())
        return torch.cat([p.flatten() for p in net.parameters()])

    assert torch.equal(run(1), run(1))
    assert not torch.equal(run(1), run(2))


def test_augmentation_moves_pixels_but_keeps_range():
    g = torch.Generator().manual_seed(0)
    x = torch.from_numpy(_easy(16).images)
    y = augment_batch(x, AugmentConfig(), g)
    assert y.shape == x.shape and float(y.min()) >= 0 and float(y.max()) <= 1
    assert not torch.allclose(x, y)
    ident = AugmentConfig(rotate=0, shift=0, scale=(1, 1), shear=0, brightness=0, contrast=0)
    torch.testing.assert_close(augment_batch(x, ident, g), x, atol=1e-5, rtol=0)


def test_augment_config_rejects_bad_scale():
    with pytest.raises(ValueError):
        AugmentConfig(scale=(1.2, 0.8))
