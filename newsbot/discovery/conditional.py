"""Conditional GET for feeds and sitemaps (ETag / Last-Modified).

A cron crawl polls the same listings every few minutes; most of the time they have not changed.
This downloader middleware remembers each listing's validators *and its body* under
``DIR/state/listings/``. The next request for that listing carries ``If-None-Match`` /
``If-Modified-Since``; on ``304 Not Modified`` the remembered body is handed to the spider as if
it had been downloaded, flagged with ``response.meta["newsbot_not_modified"]``. Replaying the body
(instead of skipping the listing) matters: articles of that listing that a killed or failed run
did not store yet are still requested, while stored ones are skipped by the seen-article memory.
The cache is only a cache: delete it and the next run simply fetches every listing in full.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from newsbot.config.declared import getbool
from newsbot.config.run import state_location
from newsbot.storage.location import LocatedFile

logger = logging.getLogger(__name__)

#: Listings larger than this are not remembered (a 50,000-URL sitemap is ~10 MB uncompressed).
MAX_CACHED_BYTES = 64 * 1024 * 1024

#: Request meta key set on a listing's one retry without validators.
UNCONDITIONAL_RETRY = "newsbot_unconditional_retry"
_VALIDATORS = (b"If-None-Match", b"If-Modified-Since")


def cache_names(url: str) -> tuple[str, str]:
    """The names a listing's validators and body are remembered under: ``(KEY.json, KEY.body.gz)``."""
    key = hashlib.sha1(url.encode("utf-8")).hexdigest()
    return f"{key}.json", f"{key}.body.gz"


class NotModifiedWithoutBody(IgnoreRequest):
    """A 304 Not Modified for a listing whose body is not cached, even to a request without
    validators: nothing to read, and asking again would only get another 304."""

    reason = "not_modified_without_body"


class ConditionalListingMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        if not getbool(crawler.settings, "NEWSBOT_CONDITIONAL_GET"):
            raise NotConfigured
        self.stats = crawler.stats
        self.dir = state_location(crawler.settings).child("listings")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalListingMiddleware:
        mw = cls(crawler)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        return mw

    def spider_opened(self, spider: Spider) -> None:
        self.dir.makedirs()

    def _paths(self, url: str) -> tuple[LocatedFile, LocatedFile]:
        meta_name, body_name = cache_names(url)
        return self.dir.file(meta_name), self.dir.file(body_name)

    def process_request(self, request: Request) -> None:
        if not request.meta.get("newsbot_listing"):
            return
        meta_path, body_path = self._paths(request.url)
        try:
            validators = json.loads(meta_path.read_bytes().decode("utf-8"))
        except (OSError, ValueError):
            return
        if not body_path.exists():
            return
        if validators.get("etag"):
            request.headers.setdefault(b"If-None-Match", validators["etag"].encode("latin-1"))
        if validators.get("last_modified"):
            request.headers.setdefault(b"If-Modified-Since", validators["last_modified"].encode("latin-1"))

    def process_response(self, request: Request, response: Response) -> Response:
        if not request.meta.get("newsbot_listing"):
            return response
        meta_path, body_path = self._paths(request.url)
        if response.status == 304:
            try:
                body = gzip.decompress(body_path.read_bytes())
            except (OSError, EOFError):
                return self._unconditional_retry(request, meta_path)  # type: ignore[return-value]
            self.stats.inc_value("newsbot/discovery/not_modified")
            request.meta["newsbot_not_modified"] = True
            return response.replace(status=200, body=body)
        if response.status == 200 and len(response.body) <= MAX_CACHED_BYTES:
            etag = response.headers.get(b"ETag")
            last_modified = response.headers.get(b"Last-Modified")
            if etag or last_modified:
                self._store(meta_path, body_path, response.body, etag, last_modified)
        return response

    def _unconditional_retry(self, request: Request, meta_path: LocatedFile) -> Request:
        """The listing once more without validators (its cached body is lost or was never there).

        Only once: a server that answers 304 to a request without validators too (broken, or
        hostile) would otherwise be asked again forever. The second 304 fails the listing, which
        the spider counts as a listing error of its source.
        """
        meta_path.delete()
        conditional = any(request.headers.get(h) for h in _VALIDATORS)
        if request.meta.get(UNCONDITIONAL_RETRY) or not conditional:
            self.stats.inc_value("newsbot/discovery/not_modified_without_body")
            raise NotModifiedWithoutBody(
                "304 Not Modified to a request without validators, and no cached body to replay"
            )
        logger.warning("Listing cache for %s is unreadable; fetching it in full", request.url)
        retry = request.replace(dont_filter=True, meta={**request.meta, UNCONDITIONAL_RETRY: True})
        for header in _VALIDATORS:
            retry.headers.pop(header, None)
        return retry

    def _store(
        self,
        meta_path: LocatedFile,
        body_path: LocatedFile,
        body: bytes,
        etag: bytes | None,
        lm: bytes | None,
    ) -> None:
        meta = {
            "etag": etag.decode("latin-1") if etag else None,
            "last_modified": lm.decode("latin-1") if lm else None,
        }
        try:
            # Body first, then the validators that refer to it: a crash in between leaves a body
            # without validators, which is simply ignored.
            body_path.write_bytes(gzip.compress(body, 5))
            meta_path.write_bytes(json.dumps(meta).encode())
        except OSError as exc:
            logger.warning("Cannot remember listing validators: %s", exc)
