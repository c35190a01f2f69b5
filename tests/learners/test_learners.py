import numpy as np
import pytest
import torch

from synreal.data.base import FeatureSet, ImageSet, MappedImages
from synreal.errors import UserInputError
from synreal.learners.augment import AugmentConfig, augment_batch
from synreal.learners.base import LEARNERS, accepts, check_learner_input
from synreal.learners.train import TrainConfig, evaluate, resolve_device, train
from synreal.plugins import load_builtin_plugins

load_builtin_plugins()

IMAGE_LEARNERS = [n for n in LEARNERS.names() if accepts(LEARNERS.get(n)) == "images"]
FEATURE_LEARNERS = [n for n in LEARNERS.names() if accepts(LEARNERS.get(n)) == "features"]
CPU = {"device": "cpu"}


def _small(cls, **over):
    """The learner's config, made small where it has a width."""
    fields = cls.Config.model_fields
    kw = {k: v for k, v in {"width": 8, "hidden": 32, "depth": 10}.items() if k in fields}
    return cls.Config(**(kw | over))


def test_builtin_learners_of_both_kinds_are_registered():
    assert {"small-cnn", "resnet"} <= set(IMAGE_LEARNERS)
    assert {"linear-probe", "mlp"} <= set(FEATURE_LEARNERS)


@pytest.mark.parametrize("name", IMAGE_LEARNERS)
@pytest.mark.parametrize("shape", [(1, 8, 8), (3, 32, 32), (1, 28, 28), (3, 24, 40)])
def test_every_image_learner_builds_for_any_resolution_and_channels(name, shape):
    cls = LEARNERS.get(name)
    net = cls.build(_small(cls), shape, 7)
    assert net(torch.zeros(3, *shape)).shape == (3, 7)


@pytest.mark.parametrize("name", FEATURE_LEARNERS)
@pytest.mark.parametrize("dim", [1, 16, 512])
def test_every_feature_learner_builds_for_any_dimension(name, dim):
    cls = LEARNERS.get(name)
    assert cls.build(cls.Config(), (dim,), 5)(torch.zeros(4, dim)).shape == (4, 5)


def _easy(n=200, seed=0):
    """Two classes that differ in which half of the image is bright."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.random((n, 1, 8, 8)).astype(np.float32) * 0.3
    for i, c in enumerate(y):
        x[i, 0, :, :4] += 0.7 * (c == 0)
        x[i, 0, :, 4:] += 0.7 * (c == 1)
    return ImageSet(np.clip(x, 0, 1), y, ["left", "right"])


def _easy_features(n=300, d=32, seed=0, k=3):
    """k classes around random unit centres in d dimensions."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(99).normal(size=(k, d))
    y = rng.integers(0, k, n)
    x = centres[y] + 0.6 * rng.normal(size=(n, d))
    return FeatureSet(x.astype(np.float32), y, [f"c{i}" for i in range(k)])


@pytest.mark.parametrize("name", IMAGE_LEARNERS)
def test_image_learners_learn_an_easy_task(name):
    torch.set_num_threads(1)
    cls = LEARNERS.get(name)
    torch.manual_seed(0)
    net = cls.build(_small(cls), (1, 8, 8), 2)
    before = evaluate(net, _easy(seed=1))["accuracy"]
    train(net, _easy(), TrainConfig(epochs=3, min_steps=30, **CPU), seed=0)
    after = evaluate(net, _easy(seed=1))
    assert after["accuracy"] > 0.95 and after["accuracy"] > before
    assert after["test_loss"] < 0.3


@pytest.mark.parametrize("name", FEATURE_LEARNERS)
def test_feature_learners_learn_an_easy_task(name):
    torch.set_num_threads(1)
    cls = LEARNERS.get(name)
    torch.manual_seed(0)
    net = cls.build(_small(cls), (32,), 3)
    before = evaluate(net, _easy_features(seed=1))["accuracy"]
    train(net, _easy_features(), TrainConfig(epochs=5, min_steps=50, **CPU), seed=0)
    after = evaluate(net, _easy_features(seed=1))
    assert after["accuracy"] > 0.95 and after["accuracy"] > before + 0.3


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


@pytest.mark.parametrize("augment", [None, AugmentConfig()])
def test_small_cnn_at_8x8_trains_bit_identically_to_the_frozen_original(augment):
    """The demo's numbers depend on this: same seed, same weights, to the last bit."""
    from sklearn.datasets import load_digits

    from tests.learners.frozen_small_cnn import FrozenSmallCNN, frozen_train

    torch.set_num_threads(1)
    d = load_digits()
    x = (d.images[:600].astype(np.float32) / 16.0)[:, None]
    y = d.target[:600].astype(np.int64)
    torch.manual_seed(3 * 7919 + 1)
    old = FrozenSmallCNN(32, 0.2, (1, 8, 8), 10)
    frozen_train(old, x, y, epochs=1, min_steps=25, batch_size=64, lr=3e-3, weight_decay=1e-4, seed=3, augment=augment)
    cls = LEARNERS.get("small-cnn")
    torch.manual_seed(3 * 7919 + 1)
    new = cls.build(cls.Config(), (1, 8, 8), 10)
    assert list(new.state_dict()) == list(old.state_dict()), "checkpoint keys must not change"
    train(new, ImageSet(x, y, [str(i) for i in range(10)]), TrainConfig(epochs=1, min_steps=25), seed=3, augment=augment)
    for k, v in old.state_dict().items():
        assert torch.equal(v, new.state_dict()[k]), k


def test_training_on_mapped_images_equals_training_in_memory(tmp_path):
    torch.set_num_threads(1)
    data = _easy()
    store = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", dtype=np.float32, shape=data.images.shape)
    store[:] = data.images
    mapped = ImageSet(MappedImages(np.load(tmp_path / "x.npy", mmap_mode="r")), data.labels, data.classes)
    cls = LEARNERS.get("small-cnn")
    weights = []
    for d in (data, mapped.subset(np.arange(len(data)))):
        torch.manual_seed(0)
        net = cls.build(cls.Config(width=4), (1, 8, 8), 2)
        train(net, d, TrainConfig(epochs=1, min_steps=10, **CPU), seed=1, augment=AugmentConfig())
        weights.append(torch.cat([p.flatten() for p in net.parameters()]))
        weights.append(evaluate(net, d)["test_loss"])
    assert torch.equal(weights[0], weights[2]) and weights[1] == weights[3]


def test_small_cnn_takes_other_sizes_than_it_was_built_for():
    cls = LEARNERS.get("small-cnn")
    net = cls.build(cls.Config(width=4), (3, 28, 28), 10).eval()
    assert net.pool_size == (4, 4)
    assert net(torch.zeros(2, 3, 32, 32)).shape == (2, 10)


def test_resnet_parameter_counts_match_the_published_networks():
    """torchvision's resnet18 / resnet34 (7x7 stem, 1000 classes) have 11,689,512 / 21,797,672 parameters."""
    cls = LEARNERS.get("resnet")
    count = lambda net: sum(p.numel() for p in net.parameters())  # noqa: E731
    assert count(cls.build(cls.Config(depth=18, stem="large"), (3, 224, 224), 1000)) == 11_689_512
    assert count(cls.build(cls.Config(depth=34, stem="large"), (3, 224, 224), 1000)) == 21_797_672
    # the small stem swaps the 7x7x3x64 convolution for a 3x3x3x64 one
    small = cls.build(cls.Config(depth=18), (3, 32, 32), 1000)
    assert small.stem_kind == "small" and count(small) == 11_689_512 - 7 * 7 * 3 * 64 + 3 * 3 * 3 * 64


def test_resnet_stem_follows_image_size_and_each_block_starts_as_identity():
    cls = LEARNERS.get("resnet")
    assert cls.build(cls.Config(), (1, 64, 64), 2).stem_kind == "small"
    assert cls.build(cls.Config(), (3, 96, 96), 2).stem_kind == "large"
    net = cls.build(cls.Config(width=8, depth=10), (3, 32, 32), 2)
    assert all(float(b.bn2.weight.detach().abs().sum()) == 0 for b in net.modules() if hasattr(b, "bn2"))


def test_check_learner_input_names_the_mismatch():
    check_learner_input("resnet", (3, 32, 32))
    check_learner_input("linear-probe", (512,))
    with pytest.raises(UserInputError, match=r"'linear-probe' takes features but the real data holds images \(3x32x32\)"):
        check_learner_input("linear-probe", (3, 32, 32))
    with pytest.raises(UserInputError, match="learners for features: .*linear-probe"):
        check_learner_input("small-cnn", (512,))


def test_linear_probe_equals_sklearn_logistic_regression():
    """Mean cross-entropy + l2/2 |W|^2 is sklearn's C * sum + 1/2 |W|^2 with C = 1 / (l2 * N)."""
    from sklearn.linear_model import LogisticRegression

    torch.set_num_threads(1)
    data = _easy_features(n=400, d=16, k=4)
    l2 = 1e-2
    cls = LEARNERS.get("linear-probe")
    probe = cls.build(cls.Config(l2=l2, normalize="none", tol=1e-9, max_iter=2000), (16,), 4)
    train(probe, data, TrainConfig(**CPU), seed=0)
    ref = LogisticRegression(C=1 / (l2 * len(data)), tol=1e-10, max_iter=10_000).fit(data.features, data.labels)
    ours = torch.softmax(probe(torch.from_numpy(data.features)), 1).detach().numpy()
    np.testing.assert_allclose(ours, ref.predict_proba(data.features), atol=2e-4)


def test_linear_probe_fine_tuning_is_pulled_towards_the_pretrained_weights():
    torch.set_num_threads(1)
    cls = LEARNERS.get("linear-probe")
    pre_data, ft_data = _easy_features(seed=0, n=300), _easy_features(seed=1, n=12)
    pre = cls.build(cls.Config(), (32,), 3)
    train(pre, pre_data, TrainConfig(**CPU), seed=0)
    w_pre = pre.linear.weight.detach().clone()

    def finetune(l2):
        probe = cls.build(cls.Config(l2=l2), (32,), 3)
        probe.load_state_dict(pre.state_dict())
        train(probe, ft_data, TrainConfig(**CPU), seed=0)
        return float((probe.linear.weight.detach() - w_pre).norm())

    assert finetune(10.0) < 0.1 * finetune(1e-5)


def test_linear_probe_auto_penalty_comes_from_the_grid():
    from synreal.learners.probe import L2_GRID

    cls = LEARNERS.get("linear-probe")
    probe = cls.build(cls.Config(l2="auto"), (32,), 3)
    train(probe, _easy_features(n=200), TrainConfig(**CPU), seed=0)
    assert probe.chosen_l2 in L2_GRID


def test_augmentation_of_features_is_a_user_error():
    cls = LEARNERS.get("mlp")
    with pytest.raises(UserInputError, match="applies to images"):
        train(cls.build(cls.Config(), (32,), 3), _easy_features(), TrainConfig(**CPU), 0, augment=AugmentConfig())


def test_device_setting_resolves_and_cuda_without_a_gpu_is_a_user_error():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(UserInputError, match="no CUDA GPU"):
            resolve_device("cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("name", ["small-cnn", "resnet"])
def test_gpu_training_with_mixed_precision_learns_and_stays_on_the_gpu(name):
    cls = LEARNERS.get(name)
    torch.manual_seed(0)
    net = cls.build(_small(cls), (1, 8, 8), 2)
    stats = train(net, _easy(), TrainConfig(epochs=3, min_steps=30, device="cuda"), seed=0, augment=AugmentConfig(rotate=5))
    assert stats.device.startswith("cuda") and next(net.parameters()).is_cuda
    assert evaluate(net, _easy(seed=1))["accuracy"] > 0.95


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_linear_probe_matches_the_cpu_fit():
    cls = LEARNERS.get("linear-probe")
    probes = []
    for device in ("cpu", "cuda"):
        probe = cls.build(cls.Config(), (32,), 3)
        train(probe, _easy_features(), TrainConfig(device=device), seed=0)
        probes.append(probe.linear.weight.detach().cpu())
    torch.testing.assert_close(probes[0], probes[1], atol=1e-3, rtol=1e-3)


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
