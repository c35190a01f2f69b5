"""Writing scene sets to disk in the MOTChallenge layout.

``generate_scene_set(spec, out_dir)`` writes ``OUT/<name>-0000/`` ... (``img1/``,
``gt/gt.txt``, ``det/det.txt`` when enabled, ``seqinfo.ini``), a ``seqmap.txt`` listing the
sequences (TrackEval's seqmap format) and ``scene_set.json`` with the resolved spec and its
hash. Each sequence is written to a temporary folder and renamed when complete, so a
half-written sequence is never taken for a finished one; rerunning the same spec into the
same folder reuses the finished sequences and says so.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from synreal import __version__
from synreal.errors import UserInputError
from synreal.tracking.detections import simulate_detections
from synreal.tracking.motchallenge import MotSequence, image_name, write_sequence
from synreal.tracking.scene import Scene, derive_seed, simulate_scene
from synreal.tracking.spec import SceneSetSpec

SPEC_FILE = "scene_set.json"


def spec_hash(spec: SceneSetSpec) -> str:
    """Content hash of the resolved spec and the package version (16 hex digits)."""
    payload = json.dumps({"spec": spec.model_dump(mode="json"), "version": __version__}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def sequence_name(spec: SceneSetSpec, index: int) -> str:
    """Name of sequence ``index`` of a set: '<name>-0007'."""
    return f"{spec.name}-{index:04d}"


@dataclass
class GenerationSummary:
    """What ``generate_scene_set`` did."""

    out_dir: Path
    sequences: list[Path] = field(default_factory=list)
    generated: int = 0
    reused: int = 0
    frames: int = 0
    boxes: int = 0
    people: int = 0
    seconds: float = 0.0


def make_sequence(spec: SceneSetSpec, index: int) -> Scene:
    """Simulate sequence ``index`` of a scene set (no images, nothing written).

    Args:
        spec: the scene set.
        index: 0-based sequence index; its seed is derived from ``(spec.seed, index)``.

    Returns:
        The simulated scene.

    Example:
        >>> s = make_sequence(SceneSetSpec(name="demo"), 3)
        >>> s.name
        'demo-0003'
    """
    return simulate_scene(spec, derive_seed(spec.seed, index), sequence_name(spec, index))


def scene_set_sequences(spec: SceneSetSpec, n: int | None = None, *, seed: int | None = None, start: int = 0) -> list[MotSequence]:
    """Trajectories of ``n`` sequences of a scene set, in memory (no images, no files).

    Sequence ``i`` is the one ``generate_scene_set`` would write as ``<name>-000i`` for the
    same spec and seed: deterministic per (spec, index, seed).

    Args:
        spec: the scene set.
        n: number of sequences (default: ``spec.sequences``).
        seed: the set's seed (default: ``spec.seed``).
        start: index of the first sequence (to take disjoint slices of one set).

    Returns:
        Sequences with ground truth (box-based visibility included) and seqinfo (name,
        length, frame rate, image size); ``det`` is None and ``path`` is None.

    Example:
        >>> spec = SceneSetSpec(name="demo", scene={"frames": 60})
        >>> seqs = scene_set_sequences(spec, 2, seed=7)
        >>> [s.name for s in seqs], seqs[0].info.seq_length, bool((seqs[0].gt.vis >= 0).all())
        (['demo-0000', 'demo-0001'], 60, True)
    """
    s = spec if seed is None or seed == spec.seed else spec.model_copy(update={"seed": seed})
    count = spec.sequences if n is None else n
    out = []
    for i in range(start, start + count):
        scene = make_sequence(s, i)
        out.append(MotSequence(info=scene.info(), gt=scene.ground_truth()))
    return out


def write_scene(scene: Scene, spec: SceneSetSpec, seq_dir: Path, *, images: bool | None = None) -> Path:
    """Render (optionally) and write one simulated scene as a MOTChallenge sequence.

    Args:
        scene: from ``make_sequence`` or ``simulate_scene``.
        spec: its scene set (render and detection knobs).
        seq_dir: the sequence folder to create (written via a temporary folder).
        images: override ``spec.render.images``.

    Returns:
        The sequence folder.

    Example:
        >>> spec = SceneSetSpec(name="demo", render={"images": False})
        >>> write_scene(make_sequence(spec, 0), spec, Path("/tmp/demo-0000"))  # doctest: +SKIP
    """
    seq_dir = Path(seq_dir)
    tmp = seq_dir.with_name(seq_dir.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    draw = spec.render.images if images is None else images
    if draw:
        from synreal.tracking.render import render_scene

        img_dir = tmp / "img1"
        img_dir.mkdir(parents=True)
        for t, img in render_scene(scene, spec.render):
            img.save(img_dir / image_name(t + 1), quality=spec.render.jpeg_quality)
    gt = scene.ground_truth()
    det = None
    if spec.detections.enabled:
        cam = scene.camera.start
        rng = np.random.default_rng(derive_seed(scene.render_seed, 1))
        det = simulate_detections(gt, n_frames=scene.n_frames, width=cam.width, height=cam.height, spec=spec.detections, rng=rng)
    write_sequence(tmp, scene.info(), gt=gt, det=det)
    if seq_dir.exists():
        shutil.rmtree(seq_dir)
    tmp.rename(seq_dir)
    return seq_dir


def generate_scene_set(
    spec: SceneSetSpec,
    out_dir: str | Path,
    *,
    images: bool | None = None,
    overwrite: bool = False,
    progress: bool = False,
) -> GenerationSummary:
    """Generate every sequence of a scene set into ``out_dir``.

    Args:
        spec: the scene set.
        out_dir: the folder to fill (created if needed).
        images: override ``spec.render.images`` (False: trajectories only, much faster).
        overwrite: allow replacing a folder that holds a different scene set.
        progress: show a progress bar on stderr.

    Returns:
        Counts and the sequence folders.

    Raises:
        UserInputError: ``out_dir`` holds a different scene set and ``overwrite`` is False.

    Example:
        >>> spec = SceneSetSpec(name="walk", sequences=2, render={"images": False})
        >>> generate_scene_set(spec, "/tmp/walk").generated  # doctest: +SKIP
        2
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if images is not None:
        spec = spec.model_copy(update={"render": spec.render.model_copy(update={"images": images})})
    digest = spec_hash(spec)
    spec_file = out / SPEC_FILE
    if spec_file.is_file():
        old = json.loads(spec_file.read_text(encoding="utf-8"))
        if old.get("hash") != digest:
            if not overwrite:
                raise UserInputError(
                    f"holds scene set {old.get('spec', {}).get('name')!r} with another spec (hash {old.get('hash')})",
                    file=out,
                    hint="choose another --out folder, or pass --overwrite",
                )
            for d in out.iterdir():
                if d.is_dir() and (d / "seqinfo.ini").is_file():
                    shutil.rmtree(d)
    tmp_spec = spec_file.with_suffix(".tmp")
    tmp_spec.write_text(json.dumps({"hash": digest, "version": __version__, "spec": spec.model_dump(mode="json")}, indent=2), encoding="utf-8")
    tmp_spec.replace(spec_file)

    summary = GenerationSummary(out_dir=out)
    start = time.perf_counter()
    bar = None
    if progress:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                       TimeRemainingColumn(), console=Console(stderr=True), transient=True)  # fmt: skip
        bar.start()
        task = bar.add_task(f"generating {spec.name}", total=spec.sequences)
    try:
        for i in range(spec.sequences):
            name = sequence_name(spec, i)
            seq_dir = out / name
            if (seq_dir / "seqinfo.ini").is_file() and (seq_dir / "gt" / "gt.txt").is_file():
                summary.reused += 1
            else:
                scene = make_sequence(spec, i)
                write_scene(scene, spec, seq_dir)
                summary.generated += 1
                summary.frames += scene.n_frames
                summary.boxes += int(scene.labelled.sum())
                summary.people += int((scene.track_id > 0).sum())
            summary.sequences.append(seq_dir)
            if bar is not None:
                bar.advance(task)
    finally:
        if bar is not None:
            bar.stop()
    (out / "seqmap.txt").write_text("name\n" + "".join(p.name + "\n" for p in summary.sequences), encoding="utf-8")
    summary.seconds = time.perf_counter() - start
    return summary
