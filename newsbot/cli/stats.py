"""``newsbot stats``: what the dataset holds, read with DuckDB straight from the Parquet files.

An object-store dataset (``s3://...``) is read by DuckDB through pyarrow's filesystem
(:mod:`newsbot.storage.duckdb_fs`).

The files are listed first and handed to DuckDB by name: a file that cannot be read (damaged,
foreign) is skipped and named. ``newsbot compact`` may run meanwhile and delete the files it
merged: local files are read through hard links made in a hidden directory of the output
directory (``DIR/.stats-*``, removed at the end), so a file deleted under DuckDB stays readable.
Where links cannot be made (an object store, another filesystem, no write permission), a file
that vanished makes the files be listed and the tables read again.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsbot.cli import exitcodes
from newsbot.cli.tables import TableData, render

if TYPE_CHECKING:
    from newsbot.storage.location import Location, StoredFile

#: Days shown in the per-day table (most recent first).
DAYS_SHOWN = 14


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--output",
        "-o",
        metavar="DIR",
        help="dataset root, a directory or s3://bucket/prefix (default: NEWSBOT_OUTPUT_DIR or output)",
    )


#: How many times the tables are read again when a compaction removed a file under us.
ATTEMPTS = 10


def _files(root: Location, kind: str) -> list[StoredFile]:
    """The readable Parquet files of ``root/kind`` (damaged and foreign ones named, skipped)."""
    from newsbot.storage.quarantine import expected_schema, usable_files

    found = usable_files(root.child(kind).files(), expected_schema(kind), move=False)
    return [f for f, _ in found]


@contextmanager
def _pinned(root: Location, files: list[StoredFile]) -> Iterator[list[str] | None]:
    """Local ``files`` as hard links in a hidden directory of ``root``: a file deleted by a
    compaction meanwhile keeps its data while the link lives. None when links cannot be made."""
    if not root.is_local:
        yield None
        return
    try:
        snap = Path(tempfile.mkdtemp(prefix=".stats-", dir=root.local_path))
    except OSError:
        yield None
        return
    try:
        links: list[str] | None = []
        for f in files:
            link = snap / os.path.relpath(f.path, root.local_path)
            try:
                link.parent.mkdir(parents=True, exist_ok=True)
                os.link(f.path, link)
            except FileNotFoundError:
                continue  # merged away since it was listed: the merged file is listed next time
            except OSError:
                links = None
                break
            links.append(str(link))
        yield links
    finally:
        shutil.rmtree(snap, ignore_errors=True)


def _sql_files(paths: list[str]) -> str:
    names = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
    return f"read_parquet([{names}], hive_partitioning=true, union_by_name=true)"


def dataset_tables(root: Path | str | Location) -> list[TableData]:
    """The summary tables of the dataset under ``root`` (``articles/`` and ``rejects/``)."""
    import duckdb

    from newsbot.storage.location import as_location

    root = as_location(root)
    for attempt in range(1, ATTEMPTS + 1):
        con = duckdb.connect()
        articles, rejects = _files(root, "articles"), _files(root, "rejects")
        with _pinned(root, articles) as a_links, _pinned(root, rejects) as r_links:
            try:
                return _dataset_tables(
                    con, root, _names(con, root, articles, a_links), _names(con, root, rejects, r_links)
                )
            except duckdb.IOException:
                if attempt == ATTEMPTS:
                    raise
        time.sleep(0.05 * attempt)  # not pinned, and a compaction removed a file: list again
    raise AssertionError("unreachable")


def _names(con: Any, root: Location, files: list[StoredFile], links: list[str] | None) -> list[str]:
    """How DuckDB reads ``files``: through their links, by local path, or through pyarrow's
    filesystem of an object store."""
    if links is not None:
        return links
    if root.is_local:
        return [f.path for f in files]
    from newsbot.storage.duckdb_fs import PROTOCOL, sql_path

    sql_path(con, root)  # registers pyarrow's filesystem with the connection
    return [f"{PROTOCOL}://{f.path}" for f in files]


def _dataset_tables(con: Any, root: Location, articles: list[str], rejects: list[str]) -> list[TableData]:
    tables: list[TableData] = []
    if articles:
        con.execute(f"CREATE VIEW a AS SELECT * FROM {_sql_files(articles)}")
        n, sources, words, median, dups, first, last = con.execute(
            "SELECT count(*), count(DISTINCT source), coalesce(sum(word_count), 0), median(word_count), "
            "avg(CASE WHEN duplicate_of IS NULL THEN 0 ELSE 1 END), min(published_at), max(published_at) "
            "FROM a"
        ).fetchone()
        tables.append(
            TableData(
                f"Dataset {root}",
                ("records", "sources", "words", "median words", "near-duplicates", "published from", "to"),
                [(n, sources, int(words), int(median or 0), dups or 0.0, _day(first), _day(last))],
                numeric=frozenset({0, 1, 2, 3, 4}),
            )
        )
        tables.append(
            TableData(
                "Per source",
                ("source", "records", "words", "median words", "near-duplicates", "languages"),
                con.execute(
                    "SELECT source, count(*), sum(word_count), CAST(median(word_count) AS INTEGER), "
                    "avg(CASE WHEN duplicate_of IS NULL THEN 0 ELSE 1 END), "
                    "string_agg(DISTINCT coalesce(language, '?'), ' ' ORDER BY coalesce(language, '?')) "
                    "FROM a GROUP BY source ORDER BY count(*) DESC, source"
                ).fetchall(),
                numeric=frozenset({1, 2, 3, 4}),
            )
        )
        tables.append(
            TableData(
                f"Per day of publication (latest {DAYS_SHOWN})",
                ("day", "records", "words"),
                con.execute(
                    "SELECT coalesce(strftime(published_at AT TIME ZONE 'UTC', '%Y-%m-%d'), 'unknown') AS d, "
                    "count(*), sum(word_count) FROM a GROUP BY d ORDER BY d = 'unknown', d DESC "
                    f"LIMIT {DAYS_SHOWN}"
                ).fetchall(),
                numeric=frozenset({1, 2}),
            )
        )
        tables.append(
            TableData(
                "Per language",
                ("language", "records", "words", "share"),
                con.execute(
                    "SELECT coalesce(language, 'unknown'), count(*), sum(word_count), "
                    "count(*) / sum(count(*)) OVER () FROM a GROUP BY 1 ORDER BY 2 DESC, 1"
                ).fetchall(),
                numeric=frozenset({1, 2, 3}),
            )
        )
    if rejects:
        tables.append(
            TableData(
                "Rejects by reason",
                ("reason", "pages", "sources", "last seen"),
                [
                    (r[0], r[1], r[2], _day(r[3], time=True))
                    for r in con.execute(
                        "SELECT reason, count(*), count(DISTINCT source), max(time) FROM "
                        f"{_sql_files(rejects)} GROUP BY reason ORDER BY count(*) DESC, reason"
                    ).fetchall()
                ],
                numeric=frozenset({1, 2}),
            )
        )
    return tables


def _day(value: object, time: bool = False) -> str | None:
    if value is None:
        return None
    from datetime import UTC, datetime

    if isinstance(value, datetime):
        value = value.astimezone(UTC) if value.tzinfo else value
        return f"{value:%Y-%m-%d %H:%M}" if time else f"{value:%Y-%m-%d}"
    return str(value)


def print_stats(root: Path | str | Location) -> int:
    from newsbot.storage.location import as_location

    root = as_location(root)
    if not root.is_dir():
        sys.stderr.write(f"newsbot: error: no dataset at {root}\n")
        return exitcodes.USAGE
    tables = dataset_tables(root)
    if not tables:
        sys.stdout.write(f"No records yet under {root.uri_of('articles')}\n")
        return exitcodes.OK
    render(tables)
    return exitcodes.OK


def default_location(output: str | None = None) -> tuple[Location, Any]:
    """The dataset root ``--output`` names (else ``NEWSBOT_OUTPUT_DIR``), and the project settings
    (for ``NEWSBOT_S3_ENDPOINT_URL`` and the lock directory); ValueError for an unusable URI."""
    import os

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newsbot.settings")
    from scrapy.utils.project import get_project_settings

    from newsbot.storage.location import output_location

    settings = get_project_settings()
    if output:
        settings.set("NEWSBOT_OUTPUT_DIR", output, priority="cmdline")
    return output_location(settings), settings


def existing_dataset(output: str | None) -> tuple[Location, Any] | None:
    """:func:`default_location` for a command that reads a dataset already there: None, with the
    reason on stderr, for an unusable URI or a root that holds no dataset."""
    try:
        root, settings = default_location(output)
    except ValueError as exc:
        sys.stderr.write(f"newsbot: error: {exc}\n")
        return None
    if not root.is_dir():
        sys.stderr.write(f"newsbot: error: no dataset at {root}\n")
        return None
    return root, settings


def default_output() -> Path:
    """``NEWSBOT_OUTPUT_DIR`` of the project settings as a local path."""
    import os

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newsbot.settings")
    from scrapy.utils.project import get_project_settings

    from newsbot.config.run import output_dir

    return output_dir(get_project_settings())


def run(args: argparse.Namespace) -> int:
    try:
        root, _ = default_location(args.output)
    except ValueError as exc:
        sys.stderr.write(f"newsbot: error: {exc}\n")
        return exitcodes.USAGE
    return print_stats(root)
