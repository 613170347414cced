"""What the API spiders (``gdelt``, ``reliefweb``) share: a paced download slot and patient retries."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

from scrapy import Request
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newsbot.config.declared import getfloat, getint
from newsbot.middlewares.stopping import stopped_before_fetch
from newsbot.spiders.base import NewsbotSpider, failure_reason

logger = logging.getLogger(__name__)

#: Answers worth asking again after a pause; anything else is final.
RETRY_STATUSES = (429, 500, 502, 503, 504)


def retry_delay(retry_after: bytes | None, attempt: int, base: float, cap: float) -> float:
    """Seconds to wait before attempt ``attempt + 1``: ``Retry-After`` if the server sent one
    (seconds or an HTTP date), else ``base * 2**attempt``; never more than ``cap``."""
    wait = base * 2**attempt
    if retry_after:
        value = retry_after.decode("latin-1").strip()
        try:
            wait = float(value)
        except ValueError:
            try:
                wait = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
            except (TypeError, ValueError):
                pass
    return max(0.0, min(wait, cap))


class ApiSpider(NewsbotSpider):
    """What the API spiders share: a paced download slot of their own and patient retries.

    API calls are made one after the other (each answer's callback yields the next call), so a
    pause after a 429 pauses the whole API conversation, not one request among many queued ones.
    """

    #: download slot of the API calls; its delay comes from ``api_delay_setting``
    api_slot: ClassVar[str] = "api"
    api_delay_setting: ClassVar[str] = ""
    api_default_delay: ClassVar[float] = 1.0
    stats_prefix: ClassVar[str] = "newsbot/api"

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        slots = dict(settings.getdict("DOWNLOAD_SLOTS"))
        if cls.api_slot not in slots:
            delay = settings.getfloat(cls.api_delay_setting, cls.api_default_delay)
            # jitter 0: the delay is the API's documented minimum, it must not be shortened.
            slots[cls.api_slot] = {"concurrency": 1, "delay": delay, "jitter": 0}
            settings.set("DOWNLOAD_SLOTS", slots, priority="spider")

    def _stat(self, key: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(f"{self.stats_prefix}/{key}", n)

    # The API is a source of the run of its own, named after the spider: each call is one of its
    # listings and each call that gave nothing usable a listing error, so that the run summary
    # marks it failed, and ``newsbot crawl`` exits 4, when no call gave a usable answer.
    def _call_made(self) -> None:
        self._stat("calls")
        self._inc("discovery/listings", self.name)

    def _call_failed(self) -> None:
        self._stat("errors")
        self._inc("discovery/errors", self.name)

    def api_meta(self, **extra: Any) -> dict[str, Any]:
        return {
            "download_slot": self.api_slot,
            # requests, answers and download errors counted for the API as a source
            "newsbot_source": self.name,
            # AutoThrottle would shrink the slot's delay towards DOWNLOAD_DELAY on fast answers.
            "autothrottle_dont_adjust_delay": True,
            # robots.txt is for crawlers of pages; the API is meant to be called by programs.
            "dont_obey_robotstxt": True,
            # Retries are ours (retry_later), so that Retry-After is honoured.
            "dont_retry": True,
            "handle_httpstatus_list": list(RETRY_STATUSES),
            **extra,
        }

    async def retry_later(self, response: Response) -> Request | None:
        """After a 429/5xx: the same call again after a pause, or None when attempts are spent."""
        attempt = response.meta.get("newsbot_api_attempt", 0)
        max_attempts = getint(self.settings, "NEWSBOT_API_RETRY_TIMES")
        self._stat(f"http_{response.status}")
        if attempt >= max_attempts:
            logger.error("%s: giving up on %s after %d attempts", self.name, response.url, attempt + 1)
            self._call_failed()
            return None
        base = max(self.settings.getfloat(self.api_delay_setting, self.api_default_delay), 1.0)
        cap = getfloat(self.settings, "NEWSBOT_API_BACKOFF_MAX")
        wait = retry_delay(response.headers.get(b"Retry-After"), attempt, base, cap)
        logger.warning(
            "%s: HTTP %d from the API, calling again in %.1f s (attempt %d of %d)",
            self.name, response.status, wait, attempt + 2, max_attempts + 1,
        )  # fmt: skip
        self._stat("retries")
        # Sleeping here holds back the next call too: it is only yielded by this callback.
        await asyncio.sleep(wait)
        return response.request.replace(
            dont_filter=True, meta={**response.meta, "newsbot_api_attempt": attempt + 1}
        )

    def api_call_failed(self, failure: Failure) -> Iterator[Request]:
        """A network failure of an API call: counted, retried a few times, then skipped."""
        if stopped_before_fetch(failure):
            return
        request = failure.request  # type: ignore[attr-defined]
        reason, detail, _ = failure_reason(failure)
        attempt = request.meta.get("newsbot_api_attempt", 0)
        self._stat(f"failures/{reason}")
        # A 4xx other than 429 (bad appname, bad parameters) will not get better by asking again.
        final = failure.check(HttpError) is not None
        if not final and attempt < getint(self.settings, "NEWSBOT_API_RETRY_TIMES"):
            logger.warning("%s: API call failed (%s %s), calling again", self.name, reason, detail)
            self._stat("retries")
            yield request.replace(dont_filter=True, meta={**request.meta, "newsbot_api_attempt": attempt + 1})
            return
        if final:
            detail = failure.value.response.text[:200]
        logger.error("%s: API call %s failed: %s %s", self.name, request.url, reason, detail)
        self._call_failed()
        yield from self.next_calls(request.meta)

    def next_calls(self, meta: dict[str, Any]) -> Iterator[Request]:
        """The API call after the one whose meta is given, if any (subclasses)."""
        return iter(())
