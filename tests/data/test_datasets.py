from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from synreal.data.base import ImageSet, concat
from synreal.data.datasets import DATASETS, align_classes, file_fingerprint, load_digits_set, load_image_folder, load_npz
from synreal.errors import UserInputError


def test_digits_is_sklearn_scaled_to_unit_range():
    from sklearn.datasets import load_digits

    d = load_digits_set()
    raw = load_digits()
    assert d.images.shape == (1797, 1, 8, 8)
    np.testing.assert_allclose(d.images[:, 0] * 16, raw.images)
    assert d.classes == [str(i) for i in range(10)]


def test_registry_lists_builtin_datasets():
    assert {"digits", "folder", "npz"} <= set(DATASETS.names())


def _write_folder(root: Path, sizes=((8, 8), (8, 8))) -> None:
    for cls, size in zip(["cat", "dog"], sizes):
        (root / cls).mkdir(parents=True)
        for i in range(3):
            arr = np.full(size[::-1], 40 * (i + 1) + (100 if cls == "dog" else 0), np.uint8)
            Image.fromarray(arr).save(root / cls / f"{i}.png")


def test_image_folder_reads_classes_and_values(tmp_path):
    _write_folder(tmp_path)
    s = load_image_folder(tmp_path)
    assert s.classes == ["cat", "dog"]
    assert s.images.shape == (6, 1, 8, 8)
    assert np.bincount(s.labels).tolist() == [3, 3]
    assert s.images[0].max() == pytest.approx(40 / 255)


def test_image_folder_mixed_sizes_need_image_size(tmp_path):
    _write_folder(tmp_path, sizes=((8, 8), (12, 12)))
    with pytest.raises(UserInputError, match="different sizes"):
        load_image_folder(tmp_path)
    assert load_image_folder(tmp_path, image_size=8).images.shape == (6, 1, 8, 8)


def test_image_folder_errors_name_the_path(tmp_path):
    with pytest.raises(UserInputError, match="no such file"):
        load_image_folder(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserInputError, match="no class subfolders"):
        load_image_folder(tmp_path / "empty")


def test_npz_string_labels_and_max_value(tmp_path):
    p = tmp_path / "x.npz"
    np.savez(p, images=np.full((4, 8, 8), 16.0), labels=np.array(["b", "a", "b", "a"]), max_value=16)
    s = load_npz(p)
    assert s.classes == ["a", "b"] and s.labels.tolist() == [1, 0, 1, 0]
    assert s.images.max() == 1.0


def test_npz_bad_inputs(tmp_path):
    p = tmp_path / "x.npz"
    np.savez(p, images=np.zeros((4, 8, 8)), labels=np.zeros(3, int))
    with pytest.raises(UserInputError, match="4 images but 3 labels"):
        load_npz(p)
    np.savez(p, images=np.full((2, 8, 8), 5.0), labels=np.zeros(2, int))
    with pytest.raises(UserInputError, match="max_value"):
        load_npz(p)
    np.savez(p, pictures=np.zeros((2, 8, 8)))
    with pytest.raises(UserInputError, match="no array 'images'"):
        load_npz(p)


def test_align_classes_relabels_and_rejects_unknown():
    s = ImageSet(np.zeros((2, 1, 2, 2), np.float32), np.array([0, 1]), ["7", "3"])
    a = align_classes(s, [str(i) for i in range(10)], what="x")
    assert a.labels.tolist() == [7, 3]
    with pytest.raises(UserInputError, match=r"\['x'\]"):
        align_classes(ImageSet(s.images, s.labels, ["x", "3"]), ["3"], what="src")


def test_fingerprints_change_with_content(tmp_path):
    a = ImageSet(np.zeros((2, 1, 2, 2), np.float32), np.array([0, 1]), ["a", "b"])
    b = ImageSet(a.images.copy(), np.array([1, 0]), ["a", "b"])
    assert a.fingerprint() != b.fingerprint()
    (tmp_path / "f.txt").write_text("1")
    f1 = file_fingerprint(tmp_path)
    (tmp_path / "f.txt").write_text("2")
    assert file_fingerprint(tmp_path) != f1


def test_concat_checks_classes():
    a = ImageSet(np.zeros((2, 1, 2, 2), np.float32), np.array([0, 1]), ["a", "b"])
    assert len(concat([a, a])) == 4
    with pytest.raises(ValueError):
        concat([a, ImageSet(a.images, a.labels, ["b", "a"])])
