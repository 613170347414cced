"""Atomic, partitioned Parquet writing.

Every file is written under a hidden temporary name in its final directory, flushed to disk and
renamed into place, so a reader (pyarrow ignores names starting with ``.``; DuckDB's
``**/*.parquet`` glob does not match ``.tmp``) never sees a partial file, even after SIGKILL.
On an object store the file is uploaded whole instead (:mod:`newsbot.storage.location`).
"""

from __future__ import annotations

import logging
import os
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from newsbot.storage.atomic import STALE_TMP_SECONDS, TMP_SUFFIX, atomic_write, temp_path
from newsbot.storage.location import Location, as_location

logger = logging.getLogger(__name__)

__all__ = ["STALE_TMP_SECONDS", "TMP_SUFFIX", "atomic_write", "temp_path", "write_table_atomic"]

COMPRESSION = "zstd"


def write_table_atomic(
    table: pa.Table, path: Path | str, *, row_group_size: int | None = None, location: Location | None = None
) -> None:
    """Write ``table`` to ``path`` (relative to ``location`` when given) either complete or not at all."""
    with location.atomic_write(str(path)) if location is not None else atomic_write(Path(path)) as fh:
        pq.write_table(table, fh, compression=COMPRESSION, row_group_size=row_group_size)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # our own leftovers from before a fork/exec cannot be in progress
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_stale(tmp: Path, now: float) -> bool:
    """A temporary file nobody is writing: its writer is dead, or it is very old."""
    try:
        pid = int(tmp.name[: -len(TMP_SUFFIX)].rsplit(".", 1)[1])
    except (IndexError, ValueError):
        pid = -1
    try:
        age = now - tmp.stat().st_mtime
    except OSError:
        return False
    return pid < 0 or not _pid_alive(pid) or age > STALE_TMP_SECONDS


def remove_stale_temp_files(root: Path | Location) -> int:
    """Delete temporary files left by killed writers; returns how many.

    Files of live writers are kept: with ``NEWSBOT_LOCK_ENABLED=False`` several processes may
    share one output directory, and deleting a live writer's file would make its rename fail.
    An object store has none: files are staged locally and uploaded whole.
    """
    if isinstance(root, Location):
        if not root.is_local:
            return 0
        root = root.local_path
    n = 0
    now = time.time()
    if root.is_dir():
        for tmp in root.rglob(f".*{TMP_SUFFIX}"):
            if _is_stale(tmp, now):
                tmp.unlink(missing_ok=True)
                n += 1
    return n


class PartitionedWriter:
    """Buffers rows and writes them as one file per Hive partition on :meth:`flush`.

    File names carry the run id and a sequence number, so several processes writing into the same
    directory never collide.
    """

    def __init__(
        self,
        root: Path | str | Location,
        schema: pa.Schema,
        partition_of: Callable[[dict[str, Any]], str],
        file_prefix: str,
        on_written: Callable[[list[dict[str, Any]]], None] | None = None,
    ) -> None:
        self.root = as_location(root)
        self.schema = schema
        self.partition_of = partition_of
        self.file_prefix = file_prefix
        #: called with the rows of each file once it is in place: what counts rows counts them
        #: on disk, not when they were buffered (a full disk must not show as records stored)
        self.on_written = on_written
        self._rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._seq = 0
        #: Where each written file is (``Location.uri_of``: a local path or an object URI).
        self.files_written: list[str] = []
        self.rows_written = 0

    @property
    def pending(self) -> int:
        return sum(len(rows) for rows in self._rows.values())

    def pending_values(self, column: str) -> set[Any]:
        """The distinct values of ``column`` among the buffered rows (None left out)."""
        return {v for rows in self._rows.values() for row in rows if (v := row.get(column)) is not None}

    def add(self, row: dict[str, Any]) -> None:
        self._rows[self.partition_of(row)].append(row)

    def flush(self) -> list[str]:
        """Write every buffered partition; rows of a partition that fails stay buffered."""
        written = []
        rows_by_part, self._rows = self._rows, defaultdict(list)
        parts = sorted(rows_by_part.items())
        try:
            while parts:
                part, rows = parts[0]
                if rows:
                    self._seq += 1
                    table = pa.Table.from_pylist(rows, schema=self.schema)
                    rel = f"{part}/{self.file_prefix}-{self._seq:05d}.parquet"
                    write_table_atomic(table, rel, location=self.root)
                    written.append(self.root.uri_of(rel))
                    self.rows_written += len(rows)
                    if self.on_written is not None:
                        self.on_written(rows)
                parts.pop(0)
        finally:
            # A failed write (disk full, permissions) must not lose the rows: the next flush, at
            # the latest the one at spider_closed, retries them.
            for part, rows in parts:
                self._rows[part][:0] = rows
            self.files_written.extend(written)
        return written
