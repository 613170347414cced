"""A live progress display on a terminal (``NEWSBOT_PROGRESS``; ``newsbot crawl`` turns it on
when stderr is a TTY): pages/s, the queue and the backlog, the time left once the work is known
(:mod:`newsbot.extensions.figures`), stored, rejected, errors, and a row per source whose state
is ``waiting`` until its first response (or error) arrives. Under cron stderr is not a terminal
and :mod:`newsbot.extensions.progresslog` writes progress lines instead.
"""

from __future__ import annotations

import time
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from newsbot.config.declared import getbool
from newsbot.extensions.figures import RateMeter, duration, measure, source_state

REFRESH_SECONDS = 0.5
#: pages/s over this many seconds: steady enough to read, recent enough to follow a change
RATE_WINDOW_SECONDS = 10.0
MAX_SOURCE_ROWS = 12


class TerminalProgress:
    def __init__(self, crawler: Crawler) -> None:
        from rich.console import Console  # only when the display is on: rich costs ~10 MB

        self.crawler = crawler
        self.console = Console(stderr=True)
        self.live: Any = None
        self._timer: task.LoopingCall | None = None
        self._started = time.monotonic()
        self.meter = RateMeter(window=RATE_WINDOW_SECONDS)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TerminalProgress:
        if not getbool(crawler.settings, "NEWSBOT_PROGRESS"):
            raise NotConfigured
        return cls(crawler)

    def render(self) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        f = measure(self.crawler, self.meter, self._started)
        t = f.summary["totals"]
        errors = t["listing_errors"] + sum(t["download_errors"].values())
        # two short lines: an 80-column terminal does not wrap them
        head = Text.assemble(
            ("newsbot ", "bold"),
            f"{duration(f.elapsed):>6}  ",
            (f"{f.rate:.1f}" if f.rate is not None else "-", "bold"),
            (" pages/s", "dim"),
            ("  queued ", "dim"),
            "?" if f.queued is None else str(f.queued),
            (f" (+{f.in_flight} in flight)", "dim"),
            *((("  backlog ", "dim"), str(f.backlog)) if f.backlog else ()),
            *((("  left ~", "dim"), (duration(f.eta), "bold")) if f.eta is not None else ()),
        )
        counts = Text.assemble(
            ("stored ", "dim"),
            (f"{f.stored}", "green"),
            ("  rejected ", "dim"),
            (f"{f.rejected}", "yellow"),
            ("  errors ", "dim"),
            (f"{errors}", "red" if errors else ""),
        )
        table = Table(box=None, pad_edge=False, header_style="dim")
        for col in ("source", "requests", "stored", "rejected", "state"):
            table.add_column(col, justify="left" if col in ("source", "state") else "right")
        rows = sorted(f.summary["sources"].items(), key=lambda kv: -kv[1]["requests"])
        for sid, src in rows[:MAX_SOURCE_ROWS]:
            state = source_state(src)
            style = {"failed": "red", "idle": "dim", "waiting": "dim"}.get(state, "")
            table.add_row(
                sid,
                str(src["requests"]),
                str(src["stored"]),
                str(sum(src["drops"].values())),
                Text(state, style=style),
            )
        if len(rows) > MAX_SOURCE_ROWS:
            table.add_row(f"… {len(rows) - MAX_SOURCE_ROWS} more", "", "", "", "")
        return Group(head, counts, table)

    def refresh(self) -> None:
        if self.live is not None:
            self.live.update(self.render(), refresh=True)

    def spider_opened(self) -> None:
        from rich.live import Live

        self.live = Live(self.render(), console=self.console, auto_refresh=False, transient=False)
        self.live.start()
        self._timer = task.LoopingCall(self.refresh)
        self._timer.start(REFRESH_SECONDS, now=False)

    def spider_closed(self) -> None:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        if self.live is not None:
            self.live.update(self.render(), refresh=True)
            self.live.stop()
            self.live = None
