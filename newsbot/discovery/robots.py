"""robots.txt, read up to a size cap: Scrapy's Protego parser on the first 500 KiB.

Scrapy's ``RobotsTxtMiddleware`` parses each host's robots.txt in the main thread, whole: a 9 MB
robots.txt stalled the reactor for 11 s, long enough for other sites' requests to time out. Google
reads the first 500 KiB of a robots.txt and ignores the rest (RFC 9309 asks crawlers to read at
least that much); newsbot does the same, both for the rules (``ROBOTSTXT_PARSER``) and for the
``Sitemap:`` lines of a robots.txt given as a sitemap (:mod:`newsbot.discovery.sitemaps`).

:class:`RobotsTxtMiddleware` replaces Scrapy's in ``DOWNLOADER_MIDDLEWARES`` for its logging only.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares import robotstxt as scrapy_robotstxt
from scrapy.exceptions import IgnoreRequest
from scrapy.http.request import NO_CALLBACK
from scrapy.robotstxt import ProtegoRobotParser, RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

#: Bytes of a robots.txt that are read; the rest is ignored, as Google does.
MAX_ROBOTS_BYTES = 500 * 1024


def cut_robots(body: bytes) -> tuple[bytes, bool]:
    """The part of a robots.txt that is read, whole lines only, and whether it was cut."""
    if len(body) <= MAX_ROBOTS_BYTES:
        return body, False
    head = body[:MAX_ROBOTS_BYTES]
    end = head.rfind(b"\n")
    return (head[: end + 1] if end > 0 else head), True


class BoundedProtegoRobotParser(ProtegoRobotParser):
    """Scrapy's Protego robots.txt parser, on the first :data:`MAX_ROBOTS_BYTES` of the file."""

    @classmethod
    def from_crawler(cls, crawler: Any, robotstxt_body: bytes) -> BoundedProtegoRobotParser:
        body, cut = cut_robots(robotstxt_body)
        if cut and crawler is not None:
            crawler.stats.inc_value("newsbot/robotstxt/truncated")
            logger.warning(
                "A robots.txt of %d bytes: only its first %d bytes are read", len(robotstxt_body), len(body)
            )
        return cls(body, None if crawler is None else crawler.spider)


class RobotsTxtMiddleware(scrapy_robotstxt.RobotsTxtMiddleware):
    """Scrapy's ``RobotsTxtMiddleware``, with a robots.txt that cannot be fetched said quietly.

    Scrapy's logs each failed robots.txt fetch at ERROR with a traceback: with the network down,
    one traceback per host, on top of the failures of the host's own requests. The host's one
    line comes from :class:`~newsbot.middlewares.failures.HostFailureLog`, which sees the
    robots.txt request like any other; here the failure is a DEBUG line (the traceback too). The
    rest is Scrapy's method: a robots.txt that cannot be fetched allows everything.
    """

    async def robot_parser(self, request: Request) -> RobotParser | None:
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc not in self._parsers:
            self._parsers[netloc] = Deferred()
            robotsreq = Request(
                f"{url.scheme}://{url.netloc}/robots.txt",
                priority=self.DOWNLOAD_PRIORITY,
                meta={"dont_obey_robotstxt": True},
                callback=NO_CALLBACK,
            )
            try:
                resp = await self.crawler.engine.download_async(robotsreq)
                await self._parse_robots(resp, netloc, request)
            except Exception as e:
                if not isinstance(e, IgnoreRequest):
                    logger.debug("Cannot fetch %s: %s", robotsreq, e, exc_info=True)
                self._robots_error(e, netloc)
            self._stats.inc_value("robotstxt/request_count")
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(parser)
        return parser
