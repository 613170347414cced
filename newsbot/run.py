"""The run: its id and the output directory, shared by every component of one crawl."""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from newsbot.config.declared import default

if TYPE_CHECKING:
    from newsbot.storage.location import Location


def new_run_id(now: datetime | None = None) -> str:
    """Sortable, unique across processes and machines: time, then random."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def run_id(crawler: Crawler) -> str:
    """The run id of this crawl (``NEWSBOT_RUN_ID`` when the caller sets one)."""
    rid = getattr(crawler, "_newsbot_run_id", None)
    if rid is None:
        rid = crawler.settings.get("NEWSBOT_RUN_ID") or new_run_id()
        crawler._newsbot_run_id = rid  # type: ignore[attr-defined]
    return rid


def output_dir(settings: BaseSettings) -> Path:
    """The output directory as a local path; for an object-store output, see
    :func:`newsbot.storage.location.output_location` (which every writer uses)."""
    return Path(settings.get("NEWSBOT_OUTPUT_DIR") or default("NEWSBOT_OUTPUT_DIR"))


def state_location(settings: BaseSettings) -> Location:
    """``DIR/state``: caches rebuilt from the dataset when absent (local or in an object store)."""
    from newsbot.storage.location import output_location  # pyarrow: not in the worker processes

    location = output_location(settings).child("state")
    location.makedirs()
    return location


def pid_tag() -> str:
    return f"{os.getpid()}"
