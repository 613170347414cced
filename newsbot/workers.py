"""Where CPU-heavy work runs.

Scrapy runs in one thread; anything CPU-bound called inline from a pipeline stalls downloads and
caps the crawl at one core. Pipelines therefore hand pure functions to the crawl's runner and
await the result.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

T = TypeVar("T")


class InlineRunner:
    """Runs the function in the reactor thread (the fallback when there is no pool)."""

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return fn(*args)

    def close(self) -> None:
        pass


def get_runner(crawler: Crawler) -> InlineRunner:
    runner = getattr(crawler, "_newsbot_runner", None)
    if runner is None:
        runner = InlineRunner()
        crawler._newsbot_runner = runner  # type: ignore[attr-defined]
    return runner
