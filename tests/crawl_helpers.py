"""Running crawls from tests: in the test process (items and stats) or as ``scrapy crawl``.

A test about what a crawl stores and counts runs it in-process, as Scrapy's own tests do: the
project's settings, the test's overrides at the command line's priority (as ``-s`` gives them),
``crawler.crawl()`` awaited under the asyncio reactor that pytest-twisted runs for the session
(``--reactor=asyncio`` in pyproject's addopts). Only a test about the command line, exit codes,
signals or kills runs a subprocess (:func:`scrapy_crawl`), which costs seconds of imports each.
"""

from __future__ import annotations

import logging
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler, CrawlerRunner
from scrapy.settings import Settings
from scrapy.spiders import Spider
from scrapy.utils.defer import maybe_deferred_to_future

ROOT = Path(__file__).resolve().parent.parent

#: Politeness off for loopback test sites: the behaviour under test is the same, only faster.
FAST_SETTINGS: dict[str, Any] = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "NEWSBOT_WORKERS": 1,
    "LOG_LEVEL": "INFO",
}
FAST = [arg for name, value in FAST_SETTINGS.items() for arg in ("-s", f"{name}={value}")]


def scrapy_crawl(
    *args: str, spider: str = "news", timeout: float = 180, fast: bool = True
) -> subprocess.CompletedProcess[str]:
    """``scrapy crawl SPIDER ARGS...`` from the project root, in a subprocess."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, *(FAST if fast else []), *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def project_crawler(spider: str | type[Spider] = "news", settings: dict[str, Any] | None = None) -> Crawler:
    """The crawler ``scrapy crawl SPIDER -s ...`` would build: ``newsbot.settings`` at project
    priority, :data:`FAST_SETTINGS` and ``settings`` at the command line's (above a spider's
    ``custom_settings``, as ``-s`` is)."""
    merged = Settings()
    merged.setmodule("newsbot.settings", priority="project")
    merged.setdict({**FAST_SETTINGS, **(settings or {})}, priority="cmdline")
    return CrawlerRunner(merged).create_crawler(spider)


async def crawl(
    spider: str | type[Spider] = "news", settings: dict[str, Any] | None = None, **spider_args: Any
) -> Crawler:
    """Run one crawl to its end in the test process; the crawler holds its stats afterwards.

    The plan runs inline (``NEWSBOT_WORKERS=0``) unless ``settings`` asks for workers: a worker
    process costs seconds of CPU to start, and the plan is the same in both. The tests about the
    pool set ``NEWSBOT_WORKERS=1`` (``tests/test_crawl.py``'s demo crawl, among others)."""
    crawler = project_crawler(spider, {"NEWSBOT_WORKERS": 0, **(settings or {})})
    await maybe_deferred_to_future(crawler.crawl(**spider_args))
    return crawler


def tracebacks(records: list[logging.LogRecord]) -> list[str]:
    """The log records that carried an exception (what prints a ``Traceback`` in a run's log)."""
    return [r.getMessage() for r in records if r.exc_info or r.exc_text]


def run_in_pty(cmd: list[str], timeout: float = 180) -> str:
    """Run ``cmd`` on a pseudo-terminal (stdin, stdout, stderr); all it wrote."""
    pid, fd = pty.fork()
    if pid == 0:  # the child, on the terminal
        os.chdir(ROOT)
        os.execv(cmd[0], cmd)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 1.0)
            if ready:
                try:
                    data = os.read(fd, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
    finally:
        os.waitpid(pid, 0)
        os.close(fd)
    return b"".join(chunks).decode("utf-8", "replace")
