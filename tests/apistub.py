"""A loopback stand-in for the GDELT DOC 2.0 and ReliefWeb v2 APIs, run as a subprocess by the tests.

    python tests/apistub.py --data tests/data [--base-urls JSON] [--log requests.jsonl]

prints one JSON line ``{"base": "http://127.0.0.1:PORT"}`` once it listens, then serves until
terminated:

``GET /api/v2/doc/doc?query=...&mode=ArtList&format=json&maxrecords=N&startdatetime=...&enddatetime=...``
    The articles of ``gdelt/artlist.json`` seen in ``[startdatetime, enddatetime)``, newest first,
    at most ``maxrecords`` (so that the spider's slice splitting is exercised), or ``{}``. The
    ``{{base:OUTLET}}`` placeholders are replaced with ``--base-urls`` (the demo site's outlets).
    Words in the query pick the documented failure answers instead: ``ratelimited`` (one 429 with
    ``Retry-After`` and GDELT's plain-text notice, then normal answers), ``malformed`` (truncated
    JSON), ``badsyntax`` (GDELT's plain-text error with status 200), ``emptyanswer`` (empty body).

``POST /v2/reports?appname=NAME`` (JSON body with ``offset``/``limit``) or ``GET`` with query params
    A page of ``reliefweb/reports.json``: ``{"totalCount", "count", "data", ...}``. Without
    ``appname``: 403 as the API answers. The appname picks failures: ``ratelimited`` (one 429, then
    normal answers), ``malformed`` (truncated JSON for the second page), ``garbage`` (an HTML page
    with status 200 for every page).

Every request is logged as a JSON line (path, query, body, time) for the tests to inspect.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

GDELT_PATH = "/api/v2/doc/doc"
RELIEFWEB_PATH = "/v2/reports"


class Stub:
    def __init__(self, data: Path, base_urls: dict[str, str], log: Path | None) -> None:
        text = (data / "gdelt" / "artlist.json").read_text(encoding="utf-8")
        for outlet, url in base_urls.items():
            text = text.replace("{{base:" + outlet + "}}", url)
        self.articles: list[dict[str, Any]] = json.loads(text)["articles"]
        self.reports: list[dict[str, Any]] = json.loads(
            (data / "reliefweb" / "reports.json").read_text(encoding="utf-8")
        )["data"]
        self.log_path = log
        self.lock = threading.Lock()
        self.limited: set[str] = set()  # keys that already got their one 429

    def log(self, record: dict[str, Any]) -> None:
        if self.log_path is None:
            return
        with self.lock, self.log_path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")

    def first_time(self, key: str) -> bool:
        with self.lock:
            if key in self.limited:
                return False
            self.limited.add(key)
            return True

    # --- GDELT -----------------------------------------------------------------------------------
    def gdelt(self, params: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        query = params.get("query", "")
        text = {"Content-Type": "text/html; charset=utf-8"}
        if "ratelimited" in query and self.first_time("gdelt:" + query):
            return 429, {**text, "Retry-After": "3"}, b"Please limit requests to one every 5 seconds."
        if "malformed" in query:
            return 200, {"Content-Type": "application/json"}, b'{"articles": [{"url": "https://exa'
        if "badsyntax" in query:
            return 200, text, b"Queries containing OR'd terms must be surrounded by ()."
        if "emptyanswer" in query:
            return 200, {"Content-Type": "application/json"}, b""
        start = params.get("startdatetime", "00000000000000")
        end = params.get("enddatetime", "99999999999999")
        limit = int(params.get("maxrecords", "75"))
        seen = [a for a in self.articles if start <= a.get("seendate", "").replace("T", "")[:14] < end]
        seen.sort(key=lambda a: a.get("seendate", ""), reverse=True)
        body = {"articles": seen[:limit]} if seen else {}
        return 200, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(body).encode()

    # --- ReliefWeb -------------------------------------------------------------------------------
    def reliefweb(self, params: dict[str, str], body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        js = {"Content-Type": "application/json; charset=utf-8"}
        appname = params.get("appname", "")
        if not appname:
            error = {"status": 403, "error": {"type": "AccessDeniedHttpException", "message": "appname"}}
            return 403, js, json.dumps(error).encode()
        offset = int(body.get("offset", params.get("offset", 0)))
        limit = int(body.get("limit", params.get("limit", 10)))
        if not 0 <= limit <= 1000:
            error = {"status": 400, "error": {"message": 'Invalid "limit" specified.'}}
            return 400, js, json.dumps(error).encode()
        if "ratelimited" in appname and self.first_time(f"rw:{appname}:{offset}"):
            return 429, {**js, "Retry-After": "3"}, b'{"status": 429, "error": {"message": "Too many"}}'
        if "garbage" in appname:
            return 200, {"Content-Type": "text/html"}, b"<html><body>Service under maintenance</body></html>"
        if "malformed" in appname and offset > 0:
            return 200, js, b'{"totalCount": 5, "count": 2, "data": [{"id": "41'
        page = self.reports[offset : offset + limit]
        answer = {
            "time": 3,
            "href": f"https://api.reliefweb.int/v2/reports?appname={appname}",
            "links": {"self": {"href": f"https://api.reliefweb.int/v2/reports?appname={appname}"}},
            "totalCount": len(self.reports),
            "count": len(page),
            "data": page,
        }
        return 200, js, json.dumps(answer).encode()


def make_handler(stub: Stub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            pass

        def _answer(self, method: str) -> None:
            parts = urlsplit(self.path)
            params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if method == "POST" else b""
            try:
                body = json.loads(raw) if raw else {}
            except json.JSONDecodeError:
                body = {"_unparsable": raw.decode("utf-8", "replace")}
            if parts.path == GDELT_PATH:
                status, headers, payload = stub.gdelt(params)
            elif parts.path == RELIEFWEB_PATH:
                status, headers, payload = stub.reliefweb(params, body)
            else:
                status, headers, payload = 404, {"Content-Type": "text/plain"}, b"not found"
            stub.log(
                {
                    "method": method,
                    "path": parts.path,
                    "query": params,
                    "body": body,
                    "status": status,
                    "time": time.monotonic(),
                    "at": datetime.now(UTC).isoformat(),
                    "user_agent": self.headers.get("User-Agent"),
                }
            )
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            self._answer("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._answer("POST")

    return Handler


class RunningStub:
    """The stub subprocess, seen from a test: its base URL, endpoints and request log."""

    def __init__(self, data: Path, log: Path, base_urls: dict[str, str] | None = None) -> None:
        self.log_path = log
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--data", str(data), "--log", str(log),
             "--base-urls", json.dumps(base_urls or {})],
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.stop()
            raise RuntimeError(f"API stub exited with {self.process.returncode} before listening")
        self.base: str = json.loads(line)["base"]

    @property
    def gdelt_url(self) -> str:
        return self.base + GDELT_PATH

    @property
    def reliefweb_url(self) -> str:
        return self.base + RELIEFWEB_PATH

    def requests(self, path: str | None = None) -> list[dict[str, Any]]:
        if not self.log_path.exists():
            return []
        with self.log_path.open(encoding="utf-8") as fh:
            records = [json.loads(line) for line in fh if line.strip()]
        return [r for r in records if path is None or r["path"] == path]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="tests/data")
    parser.add_argument("--base-urls", default="{}", help="JSON {outlet: base URL} for {{base:OUTLET}}")
    parser.add_argument("--log", type=Path, default=None)
    args = parser.parse_args(argv)
    stub = Stub(args.data, json.loads(args.base_urls), args.log)
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(stub))
    server.daemon_threads = True
    print(json.dumps({"base": f"http://127.0.0.1:{server.server_address[1]}"}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
