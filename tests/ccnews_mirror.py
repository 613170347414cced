"""A local CC-NEWS mirror for tests: Common Crawl's layout, served by a real HTTP server.

``crawl-data/CC-NEWS/YYYY/MM/warc.paths.gz`` lists each month's files, as on
data.commoncrawl.org; the server is ``python -m http.server`` in a subprocess on a free port, and
its access log (stderr) says which files were requested.
"""

from __future__ import annotations

import gzip
import io
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


def write_paths_lists(root: Path, paths: Iterable[str]) -> None:
    """Write each month's ``warc.paths.gz`` for ``paths`` (``crawl-data/CC-NEWS/YYYY/MM/...``)."""
    by_month: dict[str, list[str]] = {}
    for p in paths:
        by_month.setdefault(p.rsplit("/", 1)[0], []).append(p)
    for month, names in by_month.items():
        target = root / month / "warc.paths.gz"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(gzip.compress(("\n".join(sorted(names)) + "\n").encode()))


@dataclass
class Mirror:
    root: Path
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def requested(self) -> list[str]:
        """Paths of the GET requests served so far (from the server's access log)."""
        out = []
        for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            if '"GET ' in line:
                out.append(line.split('"GET ', 1)[1].split(" ", 1)[0])
        return out

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def serve(root: Path, log: Path) -> Mirror:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    fh = log.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-u",
            "-m",
            "http.server",
            str(port),
            "--bind",
            "127.0.0.1",
            "--directory",
            str(root),
        ],
        stdout=fh,
        stderr=subprocess.STDOUT,
    )
    fh.close()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"http.server exited: {log.read_text()}") from None
            time.sleep(0.05)
    return Mirror(root, f"http://127.0.0.1:{port}/", process, log)


def write_warc(path: Path, records: Iterable[tuple[str, bytes, datetime]]) -> None:
    """A gzip-per-record WARC file as CC-NEWS has them: a warcinfo record, then for each page
    (url, html, fetch time) its request and its response."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "newsbot tests"}))
        for url, html, when in records:
            stamp = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            host = url.split("/")[2]
            request = writer.create_warc_record(
                url,
                "request",
                payload=io.BytesIO(b""),
                http_headers=StatusAndHeaders(
                    f"GET /{url.split('/', 3)[3]} HTTP/1.1", [("Host", host)], is_http_request=True
                ),
                warc_headers_dict={"WARC-Date": stamp},
            )
            response = writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(html),
                http_headers=StatusAndHeaders(
                    "200 OK",
                    [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(html)))],
                    protocol="HTTP/1.1",
                ),
                warc_headers_dict={"WARC-Date": stamp},
            )
            writer.write_request_response_pair(request, response)
