"""The demo HTTP server (served from a subprocess) and the bundled demo site it serves."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from lxml import etree

from newsbot.config.sources import load_sources
from newsbot.demo.server import SITE_ROOT, SOURCES_TEMPLATE, render_sources

if TYPE_CHECKING:
    from conftest import ServedSite

SAMPLE_FOOTER = "Sample content for the newsbot demo"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
SM_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(NoRedirect)


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    """(status, headers, body) without following redirects; errors are answers, not exceptions."""
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with _opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


# --- the server, on a small site of its own -------------------------------------------------------


@pytest.fixture
def tiny_site(tmp_path: Path, site_server: Callable[[Path], ServedSite]) -> ServedSite:
    a = tmp_path / "alpha"
    (a / "news").mkdir(parents=True)
    (a / "sitemaps").mkdir()
    (tmp_path / "beta").mkdir()
    (tmp_path / "_not-an-outlet").mkdir()
    (a / "index.html").write_text('<a href="{{base:beta}}/">beta</a> {{base:alpha}}/ {{base:nobody}}')
    (a / "news" / "story.html").write_text("<p>story</p>")
    (a / "news" / "section" / "").mkdir()
    (a / "news" / "section" / "index.html").write_text("<p>section</p>")
    (a / "robots.txt").write_text("User-agent: *\nDisallow: /search\nSitemap: {{base:alpha}}/sitemap.xml\n")
    (a / "sitemaps" / "news.xml").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SM_NS}">'
        "<url><loc>{{base:alpha}}/news/story</loc></url></urlset>\n"
    )
    (a / "legacy.html").write_bytes(
        '<meta charset="windows-1256"><p>{{base:alpha}} سلام</p>'.encode("cp1256")
    )
    (a / "_headers.toml").write_text(
        '["/legacy.html"]\ncontent-type = "text/html; charset=windows-1256"\n'
        '["/gone.html"]\nstatus = 410\n'
        '["/news/*"]\nheaders = { "X-Section" = "news" }\n'
    )
    (a / "_redirects.toml").write_text(
        '"/old/story" = { status = 301, location = "/news/story" }\n'
        '"/to-beta" = { status = 302, location = "{{base:beta}}/" }\n'
    )
    (tmp_path / "beta" / "index.html").write_text("<p>beta home</p>")
    return site_server(tmp_path)


def test_outlets_on_their_own_ports(tiny_site: ServedSite) -> None:
    assert set(tiny_site.base_urls) == {"alpha", "beta"}
    ports = {urlsplit(u).port for u in tiny_site.base_urls.values()}
    assert len(ports) == 2
    assert all(u.startswith("http://127.0.0.1:") for u in tiny_site.base_urls.values())


def test_placeholders_and_paths(tiny_site: ServedSite) -> None:
    status, headers, body = fetch(tiny_site.url("alpha"))
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    text = body.decode()
    assert f'href="{tiny_site.base_urls["beta"]}/"' in text
    assert f"{tiny_site.base_urls['alpha']}/" in text
    assert "{{base:nobody}}" in text  # unknown outlets are left alone
    assert fetch(tiny_site.url("alpha", "/news/story"))[2] == b"<p>story</p>"
    assert fetch(tiny_site.url("alpha", "/news/story?utm_source=x&fbclid=1"))[2] == b"<p>story</p>"
    assert fetch(tiny_site.url("alpha", "/news/section"))[2] == b"<p>section</p>"
    assert fetch(tiny_site.url("alpha", "/news/section/"))[2] == b"<p>section</p>"
    _, headers, body = fetch(tiny_site.url("alpha", "/robots.txt"))
    assert headers["Content-Type"].startswith("text/plain")
    assert f"Sitemap: {tiny_site.base_urls['alpha']}/sitemap.xml" in body.decode()


def test_404_and_private_files(tiny_site: ServedSite) -> None:
    for path in ("/missing", "/_headers.toml", "/../beta/index.html", "/news/nothing.html"):
        status, headers, body = fetch(tiny_site.url("alpha", path))
        assert status == 404, path
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert b"404" in body
    assert fetch(tiny_site.url("alpha", "/gone.html"))[0] == 410


def test_gzip_on_the_fly(tiny_site: ServedSite) -> None:
    status, headers, body = fetch(tiny_site.url("alpha", "/sitemaps/news.xml.gz"))
    assert status == 200
    assert headers["Content-Type"] == "application/x-gzip"
    root = etree.fromstring(gzip.decompress(body))
    assert root.tag == f"{{{SM_NS}}}urlset"
    assert root.findtext(f"{{{SM_NS}}}url/{{{SM_NS}}}loc") == tiny_site.url("alpha", "/news/story")
    assert fetch(tiny_site.url("alpha", "/sitemaps/news.xml.gz"))[2] == body  # deterministic bytes
    assert fetch(tiny_site.url("alpha", "/sitemaps/nothing.xml.gz"))[0] == 404


def test_redirects(tiny_site: ServedSite) -> None:
    status, headers, _ = fetch(tiny_site.url("alpha", "/old/story"))
    assert (status, headers["Location"]) == (301, "/news/story")
    status, headers, _ = fetch(tiny_site.url("alpha", "/to-beta?x=1"))
    assert (status, headers["Location"]) == (302, tiny_site.base_urls["beta"] + "/")


def test_conditional_get_and_head(tiny_site: ServedSite) -> None:
    url = tiny_site.url("alpha", "/news/story")
    status, headers, _ = fetch(url)
    etag, last_modified = headers["ETag"], headers["Last-Modified"]
    assert status == 200 and etag and last_modified
    assert fetch(url)[1]["Last-Modified"] == last_modified
    status, headers, body = fetch(url, headers={"If-None-Match": etag})
    assert (status, body, headers["ETag"]) == (304, b"", etag)
    assert fetch(url, headers={"If-None-Match": '"other"'})[0] == 200
    assert fetch(url, headers={"If-Modified-Since": last_modified})[0] == 304
    assert fetch(url, headers={"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})[0] == 200
    status, headers, body = fetch(url, method="HEAD")
    assert (status, body, headers["Content-Length"]) == (200, b"", "12")
    assert headers["X-Section"] == "news"


def test_charset_override_keeps_bytes(tiny_site: ServedSite) -> None:
    status, headers, body = fetch(tiny_site.url("alpha", "/legacy.html"))
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=windows-1256"
    assert body.decode("cp1256") == f'<meta charset="windows-1256"><p>{tiny_site.base_urls["alpha"]} سلام</p>'


def test_request_log(tiny_site: ServedSite) -> None:
    fetch(tiny_site.url("alpha", "/news/story?utm_source=feed"), headers={"User-Agent": "newsbot-test"})
    fetch(tiny_site.url("beta", "/nope"), method="HEAD", headers={"If-None-Match": '"x"'})
    log = tiny_site.requests()
    assert [(r["outlet"], r["method"], r["path"], r["status"]) for r in log] == [
        ("alpha", "GET", "/news/story?utm_source=feed", 200),
        ("beta", "HEAD", "/nope", 404),
    ]
    assert log[0]["user_agent"] == "newsbot-test"
    assert log[1]["if_none_match"] == '"x"'
    assert log[0]["ts"] <= log[1]["ts"]


def test_cli_exits_on_stdin_eof(tmp_path: Path) -> None:
    (tmp_path / "solo").mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsbot.demo.server", "--root", str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdin is not None
    assert set(json.loads(proc.stdout.readline())) == {"solo"}
    proc.stdin.close()
    assert proc.wait(timeout=10) == 0
    proc.stdout.close()


# --- the bundled demo site -------------------------------------------------------------------------


def _outlet_of(site: ServedSite, url: str) -> str:
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    return next(o for o, base in site.base_urls.items() if base == origin)


def test_sources_template_renders_and_validates(demo_site: ServedSite, tmp_path: Path) -> None:
    text = render_sources(SOURCES_TEMPLATE, demo_site.base_urls)
    assert "{{" not in text
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    sources = load_sources(path)
    assert {s.id for s in sources} == set(demo_site.base_urls)
    with pytest.raises(ValueError, match="not served"):
        render_sources(SOURCES_TEMPLATE, {})


def _site_listing(demo_site: ServedSite) -> dict[str, set[str]]:
    """Every URL listed by each source's feeds and sitemaps (index sitemaps followed)."""
    sources = tomllib.loads(render_sources(SOURCES_TEMPLATE, demo_site.base_urls))["source"]
    listed: dict[str, set[str]] = {}
    for source in sources:
        urls: set[str] = set()
        todo = list(source.get("sitemaps", []))
        for feed in source.get("feeds", []):
            status, _, body = fetch(feed)
            assert status == 200, feed
            root = etree.fromstring(body)
            for el in root.iter():
                if not isinstance(el.tag, str):
                    continue
                local = etree.QName(el).localname
                if local == "link" and el.get("href"):
                    urls.add(el.get("href"))
                elif local == "link" and el.text and el.text.strip():
                    urls.add(el.text.strip())
        while todo:
            sitemap = todo.pop()
            status, _, body = fetch(sitemap)
            assert status == 200, sitemap
            if sitemap.endswith(".gz"):
                body = gzip.decompress(body)
            root = etree.fromstring(body)
            locs = [loc.text.strip() for loc in root.iter(f"{{{SM_NS}}}loc")]
            if etree.QName(root).localname == "sitemapindex":
                todo += locs
            else:
                urls.update(locs)
        listed[source["id"]] = urls
    return listed


def test_every_listed_url_resolves(demo_site: ServedSite) -> None:
    listed = _site_listing(demo_site)
    assert sum(len(u) for u in listed.values()) >= 24
    not_found = []
    for urls in listed.values():
        for url in sorted(urls):
            status, headers, _ = fetch(url)
            if status == 404:
                not_found.append(url)
            assert status in (200, 301, 404), url
            if status == 301:
                target = headers["Location"]
                if "://" not in target:
                    target = demo_site.base_urls[_outlet_of(demo_site, url)] + target
                assert fetch(target)[0] == 200, (url, target)
    assert len(not_found) == 1 and "/world/2026/11/" in not_found[0]


def _pages() -> list[Path]:
    return sorted(p for p in SITE_ROOT.rglob("*.html"))


def test_every_page_says_it_is_sample_content() -> None:
    pages = _pages()
    assert len(pages) >= 30
    for page in pages:
        raw = page.read_bytes()
        declared = re.search(rb'charset="?([a-zA-Z0-9_-]+)', raw)
        text = raw.decode(declared.group(1).decode() if declared else "utf-8")
        assert SAMPLE_FOOTER in text, page


def test_site_is_small_and_feeds_parse() -> None:
    size = sum(p.stat().st_size for p in SITE_ROOT.rglob("*") if p.is_file())
    assert size < 1_500_000
    for xml in SITE_ROOT.rglob("*.xml"):
        etree.fromstring(xml.read_bytes())
    for toml in SITE_ROOT.rglob("_*.toml"):
        tomllib.loads(toml.read_text(encoding="utf-8"))


def test_windows_1256_page_is_labelled(demo_site: ServedSite) -> None:
    status, headers, body = fetch(demo_site.url("levant", "/ar/2026/11/aleppo-water-crisis.html"))
    assert status == 200
    assert headers["Content-Type"].lower() == "text/html; charset=windows-1256"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "حلب" in body.decode("cp1256")


def test_lying_charset_header_and_robots(demo_site: ServedSite) -> None:
    status, headers, body = fetch(demo_site.url("levant", "/ar/2026/11/yemen-hodeidah-clashes.html"))
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert b'charset="windows-1256"' in body and "الحديدة" in body.decode("cp1256")
    for outlet, base in demo_site.base_urls.items():
        status, _, body = fetch(base + "/robots.txt")
        assert status == 200, outlet
        assert f"Sitemap: {base}/" in body.decode() and "Disallow: /search" in body.decode()
