"""The discovery backlog: a sitemap longer than the scheduler budget is crawled in full, with the
rest of its articles waiting outside Scrapy's scheduler. The crawls run in the test process."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow.dataset as ds
import pytest
from scrapy.utils.defer import deferred_f_from_coro_f

from newsbot.demo.server import DemoServer
from tests.crawl_helpers import crawl

WORDS = (
    "shelling displaced families convoy ceasefire hospital water district council river bridge "
    "market school winter fuel border crossing aid agency officials residents night morning army "
    "drones artillery villages harvest road negotiators talks frontline clinic shelter power grid"
).split()


def _article(i: int) -> str:
    rnd = random.Random(i)
    paragraphs = "".join(
        "<p>" + " ".join(rnd.choice(WORDS) for _ in range(24)).capitalize() + f" (report {i}-{p}).</p>"
        for p in range(7)
    )
    return (
        f"<!doctype html><html lang='en'><head><title>Report {i} from the front</title></head>"
        f"<body><article><h1>Report {i} from the front</h1>{paragraphs}</article></body></html>"
    )


def _site(root: Path, n: int) -> None:
    outlet = root / "wire"
    outlet.mkdir(parents=True)
    urls = []
    for i in range(n):
        (outlet / f"a{i}.html").write_text(_article(i), encoding="utf-8")
        urls.append(f"<url><loc>{{{{base:wire}}}}/a{i}.html</loc></url>")
    (outlet / "sitemap.xml").write_text(
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(urls)
        + "</urlset>",
        encoding="utf-8",
    )


@pytest.mark.parametrize(("budget", "held"), [(10, True), (0, False)])
@deferred_f_from_coro_f
async def test_a_long_sitemap_is_crawled_in_full_through_the_backlog(
    tmp_path: Path, budget: int, held: bool
) -> None:
    n = 120
    _site(tmp_path / "site", n)
    out = tmp_path / "out"
    log = tmp_path / "requests.jsonl"
    with DemoServer(tmp_path / "site", request_log=log) as server:
        crawler = await crawl(
            settings={
                "ROBOTSTXT_OBEY": False,
                "NEWSBOT_MAX_SCHEDULED": budget,
                "NEWSBOT_OUTPUT_DIR": str(out),
            },
            sitemaps=f"{server.base_urls['wire']}/sitemap.xml",
        )
    assert crawler.stats.get_value("finish_reason") == "finished"
    urls = ds.dataset(out / "articles", format="parquet", partitioning="hive").to_table(columns=["url"])
    assert sorted(urls.column("url").to_pylist()) == sorted(
        f"{server.base_urls['wire']}/a{i}.html" for i in range(n)
    )
    # held or not, every article request carried the same Referer: the sitemap it was listed in
    fetched = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    referers = {r["referer"] for r in fetched if r["path"].startswith("/a")}
    assert referers == {f"{server.base_urls['wire']}/sitemap.xml"}
    waited = crawler.stats.get_value("newsbot/discovery/backlog/held", 0)
    if held:
        # most waited outside the scheduler (those the downloader took at once did not), and
        # were fetched all the same
        assert waited > n // 2
        assert crawler.stats.get_value("newsbot/discovery/backlog/max", 0) > n // 2
    else:
        assert waited == 0  # NEWSBOT_MAX_SCHEDULED=0: everything scheduled at once, as Scrapy does
