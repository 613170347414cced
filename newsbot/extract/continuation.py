"""An article that the page sets in several chunks: the ones trafilatura left out.

Some CMSs split a body into sibling containers of one kind, with an ad slot, a newsletter box or
a related-story rail between them (``div.article__chunks > div.grid`` × N, ``editorial-module``
× N). trafilatura picks one container and returns the first chunk of the article, with no sign
that there was more. The page's structure shows it: the container that holds the body's
paragraphs has siblings of the same tag and class, and they hold prose paragraphs too.

:func:`continuation` finds those paragraphs in a fresh parse of the page. It is only asked when
the page has much more ``<p>`` text than the body (:data:`P_TEXT_RATIO`), so most pages never pay
for the second parse. What it adds goes through the same clean stages as the rest of the body.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml.html import HtmlElement

from newsbot.extract.links import text_key

#: Ask only when the page's ``<p>`` text is this many times the body's: a page of one container
#: has little ``<p>`` text outside it, so most pages are never parsed a second time for this.
P_TEXT_RATIO = 2.0
#: How far up from the body's container a chunk may sit: the chunk is the container itself or one
#: of its wrappers (grid, row, column), never the page's sections.
MAX_LEVELS = 4
#: A chunk is prose: at least this many paragraphs of :data:`PROSE_WORDS` words.
MIN_PROSE_PARAGRAPHS = 2
PROSE_WORDS = 15
#: A paragraph of fewer words is a label or a caption, not text the chunk continues with.
MIN_WORDS = 8
#: Paragraphs that are mostly link text are teasers.
MAX_LINK_SHARE = 0.5
#: The walk up stops at these: their siblings are other articles, or the page's own parts.
_STOP = frozenset({"article", "main", "body", "html"})
#: Paragraphs inside these are not the article's text.
_OUTSIDE = frozenset({"a", "aside", "nav", "footer", "header", "figure", "figcaption", "form"})


@dataclass
class Continuation:
    """Paragraphs of the chunks before and after the one trafilatura returned, in page order."""

    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.before or self.after)


def _signature(element: HtmlElement) -> tuple[str, str]:
    return element.tag, " ".join((element.get("class") or "").split())


def _prose(p: HtmlElement) -> str | None:
    text = " ".join(p.text_content().split())
    if len(text.split()) < MIN_WORDS:
        return None
    if sum(len(a.text_content()) for a in p.iter("a")) > MAX_LINK_SHARE * len(text):
        return None
    if any(a.tag in _OUTSIDE for a in p.iterancestors()):
        return None
    return text


def _chunk(element: HtmlElement, body_key: str) -> list[str]:
    """The prose paragraphs of a sibling chunk that the body lacks; [] when it is not prose or is
    a page part of its own (it has a headline or an article)."""
    if element.find(".//h1") is not None or element.find(".//article") is not None:
        return []
    texts = [t for t in (_prose(p) for p in element.iter("p")) if t and text_key(t) not in body_key]
    if sum(1 for t in texts if len(t.split()) >= PROSE_WORDS) < MIN_PROSE_PARAGRAPHS:
        return []
    return texts


def continuation(tree: HtmlElement, paragraphs: Sequence[str]) -> Continuation:
    """The body's missing chunks in ``tree`` (an unpruned parse of the page)."""
    keys = {text_key(p) for p in paragraphs}
    body_key = "".join(text_key(p) for p in paragraphs)
    parents = Counter(p.getparent() for p in tree.iter("p") if text_key(p.text_content()) in keys)
    out = Continuation()
    if sum(parents.values()) < 2:
        return out
    # The container that holds most of the body: not a comment trafilatura let through at its end.
    node: HtmlElement | None = max(parents, key=parents.__getitem__)
    for _ in range(MAX_LEVELS):
        if node is None or node.tag in _STOP:
            break
        parent = node.getparent()
        if parent is None:
            break
        tag, cls = _signature(node)
        if cls:  # an element without a class is a wrapper of any kind, not a chunk of one
            behind = True
            for sibling in parent:
                if sibling is node:
                    behind = False
                elif _signature(sibling) == (tag, cls):
                    (out.before if behind else out.after).extend(_chunk(sibling, body_key))
            if out:
                return out
        node = parent
    return out
