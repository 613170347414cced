"""Source health from the run summaries: the table an operator reads first.

Each finished run's summary (:mod:`newsbot.extensions.summary`) gives every source it touched a
status: ``ok`` (it stored records, or answered usefully), ``failed`` (no usable answer: every
listing failed, or no request got a response) or ``idle`` (the run did not ask it anything, as
in ``newsbot crawl --sources other``). Idle runs say nothing about a source, so they neither
count as a failure nor end a run of failures. A summary whose run has not finished
(``finish_reason`` null: running now, or killed) is left out: its statuses are provisional.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from newsbot.report.data import Articles, Runs


@dataclass
class SourceHealth:
    source: str
    last_status: str | None = None  # status in the latest finished run that asked it anything
    last_run_at: datetime | None = None
    last_success: datetime | None = None
    failed_runs: int = 0  # consecutive, ending with the latest run that asked it anything
    runs: int = 0  # finished runs that asked it anything
    last_errors: str = ""  # what went wrong in its latest failed run, from the summary's counts
    records: int = 0
    recent_records: int = 0  # fetched in the last 7 days
    last_fetched: datetime | None = None

    @property
    def failing(self) -> bool:
        return self.failed_runs > 0


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def run_time(summary: dict[str, Any]) -> datetime | None:
    """When the run ended (or was last written, or started)."""
    for key in ("finished_at", "updated_at", "started_at"):
        t = parse_time(summary.get(key))
        if t is not None:
            return t
    return None


def _errors(block: dict[str, Any]) -> str:
    """A short account of a failed source's errors: ``listings 2, TimeoutError 3, http 503 x4``."""
    parts = []
    errors = block.get("errors") or {}
    if errors.get("listings"):
        parts.append(f"listing errors {errors['listings']}")
    for name, n in (errors.get("downloads") or {}).items():
        parts.append(f"{name.rsplit('.', 1)[-1]} {n}")
    if errors.get("blocked_address"):
        parts.append(f"blocked address {errors['blocked_address']}")
    for status, n in (block.get("responses") or {}).items():
        if not (status.isdigit() and 200 <= int(status) < 400):
            parts.append(f"HTTP {status} ×{n}")
    return ", ".join(parts)


def finished(runs: Runs) -> list[dict[str, Any]]:
    return [s for s in runs.summaries if s.get("finish_reason") is not None]


def source_health(runs: Runs, articles: Articles) -> list[SourceHealth]:
    """One row per source seen in a run summary or in the dataset; failing sources first."""
    rows: dict[str, SourceHealth] = {}
    for summary in finished(runs):
        when = run_time(summary)
        for sid, block in (summary.get("sources") or {}).items():
            if not isinstance(block, dict):
                continue
            status = block.get("status")
            if status not in ("ok", "failed"):
                continue
            h = rows.setdefault(sid, SourceHealth(sid))
            h.runs += 1
            h.last_status = status
            h.last_run_at = when
            if status == "ok":
                h.last_success = when
                h.failed_runs = 0
            else:
                h.failed_runs += 1
                h.last_errors = _errors(block)
    for sid, (records, _dups, recent, last) in articles.per_source.items():
        h = rows.setdefault(sid, SourceHealth(sid))
        h.records, h.recent_records, h.last_fetched = records, recent, last
    return sorted(rows.values(), key=lambda h: (-h.failed_runs, h.recent_records, h.source))
