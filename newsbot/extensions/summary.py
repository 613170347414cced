"""The run summary: ``DIR/runs/<run_id>.json``, written atomically.

Written when the spider opens (``"finish_reason": null``: a file that stays like that belongs to a
run that was killed), refreshed every ``NEWSBOT_SUMMARY_INTERVAL`` seconds, and written for the
last time when the engine stops, after the store's final flush (or, after a second Ctrl-C, just
before the reactor stops, after the store wrote what it held). Everything in it comes from
Scrapy stats: the spider, store and rejects writer count under ``newsbot/source/<id>/...``
(records, near-duplicates and rejects once they are on disk),
:class:`~newsbot.middlewares.sourcestats.SourceStatsMiddleware` adds requests, responses and
download errors.
"""

from __future__ import annotations

import json
import logging
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from newsbot import __version__
from newsbot import signals as nb_signals
from newsbot.config.declared import getbool, getfloat
from newsbot.config.run import run_id
from newsbot.storage.location import Location, output_location

logger = logging.getLogger(__name__)

SOURCE_PREFIX = "newsbot/source/"
SUMMARY_VERSION = 1


def _ok(status: str) -> bool:
    return status.isdigit() and 200 <= int(status) < 400


def source_summary(counts: dict[str, int]) -> dict[str, Any]:
    """One source's block of the summary, from its stats (keys without the source prefix)."""
    responses = {k.split("/", 1)[1]: v for k, v in counts.items() if k.startswith("responses/")}
    rejects = {k.split("/", 1)[1]: v for k, v in counts.items() if k.startswith("rejects/")}
    dl_errors = {k.split("/", 1)[1]: v for k, v in counts.items() if k.startswith("download_errors/")}
    discovery = {k.split("/", 1)[1]: v for k, v in counts.items() if k.startswith("discovery/")}
    listings = discovery.get("listings", 0)
    listing_errors = discovery.get("errors", 0)
    stored = counts.get("stored", 0)
    ok_responses = sum(v for k, v in responses.items() if _ok(k))
    requests = counts.get("requests", 0)
    if stored:
        status = "ok"
    elif not (requests or listings or discovery.get("requested", 0)):
        status = "idle"
    elif ok_responses == 0 or (listings and listing_errors >= listings):
        # Nothing usable came back: every listing failed or no request got an answer.
        status = "failed"
    else:
        status = "ok"
    return {
        "status": status,
        "requests": requests,
        "responses": dict(sorted(responses.items())),
        "stored": stored,
        "duplicates": counts.get("stored_duplicates", 0),
        "drops": dict(sorted(rejects.items())),
        "errors": {
            "listings": listing_errors,
            "downloads": dict(sorted(dl_errors.items())),
            "blocked_address": counts.get("blocked_address", 0),
        },
        "discovery": dict(sorted(discovery.items())),
    }


def build_summary(stats: dict[str, Any], *, run: str, spider: str, reason: str | None) -> dict[str, Any]:
    per_source: dict[str, dict[str, int]] = {}
    for key, value in stats.items():
        if key.startswith(SOURCE_PREFIX) and isinstance(value, int):
            source, _, rest = key[len(SOURCE_PREFIX) :].partition("/")
            per_source.setdefault(source, {})[rest] = value
    sources = {sid: source_summary(c) for sid, c in sorted(per_source.items())}
    active = [s for s in sources.values() if s["status"] != "idle"]
    failed = sorted(sid for sid, s in sources.items() if s["status"] == "failed")
    start = stats.get("start_time")
    now = datetime.now(UTC)

    def top(prefix: str) -> dict[str, int]:
        return {k[len(prefix) :]: v for k, v in sorted(stats.items()) if k.startswith(prefix)}

    return {
        "summary_version": SUMMARY_VERSION,
        "run_id": run,
        "spider": spider,
        "started_at": start.isoformat() if isinstance(start, datetime) else None,
        "finished_at": now.isoformat() if reason is not None else None,
        "updated_at": now.isoformat(),
        "elapsed_seconds": round((now - start).total_seconds(), 3) if isinstance(start, datetime) else None,
        "finish_reason": reason,
        "shutdown_signal": stats.get("newsbot/shutdown_signal"),
        # the first failed dataset write ("DIR/articles: [Errno 28] No space left on device")
        "write_failed": stats.get("newsbot/write_failed"),
        "all_sources_failed": bool(active) and len(failed) == len(active),
        "failed_sources": failed,
        "totals": {
            "requests": stats.get("downloader/request_count", 0),
            "responses": top("downloader/response_status_count/"),
            "stored": stats.get("newsbot/stored", 0),
            "duplicates": stats.get("newsbot/stored_duplicates", 0),
            "drops": top("newsbot/rejects/"),
            "download_errors": top("downloader/exception_type_count/"),
            "blocked_address": stats.get("newsbot/blocked_address", 0),
            "listing_errors": stats.get("newsbot/discovery/errors", 0),
            "log_errors": stats.get("log_count/ERROR", 0),
            "write_errors": stats.get("newsbot/write_errors", 0),
        },
        "sources": sources,
        # every other newsbot counter of the run (discovery, caps, robots.txt, failing hosts):
        # Scrapy's stats dump is a DEBUG record under newsbot crawl (newsbot.config.logs)
        "counters": {
            k: v
            for k, v in sorted(stats.items())
            if k.startswith("newsbot/") and not k.startswith(SOURCE_PREFIX) and isinstance(v, int | float)
        },
        # the main thread's longest stall (newsbot.extensions.reactorlag)
        "reactor": {
            "max_lag_ms": stats.get("newsbot/reactor/max_lag_ms"),
            "p99_lag_ms": stats.get("newsbot/reactor/p99_lag_ms"),
            "lags_over_100ms": stats.get("newsbot/reactor/lags_over_100ms", 0),
            "last_lag_over_100ms_at_s": stats.get("newsbot/reactor/last_lag_over_100ms_at_s"),
        },
        "versions": {
            "newsbot": __version__,
            "scrapy": scrapy.__version__,
            "python": platform.python_version(),
        },
    }


#: Space kept aside for the last summary (``DIR/runs/.space-reserve``, hidden from readers): when
#: the disk fills up, the records that did not fit are lost, but the summary saying so is
#: written. Released only when a summary write fails for want of space, and at the end.
RESERVE_BYTES = 256 * 1024
RESERVE_NAME = ".space-reserve"


def write_summary(location: Location, name: str, summary: dict[str, Any]) -> None:
    """Write ``summary`` as ``name`` under ``location`` (complete or not at all)."""
    data = json.dumps(summary, indent=2, ensure_ascii=False, default=str).encode("utf-8") + b"\n"
    location.write_bytes(name, data=data)


class RunSummary:
    """Writes ``DIR/runs/<run_id>.json`` (``NEWSBOT_SUMMARY_ENABLED``, default on)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.run_id = run_id(crawler)
        self.location = output_location(crawler.settings).child("runs")
        self.name = f"{self.run_id}.json"
        self.path = self.location.uri_of(self.name)
        self.interval = getfloat(crawler.settings, "NEWSBOT_SUMMARY_INTERVAL")
        # An object store does not fill up: the reserve is for local disks.
        self.reserve: Path | None = None
        if self.location.is_local:
            self.reserve = self.location.local_path / RESERVE_NAME
        self.reason: str | None = None
        self._timer: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunSummary:
        if not getbool(crawler.settings, "NEWSBOT_SUMMARY_ENABLED"):
            raise NotConfigured
        return cls(crawler)

    def summary(self) -> dict[str, Any]:
        return build_summary(
            self.stats.get_stats(), run=self.run_id, spider=self.crawler.spidercls.name, reason=self.reason
        )

    def write(self, final: bool = False) -> None:
        summary = self.summary()
        try:
            write_summary(self.location, self.name, summary)
            return
        except OSError as exc:
            # Only the last summary may use the reserve: an interim one would leave it to the
            # store, and the last summary would then find no room.
            if not (final and self._release_reserve()):
                logger.error("Cannot write the run summary %s: %s", self.path, exc)
                return
        try:
            write_summary(self.location, self.name, summary)
        except OSError as exc:
            logger.error("Cannot write the run summary %s: %s", self.path, exc)

    def _reserve_space(self) -> None:
        reserve = self.reserve
        if reserve is None:
            return
        try:
            with reserve.open("wb") as fh:
                fh.write(b"\0" * RESERVE_BYTES)  # written, not truncated: the blocks are allocated
        except OSError:
            reserve.unlink(missing_ok=True)  # no room even for that: the summary takes its chance

    def _drop_reserve(self) -> None:
        if self.reserve is not None:
            self.reserve.unlink(missing_ok=True)

    def _release_reserve(self) -> bool:
        reserve = self.reserve
        if reserve is None or not reserve.exists():
            return False
        reserve.unlink(missing_ok=True)
        logger.warning("The disk is full: released the space kept for the run summary")
        return True

    def spider_opened(self) -> None:
        # Connected now, not in __init__: the pipelines (created after the extensions) have
        # connected theirs, so on a second signal the rows are written before the summary is.
        self.crawler.signals.connect(self.stop_now, signal=nb_signals.stop_now)
        self.write()
        self._reserve_space()
        if self.interval > 0:
            self._timer = task.LoopingCall(self.write)
            self._timer.start(self.interval, now=False)

    def spider_closed(self, reason: str) -> None:
        self.reason = reason
        if self._timer is not None and self._timer.running:
            self._timer.stop()

    def stop_now(self, **_: Any) -> None:
        """A second signal: the engine will not stop; this is the last summary."""
        self.reason = self.reason or "shutdown"
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        self.write(final=True)
        self._drop_reserve()

    def engine_stopped(self) -> None:
        # After every spider_closed handler, the store's final flush included.
        if self.reason is None:
            self.reason = self.stats.get_value("finish_reason") or "unknown"
        self.write(final=True)
        self._drop_reserve()
        logger.info("Run summary: %s", self.path)
