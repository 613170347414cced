"""The article body, by trafilatura, as paragraphs with what the page's structure says about each.

Extraction is recall-first: trafilatura runs in its balanced mode (``favor_precision`` cut leads
and stopped articles at an ad slot or an embed), its fast pass first and the full one only when
the fast one looks short (:func:`suspect`), and the clean stages (:mod:`newsbot.clean.structure`
first) remove what is not article. Every paragraph comes with a
:class:`~newsbot.extract.result.Block`: the element it was kept as, how much of it is link text
and how many of its links go to other pages of the same site.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml.etree import XPath, _Element
from lxml.html import HtmlElement
from trafilatura import bare_extraction
from trafilatura.xml import delete_element, xmltotxt

from newsbot.extract.continuation import P_TEXT_RATIO, Continuation, continuation
from newsbot.extract.links import LinkFacts, link_index, text_key
from newsbot.extract.parse import parse_html
from newsbot.extract.result import Block
from newsbot.storage.text import clean_text


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

#: The sharing, likes and related-posts boxes of WordPress's Jetpack plugin, which WordPress.com
#: and many self-hosted blogs and newsrooms print under every post, in the site's language
#: ("Teilen mit:", "Gefällt mir:", "%d Bloggern gefällt das:", "Wird geladen …"): trafilatura keeps
#: their headings and labels as body lines.
WIDGET_XPATHS = [
    "//*[@id='jp-post-flair' or @id='jp-relatedposts' or contains(concat(' ', normalize-space(@class), ' '), "
    "' sharedaddy ') or contains(concat(' ', normalize-space(@class), ' '), ' jp-relatedposts ')]",
]

#: A form that asks for an e-mail address, a password or a search: a newsletter sign-up, a comment
#: form ("Your email address will not be published"), a login or a search box, in any language.
#: trafilatura keeps a form's text (its full pass, through readability, a sign-up box with the
#: article around it). A page set inside one form (ASP.NET) holds its whole text and is left alone.
SIGN_UP_FORMS = XPath(
    "//form[.//input[@type='email' or @type='password' or @type='search']]"
    "[string-length(normalize-space(.)) < 2000][not(.//h1)]"
)


def drop_sign_up_forms(tree: HtmlElement) -> None:
    """Delete :data:`SIGN_UP_FORMS` (tails kept)."""
    for form in SIGN_UP_FORMS(tree):
        delete_element(form)


#: Options passed to trafilatura. ``deduplicate`` stays off: its cache is process-wide, so a
#: record would depend on the pages that came before it; duplicated text is removed per document
#: by the clean stage instead. ``with_metadata`` is off: newsbot reads the metadata itself from
#: structured data (:mod:`newsbot.extract.metadata`), and trafilatura's own pass costs ~9 ms a
#: page, as much as the body. ``include_links`` keeps ``<ref target>`` in the tree for the block
#: facts; the text is the same. ``favor_precision`` is off: it dropped standfirsts and cut bodies
#: at the first ad slot (see the module docstring).
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "include_links": False,
    "deduplicate": False,
    "with_metadata": False,
    "favor_precision": False,
    "prune_xpath": CAPTION_XPATHS + WIDGET_XPATHS,
}
#: The second try when cleaning left too little of a page (:func:`newsbot.clean.stages`).
RECALL_OPTIONS: dict[str, Any] = {**TRAFILATURA_OPTIONS, "favor_precision": False, "favor_recall": True}

#: ``fast=True`` skips trafilatura's comparison with its fallback extractors (readability, jusText)
#: and halves the time. The full pass runs only when the fast one looks short: under this many
#: characters, or under :data:`SUSPECT_SHARE` of what the page itself suggests the body holds
#: (its JSON-LD ``articleBody``, the text of its ``<p>`` elements, all its text).
FULL_PASS_BELOW_CHARS = 500
#: Measured with ``newsbot bench cleaning``: on trafilatura-eval 5 required snippets more are
#: found, on aeb-dev nothing changes, and ~8% of pages get the full pass (always running it
#: would find 19 more snippets for +50% time).
SUSPECT_SHARE = 0.6
#: The text of a page's ``<p>`` elements includes its chrome paragraphs: counted at this share.
P_TEXT_SHARE = 0.4
#: All the text of the page (navigation, asides and forms removed) counts at this share: a body set
#: in ``<div>``s has little ``<p>`` text. Measured with ``newsbot bench cleaning`` against not
#: counting it: on trafilatura-eval 41 full passes kept instead of 33, 5 required snippets more
#: found (both halves), 3 boilerplate ones more left; aeb-dev unchanged (no page escalates). At 0.5:
#: 3 more found for 4 more left.
TEXT_SHARE = 0.33

#: A body extracted from the markup with less than this share of the characters of the page's own
#: JSON-LD ``articleBody`` is replaced by that text: the page ships its article in structured
#: data and renders it with scripts (the markup holds a caption or a teaser). Below a quarter only,
#: because an ``articleBody`` also often holds more than the page shows (a whole print edition
#: text, a gallery's captions) and the extraction from the markup is better structured.
LD_BODY_SHARE = 0.25
_LD_BREAK = re.compile(r"</p\s*>|<br\s*/?>|</h[1-6]\s*>|</li\s*>|</blockquote\s*>", re.IGNORECASE)

_INLINE_TAG = re.compile(r"</?[a-zA-Z][^>]*>")

_KINDS = {"p": "p", "head": "head", "quote": "quote", "list": "item", "table": "row"}


@dataclass
class Body:
    paragraphs: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    #: ``fast`` or ``full``: which trafilatura pass the body is from (``ld``: the JSON-LD
    #: ``articleBody``, :func:`structured_body`)
    path: str = "fast"

    @property
    def chars(self) -> int:
        return sum(b.chars for b in self.blocks)


def _units(child: _Element) -> list[tuple[str, _Element]]:
    """(kind, element) of a top-level body element: a list's items and a table's rows each."""
    kind = _KINDS.get(child.tag, "other")
    if kind == "item":
        return [(kind, item) for item in child if item.tag == "item"] or [(kind, child)]
    if kind == "row":
        rows = list(child.iter("row"))
        return [(kind, row) for row in rows] or [(kind, child)]
    return [(kind, child)]


def _block(kind: str, group: int, key: str, facts: LinkFacts | None) -> Block:
    """The block of a body paragraph whose :func:`text_key` is ``key``, with its link facts."""
    if facts is None:
        return Block(kind, group, len(key))
    return Block(kind, group, len(key), min(len(key), facts.link_chars), facts.links, facts.site_links)


def body_blocks(body: _Element | None, links: Mapping[str, LinkFacts] | None = None) -> Body:
    """Paragraphs of trafilatura's body tree, one :class:`Block` each; ``links`` is the page's
    :func:`~newsbot.extract.links.link_index`."""
    out = Body()
    if body is None:
        return out
    links = links or {}
    # trafilatura's xmltotxt HTML-unescapes text the parser already decoded ("&amp;amp;" on the
    # page came out as "&"): every "&" is escaped first so that its unescape gives it back.
    for element in body.iter():
        if element.text and "&" in element.text:
            element.text = element.text.replace("&", "&amp;")
        if element.tail and "&" in element.tail:
            element.tail = element.tail.replace("&", "&amp;")
    for group, child in enumerate(body):
        for kind, unit in _units(child):
            text = xmltotxt(unit, False)
            lines = [p for p in (" ".join(line.split()) for line in text.splitlines()) if p]
            whole = links.get(text_key(text)) if len(lines) > 1 else None
            for line in lines:
                key = text_key(line[2:] if kind == "item" and line.startswith("- ") else line)
                out.paragraphs.append(line)
                out.blocks.append(_block(kind, group, key, links.get(key) or whole))
    return out


#: A hover card inside a sentence (a person's photo, name and latest stories, shown on mouse-over):
#: an inline element with an image and two links or more, the innermost such. trafilatura reads
#: its text into the paragraph ("Rep. Ilhan OmarIlhan OmarHillicon Valley: ..."); its own prune
#: drops the rest of the sentence with it, so it is dropped here, keeping the text after it.
HOVER_CARD = XPath("//p//span[.//img and count(.//a) >= 2][not(.//span[.//img and count(.//a) >= 2])]")


def drop_hover_cards(tree: HtmlElement) -> None:
    for card in HOVER_CARD(tree):
        card.drop_tree()


def _extract(
    tree: HtmlElement, url: str | None, fast: bool, options: dict[str, Any], links: Mapping[str, LinkFacts]
) -> Body:
    drop_hover_cards(tree)
    drop_sign_up_forms(tree)
    doc = bare_extraction(tree, url=url, fast=fast, **options)
    return body_blocks(doc.body if doc is not None else None, links)


def expected_chars(ld_body_chars: int, p_chars: int, text_chars: int = 0) -> int:
    """What a page suggests its body holds: its JSON-LD ``articleBody``, or a share of its
    ``<p>`` text (see :data:`P_TEXT_SHARE`) or of all its text (:data:`TEXT_SHARE`)."""
    return max(ld_body_chars, int(P_TEXT_SHARE * p_chars), int(TEXT_SHARE * text_chars))


def suspect(chars: int, expected: int) -> bool:
    """Is a fast pass of ``chars`` characters short of a page expected to hold ``expected``?"""
    return chars < FULL_PASS_BELOW_CHARS or chars < SUSPECT_SHARE * expected


def extract_body(
    tree: HtmlElement,
    html: str,
    url: str | None,
    expected_chars: int = 0,
    recall: bool = False,
    ld_body: str | None = None,
    p_chars: int = 0,
) -> Body:
    """Body paragraphs and blocks of a parsed page; ``tree`` is pruned in the process.

    ``expected_chars`` is what the page suggests its body holds; ``recall`` uses trafilatura's
    ``favor_recall`` (the retry when cleaning left too little); ``ld_body`` is the page's JSON-LD
    ``articleBody``, used when the markup gives much less (:data:`LD_BODY_SHARE`); ``p_chars`` is
    the text of the page's ``<p>`` elements: much more than the body, and the chunks of an article
    set in several are looked for (:mod:`newsbot.extract.continuation`)."""
    options = RECALL_OPTIONS if recall else TRAFILATURA_OPTIONS
    links = link_index(tree, url)
    body = _extract(tree, url, True, options, links)
    if suspect(body.chars, expected_chars):
        fresh = parse_html(html)
        if fresh is not None:
            # Without the caption prune: with it, the full pass's comparison with trafilatura's
            # fallback extractors kept a shorter candidate that lacked the body's text (five
            # trafilatura-eval pages, nine required snippets); the clean stages remove captions.
            full = _extract(fresh, url, False, {**options, "prune_xpath": WIDGET_XPATHS}, links)
            if full.chars > body.chars:
                full.path = "full"
                body = full
    if body.paragraphs and p_chars > P_TEXT_RATIO * body.chars:
        fresh = parse_html(html)
        if fresh is not None:
            _add_chunks(body, continuation(fresh, body.paragraphs), links)
    if ld_body:
        ld_key = text_key(ld_body)
        if body.chars < LD_BODY_SHARE * len(ld_key) or (
            # trafilatura's own last resort gives the articleBody as one paragraph: keep its lines
            len(body.paragraphs) == 1 and text_key(body.paragraphs[0]) == ld_key
        ):
            structured = structured_body(ld_body)
            if structured.chars >= body.chars:
                return structured
    return body


def _add_chunks(body: Body, found: Continuation, links: Mapping[str, LinkFacts]) -> None:
    """The paragraphs of the article's other chunks, before and after the body, one group each."""
    if not found:
        return
    first = min((b.group for b in body.blocks), default=0)
    last = max((b.group for b in body.blocks), default=0)

    def blocks(texts: list[str], start: int) -> list[Block]:
        keys = [text_key(t) for t in texts]
        return [_block("p", start + i, key, links.get(key)) for i, key in enumerate(keys)]

    body.paragraphs[:0] = found.before
    body.blocks[:0] = blocks(found.before, first - len(found.before))
    body.paragraphs.extend(found.after)
    body.blocks.extend(blocks(found.after, last + 1))
    body.path += "+chunks"


def structured_body(article_body: str) -> Body:
    """The JSON-LD ``articleBody`` as a body: one paragraph per line (or per ``<p>``, ``<br>``,
    heading, list item when the string carries HTML), entities decoded and tags removed."""
    text = article_body
    if "<" in text:
        # block ends are line breaks; inline tags ("<b>school</b>,") go without leaving a space
        text = _INLINE_TAG.sub("", _LD_BREAK.sub("\n", text))
    out = Body(path="ld")
    for group, line in enumerate(split_paragraphs(clean_text(text, multiline=True))):
        out.paragraphs.append(line)
        out.blocks.append(Block("p", group, len(text_key(line))))
    return out


def split_paragraphs(text: str | None) -> list[str]:
    """One paragraph per non-empty line, whitespace folded."""
    if not text:
        return []
    return [p for p in (" ".join(line.split()) for line in text.splitlines()) if p]
