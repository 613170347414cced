"""XML sitemaps: ``urlset``, ``sitemapindex``, gzip-compressed files, Google News and robots.txt.

Scrapy's own ``scrapy.utils.sitemap.Sitemap`` keeps only ``loc``/``lastmod`` and drops the
Google News namespace; news sitemaps carry the publication date, headline and language, which
newsbot keeps as metadata and uses as fallbacks, so sitemaps are parsed here.
"""

from __future__ import annotations

import logging
import struct
from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree
from scrapy.utils.gz import gunzip

from newsbot.discovery.entry import DiscoveredEntry
from newsbot.discovery.robots import cut_robots
from newsbot.extract.fields import parse_datetime
from newsbot.storage.text import tidy_text

logger = logging.getLogger(__name__)

#: A sitemap may hold 50,000 URLs and 50 MB uncompressed (sitemaps.org); allow some slack.
MAX_SITEMAP_BYTES = 64 * 1024 * 1024


class SitemapError(ValueError):
    """The document is not a sitemap."""


@dataclass
class Sitemap:
    kind: str  # "urlset" or "sitemapindex"
    entries: list[DiscoveredEntry] = field(default_factory=list)
    #: for a sitemap index: the child sitemaps
    sitemaps: list[str] = field(default_factory=list)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def maybe_gunzip(body: bytes, max_size: int = MAX_SITEMAP_BYTES) -> bytes:
    """Decompress a gzip body (``.xml.gz``) with a size cap that defuses compression bombs."""
    if body[:2] == b"\x1f\x8b":
        try:
            return gunzip(body, max_size=max_size)
        except ValueError as exc:  # raised by Scrapy's gunzip when max_size is exceeded
            raise SitemapError(f"decompressed size over {max_size} bytes") from exc
        except (OSError, EOFError, struct.error) as exc:
            raise SitemapError(f"bad gzip data: {exc}") from exc
    return body


_PARSER_KW = {"recover": True, "resolve_entities": False, "no_network": True, "huge_tree": False}


def parse_sitemap(body: bytes, url: str) -> Sitemap:
    """Parse a (possibly gzipped) sitemap or sitemap index."""
    data = maybe_gunzip(body)
    if not data.strip():
        raise SitemapError("empty document")
    try:
        root = etree.fromstring(data, parser=etree.XMLParser(**_PARSER_KW))
    except etree.XMLSyntaxError as exc:
        raise SitemapError(f"not XML: {exc}") from exc
    if root is None:
        raise SitemapError("not XML")
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise SitemapError(f"root element is <{kind}>, not <urlset> or <sitemapindex>")
    sm = Sitemap(kind=kind)
    for node in root:
        name = _local(node.tag)
        if kind == "sitemapindex" and name == "sitemap":
            loc = _child_text(node, "loc")
            if loc:
                sm.sitemaps.append(urljoin(url, loc))
        elif kind == "urlset" and name == "url":
            entry = _url_entry(node, url)
            if entry:
                sm.entries.append(entry)
    return sm


def _child_text(node: etree._Element, name: str) -> str | None:
    for child in node:
        if _local(child.tag) == name:
            text = "".join(child.itertext()).strip()
            return text or None
    return None


def _url_entry(node: etree._Element, base: str) -> DiscoveredEntry | None:
    loc = _child_text(node, "loc")
    if not loc:
        return None
    loc = urljoin(base, loc)
    if not loc.startswith(("http://", "https://")):
        return None
    entry = DiscoveredEntry(url=loc, lastmod=parse_datetime(_child_text(node, "lastmod")))
    for child in node:
        if _local(child.tag) != "news":
            continue
        entry.title = tidy_text(_child_text(child, "title"))
        entry.published_at = parse_datetime(_child_text(child, "publication_date"))
        kw = _child_text(child, "keywords")
        if kw:
            entry.keywords = [t for t in (tidy_text(k) for k in kw.split(",")) if t]
        for pub in child:
            if _local(pub.tag) == "publication":
                lang = (_child_text(pub, "language") or "").lower()
                # Google News uses ISO 639 codes, with zh-cn / zh-tw as the exceptions.
                entry.language = lang.split("-")[0] if lang else None
                name = tidy_text(_child_text(pub, "name"))
                if name:
                    entry.extra["site_name"] = name
    return entry


def sitemaps_from_robots(body: bytes, base: str, limit: int | None = None) -> list[str]:
    """``Sitemap:`` lines of a robots.txt, as absolute http(s) URLs (others are dropped).

    The first ``limit`` of them if given: reading stops there. Only the first 500 KiB of the file
    are read (:data:`newsbot.discovery.robots.MAX_ROBOTS_BYTES`).
    """
    out: list[str] = []
    for line in cut_robots(body)[0].decode("utf-8", "replace").splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap" and value.strip():
            url = urljoin(base, value.strip())
            if url.lower().startswith(("http://", "https://")):
                out.append(url)
                if limit is not None and len(out) >= limit:
                    break
    return out
