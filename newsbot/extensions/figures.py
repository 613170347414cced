"""What a running crawl is doing, in figures: the progress line's and the live display's.

Everything comes from Scrapy's stats and the engine: the rate is responses per second over a
recent window, the queue is the requests not yet sent (in the scheduler and in the downloader's
per-host queues), in flight those on the wire, the
backlog is the articles listed but held back until the scheduler has room
(:mod:`newsbot.discovery.backlog`). Stored and rejected count what is on disk, as the summary
does. The time left is shown once there is work whose size is known, the queue and the backlog
(a sitemap backfill lists thousands of articles at once), at the current rate; listings still
being read can add to it.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import Crawler

from newsbot.compat import downloader_transferring
from newsbot.extensions.summary import build_summary


class RateMeter:
    """Events per second over the last ``window`` seconds, from a growing counter."""

    def __init__(self, window: float) -> None:
        self.window = window
        self.samples: deque[tuple[float, int]] = deque()

    def update(self, count: int, now: float | None = None) -> float | None:
        """The rate since the oldest sample in the window; None until there are two samples."""
        now = time.monotonic() if now is None else now
        self.samples.append((now, count))
        while len(self.samples) > 2 and now - self.samples[1][0] >= self.window:
            self.samples.popleft()
        t0, c0 = self.samples[0]
        if now - t0 <= 0:
            return None
        return max(count - c0, 0) / (now - t0)


def source_state(src: dict[str, Any]) -> str:
    """A source's state for display: none until something came back for it.

    The summary's status calls a source with requests and no good response ``failed``; while the
    crawl runs, that is every source whose first request is still on the wire.
    """
    answered = (
        sum(src["responses"].values())
        + sum(src["errors"]["downloads"].values())
        + src["errors"]["listings"]
        + src["errors"]["blocked_address"]
    )
    if src["status"] != "idle" and not answered and not src["stored"]:
        return "waiting"
    return str(src["status"])


@dataclass
class Figures:
    elapsed: float
    responses: int
    rate: float | None  # responses per second, recent
    stored: int
    rejected: int
    queued: int | None  # requests not yet sent; None: a scheduler that does not say (Redis)
    in_flight: int  # requests on the wire
    backlog: int
    failing_sources: list[str] = field(default_factory=list)
    failing_hosts: int = 0
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def eta(self) -> float | None:
        """Seconds left for the queued and backlogged requests at the current rate."""
        work = (self.queued or 0) + self.backlog
        if not work or not self.rate:
            return None
        return work / self.rate


def measure(crawler: Crawler, meter: RateMeter, started: float) -> Figures:
    stats = crawler.stats.get_stats()
    summary = build_summary(stats, run="", spider="", reason=None)
    totals = summary["totals"]
    responses = int(stats.get("downloader/response_count", 0))
    engine = crawler.engine
    queued: int | None = None
    in_flight = 0
    if engine is not None:
        try:
            scheduled: int | None = len(engine.scheduler)  # type: ignore[arg-type]
        except (TypeError, AttributeError):
            scheduled = None
        downloader = getattr(engine, "downloader", None)
        # The engine moves requests from the scheduler to the downloader's per-host queues as
        # long as it takes them (CONCURRENT_REQUESTS): those wait too.
        waiting = len(getattr(downloader, "active", ()) or ())
        in_flight = downloader_transferring(engine)
        queued = None if scheduled is None else scheduled + waiting - in_flight
    backlog = int(stats.get("newsbot/discovery/backlog/held", 0)) - int(
        stats.get("newsbot/discovery/backlog/released", 0)
    )
    failing = [sid for sid, src in summary["sources"].items() if source_state(src) == "failed"]
    return Figures(
        elapsed=time.monotonic() - started,
        responses=responses,
        rate=meter.update(responses),
        stored=totals["stored"],
        rejected=sum(totals["drops"].values()),
        queued=queued,
        in_flight=in_flight,
        backlog=max(backlog, 0),
        failing_sources=failing,
        failing_hosts=int(stats.get("newsbot/failing_hosts", 0)),
        summary=summary,
    )


def duration(seconds: float) -> str:
    """``"45s"``, ``"12m05s"``, ``"3h20m"``."""
    s = int(round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"
