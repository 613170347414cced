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
from newsbot.storage.atomic import atomic_write

__all__ = ["DEFAULT_DAYS", "DatasetReader", "ReportData", "Written", "write_report"]


@dataclass
class Written:
    path: Path
    data: ReportData
    size: int


def write_report(
    root: str | Path, target: Path | None = None, *, days: int = DEFAULT_DAYS, now: datetime | None = None
) -> Written:
    """Read the dataset under ``root`` and write the page (``root/report.html`` by default) atomically."""
    data = DatasetReader(root, days=days, now=now).read()
    html = render(data).encode("utf-8")
    path = target or Path(root) / "report.html"
    with atomic_write(path) as fh:
        fh.write(html)
    return Written(path, data, len(html))
