"""Reading back the WARC files a crawl kept (tests of ``NEWSBOT_WARC_ENABLED``), with warcio."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator


@dataclass
class Record:
    offset: int
    type: str
    headers: dict[str, str]
    http_status: int | None
    http_headers: list[tuple[str, str]]
    payload: bytes


def _record(rec: Any, offset: int) -> Record:
    http = rec.http_headers
    return Record(
        offset=offset,
        type=rec.rec_type,
        headers=dict(rec.rec_headers.headers),
        http_status=int(http.get_statuscode()) if http is not None and rec.rec_type == "response" else None,
        http_headers=list(http.headers) if http is not None else [],
        payload=rec.content_stream().read(),
    )


def records(fh: IO[bytes]) -> list[Record]:
    """Every record of a WARC stream, digests checked (a mismatch raises)."""
    it = ArchiveIterator(fh, check_digests="raise")
    return [_record(rec, it.get_record_offset()) for rec in it]


def check_layout(recs: list[Record], name: str) -> list[Record]:
    """A warcinfo record naming the file, then response/request pairs; returns the responses."""
    assert recs[0].type == "warcinfo" and recs[0].headers["WARC-Filename"] == name
    rest = recs[1:]
    assert rest and len(rest) % 2 == 0
    responses = []
    for response, request in zip(rest[::2], rest[1::2], strict=True):
        assert response.type == "response" and request.type == "request"
        assert request.headers["WARC-Concurrent-To"] == response.headers["WARC-Record-ID"]
        assert request.headers["WARC-Target-URI"] == response.headers["WARC-Target-URI"]
        for h in ("WARC-Date", "WARC-Payload-Digest", "WARC-Block-Digest"):
            assert response.headers[h]
        responses.append(response)
    return responses


def record_at(fh: IO[bytes], offset: int) -> Record:
    """The record that starts at ``offset`` of a seekable WARC stream."""
    fh.seek(offset)
    it = ArchiveIterator(fh, check_digests="raise")
    return _record(next(iter(it)), offset)


def header(rec: Record, name: str) -> str | None:
    for k, v in rec.http_headers:
        if k.lower() == name.lower():
            return v
    return None
