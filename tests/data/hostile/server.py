"""A deliberately hostile news site for crash, hostile-input and security tests.

Run as ``python tests/data/hostile/server.py``; prints ``{"base": "http://127.0.0.1:PORT"}`` once
listening and serves until stdin closes or SIGTERM. Stdlib only. Routes:

``/feed.xml?n=N``             RSS feed of ``/article/<i>`` for i in 0..N-1 (``&gz=1``: ``/gz/article/<i>``)
``/article/<i>``              an English article page, delayed by the current delay
``/gz/article/<i>``           the same page sent with ``Content-Encoding: gzip``
``/control/delay/<seconds>``  set that delay (the crash tests slow the site down, then speed it up)
``/control/articles``         how many ``/article/`` requests have arrived so far (a number)
``/page/<name>``              a page from ``pages/`` with the headers in ``pages.toml``
``/slow``                     sleeps 30 s before answering (DOWNLOAD_TIMEOUT)
``/empty``, ``/pdf``, ``/pdf-as-html``, ``/binary-as-html``, ``/huge``, ``/gzip-bomb``
``/sitemap-bomb.xml.gz``, ``/broken-feed.xml``, ``/broken-sitemap.xml``, ``/garbage-feed.xml``
``/loop/a`` ↔ ``/loop/b``     redirect loop; ``/status/<code>`` any status
``/to-metadata``, ``/to-localhost``   redirects to cloud metadata / a loopback name not named
``/private-feed.xml``         a feed whose entries point at private and metadata addresses
"""

from __future__ import annotations

import functools
import gzip
import json
import os
import signal
import sys
import threading
import time
import tomllib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

HERE = Path(__file__).resolve().parent
PAGES = HERE / "pages"
PAGE_HEADERS = tomllib.loads((HERE / "pages.toml").read_text(encoding="utf-8"))

PARAGRAPHS = [
    "Artillery shelling hit the eastern districts of the city overnight, killing at least {n} civilians "
    "and wounding dozens more, according to the regional military administration.",
    "Troops on both sides exchanged fire along the front line for a third day as drone attacks struck "
    "an ammunition depot and a power substation near the border, officials said on Tuesday.",
    "Humanitarian agencies warned that the fighting had forced thousands of families to flee their "
    "homes, and that shelters in the neighbouring province were already full.",
    "A ceasefire negotiated last month collapsed within hours, and military analysts said both armies "
    "were moving reinforcements and air defence systems towards the contested towns.",
    "Residents described hiding in basements while missiles and airstrikes hit residential buildings, "
    "a hospital and the main water pumping station, leaving much of the district without water.",
]

STATE = {"delay": 0.0, "articles": 0}
_COUNT_LOCK = threading.Lock()


@functools.cache
def gzip_bomb() -> bytes:
    return gzip.compress(b"<p>" + b"\x00" * 60_000_000, 9)


@functools.cache
def sitemap_bomb() -> bytes:
    bomb = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    return gzip.compress(bomb + b" " * 80_000_000, 9)


def article_html(i: int) -> bytes:
    paras = "\n".join(f"<p>{p.format(n=i + 3)}</p>" for p in PARAGRAPHS)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Shelling kills civilians in eastern district, report {i} - Frontline Wire</title>
<meta property="og:type" content="article">
<meta property="article:published_time" content="2026-11-{(i % 20) + 1:02d}T08:30:00Z">
</head><body>
<header><nav><a href="/">Home</a> | <a href="/world">World</a></nav></header>
<article><h1>Shelling kills civilians in eastern district, report {i}</h1>
<p class="byline">By Frontline Wire staff</p>
{paras}
</article>
<footer>Frontline Wire test site. Sample content, not real news.</footer>
</body></html>""".encode()


def feed(base: str, urls: list[str]) -> bytes:
    items = "".join(
        f"<item><title>Report {i}</title><link>{u}</link>"
        f"<pubDate>Mon, 23 Nov 2026 08:00:00 GMT</pubDate></item>"
        for i, u in enumerate(urls)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Frontline Wire</title>'
        f"<link>{base}/</link><description>test</description>{items}</channel></rss>"
    ).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    base = ""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    def redirect(self, location: str) -> None:
        self.send(302, b"", Location=location)

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        base = self.base
        if path == "/robots.txt":
            return self.send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        if path == "/feed.xml":
            n = int(query.get("n", ["10"])[0])
            prefix = "/gz" if query.get("gz") else ""
            return self.send(
                200, feed(base, [f"{base}{prefix}/article/{i}" for i in range(n)]), "application/rss+xml"
            )
        if path.startswith(("/article/", "/gz/article/")):
            with _COUNT_LOCK:
                STATE["articles"] += 1
            time.sleep(STATE["delay"])
            page = article_html(int(path.rsplit("/", 1)[1]))
            if path.startswith("/gz/"):
                return self.send(200, gzip.compress(page, mtime=0), Content_Encoding="gzip")
            return self.send(200, page)
        if path == "/control/articles":
            return self.send(200, str(STATE["articles"]).encode(), "text/plain")
        if path.startswith("/control/delay/"):
            STATE["delay"] = float(path.rsplit("/", 1)[1])
            return self.send(200, b"ok", "text/plain")
        if path.startswith("/page/"):
            name = path.rsplit("/", 1)[1]
            rule = PAGE_HEADERS.get(name, {})
            return self.send(
                200, (PAGES / rule.get("file", name)).read_bytes(), rule.get("content-type", "text/html")
            )
        if path == "/slow":
            time.sleep(30)
            return self.send(200, article_html(999))
        if path == "/empty":
            return self.send(200, b"")
        if path == "/pdf":
            return self.send(
                200, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" * 50, "application/pdf"
            )
        if path == "/pdf-as-html":
            return self.send(200, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" * 50)
        if path == "/binary-as-html":
            return self.send(200, bytes(range(256)) * 64)
        if path == "/huge":
            return self.send(200, b"<html><body>" + b"<p>filler text</p>" * 200_000 + b"</body></html>")
        if path == "/gzip-bomb":
            return self.send(200, gzip_bomb(), Content_Encoding="gzip")
        if path == "/sitemap-bomb.xml.gz":
            return self.send(200, sitemap_bomb(), "application/x-gzip")
        if path == "/broken-feed.xml":
            return self.send(200, feed(base, [f"{base}/article/1"])[:90], "application/rss+xml")
        if path == "/garbage-feed.xml":
            return self.send(200, b"\x00\xff<<<rss>>>" + os.urandom(2000), "application/rss+xml")
        if path == "/broken-sitemap.xml":
            return self.send(200, b"<?xml version='1.0'?><urlset><url><loc>", "application/xml")
        if path == "/loop/a":
            return self.redirect(f"{base}/loop/b")
        if path == "/loop/b":
            return self.redirect(f"{base}/loop/a")
        if path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            return self.send(code, f"<html><body><h1>{code}</h1></body></html>".encode())
        if path == "/to-metadata":
            return self.redirect("http://169.254.169.254/latest/meta-data/iam/security-credentials/")
        if path == "/to-localhost":
            port = urlsplit(base).port
            return self.redirect(f"http://localhost:{port}/article/1")
        if path == "/private-feed.xml":
            port = urlsplit(base).port
            urls = [
                "http://169.254.169.254/latest/meta-data/",
                "http://10.1.2.3/internal/report",
                "http://[fd00:ec2::254]/latest/meta-data/",
                f"http://2130706433:{port}/article/7",
                f"http://localhost:{port}/article/8",
                f"{base}/article/9",
            ]
            return self.send(200, feed(base, urls), "application/rss+xml")
        return self.send(404, b"<html><body>not found</body></html>")

    do_HEAD = do_GET


def main() -> int:
    # Compressed once before the site is announced: compressing 140 MB per request held the GIL for
    # seconds, so on a loaded machine small pages fetched meanwhile hit the crawl's 2 s timeout.
    gzip_bomb()
    sitemap_bomb()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    Handler.base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    sys.stdout.write(json.dumps({"base": Handler.base}) + "\n")
    sys.stdout.flush()

    def watch() -> None:
        while os.read(sys.stdin.fileno(), 4096):
            pass
        stop.set()

    threading.Thread(target=watch, daemon=True).start()
    stop.wait()
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
