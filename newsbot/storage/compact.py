"""Compaction: merge each partition's small Parquet files into larger ones.

A cron crawl every 15 minutes leaves one small file per partition per flush; readers pay for
every file they open. :func:`compact_partition` rewrites a partition's small files as one file
(per ``target_bytes``) without ever losing a record:

1. the merged file is written under a hidden temporary name, fsynced and renamed into place
   (:func:`~newsbot.storage.parquet.atomic_write`);
2. only then are the merged originals deleted.

A crash before step 1 completes leaves the originals (and a hidden temporary file that the next
writer removes). A crash between 1 and 2 leaves the merged file *and* some originals: records
appear twice until the next compaction, which merges them again and keeps each ``id`` once. A
reader that lists the partition in the instant between the rename and the deletions sees the same
duplicates; that window lasts as long as a few ``unlink`` calls. Readers that must never see a
duplicate should deduplicate on ``id`` (which is also what makes this safe to re-run).

Compaction must not run while a crawl writes into the directory: ``newsbot compact`` takes the
output-directory lock. On an object store (``s3://...``) the same steps run through
:class:`~newsbot.storage.location.Location`: the merged object is uploaded whole, then the
originals are deleted; crawls on other machines may go on writing (their new files are not in a
group), but two compactions of one prefix must not run at once.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from newsbot.storage.atomic import fsync_dir
from newsbot.storage.location import Location, StoredFile, as_location
from newsbot.storage.parquet import COMPRESSION, remove_stale_temp_files
from newsbot.storage.quarantine import quarantine, usable_files

logger = logging.getLogger(__name__)

#: Files at least this big are left alone; merged output is cut at about this size.
TARGET_BYTES = 128 * 1024 * 1024
ROW_GROUP_SIZE = 50_000


@dataclass
class CompactResult:
    partitions: int = 0
    files_in: int = 0
    files_out: int = 0
    rows_in: int = 0
    rows_out: int = 0
    removed_duplicates: int = 0
    #: the merged files (``Location.uri_of``: local paths or object URIs)
    written: list[str] = field(default_factory=list)


def visible_files(partition: Location) -> list[StoredFile]:
    """The Parquet files of the partition a reader sees (hidden temporary files excluded), oldest
    name first; files in deeper directories belong to other partitions."""
    prefix = partition.path() + "/"
    return [f for f in partition.files() if "/" not in f.path[len(prefix) :]]


def partitions(root: Location) -> list[Location]:
    """Every directory under ``root`` that holds visible Parquet files."""
    prefix = root.path() + "/"
    rels = sorted({f.path[len(prefix) :].rpartition("/")[0] for f in root.files()})
    return [root.child(rel) if rel else root for rel in rels]


def _read(f: StoredFile, schema: pa.Schema) -> pa.Table | None:
    """The file's rows in ``schema``; None (and the file quarantined) when its data does not decode."""
    try:
        return _conform(pq.read_table(f.path, filesystem=f.fs), schema)
    except FileNotFoundError:
        raise
    except (OSError, pa.ArrowException) as exc:
        quarantine(f, f"unreadable data: {exc}")
        return None


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Older files may lack columns added since (columns are only ever added): fill with nulls."""
    arrays = []
    for f in schema:
        if f.name in table.column_names:
            arrays.append(table.column(f.name).cast(f.type))
        else:
            arrays.append(pa.nulls(table.num_rows, f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _groups(files: list[StoredFile], target_bytes: int) -> list[list[StoredFile]]:
    groups: list[list[StoredFile]] = []
    size = 0
    for f in files:
        n = f.size
        if not groups or size + n > target_bytes:
            groups.append([])
            size = 0
        groups[-1].append(f)
        size += n
    return [g for g in groups if len(g) > 1]


def _dedup(table: pa.Table, key: str | None, seen: set[object]) -> pa.Table:
    """Rows whose key was not seen yet (key None: the whole row is the key)."""
    if key is not None:
        values = table.column(key).to_pylist()
    else:
        values = [tuple(map(repr, row.values())) for row in table.to_pylist()]
    keep = []
    for v in values:
        if v in seen:
            keep.append(False)
        else:
            seen.add(v)
            keep.append(True)
    return table if all(keep) else table.filter(pa.array(keep))


def compact_partition(
    partition: Location,
    schema: pa.Schema,
    *,
    key: str | None = "id",
    target_bytes: int = TARGET_BYTES,
    result: CompactResult | None = None,
) -> CompactResult:
    result = result or CompactResult()
    # A damaged or foreign file is moved to DIR/quarantine/ (named in the log), not merged.
    files = [f for f, _ in usable_files(visible_files(partition), schema)]
    small = [f for f in files if f.size < target_bytes]
    groups = _groups(small, target_bytes)
    if not groups:
        return result
    result.partitions += 1
    # Keys of the files that stay as they are count as seen: a record is kept once per partition.
    seen: set[object] = set()
    grouped = {f for g in groups for f in g}
    for f in files:
        if f not in grouped and (table := _read(f, schema)) is not None:
            _dedup(table, key, seen)
    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
    for n, group in enumerate(groups, 1):
        target = f"compact-{stamp}-{n:03d}.parquet"
        rows_out = 0
        merged: list[StoredFile] = []
        with partition.atomic_write(target) as fh:
            writer = pq.ParquetWriter(fh, schema, compression=COMPRESSION)
            try:
                for f in group:
                    table = _read(f, schema)
                    if table is None:
                        continue
                    merged.append(f)
                    result.rows_in += table.num_rows
                    kept = _dedup(table, key, seen)
                    result.removed_duplicates += table.num_rows - kept.num_rows
                    if kept.num_rows:
                        writer.write_table(kept, row_group_size=ROW_GROUP_SIZE)
                        rows_out += kept.num_rows
            finally:
                writer.close()
        # The merged file is durable (fsynced and renamed, or uploaded): only now may the originals go.
        for f in merged:  # not one that could not be read: that one is never deleted
            try:
                f.fs.delete_file(f.path)
            except FileNotFoundError:
                pass
        if partition.is_local:
            fsync_dir(partition.local_path)
        result.files_in += len(group)
        result.files_out += 1
        result.rows_out += rows_out
        result.written.append(partition.uri_of(target))
        logger.info("Compacted %d files (%d rows) into %s", len(group), rows_out, partition.uri_of(target))
    return result


def compact_dataset(
    root: Path | str | Location,
    schema: pa.Schema,
    *,
    key: str | None = "id",
    target_bytes: int = TARGET_BYTES,
    only: Iterable[Location] | None = None,
) -> CompactResult:
    """Compact every partition under ``root``; hidden temporary files of dead writers go first."""
    result = CompactResult()
    root = as_location(root)
    if not root.is_dir():
        return result
    remove_stale_temp_files(root)
    for part in only if only is not None else partitions(root):
        compact_partition(part, schema, key=key, target_bytes=target_bytes, result=result)
    return result


def count_rows(files: Iterable[StoredFile]) -> int:
    return sum(pq.read_metadata(f.path, filesystem=f.fs).num_rows for f in files)


__all__ = ["CompactResult", "compact_dataset", "compact_partition"]
