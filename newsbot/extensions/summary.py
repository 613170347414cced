"""The run summary: ``DIR/runs/<run_id>.json``, written atomically.

Written when the spider opens (``"finish_reason": null``: a file that stays like that belongs to a
run that was killed), refreshed every ``NEWSBOT_SUMMARY_INTERVAL`` seconds, and written for the
last time when the engine stops, after the store's final flush. Everything in it comes from
Scrapy stats: the spider, store and rejects writer count under ``newsbot/source/<id>/...``,
:class:`~newsbot.middlewares.sourcestats.SourceStatsMiddleware` adds requests, responses and
download errors, and this extension counts stored near-duplicates.
"""

from __future__ import annotations

import json
import logging
import platform
from datetime import UTC, datetime
from typing import Any

import scrapy
from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from newsbot import __version__
from newsbot.config.declared import getbool, getfloat
from newsbot.run import run_id
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
        },
        "sources": sources,
        # the main thread's longest stall (newsbot.extensions.reactorlag)
        "reactor": {
            "max_lag_ms": stats.get("newsbot/reactor/max_lag_ms"),
            "lags_over_100ms": stats.get("newsbot/reactor/lags_over_100ms", 0),
            "last_lag_over_100ms_at_s": stats.get("newsbot/reactor/last_lag_over_100ms_at_s"),
        },
        "versions": {
            "newsbot": __version__,
            "scrapy": scrapy.__version__,
            "python": platform.python_version(),
        },
    }


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
        self.reason: str | None = None
        self._timer: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunSummary:
        if not getbool(crawler.settings, "NEWSBOT_SUMMARY_ENABLED"):
            raise NotConfigured
        return cls(crawler)

    def item_scraped(self, item: Any) -> None:
        a = ItemAdapter(item)
        if a.get("duplicate_of"):
            self.stats.inc_value("newsbot/stored_duplicates")
            if a.get("source"):
                self.stats.inc_value(f"{SOURCE_PREFIX}{a['source']}/stored_duplicates")

    def summary(self) -> dict[str, Any]:
        return build_summary(
            self.stats.get_stats(), run=self.run_id, spider=self.crawler.spidercls.name, reason=self.reason
        )

    def write(self) -> None:
        try:
            write_summary(self.location, self.name, self.summary())
        except OSError as exc:
            logger.error("Cannot write the run summary %s: %s", self.path, exc)

    def spider_opened(self) -> None:
        self.write()
        if self.interval > 0:
            self._timer = task.LoopingCall(self.write)
            self._timer.start(self.interval, now=False)

    def spider_closed(self, reason: str) -> None:
        self.reason = reason
        if self._timer is not None and self._timer.running:
            self._timer.stop()

    def engine_stopped(self) -> None:
        # After every spider_closed handler, the store's final flush included.
        if self.reason is None:
            self.reason = self.stats.get_value("finish_reason") or "unknown"
        self.write()
        logger.info("Run summary: %s", self.path)
