"""A live progress display on a terminal (``NEWSBOT_PROGRESS``; ``newsbot crawl`` turns it on
when stderr is a TTY). Under cron stderr is not a terminal and Scrapy's ``LogStats`` log lines
are the progress report instead.
"""

from __future__ import annotations

import time
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from newsbot.config.declared import getbool
from newsbot.extensions.summary import build_summary

REFRESH_SECONDS = 0.5
MAX_SOURCE_ROWS = 12


class TerminalProgress:
    def __init__(self, crawler: Crawler) -> None:
        from rich.console import Console  # only when the display is on: rich costs ~10 MB

        self.crawler = crawler
        self.console = Console(stderr=True)
        self.live: Any = None
        self._timer: task.LoopingCall | None = None
        self._started = time.monotonic()
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

        s = build_summary(self.crawler.stats.get_stats(), run="", spider="", reason=None)
        t = s["totals"]
        head = Text.assemble(
            ("newsbot ", "bold"),
            f"{time.monotonic() - self._started:6.0f}s  ",
            ("requests ", "dim"),
            f"{t['requests']}  ",
            ("stored ", "dim"),
            (f"{t['stored']}", "green"),
            ("  rejected ", "dim"),
            (f"{sum(t['drops'].values())}", "yellow"),
            ("  errors ", "dim"),
            (f"{t['listing_errors'] + sum(t['download_errors'].values())}", "red"),
        )
        table = Table(box=None, pad_edge=False, header_style="dim")
        for col in ("source", "requests", "stored", "rejected", "status"):
            table.add_column(col, justify="left" if col in ("source", "status") else "right")
        rows = sorted(s["sources"].items(), key=lambda kv: -kv[1]["requests"])
        for sid, src in rows[:MAX_SOURCE_ROWS]:
            style = {"failed": "red", "idle": "dim"}.get(src["status"], "")
            table.add_row(
                sid,
                str(src["requests"]),
                str(src["stored"]),
                str(sum(src["drops"].values())),
                Text(src["status"], style=style),
            )
        if len(rows) > MAX_SOURCE_ROWS:
            table.add_row(f"… {len(rows) - MAX_SOURCE_ROWS} more", "", "", "", "")
        return Group(head, table)

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
