"""The ``warc`` spider: backfill from WARC files, nothing fetched.

    scrapy crawl warc -a files=PATH_OR_URL,... [-a sources=ID,...] [-a hosts=HOST,...]
                      [-a since=YYYY-MM-DD] [-a until=YYYY-MM-DD] [-a patterns=REGEX,...]
                      [-a languages=CODE,...]
                      [-a context=kept]

Each HTTP response record of the files (local ``.warc``/``.warc.gz`` paths or http(s) URLs, read
as streams: :mod:`newsbot.archive.reader`) becomes the item the ``news`` spider yields for a
fetched page, with the record's WARC-Date as ``fetched_at`` and ``discovery="warc"``, and goes
through the same pipelines. The filters apply before extraction, and before a record's payload is
even read: host (``sources`` of the registry by id, or ``hosts``), the fetch date range (inclusive,
UTC days) and URL patterns; then the declared language (``languages``, else
``NEWSBOT_LANGUAGES``: the ``<html lang>`` or the Content-Language header), before extraction.

A file is skipped when an earlier backfill into the same output finished it (the ledger of
:mod:`newsbot.archive.ledger`; :mod:`newsbot.archive.progress` says when a file is finished).

``-a context=kept`` (what ``newsbot reprocess`` passes): a record newsbot's own crawl wrote (its
``WARC-Newsbot-Context`` header) keeps the source, discovery path, listing and listing hints the
crawl had, so the reprocessed record is the crawl's again, not a ``warc`` backfill's.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Headers, Response
from scrapy.settings import BaseSettings

from newsbot.archive.ledger import open_ledger
from newsbot.archive.progress import FileProgress
from newsbot.archive.reader import WarcError, WarcPage, is_remote, iter_file
from newsbot.archive.writer import RecordRef, decode_context
from newsbot.config.args import split_list
from newsbot.config.errors import ConfigError
from newsbot.config.paths import resolve, settings_path
from newsbot.config.sources import Source, load_sources
from newsbot.extract.metadata import language_code
from newsbot.spiders.base import NewsbotSpider, ad_hoc_source
from newsbot.storage.location import output_location

logger = logging.getLogger(__name__)

KNOWN = ("files", "sources", "hosts", "since", "until", "patterns", "languages", "context")
#: where a page declares its language: the ``lang`` of its ``<html>`` tag, near the start
_HTML_TAG = re.compile(rb"<html\b[^>]*>", re.IGNORECASE)
_LANG_ATTR = re.compile(
    rb"""\s(?:xml:)?lang\s*=\s*["']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)""", re.IGNORECASE
)
_HEAD_BYTES = 65536


#: request meta key (after ``newsbot_``) → key of the kept context (newsbot.archive.recorder)
_KEPT = {
    "source": "source",
    "discovery": "discovery",
    "from": "discovered_from",
    "listed_url": "discovered_url",
    "hints": "hints",
}


def _day(value: str | None, arg: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ConfigError("spider argument", arg, f"{value!r} is not a YYYY-MM-DD date") from None


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def _parse_arguments(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The spider's arguments, checked: ConfigError naming the first bad one."""
    unknown = sorted(set(kwargs) - set(KNOWN))
    if unknown:
        raise ConfigError("spider argument", unknown[0], f"unknown argument (known: {', '.join(KNOWN)})")
    files = split_list(kwargs.get("files"))
    if not files:
        raise ConfigError("spider argument", "files", "no WARC file given (-a files=PATH_OR_URL,...)")
    for f in files:
        if not is_remote(f) and not Path(f).is_file():
            raise ConfigError("spider argument", "files", f"{f}: no such file")
    since = _day(kwargs.get("since"), "since")
    until = _day(kwargs.get("until"), "until")
    if since and until and until < since:
        raise ConfigError("spider argument", "until", "ends before 'since'")
    try:
        patterns = [re.compile(p) for p in split_list(kwargs.get("patterns"))]
    except re.error as e:
        raise ConfigError("spider argument", "patterns", f"not a regular expression ({e})") from None
    languages = {c.lower() for c in split_list(kwargs.get("languages"))}
    bad = sorted(c for c in languages if not re.fullmatch(r"[a-z]{2}", c))
    if bad:
        raise ConfigError("spider argument", "languages", f"{bad[0]!r} is not an ISO 639-1 code")
    context = (kwargs.get("context") or "").strip()
    if context not in ("", "kept"):
        raise ConfigError("spider argument", "context", f"{context!r}: the one value is 'kept'")
    return {
        "context": context == "kept",
        "files": files,
        "sources": split_list(kwargs.get("sources")),
        "hosts": {h.lower().removeprefix("www.") for h in split_list(kwargs.get("hosts"))},
        "since": since,
        "until": until,
        "patterns": patterns,
        "languages": languages,
    }


class WarcSpider(NewsbotSpider):
    name = "warc"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args)
        a = _parse_arguments(kwargs)
        self.files = a["files"]
        self.source_ids = a["sources"]
        self.extra_hosts = a["hosts"]
        self.since, self.until = a["since"], a["until"]
        self.patterns = a["patterns"]
        self.languages = a["languages"]
        self.keep_context = a["context"]

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> WarcSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._load_registry()
        spider.ledger = open_ledger(crawler.settings)
        spider.progress = FileProgress(crawler, spider.ledger)
        # items read ahead of the pipelines: enough to keep every worker busy, and no more
        spider.max_in_flight = max(crawler.settings.getint("CONCURRENT_ITEMS"), 1)
        return spider

    @classmethod
    def check_arguments(cls, kwargs: dict[str, Any], settings: BaseSettings) -> None:
        source_ids = _parse_arguments(kwargs)["sources"]
        if source_ids:
            path = resolve(settings.get("NEWSBOT_SOURCES_FILE"), settings_path("sources.toml"))
            ids = {s.id for s in load_sources(path)}
            missing = [sid for sid in source_ids if sid not in ids]
            if missing:
                raise ConfigError(str(path), "id", f"no source {missing[0]!r} (spider argument 'sources')")

    def _load_registry(self) -> None:
        path = resolve(self.settings.get("NEWSBOT_SOURCES_FILE"), settings_path("sources.toml"))
        try:
            registry = load_sources(path) if (self.source_ids or path.exists()) else []
        except ConfigError as exc:
            if self.source_ids:
                raise
            logger.warning("Ignoring the source registry: %s", exc)
            registry = []
        self.registry: dict[str, Source] = {s.id: s for s in registry}
        missing = [sid for sid in self.source_ids if sid not in self.registry]
        if missing:
            raise ConfigError(str(path), "id", f"no source {missing[0]!r} (spider argument 'sources')")
        self._by_host: dict[str, Source] = {}
        for src in registry:
            for h in src.hosts:
                self._by_host.setdefault(h.lower().removeprefix("www."), src)
        # the hosts kept: none given means every record of the files
        self.wanted_hosts = set(self.extra_hosts)
        for sid in self.source_ids:
            self.wanted_hosts |= {h.lower().removeprefix("www.") for h in self.registry[sid].hosts}
        self._start = datetime.combine(self.since, datetime.min.time(), UTC) if self.since else None
        out = output_location(self.settings)
        #: the local output directory: rows name the WARC files below it relative to it
        self._out_root = Path(out.local_path).resolve() if out.is_local else None
        self._end = (
            datetime.combine(self.until + timedelta(days=1), datetime.min.time(), UTC) if self.until else None
        )

    def source_for(self, url: str) -> tuple[str, Source | None]:
        src = self._by_host.get(_host(url))
        return (src.id, src) if src is not None else (ad_hoc_source(url), None)

    def row_name(self, source: str) -> str:
        """How the rows name a WARC file: relative to the output directory when it lies below it
        (``newsbot reprocess`` reads the files a crawl kept there), else as it was given."""
        if self._out_root is None or is_remote(source):
            return source
        try:
            return Path(source).resolve().relative_to(self._out_root).as_posix()
        except ValueError:
            return source

    def keep(self, url: str, fetched_at: datetime) -> bool:
        """The record filter, asked before the payload is read."""
        if self.wanted_hosts and _host(url) not in self.wanted_hosts:
            self._inc("warc/skipped_host")
            return False
        if (self._start and fetched_at < self._start) or (self._end and fetched_at >= self._end):
            self._inc("warc/skipped_date")
            return False
        if self.patterns and not any(p.search(url) for p in self.patterns):
            self._inc("warc/skipped_pattern")
            return False
        src = self.source_for(url)[1]
        if src is not None and not src.accepts(url):
            self._inc("warc/skipped_pattern")
            return False
        return True

    async def start(self) -> AsyncIterator[Any]:
        self._setup_discovery()
        pending = list(self.files)
        while pending:
            elsewhere = []
            for source in pending:
                if self.ledger.is_finished(source):
                    logger.info("Skipping %s: finished by an earlier backfill", source)
                    self._inc("warc/files_skipped_finished")
                    continue
                if not self.ledger.claim(source):
                    elsewhere.append(source)
                    continue
                async for item in self.read_file(source):
                    yield item
            if elsewhere and self.ledger.shared:
                # Read by other processes: wait until they finish them, or take over a file
                # whose claim expired because its reader died.
                logger.info("Waiting for %d WARC files claimed by other processes", len(elsewhere))
                await asyncio.sleep(self.ledger.renew_every or 1.0)
            pending = elsewhere

    async def read_file(self, source: str) -> AsyncIterator[Any]:
        """The items of one WARC file; its blocking reads run in a thread, off the reactor."""
        logger.info("Reading %s", source)
        records = iter_file(source, keep=self.keep)
        self.progress.started(source)
        done = object()
        while True:
            try:
                page = await asyncio.to_thread(next, records, done)
            except WarcError as exc:
                logger.error("newsbot: %s", exc)
                self._inc("warc/files_failed")
                self.progress.failed(source)
                return
            if page is done:
                break
            self._inc("warc/records")
            for item in self.page_items(page):  # type: ignore[arg-type]
                await self.progress.room(self.max_in_flight)
                self.progress.yielded(source)
                yield item
        self._inc("warc/files_done")
        self.progress.read_to_end(source)

    def declared_languages(self, page: WarcPage) -> set[str]:
        """The languages the page declares: its ``<html lang>``, else its Content-Language header
        (which may list several); empty when it declares none."""
        tag = _HTML_TAG.search(page.body, 0, _HEAD_BYTES)
        if tag is not None:
            lang = _LANG_ATTR.search(tag.group(0))
            code = language_code(lang.group(1).decode("ascii")) if lang else None
            if code:
                return {code}
        header = page.header("Content-Language") or ""
        return {c for c in (language_code(v) for v in header.split(",")) if c}

    def page_items(self, page: WarcPage) -> Iterator[Any]:
        source = self.source_for(page.url)[0]
        wanted = self.languages or self._languages
        if wanted and page.status == 200:
            declared = self.declared_languages(page)
            # a page declaring no language goes on: the enrich stage detects it after extraction
            if declared and not declared & wanted:
                self._inc("warc/skipped_language", source)
                return
        if not self.admit(page.url, None, source):
            return
        meta = {
            "newsbot_source": source,
            "newsbot_discovery": "warc",
            "newsbot_from": page.warc_file,
            "newsbot_listed_url": page.url,
            "newsbot_hints": {},
            # the record's place, kept in the row as warc_file / warc_offset
            "newsbot_warc": RecordRef(self.row_name(page.warc_file), page.warc_offset),
        }
        kept = decode_context(page.context) if self.keep_context and page.context else None
        if kept:
            # what the crawl did not know (an article given by URL has no listing) stays unknown
            meta.update({f"newsbot_{k}": kept.get(v) for k, v in _KEPT.items()})
            meta["newsbot_source"] = kept.get("source") or source
            meta["newsbot_hints"] = kept.get("hints") or {}
        if page.status >= 400 or page.status < 200:
            self._reject(page.url, meta, f"http_{page.status}", "", page.status)
            return
        if 300 <= page.status < 400:
            self._inc("warc/skipped_redirect", source)
            return
        response = Response(
            page.url,
            status=page.status,
            headers=Headers(page.headers),
            body=page.body,
            request=Request(page.url, meta=meta),
        )
        for item in self.parse_article(response):
            item.fetched_at = page.fetched_at
            yield item
