"""DuckDB over a :class:`~newsbot.storage.location.Location`, local or in an object store.

A local dataset is read by path. For an object store, DuckDB's own ``httpfs`` extension is
downloaded from extensions.duckdb.org on first use, which a machine without internet access (or a
locked-down server) cannot do; instead pyarrow's filesystem, the one newsbot writes with, is
registered with the DuckDB connection as an fsspec filesystem, under a protocol name of its own
(not ``s3``, for which DuckDB would try to load httpfs).
"""

from __future__ import annotations

from typing import Any

from newsbot.storage.location import Location

PROTOCOL = "newsbot"


def _wrapper(location: Location) -> Any:
    from fsspec.implementations.arrow import ArrowFSWrapper

    class NewsbotStore(ArrowFSWrapper):
        protocol = PROTOCOL

        @classmethod
        def _strip_protocol(cls, path: str) -> str:
            # fsspec's generic parsing would take the bucket for a host name and drop it.
            prefix = f"{PROTOCOL}://"
            return path[len(prefix) :] if path.startswith(prefix) else path

    return NewsbotStore(location.fs)


def sql_path(con: Any, location: Location, *parts: str) -> str:
    """``parts`` below ``location`` as a SQL string literal DuckDB can open on connection ``con``
    (globs such as ``**``, ``*.parquet`` included)."""
    if location.is_local:
        path = "/".join((location.uri.rstrip("/") or "/", *parts))
    else:
        if not con.filesystem_is_registered(PROTOCOL):
            con.register_filesystem(_wrapper(location))
        path = f"{PROTOCOL}://" + "/".join((location.root, *parts))
    return "'" + path.replace("'", "''") + "'"


__all__ = ["PROTOCOL", "sql_path"]
