"""Streaming WARC reading: the HTML responses of local or remote WARC files.

A WARC file is read as a stream, one record at a time, from disk or over HTTP(S): a CC-NEWS file
is about 1 GB and is never held in memory (warcio decompresses gzip-per-record files member by
member). :func:`iter_pages` is what the ``warc`` spider and the CC-NEWS backfill call with a list of
paths or URLs.
"""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from newsbot.archive.writer import CONTEXT_HEADER, KIND_HEADER

logger = logging.getLogger(__name__)

#: Seconds a remote WARC file may stay silent before the read fails.
HTTP_TIMEOUT = 60.0


class WarcError(RuntimeError):
    """A WARC file could not be opened or read (the message names it)."""


@dataclass
class WarcPage:
    """One HTTP response record of a WARC file."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    fetched_at: datetime
    #: the WARC file (path or URL) and the byte offset of the record in it
    warc_file: str
    warc_offset: int
    ip_address: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: what newsbot's crawl knew of the page (``WARC-Newsbot-Context`` JSON), if it wrote the file
    context: str | None = None

    def header(self, name: str) -> str | None:
        low = name.lower()
        for k, v in self.headers:
            if k.lower() == low:
                return v
        return None


def is_remote(source: str) -> bool:
    return urlsplit(source).scheme in ("http", "https")


@contextmanager
def open_stream(source: str) -> Iterator[IO[bytes]]:
    """A binary stream of ``source`` (a path or an http(s) URL), read as it is consumed."""
    try:
        if is_remote(source):
            req = urllib.request.Request(source, headers={"User-Agent": "newsbot (WARC backfill)"})
            fh: IO[bytes] = urllib.request.urlopen(req, timeout=HTTP_TIMEOUT)  # noqa: S310 - http(s) only
        else:
            fh = open(Path(source), "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise WarcError(f"{source}: cannot open ({exc})") from exc
    try:
        yield fh
    finally:
        fh.close()


def parse_warc_date(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def iter_pages(sources: Iterable[str], *, keep: Any = None) -> Iterator[WarcPage]:
    """The HTTP response records of every WARC file in ``sources``, in order.

    ``keep(url, fetched_at)``, if given, is asked before a record's payload is read: a record it
    refuses is skipped without decompressing its body into memory.
    """
    for source in sources:
        yield from iter_file(source, keep=keep)


def iter_file(source: str, *, keep: Any = None) -> Iterator[WarcPage]:
    with open_stream(source) as fh:
        try:
            records = ArchiveIterator(fh, check_digests=False)
            for record in records:
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                if record.rec_headers.get_header(KIND_HEADER) == "listing":
                    continue  # a feed or sitemap newsbot kept (NEWSBOT_WARC_ENABLED), not a page
                url = record.rec_headers.get_header("WARC-Target-URI")
                if not url:
                    continue
                fetched_at = parse_warc_date(record.rec_headers.get_header("WARC-Date"))
                if keep is not None and not keep(url, fetched_at):
                    continue
                body = record.content_stream().read()
                status = int(record.http_headers.get_statuscode() or 0)
                yield WarcPage(
                    url=url,
                    status=status,
                    headers=list(record.http_headers.headers),
                    body=body,
                    fetched_at=fetched_at,
                    warc_file=source,
                    warc_offset=records.get_record_offset(),
                    ip_address=record.rec_headers.get_header("WARC-IP-Address"),
                    context=record.rec_headers.get_header(CONTEXT_HEADER),
                )
        except ArchiveLoadFailed as exc:
            raise WarcError(f"{source}: not a readable WARC file ({exc})") from exc
        except OSError as exc:
            raise WarcError(f"{source}: read failed ({exc})") from exc
