"""Caption search: query rules (phrases, OR, AND, NOT, raw FTS5) and the stored index."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from synreal.errors import UserInputError
from synreal.retrieval import CaptionIndex, QueryRule, caption_index, retrieve
from synreal.retrieval.fts import index_path

CAPTIONS = [
    "a handwritten seven on a form",  # 0
    "the number seven, scanned",  # 1
    "seven numbers on a page",  # 2: both words, but not the phrase "number seven"
    "a page of sevens",  # 3: plural; stemming maps it to "seven"
    "digit 7 in ink",  # 4
    "Seven Pink Flowers",  # 5: upper case
    "a temple roof",  # 6
    "cat food for one cat",  # 7
    "tabby cat on a sofa",  # 8
    "",  # 9: no alt text
    "naïve café menu",  # 10: diacritics
    "hand-written 7",  # 11: punctuation splits words
]


@pytest.fixture(scope="module")
def index() -> CaptionIndex:
    idx = CaptionIndex.build(CAPTIONS)
    yield idx
    idx.close()


def found(index: CaptionIndex, rule) -> set[int]:
    return set(index.search(QueryRule.model_validate(rule))[0].tolist())


def test_synonyms_are_alternatives(index):
    assert found(index, ["7", "seven"]) == {0, 1, 2, 3, 4, 5, 11}


def test_phrase_needs_adjacent_words_in_order(index):
    assert found(index, ["number seven"]) == {1}
    assert found(index, ["form seven"]) == set()
    # phrases are stemmed too: "seven numbers" contains the phrase "seven number"
    assert found(index, ["seven number"]) == {2}


def test_all_phrases_must_appear(index):
    assert found(index, {"any": ["7", "seven"], "all": ["handwritten"]}) == {0}
    # "hand-written" is two words, so the phrase "hand written" matches it and not "handwritten"
    assert found(index, {"any": ["7", "seven"], "all": ["hand written"]}) == {11}


def test_none_excludes(index):
    assert found(index, {"any": ["seven"], "none": ["flower", "page"]}) == {0, 1}


def test_raw_match_expression_with_and_or(index):
    assert found(index, '"tabby cat" OR (cat AND food)') == {7, 8}
    assert found(index, {"any": ["cat"], "match": "sofa OR food"}) == {7, 8}


def test_case_diacritics_and_stemming(index):
    assert found(index, ["flowers"]) == {5}
    assert found(index, ["SEVEN"]) == {0, 1, 2, 3, 5}
    assert found(index, ["naive cafe"]) == {10}


def test_scores_are_positive_and_best_first(index):
    ids, scores = index.search(QueryRule(any=["seven"]))
    assert len(ids) == 5 and np.all(scores > 0)
    assert np.all(np.diff(scores) <= 0)
    # BM25 favours the shorter caption when the term occurs once in each
    assert scores[ids.tolist().index(5)] > scores[ids.tolist().index(0)]


def test_rule_validation():
    with pytest.raises(ValueError, match="no letters or digits"):
        QueryRule(any=["!!"])
    with pytest.raises(ValueError, match="at least one of"):
        QueryRule(none=["cat"])
    assert QueryRule(any=['say "hi"']).expression() == '("say ""hi""")'


def test_invalid_fts5_rule_names_the_class(index, make_pool):
    pool = make_pool(CAPTIONS)
    with pytest.raises(UserInputError, match=r"rules\.7: query rule is not a valid FTS5 expression"):
        retrieve(pool, ["7"], {"rules": {"7": "seven AND ("}})


def test_default_rule_is_the_class_name(make_pool):
    pool = make_pool(CAPTIONS)
    r = retrieve(pool, ["tabby_cat", "temple"])
    assert r.counts() == {"tabby_cat": 1, "temple": 1}
    assert r.indices["tabby_cat"].tolist() == [8]


def test_index_is_stored_atomically_and_reused(tmp_path: Path, make_pool):
    tmp_path = tmp_path / "my cache #1?"  # characters that a naive SQLite URI would misread
    pool = make_pool(CAPTIONS)
    fp = pool.captions_fingerprint()
    idx, info = caption_index(pool.captions, fp, tmp_path)
    first = found(idx, ["seven"])
    idx.close()
    assert info["reused"] is False and Path(info["path"]) == index_path(tmp_path, fp)
    assert [p.name for p in tmp_path.iterdir()] == [f"{fp}.fts.sqlite"]  # no temp file left behind
    idx, info = caption_index(pool.captions, fp, tmp_path)
    assert info["reused"] is True and "reusing" in info["note"]
    assert found(idx, ["seven"]) == first
    idx.close()


@pytest.mark.parametrize("damage", ["other captions", "garbage"])
def test_stale_or_corrupt_index_is_rebuilt(tmp_path: Path, make_pool, damage):
    pool = make_pool(CAPTIONS)
    fp = pool.captions_fingerprint()
    path = index_path(tmp_path, fp)
    if damage == "garbage":
        path.write_bytes(b"not a database at all" * 10)
    else:
        CaptionIndex.build(["something else"], path, fingerprint="0000").close()
    idx, info = caption_index(pool.captions, fp, tmp_path)
    assert info["reused"] is False
    assert found(idx, ["tabby cat"]) == {8}
    idx.close()


def test_index_survives_a_failing_rule(tmp_path: Path, make_pool):
    """Nothing lost: the index built before a bad rule is found is kept and reused."""
    pool = make_pool(CAPTIONS)
    with pytest.raises(UserInputError):
        retrieve(pool, ["7"], {"rules": {"7": "seven AND ("}}, index_dir=tmp_path)
    assert index_path(tmp_path, pool.captions_fingerprint()).exists()
    r = retrieve(pool, ["7"], {"rules": {"7": ["7", "seven"]}}, index_dir=tmp_path)
    assert r.info["fts_index"]["reused"] is True
    assert set(r.indices["7"].tolist()) == {0, 1, 2, 3, 4, 5, 11}


def test_stored_index_is_contentless_fts5(tmp_path: Path):
    path = tmp_path / "x.fts.sqlite"
    CaptionIndex.build(CAPTIONS, path, fingerprint="abc").close()
    conn = sqlite3.connect(path)
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name='captions'").fetchone()[0]
    meta = dict(conn.execute("SELECT key, value FROM synreal_meta").fetchall())
    conn.close()
    assert "fts5" in sql and "content=''" in sql
    assert meta["fingerprint"] == "abc" and meta["n_rows"] == str(len(CAPTIONS))
