"""Bad pixels and labels are user errors that name the file and the image; the CLI exits 2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from synreal.data.datasets import load_embeddings, load_image_folder, load_npz
from synreal.errors import UserInputError


def _save(path: Path, images=None, labels=None, **extra) -> Path:
    images = np.zeros((4, 8, 8), np.float32) if images is None else images
    labels = np.array([0, 1, 0, 1]) if labels is None else labels
    np.savez(path, images=images, labels=labels, **extra)
    return path


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_pixels_name_the_file_and_image(tmp_path, bad):
    images = np.zeros((4, 8, 8), np.float32)
    images[2, 3, 3] = bad
    p = _save(tmp_path / "x.npz", images)
    with pytest.raises(UserInputError, match="image 2 has NaN or infinite pixel values") as err:
        load_npz(p)
    assert err.value.file == str(p)


def test_non_finite_pixels_are_found_while_streaming_into_the_cache(tmp_path, monkeypatch):
    images = np.zeros((40, 8, 8), np.float32)
    images[33, 0, 0] = np.nan
    p = _save(tmp_path / "x.npz", images, np.arange(40) % 2)
    monkeypatch.setattr("synreal.data.datasets._NPZ_CHUNK_BYTES", 8 * 8 * 4 * 5)
    with pytest.raises(UserInputError, match="image 33 has NaN"):
        load_npz(p, cache=True, cache_dir=tmp_path / "c")


def test_out_of_range_pixels_name_the_image(tmp_path):
    images = np.zeros((4, 8, 8), np.float32)
    images[1] = 7
    with pytest.raises(UserInputError, match="image 1 has pixel values 7..7"):
        load_npz(_save(tmp_path / "x.npz", images))


def test_float_labels_are_rejected_with_a_hint(tmp_path):
    with pytest.raises(UserInputError, match="labels are floats") as err:
        load_npz(_save(tmp_path / "x.npz", labels=np.array([0.0, 1.0, 0.0, 1.0])))
    assert "astype(int)" in err.value.message
    with pytest.raises(UserInputError, match=r"label 2 is 0\.5"):
        load_npz(_save(tmp_path / "y.npz", labels=np.array([0, 1, 0.5, 1])))


def test_label_ids_outside_the_class_list_name_the_index(tmp_path):
    p = _save(tmp_path / "x.npz", labels=np.array([0, 1, 3, 1]), classes=np.array(["a", "b"]))
    with pytest.raises(UserInputError, match=r"label 2 is 3, outside the 2 classes \(expected 0\.\.1\)"):
        load_npz(p)
    p = _save(tmp_path / "y.npz", labels=np.array([0, -1, 0, 1]), classes=np.array(["a", "b"]))
    with pytest.raises(UserInputError, match="label 1 is -1"):
        load_npz(p)


def test_string_labels_must_be_among_the_given_classes(tmp_path):
    p = _save(tmp_path / "x.npz", labels=np.array(["a", "b", "c", "a"]), classes=np.array(["a", "b"]))
    with pytest.raises(UserInputError, match="label 2 is 'c', which is not among the classes"):
        load_npz(p)
    ok = load_npz(_save(tmp_path / "y.npz", labels=np.array(["b", "a", "b", "a"]), classes=np.array(["b", "a"])))
    assert ok.classes == ["b", "a"] and ok.labels.tolist() == [0, 1, 0, 1]


def test_object_arrays_are_never_unpickled(tmp_path):
    p = tmp_path / "x.npz"
    np.savez(p, images=np.zeros((2, 4, 4)), labels=np.array([{"a": 1}, {"b": 2}], dtype=object))
    with pytest.raises(UserInputError, match="cannot read 'labels'"):
        load_npz(p)


def test_an_image_that_fails_to_decode_names_its_path(tmp_path):
    for cls in ("a", "b"):
        (tmp_path / cls).mkdir()
        Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / cls / "ok.png")
    broken = tmp_path / "b" / "broken.png"
    broken.write_bytes(b"\x89PNG but not really")
    with pytest.raises(UserInputError, match=f"cannot read image {broken}"):
        load_image_folder(tmp_path)


def test_embeddings_reject_bad_features_and_image_settings(tmp_path):
    p = tmp_path / "e.npz"
    feats = np.ones((3, 4), np.float32)
    feats[1, 2] = np.nan
    np.savez(p, features=feats, labels=np.array([0, 1, 0]))
    with pytest.raises(UserInputError, match="feature row 1 holds NaN"):
        load_embeddings(p)
    np.savez(p, features=np.ones((3, 4), np.int64), labels=np.array([0, 1, 0]))
    with pytest.raises(UserInputError, match="must be floats"):
        load_embeddings(p)
    np.savez(p, features=np.ones((3, 2, 2), np.float32), labels=np.array([0, 1, 0]))
    with pytest.raises(UserInputError, match=r"expected \(N, D\)"):
        load_embeddings(p)
    np.savez(p, features=np.ones((3, 4), np.float32), labels=np.array([0.0, 1.0, 0.0]))
    with pytest.raises(UserInputError, match="labels are floats"):
        load_embeddings(p)
    np.savez(p, features=np.ones((3, 4), np.float32), labels=np.array([0, 1, 0]))
    with pytest.raises(UserInputError, match="apply to images"):
        load_embeddings(p, image_size=8)


def test_the_cli_exits_2_and_names_file_and_image(tmp_path, capsys):
    from synreal.cli.main import main

    images = np.random.default_rng(0).random((60, 8, 8)).astype(np.float32)
    images[17, 0, 0] = np.nan
    data = _save(tmp_path / "real.npz", images, np.arange(60) % 2)
    spec = tmp_path / "s.yaml"
    spec.write_text(yaml.safe_dump({
        "name": "bad", "seeds": [0], "real_fractions": [1.0], "conditions": ["real"],
        "real": {"dataset": "npz", "path": str(data)}, "executor": {"kind": "inline"},
    }))
    assert main(["run", str(spec), "--out", str(tmp_path / "out"), "--no-report"]) == 2
    err = capsys.readouterr().err
    assert str(data) in err.replace("\n", "") and "image 17 has NaN" in err.replace("\n", " ")
