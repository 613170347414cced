"""``extract_article``: page text in, article fields out.

Pure: no I/O, no global state, picklable arguments and result, so it runs unchanged in a pool
of worker processes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from copy import deepcopy
from typing import Any

import trafilatura
from htmldate import find_date
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.metadata import extract_author
from trafilatura.settings import MANUALLY_CLEANED
from trafilatura.xml import delete_element

from newsbot.clean.text import normalise, word_count
from newsbot.extract.body import expected_chars, extract_body
from newsbot.extract.fields import choose_published, choose_title, clean_authors
from newsbot.extract.lead import missing_lead, shown_description
from newsbot.extract.metadata import language_code, read_metadata
from newsbot.extract.parse import parse_html
from newsbot.extract.result import Block, ExtractedArticle, ExtractionError
from newsbot.storage.text import tidy_text

logger = logging.getLogger(__name__)

EXTRACTOR_VERSION = f"newsbot-extract/1 trafilatura/{trafilatura.__version__}"

#: Pages larger than this are cut before parsing: no news article needs more, and lxml's time
#: and memory grow with the tree.
MAX_HTML_CHARS = 3_000_000


#: Elements trafilatura's tree cleaning deletes (tails kept) before it extracts anything. They are
#: deleted here once the metadata and date are read, so that the tree walks that come before that
#: cleaning (the byline search, trafilatura's raw-tree prunes and tree copies) visit about half as
#: many elements: 14.6 -> 10.5 ms a page on aeb-dev, with the same output on every test page.
#: Left to trafilatura: ``form`` (it keeps a form holding most of the text), ``figure`` (one
#: holding a table becomes a div), ``math`` (its LaTeX is salvaged first) and ``head``, whose
#: JSON-LD tells trafilatura whether the page is a forum thread; the scripts, styles and links
#: inside it go. And ``noscript``: a page rendered by script (Blogger) has its article there, and
#: trafilatura extracts it from there when it is left in the tree. And ``input``: a form's inputs
#: tell a sign-up or search form (:func:`newsbot.extract.body.drop_sign_up_forms`), asked of every
#: tree the body is extracted from.
PRE_CLEANED = frozenset(MANUALLY_CLEANED) - {"form", "figure", "math", "head", "noscript", "input"}
#: Deleted only after the byline search: an article's footer or an author box may hold the byline.
MAY_HOLD_BYLINE = frozenset({"aside", "footer"})


def _pre_clean(tree: HtmlElement, tags: frozenset[str]) -> None:
    if not tags:
        return  # iter() without tags would visit every element
    for element in list(tree.iter(*tags)):
        if element.tag == "script" and element.get("type") == "application/ld+json":
            continue
        delete_element(element)


#: An iframe whose src holds one of these is an embedded video player (the platforms news sites
#: use; "video" also covers a site's own player pages).
_VIDEO_PLAYERS = (
    "youtube",
    "vimeo",
    "dailymotion",
    "jwplayer",
    "jwplatform",
    "brightcove",
    "glomex",
    "video",
)
#: Alt texts longer than this are descriptions written for screen readers, not captions shown.
IMAGE_TEXT_MAX_WORDS = 30


def _media(tree: HtmlElement) -> tuple[bool, frozenset[str]]:
    """Does the page play a video, and the normal forms of its images' alt texts: one walk over
    the tree, before the pre-cleaning deletes the players."""
    video = False
    alts: set[str] = set()
    for el in tree.iter("img", "video", "iframe"):
        if el.tag == "img":
            alt = el.get("alt") or ""
            if 2 <= word_count(alt) <= IMAGE_TEXT_MAX_WORDS:
                alts.add(normalise(alt))
        elif el.tag == "video" or any(p in (el.get("src") or "").lower() for p in _VIDEO_PLAYERS):
            video = True
    return video, frozenset(alts)


def _tidy_all(values: list[str]) -> list[str]:
    return [t for t in map(tidy_text, values) if t]


def _parse(html: str) -> HtmlElement:
    if len(html) > MAX_HTML_CHARS:
        html = html[:MAX_HTML_CHARS]
    tree = parse_html(html)
    if tree is None:
        raise ExtractionError("unparseable", "no HTML tree")
    return tree


__all__ = ["EXTRACTOR_VERSION", "ExtractedArticle", "ExtractionError", "extract_article"]


def _p_chars(tree: HtmlElement) -> int:
    # The text of the page's paragraphs: what its body holds at most, chrome paragraphs included.
    return sum(len(t) for p in tree.iter("p") for t in p.itertext())


def _text_chars(tree: HtmlElement) -> int:
    # All text left in the page once navigation, asides, forms and scripts are gone: a body set in
    # <div>s rather than <p>s (many CMSs) shows here and not in _p_chars.
    body = tree.find("body")
    return sum(len(t.strip()) for t in (body if body is not None else tree).itertext())


def extract_article(
    html: str, url: str, hints: Mapping[str, Any] | None = None, recall: bool = False
) -> ExtractedArticle:
    """Extract headline, body paragraphs and metadata from one decoded page.

    ``hints`` is what discovery knew before the fetch (feed or sitemap title, date, language,
    authors); it fills fields the page does not state. ``recall`` extracts the body in
    trafilatura's recall mode: the second try for a page whose cleaned body came out too short.
    """
    hints = hints or {}
    if not html or not html.strip():
        raise ExtractionError("empty", "no content")
    try:
        tree = _parse(html)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError("unparseable", str(exc)[:200]) from exc
    meta = read_metadata(tree)
    site_names = [n for n in (meta.site_name,) if n]
    title = choose_title(meta.titles, meta.h1, meta.html_title, site_names) or hints.get("title")
    published = choose_published(meta.published) or hints.get("published_at")
    if published is None:
        # No date in structured data or discovery: htmldate's heuristics on the markup (cheap
        # without its extensive search), on a copy because trafilatura prunes ``tree`` below.
        published = choose_published([find_date(deepcopy(tree), extensive_search=False) or ""])
    raw_authors = meta.authors
    has_video, image_texts = _media(tree)
    _pre_clean(tree, PRE_CLEANED - MAY_HOLD_BYLINE)
    if not raw_authors:
        # A byline in the page's markup (trafilatura's author xpaths; it copies the tree itself).
        byline = extract_author(tree)
        raw_authors = [byline] if byline else []
    authors = clean_authors(raw_authors, site_names)
    if not authors and hints.get("authors"):
        authors = clean_authors(list(hints["authors"]), site_names)
    _pre_clean(tree, PRE_CLEANED & MAY_HOLD_BYLINE)
    # trafilatura prunes the tree it is given: everything above reads it first.
    p_chars = _p_chars(tree)
    expected = expected_chars(meta.body_chars, p_chars, _text_chars(tree))
    # The standfirst shown above the body (newsbot.extract.lead), found before trafilatura prunes
    # the tree, goes first when the body lacks it.
    lead = shown_description(tree, meta.description)
    body = extract_body(tree, html, url, expected, recall=recall, ld_body=meta.ld_body, p_chars=p_chars)
    if lead and missing_lead(lead, body.paragraphs):
        body.paragraphs.insert(0, lead)
        body.blocks.insert(0, Block("p", -1, len(lead)))
    ld_article = next((t for t in meta.ld_types if "article" in t or t in ("report", "blogposting")), None)
    # The record's text fields, tidied here once: the dataset stores them as they are.
    # (Markup in metadata strings was decoded where they were read, in read_metadata.)
    title, shown = tidy_text(title), tidy_text(meta.h1)
    return ExtractedArticle(
        title=title,
        headline=shown if shown != title else None,
        paragraphs=_tidy_all(body.paragraphs),
        authors=_tidy_all(authors),
        published_at=published,
        description=tidy_text(meta.description or hints.get("description")),
        site_name=tidy_text(site_names[0]) if site_names else None,
        rel_canonical=meta.rel_canonical,
        og_url=meta.og_url,
        language=language_code(meta.html_lang) or language_code(meta.meta_lang) or hints.get("language"),
        categories=_tidy_all(meta.section or list(hints.get("categories", []))),
        tags=_tidy_all(meta.keywords or list(hints.get("tags", []))),
        page_type=ld_article or meta.og_type,
        is_article_markup=bool(ld_article) or meta.og_type == "article",
        has_video=has_video,
        image_texts=image_texts,
        extractor_version=EXTRACTOR_VERSION,
        blocks=body.blocks,
        extraction_path="recall" if recall else body.path,
    )
