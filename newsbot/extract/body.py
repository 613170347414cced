"""The article body, by trafilatura, as a list of paragraphs."""

from __future__ import annotations

from typing import Any

from lxml.etree import _Element
from lxml.html import HtmlElement
from trafilatura import bare_extraction
from trafilatura.xml import xmltotxt

from newsbot.extract.parse import parse_html


def _class_token(token: str) -> str:
    # The class attribute split on spaces, hyphens and underscores: "art-img-cap" has the token "cap".
    return f"contains(concat(' ', translate(normalize-space(@class), '_-', '  '), ' '), ' {token} ')"


#: Image captions that trafilatura keeps. It drops ``<figure>`` and div/p/span elements whose
#: class contains "caption"; this also drops a ``<figcaption>`` outside a figure and short elements
#: of any tag whose class has a caption token ("img-cap", "photo-legende", "caption"), but not
#: "drop-cap" (the first paragraph's initial). Measured on aeb-dev: F1 unchanged (its captions are
#: already inside figures); on the labelled corpus the credit-line rules catch the rest.
CAPTION_XPATHS = [
    "//figcaption",
    "//*[@class][contains(@class, 'cap') or contains(@class, 'legend')]"
    "[not(self::body or self::article or self::main)]"
    f"[({' or '.join(_class_token(t) for t in ('cap', 'caption', 'figcaption', 'legend', 'legende'))})"
    f" and not({_class_token('drop')})][string-length(normalize-space(.)) < 400]",
]


#: Options passed to trafilatura. ``deduplicate`` stays off: its cache is process-wide, so a
#: record would depend on the pages that came before it; duplicated text is removed per document
#: by the clean stage instead. ``with_metadata`` is off: newsbot reads the metadata itself from
#: structured data (:mod:`newsbot.extract.metadata`), and trafilatura's own pass costs ~9 ms a
#: page, as much as the body.
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "include_links": False,
    "deduplicate": False,
    "with_metadata": False,
    # Measured on aeb-dev with the whole clean stage (python -m newsbot.bench.cleaning):
    # favor_precision F1 0.969 vs 0.963 by default.
    "favor_precision": True,
    "prune_xpath": CAPTION_XPATHS,
}

#: ``fast=True`` skips trafilatura's comparison with its fallback extractors (readability, jusText)
#: and halves the time. On aeb-dev it loses one page out of 88, where the fast pass finds almost
#: nothing; a page whose fast pass yields less than this many characters gets the full pass.
FULL_PASS_BELOW_CHARS = 500


def body_text(body: _Element | None) -> str | None:
    """The text of trafilatura's extracted body tree, as the page's reader sees it.

    trafilatura's ``xmltotxt`` HTML-unescapes text that the HTML parser has already decoded: a page
    showing "&amp;" (``&amp;amp;`` in its source) or "&section" came out as "&" and "§ion". Every
    ``&`` of the tree's text is escaped first, so that its unescape gives the text back unchanged.
    """
    if body is None:
        return None
    for element in body.iter():
        if element.text and "&" in element.text:
            element.text = element.text.replace("&", "&amp;")
        if element.tail and "&" in element.tail:
            element.tail = element.tail.replace("&", "&amp;")
    return xmltotxt(body, False) or None


def _extract(tree: HtmlElement, url: str | None, fast: bool) -> str | None:
    doc = bare_extraction(tree, url=url, fast=fast, **TRAFILATURA_OPTIONS)
    return body_text(doc.body) if doc is not None else None


def extract_body(tree: HtmlElement, html: str, url: str | None) -> str | None:
    """Body text (paragraphs on lines) of a parsed page; ``tree`` is pruned in the process."""
    text = _extract(tree, url, fast=True)
    if text is None or len(text) < FULL_PASS_BELOW_CHARS:
        fresh = parse_html(html)
        if fresh is not None:
            full = _extract(fresh, url, fast=False)
            if full and len(full) > len(text or ""):
                text = full
    return text


def split_paragraphs(text: str | None) -> list[str]:
    """One paragraph per non-empty line, whitespace folded."""
    if not text:
        return []
    return [p for p in (" ".join(line.split()) for line in text.splitlines()) if p]
