"""Where the output goes: a local directory or an object store, as one (filesystem, root) pair.

``NEWSBOT_OUTPUT_DIR`` (or ``--output``) is a local path, a ``file://`` URI, ``s3://bucket/prefix``,
any other URI pyarrow's :meth:`pyarrow.fs.FileSystem.from_uri` knows (``gs://``, ``abfs://``,
``hdfs://``), or one an installed fsspec filesystem handles (wrapped with
:class:`pyarrow.fs.FSSpecHandler`). :func:`parse_location` turns it into a :class:`Location`, and
every writer of the dataset, the rejects, the run summaries, the state and the WARC files goes
through it instead of :mod:`pathlib`.

The guarantee is the same everywhere: a reader never sees a partial file.

* Local: the file is written under a hidden temporary name beside the target, fsynced and renamed
  into place (:func:`newsbot.storage.atomic.atomic_write`).
* Object stores: the file is first written whole to a local temporary file, then uploaded by one
  call. On S3 an object becomes visible only when its single ``PUT`` or its multipart upload's
  ``CompleteMultipartUpload`` succeeds, atomically, so readers see no object or the whole one.
  Staging matters: pyarrow's S3 output stream *completes* the upload when it is closed, even after
  an exception (apache/arrow#40502), so streaming a Parquet writer straight into it would publish
  half a file when serialisation failed midway. The upload is ``pyarrow.fs.copy_files``, which
  runs in C++ from start to end (no Python signal handler can interrupt it halfway), and a failed
  part makes Arrow skip the completion. A failed multipart upload may leave parts that S3 keeps
  (invisible, but billed) until a bucket lifecycle rule ``AbortIncompleteMultipartUpload`` removes
  them; set one on buckets newsbot writes to.

S3 endpoints: ``NEWSBOT_S3_ENDPOINT_URL`` (for MinIO, Ceph, a test server), else the standard
``AWS_ENDPOINT_URL_S3`` / ``AWS_ENDPOINT_URL`` environment variables, else AWS itself. Credentials
and region come from the usual AWS variables and files (``AWS_ACCESS_KEY_ID``, ``AWS_PROFILE``,
``AWS_DEFAULT_REGION``, ...), read by the AWS SDK inside pyarrow.
"""

from __future__ import annotations

import functools
import os
import posixpath
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import pyarrow.fs as pafs

from newsbot.config.declared import default
from newsbot.storage.atomic import atomic_write as local_atomic_write

#: Schemes that name the local file system.
LOCAL_SCHEMES = frozenset({"", "file"})
S3_SCHEMES = frozenset({"s3", "s3a"})


@dataclass(frozen=True)
class StoredFile:
    """One file of a location, as listed: its path in the location's filesystem, size and mtime."""

    path: str
    size: int
    mtime: float
    fs: pafs.FileSystem = field(compare=False, repr=False)

    @property
    def name(self) -> str:
        return posixpath.basename(self.path)


@dataclass(frozen=True)
class Location:
    """A root directory in a filesystem; paths below it are given as relative parts."""

    fs: pafs.FileSystem
    root: str
    uri: str

    @property
    def is_local(self) -> bool:
        return isinstance(self.fs, pafs.LocalFileSystem)

    @property
    def local_path(self) -> Path:
        """The root as a local :class:`Path` (only for local locations)."""
        if not self.is_local:
            raise ValueError(f"{self.uri} is not a local directory")
        return Path(self.root)

    def path(self, *parts: str) -> str:
        """The path of ``parts`` below the root, in the filesystem's own terms."""
        return posixpath.join(self.root, *parts) if parts else self.root

    def uri_of(self, *parts: str) -> str:
        """How to name ``parts`` in a message or a summary: a local path, or ``scheme://...``."""
        if self.is_local:
            return str(Path(self.uri, *parts))
        return posixpath.join(self.uri.rstrip("/"), *parts) if parts else self.uri

    def child(self, *parts: str) -> Location:
        return Location(self.fs, self.path(*parts), self.uri_of(*parts))

    def file(self, *parts: str) -> LocatedFile:
        return LocatedFile(self, posixpath.join(*parts))

    def __str__(self) -> str:
        return self.uri

    # --- writing ---------------------------------------------------------------------------
    @contextmanager
    def atomic_write(self, *parts: str) -> Iterator[BinaryIO]:
        """A binary file that appears at ``parts`` complete, or not at all (see the module doc)."""
        if self.is_local:
            with local_atomic_write(Path(self.root, *parts)) as fh:
                yield fh
            return
        dest = self.path(*parts)
        with tempfile.NamedTemporaryFile(prefix="newsbot-upload-", suffix=".tmp") as tmp:
            yield tmp  # type: ignore[misc]
            tmp.flush()
            self.upload(tmp.name, *parts, dest=dest)

    def upload(self, local_file: str | os.PathLike[str], *parts: str, dest: str | None = None) -> None:
        """Publish a complete local file at ``parts`` (local: copied aside, then renamed)."""
        if self.is_local:
            with open(local_file, "rb") as src, self.atomic_write(*parts) as fh:
                while chunk := src.read(1 << 20):
                    fh.write(chunk)
            return
        dest = dest or self.path(*parts)
        if not isinstance(self.fs, pafs.S3FileSystem):
            # Key-value stores have no directories; other filesystems (fsspec ones) may need them.
            self.fs.create_dir(posixpath.dirname(dest), recursive=True)
        # One upload, from C++: a single PUT or a completed multipart upload, visible whole.
        pafs.copy_files(
            os.fspath(local_file),
            dest,
            source_filesystem=pafs.LocalFileSystem(),
            destination_filesystem=self.fs,
        )

    def write_bytes(self, *parts: str, data: bytes) -> None:
        with self.atomic_write(*parts) as fh:
            fh.write(data)

    def delete(self, *parts: str) -> None:
        """Remove a file; an absent one is not an error."""
        try:
            self.fs.delete_file(self.path(*parts))
        except FileNotFoundError:
            pass

    def makedirs(self, *parts: str) -> None:
        """Make a directory on filesystems that have them (object stores need none)."""
        if self.is_local:
            Path(self.root, *parts).mkdir(parents=True, exist_ok=True)

    # --- reading ---------------------------------------------------------------------------
    def info(self, *parts: str) -> pafs.FileInfo:
        return self.fs.get_file_info(self.path(*parts))

    def exists(self, *parts: str) -> bool:
        return self.info(*parts).type != pafs.FileType.NotFound

    def is_dir(self, *parts: str) -> bool:
        """True for a directory, or, on an object store, for a prefix that has objects below it."""
        info = self.info(*parts)
        if info.type == pafs.FileType.Directory:
            return True
        return not self.is_local and bool(self.files(*parts, suffix=""))

    def mtime(self, *parts: str) -> float | None:
        info = self.info(*parts)
        if info.type != pafs.FileType.File or info.mtime is None:
            return None
        return info.mtime.timestamp()

    def read_bytes(self, *parts: str) -> bytes:
        """The whole file; :class:`FileNotFoundError` when it is absent."""
        # compression=None: pyarrow would otherwise gunzip a ``.gz`` name on the fly.
        with self.fs.open_input_stream(self.path(*parts), compression=None) as fh:
            return fh.read()

    def files(self, *parts: str, suffix: str = ".parquet") -> list[StoredFile]:
        """Visible files below ``parts`` whose names end with ``suffix``, sorted by path.

        Hidden names (``.`` or ``_`` first: temporary files, ``_SUCCESS`` markers, quarantined or
        partial data) are left out, in the file name and in the directory holding it.
        """
        base = self.path(*parts)
        try:
            infos = self.fs.get_file_info(pafs.FileSelector(base, recursive=True, allow_not_found=True))
        except (FileNotFoundError, NotADirectoryError):
            return []
        out = []
        for info in infos:
            if info.type != pafs.FileType.File or not info.base_name.endswith(suffix):
                continue
            rel = info.path[len(base) :].lstrip("/").split("/")
            if any(p.startswith((".", "_")) for p in rel[-2:]):
                continue
            mtime = info.mtime.timestamp() if info.mtime is not None else 0.0
            out.append(StoredFile(info.path, info.size or 0, mtime, self.fs))
        return sorted(out, key=lambda f: f.path)


@dataclass(frozen=True)
class LocatedFile:
    """One file of a location (a state file, a run summary) that may or may not exist yet."""

    location: Location
    name: str

    def atomic_write(self) -> Any:
        return self.location.atomic_write(self.name)

    def write_bytes(self, data: bytes) -> None:
        self.location.write_bytes(self.name, data=data)

    def read_bytes(self) -> bytes:
        return self.location.read_bytes(self.name)

    def exists(self) -> bool:
        return self.location.exists(self.name)

    def mtime(self) -> float | None:
        return self.location.mtime(self.name)

    def delete(self) -> None:
        self.location.delete(self.name)

    def __str__(self) -> str:
        return self.location.uri_of(self.name)


def as_file(target: str | os.PathLike[str] | LocatedFile) -> LocatedFile:
    """A :class:`LocatedFile` for a local path (its directory as the location) or itself."""
    if isinstance(target, LocatedFile):
        return target
    path = Path(target)
    return parse_location(str(path.parent)).file(path.name)


def _s3_filesystem(bucket: str, endpoint_url: str | None) -> pafs.S3FileSystem:
    endpoint = endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        fs, _ = pafs.FileSystem.from_uri(f"s3://{bucket}")  # resolves the bucket's region
        return fs  # type: ignore[return-value]
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return pafs.S3FileSystem(endpoint_override=endpoint, region=region)


def _fsspec_filesystem(uri: str) -> tuple[pafs.FileSystem, str]:
    try:
        import fsspec
    except ImportError as exc:  # pragma: no cover - fsspec is a dependency
        raise ValueError(f"{uri}: no filesystem for this scheme (fsspec is not installed)") from exc
    try:
        fs, path = fsspec.core.url_to_fs(uri)
    except (ValueError, ImportError) as exc:
        raise ValueError(f"{uri}: no filesystem for this scheme ({exc})") from exc
    return pafs.PyFileSystem(pafs.FSSpecHandler(fs)), path


def parse_location(uri: str | os.PathLike[str], endpoint_url: str | None = None) -> Location:
    """The :class:`Location` an output setting names; ValueError for one no filesystem handles.

    A local path is made absolute now (relative to the current directory) and keeps the spelling
    it was given in for messages."""
    text = os.fspath(uri).strip()
    if not text:
        raise ValueError("empty output location")
    scheme = urlsplit(text).scheme.lower() if "://" in text else ""
    if scheme in LOCAL_SCHEMES:
        path = urlsplit(text).path if scheme == "file" else text
        return Location(_LOCAL, os.path.abspath(path), path)
    return _remote_location(text, endpoint_url)


_LOCAL = pafs.LocalFileSystem()


@functools.lru_cache(maxsize=32)
def _remote_location(text: str, endpoint_url: str | None) -> Location:
    # Cached: building an S3 filesystem without an endpoint asks S3 for the bucket's region.
    scheme = urlsplit(text).scheme.lower()
    parts = urlsplit(text)
    if scheme in S3_SCHEMES:
        if not parts.netloc:
            raise ValueError(f"{text}: an S3 location needs a bucket (s3://bucket/prefix)")
        root = posixpath.join(parts.netloc, parts.path.strip("/")).rstrip("/")
        return Location(_s3_filesystem(parts.netloc, endpoint_url), root, text.rstrip("/"))
    try:
        fs, root = pafs.FileSystem.from_uri(text)
    except (ValueError, OSError, TypeError):
        fs, root = _fsspec_filesystem(text)
    return Location(fs, root.rstrip("/"), text.rstrip("/"))


def as_location(where: str | os.PathLike[str] | Location) -> Location:
    return where if isinstance(where, Location) else parse_location(os.fspath(where))


def output_location(settings: Any) -> Location:
    """The output location of a crawl's settings (``NEWSBOT_OUTPUT_DIR``)."""
    return parse_location(
        str(settings.get("NEWSBOT_OUTPUT_DIR") or default("NEWSBOT_OUTPUT_DIR")),
        settings.get("NEWSBOT_S3_ENDPOINT_URL") or None,
    )


def is_remote(uri: str | os.PathLike[str]) -> bool:
    """True when ``uri`` names something other than the local file system (cheap: no I/O)."""
    text = os.fspath(uri)
    return "://" in text and urlsplit(text).scheme.lower() not in LOCAL_SCHEMES


__all__ = [
    "LocatedFile",
    "Location",
    "StoredFile",
    "as_file",
    "as_location",
    "is_remote",
    "output_location",
    "parse_location",
]
