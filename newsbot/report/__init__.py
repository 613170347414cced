"""``newsbot report``: one self-contained HTML page about a dataset and the health of its sources.

:mod:`~newsbot.report.data` reads (DuckDB over the Parquet files, the run summaries),
:mod:`~newsbot.report.health` turns run summaries into the source-health table,
:mod:`~newsbot.report.charts` draws, :mod:`~newsbot.report.page` lays the page out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from newsbot.report.data import DEFAULT_DAYS, DatasetReader, ReportData
from newsbot.report.page import render
from newsbot.storage.location import Location, as_location

__all__ = ["DEFAULT_DAYS", "DatasetReader", "ReportData", "Written", "write_report"]


@dataclass
class Written:
    #: where the page was written: a local path, or an object URI
    path: Path | str
    data: ReportData
    size: int


def write_report(
    root: str | Path | Location,
    target: Path | None = None,
    *,
    days: int = DEFAULT_DAYS,
    now: datetime | None = None,
) -> Written:
    """Read the dataset under ``root`` (a directory or an object-store location) and write the page
    (``root/report.html`` by default), complete or not at all."""
    store = as_location(root)
    data = DatasetReader(store, days=days, now=now).read()
    html = render(data).encode("utf-8")
    if target is not None:
        as_location(str(Path(target).parent)).write_bytes(Path(target).name, data=html)
        return Written(target, data, len(html))
    store.write_bytes("report.html", data=html)
    path: Path | str = Path(store.uri_of("report.html")) if store.is_local else store.uri_of("report.html")
    return Written(path, data, len(html))
