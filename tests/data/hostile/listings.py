"""A hostile site for listing tests: sitemaps, feeds and robots.txt files written to hurt a crawler.

Run as ``python tests/data/hostile/listings.py``; prints ``{"base": ..., "probe": PORT}`` once
listening and serves until stdin closes or SIGTERM. Stdlib only. Every request is counted by path;
``/control/hits`` answers the counts as JSON. ``probe`` is a raw TCP port that counts the
connections made to it (an FTP client or anything else that is not HTTP). Routes:

``/index/self.xml``               a sitemap index listing itself and ``/index/a.xml``
``/index/a.xml`` ↔ ``/index/b.xml`` a cycle of two indexes; ``b`` also lists ``/urlset.xml``
``/index/schemes.xml?file=PATH``  children with file:, ftp: (the probe port), data: and gopher: URLs
``/index/wide.xml?n=N``           an index of N distinct children ``/wide/<i>.xml``
``/fan/robots.txt?n=N``           a robots.txt with N ``Sitemap:`` lines ``/fan/<i>.xml``
``/urlset.xml``, ``/wide/<i>.xml``, ``/fan/<i>.xml``   a urlset of one article each
``/feed/always-304.xml``          answers 304 Not Modified to every request, validators or not
``/feed/amp.xml``                 a feed whose links carry ``&section=``-style query strings
``/story?...``                    an article (any query) whose text quotes ``&amp;`` and ``<br>``
``/feed/laughs.xml``              a 1 KB entity-expansion ("billion laughs") feed
``/feed/big.xml?n=N``             an RSS feed of N items
``/big/robots.txt?mb=M``          a robots.txt of M MB of rules and comments
``/control/robots-mb/<M>``        from then on ``/robots.txt`` is that M MB robots.txt
``/article/<key>``                an English news article
``/stream/huge?mb=M``             M MB of HTML sent without Content-Length, the connection closed after
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server import PARAGRAPHS, article_html  # noqa: E402 - the sibling hostile server's pages

HITS: Counter[str] = Counter()
LOCK = threading.Lock()
SM = "http://www.sitemaps.org/schemas/sitemap/0.9"

#: URLs with query parameters whose names start like HTML entities without their semicolon
#: (``&sect``, ``&reg``, ``&not``, ``&copy``, ``&times``, ``&para``, ``&amp``).
AMP_QUERIES = [
    "id=7&section=world&region=3",
    "id=8&copy=1&times=2&para=4",
    "id=9&notes=yes&amp=1&lang=en",
]

#: The text of ``/story``: what a reader of the page sees, escaped in the HTML.
STORY_QUOTES = [
    "Engineers say the label printed on the crates reads &amp; and nothing else, a leftover of an "
    "encoding bug in the supply system that shelling of the depot had interrupted for weeks.",
    "The ceasefire monitors' report explains that the web form broke lines with a <br> tag where "
    "the troops' positions were listed, so the published casualty tables were misaligned.",
]


def index(children: list[str]) -> bytes:
    body = "".join(f"<sitemap><loc>{c}</loc></sitemap>" for c in children)
    return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="{SM}">{body}</sitemapindex>'.encode()


def urlset(urls: list[str]) -> bytes:
    body = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="{SM}">{body}</urlset>'.encode()


def rss(base: str, links: list[str]) -> bytes:
    from xml.sax.saxutils import escape

    items = "".join(
        f"<item><title>Report {i}</title><link>{escape(u)}</link>"
        f"<pubDate>Mon, 23 Nov 2026 08:00:00 GMT</pubDate></item>"
        for i, u in enumerate(links)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Listings</title>'
        f"<link>{base}/</link><description>test</description>{items}</channel></rss>"
    ).encode()


def story_html(query: str) -> bytes:
    from html import escape

    quoted = "\n".join(f"<p>{escape(q, quote=False)}</p>" for q in STORY_QUOTES)
    paras = "\n".join(f"<p>{p.format(n=len(query))}</p>" for p in PARAGRAPHS)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Depot shelling leaves supply system broken - Listings Wire</title>
<meta property="og:type" content="article">
<meta property="article:published_time" content="2026-11-20T08:30:00Z">
</head><body>
<article><h1>Depot shelling leaves supply system broken ({escape(query)})</h1>
{quoted}
{paras}
</article>
</body></html>""".encode()


#: Entities declared on one line (feedparser strips only those that start a line), expanding to
#: 7 MB of title: under expat's amplification limit, which engages past 8 MiB of output.
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + b"a" * 100 + b'">'
    + b'<!ENTITY b "' + b"&a;" * 10 + b'"><!ENTITY c "' + b"&b;" * 10 + b'">'
    + b'<!ENTITY d "' + b"&c;" * 10 + b'">'
    + b'<!ENTITY e "' + b"&d;" * 10 + b'"><!ENTITY f "' + b"&e;" * 7 + b'">]>'
    + b'<rss version="2.0"><channel><title>&f;</title><link>BASE/</link><description>d</description>'
    + b"<item><title>x</title><link>BASE/article/laughs</link></item></channel></rss>"
)  # fmt: skip


STATE = {"robots_mb": 0.0}


def big_robots(base: str, mb: float) -> bytes:
    block = "".join(f"Disallow: /private/{i}/*\n# note {i}\n" for i in range(1000)).encode()
    body = b"User-agent: *\n" + block * int(mb * 1024 * 1024 / len(block))
    return body + f"Sitemap: {base}/urlset.xml\n".encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    base = ""
    probe = 0

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        self.end_headers()
        if self.command != "HEAD" and status != 304:
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        base = self.base
        if path != "/control/hits":
            with LOCK:
                HITS[path] += 1
        n = int(query.get("n", ["10"])[0])
        xml = "application/xml"
        if path == "/control/hits":
            with LOCK:
                return self.send(200, json.dumps(HITS).encode(), "application/json")
        if path == "/robots.txt":
            if STATE["robots_mb"]:
                return self.send(200, big_robots(base, STATE["robots_mb"]), "text/plain")
            return self.send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        if path.startswith("/control/robots-mb/"):
            STATE["robots_mb"] = float(path.rsplit("/", 1)[1])
            return self.send(200, b"ok", "text/plain")
        if path == "/index/self.xml":
            return self.send(200, index([f"{base}/index/self.xml", f"{base}/index/a.xml"]), xml)
        if path == "/index/a.xml":
            return self.send(200, index([f"{base}/index/b.xml", f"{base}/index/self.xml"]), xml)
        if path == "/index/b.xml":
            children = [f"{base}/index/a.xml", f"{base}/index/b.xml", f"{base}/urlset.xml"]
            return self.send(200, index(children), xml)
        if path == "/index/schemes.xml":
            local = query.get("file", ["/etc/passwd"])[0]
            data = "data:application/xml," + quote(urlset([f"{base}/article/from-data"]).decode())
            children = [
                f"file://{local}",
                "file:///dev/zero",
                f"ftp://127.0.0.1:{self.probe}/sitemap.xml",
                f"FTP://127.0.0.1:{self.probe}/upper.xml",
                data,
                f"gopher://127.0.0.1:{self.probe}/1",
                f"s3://bucket-{self.probe}/sitemap.xml",
                f"{base}/urlset.xml",
            ]
            return self.send(200, index(children), xml)
        if path == "/index/wide.xml":
            return self.send(200, index([f"{base}/wide/{i}.xml" for i in range(n)]), xml)
        if path == "/fan/robots.txt":
            lines = "".join(f"Sitemap: {base}/fan/{i}.xml\n" for i in range(n))
            return self.send(200, f"User-agent: *\nAllow: /\n{lines}".encode(), "text/plain")
        if path == "/urlset.xml" or path.startswith(("/wide/", "/fan/")):
            key = path.strip("/").replace("/", "-").removesuffix(".xml")
            return self.send(200, urlset([f"{base}/article/{key}"]), xml)
        if path == "/feed/always-304.xml":
            return self.send(304, b"", "application/rss+xml", ETag='"forever"')
        if path == "/feed/amp.xml":
            return self.send(
                200, rss(base, [f"{base}/story?{q}" for q in AMP_QUERIES]), "application/rss+xml"
            )
        if path == "/story":
            return self.send(200, story_html(parts.query))
        if path == "/feed/laughs.xml":
            return self.send(200, LAUGHS.replace(b"BASE", base.encode()), "application/rss+xml")
        if path == "/feed/big.xml":
            return self.send(
                200, rss(base, [f"{base}/article/big-{i}" for i in range(n)]), "application/rss+xml"
            )
        if path == "/big/robots.txt":
            return self.send(200, big_robots(base, float(query.get("mb", ["9"])[0])), "text/plain")
        if path.startswith("/article/"):
            key = path.rsplit("/", 1)[1]
            return self.send(200, article_html(sum(map(ord, key)) % 1000))
        if path == "/stream/huge":
            return self.stream(float(query.get("mb", ["2"])[0]))
        return self.send(404, b"<html><body>not found</body></html>")

    def stream(self, mb: float) -> None:
        # No Content-Length: the body ends when the connection closes (HTTP/1.0 style).
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Connection", "close")
        self.end_headers()
        chunk = b"<p>" + b"filler text of a page that never ends " * 100 + b"</p>\n"
        try:
            self.wfile.write(b"<html><body>")
            for _ in range(int(mb * 1024 * 1024 / len(chunk)) + 1):
                self.wfile.write(chunk)
            self.wfile.write(b"</body></html>")
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_HEAD = do_GET


def probe_listener() -> socket.socket:
    """A TCP port that counts connections and closes them (FTP or anything not HTTP)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)

    def accept() -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            with LOCK:
                HITS["probe:connections"] += 1
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    return sock


def main() -> int:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    probe = probe_listener()
    Handler.base = f"http://127.0.0.1:{server.server_address[1]}"
    Handler.probe = probe.getsockname()[1]
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    sys.stdout.write(json.dumps({"base": Handler.base, "probe": Handler.probe}) + "\n")
    sys.stdout.flush()

    def watch() -> None:
        while os.read(sys.stdin.fileno(), 4096):
            pass
        stop.set()

    threading.Thread(target=watch, daemon=True).start()
    stop.wait()
    server.shutdown()
    probe.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
