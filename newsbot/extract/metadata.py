"""Page metadata read from the markup before trafilatura touches the tree.

trafilatura's own metadata gives the date without the time of day and the title with the
site-name suffix of ``<title>``; news pages nearly always carry better values in JSON-LD and in
``<meta>`` tags, which are read here.

JSON-LD values and ``<meta content>`` attributes are where CMSs leave HTML in a string (``&amp;``
escaped twice, ``&#8217;`` inside JSON, ``<p>`` in a description): those strings are decoded and
stripped of tags here, once (:func:`newsbot.storage.text.clean_text`). An element's text content is
already text and is only tidied.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml.html import HtmlElement

from newsbot.storage.text import clean_text, tidy_text

logger = logging.getLogger(__name__)

_ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "blogposting",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "liveblogposting",
    "report",
    "socialmediaposting",
    "posting",
    "scholarlyarticle",
    "techarticle",
}


@dataclass
class PageMeta:
    """Raw metadata strings as the page states them (normalisation happens later)."""

    titles: list[str] = field(default_factory=list)  # best first
    h1: str | None = None
    html_title: str | None = None
    site_name: str | None = None
    description: str | None = None
    published: list[str] = field(default_factory=list)  # raw date strings, best first
    modified: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    rel_canonical: str | None = None
    og_url: str | None = None
    og_type: str | None = None
    ld_types: list[str] = field(default_factory=list)
    html_lang: str | None = None
    meta_lang: str | None = None
    keywords: list[str] = field(default_factory=list)
    section: list[str] = field(default_factory=list)
    amphtml: str | None = None
    #: length of the JSON-LD ``articleBody``, when the page states one: what a body should hold
    body_chars: int = 0
    #: the JSON-LD ``articleBody`` itself (the body of last resort, see newsbot.extract.body)
    ld_body: str | None = None


def _text(el: HtmlElement) -> str:
    return tidy_text(el.text_content()) or ""


def _meta(tree: HtmlElement) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for el in tree.iterfind(".//meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        val = clean_text(el.get("content"))
        if key and val:
            out.setdefault(key, []).append(val)
    return out


def _ld_objects(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    for script in tree.iterfind(".//script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            # Some CMSs emit trailing commas or several objects; skip rather than guess.
            continue
        stack = [data]
        while stack:
            obj = stack.pop()
            if isinstance(obj, list):
                stack.extend(reversed(obj))
            elif isinstance(obj, dict):
                if "@graph" in obj:
                    stack.append(obj["@graph"])
                yield obj


def _ld_types(obj: dict[str, Any]) -> list[str]:
    t = obj.get("@type")
    types = t if isinstance(t, list) else [t]
    return [str(x).lower() for x in types if x]


def _names(value: Any) -> list[str]:
    """Names from a JSON-LD author/publisher value (string, object or list of either)."""
    out: list[str] = []
    for v in value if isinstance(value, list) else [value]:
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, dict) and isinstance(v.get("name"), str):
            out.append(v["name"])
    return [c for c in map(clean_text, out) if c]


def _strings(value: Any) -> list[str]:
    """The strings of a JSON-LD value (a string or a list), decoded from any HTML they carry."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [c for c in (clean_text(v) for v in value if isinstance(v, str)) if c]


def read_metadata(tree: HtmlElement) -> PageMeta:
    m = PageMeta()
    meta = _meta(tree)

    def first(*keys: str) -> str | None:
        for k in keys:
            if meta.get(k):
                return meta[k][0]
        return None

    ld_article: dict[str, Any] | None = None
    ld_publisher: str | None = None
    for obj in _ld_objects(tree):
        types = _ld_types(obj)
        m.ld_types.extend(types)
        if ld_article is None and _ARTICLE_TYPES.intersection(types):
            ld_article = obj
        if ld_publisher is None and "website" in types and _strings(obj.get("name")):
            ld_publisher = _strings(obj.get("name"))[0]
    if ld_article is not None:
        for key in ("headline", "name", "alternativeHeadline"):
            m.titles.extend(_strings(ld_article.get(key)))
        m.published.extend(_strings(ld_article.get("datePublished")))
        m.published.extend(_strings(ld_article.get("dateCreated")))
        m.modified.extend(_strings(ld_article.get("dateModified")))
        m.authors.extend(_names(ld_article.get("author")))
        m.authors.extend(_names(ld_article.get("creator")))
        pubs = _names(ld_article.get("publisher"))
        if pubs:
            ld_publisher = ld_publisher or pubs[0]
        m.section.extend(_strings(ld_article.get("articleSection")))
        kw = ld_article.get("keywords")
        if isinstance(kw, str):
            m.keywords.extend(k.strip() for k in (clean_text(kw) or "").split(","))
        else:
            m.keywords.extend(_strings(kw))
        descriptions = _strings(ld_article.get("description"))
        if descriptions:
            m.description = descriptions[0]
        if isinstance(ld_article.get("articleBody"), str):
            m.ld_body = ld_article["articleBody"]
            m.body_chars = len(" ".join(m.ld_body.split()))

    for key in ("og:title", "twitter:title", "title", "dc.title", "sailthru.title"):
        m.titles.extend(meta.get(key, []))
    h1s = [t for t in (_text(h) for h in tree.iterfind(".//h1")) if t]
    m.h1 = h1s[0] if h1s else None
    title_el = tree.find(".//title")
    m.html_title = _text(title_el) if title_el is not None else None
    m.site_name = first("og:site_name", "application-name", "publisher", "dc.publisher") or ld_publisher
    m.description = m.description or first("og:description", "description", "twitter:description")
    m.published.extend(
        v
        for k in (
            "article:published_time",
            "og:published_time",
            "datepublished",
            "publish-date",
            "publishdate",
            "pubdate",
            "date",
            "dc.date.issued",
            "dc.date",
            "dcterms.created",
            "sailthru.date",
            "parsely-pub-date",
            "article.published",
            "publication_date",
        )
        for v in meta.get(k, [])
    )
    for t in tree.iterfind(".//time"):
        if t.get("datetime") and (
            t.get("itemprop") == "datePublished" or "publish" in (t.get("class") or "")
        ):
            m.published.append(t.get("datetime"))
    m.modified.extend(meta.get("article:modified_time", []))
    for k in ("author", "article:author", "dc.creator", "byl", "sailthru.author", "parsely-author"):
        m.authors.extend(v for v in meta.get(k, []) if not v.startswith("http"))
    for link in tree.iterfind(".//link"):
        rel = (link.get("rel") or "").lower().split()
        href = (link.get("href") or "").strip()
        if not href:
            continue
        if "canonical" in rel and m.rel_canonical is None:
            m.rel_canonical = href
        elif "amphtml" in rel and m.amphtml is None:
            m.amphtml = href
    m.og_url = first("og:url")
    m.og_type = (first("og:type") or "").lower() or None
    m.html_lang = (tree.get("lang") or tree.get("xml:lang") or "").strip() or None
    m.meta_lang = first("content-language", "og:locale", "language", "dc.language")
    m.keywords.extend(
        k.strip() for v in meta.get("keywords", []) + meta.get("news_keywords", []) for k in v.split(",")
    )
    m.keywords.extend(meta.get("article:tag", []))
    m.section.extend(meta.get("article:section", []))
    m.keywords = _dedupe(k for k in m.keywords if k)
    m.section = _dedupe(s for s in m.section if s)
    return m


def _dedupe(values: Iterator[str] | list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for v in values:
        key = v.casefold()
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


LANG_RE = re.compile(r"^([A-Za-z]{2})(?:[-_].*)?$")


def language_code(value: str | None) -> str | None:
    """ISO 639-1 code from an ``lang``/locale value such as ``en-GB`` or ``fr_FR``."""
    if not value:
        return None
    m = LANG_RE.match(value.strip())
    return m.group(1).lower() if m else None
