"""What every newsbot spider shares: article requests, the article callback, rejects."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.referer import DefaultReferrerPolicy
from twisted.python.failure import Failure

from newsbot import __version__
from newsbot import signals as nb_signals
from newsbot.config.args import split_list
from newsbot.discovery.backlog import Backlog
from newsbot.discovery.entry import DiscoveredEntry
from newsbot.items import ArticleItem
from newsbot.middlewares.failures import failure_reason, is_host_failure
from newsbot.middlewares.stopping import stopped_before_fetch

logger = logging.getLogger(__name__)

HTML_TYPES = (b"text/html", b"application/xhtml+xml")
# Magic numbers of formats that servers label text/html by mistake.
_BINARY_MAGIC = (
    b"%PDF-",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"\x00\x00\x01\x00",
)


def _looks_binary(body: bytes) -> bool:
    """Binary data, not text: a known magic number, or many control bytes in the first KiB.

    A stray NUL in otherwise normal HTML is malformed text, not binary; UTF-16 pages are full of
    NULs but start with a BOM, which decoding honours.
    """
    head = body[:1024]
    if head.lstrip().startswith(_BINARY_MAGIC):
        return True
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    controls = sum(1 for b in head if b < 0x09 or 0x0E <= b < 0x20)
    return controls > len(head) // 20


def ad_hoc_source(url: str) -> str:
    """Source id of a URL given on the command line: its host (with the port if not default)."""
    parts = urlsplit(url)
    host = (parts.hostname or "unknown").removeprefix("www.")
    return f"{host}:{parts.port}" if parts.port else host


def _canonicalizer() -> Any:
    from newsbot.identify.canonical import canonicalize

    return canonicalize


def _seen_store(crawler: Any) -> Any:
    from newsbot.identify.seen import get_seen

    return get_seen(crawler)


#: Scrapy's default policy (RefererMiddleware's): the listing's URL, unless https leads to http.
_REFERRER_POLICY = DefaultReferrerPolicy()

#: An admitted article until its request is built: (entry, source, discovery, discovered from).
_Listed = tuple[DiscoveredEntry, str, str, "str | None"]


class NewsbotSpider(Spider):
    """Base class: subclasses discover entries and call :meth:`article_request`."""

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        contact = settings.get("NEWSBOT_CONTACT")
        if contact and settings.getpriority("USER_AGENT") <= settings.getpriority("NEWSBOT_CONTACT"):
            settings.set(
                "USER_AGENT",
                f"newsbot/{__version__} (+{contact})",
                priority=settings.getpriority("NEWSBOT_CONTACT"),
            )

    @classmethod
    def check_arguments(cls, kwargs: dict[str, Any], settings: BaseSettings) -> None:
        """Raise :class:`~newsbot.config.errors.ConfigError` for arguments the spider would refuse.

        Called by the entry points (``newsbot crawl``, the project's ``scrapy crawl``) before a
        crawler exists, so a bad ``-a`` stops the run with one line and exit code 2 before the
        engine starts; the spider's own construction still raises the same error when it is
        built some other way. ``settings``: the run's, for arguments that have a setting too.
        """

    def _setup_discovery(self) -> None:
        self._canonical = _canonicalizer()
        self._scheduled: set[str] = set()
        self._seen = _seen_store(self.crawler)
        self._languages = {code.lower() for code in split_list(self.settings.get("NEWSBOT_LANGUAGES"))}
        self._backlog: Backlog[_Listed] = Backlog.from_crawler(self.crawler, self._build_article_request)
        self._max_url_length = self.settings.getint("URLLENGTH_LIMIT", 2083) or float("inf")

    def _inc(self, key: str, source: str | None = None, n: int = 1) -> None:
        self.crawler.stats.inc_value(f"newsbot/{key}", n)
        if source:
            self.crawler.stats.inc_value(f"newsbot/source/{source}/{key}", n)

    def admit(self, url: str, language: str | None, source: str) -> bool:
        """Whether a listed article goes on: not in an unwanted language, not already listed in
        this run, not already stored. Counted per source under ``discovery/...``."""
        if not hasattr(self, "_scheduled"):
            self._setup_discovery()
        self._inc("discovery/listed", source)
        if len(url) > self._max_url_length:
            # UrlLengthMiddleware's limit, applied here for the requests the backlog releases too
            self._inc("discovery/skipped_url_length", source)
            return False
        if self._languages and language and language not in self._languages:
            self._inc("discovery/skipped_language", source)
            return False
        key = self._canonical(url)
        if key in self._scheduled:
            self._inc("discovery/skipped_queued", source)
            return False
        if self._seen is not None and url in self._seen:
            self._inc("discovery/skipped_stored", source)
            return False
        self._scheduled.add(key)
        self._inc("discovery/requested", source)
        return True

    def article_request(
        self,
        entry: DiscoveredEntry,
        *,
        source: str,
        discovery: str,
        discovered_from: str | None,
    ) -> Request | None:
        """A request for the article to yield; None if it is filtered, already stored or already
        queued, or if it waits in the backlog (:mod:`newsbot.discovery.backlog`), which
        schedules it later itself."""
        if not self.admit(entry.url, entry.language, source):
            return None
        return self._backlog.submit((entry, source, discovery, discovered_from))

    def _build_article_request(self, listed: _Listed) -> Request:
        entry, source, discovery, discovered_from = listed
        # Set here, not left to RefererMiddleware: a request the backlog releases later goes to
        # the engine directly, past the spider middlewares; both kinds must carry the same header.
        referer = _REFERRER_POLICY.referrer(discovered_from, entry.url) if discovered_from else None
        return Request(
            entry.url,
            headers={"Referer": referer} if referer else None,
            callback=self.parse_article,
            errback=self.article_failed,
            meta={
                "newsbot_source": source,
                "newsbot_discovery": discovery,
                "newsbot_from": discovered_from,
                "newsbot_hints": entry.hints(),
                "newsbot_listed_url": entry.url,
            },
        )

    def _reject(
        self, url: str, meta: dict[str, Any], reason: str, detail: str = "", status: int | None = None
    ) -> None:
        self.crawler.signals.send_catch_log(
            nb_signals.page_rejected,
            url=url,
            source=meta.get("newsbot_source"),
            reason=reason,
            detail=detail,
            http_status=status,
            discovery=meta.get("newsbot_discovery"),
            discovered_from=meta.get("newsbot_from"),
            discovered_url=meta.get("newsbot_listed_url"),
        )

    def parse_article(self, response: Response) -> Iterator[ArticleItem]:
        """The fetched page as an item; anything that is not an HTML page becomes a reject.

        Hostile responses (binary data labelled text/html, undecodable bytes, NUL bytes) end
        here as a counted reject with a log line, never as an exception in the callback.
        """
        meta = response.meta
        try:
            item = self._article_item(response)
        except Exception as exc:  # a page must never crash the crawl
            logger.warning("Cannot read %s: %s: %s", response.url, type(exc).__name__, exc)
            self._reject(
                response.url, meta, "unreadable", f"{type(exc).__name__}: {exc}"[:300], response.status
            )
            return
        if item is not None:
            yield item

    def _article_item(self, response: Response) -> ArticleItem | None:
        meta = response.meta
        ctype = response.headers.get(b"Content-Type", b"").split(b";")[0].strip().lower()
        body = response.body
        if not body.strip():
            self._reject(response.url, meta, "empty", "empty response body", response.status)
            return None
        sniff = body[:1024].lstrip().lower()
        looks_html = sniff.startswith((b"<!doctype html", b"<html")) or b"<html" in sniff or b"<head" in sniff
        if not (ctype in HTML_TYPES or (looks_html and (not ctype or ctype.startswith(b"text/")))):
            self._reject(
                response.url, meta, "not_html", ctype.decode("latin-1") or "unknown type", response.status
            )
            return None
        if _looks_binary(body):
            # Labelled HTML but it is not text (a PDF, an image, a compressed blob served raw).
            self._reject(response.url, meta, "not_html", "binary content labelled as HTML", response.status)
            return None
        header = response.headers.get(b"Content-Type", b"").decode("latin-1")
        warc = meta.get("newsbot_warc")
        # Decoded in the extraction worker: a decoded page is 1-4 times its bytes in memory here.
        return ArticleItem(
            url=response.url,
            source=meta["newsbot_source"],
            fetched_at=datetime.now(UTC),
            http_status=response.status,
            discovery=meta.get("newsbot_discovery", "url"),
            discovered_from=meta.get("newsbot_from"),
            discovered_url=meta.get("newsbot_listed_url"),
            html=body,
            content_type=header,
            hints=dict(meta.get("newsbot_hints") or {}),
            warc_file=warc.file if warc is not None else None,
            warc_offset=warc.offset if warc is not None else None,
        )

    def article_failed(self, failure: Failure) -> None:
        if stopped_before_fetch(failure):
            return  # never sent: the next run lists it again
        request = failure.request  # type: ignore[attr-defined]
        reason, detail, status = failure_reason(failure)
        self._reject(request.url, request.meta, reason, detail, status)

    def source_failed(self, failure: Failure) -> None:
        """Errback of feed and sitemap requests: counted per source and rejected, never fatal."""
        if stopped_before_fetch(failure):
            return
        request = failure.request  # type: ignore[attr-defined]
        source = request.meta.get("newsbot_source")
        reason, detail, status = failure_reason(failure)
        # A host that is down is one WARNING line of HostFailureLog, not one per listing.
        level = logging.DEBUG if is_host_failure(reason, status) else logging.WARNING
        logger.log(
            level,
            "Source %s: cannot fetch %s (%s%s)",
            source,
            request.url,
            reason,
            f": {detail}" if detail else "",
        )
        self._inc("discovery/errors", source)
        self._reject(request.url, {**request.meta, "newsbot_discovery": "listing"}, reason, detail, status)
