"""Reading the few columns the identify stage rebuilds its caches from.

The dataset grows by appending files whose schema only ever gains columns, so an old file may
lack a column a new one has (``discovered_url`` for instance). The readers here unify the file
schemas and fill what a file lacks with nulls, instead of trusting the first file's schema.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from newsbot.storage.location import Location, StoredFile, as_location

logger = logging.getLogger(__name__)


def dataset_files(output_dir: str | Path | Location, kind: str = "articles") -> list[StoredFile]:
    """The visible Parquet files under ``output_dir/<kind>`` (temporary files start with a dot),
    local or in an object store."""
    return as_location(output_dir).files(kind)


def newest_mtime(files: Sequence[StoredFile]) -> float:
    """The latest modification time among ``files`` (0 for none), as listed."""
    return max((f.mtime for f in files), default=0.0)


def open_articles(
    files: Sequence[StoredFile], columns: Sequence[str]
) -> tuple[ds.Dataset, list[str]] | tuple[None, list[str]]:
    """A dataset over ``files`` (all of one filesystem) with a unified schema and the subset of
    ``columns`` it has."""
    if not files:
        return None, []
    fs = files[0].fs
    schemas = [pq.read_schema(f.path, filesystem=fs) for f in files]
    schema = pa.unify_schemas(schemas, promote_options="permissive")
    dataset = ds.dataset([f.path for f in files], schema=schema, format="parquet", filesystem=fs)
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
    yield from dataset.to_batches(columns=present, filter=filter, batch_size=batch_size)
