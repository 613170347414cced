"""Where the text a page should keep was lost: extraction, a named clean stage, or a reject.

For each required text missing from newsbot's body (a ``with`` snippet of trafilatura-eval, a lost
aeb-dev truth paragraph) :func:`attribute` names one cause, first that applies:

* ``reject:<code>`` — the page was rejected (extraction error or quality verdict): nothing stored;
* ``<stage>`` — extraction had it and a clean stage removed it: the stage whose removed text holds
  it (``structure/tail``, ``duplicates/title``, ``rules/<category>``, ``templates``...), or
  ``clean/edited`` when no removed paragraph holds it (a rule rewrote the paragraph);
* ``extraction`` — not in what newsbot's extraction gave, but in bare trafilatura's output;
* ``both`` — neither newsbot's extraction nor bare trafilatura has it.

A text "holds" another when the second is a substring of it (snippets, whitespace folded), or
when at least half of the second's word 4-grams are in it (truth paragraphs).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from newsbot.bench.aeb import shingles
from newsbot.bench.evalpages import _share

Holds = Callable[[str, str], bool]


def _fold(text: str) -> str:
    return " ".join(text.split())


def holds_snippet(container: str, snippet: str) -> bool:
    return _fold(snippet) in _fold(container)


def holds_paragraph(container: str, paragraph: str) -> bool:
    return _share(shingles(paragraph), shingles(container)) >= 0.5


def _stage_of(removed: Sequence[tuple[str, str]], text: str, holds: Holds) -> str | None:
    for stage, chunk in removed:
        if holds(chunk, text):
            return stage
    # A snippet spanning paragraphs: the stage that removed the biggest part of it.
    words = set(_fold(text).split())
    best, overlap = None, 0
    for stage, chunk in removed:
        n = len(words & set(chunk.split()))
        if n > overlap and n >= max(3, len(words) // 3):
            best, overlap = stage, n
    return best


def attribute(
    text: str,
    *,
    reject: str | None,
    extracted: Sequence[str],
    removed: Sequence[tuple[str, str]],
    bare: str,
    holds: Holds,
) -> str:
    """The cause of ``text`` missing from a page's stored body (see the module docstring)."""
    if reject:
        return f"reject:{reject}"
    if holds("\n".join(extracted), text):
        return _stage_of(removed, text, holds) or "clean/edited"
    return "extraction" if holds(bare, text) else "both"


def summary(causes: Counter[str]) -> str:
    """``cause N, ...``, largest first."""
    return ", ".join(f"{cause} {n}" for cause, n in causes.most_common()) or "none"
