"""The ``reliefweb`` spider: ReliefWeb reports, built into records straight from the API's answers.

    scrapy crawl reliefweb -a appname=NAME [-a country=Sudan,Yemen] [-a theme="Protection and Human Rights"]
                           [-a since=YYYY-MM-DD] [-a until=YYYY-MM-DD] [-a query=TEXT]
                           [-a limit=100] [-a max_pages=10]

``appname`` (or the setting ``NEWSBOT_RELIEFWEB_APPNAME``) is required by the API: since November
2025 it must be one ReliefWeb approved. Pages are asked for one after the other (``offset`` grows by
``limit``) until ``totalCount`` is reached or ``max_pages`` pages were read. Each report becomes an
:class:`~newsbot.items.ArticleItem` with its text (``html=None``: extraction is skipped) that goes
through the same cleaning, enrichment and storage pipelines as fetched pages. ``source`` is
``"reliefweb"``; the organisation that published the report is kept in ``site_name``. See
``docs/apis.md``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Response
from scrapy.settings import BaseSettings
from w3lib.url import add_or_replace_parameters

from newsbot.config.args import split_list
from newsbot.config.errors import ConfigError
from newsbot.discovery import reliefweb as api
from newsbot.items import ArticleItem
from newsbot.process.pool import WorkerTimeout, get_runner
from newsbot.spiders.api import RETRY_STATUSES, ApiSpider

logger = logging.getLogger(__name__)

SOURCE_ID = "reliefweb"


@dataclass(frozen=True)
class ReliefWebArgs:
    """Arguments of the ``reliefweb`` spider."""

    appname: str
    countries: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    query: str | None = None
    limit: int = 100
    max_pages: int | None = None

    KNOWN: ClassVar[tuple[str, ...]] = (
        "appname", "country", "theme", "since", "until", "query", "limit", "max_pages",
    )  # fmt: skip

    @classmethod
    def parse(cls, kwargs: dict[str, Any], default_appname: str | None = None) -> ReliefWebArgs:
        def bad(arg: str, problem: str) -> ConfigError:
            return ConfigError("spider argument", arg, problem)

        unknown = sorted(set(kwargs) - set(cls.KNOWN))
        if unknown:
            raise bad(unknown[0], f"unknown argument (known: {', '.join(cls.KNOWN)})")
        appname = str(kwargs.get("appname") or default_appname or "").strip()
        if not appname:
            raise bad(
                "appname",
                "required by the ReliefWeb API: give -a appname=NAME or set NEWSBOT_RELIEFWEB_APPNAME "
                "(request one at https://apidoc.reliefweb.int/parameters#appname)",
            )

        def day(arg: str) -> date | None:
            raw = kwargs.get(arg)
            if not raw:
                return None
            try:
                return date.fromisoformat(str(raw).strip())
            except ValueError:
                raise bad(arg, f"{raw!r} is not a date as YYYY-MM-DD") from None

        def whole(arg: str, default: int | None, high: int | None) -> int | None:
            raw = kwargs.get(arg)
            if raw in (None, ""):
                return default
            text = str(raw).strip()
            if not text.isdigit() or int(text) < 1 or (high is not None and int(text) > high):
                limit = f" from 1 to {high}" if high else " of at least 1"
                raise bad(arg, f"{raw!r} is not a whole number{limit}")
            return int(text)

        since, until = day("since"), day("until")
        if since and until and until < since:
            raise bad("until", "is before since")
        query = str(kwargs.get("query") or "").strip() or None
        return cls(
            appname=appname,
            countries=tuple(split_list(kwargs.get("country"))),
            themes=tuple(split_list(kwargs.get("theme"))),
            since=since,
            until=until,
            query=query,
            limit=whole("limit", 100, api.MAX_LIMIT) or 100,
            max_pages=whole("max_pages", None, None),
        )


class ReliefWebSpider(ApiSpider):
    name = "reliefweb"
    api_slot = "reliefweb-api"
    api_delay_setting = "NEWSBOT_RELIEFWEB_API_DELAY"
    api_default_delay = 1.0
    stats_prefix = "newsbot/reliefweb"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{k: v for k, v in kwargs.items() if k not in ReliefWebArgs.KNOWN})

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> ReliefWebSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Parsed here, not in __init__, because the appname may come from a setting.
        spider.args = ReliefWebArgs.parse(dict(kwargs), crawler.settings.get("NEWSBOT_RELIEFWEB_APPNAME"))
        return spider

    @classmethod
    def check_arguments(cls, kwargs: dict[str, Any], settings: BaseSettings) -> None:
        ReliefWebArgs.parse(dict(kwargs), settings.get("NEWSBOT_RELIEFWEB_APPNAME"))

    async def start(self) -> AsyncIterator[Any]:
        self._setup_discovery()
        self.api_url = self.settings.get("NEWSBOT_RELIEFWEB_API_URL")
        self.pages_read = 0
        self.total: int | None = None
        for request in self._page_request(0):
            yield request

    def _page_request(self, offset: int) -> Iterator[Request]:
        a = self.args
        if a.max_pages is not None and self.pages_read >= a.max_pages:
            logger.info("ReliefWeb: stopping after %d pages (max_pages)", self.pages_read)
            return
        body = api.request_body(
            offset=offset,
            limit=a.limit,
            countries=a.countries,
            themes=a.themes,
            since=a.since,
            until=a.until,
            query=a.query,
        )
        self._call_made()
        yield Request(
            add_or_replace_parameters(self.api_url, {"appname": a.appname}),
            method="POST",
            body=json.dumps(body),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            callback=self.parse_api,
            errback=self.api_call_failed,
            dont_filter=True,
            meta=self.api_meta(newsbot_offset=offset),
        )

    def next_calls(self, meta: dict[str, Any]) -> Iterator[Request]:
        # After a failed call: the next page, so one bad page does not end the run (when the
        # total is known; a first page that fails ends it).
        following = meta.get("newsbot_offset", 0) + self.args.limit
        if self.total is not None and following < self.total:
            yield from self._page_request(following)

    def _listing_url(self, offset: int) -> str:
        """The call as recorded in ``discovered_from``: without the appname, which is an account."""
        return add_or_replace_parameters(self.api_url, {"offset": str(offset), "limit": str(self.args.limit)})

    async def parse_api(self, response: Response) -> AsyncIterator[Any]:
        offset = response.meta["newsbot_offset"]
        if response.status in RETRY_STATUSES:
            retry = await self.retry_later(response)
            if retry is not None:
                yield retry
                return
            for request in self.next_calls(response.meta):
                yield request
            return
        self.pages_read += 1
        try:
            total, reports = await get_runner(self.crawler).run(api.parse_reports, response.body)
        except (api.ReliefWebError, WorkerTimeout) as exc:
            logger.error("ReliefWeb: unusable answer at offset %d: %s", offset, exc)
            self._call_failed()
            for request in self.next_calls(response.meta):
                yield request
            return
        self.total = total
        self._stat("reports", len(reports))
        for report in reports:
            item = self._item(report, offset)
            if item is not None:
                yield item
        following = offset + len(reports)
        if reports and following < total:
            for request in self._page_request(following):
                yield request

    def _item(self, report: api.Report | None, offset: int) -> ArticleItem | None:
        if report is None:
            self._stat("skipped_no_url")
            return None
        if not self.admit(report.url, report.language, SOURCE_ID):
            return None
        hints: dict[str, Any] = {
            "title": report.title,
            "language": report.language,
            "reliefweb_id": report.id,
            "primary_country": report.primary_country,
            "formats": report.formats,
            # A report is an article by definition: judge it as one, not as a page of unknown kind.
            "is_article_markup": True,
            "page_type": "article",
        }
        return ArticleItem(
            url=report.url,
            source=SOURCE_ID,
            fetched_at=datetime.now(UTC),
            http_status=200,
            discovery="reliefweb",
            discovered_from=self._listing_url(offset),
            discovered_url=report.url,
            html=None,
            hints={k: v for k, v in hints.items() if v not in (None, [], "")},
            paragraphs=report.paragraphs,
            title=report.title,
            published_at=report.published_at,
            declared_language=report.language,
            site_name=", ".join(report.publishers) or None,
            categories=report.themes,
            tags=report.countries,
            domain=urlsplit(report.url).hostname,
        )
