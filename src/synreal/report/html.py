"""Assemble the self-contained report: report.html, summary.json, results.csv, figures/.

``build_report`` imports the section modules (which register themselves in
``synreal.report.sections.SECTIONS``), calls every registered section in ``order`` on one
``ReportContext`` and writes the files. The HTML needs no network: CSS is inline and every
figure is a base64 ``data:`` URI. The small formatting helpers here (``fmt_*``,
``html_table``) are shared by all sections so that numbers read the same everywhere.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import importlib
import importlib.util
import json
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import synreal
from synreal.analysis.stats import REQUIRED_COLUMNS
from synreal.errors import UserInputError
from synreal.report.sections import ORDER, SECTIONS, ReportContext, Section

CORE_MODULES = ("synreal.report.section_core", "synreal.report.section_substitution",
                "synreal.report.section_flexibility", "synreal.report.section_augmentation")
OPTIONAL_MODULES = ("synreal.report.section_scaling", "synreal.report.section_retrieval", "synreal.report.section_advice")


@dataclass
class ReportPaths:
    """Where ``build_report`` wrote its files.

    Attributes:
        out_dir: the report folder.
        html: ``out_dir/report.html`` (self-contained).
        summary: ``out_dir/summary.json``.
        results_csv: ``out_dir/results.csv`` (the tidy table as given).
        figures: the PNG files under ``out_dir/figures``.
        verdicts_csv: ``out_dir/verdicts.csv``, every verdict of the report in one table.
    """

    out_dir: Path
    html: Path
    summary: Path
    results_csv: Path
    figures: list[Path] = field(default_factory=list)
    verdicts_csv: Path | None = None


# ---------------------------------------------------------------- formatting helpers


def fmt_num(x: float | None, digits: int = 3) -> str:
    """A number with fixed decimals, or "n/a" when missing.

    Example:
        >>> fmt_num(0.91234), fmt_num(float("nan"))
        ('0.912', 'n/a')
    """
    if x is None or not np.isfinite(x):
        return "n/a"
    return f"{x:.{digits}f}"


def fmt_signed(x: float | None, digits: int = 3) -> str:
    """A difference with its sign (+0.012, -0.004), or "n/a".

    Example:
        >>> fmt_signed(0.0123), fmt_signed(-0.004)
        ('+0.012', '-0.004')
    """
    if x is None or not np.isfinite(x):
        return "n/a"
    return f"{x:+.{digits}f}"


def fmt_pct(x: float) -> str:
    """A fraction as a percentage with at most one decimal (0.7 -> "70%", 0.125 -> "12.5%").

    Example:
        >>> fmt_pct(1 - 0.3), fmt_pct(0.125)
        ('70%', '12.5%')
    """
    return f"{round(100 * float(x), 1):g}%"


def fmt_interval(lo: float, hi: float, *, level: float = 0.95, signed: bool = False, n: int | None = None) -> str:
    """"95% interval a to b", or why there is none.

    Example:
        >>> fmt_interval(-0.01, 0.02, signed=True)
        '95% interval -0.010 to +0.020'
        >>> fmt_interval(float("nan"), float("nan"), n=1)
        'no interval: 1 seed'
    """
    if lo is None or hi is None or not (np.isfinite(lo) and np.isfinite(hi)):
        return f"no interval: {n} seed{'s' if n != 1 else ''}" if n is not None and n < 2 else "no interval"
    f = fmt_signed if signed else fmt_num
    return f"{level:.0%} interval {f(lo)} to {f(hi)}"


def fmt_range(lo: float, hi: float, *, signed: bool = False, n: int | None = None) -> str:
    """"a to b" for a table column already headed by its level, or why there is none.

    Example:
        >>> fmt_range(0.1, 0.2)
        '0.100 to 0.200'
    """
    if lo is None or hi is None or not (np.isfinite(lo) and np.isfinite(hi)):
        return fmt_interval(lo, hi, n=n)
    f = fmt_signed if signed else fmt_num
    return f"{f(lo)} to {f(hi)}"


def fmt_bounds(lower: float, upper: float, bound_level: float, *, level: float | None = None,
               family: int = 1, n: int | None = None) -> str:
    """Two one-sided bounds of a paired difference, with the level each holds at.

    Args:
        lower: lower one-sided bound.
        upper: upper one-sided bound.
        bound_level: one-sided level of each bound.
        level: the nominal level when ``bound_level`` is stricter because the error budget is
            shared (several looks of adaptive seeding, or ``family`` comparisons).
        family: comparisons sharing the budget.
        n: seeds behind the bounds (for the message when there are none).

    Example:
        >>> fmt_bounds(-0.012, 0.004, 0.95)
        'bounds -0.012 to +0.004, one-sided 95%'
        >>> fmt_bounds(0.01, 0.03, 1 - 0.05 / 3, level=0.95, family=3)
        'bounds +0.010 to +0.030, one-sided 98.3% (95% adjusted for 3 comparisons)'
    """
    if lower is None or upper is None or not (np.isfinite(lower) and np.isfinite(upper)):
        return fmt_interval(lower, upper, n=n)
    text = f"bounds {fmt_signed(lower)} to {fmt_signed(upper)}, one-sided {round(100 * bound_level, 1):g}%"
    if level is not None and abs(bound_level - level) > 1e-9:
        why = [f"{family} comparisons"] if family > 1 else []
        if not why or abs(1 - (1 - level) / family - bound_level) > 1e-9:
            why.append("sequential looks")
        text += f" ({level:.0%} adjusted for {' and '.join(why)})"
    return text


def fmt_p(p: float) -> str:
    """A p-value with 4 decimals, "< 0.0001" below that, "n/a" when no test was possible.

    Example:
        >>> fmt_p(0.01234), fmt_p(1e-7)
        ('0.0123', '< 0.0001')
    """
    if p is None or not np.isfinite(p):
        return "n/a"
    return "< 0.0001" if p < 1e-4 else f"{p:.4f}"


def fmt_seeds(n: int) -> str:
    """How many seeds back a number.

    Example:
        >>> fmt_seeds(3), fmt_seeds(1)
        ('3 seeds', '1 seed')
    """
    return f"{int(n)} seed{'s' if int(n) != 1 else ''}"


def html_table(header: Sequence[str], rows: Sequence[Sequence[object]], *, numeric: Sequence[int] = (),
               caption: str | None = None) -> str:
    """An HTML table (scrolls sideways when wide); cells are escaped text, ``numeric`` right-aligned.

    Example:
        >>> html_table(["a", "b"], [["x<y", 1]], numeric=[1])
        '<div class="table-wrap"><table><thead><tr><th>a</th><th class="num">b</th></tr></thead><tbody><tr><td>x&lt;y</td><td class="num">1</td></tr></tbody></table></div>'
    """
    num = set(numeric)

    def cls(i: int) -> str:
        return ' class="num"' if i in num else ""

    head = "".join(f"<th{cls(i)}>{html.escape(str(h))}</th>" for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(f"<td{cls(i)}>{html.escape(str(c))}</td>" for i, c in enumerate(r)) + "</tr>"
                   for r in rows)
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f'<div class="table-wrap"><table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def figure_html(path: Path, alt: str, caption: str | None = None) -> str:
    """A figure referenced by its file name; ``build_report`` inlines it as a data URI.

    Args:
        path: the PNG a section wrote into ``ctx.figures_dir``.
        alt: text for screen readers and when images are off.
        caption: optional caption under the figure.

    Returns:
        An HTML ``<figure>`` fragment.

    The image links to its full-size file in ``figures/`` beside the report, so that a
    reader on a narrow screen can open it at full resolution.

    Example:
        >>> figure_html(Path("figs/curve.png"), "curve")
        '<figure><a href="figures/curve.png"><img src="curve.png" alt="curve"></a></figure>'
    """
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    name = html.escape(Path(path).name)
    return f'<figure><a href="figures/{name}"><img src="{name}" alt="{html.escape(alt)}"></a>{cap}</figure>'


# ---------------------------------------------------------------- JSON


def json_safe(obj: Any) -> Any:
    """Plain JSON values: numpy scalars unwrapped, NaN/inf as null, tables as records.

    Image arrays and ImageSet-like values become their shape, since summary.json holds
    numbers, not pixels. Anything else unknown is a bug and raises ``TypeError``.

    Args:
        obj: a section summary, meta, or any nesting of dicts, lists, tables and numbers.

    Returns:
        The same structure made of JSON types only.

    Example:
        >>> json_safe({"a": np.float64("nan"), "b": (np.int64(2), Path("x"))})
        {'a': None, 'b': [2, 'x']}
    """
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [json_safe(v) for v in (sorted(obj) if isinstance(obj, (set, frozenset)) else obj)]
    if isinstance(obj, pd.DataFrame):
        return [json_safe(r) for r in obj.to_dict(orient="records")]
    if isinstance(obj, pd.Series):
        return json_safe(obj.to_dict())
    if isinstance(obj, np.ndarray):
        return {"array_shape": list(obj.shape)} if obj.ndim >= 3 else json_safe(obj.tolist())
    if hasattr(obj, "images") and hasattr(obj, "labels"):
        return {"images_shape": list(np.shape(obj.images))}
    if hasattr(obj, "model_dump"):
        return json_safe(obj.model_dump(mode="json"))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return json_safe(dataclasses.asdict(obj))
    raise TypeError(f"cannot write {type(obj).__name__} to summary.json")


# ---------------------------------------------------------------- assembly

CSS = """
:root { --ink:#1d1d1f; --muted:#5f6368; --line:#dadce0; --soft:#f6f8fa; --accent:#0072B2; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color:var(--ink); background:#fff; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 28px 60px; }
h1 { font-size: 1.7em; margin: 0 0 4px; }
h2 { font-size: 1.3em; margin: 36px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05em; margin: 22px 0 6px; }
p.sub, .note { color: var(--muted); }
.findings { background: var(--soft); border-left: 4px solid var(--accent); padding: 10px 20px 12px; margin: 18px 0; }
.findings h2 { border: 0; margin: 6px 0; }
.findings li { margin: 6px 0; }
.findings h3 { font-size: .8em; text-transform: uppercase; letter-spacing: .04em; margin: 14px 0 2px; }
.findings h3 a { color: var(--muted); text-decoration: none; }
.findings h3.warn { color: #b3261e; }
.findings ul { margin: 4px 0; padding-left: 22px; }
nav { font-size: .92em; color: var(--muted); }
nav a { color: var(--accent); text-decoration: none; margin-right: 14px; }
table { border-collapse: collapse; margin: 10px 0 16px; font-size: .88em; width: auto; max-width: 100%; }
caption { text-align: left; color: var(--muted); padding-bottom: 4px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fbfbfc; }
figure { margin: 14px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: .88em; }
details { margin: 8px 0 14px; }
summary { cursor: pointer; color: var(--accent); }
pre { background: var(--soft); padding: 10px; overflow-x: auto; font-size: .82em; }
.table-wrap { overflow-x: auto; }
@media print { details { display: block; } main { max-width: none; } }
"""

_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]+)(")', re.IGNORECASE)
# anything a browser would fetch: an attribute or CSS url() pointing off the page, or @import
_EXTERNAL = re.compile(r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//)"""
                       r"""|(?:url\(\s*["']?\s*(?:https?:)?//)|(?:@import)""", re.IGNORECASE)


def _inline_images(fragment: str, figures_dir: Path) -> str:
    """Replace each ``<img src="name.png">`` with a base64 data URI of figures_dir/name.png."""

    def repl(m: re.Match[str]) -> str:
        src = html.unescape(m.group(2))
        if src.startswith("data:"):
            return m.group(0)
        if "//" in src or Path(src).name != src.split("/")[-1]:
            raise ValueError(f"a report section references {src!r}; sections may only reference their own figures")
        file = figures_dir / Path(src).name
        if not file.is_file():
            raise ValueError(f"a report section references figure {src!r}, which was not written to {figures_dir}")
        mime = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}.get(
            file.suffix.lower())
        if mime is None:
            raise ValueError(f"figure {file.name!r}: only PNG, SVG and JPEG figures can be inlined")
        data = base64.b64encode(file.read_bytes()).decode("ascii")
        return f"{m.group(1)}data:{mime};base64,{data}{m.group(3)}"

    return _IMG_SRC.sub(repl, fragment)


def _atomic_write(path: Path, text: str) -> None:
    """Write via a temp file and rename, so a reader never sees half a report."""
    # a plain open (not mkstemp) so that the file gets the user's usual permissions
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load_sections() -> None:
    """Import the modules whose import registers report sections."""
    for name in CORE_MODULES:
        importlib.import_module(name)
    for name in OPTIONAL_MODULES:
        # another concern's section is optional: present in a full install, absent while it is written
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def _check_results(results: pd.DataFrame, meta: dict[str, Any]) -> str:
    """The primary metric name, after checking the table can be reported at all."""
    if not isinstance(results, pd.DataFrame):
        raise UserInputError(f"expected the results as a pandas DataFrame, found {type(results).__name__}")
    if results.empty:
        raise UserInputError("the results table is empty: there is nothing to report")
    missing = [c for c in REQUIRED_COLUMNS if c not in results.columns]
    if missing:
        raise UserInputError(f"the results table lacks column(s) {missing}; found {list(results.columns)}")
    metric = meta.get("metric", "accuracy")
    found = sorted(results["metric"].astype(str).unique())
    if metric not in found:
        raise UserInputError(f"the primary metric {metric!r} (meta['metric']) does not occur in the results; "
                             f"found {found}")
    return metric


def _header(meta: dict[str, Any], results: pd.DataFrame, metric: str, level: float) -> str:
    """Title and the one-line description of what the report is based on."""
    name = str(meta.get("name", "study"))
    direction = "higher is better" if meta.get("higher_is_better", True) else "lower is better"
    seeds = meta.get("seeds") or sorted(results["seed"].unique().tolist())
    n_runs = results["run_id"].nunique() if "run_id" in results.columns else len(results[results["metric"] == metric])
    looks = meta.get("looks")
    seed_txt = (f"{looks['sizes'][0]} to {looks['sizes'][-1]} seeds (adaptive)" if looks and len(looks["sizes"]) > 1
                else f"{len(seeds)} seeds")
    bits = [f"metric: {metric} on the real test set ({direction})", f"{n_runs:,} runs", seed_txt,
            f"{level:.0%} intervals", f"synreal {meta.get('version', synreal.__version__)}"]
    return (f"<header><h1>What is the synthetic data worth? {html.escape(name)}</h1>"
            f"<p class=\"sub\">{html.escape(' · '.join(bits))}</p></header>")


def _page(meta: dict[str, Any], head: str, sections: list[Section], figures_dir: Path,
          warnings: Sequence[str] = ()) -> str:
    """The whole HTML document."""
    groups = []
    if warnings:
        items = "".join(f"<li>{html.escape(w)}</li>" for w in warnings)
        groups.append(f'<h3 class="warn">Warnings: what the data cannot carry</h3><ul>{items}</ul>')
    for s in sections:
        if s.headlines:
            items = "".join(f"<li>{html.escape(h)}</li>" for h in s.headlines)
            groups.append(f'<h3><a href="#{html.escape(s.key)}">{html.escape(s.title)}</a></h3><ul>{items}</ul>')
    findings = ("<section class=\"findings\" id=\"findings\"><h2>Findings</h2>"
                + ("".join(groups) if groups else "<p>No section produced a finding.</p>")
                + "</section>")
    nav = "<nav>" + "".join(f'<a href="#{html.escape(s.key)}">{html.escape(s.title)}</a>' for s in sections) + "</nav>"
    body = "".join(f'<section id="{html.escape(s.key)}"><h2>{html.escape(s.title)}</h2>'
                   f"{_inline_images(s.html, figures_dir)}</section>" for s in sections)
    title = html.escape(f"synreal report: {meta.get('name', 'study')}")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{title}</title><style>{CSS}</style></head><body><main>"
            f"{head}{findings}{nav}{body}</main></body></html>\n")


_CTX: ReportContext | None = None


def _one_section(name: str) -> Section | None:
    """Compute one section on the context inherited from the parent (fork)."""
    assert _CTX is not None
    return SECTIONS.get(name)(_CTX)


def _run_sections(names: list[str], ctx: ReportContext) -> list[Section | None]:
    """Sections are independent (each writes its own figures): compute them on every core.

    Results come back in ``names`` order, so the report is the same as a serial build.
    """
    global _CTX
    import multiprocessing as mp
    import os
    from concurrent.futures import ProcessPoolExecutor

    workers = min(len(names), len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    if workers < 2 or "fork" not in mp.get_all_start_methods():
        return [SECTIONS.get(n)(ctx) for n in names]
    _CTX = ctx
    try:
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            return list(pool.map(_one_section, names))
    finally:
        _CTX = None


def findings_markdown(sections: Sequence[Section], warnings: Sequence[str] = ()) -> str:
    r"""The report's findings (every section's headlines, then the warnings) as markdown bullets.

    Written beside the report as ``findings.md``; the README quotes the demo's.

    Example:
        >>> findings_markdown([Section("substitution", "Substitution", headlines=["It replaces 30%."])])
        '- **Substitution**: It replaces 30%.\n'
    """
    lines = [f"- **{s.title.split(':')[0]}**: {h}" for s in sections for h in s.headlines]
    lines += [f"- **Warning**: {w}" for w in warnings]
    return "".join(line + "\n" for line in lines)


def build_report(results: pd.DataFrame, meta: dict[str, Any], out_dir: Path, *, level: float = 0.95) -> ReportPaths:
    """Write report.html, summary.json, results.csv and figures/*.png for one study.

    Every registered section (``synreal.report.sections.SECTIONS``) is called in order on
    the same table; sections with nothing to say return None and are left out. Old PNGs in
    ``out_dir/figures`` are removed first so that the folder holds this report's figures only.

    Args:
        results: the tidy table (``run_id, condition, source, n_synthetic, real_fraction,
            n_real, seed, metric, value`` + optional factor columns).
        meta: study metadata as ``ReportContext`` describes it (``name``, ``metric``,
            ``higher_is_better``, ``seeds``, ``real_fractions``, ``n_train_real``, ``version``,
            ``data_fingerprint``, ``spec``; optionally ``samples``, ``tolerance``, ``timings``,
            ``reused``, ``failed``).
        out_dir: folder to write into (created if needed).
        level: confidence level of every interval in the report.

    Returns:
        The ``ReportPaths`` written.

    Raises:
        UserInputError: when the table lacks the tidy columns or the primary metric.

    Example:
        >>> import tempfile
        >>> rows = [("real", "none", 0, f, s, 0.7 + 0.2 * f + 0.01 * s) for f in (0.5, 1.0) for s in range(3)]
        >>> t = pd.DataFrame(rows, columns=["condition", "source", "n_synthetic", "real_fraction", "seed", "value"])
        >>> t["metric"] = "accuracy"
        >>> paths = build_report(t, {"name": "demo", "metric": "accuracy"}, Path(tempfile.mkdtemp()))
        >>> paths.html.name, paths.summary.exists()
        ('report.html', True)
    """
    if not 0.5 < level < 1:
        raise UserInputError(f"level must lie in (0.5, 1), found {level}")
    metric = _check_results(results, meta)
    out_dir = Path(out_dir)
    figures_dir = out_dir / "figures"
    figures_dir.mkdir(parents=True, exist_ok=True)
    for old in figures_dir.glob("*.png"):
        old.unlink()
    _load_sections()
    ctx = ReportContext(results=results.copy(), meta=dict(meta), figures_dir=figures_dir, level=level)
    names = sorted(SECTIONS.names(), key=lambda n: (ORDER.get(n, 1000), n))
    done = [sec for sec in _run_sections(names, ctx) if sec is not None]
    page = _page(meta, _header(meta, results, metric, level), done, figures_dir, ctx.analysis.warnings)
    bad = _EXTERNAL.search(page)
    if bad:
        raise ValueError(f"the report would fetch from the network ({bad.group(0)!r}); sections must inline everything")

    summary = {
        "report": {"synreal_version": synreal.__version__, "level": level, "metric": metric,
                   "sections": [s.key for s in done]},
        "config": meta.get("spec"),
        "seeds": meta.get("seeds", sorted(results["seed"].unique().tolist())),
        "version": meta.get("version", synreal.__version__),
        "data_fingerprint": meta.get("data_fingerprint"),
        "meta": {k: v for k, v in meta.items() if k != "samples"},
        "headlines": [{"section": s.key, "text": h} for s in done for h in s.headlines],
        "warnings": ctx.analysis.warnings,
        "sections": {s.key: s.summary for s in done},
    }
    if meta.get("samples"):
        summary["meta"]["samples"] = {str(k): json_safe(v) for k, v in meta["samples"].items()}
    paths = ReportPaths(out_dir, out_dir / "report.html", out_dir / "summary.json", out_dir / "results.csv",
                        sorted(figures_dir.glob("*.png")), out_dir / "verdicts.csv")
    _atomic_write(paths.verdicts_csv, ctx.analysis.verdicts().to_csv(index=False))
    _atomic_write(out_dir / "findings.md", findings_markdown(done, ctx.analysis.warnings))
    _atomic_write(paths.summary, json.dumps(json_safe(summary), indent=2, allow_nan=False) + "\n")
    _atomic_write(paths.results_csv, results.to_csv(index=False))
    _atomic_write(paths.html, page)
    return paths
