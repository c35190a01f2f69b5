"""Pool readers and writer: folder (jsonl / parquet) and .npz, and clear errors on bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from synreal.errors import UserInputError
from synreal.retrieval import Pool, load_pool, save_pool


@pytest.fixture
def pool() -> Pool:
    rng = np.random.default_rng(0)
    n = 12
    images = (rng.integers(0, 17, (n, 1, 8, 8)) / 16).astype(np.float32)
    emb = rng.standard_normal((n, 5)).astype(np.float32)
    labels = np.array([0, 1, 2, -1] * 3, np.int64)
    text = {"cat": rng.standard_normal((2, 5)).astype(np.float32), "dog": rng.standard_normal((1, 5)).astype(np.float32)}
    captions = [f"caption {i}" for i in range(n)]
    captions[3] = ""  # an image without alt text is allowed
    return Pool(images, captions, labels, ["cat", "dog", "emu"], emb, text, {"name": "t", "embedding": "clip-test"})


def same(a: Pool, b: Pool, atol: float) -> None:
    np.testing.assert_allclose(a.images, b.images, atol=atol)
    assert a.captions == b.captions
    assert a.label_names() == b.label_names()
    np.testing.assert_array_equal(a.embeddings, b.embeddings)
    assert sorted(a.text_embeddings) == sorted(b.text_embeddings)
    for k in a.text_embeddings:
        np.testing.assert_array_equal(a.text_embeddings[k], b.text_embeddings[k])
    assert b.meta["embedding"] == "clip-test"


def test_npz_round_trip_is_exact(pool, tmp_path):
    back = load_pool(save_pool(pool, tmp_path / "p.npz"))
    same(pool, back, atol=0)
    assert back.fingerprint() == pool.fingerprint()


def test_folder_round_trip(pool, tmp_path):
    root = save_pool(pool, tmp_path / "p")
    assert sorted(p.name for p in root.iterdir()) == ["captions.jsonl", "embeddings.npy", "images", "pool.json", "text_embeddings.npz"]
    same(pool, load_pool(root), atol=0.5 / 255)  # PNG stores 8 bits


def test_parquet_captions(pool, tmp_path):
    root = save_pool(pool, tmp_path / "p")
    rows = [json.loads(x) for x in (root / "captions.jsonl").read_text().splitlines()]
    pd.DataFrame(rows).to_parquet(root / "captions.parquet")
    (root / "captions.jsonl").unlink()
    back = load_pool(root)
    assert back.captions == pool.captions and back.label_names() == pool.label_names()


def test_save_never_overwrites(pool, tmp_path):
    save_pool(pool, tmp_path / "p.npz")
    with pytest.raises(UserInputError, match="already exists"):
        save_pool(pool, tmp_path / "p.npz")


def test_fingerprints(pool):
    other_caption = Pool(pool.images, ["x"] + pool.captions[1:], pool.labels, pool.classes, pool.embeddings, pool.text_embeddings)
    other_emb = Pool(pool.images, pool.captions, pool.labels, pool.classes, pool.embeddings + 1, pool.text_embeddings)
    assert other_caption.fingerprint() != pool.fingerprint()
    assert other_caption.captions_fingerprint() != pool.captions_fingerprint()
    assert other_emb.fingerprint() != pool.fingerprint()
    assert other_emb.captions_fingerprint() == pool.captions_fingerprint()  # the caption index is still valid
    # caption boundaries count: ["ab", "c"] and ["a", "bc"] differ
    a = Pool(pool.images[:2], ["ab", "c"])
    b = Pool(pool.images[:2], ["a", "bc"])
    assert a.captions_fingerprint() != b.captions_fingerprint()


def test_no_caption_file(tmp_path):
    (tmp_path / "images").mkdir()
    with pytest.raises(UserInputError, match=r"no captions found: expected captions\.jsonl or captions\.parquet"):
        load_pool(tmp_path)


def test_missing_caption_names_file_and_line(pool, tmp_path):
    root = save_pool(pool, tmp_path / "p")
    lines = (root / "captions.jsonl").read_text().splitlines()
    row = json.loads(lines[2])
    del row["caption"]
    lines[2] = json.dumps(row)
    (root / "captions.jsonl").write_text("\n".join(lines) + "\n")
    with pytest.raises(UserInputError) as err:
        load_pool(root)
    assert err.value.file.endswith("captions.jsonl") and err.value.line == 3
    assert "caption missing" in str(err.value)


def test_missing_caption_in_parquet_names_the_row(pool, tmp_path):
    root = save_pool(pool, tmp_path / "p")
    rows = [json.loads(x) for x in (root / "captions.jsonl").read_text().splitlines()]
    rows[4]["caption"] = None
    pd.DataFrame(rows).to_parquet(root / "captions.parquet")
    (root / "captions.jsonl").unlink()
    with pytest.raises(UserInputError, match=r"captions\.parquet: row 4: caption missing"):
        load_pool(root)


def test_bad_json_line(pool, tmp_path):
    root = save_pool(pool, tmp_path / "p")
    with (root / "captions.jsonl").open("a") as fh:
        fh.write("{not json\n")
    with pytest.raises(UserInputError, match=r"captions\.jsonl:13: not valid JSON"):
        load_pool(root)


def test_missing_image_file(pool, tmp_path):
    root = save_pool(pool, tmp_path / "p")
    (root / "images" / "0000005.png").unlink()
    with pytest.raises(UserInputError, match=r"captions\.jsonl:6: image 'images/0000005.png' does not exist"):
        load_pool(root)


def test_embedding_count_mismatch_names_the_file(pool, tmp_path):
    root = save_pool(pool, tmp_path / "p")
    np.save(root / "embeddings.npy", pool.embeddings[:-1])
    with pytest.raises(UserInputError, match=r"embeddings\.npy: embeddings hold 11 rows but the pool has 12 images"):
        load_pool(root)


def test_text_embedding_dims_must_match(pool, tmp_path):
    root = save_pool(pool, tmp_path / "p")
    np.savez(root / "text_embeddings.npz", cat=np.zeros((1, 7), np.float32))
    with pytest.raises(UserInputError, match=r"text embeddings of class 'cat' have shape \(1, 7\); expected \(prompts, 5\)"):
        load_pool(root)


def test_npz_errors(pool, tmp_path):
    np.savez(tmp_path / "a.npz", images=pool.images)
    with pytest.raises(UserInputError, match="no array 'captions'"):
        load_pool(tmp_path / "a.npz")
    np.savez(tmp_path / "b.npz", images=pool.images, captions=np.array(pool.captions[:-2]))
    with pytest.raises(UserInputError, match="12 images but 10 captions"):
        load_pool(tmp_path / "b.npz")
    np.savez(tmp_path / "c.npz", images=pool.images, captions=np.array(pool.captions), embeddings=np.zeros((3, 4)))
    with pytest.raises(UserInputError, match="embeddings hold 3 rows but the pool has 12 images"):
        load_pool(tmp_path / "c.npz")
    with pytest.raises(UserInputError, match="neither a folder nor an .npz"):
        (tmp_path / "x.txt").write_text("hi")
        load_pool(tmp_path / "x.txt")


def test_constructor_checks(pool):
    with pytest.raises(UserInputError, match="12 images but 11 captions"):
        Pool(pool.images, pool.captions[:-1])
    with pytest.raises(UserInputError, match="labels run -1..5 but there are 3 classes"):
        Pool(pool.images, pool.captions, np.array([5] + [-1] * 11), ["a", "b", "c"])
    with pytest.raises(UserInputError, match="text embeddings but no image embeddings"):
        Pool(pool.images, pool.captions, text_embeddings=pool.text_embeddings)
