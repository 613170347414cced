"""The cleaning benchmark measures the crawl: pages crawled from loopback hosts through
``newsbot crawl`` are stored with exactly the bodies :mod:`newsbot.bench.crawlrun` computes.

Each page is served on its own host (a publisher each, as the benchmark's pages are), so the
check covers extraction, the recall retry, every clean stage, the template store's warm-up and
the quality verdict, in the crawl's worker processes, against the benchmark's in-process run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newsbot.bench.aeb import load_aeb
from newsbot.bench.crawlrun import CrawlRun
from newsbot.config.paths import project_root
from tests.data.hostile.harness import newsbot, read_articles, read_rejects

AEB = project_root().parent / "shared" / "aeb-dev"
PAGES = 6
CRAWL = [
    "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "NEWSBOT_WORKERS=1",
    "-s", "NEWSBOT_ALLOWED_PRIVATE_HOSTS=127.0.0.1",
    "-s", "LOG_LEVEL=INFO",
]  # fmt: skip


@pytest.mark.skipif(not AEB.is_dir(), reason="../shared/aeb-dev not present")
def test_crawled_bodies_are_the_bench_bodies(site_server, tmp_path: Path) -> None:
    pages = load_aeb(AEB)[:PAGES]
    root = tmp_path / "site"
    for i, page in enumerate(pages):
        (root / f"outlet{i}").mkdir(parents=True)
        (root / f"outlet{i}" / "story.html").write_bytes(page.html.encode("utf-8"))
    site = site_server(root)
    urls = [site.url(f"outlet{i}", "/story.html") for i in range(len(pages))]
    out = tmp_path / "out"
    proc = newsbot("crawl", "--output", str(out), *CRAWL, "--urls", ",".join(urls), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]

    run = CrawlRun()
    for url, page in zip(urls, pages, strict=True):
        run.add(url, page.html.encode("utf-8"), "text/html; charset=utf-8")  # as the server sends it
    bench = run.finish()
    expected = {c.url: c.body for c in bench if c.reject is None}
    assert len(expected) >= PAGES - 1  # real articles: the comparison is over stored bodies
    stored = {r["url"]: r["body"] for r in read_articles(out).to_pylist()}
    assert stored == expected
    assert {r["url"] for r in read_rejects(out)} == {c.url for c in bench if c.reject is not None}
