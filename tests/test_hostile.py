"""Hostile input: every bad response becomes a log line and a counted reject, never a crash.

One real ``newsbot crawl`` against ``tests/data/hostile/server.py`` with every kind of bad page,
feed and sitemap at once; the assertions read the dataset, the rejects and the run summary.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.data.hostile.harness import FAST, hostile_site, newsbot, read_articles, read_rejects, summaries

GOOD_PAGES = [
    "ar-1256.html",
    "ar-1256-meta.html",
    "ru-koi8-meta.html",
    "fr-latin1-as-utf8.html",
    "garbage-dates.html",
]
EXPECTED_REJECTS = {
    "/slow": "timeout",
    "/empty": "empty",
    "/pdf": "not_html",
    "/pdf-as-html": "not_html",
    "/binary-as-html": "not_html",
    "/huge": "too_large",
    "/gzip-bomb": "too_large",
    "/loop/a": "redirect_loop",
    "/status/404": "http_404",
    "/status/410": "http_410",
    "/status/503": "http_503",
}
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2066-\u2069\ufeff]")
TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(\s[^<>]*)?/?>")


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object, str]:
    out = tmp_path_factory.mktemp("hostile") / "out"
    with hostile_site() as base:
        urls = [f"{base}/page/{p}" for p in [*GOOD_PAGES, "malformed.html", "ru-koi8-unlabelled.html"]]
        urls += [base + path for path in EXPECTED_REJECTS]
        feeds = [f"{base}/broken-feed.xml", f"{base}/garbage-feed.xml"]
        sitemaps = [f"{base}/broken-sitemap.xml", f"{base}/sitemap-bomb.xml.gz"]
        proc = newsbot(
            "crawl", "--output", str(out), *FAST,
            "-s", "RETRY_TIMES=0", "-s", "DOWNLOAD_TIMEOUT=10", "-s", "DOWNLOAD_MAXSIZE=1000000",
            "--urls", *urls, "--feeds", *feeds, "--sitemaps", *sitemaps,
        )  # fmt: skip
    return out, proc, base


def test_the_run_completes_without_a_traceback(hostile_crawl) -> None:
    out, proc, _ = hostile_crawl
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert "Error caught on signal handler" not in proc.stderr


def test_each_bad_response_is_a_reject_with_its_reason(hostile_crawl) -> None:
    out, _, base = hostile_crawl
    reasons = {r["url"].removeprefix(base): r["reason"] for r in read_rejects(out)}
    # the loop's reject names the request that closed the loop
    reasons.setdefault("/loop/a", reasons.get("/loop/b", ""))
    for path, reason in EXPECTED_REJECTS.items():
        assert reasons.get(path) == reason, (path, reasons)
    # broken feeds and sitemaps are not articles: counted as discovery errors, not article rejects
    listings = ("/broken-feed.xml", "/garbage-feed.xml", "/broken-sitemap.xml", "/sitemap-bomb.xml.gz")
    assert [path for path in listings if path in reasons] == []
    summary = summaries(out)[-1]
    # broken-feed, garbage-feed, sitemap-bomb; the truncated urlset is read leniently (no entries)
    assert summary["totals"]["listing_errors"] == 3
    drops = summary["totals"]["drops"]
    assert drops["too_large"] == 2 and drops["not_html"] == 3


def test_pages_in_legacy_or_mislabelled_charsets_are_decoded(hostile_crawl) -> None:
    out, _, base = hostile_crawl
    rows = {r["url"].removeprefix(f"{base}/page/"): r for r in read_articles(out).to_pylist()}
    for page in GOOD_PAGES:
        assert page in rows, sorted(rows)
    assert "غارات جوية" in rows["ar-1256.html"]["body"]
    assert "غارات جوية" in rows["ar-1256-meta.html"]["body"]
    assert "обстрел" in rows["ru-koi8-meta.html"]["body"]
    assert "обстрел" in rows["ru-koi8-unlabelled.html"]["body"]  # no header, no meta: detected
    assert "aériennes" in rows["fr-latin1-as-utf8.html"]["title"]
    assert rows["garbage-dates.html"]["published_at"] is None
    # Malformed HTML is parsed, not a crash: its <title> is never closed, and HTML reads a title as
    # text up to "</title>", so the whole page is its title and it has no body, as in a browser.
    rejects = {r["url"].removeprefix(f"{base}/page/"): r["reason"] for r in read_rejects(out)}
    assert "malformed.html" not in rows
    assert rejects["malformed.html"] == "empty"


def test_stored_text_has_no_markup_or_control_characters(hostile_crawl) -> None:
    out, _, _ = hostile_crawl
    records = read_articles(out).to_pylist()
    assert len(records) >= len(GOOD_PAGES)  # the check below runs over the stored pages
    for rec in records:
        for name in ("title", "body", "description"):
            text = rec[name] or ""
            assert not CONTROL.search(text), (rec["url"], name, text[:200])
            assert not TAG.search(text), (rec["url"], name, text[:200])
        for author in rec["authors"] or []:
            assert not CONTROL.search(author) and not TAG.search(author)
