"""Rotating WARC files: the raw pages of a crawl under ``DIR/warc/``, published whole.

Each file is gzip-per-record WARC/1.0 written with warcio's :class:`~warcio.warcwriter.WARCWriter`:
a ``warcinfo`` record first, then for each fetch a ``response`` record and a ``request`` record
(``WARC-Concurrent-To`` the response), with the digests warcio computes. A record is appended the
moment its response arrives, so its byte offset is known while the dataset row is still being built.

A file is written aside, under a hidden temporary name that no reader or glob for ``*.warc.gz``
matches (:func:`newsbot.storage.atomic.temp_path`), and published when it is sealed: renamed into
place locally, uploaded whole to an object store (:meth:`Location.upload`). It is sealed when it
reaches the rotation size, when a dataset file is about to name it (:meth:`WarcFileWriter.seal_if`),
and at close. A SIGKILL leaves the hidden file, which the next run deletes with the other stale
temporary files; no partial ``.warc.gz`` is ever visible.
"""

from __future__ import annotations

import json
import logging
import os
import posixpath
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsbot import __version__
from newsbot.storage.atomic import fsync_dir, temp_path
from newsbot.storage.location import Location

logger = logging.getLogger(__name__)

#: the directory of the WARC files below the output location
WARC_DIR = "warc"
SUFFIX = ".warc.gz"
#: WARC header naming what a response record was fetched for (``article`` or ``listing``);
#: extension fields are allowed by ISO 28500 and ignored by tools that do not know them
KIND_HEADER = "WARC-Newsbot-Kind"
#: WARC header holding what discovery knew of an article (source, how it was found, the listing's
#: hints), one line of JSON: ``newsbot reprocess`` gives the records the same context again
CONTEXT_HEADER = "WARC-Newsbot-Context"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, set | tuple):
        return list(value)
    return str(value)


def _json_hook(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and "$datetime" in obj:
        return datetime.fromisoformat(obj["$datetime"])
    return obj


def encode_context(context: dict[str, Any]) -> str:
    """One header line of JSON (ASCII, no line breaks), datetimes kept as datetimes."""
    return json.dumps(context, default=_json_default, ensure_ascii=True, separators=(",", ":"))


def decode_context(text: str) -> dict[str, Any] | None:
    """What :func:`encode_context` wrote; None for a header that is not such JSON."""
    try:
        value = json.loads(text, object_hook=_json_hook)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


@dataclass(frozen=True)
class Fetch:
    """One request and its response, as they went over the wire (body: as stored, see below)."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    reason: str
    protocol: str
    response_headers: list[tuple[str, str]]
    body: bytes
    fetched_at: datetime
    ip_address: str | None = None
    kind: str = "article"
    #: what discovery knew (:data:`CONTEXT_HEADER`)
    context: dict[str, Any] | None = None


@dataclass(frozen=True)
class RecordRef:
    """Where a response record is: its file relative to the output location, and byte offset."""

    file: str
    offset: int


def _warc_date(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _request_line(fetch: Fetch) -> str:
    parts = urlsplit(fetch.url)
    target = parts.path or "/"
    if parts.query:
        target += f"?{parts.query}"
    return f"{fetch.method} {target}"


class WarcFileWriter:
    """Appends fetches to the current WARC file and publishes files as they are sealed.

    Not thread-safe: the crawl calls it from the reactor thread only.
    """

    def __init__(self, location: Location, prefix: str, max_size: int) -> None:
        self.location = location
        self.prefix = prefix
        self.max_size = max_size
        self._seq = 0
        self._fh: BinaryIO | None = None
        self._tmp: Path | None = None
        self._writer: WARCWriter | None = None
        self._rel: str | None = None
        #: closed files whose publication failed, retried by the next seal: (temporary, name)
        self._closed: list[tuple[Path, str]] = []
        #: files published so far, relative to the output location
        self.published: list[str] = []
        self.records = 0

    @property
    def current(self) -> str | None:
        """The open file (relative to the output location), not yet visible to readers."""
        return self._rel

    def _open(self) -> None:
        self._seq += 1
        name = f"{self.prefix}-{self._seq:05d}{SUFFIX}"
        rel = posixpath.join(WARC_DIR, name)
        if self.location.is_local:
            final = Path(self.location.root, rel)
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp = temp_path(final)
            fh: BinaryIO = open(tmp, "wb")  # noqa: SIM115 - kept open until sealed
        else:
            fd, tmp_name = tempfile.mkstemp(prefix="newsbot-warc-", suffix=".tmp")
            tmp = Path(tmp_name)
            fh = os.fdopen(fd, "wb")
        self._fh, self._tmp, self._rel = fh, tmp, rel
        self._writer = WARCWriter(fh, gzip=True)
        info = self._writer.create_warcinfo_record(
            name,
            {
                "software": f"newsbot/{__version__} (warcio)",
                "format": "WARC File Format 1.0",
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.0/",
            },
        )
        self._writer.write_record(info)

    def write(self, fetch: Fetch) -> RecordRef:
        """Append ``fetch`` (response, then request); where its response record starts."""
        if self._closed:
            self.seal()  # files a failure left closed go first, in order
        if self._writer is None:
            self._open()
        assert self._writer is not None and self._fh is not None and self._rel is not None
        writer = self._writer
        date = _warc_date(fetch.fetched_at)
        warc_headers = {"WARC-Date": date, KIND_HEADER: fetch.kind}
        if fetch.ip_address:
            warc_headers["WARC-IP-Address"] = fetch.ip_address
        if fetch.context:
            warc_headers[CONTEXT_HEADER] = encode_context(fetch.context)
        http_headers = StatusAndHeaders(
            f"{fetch.status} {fetch.reason}".strip(), fetch.response_headers, protocol=fetch.protocol
        )
        response = writer.create_warc_record(
            fetch.url,
            "response",
            payload=BytesIO(fetch.body),
            length=len(fetch.body),
            warc_headers_dict=warc_headers,
            http_headers=http_headers,
        )
        request = writer.create_warc_record(
            fetch.url,
            "request",
            payload=BytesIO(fetch.request_body),
            length=len(fetch.request_body),
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
            },
            http_headers=StatusAndHeaders(
                _request_line(fetch), fetch.request_headers, protocol=fetch.protocol, is_http_request=True
            ),
        )
        offset = self._fh.tell()
        writer.write_record(response)
        writer.write_record(request)
        ref = RecordRef(self._rel, offset)
        self.records += 1
        if self._fh.tell() >= self.max_size:
            self.seal()
        return ref

    def seal(self) -> None:
        """Close the open file (if any) and publish every closed file not yet published.

        A failed publication (a full disk, a refused upload) raises and keeps the closed file for
        the next call to retry: the rows naming it must not be written before it is in place.
        """
        if self._fh is not None:
            fh, tmp, rel = self._fh, self._tmp, self._rel
            assert tmp is not None and rel is not None
            self._fh = self._tmp = self._rel = self._writer = None
            try:
                fh.flush()
                os.fsync(fh.fileno())
            finally:
                fh.close()
            self._closed.append((tmp, rel))
        while self._closed:
            tmp, rel = self._closed[0]
            if self.location.is_local:
                final = Path(self.location.root, rel)
                os.replace(tmp, final)
                fsync_dir(final.parent)
            else:
                self.location.upload(tmp, rel)
                tmp.unlink(missing_ok=True)
            self._closed.pop(0)
            self.published.append(rel)
            logger.debug("Published %s", self.location.uri_of(rel))

    def seal_if(self, files: set[str]) -> None:
        """Publish the files among ``files`` (the names a dataset file is about to hold) not yet in place."""
        if (self._rel is not None and self._rel in files) or any(rel in files for _, rel in self._closed):
            self.seal()

    def discard(self) -> None:
        """Drop every file not published yet (after a failure nothing can name them)."""
        if self._fh is not None:
            self._fh.close()
            self._closed.append((self._tmp, self._rel))  # type: ignore[arg-type]
        for tmp, _ in self._closed:
            tmp.unlink(missing_ok=True)
        self._fh = self._tmp = self._rel = self._writer = None
        self._closed = []
