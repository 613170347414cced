"""Atomic, partitioned Parquet writing.

Every file is written under a hidden temporary name in its final directory, flushed to disk and
renamed into place, so a reader (pyarrow ignores names starting with ``.``; DuckDB's
``**/*.parquet`` glob does not match ``.tmp``) never sees a partial file, even after SIGKILL.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

logger = logging.getLogger(__name__)

COMPRESSION = "zstd"


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_table_atomic(table: pa.Table, path: Path, *, row_group_size: int | None = None) -> None:
    """Write ``table`` to ``path`` so that ``path`` is either absent or complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            pq.write_table(table, fh, compression=COMPRESSION, row_group_size=row_group_size)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def remove_stale_temp_files(root: Path) -> int:
    """Delete temporary files left by a killed writer; returns how many."""
    n = 0
    if root.is_dir():
        for tmp in root.rglob(".*.tmp"):
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
        root: Path,
        schema: pa.Schema,
        partition_of: Callable[[dict[str, Any]], str],
        file_prefix: str,
    ) -> None:
        self.root = Path(root)
        self.schema = schema
        self.partition_of = partition_of
        self.file_prefix = file_prefix
        self._rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._seq = 0
        self.files_written: list[Path] = []
        self.rows_written = 0

    @property
    def pending(self) -> int:
        return sum(len(rows) for rows in self._rows.values())

    def add(self, row: dict[str, Any]) -> None:
        self._rows[self.partition_of(row)].append(row)

    def flush(self) -> list[Path]:
        written = []
        rows_by_part, self._rows = self._rows, defaultdict(list)
        for part, rows in sorted(rows_by_part.items()):
            if not rows:
                continue
            self._seq += 1
            table = pa.Table.from_pylist(rows, schema=self.schema)
            path = self.root / part / f"{self.file_prefix}-{self._seq:05d}.parquet"
            write_table_atomic(table, path)
            written.append(path)
            self.rows_written += len(rows)
        self.files_written.extend(written)
        return written
