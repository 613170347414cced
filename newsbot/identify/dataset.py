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

logger = logging.getLogger(__name__)


def dataset_files(output_dir: str | Path, kind: str = "articles") -> list[Path]:
    """The visible Parquet files under ``output_dir/<kind>`` (temporary files start with a dot)."""
    root = Path(output_dir) / kind
    if not root.is_dir():
        return []
    return sorted(
        p for p in root.rglob("*.parquet") if not any(part.startswith((".", "_")) for part in p.parts[-2:])
    )


def newest_mtime(files: Sequence[Path]) -> float:
    """The latest modification time among ``files`` (0 for none)."""
    newest = 0.0
    for f in files:
        try:
            newest = max(newest, f.stat().st_mtime)
        except FileNotFoundError:  # compacted away while we looked
            continue
    return newest


def open_articles(
    files: Sequence[Path], columns: Sequence[str]
) -> tuple[ds.Dataset, list[str]] | tuple[None, list[str]]:
    """A dataset over ``files`` with a unified schema and the subset of ``columns`` it has."""
    if not files:
        return None, []
    schemas = [pq.read_schema(f) for f in files]
    schema = pa.unify_schemas(schemas, promote_options="permissive")
    dataset = ds.dataset([str(f) for f in files], schema=schema, format="parquet")
    present = [c for c in columns if c in schema.names]
    return dataset, present


def iter_batches(
    files: Sequence[Path],
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
