"""Keeping the raw pages of a crawl (``NEWSBOT_WARC_ENABLED``): every article and listing response.

:class:`WarcRecorderMiddleware` is a downloader middleware placed just after Scrapy's
``HttpCompressionMiddleware`` (590) on the way back, so it sees each response once, decoded, before
newsbot's own middlewares turn a meta refresh or a 304 into something else. It appends the request
and the response to the crawl's :class:`CrawlWarcWriter` (a shared component,
``NEWSBOT_WARC_WRITER_CLASS``) and leaves where the response record is in
``request.meta["newsbot_warc"]``, from which the spider fills the item's ``warc_file`` and
``warc_offset``. The store asks the same component to publish a WARC file before it writes a
dataset file whose rows name it (:meth:`CrawlWarcWriter.seal_for`).

Scrapy has already decoded the body (gzip, deflate, br, zstd) and de-chunked it, so the stored
headers say so: ``Content-Encoding`` of a decoded body and ``Transfer-Encoding`` are dropped and
``Content-Length`` is the stored length, which keeps the record readable by every WARC tool (a
replay would otherwise try to gunzip plain HTML). Scrapy-internal fetches (robots.txt for the
robots middleware) are not kept.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK

from newsbot.archive.writer import WARC_DIR, Fetch, RecordRef, WarcFileWriter
from newsbot.config.declared import getbool, getint
from newsbot.config.run import run_id
from newsbot.extensions.components import component
from newsbot.storage.location import output_location
from newsbot.storage.parquet import remove_stale_temp_files

logger = logging.getLogger(__name__)

#: the request meta key holding the :class:`RecordRef` of the response
META_KEY = "newsbot_warc"
_DROPPED = frozenset({b"transfer-encoding", b"content-length"})


def _decode(value: bytes) -> str:
    return value.decode("latin-1")


def _headers(headers: Any, *, drop: frozenset[bytes] = frozenset()) -> list[tuple[str, str]]:
    out = []
    for key, values in headers.items():
        if key.lower() in drop:
            continue
        for value in values:
            out.append((_decode(key), _decode(value)))
    return out


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def fetch_kind(request: Request) -> str | None:
    """``article``, ``listing`` (feeds, sitemaps, robots.txt of a source, API calls) or None
    (a fetch of Scrapy's own, not kept)."""
    callback = request.callback
    if callback is NO_CALLBACK:
        return None
    if getattr(callback, "__name__", None) == "parse_article":
        return "article"
    return "listing"


#: request meta → context key (:data:`newsbot.archive.writer.CONTEXT_HEADER`)
_CONTEXT = {
    "newsbot_source": "source",
    "newsbot_discovery": "discovery",
    "newsbot_from": "discovered_from",
    "newsbot_listed_url": "discovered_url",
    "newsbot_hints": "hints",
}


def fetch_context(request: Request) -> dict[str, Any]:
    """What the spider knew of an article before fetching it, as its request meta carries it."""
    return {key: request.meta[m] for m, key in _CONTEXT.items() if request.meta.get(m)}


def response_fetch(request: Request, response: Response, kind: str) -> Fetch:
    headers = _headers(response.headers, drop=_DROPPED)
    headers.append(("Content-Length", str(len(response.body))))
    protocol = response.protocol or "HTTP/1.1"
    return Fetch(
        url=response.url,
        method=request.method,
        request_headers=_headers(request.headers),
        request_body=request.body,
        status=response.status,
        reason=_reason(response.status),
        protocol=protocol.upper() if protocol.lower().startswith("http/") else "HTTP/1.1",
        response_headers=headers,
        body=response.body,
        fetched_at=datetime.now(UTC),
        ip_address=str(response.ip_address) if response.ip_address is not None else None,
        kind=kind,
        context=fetch_context(request) if kind == "article" else None,
    )


class CrawlWarcWriter:
    """The crawl's WARC files (a component: :mod:`newsbot.extensions.components`)."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not getbool(settings, "NEWSBOT_WARC_ENABLED"):
            raise NotConfigured
        self.crawler = crawler
        self.location = output_location(settings)
        self.writer = WarcFileWriter(
            self.location, f"newsbot-{run_id(crawler)}", max_size=getint(settings, "NEWSBOT_WARC_MAX_SIZE")
        )
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlWarcWriter:
        return cls(crawler)

    def spider_opened(self) -> None:
        removed = remove_stale_temp_files(self.location.child(WARC_DIR))
        if removed:
            logger.info("Removed %d partial WARC files left by an interrupted run", removed)

    def record(self, request: Request, response: Response, kind: str) -> RecordRef | None:
        """Append one fetch; None when the write failed (the run is then stopped)."""
        try:
            ref = self.writer.write(response_fetch(request, response, kind))
        except OSError as exc:
            self._failed(exc)
            return None
        self.crawler.stats.inc_value(f"newsbot/warc/{kind}_records")
        return ref

    def seal_for(self, files: set[str]) -> None:
        """Publish the WARC files among ``files`` not in place yet; OSError if that fails."""
        before = len(self.writer.published)
        self.writer.seal_if(files)
        self.crawler.stats.inc_value("newsbot/warc/files", len(self.writer.published) - before)

    def spider_closed(self) -> None:
        before = len(self.writer.published)
        try:
            self.writer.seal()
        except OSError as exc:
            self._failed(exc)
            self.writer.discard()
        self.crawler.stats.inc_value("newsbot/warc/files", len(self.writer.published) - before)
        if self.writer.published:
            logger.info(
                "Kept %d raw responses in %d WARC files under %s",
                self.writer.records,
                len(self.writer.published),
                self.location.uri_of(WARC_DIR),
            )

    def _failed(self, exc: OSError) -> None:
        from newsbot.pipelines.store import stop_on_write_failure  # the store imports this module

        stop_on_write_failure(self.crawler, self.location.uri_of(WARC_DIR), exc, 0)


def warc_writer(crawler: Crawler) -> CrawlWarcWriter | None:
    """The crawl's WARC writer; None when ``NEWSBOT_WARC_ENABLED`` is off."""
    return component(crawler, "NEWSBOT_WARC_WRITER_CLASS")


class WarcRecorderMiddleware:
    """Appends every article and listing response to the crawl's WARC files."""

    def __init__(self, writer: CrawlWarcWriter) -> None:
        self.writer = writer

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcRecorderMiddleware:
        writer = warc_writer(crawler)
        if writer is None:
            raise NotConfigured
        return cls(writer)

    def process_response(self, request: Request, response: Response) -> Response:
        kind = fetch_kind(request)
        if kind is not None:
            ref = self.writer.record(request, response, kind)
            if ref is not None:
                request.meta[META_KEY] = ref
        return response
