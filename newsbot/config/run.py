"""The run: its id and the output directory, shared by every component of one crawl."""

from __future__ import annotations

import os
import secrets
import weakref
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


class RunIdAddon:
    """Scrapy add-on: ``NEWSBOT_RUN_ID`` chosen once, when the settings are final, unless the
    caller set one (``newsbot crawl`` does, to name the run summary before Scrapy starts)."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("NEWSBOT_RUN_ID"):
            settings.set("NEWSBOT_RUN_ID", new_run_id(), priority="addon")


#: run ids of crawlers built without newsbot's add-ons (``scrapy.utils.test.get_crawler``)
_unset: weakref.WeakKeyDictionary[Crawler, str] = weakref.WeakKeyDictionary()


def run_id(crawler: Crawler) -> str:
    """The run id of this crawl: the ``NEWSBOT_RUN_ID`` setting."""
    rid = crawler.settings.get("NEWSBOT_RUN_ID")
    if rid:
        return str(rid)
    return _unset.setdefault(crawler, new_run_id())


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
