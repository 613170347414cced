"""Loopback static server for the bundled demo site (and for crawl tests with their own roots).

``root`` holds one directory per outlet (``root/<outlet-id>/``). Every outlet is served on its own
port of ``127.0.0.1`` so that outlets are different hosts, as real news sites are. The server is
stdlib-only and deterministic: the same files always produce the same bytes, ETags and
Last-Modified dates, so crawl tests can rely on conditional GETs.

Per-outlet behaviour is data in the outlet directory (files starting with ``_`` are never served):

``_headers.toml``
    ``["/path"]`` tables (``*`` globs allowed) with ``content-type``, ``status``, ``headers`` and
    ``last-modified`` overrides, e.g. to label a windows-1256 page correctly or to lie about a charset.
``_redirects.toml``
    ``"/old/path" = { status = 301, location = "/new/path" }``; the location may be absolute and
    use placeholders.

In text files every ``{{base:OUTLET}}`` is replaced at serve time by that outlet's base URL. The
substitution works on bytes, so files in legacy encodings are otherwise served untouched.

Command line::

    python -m newsbot.demo.server --root DIR [--log FILE] [--port-base N]

prints one JSON line ``{"outlet-id": "http://127.0.0.1:PORT", ...}`` once listening, then serves until
SIGTERM/SIGINT or, when stdin is a pipe or a terminal, end of stdin.
"""

from __future__ import annotations

import argparse
import email.utils
import fnmatch
import gzip
import hashlib
import json
import os
import re
import signal
import stat
import sys
import threading
import time
import tomllib
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

SITE_ROOT = Path(__file__).with_name("site")
SOURCES_TEMPLATE = Path(__file__).with_name("sources.toml")

OUTLET_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
PLACEHOLDER_RE = re.compile(rb"\{\{base:([a-z0-9][a-z0-9_-]*)\}\}")
TEXT_SUFFIXES = frozenset({".html", ".htm", ".xml", ".txt", ".json", ".toml", ".rss", ".atom", ".css", ".js"})
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".gz": "application/x-gzip",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".toml": "application/toml",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".ico": "image/x-icon",
}
# Last-Modified is derived from the file's path, not its mtime, so that it survives git checkouts.
_EPOCH_2026_11_01 = 1793491200


def substitute(data: bytes, base_urls: dict[str, str]) -> bytes:
    """Replace every ``{{base:OUTLET}}`` in ``data``; unknown outlets are left as they are."""

    def repl(m: re.Match[bytes]) -> bytes:
        url = base_urls.get(m.group(1).decode("ascii"))
        return url.encode("ascii") if url is not None else m.group(0)

    return PLACEHOLDER_RE.sub(repl, data)


def render_sources(template: Path, base_urls: dict[str, str]) -> str:
    """Text of a ``sources.toml`` template with its ``{{base:OUTLET}}`` placeholders substituted.

    Raises ``ValueError`` naming the file if a placeholder names an outlet that is not served.
    """
    data = template.read_bytes()
    missing = sorted({m.decode() for m in PLACEHOLDER_RE.findall(data)} - set(base_urls))
    if missing:
        raise ValueError(f"{template}: placeholders name outlets that are not served: {', '.join(missing)}")
    return substitute(data, base_urls).decode("utf-8")


def discover_outlets(root: Path) -> list[str]:
    """Outlet ids under ``root``: its subdirectories whose names are valid source ids, sorted."""
    if not root.is_dir():
        raise FileNotFoundError(f"demo site root is not a directory: {root}")
    return sorted(p.name for p in root.iterdir() if p.is_dir() and OUTLET_RE.match(p.name))


def _load_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: {exc}") from exc


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Outlet:
    """One outlet directory and its header/redirect rules."""

    id: str
    directory: Path
    header_rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    redirects: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, outlet_id: str, directory: Path) -> Outlet:
        headers = _load_toml(directory / "_headers.toml")
        redirects = _load_toml(directory / "_redirects.toml")
        for key, rule in {**headers, **redirects}.items():
            if not key.startswith("/") or not isinstance(rule, dict):
                raise ValueError(f"{directory}: rule {key!r} must be a table keyed by a path starting with /")
        return cls(outlet_id, directory, headers, redirects)

    def header_rule(self, path: str) -> dict[str, Any]:
        if path in self.header_rules:
            return self.header_rules[path]
        for pattern, rule in self.header_rules.items():
            if "*" in pattern and fnmatch.fnmatchcase(path, pattern):
                return rule
        return {}

    def resolve(self, path: str) -> tuple[Path, bool] | None:
        """File for a URL path, and whether it must be gzipped on the fly; None if not served."""
        parts = [p for p in path.split("/") if p]
        if any(p in (".", "..") or p.startswith((".", "_")) for p in parts):
            return None
        target = self.directory.joinpath(*parts)
        candidates: list[Path] = []
        if path.endswith("/") or not parts:
            candidates.append(target / "index.html")
        else:
            candidates.append(target)
            if not Path(parts[-1]).suffix:
                candidates += [target / "index.html", target.with_name(parts[-1] + ".html")]
        for candidate in candidates:
            if candidate.is_file():
                return candidate, False
        if parts and parts[-1].endswith(".gz"):
            plain = target.with_name(parts[-1][:-3])
            if plain.is_file():
                return plain, True
        return None


def _last_modified(outlet_id: str, path: str) -> int:
    digest = hashlib.sha256(f"{outlet_id}{path}".encode()).digest()
    return _EPOCH_2026_11_01 + int.from_bytes(digest[:4], "big") % (20 * 86400)


def _not_modified(headers: Any, etag: str, last_modified: int) -> bool:
    inm = headers.get("If-None-Match")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or etag in tags
    ims = headers.get("If-Modified-Since")
    if ims:
        try:
            since = email.utils.parsedate_to_datetime(ims).timestamp()
        except (TypeError, ValueError, IndexError):
            return False
        return last_modified <= since
    return False


def _error_page(status: int, path: str) -> bytes:
    phrase = HTTPStatus(status).phrase
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{status} {phrase}</title></head>'
        f"<body><h1>{status} {phrase}</h1><p>Nothing is published at {_html_escape(path)}.</p>"
        "<p>Sample content for the newsbot demo, not real news.</p></body></html>\n"
    ).encode()


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class _RequestLog:
    """Appends one JSON line per request; safe to call from the handler threads."""

    def __init__(self, path: Path | None) -> None:
        self._lock = threading.Lock()
        self._fh = path.open("a", encoding="utf-8") if path is not None else None

    def write(self, record: dict[str, Any]) -> None:
        if self._fh is None:
            return
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock:
            self._fh.write(line)
            self._fh.flush()

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None


class _OutletHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "newsbot-demo/1"
    sys_version = ""
    # Set on the per-outlet subclass built by DemoServer.
    outlet: Outlet
    demo: DemoServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        """Quiet: the request log (if any) is the record."""

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._serve(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(head=True)

    def _serve(self, head: bool) -> None:
        response = self.demo.respond(self.outlet, self.path, self.headers)
        # Logged before the answer is sent: a client that has its response can count on the
        # log line being there (tests read the log right after their request returns).
        self.demo.log.write(
            {
                "outlet": self.outlet.id,
                "method": self.command,
                "path": self.path,
                "status": response.status,
                "ts": round(time.time(), 6),
                "user_agent": self.headers.get("User-Agent"),
                "if_none_match": self.headers.get("If-None-Match"),
                "referer": self.headers.get("Referer"),
            }
        )
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.status != 304:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if not head and response.status != 304:
            self.wfile.write(response.body)


class DemoServer:
    """Serves every outlet under ``root`` on its own loopback port.

    >>> with DemoServer(SITE_ROOT) as server:          # doctest: +SKIP
    ...     server.base_urls["meridian"]
    'http://127.0.0.1:40123'
    """

    def __init__(
        self,
        root: Path,
        host: str = "127.0.0.1",
        request_log: Path | None = None,
        ports: dict[str, int] | None = None,
    ) -> None:
        self.root = Path(root)
        self.host = host
        self.request_log = request_log
        self.ports = dict(ports or {})
        self.base_urls: dict[str, str] = {}
        self.outlets: dict[str, Outlet] = {}
        self.log = _RequestLog(None)
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []

    def start(self) -> DemoServer:
        """Bind every outlet (all ports are known before any request is answered), then serve."""
        if self._servers:
            raise RuntimeError("DemoServer already started")
        self.outlets = {o: Outlet.load(o, self.root / o) for o in discover_outlets(self.root)}
        if not self.outlets:
            raise ValueError(f"no outlet directories under {self.root}")
        self.log = _RequestLog(self.request_log)
        try:
            for outlet in self.outlets.values():
                handler = type(f"Handler_{outlet.id}", (_OutletHandler,), {"outlet": outlet, "demo": self})
                server = ThreadingHTTPServer((self.host, self.ports.get(outlet.id, 0)), handler)
                server.daemon_threads = True
                self._servers.append(server)
                self.base_urls[outlet.id] = f"http://{self.host}:{server.server_address[1]}"
        except OSError:
            self.close()
            raise
        for server in self._servers:
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def close(self) -> None:
        for server in self._servers:
            if self._threads:
                server.shutdown()
            server.server_close()
        self._servers.clear()
        self._threads.clear()
        self.log.close()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def respond(self, outlet: Outlet, raw_path: str, headers: Any) -> Response:
        """The response for one request (no I/O on the socket: handlers and tests share it)."""
        path = unquote(urlsplit(raw_path).path) or "/"
        redirect = outlet.redirects.get(path)
        if redirect is not None:
            location = substitute(str(redirect.get("location", "/")).encode(), self.base_urls).decode()
            body = _error_page(int(redirect.get("status", 301)), path)
            return Response(
                int(redirect.get("status", 301)),
                body,
                {"Location": location, "Content-Type": "text/html; charset=utf-8"},
            )
        rule = outlet.header_rule(path)
        found = outlet.resolve(path)
        if found is None:
            status = int(rule.get("status", 404))
            return Response(status, _error_page(status, path), {"Content-Type": "text/html; charset=utf-8"})
        file, gzip_it = found
        data = file.read_bytes()
        if file.suffix in TEXT_SUFFIXES or file.name == "robots.txt":
            data = substitute(data, self.base_urls)
        suffix = ".gz" if gzip_it else file.suffix
        if gzip_it:
            data = gzip.compress(data, mtime=0)
        content_type = str(rule.get("content-type", CONTENT_TYPES.get(suffix, "application/octet-stream")))
        last_modified = rule.get("last-modified")
        lm = (
            int(email.utils.parsedate_to_datetime(last_modified).timestamp())
            if isinstance(last_modified, str)
            else _last_modified(outlet.id, path)
        )
        etag = '"' + hashlib.sha256(data).hexdigest()[:20] + '"'
        out_headers = {
            "Content-Type": content_type,
            "ETag": etag,
            "Last-Modified": email.utils.formatdate(lm, usegmt=True),
            "Cache-Control": "max-age=60",
        }
        out_headers.update({str(k): str(v) for k, v in dict(rule.get("headers", {})).items()})
        status = int(rule.get("status", 200))
        if status == 200 and _not_modified(headers, etag, lm):
            return Response(304, b"", {k: v for k, v in out_headers.items() if k != "Content-Type"})
        return Response(status, data, out_headers)


def _watch_stdin(stop: threading.Event) -> None:
    """Stop on end of stdin, so a parent that dies (closing our stdin pipe) never leaves us behind."""
    try:
        fd = sys.stdin.fileno()
        mode = os.fstat(fd).st_mode
    except (OSError, ValueError, AttributeError):
        return
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or os.isatty(fd)):
        return  # /dev/null or a file: EOF means nothing here

    def run() -> None:
        # os.read, not sys.stdin: a daemon thread blocked inside a buffered reader aborts interpreter exit.
        try:
            while os.read(fd, 4096):
                pass
        except OSError:
            pass
        stop.set()

    threading.Thread(target=run, daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newsbot.demo.server", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--root", type=Path, default=SITE_ROOT, help="directory with one subdirectory per outlet"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--log", type=Path, default=None, help="append one JSON line per request here")
    parser.add_argument(
        "--port-base",
        type=int,
        default=0,
        help="serve outlets on consecutive ports from N (default: free ports)",
    )
    args = parser.parse_args(argv)
    outlets = discover_outlets(args.root)
    ports = {o: args.port_base + i for i, o in enumerate(outlets)} if args.port_base else None
    stop = threading.Event()
    server = DemoServer(args.root, host=args.host, request_log=args.log, ports=ports)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with server:
        sys.stdout.write(json.dumps(server.base_urls) + "\n")
        sys.stdout.flush()
        _watch_stdin(stop)
        while not stop.wait(0.2):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
