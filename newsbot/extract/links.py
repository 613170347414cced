"""The links of a page's text blocks, read from the page before trafilatura prunes it.

trafilatura's body tree is built with ``include_links=False`` (with links it keeps link-dense
sections it otherwise drops), so what a body paragraph links to is looked up in the page instead:
:func:`link_index` maps the text of each block-level element (paragraph, list item, heading, table
cell, ...) to its :class:`LinkFacts`, and a body paragraph finds its element by the same text
(letters and digits only, case folded: trafilatura re-spaces text and adds list markers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

_BLOCK_TAGS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "td", "th", "blockquote", "pre")
_NON_WORD = re.compile(r"[\W_]+")
#: Elements whose text is longer than this are not looked up (a paragraph of prose has few links
#: and its key would be long to hash): their facts are "no links".
MAX_KEY_CHARS = 2000


def text_key(text: str) -> str:
    """Letters and digits of ``text``, case folded: what a body paragraph and its element share."""
    return _NON_WORD.sub("", text).casefold()


@dataclass(frozen=True, slots=True)
class LinkFacts:
    #: characters of the key that are link text
    link_chars: int
    links: int
    #: links to another page of the same site (not the page itself)
    site_links: int


def site_of(host: str) -> str:
    host = host.lower().split(":")[0]
    return host[4:] if host.startswith("www.") else host


def _to_site(href: str | None, url: str | None, site: str, page_path: str) -> bool:
    """Does ``href`` lead to another page of the site (``site``, the page at ``page_path``)?"""
    href = (href or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return False
    try:
        target = urlsplit(urljoin(url or "", href)) if url else urlsplit(href)
    except ValueError:  # "http://[not-an-address]/": no site to compare
        return False
    if not target.netloc or site_of(target.netloc) != site:
        return False
    path = target.path.rstrip("/")
    return bool(path) and path != page_path


def link_index(tree: HtmlElement, url: str | None) -> dict[str, LinkFacts]:
    """Facts of every block-level element of ``tree`` that holds a link, by :func:`text_key`."""
    page = urlsplit(url or "")
    site, page_path = site_of(page.netloc), page.path.rstrip("/")
    # A link sits in several nested blocks (li > p > a) and a menu's hrefs recur on the page: each
    # link's text and each href's site are worked out once.
    to_site: dict[str | None, bool] = {}
    anchors_seen: dict[HtmlElement, tuple[str, bool]] = {}

    def anchor(a: HtmlElement) -> tuple[str, bool]:
        """The link's :func:`text_key` and whether it leads to another page of the site."""
        facts = anchors_seen.get(a)
        if facts is None:
            href = a.get("href")
            ours = to_site.get(href)
            if ours is None:
                ours = to_site[href] = _to_site(href, url, site, page_path)
            facts = anchors_seen[a] = (text_key(a.text_content()), ours)
        return facts

    index: dict[str, LinkFacts] = {}
    for el in tree.iter(*_BLOCK_TAGS):
        anchors = list(el.iter("a"))
        if not anchors:
            continue
        key = text_key(el.text_content())
        if not key or len(key) > MAX_KEY_CHARS or key in index:
            continue
        link_chars = site_links = links = 0
        for a in anchors:
            link_key, ours = anchor(a)
            if not link_key:
                continue
            links += 1
            link_chars += len(link_key)
            site_links += ours
        index[key] = LinkFacts(min(link_chars, len(key)), links, site_links)
    # A link that holds the block itself (a "read more" card: <a><span>Also on ...</span><span>
    # headline</span></a>, set between the paragraphs) is in no block element: trafilatura still
    # makes a body line of its text, which is all link.
    for a in tree.iter("a"):
        if not len(a):  # a link of plain text sits inside a block element, indexed above
            continue
        key, ours = anchor(a)
        if not key or len(key) > MAX_KEY_CHARS or key in index:
            continue
        index[key] = LinkFacts(len(key), 1, int(ours))
    return index
