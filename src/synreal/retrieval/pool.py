"""The upstream pool: real images with captions, optional labels and optional embeddings.

A pool is what a generator was trained on (or could have been): many real images, each
with a caption, as web-scale image-text sets are published. Retrieval draws task-relevant
images from it. Labels are optional ground truth used only to *measure* retrieval
precision; no retriever reads them.

Readers at the edge (``load_pool``):

* a folder with ``captions.jsonl`` or ``captions.parquet`` (one row per image: ``file``,
  ``caption``, optional ``label``), the image files it names, optional ``embeddings.npy``
  (one row per image, same order), optional ``text_embeddings.npz`` (one array per class
  name, (D,) or (k, D) for k prompts) and optional ``pool.json`` (``name``, ``embedding``);
* an ``.npz`` with ``images`` and ``captions`` and optionally ``labels``, ``classes``,
  ``embeddings``, ``text_embeddings`` + ``text_classes``, ``embedding``, ``max_value``.

``save_pool`` writes both layouts (atomically), so a pool built in Python can be shared.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from synreal.errors import UserInputError

CAPTION_FILES = ("captions.jsonl", "captions.parquet")
EMBEDDINGS_FILE = "embeddings.npy"
TEXT_EMBEDDINGS_FILE = "text_embeddings.npz"
POOL_META_FILE = "pool.json"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}
_POOL_JSON_KEYS = {"name", "embedding", "classes"}


@dataclass(frozen=True, eq=False)
class Pool:
    """Real images with captions: the upstream data a retriever searches.

    Attributes:
        images: float32 array (N, C, H, W) with values in [0, 1].
        captions: N strings (may be empty: an image without alt text).
        labels: optional int64 array (N,) of ground truth, indices into ``classes``;
            -1 marks an image of none of the classes (e.g. a photo of a temple). Used only
            to measure retrieval precision and recall.
        classes: names that ``labels`` index (required when ``labels`` is given).
        embeddings: optional float32 array (N, D), one row per image, same order.
        text_embeddings: optional class name -> float32 array (k, D): embeddings of k text
            prompts for that class, in the same space as ``embeddings``.
        meta: provenance: ``name``, ``path``, ``embedding`` (how ``embeddings`` were made,
            e.g. ``"pixels-8"`` or ``"clip-vit-b32"``). Not hashed.

    Example:
        >>> p = Pool(np.zeros((2, 1, 8, 8), np.float32), ["a handwritten 7", "a temple"])
        >>> len(p), p.fingerprint() == p.fingerprint()
        (2, True)
    """

    images: np.ndarray
    captions: list[str]
    labels: np.ndarray | None = None
    classes: list[str] | None = None
    embeddings: np.ndarray | None = None
    text_embeddings: dict[str, np.ndarray] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # a pool is user data, so inconsistencies are reported as the user's to fix
        file = self.meta.get("path")
        if not isinstance(self.images, np.ndarray) or self.images.ndim != 4:
            shape = getattr(self.images, "shape", None)
            raise UserInputError(f"pool images must be an array (N, C, H, W), found shape {shape}", file=file, key="images")
        n = len(self.images)
        if len(self.captions) != n:
            raise UserInputError(
                f"the pool has {n} images but {len(self.captions)} captions; expected one caption per image",
                file=file,
                key="captions",
            )
        bad = next((i for i, c in enumerate(self.captions) if not isinstance(c, str)), None)
        if bad is not None:
            raise UserInputError(
                f"caption {bad} is {type(self.captions[bad]).__name__}, expected a string", file=file, key="captions"
            )
        if self.labels is not None:
            check_labels(self.labels, self.classes, n, file=file)
        if self.embeddings is not None:
            check_embeddings(self.embeddings, n, file=file, key="embeddings")
        if self.text_embeddings is not None:
            dim = self.embeddings.shape[1] if self.embeddings is not None else None
            check_text_embeddings(self.text_embeddings, dim, file=file)

    def __len__(self) -> int:
        return len(self.images)

    @property
    def name(self) -> str:
        """A short name for messages: ``meta['name']``, else the path, else 'pool'."""
        return str(self.meta.get("name") or self.meta.get("path") or "pool")

    @cached_property
    def _fingerprints(self) -> tuple[str, str]:
        """(whole pool, captions only), computed once per pool object."""
        cap = hashlib.sha256()
        for c in self.captions:
            # length-prefixed so that caption boundaries are part of the hash
            b = c.encode("utf-8")
            cap.update(len(b).to_bytes(8, "little"))
            cap.update(b)
        whole = hashlib.sha256(cap.digest())
        whole.update(np.ascontiguousarray(self.images, dtype=np.float32).tobytes())
        whole.update(repr(self.images.shape).encode())
        if self.labels is not None:
            whole.update(b"labels" + np.ascontiguousarray(self.labels, dtype=np.int64).tobytes())
            whole.update("\x1f".join(self.classes or []).encode())
        if self.embeddings is not None:
            whole.update(b"emb" + np.ascontiguousarray(self.embeddings, dtype=np.float32).tobytes())
        for k in sorted(self.text_embeddings or {}):
            whole.update(b"text" + k.encode() + np.ascontiguousarray(self.text_embeddings[k], dtype=np.float32).tobytes())
        return whole.hexdigest()[:16], cap.hexdigest()[:16]

    def fingerprint(self) -> str:
        """Content hash of images, captions, labels and embeddings (16 hex digits)."""
        return self._fingerprints[0]

    def captions_fingerprint(self) -> str:
        """Content hash of the captions alone (16 hex digits): the key of the caption index."""
        return self._fingerprints[1]

    def label_names(self) -> list[str | None]:
        """Ground-truth class name per image (None for unlabelled images or pools without labels)."""
        if self.labels is None:
            return [None] * len(self)
        names = list(self.classes or [])
        return [names[i] if i >= 0 else None for i in self.labels.tolist()]


def check_labels(labels: np.ndarray, classes: list[str] | None, n: int, *, file: str | None) -> None:
    """Labels are N integers in -1..len(classes)-1; a UserInputError otherwise."""
    if classes is None:
        raise UserInputError("the pool has labels but no class names; expected 'classes' to name them", file=file, key="classes")
    labels = np.asarray(labels)
    if labels.shape != (n,) or labels.dtype.kind not in "iu":
        raise UserInputError(f"labels must be {n} integers, found dtype {labels.dtype} shape {labels.shape}", file=file, key="labels")
    if n and (labels.min() < -1 or labels.max() >= len(classes)):
        raise UserInputError(
            f"labels run {labels.min()}..{labels.max()} but there are {len(classes)} classes (-1 marks no class)",
            file=file,
            key="labels",
        )


def check_embeddings(emb: np.ndarray, n: int, *, file: str | None, key: str | None) -> None:
    """Embeddings are a finite float array (n, D); a UserInputError otherwise."""
    if emb.ndim != 2:
        raise UserInputError(f"embeddings must be a 2-D array (images, dims), found shape {emb.shape}", file=file, key=key)
    if len(emb) != n:
        raise UserInputError(
            f"embeddings hold {len(emb)} rows but the pool has {n} images; expected one row per image, in caption order",
            file=file,
            key=key,
        )
    if emb.dtype.kind != "f":
        raise UserInputError(f"embeddings must be floats, found dtype {emb.dtype}", file=file, key=key)
    if not np.isfinite(emb).all():
        rows = np.flatnonzero(~np.isfinite(emb).all(axis=1))
        raise UserInputError(f"embeddings hold NaN or infinite values (rows {rows[:5].tolist()}...)", file=file, key=key)


def check_text_embeddings(text: dict[str, np.ndarray], dim: int | None, *, file: str | None) -> None:
    """Text embeddings are class -> (k, D) with the image embeddings' D; a UserInputError otherwise."""
    if dim is None:
        raise UserInputError(
            "the pool has text embeddings but no image embeddings to search with them", file=file, key="text_embeddings"
        )
    for name, arr in text.items():
        if arr.ndim != 2 or arr.shape[1] != dim or len(arr) == 0:
            raise UserInputError(
                f"text embeddings of class {name!r} have shape {arr.shape}; expected (prompts, {dim}) to match the image embeddings",
                file=file,
                key=f"text_embeddings.{name}",
            )
        if not np.isfinite(arr).all():
            raise UserInputError(f"text embeddings of class {name!r} hold NaN or infinite values", file=file, key=f"text_embeddings.{name}")


# --------------------------------------------------------------------------- readers


def load_pool(
    path: str | Path,
    *,
    image_size: int | None = None,
    channels: int | None = None,
    file: str | None = None,
    key: str | None = None,
) -> Pool:
    """Read a pool from a folder (captions.jsonl / captions.parquet + images) or an ``.npz``.

    Args:
        path: the folder or the ``.npz`` file; see docs/retrieval.md for the layouts.
        image_size: resize every image to this square size (required when sizes differ).
        channels: 1 (grayscale) or 3 (RGB); by default 1 if every image is grayscale.
        file, key: where the path came from (a spec file and key), for messages.

    Returns:
        A Pool whose ``meta`` records ``path``, ``name`` and ``embedding`` when known.

    Raises:
        UserInputError: a missing caption file or caption, an unreadable image, embeddings
            whose row count does not match the images, ... naming the file and line/row.

    Example:
        >>> pool = load_pool("examples/retrieval/my_pool")  # doctest: +SKIP
        >>> len(pool), pool.captions[0]  # doctest: +SKIP
        (1000, 'a handwritten 7 on a form')
    """
    p = Path(path).expanduser()
    if not p.exists():
        raise UserInputError(f"no such file or directory: {p}", file=file, key=key)
    if p.is_dir():
        return _load_folder(p, image_size=image_size, channels=channels)
    if p.suffix.lower() == ".npz":
        return _load_npz(p)
    raise UserInputError(
        f"{p} is neither a folder nor an .npz file; expected a pool folder (captions.jsonl or captions.parquet) or an .npz",
        file=file,
        key=key,
    )


def _read_pool_json(root: Path) -> dict[str, Any]:
    """The optional pool.json: name, embedding, classes."""
    f = root / POOL_META_FILE
    if not f.exists():
        return {}
    try:
        data = json.loads(f.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UserInputError(f"not valid JSON: {exc.msg}", file=f, line=exc.lineno) from None
    if not isinstance(data, dict):
        raise UserInputError(f"expected a JSON object, found {type(data).__name__}", file=f)
    unknown = sorted(set(data) - _POOL_JSON_KEYS)
    if unknown:
        raise UserInputError(f"unknown key {unknown[0]!r}; expected one of: {', '.join(sorted(_POOL_JSON_KEYS))}", file=f, key=unknown[0])
    return data


def _read_rows(root: Path) -> tuple[Path, list[dict[str, Any]], str]:
    """The caption table as rows, its file, and the word for a row ('line' or 'row')."""
    present = [root / n for n in CAPTION_FILES if (root / n).exists()]
    if not present:
        found = sorted(x.name for x in root.iterdir())[:8]
        raise UserInputError(
            f"no captions found: expected {' or '.join(CAPTION_FILES)} in the pool folder (found: {', '.join(found) or 'nothing'})",
            file=root,
        )
    if len(present) > 1:
        raise UserInputError(f"both {CAPTION_FILES[0]} and {CAPTION_FILES[1]} exist; keep one", file=root)
    f = present[0]
    if f.suffix == ".jsonl":
        rows: list[dict[str, Any]] = []
        with f.open(encoding="utf-8") as fh:
            for lineno, text in enumerate(fh, start=1):
                if not text.strip():
                    continue
                try:
                    row = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise UserInputError(f"not valid JSON: {exc.msg}", file=f, line=lineno) from None
                if not isinstance(row, dict):
                    raise UserInputError(f"expected a JSON object per line, found {type(row).__name__}", file=f, line=lineno)
                row["_where"] = lineno
                rows.append(row)
        return f, rows, "line"
    import pandas as pd
    import pyarrow as pa

    try:
        frame = pd.read_parquet(f)
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise UserInputError(f"cannot read as parquet: {exc}", file=f) from None
    records = frame.to_dict("records")
    for i, r in enumerate(records):
        r["_where"] = i
        # pandas turns missing values into NaN/None; normalise so checks below see None
        for k, v in list(r.items()):
            if isinstance(v, float) and np.isnan(v):
                r[k] = None
    return f, records, "row"


def _load_folder(root: Path, *, image_size: int | None, channels: int | None) -> Pool:
    """A pool folder: caption table, image files, optional embeddings and pool.json."""
    from synreal.data.decode import decode_images, scan_images, target_shape

    info = _read_pool_json(root)
    table, rows, unit = _read_rows(root)
    if not rows:
        raise UserInputError("the caption table is empty; expected one row per image", file=table)

    def where(row: dict[str, Any]) -> dict[str, Any]:
        # jsonl problems carry a line number, parquet problems a row index in the key
        return {"line": row["_where"]} if unit == "line" else {"key": f"row {row['_where']}"}

    captions: list[str] = []
    files: list[Path] = []
    raw_labels: list[str | None] = []
    has_labels = any("label" in r for r in rows)
    for r in rows:
        cap = r.get("caption")
        if "caption" not in r or cap is None:
            raise UserInputError("caption missing: expected a 'caption' string (may be empty)", file=table, **where(r))
        if not isinstance(cap, str):
            raise UserInputError(f"'caption' must be a string, found {type(cap).__name__}", file=table, **where(r))
        name = r.get("file")
        if not isinstance(name, str) or not name:
            raise UserInputError("missing 'file': expected the image path relative to the pool folder", file=table, **where(r))
        img = (root / name).resolve()
        if not img.is_relative_to(root.resolve()):
            # a pool is one folder: an image elsewhere would not travel with it, nor be in its fingerprint
            raise UserInputError(f"image {name!r} lies outside the pool folder {root}; expected a path relative to "
                                 "the pool folder, inside it", file=table, **where(r))
        if not img.is_file():
            raise UserInputError(f"image {name!r} does not exist in {root}", file=table, **where(r))
        label = r.get("label")
        if label is not None and not isinstance(label, (str, int)):
            raise UserInputError(f"'label' must be a class name or null, found {type(label).__name__}", file=table, **where(r))
        captions.append(cap)
        files.append(img)
        raw_labels.append(None if label is None else str(label))

    def locate(i: int) -> dict[str, Any]:
        return {"file": table, **where(rows[i])}

    headers = scan_images(files, where=locate)
    target = target_shape(headers, image_size=image_size, channels=channels, what=f"the pool {root}", file=root)
    images = decode_images(files, target, where=locate)

    labels, classes = None, None
    if has_labels:
        classes = list(info.get("classes") or sorted({x for x in raw_labels if x is not None}))
        lookup = {c: i for i, c in enumerate(classes)}
        unknown = next((i for i, x in enumerate(raw_labels) if x is not None and x not in lookup), None)
        if unknown is not None:
            raise UserInputError(
                f"label {raw_labels[unknown]!r} is not among the classes listed in {POOL_META_FILE}: {classes}",
                file=table,
                **where(rows[unknown]),
            )
        labels = np.array([-1 if x is None else lookup[x] for x in raw_labels], np.int64)

    embeddings = None
    emb_file = root / EMBEDDINGS_FILE
    if emb_file.exists():
        embeddings = _read_npy(emb_file)
        check_embeddings(embeddings, len(images), file=str(emb_file), key=None)
        embeddings = embeddings.astype(np.float32, copy=False)
    text = None
    text_file = root / TEXT_EMBEDDINGS_FILE
    if text_file.exists():
        try:
            with np.load(text_file, allow_pickle=False) as z:
                text = {k: np.atleast_2d(np.asarray(z[k], np.float32)) for k in z.files}
        except (OSError, ValueError) as exc:
            raise UserInputError(f"cannot read as .npz: {exc}", file=text_file) from None
        check_text_embeddings(text, embeddings.shape[1] if embeddings is not None else None, file=str(text_file))
    meta = {"path": str(root), "name": info.get("name") or root.name, "embedding": info.get("embedding"), "captions_file": table.name}
    return Pool(images, captions, labels, classes, embeddings, text, meta)


def _read_npy(f: Path) -> np.ndarray:
    """An .npy array, memory-mapped (web pools' embedding files are large)."""
    try:
        return np.load(f, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise UserInputError(f"cannot read as .npy: {exc}", file=f) from None


def _load_npz(p: Path) -> Pool:
    """A pool in one .npz: images, captions, optional labels/classes/embeddings/text embeddings."""
    try:
        z = np.load(p, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise UserInputError(f"cannot read as .npz: {exc}", file=p) from None
    with z:
        for k in ("images", "captions"):
            if k not in z.files:
                raise UserInputError(f"no array {k!r} (found: {', '.join(z.files) or 'nothing'})", file=p, key=k)
        images = _npz_images(np.asarray(z["images"]), z, p)
        captions_arr = np.asarray(z["captions"])
        if captions_arr.dtype.kind != "U" or captions_arr.ndim != 1:
            raise UserInputError(
                f"'captions' must be a 1-D array of strings, found dtype {captions_arr.dtype} shape {captions_arr.shape}",
                file=p,
                key="captions",
            )
        if len(captions_arr) != len(images):
            raise UserInputError(
                f"{len(images)} images but {len(captions_arr)} captions; expected one caption per image", file=p, key="captions"
            )
        labels, classes = None, None
        if "labels" in z.files:
            raw = np.asarray(z["labels"])
            if "classes" in z.files:
                classes = [str(c) for c in z["classes"]]
                labels = raw.astype(np.int64) if raw.dtype.kind in "iu" else None
                if labels is None:
                    raise UserInputError(f"with 'classes', 'labels' must be integers, found dtype {raw.dtype}", file=p, key="labels")
            elif raw.dtype.kind == "U":
                # string labels; the empty string marks an image of no class
                classes = sorted({str(v) for v in raw if v})
                lookup = {c: i for i, c in enumerate(classes)}
                labels = np.array([lookup[v] if v else -1 for v in raw.tolist()], np.int64)
            else:
                raise UserInputError("integer 'labels' need a 'classes' array naming them", file=p, key="classes")
            check_labels(labels, classes, len(images), file=str(p))
        embeddings = None
        if "embeddings" in z.files:
            embeddings = np.asarray(z["embeddings"])
            check_embeddings(embeddings, len(images), file=str(p), key="embeddings")
            embeddings = embeddings.astype(np.float32, copy=False)
        text = None
        if "text_embeddings" in z.files:
            if "text_classes" not in z.files:
                raise UserInputError("'text_embeddings' need a 'text_classes' array (one class name per row)", file=p, key="text_classes")
            te = np.asarray(z["text_embeddings"], np.float32)
            tc = [str(c) for c in z["text_classes"]]
            if te.ndim != 2 or len(te) != len(tc):
                raise UserInputError(
                    f"'text_embeddings' has shape {te.shape} but 'text_classes' names {len(tc)} rows", file=p, key="text_embeddings"
                )
            text = {c: te[[i for i, x in enumerate(tc) if x == c]] for c in dict.fromkeys(tc)}
            check_text_embeddings(text, embeddings.shape[1] if embeddings is not None else None, file=str(p))
        embedding_name = str(z["embedding"]) if "embedding" in z.files else None
    meta = {"path": str(p), "name": p.stem, "embedding": embedding_name}
    return Pool(images, captions_arr.tolist(), labels, classes, embeddings, text, meta)


def _npz_images(images: np.ndarray, z: Any, p: Path) -> np.ndarray:
    """(N,H,W) | (N,C,H,W) | (N,H,W,C) in uint8 or [0, max_value] -> float32 (N,C,H,W) in [0, 1]."""
    from synreal.data.convert import stored_images

    max_value = float(z["max_value"]) if "max_value" in z.files else None
    return stored_images(images, max_value=max_value, file=str(p), key="images")


# --------------------------------------------------------------------------- writer


def save_pool(pool: Pool, path: str | Path) -> Path:
    """Write a pool as an ``.npz`` (if ``path`` ends in .npz) or as a pool folder.

    The folder layout stores images as 8-bit PNG (so pixel values are rounded to 1/255);
    the ``.npz`` keeps them exactly. Either is written to a temporary name first and then
    renamed, so a crash never leaves a half-written pool.

    Args:
        pool: the pool.
        path: the target; must not exist yet.

    Returns:
        The path written.

    Example:
        >>> save_pool(pool, "my_pool")  # doctest: +SKIP
        PosixPath('my_pool')
    """
    target = Path(path).expanduser()
    if target.exists():
        raise UserInputError("already exists; choose a new path (pools are never overwritten)", file=target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.suffix.lower() == ".npz":
        arrays: dict[str, np.ndarray] = {"images": pool.images.astype(np.float32), "captions": np.array(pool.captions, dtype=str)}
        if pool.labels is not None:
            arrays["labels"] = pool.labels.astype(np.int64)
            arrays["classes"] = np.array(pool.classes, dtype=str)
        if pool.embeddings is not None:
            arrays["embeddings"] = np.asarray(pool.embeddings, np.float32)
        if pool.text_embeddings:
            names = list(pool.text_embeddings)
            arrays["text_embeddings"] = np.concatenate([pool.text_embeddings[c] for c in names]).astype(np.float32)
            arrays["text_classes"] = np.array([c for c in names for _ in range(len(pool.text_embeddings[c]))], dtype=str)
        if pool.meta.get("embedding"):
            arrays["embedding"] = np.array(str(pool.meta["embedding"]))
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp.npz")
        os.close(fd)
        try:
            np.savez(tmp, **arrays)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return target

    from PIL import Image

    tmpdir = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.tmp"))
    try:
        (tmpdir / "images").mkdir()
        names = pool.label_names()
        with (tmpdir / "captions.jsonl").open("w", encoding="utf-8") as fh:
            for i, (img, cap) in enumerate(zip(pool.images, pool.captions)):
                rel = f"images/{i:07d}.png"
                a = np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)
                Image.fromarray(a[0] if a.shape[0] == 1 else a.transpose(1, 2, 0)).save(tmpdir / rel)
                row: dict[str, Any] = {"file": rel, "caption": cap}
                if pool.labels is not None:
                    row["label"] = names[i]
                fh.write(json.dumps(row) + "\n")
        if pool.embeddings is not None:
            np.save(tmpdir / EMBEDDINGS_FILE, np.asarray(pool.embeddings, np.float32))
        if pool.text_embeddings:
            np.savez(tmpdir / TEXT_EMBEDDINGS_FILE, **{k: np.asarray(v, np.float32) for k, v in pool.text_embeddings.items()})
        info = {"name": pool.meta.get("name") or target.name}
        if pool.meta.get("embedding"):
            info["embedding"] = pool.meta["embedding"]
        if pool.classes is not None:
            info["classes"] = list(pool.classes)
        (tmpdir / POOL_META_FILE).write_text(json.dumps(info, indent=1), encoding="utf-8")
        os.replace(tmpdir, target)
    finally:
        if tmpdir.exists():
            shutil.rmtree(tmpdir)
    return target
