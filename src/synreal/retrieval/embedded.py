"""The embedded default pool: held-out real digits among photo patches, with web-like captions.

``digits_pool`` turns real digits that the study keeps apart from its train and test splits
into an untargeted, web-like pool, so that retrieval has something to get wrong:

* every digit gets one caption drawn with a seeded RNG: it names the digit as a numeral
  (35%), as a word or synonym (20%), does not name it at all (25%), names it among
  incidental numbers such as "page 3 of 7" (12%), or names a *wrong* digit (8%);
* distractors that are not digits are added: 8x8 views of random crops of the two photos
  that ship with scikit-learn (a temple and a flower), turned into 0..16 ink levels like
  the digits, with captions about temples, roofs, sky, flowers; 15% of those captions
  contain numbers or number words ("seven pink blooms at dusk", "top 5 temple photos");
* labels are kept as ground truth (-1 for distractors) to measure retrieval precision;
  no retriever reads them;
* embeddings: centred, L2-normalised pixels (``pixels-8``, see ``embedding.py``), so
  ``knn-image`` works out of the box. There are **no text embeddings**: synreal has no
  text model, and an average of digit images is not an embedding of the text "seven", so
  ``knn-text`` reports that this pool cannot serve it.

``DIGIT_RULES`` are the default caption-search rules for the ten digit classes.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from synreal.data.base import ImageSet
from synreal.errors import UserInputError
from synreal.retrieval.embedding import pixel_embedding, pixel_embedding_name
from synreal.retrieval.fts import QueryRule
from synreal.retrieval.pool import Pool

WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
SYNONYMS = {"0": ["zero", "nought", "naught"]}

DIGIT_RULES: dict[str, QueryRule] = {
    d: QueryRule(any=[d, *SYNONYMS.get(d, [WORDS[int(d)]])]) for d in "023456789"
}
# "one" is among the commonest English words ("one of the best temple photos"), so the word
# only counts in phrases that make it a numeral; the bare numeral "1" always counts
DIGIT_RULES["1"] = QueryRule(any=["1", "number one", "digit one", "handwritten one", "written one"])
DIGIT_RULES = {d: DIGIT_RULES[d] for d in "0123456789"}

CAPTION_KINDS = {"numeral": 0.35, "word": 0.20, "unnamed": 0.25, "incidental": 0.12, "wrong": 0.08}

_NUMERAL = [
    "scan of a handwritten {d}",
    "form field, digit {d}",
    "handwritten {d} on a postal form",
    "{d}",
    "the digit {d}, pen on paper",
    "zip code box: {d}",
    "a {d} written in pencil",
]
_WORD = [
    "the number {w} written by hand",
    "a handwritten {w}",
    "digit {w} in black ink",
    "number {w}, scanned",
    "a page of {w}s",
]
_UNNAMED = [
    "scan of a handwritten digit",
    "form field, handwriting sample",
    "8x8 thumbnail",
    "IMG_{n4}.png",
    "postal code box",
    "pen on paper",
    "untitled",
    "",
]
_INCIDENTAL = ["page {p} of {q}: a handwritten {d}", "box {p} of {q}, digit {d}", "{d} (sample {p}/{q})"]
_PHOTO_THINGS = {
    "china.jpg": ["temple", "pagoda", "temple roof", "shrine", "eaves", "blue sky", "trees"],
    "flower.jpg": ["flower", "dahlia", "petals", "pink bloom", "garden flower"],
}
_PHOTO = [
    "close-up of the {t}",
    "{t} against the sky",
    "photo of the {t}, summer trip",
    "travel photo: {t}",
    "{t} wallpaper hd",
    "{t} in soft light",
    "detail of the {t}",
]
_PHOTO_NUMBERS = ["{w} {t}s at dusk", "top {n} {t} photos", "one of the best {t} photos", "{n} {t}s"]
PHOTO_NUMBER_SHARE = 0.15


def digit_caption(digit: int, rng: np.random.Generator) -> tuple[str, str]:
    """A web-like caption for an image of ``digit``, and its kind (see CAPTION_KINDS)."""
    kinds = list(CAPTION_KINDS)
    kind = kinds[rng.choice(len(kinds), p=list(CAPTION_KINDS.values()))]
    d = digit
    if kind == "wrong":
        d = int((digit + rng.integers(1, 10)) % 10)
    if kind == "word" or (kind == "wrong" and rng.random() < 0.4):
        words = SYNONYMS.get(str(d), [WORDS[d]])
        text = _pick(_WORD, rng).format(w=_pick(words, rng))
    elif kind in ("numeral", "wrong"):
        text = _pick(_NUMERAL, rng).format(d=d)
    elif kind == "incidental":
        text = _pick(_INCIDENTAL, rng).format(d=d, p=rng.integers(1, 10), q=rng.integers(1, 10))
    else:
        text = _pick(_UNNAMED, rng).format(n4=rng.integers(1000, 10000))
    return text, kind


def photo_caption(photo: str, rng: np.random.Generator) -> str:
    """A web-like caption for a crop of one of scikit-learn's sample photos."""
    thing = _pick(_PHOTO_THINGS[photo], rng)
    if rng.random() < PHOTO_NUMBER_SHARE:
        return _pick(_PHOTO_NUMBERS, rng).format(t=thing, w=_pick(WORDS[2:], rng), n=rng.integers(2, 10))
    return _pick(_PHOTO, rng).format(t=thing)


def _pick(options: list[str], rng: np.random.Generator) -> str:
    """One of ``options``, uniformly."""
    return options[int(rng.integers(len(options)))]


@lru_cache(maxsize=1)
def _photos() -> tuple[tuple[str, np.ndarray], ...]:
    """scikit-learn's sample photos as grayscale float arrays in [0, 1] (read once)."""
    from sklearn.datasets import load_sample_images

    data = load_sample_images()
    out = []
    for name, img in zip(data.filenames, data.images):
        gray = img.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32) / 255.0
        out.append((name.replace("\\", "/").rsplit("/", 1)[-1], gray))
    return tuple(out)


def photo_patches(n: int, shape: tuple[int, int, int], rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    """``n`` non-digit images: random photo crops, resized and turned into 17 ink levels.

    Returns:
        (float32 array (n, C, H, W) in [0, 1], the photo each came from).
    """
    from PIL import Image

    c, h, w = shape
    photos = _photos()
    images = np.empty((n, c, h, w), np.float32)
    names = []
    for i in range(n):
        name, gray = photos[int(rng.integers(len(photos)))]
        size = int(rng.integers(16, 121))
        y = int(rng.integers(0, gray.shape[0] - size + 1))
        x = int(rng.integers(0, gray.shape[1] - size + 1))
        crop = Image.fromarray(np.ascontiguousarray(gray[y : y + size, x : x + size]))
        small = np.asarray(crop.resize((w, h), Image.BOX), np.float32)
        ink = 1.0 - small  # dark = ink, as in the scanned digits
        lo, hi = float(ink.min()), float(ink.max())
        # stretch to the full 0..16 range like a digit scan, so brightness alone gives nothing away
        ink = (ink - lo) / (hi - lo) if hi - lo > 1e-6 else np.zeros_like(ink)
        images[i] = np.round(ink * 16) / 16
        names.append(name)
    return images, names


def digits_pool(images: ImageSet, seed: int, n_distractors: int | None = None) -> Pool:
    """The default upstream pool: held-out real digits plus photo distractors, with captions.

    Args:
        images: real digits kept apart from the study's train and test splits (classes
            "0".."9", e.g. float32 (N, 1, 8, 8) in [0, 1]).
        seed: fixes captions, distractors and the pool order.
        n_distractors: non-digit images to add (default: as many as there are digits).

    Returns:
        A Pool of ``len(images) + n_distractors`` images in a seeded random order, with
        captions, ground-truth labels (-1 for distractors), ``pixels-8`` embeddings and no
        text embeddings. ``meta["caption_kinds"]`` records each caption's kind.

    Example:
        >>> from synreal.data.datasets import load_digits_set
        >>> pool = digits_pool(load_digits_set().subset(np.arange(100)), seed=0)
        >>> len(pool), pool.meta["embedding"], pool.text_embeddings is None
        (200, 'pixels-8', True)
    """
    if sorted(images.classes) != list("0123456789") or images.classes != sorted(images.classes):
        raise UserInputError(
            f"the embedded digits pool needs the digit classes '0'..'9' in order; found {images.classes}", key="retrieval.pool"
        )
    n_distractors = len(images) if n_distractors is None else int(n_distractors)
    if n_distractors < 0:
        raise UserInputError(f"n_distractors must be >= 0, found {n_distractors}", key="retrieval.n_distractors")
    rng = np.random.default_rng([seed, 0xD161])
    captions, kinds = [], []
    for y in images.labels.tolist():
        text, kind = digit_caption(int(images.classes[y]), rng)
        captions.append(text)
        kinds.append(kind)
    patches, sources = photo_patches(n_distractors, images.shape, rng)
    for src in sources:
        captions.append(photo_caption(src, rng))
        kinds.append("photo")
    all_images = np.concatenate([images.images.astype(np.float32), patches])
    labels = np.concatenate([images.labels.astype(np.int64), np.full(n_distractors, -1, np.int64)])
    order = rng.permutation(len(all_images))
    size = int(min(images.shape[1], images.shape[2], 16))
    pooled = all_images[order]
    return Pool(
        images=pooled,
        captions=[captions[i] for i in order.tolist()],
        labels=labels[order],
        classes=list(images.classes),
        embeddings=pixel_embedding(pooled, size),
        text_embeddings=None,
        meta={
            "name": "digits-pool",
            "embedding": pixel_embedding_name(size),
            "seed": seed,
            "n_digits": len(images),
            "n_distractors": n_distractors,
            "caption_kinds": [kinds[i] for i in order.tolist()],
        },
    )
