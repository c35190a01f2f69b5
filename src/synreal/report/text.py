"""Small text and HTML helpers shared by the report sections (sentences, lists, collapsed tables)."""

from __future__ import annotations

import html

MAX_HEADLINES = 3  # per section in the Findings block; the rest are in the section body


def para(text: str, cls: str | None = None) -> str:
    """An escaped paragraph.

    Example:
        >>> para("a < b", "note")
        '<p class="note">a &lt; b</p>'
    """
    attr = f' class="{cls}"' if cls else ""
    return f"<p{attr}>{html.escape(text)}</p>"


def bullets(items: list[str]) -> str:
    """An escaped bullet list.

    Example:
        >>> bullets(["x"])
        '<ul><li>x</li></ul>'
    """
    return "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"


def details(summary: str, body: str) -> str:
    """A collapsed block (long tables)."""
    return f"<details><summary>{html.escape(summary)}</summary><div class=\"table-wrap\">{body}</div></details>"


def names(labels: list[str], limit: int = 4) -> str:
    """'a, b and c' (at most ``limit`` names, then 'and N more').

    Example:
        >>> names(["a", "b", "c"]), names(["a", "b", "c"], limit=1)
        ('a, b and c', 'a and 2 more')
    """
    if len(labels) > limit:
        labels = labels[:limit] + [f"{len(labels) - limit} more"]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def doing(condition: str, source: str, n: int, item: str = "images") -> str:
    """The subject of a sentence about one synthetic configuration.

    Example:
        >>> doing("pretrain", "fonts", 10000)
        'Pre-training on 10,000 fonts images'
        >>> doing("pretrain", "multi-group", 200, "sequences")
        'Pre-training on 200 multi-group sequences'
    """
    if condition == "pretrain":
        return f"Pre-training on {int(n):,} {source} {item}"
    if condition == "mix":
        return f"Training on {int(n):,} {source} {item} mixed with the real data"
    return f"Training on {int(n):,} {source} {item} alone"


def lower_first(text: str) -> str:
    """The sentence with its first letter in lower case (for use after a comma)."""
    return text[:1].lower() + text[1:]


def headlines_with_rest(sentences: list[str], where: str) -> list[str]:
    """At most ``MAX_HEADLINES`` sentences, and one that says how many more the section holds."""
    out = sentences[:MAX_HEADLINES]
    rest = len(sentences) - MAX_HEADLINES
    if rest > 0:
        out.append(f"{rest} further configuration{'s are' if rest > 1 else ' is'} assessed in the {where} section.")
    return out
