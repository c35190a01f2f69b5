"""``synreal mot``: generate, read, show and evaluate MOTChallenge tracking sequences.

A thin layer over ``synreal.tracking``; library modules are imported inside the commands
so that ``synreal --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from synreal.cli import stdout_console

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Tracking data: generate, read, show and evaluate MOTChallenge sequences.",
)


def _out() -> Console:
    """Console on the current stdout, wide when piped."""
    return stdout_console()


@app.command()
def generate(
    spec: Path = typer.Argument(..., help="scene-set spec (YAML), e.g. examples/tracking/multi-group.yaml"),
    out: Path = typer.Option(..., "--out", "-o", help="folder to write the sequences into"),
    sequences: Optional[int] = typer.Option(None, "--sequences", "-n", min=1, help="override the number of sequences"),
    images: Optional[bool] = typer.Option(None, "--images/--no-images", help="render images, or write trajectories only"),
    overwrite: bool = typer.Option(False, "--overwrite", help="replace a folder that holds a different scene set"),
) -> None:
    """Generate a scene set in the MOTChallenge layout (img1/, gt/gt.txt, det/det.txt, seqinfo.ini)."""
    from synreal.fileio import output_dir
    from synreal.tracking.generate import generate_scene_set
    from synreal.tracking.spec import load_scene_set

    s = load_scene_set(spec)
    output_dir(out)
    if sequences is not None:
        s = s.model_copy(update={"sequences": sequences})
    res = generate_scene_set(s, out, images=images, overwrite=overwrite, progress=True)
    con = _out()
    mode = "images + gt" if (images if images is not None else s.render.images) else "trajectories only"
    con.print(
        f"[bold]{s.name}[/]: {res.generated} sequence(s) generated, {res.reused} reused ({mode}) "
        f"in {res.seconds:.1f} s -> {out}"
    )
    if res.reused:
        con.print(f"[yellow]reused {res.reused} finished sequence(s) of the same spec (hash in {out / 'scene_set.json'})[/]")
    if res.generated:
        con.print(f"{res.frames} frames, {res.people} people, {res.boxes} boxes")


@app.command()
def show(
    seq_dir: Path = typer.Argument(..., help="a sequence folder (generated, MOT17, DanceTrack, ...)"),
    out: Path = typer.Option(..., "--out", "-o", help="video to write: .mp4 or .gif"),
    tracks: Optional[Path] = typer.Option(None, "--tracks", help="draw this tracker file instead of the ground truth"),
    sheet: Optional[Path] = typer.Option(None, "--sheet", help="contact sheet path (default: <out>_sheet.jpg)"),
    no_sheet: bool = typer.Option(False, "--no-sheet", help="skip the contact sheet"),
    max_frames: int = typer.Option(300, "--max-frames", min=1, help="frames to draw from the start"),
    fps: Optional[float] = typer.Option(None, "--fps", min=0.1, help="playback rate (default: the sequence's)"),
    width: Optional[int] = typer.Option(None, "--width", min=16, help="frame width in pixels"),
    visibility: bool = typer.Option(False, "--visibility", help="label boxes with their visibility"),
) -> None:
    """Write an MP4 or GIF with boxes and ids drawn, and a contact sheet."""
    from synreal.tracking.show import show_sequence

    res = show_sequence(
        seq_dir, out, tracks=tracks, sheet=False if no_sheet else (sheet or True), fps=fps,
        max_frames=max_frames, width=width, label_vis=visibility,
    )  # fmt: skip
    con = _out()
    con.print(f"wrote {res.video} ({res.frames} frames)")
    if res.sheet is not None:
        con.print(f"wrote {res.sheet}")


@app.command(name="eval")
def eval_(
    gt_root: Path = typer.Argument(..., help="ground truth: a sequence folder or a folder of them"),
    tracker_root: Path = typer.Argument(..., help="tracker results: SEQ.txt files, TRACKER/data/, or a folder of trackers"),
    benchmark: str = typer.Option("auto", "--benchmark", help="preprocessing: auto, MOT15, MOT16, MOT17, MOT20"),
    no_preproc: bool = typer.Option(False, "--no-preproc", help="skip MOTChallenge preprocessing (distractors)"),
    threshold: float = typer.Option(0.5, "--threshold", min=0.0, max=1.0, help="IoU for CLEAR and Identity matches"),
    seq: Optional[list[str]] = typer.Option(None, "--seq", help="evaluate only these sequences (repeatable)"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="write TrackEval's summary/detailed files and results.csv here"),
) -> None:
    """Evaluate trackers with TrackEval's HOTA, CLEAR and Identity metrics (identical numbers)."""
    from synreal.errors import UserInputError
    from synreal.tracking.metrics import SUMMARY_FIELDS, METRICS, evaluate_folders

    from synreal.fileio import output_dir

    if out is not None:
        output_dir(out)
    allowed = ("auto", "MOT15", "MOT16", "MOT17", "MOT20")
    bench = next((b for b in allowed if b.lower() == benchmark.lower()), None)
    if bench is None:
        raise UserInputError(f"--benchmark: expected one of {', '.join(allowed)}, found {benchmark!r}")
    results = evaluate_folders(gt_root, tracker_root, benchmark=bench, do_preproc=not no_preproc,  # type: ignore[arg-type]
                               threshold=threshold, sequences=seq, progress=True)  # fmt: skip
    con = _out()
    for res in results:
        frame = res.table()
        bench = sorted(set(res.benchmark.values()))
        how = "no preprocessing" if no_preproc else f"{'/'.join(bench)} preprocessing"
        con.print(f"[bold]{res.tracker}[/] on {len(res.sequences)} sequence(s), {how}; scores x100 as TrackEval prints them")
        for part in (SUMMARY_FIELDS[:8], SUMMARY_FIELDS[8:]):
            table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
            table.add_column("sequence", no_wrap=True)
            for f in part:
                table.add_column(f, justify="right", no_wrap=True)
            for name, row in frame.iterrows():
                cells = [f"{100 * row[f]:.3f}" if METRICS[f].kind == "score" else f"{int(row[f])}" for f in part]
                label = f"{name} (!)" if name in res.warnings else str(name)
                table.add_row(label, *cells, style="bold" if name == "COMBINED" else ("yellow" if name in res.warnings else None),
                              end_section=name == frame.index[-2])  # fmt: skip
            con.print(table)
        for seq, why in res.warnings.items():
            con.print(f"[bold yellow]warning:[/] (!) {seq}: {why}; its scores (and COMBINED's) mean little")
        for note in res.notes:
            con.print(f"[yellow]note:[/] {note}")
        if out is not None:
            target = out / res.tracker if len(results) > 1 else out
            files = res.write(target)
            con.print("wrote " + ", ".join(str(f) for f in files))


@app.command()
def info(seq_dir: Path = typer.Argument(..., help="a sequence folder or a folder of sequences")) -> None:
    """Read MOTChallenge sequences (validating every row) and summarise them."""
    import numpy as np

    from synreal.tracking.motchallenge import find_sequences, read_sequence

    table = Table(title=str(seq_dir))
    for col in ("sequence", "frames", "fps", "size", "images", "gt rows", "ids", "considered", "mean vis", "det rows"):
        table.add_column(col, justify="left" if col == "sequence" else "right")
    for d in find_sequences(seq_dir):
        s = read_sequence(d)
        gt = s.gt
        vis = gt.vis[gt.vis >= 0] if gt is not None else np.zeros(0)
        table.add_row(
            s.name + (" (no seqinfo.ini)" if s.info_inferred else ""),
            str(s.info.seq_length),
            f"{s.info.frame_rate:g}",
            f"{s.info.im_width}x{s.info.im_height}",
            str(len(s.images)),
            "-" if gt is None else str(len(gt)),
            "-" if gt is None else str(len(gt.ids)),
            "-" if gt is None else str(int((gt.conf != 0).sum())),
            f"{vis.mean():.3f}" if len(vis) else "-",
            "-" if s.det is None else str(len(s.det)),
        )
    _out().print(table)


app.command(name="read", help="Alias of info: read and validate sequences, then summarise them.")(info)


@app.command()
def embedded(out: Path = typer.Option(..., "--out", "-o", help="folder to write the TUD sample into")) -> None:
    """Write the real TUD-Campus/TUD-Stadtmitte sample (ground truth + a tracker's output)."""
    from synreal.tracking.embedded import write_tud

    gt_root, tr_root = write_tud(out)
    con = _out()
    con.print(f"wrote {gt_root} and {tr_root}")
    con.print(f"try: synreal mot eval {gt_root} {tr_root}")


@app.command()
def stats(
    paths: list[Path] = typer.Argument(..., help="MOTChallenge folders (a sequence or a folder of them) or scene-set YAMLs; the first is the reference"),
    sequences: Optional[int] = typer.Option(None, "--sequences", "-n", min=1, help="sequences to generate from each YAML (default: its own)"),
    seed: Optional[int] = typer.Option(None, "--seed", help="seed of the generated sets (default: each spec's)"),
    figure: Optional[Path] = typer.Option(None, "--figure", "-f", help="write the overlaid distributions here (.png, .pdf, .svg)"),
    csv: Optional[Path] = typer.Option(None, "--csv", help="write the table here"),
    markdown: bool = typer.Option(False, "--markdown", help="print the table as Markdown"),
) -> None:
    """Motion statistics of real or generated sequences side by side, with distances to the first."""
    from synreal.tracking.stats import format_value, load_sequences, markdown_table, sequence_stats, stats_table

    sets: dict[str, object] = {}
    for p in paths:
        label, seqs = load_sequences(p, n=sequences, seed=seed)
        base, k = label, 2
        while label in sets:
            label, k = f"{base} ({k})", k + 1
        sets[label] = sequence_stats(seqs)
    labels = list(sets)
    frame = stats_table(sets)  # type: ignore[arg-type]
    con = _out()
    if markdown:
        con.print(markdown_table(frame), markup=False)
    else:
        table = Table(title=f"motion statistics; distances to {labels[0]} (KS for distributions, relative for rates)",
                      box=box.SIMPLE_HEAD)  # fmt: skip
        table.add_column("statistic")
        for lab in labels:
            table.add_column(lab, justify="right")
        for _, r in frame.iterrows():
            cells = [format_value(r["statistic"], r["summary"], r[lab]) for lab in labels]
            last = r["summary"] != "distance" and r.name == frame.index[frame["summary"] != "distance"][-1]
            table.add_row(r["label"], *cells, style="bold" if r["headline"] or r["statistic"] == "overall" else None,
                          end_section=bool(last))  # fmt: skip
        con.print(table)
        con.print("bold rows: the headline statistics; " + ", ".join(f"{lab}: {s.n_sequences} sequences, {s.n_frames} frames" for lab, s in sets.items()))  # type: ignore[attr-defined]
    if csv is not None:
        csv.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(csv, index=False)
        con.print(f"wrote {csv}")
    if figure is not None:
        from synreal.tracking.stats_figure import stats_figure

        stats_figure(sets, out=figure)  # type: ignore[arg-type]
        con.print(f"wrote {figure}")


@app.command(name="fit-generator")
def fit_generator(
    real_dir: Path = typer.Argument(..., help="real ground truth: a MOTChallenge folder (a sequence or a folder of them)"),
    out: Path = typer.Option(..., "--out", "-o", help="scene-set YAML to write"),
    base: Optional[Path] = typer.Option(None, "--base", help="starting scene set (default: the built-in defaults)"),
    budget: int = typer.Option(3000, "--budget", min=2, help="most sequences to simulate in all"),
    per_trial: int = typer.Option(12, "--per-trial", min=1, help="sequences every trial is measured on first"),
    rungs: int = typer.Option(3, "--rungs", min=1, help="successive halving: the best third of the trials is measured again on 3 times as many sequences, up to this many sizes (1: none)"),
    seed: int = typer.Option(0, "--seed", help="seeds the search and the simulated sequences"),
    knob: Optional[list[str]] = typer.Option(None, "--knob", help="search only these knobs (repeatable; default: all that apply)"),
    holdout: Optional[Path] = typer.Option(None, "--holdout", help="real sequences kept out of the search, to measure how the fit generalises"),
    name: Optional[str] = typer.Option(None, "--name", help="name of the fitted scene set (default: <base name>-fit)"),
) -> None:
    """Search the generator's knobs so that its trajectories move like the real ones; write the best scene set."""
    from synreal.tracking.fit import fit_generator as fit, write_fit
    from synreal.tracking.spec import SceneSetSpec, load_scene_set
    from synreal.tracking.stats import load_sequences

    start = load_scene_set(base) if base is not None else SceneSetSpec(name="fitted")
    start = start.model_copy(update={"name": name or (start.name if base is None else f"{start.name}-fit")})
    _, real = load_sequences(real_dir)
    held = load_sequences(holdout)[1] if holdout is not None else None
    res = fit(real, start, budget=budget, per_trial=per_trial, seed=seed, knobs=knob, holdout=held, rungs=rungs, progress=True)
    path = write_fit(res, out)
    con = _out()
    con.print(f"overall distance to {real_dir}: [bold]{res.distance.overall:.4f}[/] (starting spec {res.base_distance.overall:.4f}); "
              f"{len(res.trials)} trials, {res.simulated} sequences simulated")  # fmt: skip
    if res.holdout_distance is not None and res.base_holdout_distance is not None:
        con.print(f"held-out {holdout}: {res.holdout_distance.overall:.4f} (starting spec {res.base_holdout_distance.overall:.4f})")
    con.print(f"wrote {path}")


@app.command()
def activities() -> None:
    """List the registered group activities and their knobs."""
    from synreal.tracking.activities import ACTIVITIES

    table = Table(title="activities")
    table.add_column("name")
    table.add_column("description")
    table.add_column("knobs (defaults)")
    for name in ACTIVITIES:
        cls = ACTIVITIES.get(name)
        knobs = ", ".join(f"{k}={_fmt(v.default)}" for k, v in cls.Config.model_fields.items())
        table.add_row(name, ACTIVITIES.describe()[name], knobs)
    _out().print(table)


def _fmt(v: object) -> str:
    """[1, 9] rather than (1, 9)."""
    return str(list(v)) if isinstance(v, tuple) else str(v)
