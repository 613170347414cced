"""WARC files for tests, written with warcio: the aeb-dev pages as HTTP response records."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parent.parent
AEB = ROOT.parent / "shared" / "aeb-dev"


def aeb_pages() -> list[tuple[str, bytes]]:
    """(url, html bytes) of the aeb-dev pages; empty when the corpus is absent."""
    truth_file = AEB / "ground-truth.json"
    if not truth_file.exists():
        return []
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    out = []
    for key, entry in sorted(truth.items()):
        page = AEB / "html" / f"{key}.html.gz"
        if page.exists():
            out.append((entry["url"], gzip.decompress(page.read_bytes())))
    return out


def write_warc(
    path: Path,
    pages: Iterable[tuple[str, bytes]],
    *,
    when: datetime | None = None,
    status: str = "200 OK",
    content_type: str = "text/html; charset=utf-8",
    gzip_records: bool = True,
) -> Path:
    """A WARC file of one response record per page (with its request record)."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gzip_records)
        for url, body in pages:
            http = StatusAndHeaders(
                status,
                [("Content-Type", content_type), ("Content-Length", str(len(body)))],
                protocol="HTTP/1.1",
            )
            headers = {"WARC-Date": when.strftime("%Y-%m-%dT%H:%M:%SZ")} if when else None
            rec = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=http, warc_headers_dict=headers
            )
            writer.write_record(rec)
    return path


def write_warc_responses(
    path: Path,
    responses: Iterable[tuple[str, str, list[tuple[str, str]], bytes]],
    *,
    when: datetime | None = None,
) -> Path:
    """A gzip-per-record WARC file of the given responses (url, status line, headers, body), kept
    exactly as sent: what a crawler archiving its fetches writes."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, status, headers, body in responses:
            http = StatusAndHeaders(status, list(headers), protocol="HTTP/1.1")
            warc_headers = {"WARC-Date": when.strftime("%Y-%m-%dT%H:%M:%SZ")} if when else None
            rec = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=http, warc_headers_dict=warc_headers
            )
            writer.write_record(rec)
    return path
