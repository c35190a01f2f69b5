"""MOTChallenge files in and out: box tables, ``seqinfo.ini`` and sequence folders.

The layout is the one MOT15/16/17/20 and DanceTrack share::

    SEQ/seqinfo.ini            [Sequence] name, imDir, frameRate, seqLength, imWidth, imHeight, imExt
    SEQ/img1/000001.jpg ...
    SEQ/gt/gt.txt              frame, id, left, top, width, height, consider, class, visibility
    SEQ/det/det.txt            frame, -1, left, top, width, height, score, -1, -1, -1

Tracker output is one ``SEQ.txt`` per sequence with ``frame, id, left, top, width, height,
score, -1, -1, -1``. Everything is read into a ``MotTable`` (parallel numpy columns); a
malformed row raises ``UserInputError`` with the file, the line and the problem.
"""

from __future__ import annotations

import configparser
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np

from synreal.errors import UserInputError

Kind = Literal["gt", "tracker", "det"]

#: Column names of a ground-truth row (MOT16/17/20, DanceTrack).
GT_COLUMNS = ("frame", "id", "left", "top", "width", "height", "consider", "class", "visibility")
#: Column names of a tracker or detection row.
TRACKER_COLUMNS = ("frame", "id", "left", "top", "width", "height", "score", "x", "y", "z")

#: Fewest columns each kind of file may have (TrackEval needs the class column of gt rows
#: and the score column of tracker rows).
_MIN_COLUMNS = {"gt": 8, "tracker": 7, "det": 7}
_EXPECTED = {
    "gt": "frame, id, left, top, width, height, consider, class[, visibility]",
    "tracker": "frame, id, left, top, width, height, score[, -1, -1, -1]",
    "det": "frame, -1, left, top, width, height, score[, -1, -1, -1]",
}


@dataclass
class MotTable:
    """Boxes of one sequence, one row per box, as parallel numpy columns.

    Attributes:
        frame: int64 (N,), 1-based frame numbers.
        id: int64 (N,), track ids (-1 for detections).
        box: float64 (N, 4), ``left, top, width, height`` in pixels.
        conf: float64 (N,), the ``consider`` flag of ground truth (0 = ignore) or the
            score of tracker rows and detections.
        cls: int64 (N,), class (1 = pedestrian; -1 where the file has none).
        vis: float64 (N,), visible fraction in [0, 1] (-1 where the file has none).
        line: int64 (N,) 1-based line in ``source`` (or None when built in memory).
        source: the file the rows came from, for messages.
        layout: ``"MOT15"`` for 10-column ground truth (world coordinates instead of class
            and visibility; class and visibility are then -1), else None.

    Example:
        >>> t = MotTable.from_rows([[1, 1, 10, 20, 30, 60, 1, 1, 1.0]])
        >>> len(t), t.box[0].tolist()
        (1, [10.0, 20.0, 30.0, 60.0])
    """

    frame: np.ndarray
    id: np.ndarray
    box: np.ndarray
    conf: np.ndarray
    cls: np.ndarray
    vis: np.ndarray
    line: np.ndarray | None = field(default=None, compare=False)
    source: str | None = field(default=None, compare=False)
    layout: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        n = len(self.frame)
        self.frame = np.asarray(self.frame, dtype=np.int64).reshape(n)
        self.id = np.asarray(self.id, dtype=np.int64).reshape(n)
        self.box = np.asarray(self.box, dtype=np.float64).reshape(n, 4)
        self.conf = np.asarray(self.conf, dtype=np.float64).reshape(n)
        self.cls = np.asarray(self.cls, dtype=np.int64).reshape(n)
        self.vis = np.asarray(self.vis, dtype=np.float64).reshape(n)

    @classmethod
    def empty(cls) -> "MotTable":
        """A table without rows."""
        return cls.from_rows(np.zeros((0, 6)))

    @classmethod
    def from_rows(cls, rows: Iterable[Iterable[float]] | np.ndarray, *, source: str | None = None) -> "MotTable":
        """Build a table from MOTChallenge rows (at least 6 columns).

        Missing columns take MOTChallenge's "absent" values: conf 1, class -1, visibility -1.
        Integer columns are truncated as TrackEval does (``astype(int)``).

        Args:
            rows: array-like (N, 6..10) in MOTChallenge column order.
            source: where the rows came from, for messages.

        Returns:
            The table.

        Example:
            >>> MotTable.from_rows([[2, 7, 0, 0, 5, 9, 0.8]]).conf.tolist()
            [0.8]
        """
        a = np.asarray(rows, dtype=np.float64)
        if a.size == 0:
            a = np.zeros((0, 9))
        if a.ndim != 2 or a.shape[1] < 6:
            raise ValueError(f"expected rows with at least 6 columns, got shape {a.shape}")
        n, c = a.shape
        return cls(
            frame=a[:, 0].astype(np.int64),
            id=a[:, 1].astype(np.int64),
            box=a[:, 2:6],
            conf=a[:, 6] if c > 6 else np.ones(n),
            cls=a[:, 7].astype(np.int64) if c > 7 else -np.ones(n, np.int64),
            vis=a[:, 8] if c > 8 else -np.ones(n),
            source=source,
        )

    def __len__(self) -> int:
        return len(self.frame)

    def select(self, mask: np.ndarray) -> "MotTable":
        """Rows where ``mask`` is true (or at the given indices)."""
        return replace(
            self,
            frame=self.frame[mask],
            id=self.id[mask],
            box=self.box[mask],
            conf=self.conf[mask],
            cls=self.cls[mask],
            vis=self.vis[mask],
            line=None if self.line is None else self.line[mask],
        )

    def sorted(self) -> "MotTable":
        """Rows ordered by frame, then id (stable)."""
        return self.select(np.lexsort((self.id, self.frame)))

    def in_frame(self, frame: int) -> "MotTable":
        """Rows of one frame."""
        return self.select(self.frame == frame)

    @property
    def ids(self) -> np.ndarray:
        """Distinct ids, sorted."""
        return np.unique(self.id)

    def to_array(self, kind: Kind = "gt") -> np.ndarray:
        """MOTChallenge rows: 9 columns for gt, 10 for tracker output and detections."""
        n = len(self)
        if kind == "gt":
            return np.column_stack([self.frame, self.id, self.box, self.conf, self.cls, self.vis]).reshape(n, 9)
        fill = -np.ones((n, 3))
        ids = self.id if kind == "tracker" else -np.ones(n)
        return np.column_stack([self.frame, ids, self.box, self.conf, fill]).reshape(n, 10)


@dataclass(frozen=True)
class SeqInfo:
    """The ``[Sequence]`` section of ``seqinfo.ini``.

    Example:
        >>> SeqInfo("s", seq_length=90).im_width
        1920
    """

    name: str
    seq_length: int
    frame_rate: float = 30.0
    im_width: int = 1920
    im_height: int = 1080
    im_dir: str = "img1"
    im_ext: str = ".jpg"


@dataclass
class MotSequence:
    """One sequence folder read into memory.

    Attributes:
        info: seqinfo (inferred from the files when ``seqinfo.ini`` is absent).
        gt: ground truth, or None when the folder has no ``gt/gt.txt``.
        det: detections, or None when the folder has no ``det/det.txt``.
        path: the folder (None for sequences built in memory).
        images: image files in frame order (empty when the folder has none).
        info_inferred: True when ``seqinfo.ini`` was missing.
    """

    info: SeqInfo
    gt: MotTable | None = None
    det: MotTable | None = None
    path: Path | None = None
    images: list[Path] = field(default_factory=list)
    info_inferred: bool = False

    @property
    def name(self) -> str:
        """The sequence name."""
        return self.info.name


# --------------------------------------------------------------------------------------
# reading


def _line_numbers(text: str) -> np.ndarray:
    """1-based line numbers of the non-blank lines of ``text``."""
    return np.array([i + 1 for i, ln in enumerate(text.splitlines()) if ln.strip()], dtype=np.int64)


def _slow_parse(text: str, path: str, kind: Kind) -> None:
    """Find the first malformed line and raise a UserInputError naming it."""
    delim = "," if "," in text.lstrip().split("\n", 1)[0] else None
    width = None
    for i, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        parts = [p.strip() for p in (raw.split(delim) if delim else raw.split())]
        if parts and parts[-1] == "":
            parts = parts[:-1]
        if len(parts) < _MIN_COLUMNS[kind]:
            raise UserInputError(
                f"expected at least {_MIN_COLUMNS[kind]} columns ({_EXPECTED[kind]}), found {len(parts)}",
                file=path,
                line=i,
            )
        for j, p in enumerate(parts):
            name = (GT_COLUMNS if kind == "gt" else TRACKER_COLUMNS)[j] if j < 9 else f"column {j + 1}"
            if p == "":
                raise UserInputError(f"{name}: value is missing (expected {_EXPECTED[kind]})", file=path, line=i)
            try:
                float(p)
            except ValueError:
                raise UserInputError(f"{name}: expected a number, found {p!r}", file=path, line=i) from None
        if width is not None and len(parts) != width:
            raise UserInputError(f"expected {width} columns like the lines above, found {len(parts)}", file=path, line=i)
        width = len(parts)


def _parse(text: str, path: str, kind: Kind) -> np.ndarray:
    """Rows of a MOTChallenge text file as a float array (fast path, slow path on error)."""
    import pandas as pd

    first = text.lstrip().split("\n", 1)[0]
    sep = "," if "," in first else r"\s+"
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, header=None, skipinitialspace=True)
    except (pd.errors.ParserError, ValueError):
        _slow_parse(text, path, kind)
        raise
    # A trailing delimiter gives an all-empty last column; TrackEval drops it too.
    while frame.shape[1] and frame.iloc[:, -1].isna().all():
        frame = frame.iloc[:, :-1]
    if not all(pd.api.types.is_numeric_dtype(t) for t in frame.dtypes):
        _slow_parse(text, path, kind)
    arr = frame.to_numpy(dtype=np.float64)
    if arr.shape[1] < _MIN_COLUMNS[kind] or np.isnan(arr).any():
        # Empty fields and short rows raise here; a literal 'nan' is left to the checks.
        _slow_parse(text, path, kind)
    return arr


def _validate(table: MotTable, arr: np.ndarray, kind: Kind, n_frames: int | None) -> None:
    """Check frame numbers, ids and boxes; raise naming the first bad line."""
    checks: list[tuple[np.ndarray, str]] = [
        (arr[:, 0] < 1, "frame: expected a frame number >= 1, found {v}"),
        (arr[:, 0] != np.floor(arr[:, 0]), "frame: expected a whole number, found {v}"),
        (~np.isfinite(arr[:, 2:6]).all(axis=1), "box: expected finite numbers, found {v}"),
        ((arr[:, 4] <= 0) | (arr[:, 5] <= 0), "box: expected width and height > 0 (a zero-size box can match "
                                              "nothing), found {v}"),
    ]
    if kind != "det":
        checks.append((arr[:, 1] < 0, "id: expected an id >= 0, found {v}"))
        checks.append((arr[:, 1] != np.floor(arr[:, 1]), "id: expected a whole number, found {v}"))
    if n_frames is not None:
        checks.append((arr[:, 0] >= n_frames + 1, f"frame: expected at most seqLength = {n_frames}, found {{v}}"))
    # confidence, class, visibility (and world coordinates): NaN or inf would flow silently into the scores
    rest = ~np.isfinite(arr[:, 6:])
    if rest.any():
        i, j = (int(x) for x in np.argwhere(rest)[0])
        names = GT_COLUMNS if kind == "gt" else TRACKER_COLUMNS
        col = names[6 + j] if 6 + j < len(names) else f"column {7 + j}"
        raise UserInputError(f"{col}: expected a finite number, found {arr[i, 6 + j]}", file=table.source,
                             line=int(table.line[i]) if table.line is not None else None)
    for bad, msg in checks:
        if bad.any():
            i = int(np.argmax(bad))
            v = arr[i, 2:6].tolist() if "box" in msg else (arr[i, 1] if msg.startswith("id") else arr[i, 0])
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            raise UserInputError(msg.format(v=v), file=table.source, line=int(table.line[i]) if table.line is not None else None)


def read_mot_file(path: str | Path, kind: Kind = "gt", *, n_frames: int | None = None) -> MotTable:
    """Read a MOTChallenge text file (gt, tracker output or detections).

    Commas or whitespace separate columns; a trailing comma is allowed. Frame and id are
    truncated to integers as TrackEval does.

    Args:
        path: the ``.txt`` file.
        kind: ``"gt"`` (needs the consider and class columns), ``"tracker"`` or ``"det"``.
        n_frames: the sequence length; a frame beyond it is an error (as in TrackEval).

    Returns:
        The rows, in file order, with ``line`` numbers for later messages.

    Raises:
        UserInputError: the file is missing or a row is malformed (file, line and problem).

    Example:
        >>> gt = read_mot_file("MOT17-02-FRCNN/gt/gt.txt", "gt", n_frames=600)  # doctest: +SKIP
    """
    p = Path(path)
    if not p.is_file():
        raise UserInputError("no such file", file=p)
    text = p.read_text(encoding="utf-8", errors="replace")
    src = str(p)
    if not text.strip():
        t = MotTable.empty()
        t.source, t.line = src, np.zeros(0, np.int64)
        return t
    arr = _parse(text, src, kind)
    has_blank = bool(re.search(r"\n[ \t\r]*\n", text.strip("\n"))) or text.startswith((" ", "\t"))
    lines = _line_numbers(text) if has_blank else np.arange(1, len(arr) + 1, dtype=np.int64)
    table = MotTable.from_rows(arr, source=src)
    table.line = lines
    if kind == "gt" and arr.shape[1] == 10:
        # MOT15 ground truth: columns 8-10 are world coordinates, not class and visibility.
        table.cls = -np.ones(len(arr), np.int64)
        table.vis = -np.ones(len(arr))
        table.layout = "MOT15"
    _validate(table, arr, kind, n_frames)
    return table


def check_unique_ids(table: MotTable, *, what: str = "ids") -> None:
    """Raise if an id occurs twice in one frame (TrackEval refuses such files).

    Args:
        table: gt or tracker rows.
        what: how to call the ids in the message.

    Raises:
        UserInputError: naming the file, the line of the second occurrence, the frame and id.

    Example:
        >>> check_unique_ids(MotTable.from_rows([[1, 3, 0, 0, 1, 1, 1], [2, 3, 0, 0, 1, 1, 1]]))
    """
    if len(table) < 2:
        return
    order = np.lexsort((table.id, table.frame))
    f, i = table.frame[order], table.id[order]
    dup = (f[1:] == f[:-1]) & (i[1:] == i[:-1])
    if dup.any():
        k = int(order[int(np.argmax(dup)) + 1])
        line = int(table.line[k]) if table.line is not None else None
        raise UserInputError(
            f"{what}: id {int(table.id[k])} occurs twice in frame {int(table.frame[k])}; "
            "expected each id at most once per frame",
            file=table.source,
            line=line,
        )


def read_seqinfo(path: str | Path) -> SeqInfo:
    """Read ``seqinfo.ini``.

    Args:
        path: the ini file (or the sequence folder holding it).

    Returns:
        The ``[Sequence]`` values.

    Raises:
        UserInputError: missing file, section or key, or a value of the wrong type.

    Example:
        >>> read_seqinfo("MOT17-02-FRCNN").seq_length  # doctest: +SKIP
        600
    """
    p = Path(path)
    if p.is_dir():
        p = p / "seqinfo.ini"
    if not p.is_file():
        raise UserInputError("no such file", file=p)
    cp = configparser.ConfigParser()
    try:
        cp.read_string(p.read_text(encoding="utf-8", errors="replace"))
    except configparser.Error as exc:
        raise UserInputError(f"not a valid ini file: {exc.message.splitlines()[0]}", file=p) from None
    if "Sequence" not in cp:
        raise UserInputError("expected a [Sequence] section", file=p)
    s = cp["Sequence"]

    def get(key: str, conv: type, default: object = None) -> object:
        if key not in s:
            if default is None:
                raise UserInputError("required key is missing", file=p, key=f"Sequence.{key}")
            return default
        try:
            return conv(s[key].strip())
        except ValueError:
            raise UserInputError(f"expected {conv.__name__}, found {s[key]!r}", file=p, key=f"Sequence.{key}") from None

    length = get("seqLength", int)
    if length < 1:  # type: ignore[operator]
        raise UserInputError(f"expected seqLength >= 1, found {length}", file=p, key="Sequence.seqLength")
    return SeqInfo(
        name=str(get("name", str, p.parent.name)),
        seq_length=int(length),  # type: ignore[arg-type]
        frame_rate=float(get("frameRate", float, 30.0)),  # type: ignore[arg-type]
        im_width=int(get("imWidth", int, 1920)),  # type: ignore[arg-type]
        im_height=int(get("imHeight", int, 1080)),  # type: ignore[arg-type]
        im_dir=str(get("imDir", str, "img1")),
        im_ext=str(get("imExt", str, ".jpg")),
    )


def is_sequence_dir(path: Path) -> bool:
    """True for a folder with ``seqinfo.ini`` or ``gt/gt.txt``."""
    return (path / "seqinfo.ini").is_file() or (path / "gt" / "gt.txt").is_file()


def find_sequences(root: str | Path) -> list[Path]:
    """Sequence folders at or below ``root`` (the root itself, its children or grandchildren).

    Args:
        root: a sequence folder, a split folder (``MOT17/train``) or a dataset folder.

    Returns:
        Sequence folders sorted by name.

    Raises:
        UserInputError: ``root`` is missing or holds no sequence.

    Example:
        >>> [p.name for p in find_sequences("../shared/data/mot17-train")][:1]  # doctest: +SKIP
        ['MOT17-02-FRCNN']
    """
    r = Path(root)
    if not r.is_dir():
        raise UserInputError("no such folder", file=r)
    if is_sequence_dir(r):
        return [r]
    found = sorted((p for p in r.iterdir() if p.is_dir() and is_sequence_dir(p)), key=lambda p: p.name)
    if not found:
        found = sorted(
            (q for p in r.iterdir() if p.is_dir() for q in p.iterdir() if q.is_dir() and is_sequence_dir(q)),
            key=lambda p: (p.parent.name, p.name),
        )
    if not found:
        raise UserInputError(
            "no MOTChallenge sequence found (expected folders holding seqinfo.ini or gt/gt.txt)", file=r
        )
    return found


def read_sequence(path: str | Path) -> MotSequence:
    """Load a MOTChallenge-layout sequence folder into memory.

    Works for MOT15/16/17/20 and DanceTrack folders and for sequences this package writes.
    Without ``seqinfo.ini`` the length is the last frame of gt/det (or the image count).

    Args:
        path: the sequence folder.

    Returns:
        The sequence with gt, detections and image paths where present.

    Raises:
        UserInputError: a missing folder or a malformed file (file, line and problem).

    Example:
        >>> seq = read_sequence("../shared/data/mot17-train/MOT17-09-FRCNN")  # doctest: +SKIP
        >>> seq.info.seq_length, len(seq.gt)  # doctest: +SKIP
        (525, 8073)
    """
    d = Path(path)
    if not d.is_dir():
        raise UserInputError("no such folder", file=d)
    inferred = not (d / "seqinfo.ini").is_file()
    info = None if inferred else read_seqinfo(d / "seqinfo.ini")
    n = None if info is None else info.seq_length
    gt = read_mot_file(d / "gt" / "gt.txt", "gt", n_frames=n) if (d / "gt" / "gt.txt").is_file() else None
    det = read_mot_file(d / "det" / "det.txt", "det", n_frames=n) if (d / "det" / "det.txt").is_file() else None
    im_dir = d / (info.im_dir if info else "img1")
    ext = info.im_ext if info else ".jpg"
    images = sorted(im_dir.glob(f"*{ext}")) if im_dir.is_dir() else []
    if info is None:
        last = max([int(t.frame.max()) for t in (gt, det) if t is not None and len(t)] + [len(images)])
        if last < 1:
            raise UserInputError("cannot tell the sequence length: no seqinfo.ini, no rows and no images", file=d)
        size = (1920, 1080)
        if images:
            from PIL import Image

            with Image.open(images[0]) as im:
                size = im.size
        info = SeqInfo(name=d.name, seq_length=last, im_width=size[0], im_height=size[1])
    return MotSequence(info=info, gt=gt, det=det, path=d, images=images, info_inferred=inferred)


# --------------------------------------------------------------------------------------
# writing


_GT_FMT = ["%d", "%d", "%.2f", "%.2f", "%.2f", "%.2f", "%g", "%d", "%.4f"]
_TR_FMT = ["%d", "%d", "%.2f", "%.2f", "%.2f", "%.2f", "%.4f", "%d", "%d", "%d"]


def write_mot_file(path: str | Path, table: MotTable, kind: Kind = "gt") -> Path:
    """Write a MOTChallenge text file (boxes to 0.01 px, scores to 1e-4).

    Args:
        path: target ``.txt`` (parent folders are created).
        table: the rows.
        kind: ``"gt"`` (9 columns), ``"tracker"`` or ``"det"`` (10 columns).

    Returns:
        The path written.

    Example:
        >>> write_mot_file("/tmp/gt.txt", MotTable.from_rows([[1, 1, 0, 0, 4, 8, 1, 1, 1]]))  # doctest: +SKIP
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    arr = table.to_array(kind)
    tmp = p.with_suffix(p.suffix + ".tmp")
    # np.savetxt's text, formatted by one % over a block of rows rather than one per row
    # (twice as fast).
    line = ",".join(_GT_FMT if kind == "gt" else _TR_FMT) + "\n"
    block = 8192
    with open(tmp, "w", encoding="utf-8") as fh:
        for i in range(0, len(arr), block):
            rows = arr[i : i + block]
            fh.write((line * len(rows)) % tuple(rows.ravel().tolist()))
    tmp.replace(p)
    return p


def write_seqinfo(path: str | Path, info: SeqInfo) -> Path:
    """Write ``seqinfo.ini`` (``path`` is the file or the sequence folder)."""
    p = Path(path)
    if p.suffix != ".ini":
        p = p / "seqinfo.ini"
    p.parent.mkdir(parents=True, exist_ok=True)
    rate = int(info.frame_rate) if float(info.frame_rate).is_integer() else info.frame_rate
    p.write_text(
        "[Sequence]\n"
        f"name={info.name}\nimDir={info.im_dir}\nframeRate={rate}\nseqLength={info.seq_length}\n"
        f"imWidth={info.im_width}\nimHeight={info.im_height}\nimExt={info.im_ext}\n",
        encoding="utf-8",
    )
    return p


def write_sequence(
    out_dir: str | Path,
    info: SeqInfo,
    *,
    gt: MotTable | None = None,
    det: MotTable | None = None,
) -> Path:
    """Write a sequence folder's text files (images are written by the renderer).

    Args:
        out_dir: the sequence folder to create.
        info: written as ``seqinfo.ini``.
        gt: written as ``gt/gt.txt`` when given.
        det: written as ``det/det.txt`` when given.

    Returns:
        The sequence folder.

    Example:
        >>> write_sequence("/tmp/s", SeqInfo("s", 3), gt=MotTable.empty())  # doctest: +SKIP
    """
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    write_seqinfo(d, info)
    if gt is not None:
        write_mot_file(d / "gt" / "gt.txt", gt, "gt")
    if det is not None:
        write_mot_file(d / "det" / "det.txt", det, "det")
    return d


def image_name(frame: int, ext: str = ".jpg") -> str:
    """MOTChallenge image file name of a 1-based frame: 000001.jpg."""
    return f"{frame:06d}{ext}"
