"""Files that cannot be read are moved out of the readers' way, never deleted.

The dataset (``DIR/articles/``, ``DIR/rejects/``) is the source of truth and ``DIR/state/`` a
cache of it, so neither may stop every later crawl because one file is damaged (a disk error, a
copy cut short, a file another program dropped there). A Parquet file whose footer cannot be
read, whose pages do not decode, or whose schema is not the dataset's (a required column missing,
a column of another type) is **foreign**; an unreadable cache file is **stale**. Both are moved
to ``DIR/quarantine/`` under the same relative path (``DIR/quarantine/articles/date=.../x.parquet``),
with a warning naming the file and why, and the run goes on without it: the dataset's readers
(pyarrow, DuckDB) no longer see it, the caches are rebuilt, and the bytes are kept for whoever
wants to look at them. A second file of the same name gets a numbered suffix.

Read-only commands (``newsbot stats``) only skip such files and name them: moving is for the
process that holds the output directory's lock.
"""

from __future__ import annotations

import logging
import os
import posixpath
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from newsbot.storage.location import LocatedFile, StoredFile

logger = logging.getLogger(__name__)

QUARANTINE = "quarantine"
#: The dataset's directories under the output directory (DESIGN.md: the layout is fixed).
KINDS = ("articles", "rejects", "state")

Target = StoredFile | LocatedFile | Path | str


class UnusableFile(Exception):
    """A file of the dataset or its state that cannot be used; ``str()`` says why."""


def _where(target: Target) -> tuple[pafs.FileSystem, str]:
    """The filesystem and path of a file, local or in an object store."""
    if isinstance(target, StoredFile):
        return target.fs, target.path
    if isinstance(target, LocatedFile):
        return target.location.fs, target.location.path(target.name)
    return pafs.LocalFileSystem(), Path(target).absolute().as_posix()


def quarantine(target: Target, why: str) -> str | None:
    """Move a file to ``ROOT/quarantine/<its path below ROOT>``; where it went (None: not moved).

    ``ROOT`` is the output directory: the parent of the file's ``articles``/``rejects``/``state``.
    Logs a warning naming the file and ``why``. A file that cannot be moved is left where it is
    (and named in the log): deleting it is never an option.
    """
    fs, path = _where(target)
    parts = path.split("/")
    kinds = [i for i, part in enumerate(parts[:-1]) if part in KINDS]
    if not kinds:
        logger.warning("Unusable file %s (%s): not under an output directory, left in place", path, why)
        return None
    i = kinds[-1]
    dest = base = "/".join([*parts[:i], QUARANTINE, *parts[i:]])
    n = 0
    try:
        while fs.get_file_info(dest).type != pafs.FileType.NotFound:
            n += 1
            dest = f"{base}.{n}"
        if not isinstance(fs, pafs.S3FileSystem):  # key-value stores have no directories
            fs.create_dir(posixpath.dirname(dest), recursive=True)
        if isinstance(fs, pafs.LocalFileSystem):
            os.replace(path, dest)  # a rename: atomic, never a copy
        else:
            fs.move(path, dest)
    except FileNotFoundError:
        return None  # moved or compacted away meanwhile
    except OSError as exc:
        logger.warning("Unusable file %s (%s); cannot move it to %s: %s", path, why, dest, exc)
        return None
    logger.warning("Unusable file %s (%s): moved to %s", path, why, dest)
    return dest


def check_schema(f: StoredFile, expected: pa.Schema | None) -> pa.Schema:
    """The file's schema; UnusableFile if its footer is unreadable or it is not an ``expected`` file."""
    try:
        schema = pq.read_schema(f.path, filesystem=f.fs)
    except (OSError, pa.ArrowException) as exc:
        raise UnusableFile(f"not a readable Parquet file: {exc}") from exc
    if expected is not None:
        # Every record and every reject has its URL; the other columns may be absent from files
        # written by older versions or other tools (the readers fill them with nulls).
        if "url" not in schema.names:
            raise UnusableFile("foreign file: no url column")
        try:
            pa.unify_schemas([expected, schema], promote_options="permissive")
        except (pa.ArrowException, TypeError) as exc:
            raise UnusableFile(f"foreign file: {exc}") from exc
    return schema


def usable_files(
    files: Iterable[StoredFile], expected: pa.Schema | None, *, move: bool = True
) -> list[tuple[StoredFile, pa.Schema]]:
    """``(file, schema)`` of the files that can be read; the others are quarantined (``move``) or
    only named in the log."""
    out = []
    for f in files:
        try:
            out.append((f, check_schema(f, expected)))
        except UnusableFile as exc:
            if f.fs.get_file_info(f.path).type == pafs.FileType.NotFound:
                continue  # removed while we looked (compaction)
            if move:
                quarantine(f, str(exc))
            else:
                logger.warning("Skipping %s: %s", f.path, exc)
    return out


def expected_schema(kind: str) -> pa.Schema | None:
    from newsbot.storage.schema import ARTICLE_SCHEMA, REJECT_SCHEMA

    return {"articles": ARTICLE_SCHEMA, "rejects": REJECT_SCHEMA}.get(kind)
