"""CC-NEWS: which of Common Crawl's news WARC files cover a date range.

Common Crawl publishes CC-NEWS (news pages crawled every day since August 2016) as WARC files
listed per month in ``crawl-data/CC-NEWS/YYYY/MM/warc.paths.gz``: one path a line, relative to
the base URL, e.g. ``crawl-data/CC-NEWS/2023/10/CC-NEWS-20231001012345-00123.warc.gz``. The 14
digits are the UTC time the crawler started writing that file (``YYYYMMDDHHMMSS``); its records
were fetched from then until the next file was started, so a file is picked when that span meets
the range, which includes the last file started before the range (it runs into it). Records
fetched outside the range are then dropped by the ``warc`` spider's ``since``/``until`` filter.

The base URL is ``NEWSBOT_CCNEWS_BASE_URL`` (Common Crawl's public HTTPS endpoint by default; a
mirror or a local server for tests). Path lists are small (a few KB) and read here with the
standard library, before the crawl starts; the WARC files (about 1 GB each) are streamed by the
``warc`` spider.
"""

from __future__ import annotations

import gzip
import logging
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://data.commoncrawl.org/"
PATHS_TEMPLATE = "crawl-data/CC-NEWS/{year:04d}/{month:02d}/warc.paths.gz"
#: The first month CC-NEWS has.
FIRST_MONTH = date(2016, 8, 1)
_NAME = re.compile(r"CC-NEWS-(\d{14})-(\d{5})\.warc(?:\.gz)?$")
_ATTEMPTS = 4


class CCNewsError(RuntimeError):
    """A path list could not be read (the message names its URL)."""


@dataclass(frozen=True, order=True)
class CCNewsFile:
    """One CC-NEWS WARC file: when its writing started, its serial number and its path."""

    started: datetime
    serial: int
    path: str

    def url(self, base_url: str) -> str:
        return urljoin(_base(base_url), self.path)


def parse_name(path: str) -> CCNewsFile | None:
    """The file a path-list line names; None for a line that is not a CC-NEWS WARC path."""
    m = _NAME.search(path.strip())
    if m is None:
        return None
    try:
        started = datetime.strptime(m.group(1), "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None
    return CCNewsFile(started, int(m.group(2)), path.strip().lstrip("/"))


def months(start: date, end: date) -> list[date]:
    """The first day of every month from ``start``'s to ``end``'s, both included."""
    out, day = [], date(start.year, start.month, 1)
    while day <= end:
        out.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return out


def paths_url(base_url: str, month: date) -> str:
    return urljoin(_base(base_url), PATHS_TEMPLATE.format(year=month.year, month=month.month))


def _base(base_url: str) -> str:
    return base_url if base_url.endswith("/") else base_url + "/"


def read_paths(base_url: str, month: date, *, timeout: float = 60.0) -> list[CCNewsFile] | None:
    """The files a month's ``warc.paths.gz`` lists; None when the list does not exist (404).

    Retries 429/5xx answers and network errors (Common Crawl's endpoint answers ``503 Slow Down``
    when busy), honouring ``Retry-After``."""
    url = paths_url(base_url, month)
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - http(s) only
                data = resp.read()
            break
        except urllib.error.HTTPError as exc:
            if exc.code in (403, 404):
                return None
            if (exc.code != 429 and exc.code < 500) or attempt == _ATTEMPTS:
                raise CCNewsError(f"{url}: HTTP {exc.code}") from None
            delay = _retry_after(exc.headers.get("Retry-After"), attempt)
        except (urllib.error.URLError, OSError) as exc:
            if attempt == _ATTEMPTS:
                raise CCNewsError(f"{url}: {getattr(exc, 'reason', exc)}") from None
            delay = _retry_after(None, attempt)
        logger.warning("CC-NEWS path list %s: attempt %d failed, retrying in %.0fs", url, attempt, delay)
        time.sleep(delay)
    try:
        text = gzip.decompress(data).decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise CCNewsError(f"{url}: not a gzip-compressed path list ({exc})") from None
    files = [f for f in (parse_name(line) for line in text.splitlines() if line.strip()) if f]
    return sorted(files)


def _retry_after(value: str | None, attempt: int) -> float:
    try:
        return min(max(float(value), 0.0), 60.0) if value else float(2**attempt)
    except ValueError:
        return float(2**attempt)


def select(files: Iterable[CCNewsFile], start: date, end: date) -> list[CCNewsFile]:
    """The files whose span (their start until the next file's) meets ``start`` 00:00 to ``end``
    24:00 UTC, in time order."""
    lo = datetime(start.year, start.month, start.day, tzinfo=UTC)
    hi = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)
    ordered = sorted(set(files))
    picked = [f for f in ordered if lo <= f.started < hi]
    before = [f for f in ordered if f.started < lo]
    if before:
        # The last file started before the range was still being written when it began.
        picked.insert(0, before[-1])
    return picked


def ccnews_files(base_url: str, start: date, end: date) -> list[CCNewsFile]:
    """Every CC-NEWS file with records fetched between ``start`` and ``end`` (UTC days, included).

    Reads the path list of each month of the range and, for the file running into the range,
    the month before it. Raises :class:`CCNewsError` when no list of the range exists."""
    if end < start:
        raise ValueError(f"--to {end} is before --from {start}")
    wanted = months(max(start, FIRST_MONTH), end)
    listed: list[CCNewsFile] = []
    found = 0
    for month in wanted:
        files = read_paths(base_url, month)
        if files is None:
            logger.warning("CC-NEWS has no path list at %s", paths_url(base_url, month))
            continue
        found += 1
        listed.extend(files)
    if not found:
        raise CCNewsError(f"no CC-NEWS path list for {start:%Y-%m} to {end:%Y-%m} under {base_url}")
    lo = datetime(start.year, start.month, start.day, tzinfo=UTC)
    if wanted and not any(f.started <= lo for f in listed) and wanted[0] > FIRST_MONTH:
        previous = wanted[0] - timedelta(days=1)
        listed.extend(read_paths(base_url, date(previous.year, previous.month, 1)) or [])
    return select(listed, start, end)


def ccnews_urls(settings: Any, start: date, end: date) -> list[str]:
    """The URLs of the CC-NEWS files of ``start`` to ``end`` under ``NEWSBOT_CCNEWS_BASE_URL``."""
    base = str(settings.get("NEWSBOT_CCNEWS_BASE_URL") or DEFAULT_BASE_URL)
    return [f.url(base) for f in ccnews_files(base, start, end)]


def warc_spider_arguments(
    settings: Any, start: date, end: date, sources: Iterable[str] = ()
) -> dict[str, str]:
    """The ``warc`` spider's arguments for a CC-NEWS backfill of ``start`` to ``end``: the files,
    the same range as a record filter (a picked file may run past either end), and the sources
    whose hosts are kept (before extraction; CC-NEWS holds every news site)."""
    kwargs = {
        "files": ",".join(ccnews_urls(settings, start, end)),
        "since": start.isoformat(),
        "until": end.isoformat(),
    }
    sources = list(sources)
    if sources:
        kwargs["sources"] = ",".join(sources)
    return kwargs


__all__ = [
    "CCNewsError",
    "CCNewsFile",
    "ccnews_files",
    "ccnews_urls",
    "months",
    "parse_name",
    "read_paths",
    "select",
    "warc_spider_arguments",
]
