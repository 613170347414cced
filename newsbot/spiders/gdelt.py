"""The ``gdelt`` spider: articles the GDELT DOC 2.0 API lists, fetched and processed like any other.

    scrapy crawl gdelt [-a query=QUERY] [-a timespan=24h | -a start=YYYYMMDDHHMMSS [-a end=...]]
                       [-a languages=ar,uk] [-a max_records=250] [-a slice=1h]

The window is cut into slices (``slice``, default one hour) because one call lists at most 250
articles; a slice whose answer hits ``max_records`` is halved and asked again, down to
``NEWSBOT_GDELT_MAX_SPLIT_DEPTH`` times. API calls go one at a time through their own download slot
(``gdelt-api``), at most one every ``NEWSBOT_GDELT_API_DELAY`` seconds (the API asks for 5), and a
429 or 5xx answer waits ``Retry-After`` (or an exponential backoff) before the same call is made
again. Every listed URL then goes through :meth:`article_request`: fetch, extract, clean, enrich,
store. See ``docs/apis.md``.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from scrapy import Request
from scrapy.http import Response
from scrapy.settings import BaseSettings

from newsbot.config.args import split_list
from newsbot.config.declared import getint
from newsbot.config.errors import ConfigError
from newsbot.config.paths import resolve, settings_path
from newsbot.config.sources import Source, load_sources
from newsbot.discovery import gdelt as api
from newsbot.items import ArticleItem
from newsbot.spiders.api import RETRY_STATUSES, ApiSpider
from newsbot.spiders.base import ad_hoc_source

logger = logging.getLogger(__name__)

DEFAULT_QUERY = '(airstrike OR shelling OR ceasefire OR "armed clashes" OR militia OR "killed in fighting")'


@dataclass(frozen=True)
class GdeltArgs:
    """Arguments of the ``gdelt`` spider."""

    query: str
    start: datetime
    end: datetime
    slice: timedelta
    languages: tuple[str, ...] = ()
    max_records: int = api.MAX_RECORDS

    KNOWN: ClassVar[tuple[str, ...]] = (
        "query", "timespan", "start", "end", "languages", "max_records", "slice",
    )  # fmt: skip

    @classmethod
    def parse(cls, kwargs: dict[str, Any], now: datetime | None = None) -> GdeltArgs:
        def bad(arg: str, problem: str) -> ConfigError:
            return ConfigError("spider argument", arg, problem)

        unknown = sorted(set(kwargs) - set(cls.KNOWN))
        if unknown:
            raise bad(unknown[0], f"unknown argument (known: {', '.join(cls.KNOWN)})")
        try:
            query = api.check_query(str(kwargs.get("query") or DEFAULT_QUERY))
        except ValueError as exc:
            raise bad("query", str(exc)) from None
        now = (now or datetime.now(UTC)).replace(microsecond=0)
        if kwargs.get("start"):
            if kwargs.get("timespan"):
                raise bad("timespan", "give either timespan or start/end, not both")
            try:
                start = api.parse_api_time(str(kwargs["start"]))
            except ValueError as exc:
                raise bad("start", str(exc)) from None
            try:
                end = api.parse_api_time(str(kwargs["end"])) if kwargs.get("end") else now
            except ValueError as exc:
                raise bad("end", str(exc)) from None
            if end <= start:
                raise bad("end", "must be after start")
        elif kwargs.get("end"):
            raise bad("end", "needs start")
        else:
            try:
                span = api.parse_timespan(str(kwargs.get("timespan") or "24h"))
            except ValueError as exc:
                raise bad("timespan", str(exc)) from None
            if span > api.MAX_WINDOW:
                raise bad("timespan", "the API searches the last 3 months only")
            start, end = now - span, now
        try:
            step = api.parse_timespan(str(kwargs.get("slice") or "1h"))
        except ValueError as exc:
            raise bad("slice", str(exc)) from None
        languages = tuple(c.lower() for c in split_list(kwargs.get("languages")))
        for code in languages:
            if code not in api.LANGUAGE_NAMES:
                raise bad("languages", f"{code!r} is not an ISO 639-1 code of a language GDELT covers")
        raw_max = str(kwargs.get("max_records") or api.MAX_RECORDS)
        if not raw_max.isdigit() or not 1 <= int(raw_max) <= api.MAX_RECORDS:
            raise bad("max_records", f"{raw_max!r} is not a whole number from 1 to {api.MAX_RECORDS}")
        return cls(query, start, end, step, languages, int(raw_max))

    @property
    def api_query(self) -> str:
        """The query as sent: the language filter is the API's ``sourcelang:`` operator."""
        if not self.languages:
            return self.query
        return f"{self.query} {api.language_filter(self.languages)}"


class GdeltSpider(ApiSpider):
    name = "gdelt"
    api_slot = "gdelt-api"
    api_delay_setting = "NEWSBOT_GDELT_API_DELAY"
    api_default_delay = 5.0
    stats_prefix = "newsbot/gdelt"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args)
        self.args = GdeltArgs.parse(dict(kwargs))  # rejects an unknown argument, naming it

    @classmethod
    def check_arguments(cls, kwargs: dict[str, Any], settings: BaseSettings) -> None:
        GdeltArgs.parse(dict(kwargs))

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> GdeltSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.registry = spider._load_registry()
        # host[:port] -> source, built once (the first source listing a site wins)
        spider.source_by_site = {}
        for src in spider.registry.values():
            for u in (src.homepage, *src.feeds, *src.sitemaps):
                spider.source_by_site.setdefault(ad_hoc_source(u), src)
        return spider

    def _load_registry(self) -> dict[str, Source]:
        """Registered sources by id, to credit an article to its outlet; optional for this spider.

        A dict like the ``news`` spider's: the private-address guard reads it to allow their hosts.
        """
        path = resolve(self.settings.get("NEWSBOT_SOURCES_FILE"), settings_path("sources.toml"))
        if not path.exists():
            return {}
        try:
            return {s.id: s for s in load_sources(path)}
        except ConfigError as exc:
            logger.warning("Ignoring the source registry: %s", exc)
            return {}

    def source_for(self, url: str) -> tuple[str, Source | None]:
        """The registered source whose site the article is on, else its host as an ad-hoc id.

        Compared on host and port: outlets served side by side on one host (loopback test sites,
        a CMS on several ports) stay apart; on the web the port is the default and drops out.
        """
        site = ad_hoc_source(url)
        src = self.source_by_site.get(site)
        return (src.id, src) if src is not None else (site, None)

    async def start(self) -> AsyncIterator[Any]:
        self._setup_discovery()
        self.api_url = self.settings.get("NEWSBOT_GDELT_API_URL")
        a = self.args
        self.pending: deque[api.TimeSlice] = deque(api.slices(a.start, a.end, a.slice))
        logger.info(
            "GDELT: %r from %s to %s in %d slices",
            self.args.api_query, self.args.start, self.args.end, len(self.pending),
        )  # fmt: skip
        for request in self.next_calls({}):
            yield request

    def next_calls(self, meta: dict[str, Any]) -> Iterator[Request]:
        if not self.pending:
            return
        window = self.pending.popleft()
        url = api.artlist_url(self.api_url, self.args.api_query, window, self.args.max_records)
        self._call_made()
        yield Request(
            url,
            callback=self.parse_api,
            errback=self.api_call_failed,
            dont_filter=True,
            priority=10,  # listings before articles, as for feeds
            meta=self.api_meta(newsbot_slice=window),
        )

    async def parse_api(self, response: Response) -> AsyncIterator[Request]:
        if response.status in RETRY_STATUSES:
            retry = await self.retry_later(response)
            if retry is not None:
                yield retry
                return
        else:
            for request in self._articles(response):
                yield request
        for request in self.next_calls(response.meta):
            yield request

    def _articles(self, response: Response) -> Iterator[Request]:
        window: api.TimeSlice = response.meta["newsbot_slice"]
        if response.status != 200:
            logger.error("GDELT: HTTP %d for %s", response.status, response.url)
            self._call_failed()
            return
        if not response.body.strip():
            # What the API answers for some windows without matches: not an error, but worth a count
            # because a run of them also means a query that matches nothing.
            logger.info("GDELT: empty answer for %s – %s", window.start, window.end)
            self._stat("empty_answers")
            return
        try:
            answer = api.parse_artlist(response.body)
        except api.GdeltError as exc:
            logger.error("GDELT: unusable answer for %s: %s", response.url, exc)
            self._call_failed()
            return
        entries = answer.entries
        self._stat("articles", len(entries))
        if answer.records > len(entries):
            self._stat("skipped_records", answer.records - len(entries))
        if answer.records >= self.args.max_records:
            self._stat("capped")
            if window.depth < getint(self.settings, "NEWSBOT_GDELT_MAX_SPLIT_DEPTH") and window.splittable:
                # The cap hides the rest of the slice: ask for each half (first, before later slices).
                self._stat("splits")
                first, second = window.halves()
                self.pending.extendleft((second, first))
            else:
                logger.warning(
                    "GDELT: %s – %s still lists %d articles, the cap; some are missed",
                    window.start, window.end, len(entries),
                )  # fmt: skip
        for entry in entries:
            source, src = self.source_for(entry.url)
            if src is not None and not src.accepts(entry.url):
                self._inc("discovery/skipped_pattern", source)
                continue
            req = self.article_request(entry, source=source, discovery="gdelt", discovered_from=response.url)
            if req is not None:
                yield req

    def parse_article(self, response: Response) -> Iterator[ArticleItem]:
        """The base item, plus the GDELT metadata the dataset keeps in columns of its own."""
        hints = response.meta.get("newsbot_hints") or {}
        for item in super().parse_article(response):
            item.seen_at = hints.get("seen_at")
            item.source_country = hints.get("source_country")
            item.domain = hints.get("domain")
            yield item
