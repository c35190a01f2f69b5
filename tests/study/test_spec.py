from pathlib import Path

import pytest
import yaml

from synreal.errors import UserInputError
from synreal.study.spec import load_spec, validate_spec
from tests.conftest import tiny_spec


def _write(tmp_path: Path, spec: dict | str) -> Path:
    p = tmp_path / "study.yaml"
    p.write_text(spec if isinstance(spec, str) else yaml.safe_dump(spec, sort_keys=False))
    return p


def test_valid_spec_round_trips(tmp_path, noisy_digits_npz):
    s = load_spec(_write(tmp_path, tiny_spec(noisy_digits_npz)))
    assert [c.condition for c in s.conditions] == ["real", "real+aug", "pretrain", "synthetic-only"]
    assert s.real_fractions == [0.2, 1.0]


@pytest.mark.parametrize(
    "change, key, words",
    [
        (lambda s: s.update(sedes=s.pop("seeds")), "sedes", "did you mean 'seeds'"),
        (lambda s: s.update(real_fractions=[0.5, 1.5]), "real_fractions", "(0, 1]"),
        (lambda s: s["conditions"].append({"condition": "mixx", "n_synthetic": [5]}), "conditions[4].condition", "'mix'"),
        (lambda s: s["learner"].update(params={"widht": 3}), "learner.params.widht", "did you mean 'width'"),
        (lambda s: s["sources"][0].update(kind="npzz"), "sources[0].kind", "did you mean 'npz'"),
        (lambda s: s["training"]["train"].update(epochs=-1), "training.train.epochs", "greater than or equal to 1"),
        (lambda s: s["conditions"].append({"condition": "pretrain", "sources": ["nope"], "n_synthetic": [5]}), "conditions", "'nope'"),
        (lambda s: s["conditions"].append({"condition": "mix"}), "conditions", "needs n_synthetic"),
        (lambda s: s.update(seeds=[1, 1]), "seeds", "distinct"),
        (lambda s: s.update(scaling={"n_synthetic": [10, 20]}), "scaling.n_synthetic", "at least 3"),
    ],
)
def test_bad_specs_name_file_key_and_expectation(tmp_path, noisy_digits_npz, change, key, words):
    spec = tiny_spec(noisy_digits_npz)
    change(spec)
    path = _write(tmp_path, spec)
    with pytest.raises(UserInputError) as exc:
        load_spec(path)
    msg = exc.value.message
    assert str(path) in msg and key in msg and words in msg, msg


def test_line_numbers_point_at_the_bad_key(tmp_path, noisy_digits_npz):
    text = yaml.safe_dump(tiny_spec(noisy_digits_npz), sort_keys=False).replace("width: 4", "width: -4")
    path = _write(tmp_path, text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "width: -4" in t)
    with pytest.raises(UserInputError) as exc:
        load_spec(path)
    assert exc.value.line == line


def test_not_yaml_and_missing_file(tmp_path):
    with pytest.raises(UserInputError, match="not valid YAML"):
        load_spec(_write(tmp_path, "name: [unclosed\n"))
    with pytest.raises(UserInputError, match="no such file"):
        load_spec(tmp_path / "missing.yaml")
    with pytest.raises(UserInputError, match="mapping"):
        load_spec(_write(tmp_path, "- just\n- a list\n"))


def test_real_only_condition_rejects_sources(noisy_digits_npz):
    spec = tiny_spec(noisy_digits_npz)
    spec["conditions"] = [{"condition": "real", "n_synthetic": [3]}]
    with pytest.raises(UserInputError, match="real data only"):
        validate_spec(spec)
