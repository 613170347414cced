"""Reading the few columns the identify stage rebuilds its caches from.

The dataset grows by appending files whose schema only ever gains columns, so an old file may
lack a column a new one has (``discovered_url`` for instance). The readers here unify the file
schemas and fill what a file lacks with nulls, instead of trusting the first file's schema.

A file that cannot be read (a broken footer, pages that do not decode, another program's file)
is moved to ``DIR/quarantine/`` with a warning naming it (:mod:`newsbot.storage.quarantine`),
and the caches are built from the others: one damaged file must not stop every later crawl.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds

from newsbot.storage.location import Location, StoredFile, as_location
from newsbot.storage.quarantine import expected_schema, quarantine, usable_files

logger = logging.getLogger(__name__)


def dataset_files(output_dir: str | Path | Location, kind: str = "articles") -> list[StoredFile]:
    """The visible, readable Parquet files under ``output_dir/<kind>`` (temporary files start
    with a dot), local or in an object store; unreadable or foreign ones are quarantined."""
    return [f for f, _ in usable_files(as_location(output_dir).files(kind), expected_schema(kind))]


def newest_mtime(files: Sequence[StoredFile]) -> float:
    """The latest modification time among ``files`` (0 for none), as listed."""
    return max((f.mtime for f in files), default=0.0)


def open_articles(
    files: Sequence[StoredFile], columns: Sequence[str]
) -> tuple[ds.Dataset, list[str]] | tuple[None, list[str]]:
    """A dataset over ``files`` (all of one filesystem) with a unified schema and the subset of
    ``columns`` it has."""
    found = usable_files(files, None)
    if not found:
        return None, []
    fs = found[0][0].fs
    schema = pa.unify_schemas([s for _, s in found], promote_options="permissive")
    dataset = ds.dataset([f.path for f, _ in found], schema=schema, format="parquet", filesystem=fs)
    present = [c for c in columns if c in schema.names]
    return dataset, present


def iter_batches(
    files: Sequence[StoredFile],
    columns: Sequence[str],
    *,
    filter: ds.Expression | None = None,
    filter_columns: Sequence[str] = ("fetched_at",),
    batch_size: int = 65536,
) -> Iterator[pa.RecordBatch]:
    """Record batches of ``columns`` (those that exist in some file; absent ones are skipped)."""
    dataset, present = open_articles(files, columns)
    if dataset is None or not present:
        return
    if filter is not None:
        missing = set(filter_columns) - set(dataset.schema.names)
        if missing:
            logger.warning("Dataset has no %s column: the filter is ignored", ", ".join(sorted(missing)))
            filter = None
    for table in fragment_tables(dataset, present, filter):
        yield from table.to_batches(max_chunksize=batch_size)


def fragment_tables(
    dataset: ds.Dataset, columns: Sequence[str], filter: ds.Expression | None = None
) -> Iterator[pa.Table]:
    """One table per file, in file order; a file whose data does not decode is quarantined.

    Read whole, one file at a time: a file that fails half-way contributes nothing, rather than
    its first rows."""
    for fragment in dataset.get_fragments():
        try:
            table = fragment.to_table(schema=dataset.schema, columns=list(columns), filter=filter)
        except FileNotFoundError:
            continue  # compacted away while we read
        except (OSError, pa.ArrowException) as exc:
            info = fragment.filesystem.get_file_info(fragment.path)
            quarantine(
                StoredFile(fragment.path, info.size or 0, 0.0, fragment.filesystem), f"unreadable data: {exc}"
            )
            continue
        yield table
