"""robots.txt, read up to a size cap: Scrapy's Protego parser on the first 500 KiB.

Scrapy's ``RobotsTxtMiddleware`` parses each host's robots.txt in the main thread, whole: a 9 MB
robots.txt stalled the reactor for 11 s, long enough for other sites' requests to time out. Google
reads the first 500 KiB of a robots.txt and ignores the rest (RFC 9309 asks crawlers to read at
least that much); newsbot does the same, both for the rules (``ROBOTSTXT_PARSER``) and for the
``Sitemap:`` lines of a robots.txt given as a sitemap (:mod:`newsbot.discovery.sitemaps`).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.robotstxt import ProtegoRobotParser

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
