"""``newsbot backfill --ccnews``: the real command against a local CC-NEWS mirror over HTTP.

The mirror has Common Crawl's layout (``crawl-data/CC-NEWS/YYYY/MM/warc.paths.gz`` and the WARC
files they list, written with warcio from the demo site's pages) and is served by a real HTTP
server; ``NEWSBOT_CCNEWS_BASE_URL`` points newsbot at it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsbot.demo.server import SITE_ROOT
from tests.ccnews_mirror import Mirror, serve, write_paths_lists, write_warc
from tests.data.hostile.harness import FAST, newsbot, read_articles, summaries

pytest.importorskip("warcio")


SOURCES = """\
[[source]]
id = "kyiv"
name = "Kyiv Courier"
homepage = "https://kyiv.example/"
languages = ["uk", "ru"]
feeds = ["https://kyiv.example/rss.xml"]
enabled = true

[[source]]
id = "meridian"
name = "The Meridian Herald"
homepage = "https://meridian.example/"
languages = ["en"]
feeds = ["https://meridian.example/feeds/world.xml"]
enabled = true
"""

MONTH = "crawl-data/CC-NEWS/{}/{}"


def page(outlet: str, path: str) -> tuple[str, bytes]:
    return f"https://{outlet}.example/{path}", (SITE_ROOT / outlet / path).read_bytes()


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


KYIV = [
    page("kyiv", "uk/2026/11/odesa-port-drones.html"),
    page("kyiv", "uk/2026/11/zaporizhzhia-shelling.html"),
    page("kyiv", "uk/2026/11/kharkiv-energy-repairs.html"),
    page("kyiv", "ru/2026/11/donbas-evacuation.html"),
]
MERIDIAN = [
    page("meridian", "world/2026/11/kherson-drone-strikes.html"),
    page("meridian", "world/2026/11/sudan-displacement-camps.html"),
]

#: file name -> its records (url, html, WARC-Date)
FILES = {
    # started before the range, still written after midnight: one record before, one inside
    "2023/09/CC-NEWS-20230930231500-00411.warc.gz": [
        (*KYIV[0], at(2023, 9, 30, 23, 40)), (*KYIV[1], at(2023, 10, 1, 0, 5)),
    ],
    "2023/09/CC-NEWS-20230930120000-00410.warc.gz": [(*KYIV[2], at(2023, 9, 30, 12, 30))],
    "2023/10/CC-NEWS-20231001040000-00412.warc.gz": [
        (*KYIV[2], at(2023, 10, 1, 4, 1)), (*MERIDIAN[0], at(2023, 10, 1, 4, 2)),
    ],
    "2023/10/CC-NEWS-20231015101010-00500.warc.gz": [
        (*KYIV[3], at(2023, 10, 15, 10, 20)), (*MERIDIAN[1], at(2023, 10, 15, 10, 21)),
    ],
    # after the range: never requested
    "2023/11/CC-NEWS-20231101003000-00601.warc.gz": [(*KYIV[0], at(2023, 11, 1, 0, 40))],
}  # fmt: skip


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[Mirror]:
    root = tmp_path / "mirror"
    paths = []
    for name, records in FILES.items():
        path = MONTH.format(*name.split("/")[:2]) + "/" + name.split("/")[2]
        write_warc(root / path, records)
        paths.append(path)
    write_paths_lists(root, paths)
    m = serve(root, tmp_path / "access.log")
    try:
        yield m
    finally:
        m.stop()


def test_backfill_ccnews_streams_the_files_of_the_range_and_keeps_the_sources_asked_for(
    mirror: Mirror, tmp_path: Path
) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(SOURCES, encoding="utf-8")
    out = tmp_path / "out"
    proc = newsbot(
        "backfill", "--ccnews", "--from", "2023-10-01", "--to", "2023-10-31", "--sources", "kyiv",
        "--output", str(out), *FAST,
        "-s", f"NEWSBOT_SOURCES_FILE={sources}",
        "-s", f"NEWSBOT_CCNEWS_BASE_URL={mirror.base_url}",
        "-s", "NEWSBOT_ALLOWED_PRIVATE_HOSTS=127.0.0.1",
        timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    warcs = sorted(p.rsplit("/", 1)[1] for p in mirror.requested() if p.endswith(".warc.gz"))
    assert warcs == [
        "CC-NEWS-20230930231500-00411.warc.gz",
        "CC-NEWS-20231001040000-00412.warc.gz",
        "CC-NEWS-20231015101010-00500.warc.gz",
    ]
    table = read_articles(out)
    rows = {r["url"]: r for r in table.to_pylist()}
    # Kyiv's records fetched in October only; Meridian's were left out before extraction.
    assert set(rows) == {KYIV[1][0], KYIV[2][0], KYIV[3][0]}
    assert rows[KYIV[2][0]]["fetched_at"] == at(2023, 10, 1, 4, 1)
    assert {r["source"] for r in rows.values()} == {"kyiv"}
    assert {r["discovery"] for r in rows.values()} == {"warc"}
    assert all(r["body"] and r["title"] for r in rows.values())
    summary = summaries(out)[-1]
    assert summary["totals"]["stored"] == 3


def test_backfill_ccnews_with_no_path_list_for_the_range_stops_before_crawling(
    mirror: Mirror, tmp_path: Path
) -> None:
    proc = newsbot(
        "backfill", "--ccnews", "--from", "2024-01-01", "--to", "2024-01-31",
        "--output", str(tmp_path / "out"),
        "-s", f"NEWSBOT_CCNEWS_BASE_URL={mirror.base_url}",
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "no CC-NEWS path list for 2024-01" in proc.stderr
    assert not (tmp_path / "out" / "articles").exists()
