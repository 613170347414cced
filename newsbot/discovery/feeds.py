"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds, parsed by feedparser into discovery entries.

feedparser is lenient by design: a feed with an XML error ("bozo") still yields the entries it
could read, which is what a crawler wants from the feeds found in the wild. Titles, summaries and
names may carry HTML (a summary nearly always does): they are decoded to text here, once.
"""

from __future__ import annotations

import calendar
import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from newsbot.discovery.entry import DiscoveredEntry
from newsbot.extract.fields import parse_datetime
from newsbot.storage.text import clean_text

logger = logging.getLogger(__name__)


class FeedError(ValueError):
    """The document is not a feed at all (nothing usable in it), or one that is refused."""

    def __init__(self, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        #: refused on purpose (a hostile construct), not merely unreadable
        self.refused = refused

    def __reduce__(self) -> tuple[Any, ...]:
        # raised in a worker process (a large feed), re-raised in the main one: keep both fields
        return (_feed_error, (str(self), self.refused))


def _feed_error(message: str, refused: bool) -> FeedError:
    return FeedError(message, refused=refused)


def declares_entities(body: bytes) -> bool:
    """Whether the document declares XML entities (``<!ENTITY`` in its DTD).

    feedparser removes entity declarations only where they start a line; written on one line they
    reach expat, which expands them ("billion laughs": 1 KB of feed, megabytes of title) up to its
    amplification limit. No news feed needs its own entities.
    """
    if b"<!ENTITY" in body:
        return True
    if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "<!ENTITY" in body.decode("utf-16", "ignore")
    return False


def _when(entry: feedparser.FeedParserDict, *keys: str) -> datetime | None:
    for key in keys:
        # dict.get bypasses FeedParserDict's deprecated updated->published key mapping
        parsed = dict.get(entry, f"{key}_parsed")
        if parsed:
            try:
                dt = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
            except (OverflowError, ValueError):
                continue
            # Re-validate through the same bounds as page dates (no future, nothing before 1990).
            return parse_datetime(dt.isoformat())
        raw = dict.get(entry, key)
        if isinstance(raw, str):
            dt = parse_datetime(raw)
            if dt:
                return dt
    return None


def _language(value: str | None) -> str | None:
    if not value:
        return None
    code = value.strip().split("-")[0].split("_")[0].lower()
    return code if len(code) == 2 and code.isalpha() else None


def parse_feed(body: bytes, url: str) -> list[DiscoveredEntry]:
    """Entries of an RSS/Atom feed, in feed order, with the metadata the feed gives.

    Raises :class:`FeedError` if the document holds no feed at all, or declares XML entities.
    """
    if declares_entities(body):
        raise FeedError("declares XML entities (refused: entity expansion)", refused=True)
    parsed = feedparser.parse(body, response_headers={"content-location": url})
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        reason = str(parsed.get("bozo_exception") or "no feed entries")
        raise FeedError(f"not a feed: {reason[:200]}")
    feed_lang = _language(parsed.feed.get("language"))
    out: list[DiscoveredEntry] = []
    for entry in parsed.entries:
        link = entry.get("link") or ""
        if not link:
            # Atom entries may carry only <link rel="alternate">; RSS 2.0 may use a permalink guid.
            for ln in entry.get("links", []):
                if ln.get("rel", "alternate") == "alternate" and ln.get("href"):
                    link = ln["href"]
                    break
            else:
                guid = entry.get("id") or ""
                if guid.startswith(("http://", "https://")):
                    link = guid
        if not link:
            continue
        link = urljoin(url, link.strip())
        if not link.startswith(("http://", "https://")):
            continue
        authors = [a.get("name") for a in entry.get("authors", []) if a.get("name")]
        if not authors and entry.get("author"):
            authors = [entry["author"]]
        authors = [c for c in map(clean_text, authors) if c]
        out.append(
            DiscoveredEntry(
                url=link,
                title=clean_text(entry.get("title")),
                published_at=_when(entry, "published", "updated", "created"),
                language=_language(entry.get("language")) or feed_lang,
                authors=authors,
                description=(clean_text(entry.get("summary")) or "")[:2000] or None,
                categories=[c for c in (clean_text(t.get("term")) for t in entry.get("tags", [])) if c],
            )
        )
    if not out and parsed.bozo:
        # A body cut off mid-entry (a truncated download, a server that died while writing) gives
        # feedparser's loose parser entries without links: nothing usable, and not "empty".
        reason = str(parsed.get("bozo_exception") or "parse error")
        raise FeedError(f"no usable entry in a feed that does not parse completely: {reason[:200]}")
    return out
