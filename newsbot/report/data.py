"""Everything ``newsbot report`` reads from a dataset directory, in one place.

The articles and rejects are aggregated by DuckDB straight from the Parquet files, so the page
holds counts, never rows: a corpus of millions of records gives a report of the same size as one
of twenty. The run summaries (``DIR/runs/*.json``) are small and read whole.

Only this module touches storage. It names files through :meth:`DatasetReader.location` and lists
and reads the run summaries through two small methods, so an object store (``s3://...``) needs
a filesystem there (registered with DuckDB by ``con.register_filesystem``) and nothing else.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from newsbot.storage.duckdb_fs import sql_path
from newsbot.storage.location import Location, as_location

logger = logging.getLogger(__name__)

#: Days shown in the charts over time, ending at the latest day the data has.
DEFAULT_DAYS = 90
#: Sources (languages) drawn one by one; the rest are summed into "other".
TOP_SOURCES = 12
TOP_LANGUAGES = 15
#: Width of a conflict-score histogram bin (the score is in [0, 1]).
SCORE_BIN = 0.05
#: The window of "records in the last 7 days" in the source-health table.
RECENT = timedelta(days=7)


@dataclass
class Articles:
    """Aggregates of ``DIR/articles`` (empty when the dataset has no records yet)."""

    total: int = 0
    sources: int = 0
    duplicates: int = 0
    relevant: int = 0  # conflict_score >= 0.5
    first_published: date | None = None
    last_published: date | None = None
    last_fetched: datetime | None = None
    #: (day, source, records) by day of publication, within ``published_window``
    per_published_day: list[tuple[date, str, int]] = field(default_factory=list)
    published_window: tuple[date, date] | None = None
    #: records with no publication date, and dated outside the window
    undated: int = 0
    outside_window: int = 0
    #: (day, source, records) by day of fetch, within ``fetched_window``
    per_fetched_day: list[tuple[date, str, int]] = field(default_factory=list)
    fetched_window: tuple[date, date] | None = None
    languages: list[tuple[str, int]] = field(default_factory=list)
    #: (lower edge, records) for each score bin that has records
    score_bins: list[tuple[float, int]] = field(default_factory=list)
    unscored: int = 0
    #: source → (records, near-duplicates, records fetched in the last 7 days, last fetch)
    per_source: dict[str, tuple[int, int, int, datetime | None]] = field(default_factory=dict)


@dataclass
class Rejects:
    total: int = 0
    reasons: list[tuple[str, int]] = field(default_factory=list)
    #: (day, reason, pages) within ``window``
    per_day: list[tuple[date, str, int]] = field(default_factory=list)
    window: tuple[date, date] | None = None


@dataclass
class Runs:
    #: parsed summaries, oldest first
    summaries: list[dict[str, Any]] = field(default_factory=list)
    #: (file name, why it could not be read): shown on the page, never skipped silently
    unreadable: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ReportData:
    root: str
    generated_at: datetime
    articles: Articles
    rejects: Rejects
    runs: Runs


def _window(first: date | None, last: date | None, today: date, days: int) -> tuple[date, date] | None:
    """At most ``days`` days ending at the latest day the data has, but not after today (clock errors)."""
    if first is None or last is None:
        return None
    end = min(last, today)
    return max(min(first, end), end - timedelta(days=days - 1)), end


class DatasetReader:
    """Reads one dataset root (a local directory or an object-store location) for the report."""

    def __init__(
        self, root: str | Path | Location, *, days: int = DEFAULT_DAYS, now: datetime | None = None
    ) -> None:
        self.store = as_location(root)
        self.root = self.store.uri
        self.days = days
        self.now = now or datetime.now(UTC)
        self._con: Any = None

    # --- storage: the only methods that know where the root is ---

    def location(self, *parts: str) -> str:
        """A SQL string literal DuckDB opens ``parts`` below the root with."""
        return sql_path(self.con, self.store, *parts)

    def exists(self) -> bool:
        return self.store.is_dir()

    def has_parquet(self, kind: str) -> bool:
        return bool(self.store.files(kind))

    def run_files(self) -> list[str]:
        prefix = self.store.path("runs") + "/"
        return [f.name for f in self.store.files("runs", suffix=".json") if "/" not in f.path[len(prefix) :]]

    def read_run(self, name: str) -> bytes:
        return self.store.read_bytes("runs", name)

    # --- queries ---

    @property
    def con(self) -> Any:
        if self._con is None:
            import duckdb

            self._con = duckdb.connect()
            self._con.execute("SET TimeZone = 'UTC'")
        return self._con

    def _view(self, name: str, kind: str) -> None:
        glob = self.location(kind, "**", "*.parquet")
        self.con.execute(
            f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM "
            f"read_parquet({glob}, hive_partitioning=true, union_by_name=true)"
        )

    def read(self) -> ReportData:
        return ReportData(
            root=self.root,
            generated_at=self.now,
            articles=self.articles(),
            rejects=self.rejects(),
            runs=self.runs(),
        )

    def articles(self) -> Articles:
        if not self.has_parquet("articles"):
            return Articles()
        self._view("a", "articles")
        q = self.con.execute
        today = self.now.date()
        total, sources, dups, relevant, first_pub, last_pub, last_fetch = q(
            "SELECT count(*), count(DISTINCT source), count(duplicate_of), "
            "count(*) FILTER (WHERE conflict_score >= 0.5), "
            "CAST(min(published_at) AS DATE), CAST(max(published_at) AS DATE), max(fetched_at) FROM a"
        ).fetchone()
        out = Articles(
            total=total,
            sources=sources,
            duplicates=dups,
            relevant=relevant,
            first_published=first_pub,
            last_published=last_pub,
            last_fetched=last_fetch,
        )
        # the window ends at the latest publication day that is not in the future
        last_real = q("SELECT CAST(max(published_at) AS DATE) FROM a WHERE published_at <= ?", [self.now])
        out.published_window = _window(first_pub, last_real.fetchone()[0], today, self.days)
        out.undated = q("SELECT count(*) FROM a WHERE published_at IS NULL").fetchone()[0]
        if out.published_window:
            start, end = out.published_window
            out.per_published_day = self._per_day("a", "published_at", "source", start, end)
            out.outside_window = total - out.undated - sum(n for _, _, n in out.per_published_day)
        first_fetch = q("SELECT CAST(min(fetched_at) AS DATE) FROM a").fetchone()[0]
        out.fetched_window = _window(first_fetch, last_fetch.date() if last_fetch else None, today, self.days)
        if out.fetched_window:
            out.per_fetched_day = self._per_day("a", "fetched_at", "source", *out.fetched_window)
        out.languages = q(
            "SELECT coalesce(language, 'unknown'), count(*) FROM a GROUP BY 1 ORDER BY 2 DESC, 1"
        ).fetchall()
        bins = int(round(1 / SCORE_BIN))
        out.score_bins = [
            (b * SCORE_BIN, n)
            for b, n in q(
                f"SELECT least(greatest(CAST(floor(conflict_score * {bins}) AS INTEGER), 0), {bins - 1}) b, "
                "count(*) FROM a WHERE conflict_score IS NOT NULL GROUP BY b ORDER BY b"
            ).fetchall()
        ]
        out.unscored = q("SELECT count(*) FROM a WHERE conflict_score IS NULL").fetchone()[0]
        out.per_source = {
            s: (n, d, recent, last)
            for s, n, d, recent, last in q(
                "SELECT source, count(*), count(duplicate_of), count(*) FILTER (WHERE fetched_at >= ?), "
                "max(fetched_at) FROM a GROUP BY source ORDER BY source",
                [self.now - RECENT],
            ).fetchall()
        }
        return out

    def _per_day(
        self, view: str, column: str, key: str, start: date, end: date
    ) -> list[tuple[date, str, int]]:
        return self.con.execute(
            f"SELECT CAST({column} AS DATE) d, coalesce({key}, 'unknown') k, count(*) FROM {view} "
            f"WHERE CAST({column} AS DATE) BETWEEN ? AND ? GROUP BY d, k ORDER BY d, k",
            [start, end],
        ).fetchall()

    def rejects(self) -> Rejects:
        if not self.has_parquet("rejects"):
            return Rejects()
        self._view("r", "rejects")
        q = self.con.execute
        out = Rejects()
        out.reasons = q("SELECT reason, count(*) FROM r GROUP BY reason ORDER BY 2 DESC, 1").fetchall()
        out.total = sum(n for _, n in out.reasons)
        first, last = q("SELECT CAST(min(time) AS DATE), CAST(max(time) AS DATE) FROM r").fetchone()
        out.window = _window(first, last, self.now.date(), self.days)
        if out.window:
            out.per_day = self._per_day("r", "time", "reason", *out.window)
        return out

    def runs(self) -> Runs:
        out = Runs()
        for name in self.run_files():
            try:
                summary = json.loads(self.read_run(name))
                if not isinstance(summary, dict):
                    raise ValueError("not a JSON object")
            except (OSError, ValueError) as exc:
                out.unreadable.append((name, str(exc)))
                logger.warning("Run summary %s cannot be read: %s", name, exc)
                continue
            summary.setdefault("run_id", name.removesuffix(".json"))
            out.summaries.append(summary)
        # run ids sort by start time; started_at first in case a caller chose its own NEWSBOT_RUN_ID
        out.summaries.sort(key=lambda s: (str(s.get("started_at") or ""), str(s["run_id"])))
        return out
