"""The ``news`` spider: RSS/Atom feeds, XML sitemaps and article URLs.

    scrapy crawl news [-a sources=ID,...] [-a feeds=URL,...] [-a sitemaps=URL,...] [-a urls=URL,...]

With no argument it crawls every enabled source of ``settings/sources.toml``
(``NEWSBOT_SOURCES_FILE``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Response
from scrapy.settings import BaseSettings
from w3lib.url import canonicalize_url

from newsbot.config.args import NewsArgs
from newsbot.config.declared import getint
from newsbot.config.errors import ConfigError
from newsbot.config.paths import resolve, settings_path
from newsbot.config.sources import Source, load_sources
from newsbot.discovery.entry import DiscoveredEntry
from newsbot.discovery.feeds import FeedError, parse_feed
from newsbot.discovery.packed import parse_packed
from newsbot.discovery.sitemaps import SitemapError, parse_sitemap, sitemaps_from_robots
from newsbot.process.pool import WorkerTimeout, get_runner
from newsbot.spiders.base import NewsbotSpider, ad_hoc_source

logger = logging.getLogger(__name__)

#: Feeds and sitemaps larger than this are parsed in the worker pool. A smaller one parses in the
#: main thread in ~50 ms at most, sooner than a round trip through a pool busy with pages:
#: sending every sitemap to the pool cut the 2,000-page benchmark from 82 to 69 pages/s. (A
#: 100,000-item feed took the main thread 9 s.)
POOL_PARSE_BYTES = 256 * 1024

#: Sitemap entries admitted in one go, between two returns to the reactor (~8 ms of work).
SITEMAP_SLICE = 100

#: The only schemes a listing (feed, sitemap, robots.txt, sitemap-index child) is fetched with.
LISTING_SCHEMES = ("http", "https")


def select_sources(args: NewsArgs, settings: BaseSettings) -> tuple[dict[str, Source], list[Source]]:
    """The registry by id and the sources to crawl; ConfigError for an unknown id, a broken registry
    that is needed, or nothing to crawl.

    The registry is needed for ``sources`` and for a run of every enabled source; an ad-hoc run
    (feeds, sitemaps, URLs) only uses it to name the sources its URLs belong to.
    """
    path = resolve(settings.get("NEWSBOT_SOURCES_FILE"), settings_path("sources.toml"))
    need_registry = bool(args.sources) or not args.ad_hoc
    try:
        registry = load_sources(path) if (need_registry or path.exists()) else []
    except ConfigError as exc:
        if need_registry:
            raise
        logger.warning("Ignoring the source registry: %s", exc)
        registry = []
    by_id = {s.id: s for s in registry}
    missing = [sid for sid in args.sources if sid not in by_id]
    if missing:
        raise ConfigError(str(path), "id", f"no source {missing[0]!r} (spider argument 'sources')")
    if args.sources:
        return by_id, [by_id[sid] for sid in args.sources]
    if args.ad_hoc:
        return by_id, []
    enabled = [s for s in registry if s.enabled]
    if not enabled:
        raise ConfigError(str(path), "enabled", "no enabled source: nothing to crawl")
    return by_id, enabled


class NewsSpider(NewsbotSpider):
    name = "news"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{k: v for k, v in kwargs.items() if k not in NewsArgs.KNOWN})
        self.args = NewsArgs.parse({k: v for k, v in kwargs.items() if k in NewsArgs.KNOWN})

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        cls._check_known(kwargs)
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.registry, spider.sources = select_sources(spider.args, spider.settings)
        return spider

    @classmethod
    def check_arguments(cls, kwargs: dict[str, Any], settings: BaseSettings) -> None:
        cls._check_known(kwargs)
        select_sources(NewsArgs.parse({k: v for k, v in kwargs.items() if k in NewsArgs.KNOWN}), settings)

    @classmethod
    def _check_known(cls, kwargs: dict[str, Any]) -> None:
        unknown = sorted(set(kwargs) - set(NewsArgs.KNOWN) - set(cls.extra_arguments()))
        if unknown:
            raise ConfigError(
                "spider argument", unknown[0], f"unknown argument (known: {', '.join(NewsArgs.KNOWN)})"
            )

    @classmethod
    def extra_arguments(cls) -> tuple[str, ...]:
        """Arguments handled elsewhere (e.g. by an extension) that the spider accepts."""
        return ("shard",)

    def source_for(self, url: str) -> tuple[str, Source | None]:
        """The registered source a URL belongs to (by host), else the host as an ad-hoc id."""
        host = (urlsplit(url).hostname or "").removeprefix("www.")
        for src in self.registry.values():
            if host and host in {h.removeprefix("www.") for h in src.hosts}:
                return src.id, src
        return ad_hoc_source(url), None

    def _setup_discovery(self) -> None:
        super()._setup_discovery()
        settings = self.settings
        self._listings_requested: set[str] = set()
        self._listings_per_source: dict[str, int] = {}
        self._max_listings = getint(settings, "NEWSBOT_MAX_LISTINGS_PER_SOURCE") or float("inf")
        self._max_robots_sitemaps = getint(settings, "NEWSBOT_MAX_SITEMAPS_PER_ROBOTS") or None
        self._max_children = getint(settings, "NEWSBOT_MAX_SITEMAP_CHILDREN") or None

    async def start(self) -> AsyncIterator[Any]:
        self._setup_discovery()
        listings = [(url, self.parse_feed, src.id) for src in self.sources for url in src.feeds]
        listings += [(url, self.parse_sitemap, src.id) for src in self.sources for url in src.sitemaps]
        listings += [(url, self.parse_feed, self.source_for(url)[0]) for url in self.args.feeds]
        listings += [(url, self.parse_sitemap, self.source_for(url)[0]) for url in self.args.sitemaps]
        for url, callback, source in listings:
            listing = self._listing_request(url, callback, source)
            if listing is not None:
                yield listing
        for url in self.args.urls:
            req = self.article_request(
                DiscoveredEntry(url=url),
                source=self.source_for(url)[0],
                discovery="url",
                discovered_from=None,
            )
            if req is not None:
                yield req

    def _listing_request(self, url: str, callback: Any, source: str, depth: int = 0) -> Request | None:
        """The request for a feed, sitemap or robots.txt, or None if it must not be fetched.

        Every listing URL, whether configured, given on the command line or found in another
        listing, passes here: only http(s) is fetched (a remote sitemap must not make the crawler
        read ``file:///etc/passwd`` or open FTP connections), each URL once a run (an index that
        lists itself, or a cycle of indexes, would multiply requests), and at most
        ``NEWSBOT_MAX_LISTINGS_PER_SOURCE`` for one source.
        """
        scheme = urlsplit(url).scheme.lower()
        if scheme not in LISTING_SCHEMES:
            logger.warning(
                "Source %s: not fetching listing %r (only http and https are fetched)", source, url[:200]
            )
            self._inc("discovery/skipped_scheme", source)
            return None
        key = canonicalize_url(url)
        if key in self._listings_requested:
            logger.debug("Source %s: listing %s already requested in this run", source, url)
            self._inc("discovery/skipped_listing_repeat", source)
            return None
        count = self._listings_per_source.get(source, 0)
        if count >= self._max_listings:
            if count == self._max_listings:
                logger.warning(
                    "Source %s: %d listings requested, the NEWSBOT_MAX_LISTINGS_PER_SOURCE cap; "
                    "the other listings it leads to are not fetched in this run",
                    source,
                    count,
                )
                self._listings_per_source[source] = count + 1
            self._inc("discovery/skipped_listing_cap", source)
            return None
        self._listings_per_source[source] = count + 1
        self._listings_requested.add(key)
        self._inc("discovery/listings", source)
        return Request(
            url,
            callback=callback,
            errback=self.source_failed,
            # Feeds and sitemaps are polled on every run: never filtered as duplicates.
            dont_filter=True,
            priority=10,  # listings before articles, so discovery stays ahead of fetching
            meta={"newsbot_source": source, "newsbot_depth": depth, "newsbot_listing": True},
        )

    def _capped(self, urls: list[str], cap: int | None, listing: str, setting: str, source: str) -> list[str]:
        """The first ``cap`` listing URLs found in ``listing``; the rest counted and logged."""
        if cap is None or len(urls) <= cap:
            return urls
        logger.warning(
            "Source %s: %s lists more than %d sitemaps (%s); only the first %d are fetched",
            source,
            listing,
            cap,
            setting,
            cap,
        )
        self._inc("discovery/listings_capped", source)
        self._inc("discovery/skipped_listing_cap", source, len(urls) - cap)
        return urls[:cap]

    def _accept(self, source_id: str, url: str) -> bool:
        src = self.registry.get(source_id)
        if src is not None and not src.accepts(url):
            self._inc("discovery/skipped_pattern", source_id)
            return False
        return True

    async def _parse_listing(self, parse: Any, response: Response) -> Any:
        """``parse(body, url)``, in the worker pool for a large listing: off the reactor thread."""
        if len(response.body) > POOL_PARSE_BYTES:
            self._inc("discovery/parsed_in_pool", response.meta["newsbot_source"])
            # Its entries come back packed, unpickled a chunk at a time as they are admitted.
            return await get_runner(self.crawler).run(parse_packed, parse, response.body, response.url)
        return parse(response.body, response.url)

    async def parse_feed(self, response: Response) -> AsyncIterator[Request]:
        source = response.meta["newsbot_source"]
        try:
            entries = await self._parse_listing(parse_feed, response)
        except (FeedError, WorkerTimeout) as exc:
            logger.warning("Source %s: %s is not a usable feed (%s)", source, response.url, exc)
            self._inc("discovery/errors", source)
            if isinstance(exc, FeedError) and exc.refused:
                self._inc("discovery/refused", source)
            return
        self._inc("discovery/feed_entries", source, len(entries))
        for i, entry in enumerate(entries, 1):
            if self._accept(source, entry.url):
                req = self.article_request(
                    entry, source=source, discovery="feed", discovered_from=response.url
                )
                if req is not None:
                    yield req
            if i % SITEMAP_SLICE == 0:
                await asyncio.sleep(0)  # as for sitemaps: the reactor runs between two slices

    async def parse_sitemap(self, response: Response) -> AsyncIterator[Request]:
        source = response.meta["newsbot_source"]
        depth = response.meta.get("newsbot_depth", 0)
        if urlsplit(response.url).path.endswith("/robots.txt"):
            cap = self._max_robots_sitemaps
            found = sitemaps_from_robots(response.body, response.url, limit=cap + 1 if cap else None)
            for url in self._capped(found, cap, response.url, "NEWSBOT_MAX_SITEMAPS_PER_ROBOTS", source):
                listing = self._listing_request(url, self.parse_sitemap, source, depth + 1)
                if listing is not None:
                    yield listing
            return
        try:
            # ~0.1 s for 5,000 URLs, ~1 s for 50,000: a large one not on the reactor thread.
            sitemap = await self._parse_listing(parse_sitemap, response)
        except (SitemapError, WorkerTimeout) as exc:
            logger.warning("Source %s: %s is not a usable sitemap (%s)", source, response.url, exc)
            self._inc("discovery/errors", source)
            return
        max_depth = getint(self.settings, "NEWSBOT_SITEMAP_MAX_DEPTH")
        children = sitemap.sitemaps if depth < max_depth else []
        for child in self._capped(
            children, self._max_children, response.url, "NEWSBOT_MAX_SITEMAP_CHILDREN", source
        ):
            listing = self._listing_request(child, self.parse_sitemap, source, depth + 1)
            if listing is not None:
                yield listing
        self._inc("discovery/sitemap_entries", source, len(sitemap.entries))
        for i, entry in enumerate(sitemap.entries, 1):
            if self._accept(source, entry.url):
                req = self.article_request(
                    entry, source=source, discovery="sitemap", discovered_from=response.url
                )
                if req is not None:
                    yield req
            if i % SITEMAP_SLICE == 0:
                # A sitemap lists up to 50,000 URLs and admitting one costs ~80 µs of the main
                # thread (canonical form, seen-URL memory, source stats): the reactor runs
                # between two slices instead of waiting for the whole sitemap.
                await asyncio.sleep(0)
