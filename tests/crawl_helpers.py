"""Running real ``scrapy crawl`` processes from tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Politeness off for loopback test sites: the behaviour under test is the same, only faster.
FAST = [
    "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
    "-s", "NEWSBOT_WORKERS=1",
    "-s", "LOG_LEVEL=INFO",
]  # fmt: skip


def scrapy_crawl(
    *args: str, spider: str = "news", timeout: float = 180, fast: bool = True
) -> subprocess.CompletedProcess[str]:
    """``scrapy crawl SPIDER ARGS...`` from the project root, in a subprocess."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, *(FAST if fast else []), *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
