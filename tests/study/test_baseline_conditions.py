"""The retrieval baseline inside a study: retrieved, generated and perturbed at matched sizes."""

import os

import pytest
from rich.console import Console

from synreal.errors import UserInputError
from synreal.study.runner import plan_study, run_study
from synreal.study.spec import validate_spec
from synreal.study.store import RunStore
from tests.conftest import tiny_spec

QUIET = Console(file=open(os.devnull, "w"))


def _spec(npz, **retrieval):
    r = {"sizes": [20, 40], "gammas": [0.5], "generator": {"kind": "pool-diffusion", "knobs": {"train_steps": 3, "ddim_steps": 2}}}
    r.update(retrieval)
    return tiny_spec(npz, conditions=["real"], sources=[], real={"pool_fraction": 0.3}, retrieval=r)


def test_plan_matches_sizes_and_seeds_and_trains_the_generator_once(noisy_digits_npz):
    spec = validate_spec(_spec(noisy_digits_npz))
    plan = plan_study(spec)
    jobs = plan.jobs
    gens = [j for j in jobs if j.kind == "generator"]
    assert len(gens) == 1
    runs = [j.labels for j in jobs if j.kind == "run" and j.labels.condition != "real"]
    cells = {(r.condition, r.n_synthetic, r.seed) for r in runs}
    for cond in ("retrieved", "generated", "perturbed"):
        assert {(n, s) for c, n, s in cells if c == cond} == {(n, s) for n in (20, 40) for s in (0, 1)}
    assert all(r.gamma == 0.5 for r in runs if r.condition == "perturbed")
    # the generated and perturbed runs wait for the one generator
    assert all(j.deps == (gens[0].key,) for j in jobs if j.kind == "run" and j.labels.condition in ("generated", "perturbed"))
    assert plan.meta.n_pool_real > 0


@pytest.mark.slow
def test_tiny_study_with_retrieved_and_generated(tmp_path, noisy_digits_npz):
    spec = validate_spec(_spec(noisy_digits_npz))
    first = run_study(spec, tmp_path, console=QUIET)
    tidy = RunStore(tmp_path).tidy()
    acc = tidy[tidy.metric == "accuracy"]
    assert set(acc.condition) == {"real", "retrieved", "generated", "perturbed"}
    assert acc.value.between(0, 1).all()
    n_imgs = tidy[tidy.metric == "train_images"]
    # every baseline run trained on exactly the requested number of images
    assert (n_imgs.value.to_numpy() == n_imgs.n_synthetic.to_numpy()).all()
    assert (tidy[tidy.metric == "test_duplicates_removed"].value >= 0).all()
    again = run_study(spec, tmp_path, console=QUIET)
    assert again.executed == 0 and first.executed == len(plan_study(spec).jobs)


def test_embedded_pool_needs_held_apart_images(noisy_digits_npz):
    spec = _spec(noisy_digits_npz)
    spec["real"] = {"pool_fraction": 0.0}
    with pytest.raises(UserInputError, match="pool_fraction"):
        validate_spec(spec)


def test_bad_retriever_and_generator_knobs_are_named(noisy_digits_npz):
    with pytest.raises(UserInputError, match=r"retrieval.retrievers\[0\]"):
        validate_spec(_spec(noisy_digits_npz, retrievers=[{"method": "fts", "kk": 3}]))
    with pytest.raises(UserInputError, match=r"retrieval.generator.knobs.train_step"):
        validate_spec(_spec(noisy_digits_npz, generator={"kind": "pool-diffusion", "knobs": {"train_step": 3}}))
    with pytest.raises(UserInputError, match="gammas"):
        validate_spec(_spec(noisy_digits_npz, generator=None))
