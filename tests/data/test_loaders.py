"""Loaders honour image_size and channels through the one conversion path; large sets are cached on disk."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from synreal.data import decode
from synreal.data.base import FeatureSet, ImageSet, MappedImages
from synreal.data.convert import ConversionPolicy, convert
from synreal.data.datasets import DATASETS, load_embeddings, load_image_folder, load_npz
from synreal.retrieval.pool import load_pool


def _npz(path: Path, n=12, size=16, **extra) -> Path:
    rng = np.random.default_rng(0)
    np.savez(path, images=rng.integers(0, 256, (n, size, size), dtype=np.uint8), labels=np.arange(n) % 3, **extra)
    return path


def _folder(root: Path, n_per_class=4, size=(10, 10), mode="RGB", seed=0) -> list[Path]:
    rng = np.random.default_rng(seed)
    files = []
    for cls in ("a", "b"):
        (root / cls).mkdir(parents=True, exist_ok=True)
        for i in range(n_per_class):
            shape = (size[1], size[0], 3) if mode == "RGB" else (size[1], size[0])
            f = root / cls / f"{i}.png"
            Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode=mode).save(f)
            files.append(f)
    return files


def test_npz_honours_image_size_and_channels_through_convert(tmp_path):
    p = _npz(tmp_path / "u.npz")
    native = load_npz(p)
    assert native.shape == (1, 16, 16)
    s = load_npz(p, image_size=28, channels=3)
    assert s.shape == (3, 28, 28)
    np.testing.assert_array_equal(s.images, convert(native.images, (3, 28, 28)))
    small = load_npz(p, image_size=8, policy=ConversionPolicy(downsample="area"))
    np.testing.assert_allclose(small.images, native.images.reshape(12, 1, 8, 2, 8, 2).mean(axis=(3, 5)), rtol=1e-6)


def test_folder_honours_image_size_and_channels(tmp_path):
    _folder(tmp_path, size=(12, 12))
    s = load_image_folder(tmp_path)
    assert s.shape == (3, 12, 12) and s.classes == ["a", "b"]
    g = load_image_folder(tmp_path, image_size=6, channels=1)
    assert g.shape == (1, 6, 6)
    np.testing.assert_allclose(g.images, convert(s.images, (1, 6, 6)), rtol=1e-6)


def test_pool_folder_and_dataset_folder_decode_alike(tmp_path):
    pool_dir = tmp_path / "pool"
    files = _folder(pool_dir / "data", size=(9, 9))  # a pool's images live inside its folder
    with open(pool_dir / "captions.jsonl", "w") as fh:
        for f in files:
            fh.write(json.dumps({"file": str(f.relative_to(pool_dir)), "caption": "x"}) + "\n")
    pool = load_pool(pool_dir, image_size=5, channels=1)
    data = load_image_folder(pool_dir / "data", image_size=5, channels=1)
    np.testing.assert_array_equal(pool.images, data.images)


def test_folder_cache_is_memory_mapped_equal_and_reused(tmp_path, monkeypatch):
    _folder(tmp_path / "d", n_per_class=5)
    cache = tmp_path / "cache"
    memory = load_image_folder(tmp_path / "d", cache=False)
    mapped = load_image_folder(tmp_path / "d", cache=True, cache_dir=cache)
    assert isinstance(mapped.images, MappedImages) and mapped.images.store.dtype == np.uint8, "8-bit PNGs are stored exactly"
    np.testing.assert_array_equal(np.asarray(mapped.images), memory.images)
    assert mapped.fingerprint() == memory.fingerprint()
    sub = mapped.subset(np.array([7, 2]))
    assert isinstance(sub.images, MappedImages)
    np.testing.assert_array_equal(sub.images[:], memory.images[[7, 2]])
    assert sub.fingerprint() == memory.subset(np.array([7, 2])).fingerprint()

    def no_decode(*a, **k):
        raise AssertionError("decoded again although the cache holds the same files")

    monkeypatch.setattr("synreal.data.datasets.decode_images", no_decode)
    again = load_image_folder(tmp_path / "d", cache=True, cache_dir=cache)
    np.testing.assert_array_equal(np.asarray(again.images), memory.images)
    assert len(list(cache.glob("*.npy"))) == 1 and not list(cache.glob(".*tmp"))


def test_folder_cache_is_rebuilt_when_a_file_or_the_size_changes(tmp_path):
    files = _folder(tmp_path / "d")
    cache = tmp_path / "cache"
    first = load_image_folder(tmp_path / "d", cache=True, cache_dir=cache)
    Image.fromarray(np.zeros((10, 10, 3), np.uint8)).save(files[0])
    second = load_image_folder(tmp_path / "d", cache=True, cache_dir=cache)
    assert float(second.images[0].max()) == 0.0 and float(first.images[0].max()) > 0
    resized = load_image_folder(tmp_path / "d", image_size=5, cache=True, cache_dir=cache)
    assert resized.images.store.dtype == np.float32 and resized.shape == (3, 5, 5)
    assert len(list(cache.glob("*.npy"))) == 3


def test_a_failed_decode_leaves_no_cache_file(tmp_path):
    from synreal.errors import UserInputError

    files = _folder(tmp_path / "d", size=(64, 64))
    # a valid header over truncated pixel data: the scan passes, the decode inside the cache fill fails
    files[3].write_bytes(files[3].read_bytes()[:200])
    cache = tmp_path / "cache"
    with pytest.raises(UserInputError, match=f"cannot read image {files[3]}"):
        load_image_folder(tmp_path / "d", cache=True, cache_dir=cache)
    assert list(cache.iterdir()) == []


def test_npz_cache_streams_and_equals_memory(tmp_path, monkeypatch):
    p = _npz(tmp_path / "u.npz", n=50)
    monkeypatch.setattr("synreal.data.datasets._NPZ_CHUNK_BYTES", 16 * 16 * 7)  # 7 images per chunk
    for kw in ({}, {"image_size": 8, "channels": 3}):
        memory = load_npz(p, cache=False, **kw)
        mapped = load_npz(p, cache=True, cache_dir=tmp_path / "c", **kw)
        assert isinstance(mapped.images, MappedImages)
        np.testing.assert_array_equal(np.asarray(mapped.images), memory.images)
        assert mapped.fingerprint() == memory.fingerprint()


def test_cache_dir_follows_the_environment(tmp_path, monkeypatch):
    from synreal.data.cache import cache_dir

    monkeypatch.delenv("SYNREAL_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "synreal"
    monkeypatch.setenv("SYNREAL_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"


def test_large_sets_are_cached_without_being_asked(tmp_path, monkeypatch):
    _folder(tmp_path / "d")
    monkeypatch.setattr("synreal.data.cache.CACHE_MIN_BYTES", 100)
    monkeypatch.setenv("SYNREAL_CACHE_DIR", str(tmp_path / "c"))
    assert load_image_folder(tmp_path / "d").mapped
    monkeypatch.setattr("synreal.data.cache.CACHE_MIN_BYTES", 10**9)
    assert not load_image_folder(tmp_path / "d").mapped


def test_embeddings_dataset(tmp_path):
    rng = np.random.default_rng(0)
    p = tmp_path / "e.npz"
    np.savez(p, features=rng.normal(size=(6, 4)).astype(np.float32), labels=np.array([0, 1, 2, 0, 1, 2]),
             classes=np.array(["cat", "dog", "owl"]), embedding=np.array("clip-vit-b32"))
    s = load_embeddings(p)
    assert isinstance(s, FeatureSet) and s.shape == (4,) and s.classes == ["cat", "dog", "owl"]
    assert s.meta["embedding"] == "clip-vit-b32"
    assert DATASETS.get("embeddings") is load_embeddings


def test_decoding_counts_progress(tmp_path):
    files = _folder(tmp_path, n_per_class=3)
    seen = []
    decode.decode_images(files, decode.InputShape(3, 10, 10), progress=seen.append)
    assert seen[-1] == 6


def test_images_of_different_kinds_share_one_set(tmp_path):
    """Grey and colour files in one folder: channels default to 3, the grey ones repeated."""
    (tmp_path / "a").mkdir()
    Image.fromarray(np.full((4, 4), 200, np.uint8), mode="L").save(tmp_path / "a" / "g.png")
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "a" / "c.png")
    s = load_image_folder(tmp_path)
    assert s.shape == (3, 4, 4)
    np.testing.assert_allclose(s.images[1], 200 / 255)  # c.png sorts first; g.png's grey in all channels


def test_imageset_with_mapped_images_keeps_the_public_surface(tmp_path):
    store = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", dtype=np.uint8, shape=(5, 1, 2, 2))
    store[:] = np.arange(5, dtype=np.uint8)[:, None, None, None] * 50
    s = ImageSet(MappedImages(np.load(tmp_path / "x.npy", mmap_mode="r")), np.arange(5) % 2, ["a", "b"])
    assert s.images.dtype == np.float32 and s.shape == (1, 2, 2) and len(s) == 5
    assert float(s.images.max()) == pytest.approx(200 / 255) and float(s.images.min()) == 0
    assert s.images[:, 0].shape == (5, 2, 2) and s.images[3, 0, 1, 1] == pytest.approx(150 / 255)
    np.testing.assert_array_equal(s.images[np.array([True, False, True, False, False])][:, 0, 0, 0], np.float32([0, 100]) / 255)
