"""Property tests: parsers and cleaners take any bytes or text without crashing or leaking junk."""

from __future__ import annotations

import gzip
import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsbot.clean.rules import default_ruleset
from newsbot.clean.stages import clean_paragraphs
from newsbot.clean.text import fold_space
from newsbot.discovery.feeds import FeedError, parse_feed
from newsbot.discovery.sitemaps import SitemapError, parse_sitemap, sitemaps_from_robots
from newsbot.extract.decode import decode_html
from newsbot.storage.text import clean_text

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2066-\u2069\ufeff]")
TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(\s[^<>]*)?/?>")

xml_fragments = st.lists(
    st.sampled_from(
        [
            '<?xml version="1.0"?>',
            "<rss version='2.0'>",
            "<channel>",
            "<item>",
            "</item>",
            "<link>",
            "</link>",
            "http://a.example/x",
            "<title>",
            "</title>",
            "<pubDate>",
            "99 Foo 20261 25:61",
            "</pubDate>",
            "<feed xmlns='http://www.w3.org/2005/Atom'>",
            "<entry>",
            "<link href='/y'/>",
            "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>",
            "<url>",
            "<loc>",
            "</loc>",
            "<sitemapindex>",
            "<sitemap>",
            "&amp;",
            "&bogus;",
            "<![CDATA[",
            "]]>",
            "\x00",
            "\ufeff",
            "<!DOCTYPE x [<!ENTITY a 'aaaaaaaaaa'>]>",
            "&a;",
            "<lastmod>0000-00-00</lastmod>",
        ]
    )
    | st.text(max_size=20),
    max_size=40,
).map(lambda parts: "".join(parts).encode("utf-8", "surrogatepass"))


# Well-formed documents with usable and unusable links: random bytes almost never parse, so without
# these the URL checks below would never run (test_examples_have_entries keeps them honest).
VALID_FEED = (
    b"<rss version='2.0'><channel><item><title>A</title><link>https://a.example/1</link></item>"
    b"<item><link>/relative/2</link></item><item><link>javascript:alert(1)</link></item>"
    b"<item><link>mailto:desk@a.example</link></item></channel></rss>"
)
VALID_SITEMAP = (
    b"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><url><loc>https://a.example/1</loc></url>"
    b"<url><loc>ftp://a.example/2</loc></url><url><loc>/3</loc></url></urlset>"
)
VALID_ROBOTS = b"User-agent: *\nSitemap: /news.xml\nSitemap: javascript:alert(1)\nsitemap: ftp://x/y.xml\n"


def test_examples_have_entries() -> None:
    assert parse_feed(VALID_FEED, "http://a.example/feed.xml")
    assert parse_sitemap(VALID_SITEMAP, "http://a.example/sitemap.xml").entries
    assert sitemaps_from_robots(VALID_ROBOTS, "http://a.example/robots.txt") == ["http://a.example/news.xml"]


@FUZZ
@given(st.one_of(xml_fragments, st.binary(max_size=2000)))
@example(VALID_FEED)
def test_parse_feed_never_crashes(body: bytes) -> None:
    try:
        entries = parse_feed(body, "http://a.example/feed.xml")
    except FeedError:
        return
    for e in entries:
        assert e.url.startswith(("http://", "https://"))


@FUZZ
@given(st.one_of(xml_fragments, st.binary(max_size=2000)), st.booleans())
@example(VALID_SITEMAP, False)
@example(VALID_SITEMAP, True)
def test_parse_sitemap_never_crashes(body: bytes, gz: bool) -> None:
    try:
        sm = parse_sitemap(gzip.compress(body) if gz else body, "http://a.example/sitemap.xml")
    except SitemapError:
        return
    for e in sm.entries:
        assert e.url.startswith(("http://", "https://"))


@FUZZ
@given(
    st.binary(max_size=1000) | st.lists(st.text(max_size=40)).map(lambda v: "\nSitemap: ".join(v).encode())
)
@example(VALID_ROBOTS)
def test_robots_sitemap_lines_never_crash(body: bytes) -> None:
    for url in sitemaps_from_robots(body, "http://a.example/robots.txt"):
        assert url.startswith(("http://", "https://"))


@FUZZ
@given(st.text(), st.booleans())
def test_clean_text_leaves_no_control_characters_or_tags(text: str, multiline: bool) -> None:
    out = clean_text(text, multiline=multiline)
    if out is None:
        return
    assert not CONTROL.search(out)
    assert not TAG.search(out)
    assert out == out.strip()
    assert clean_text(out, multiline=multiline) == out  # idempotent


@FUZZ
@given(
    st.binary(max_size=3000),
    st.sampled_from(
        ["", "text/html", "text/html; charset=utf-8", "text/html; charset=koi8-r", "text/html; charset=bogus"]
    ),
)
def test_decode_html_always_returns_text(body: bytes, content_type: str) -> None:
    encoding, text = decode_html(body, content_type)
    assert isinstance(text, str) and encoding


RULES = default_ruleset()


@FUZZ
@given(st.lists(st.text(max_size=200), max_size=12), st.none() | st.text(max_size=80))
@example(["2 min read", "Shelling hit the port overnight.", "Shelling hit the port overnight."], None)
def test_clean_paragraphs_only_removes_text_it_was_given(paragraphs: list[str], title: str | None) -> None:
    res = clean_paragraphs(paragraphs, title=title, rules=RULES)
    assert len(res.paragraphs) <= len(paragraphs)
    given_text = list(paragraphs) + [fold_space(p) for p in paragraphs]
    # kept paragraphs and removed fragments are the input's, whole or cut at a marker
    assert all(any(k in p for p in given_text) for k in res.paragraphs)
    assert all(any(text in p for p in given_text) for _stage, text in res.removed)
