"""CC-NEWS: the monthly path lists, read over HTTP from a local mirror, and the files picked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from newsbot.discovery.ccnews import CCNewsError, ccnews_files, months, parse_name, warc_spider_arguments
from tests.ccnews_mirror import Mirror, serve, write_paths_lists

PATHS = [
    "crawl-data/CC-NEWS/2023/09/CC-NEWS-20230930120000-00410.warc.gz",
    "crawl-data/CC-NEWS/2023/09/CC-NEWS-20230930231500-00411.warc.gz",
    "crawl-data/CC-NEWS/2023/10/CC-NEWS-20231001040000-00412.warc.gz",
    "crawl-data/CC-NEWS/2023/10/CC-NEWS-20231015101010-00500.warc.gz",
    "crawl-data/CC-NEWS/2023/10/CC-NEWS-20231031235959-00600.warc.gz",
    "crawl-data/CC-NEWS/2023/11/CC-NEWS-20231101003000-00601.warc.gz",
    "crawl-data/CC-NEWS/2023/11/CC-NEWS-20231120000000-00700.warc.gz",
]


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[Mirror]:
    root = tmp_path / "mirror"
    write_paths_lists(root, PATHS)
    m = serve(root, tmp_path / "access.log")
    try:
        yield m
    finally:
        m.stop()


def names(files) -> list[str]:
    return [f.path.rsplit("/", 1)[1] for f in files]


def test_the_file_name_carries_when_it_was_started() -> None:
    f = parse_name("crawl-data/CC-NEWS/2023/10/CC-NEWS-20231001012345-00123.warc.gz")
    assert f is not None
    assert f.started == datetime(2023, 10, 1, 1, 23, 45, tzinfo=UTC) and f.serial == 123
    assert f.url("https://data.commoncrawl.org") == (
        "https://data.commoncrawl.org/crawl-data/CC-NEWS/2023/10/CC-NEWS-20231001012345-00123.warc.gz"
    )
    assert parse_name("crawl-data/CC-NEWS/2023/10/index.html") is None
    assert parse_name("CC-NEWS-20231341012345-00123.warc.gz") is None  # month 13


def test_months_of_a_range_cross_years() -> None:
    assert months(date(2023, 11, 20), date(2024, 2, 1)) == [
        date(2023, 11, 1), date(2023, 12, 1), date(2024, 1, 1), date(2024, 2, 1)
    ]  # fmt: skip


def test_a_month_takes_its_files_and_the_one_running_into_it(mirror: Mirror) -> None:
    files = ccnews_files(mirror.base_url, date(2023, 10, 1), date(2023, 10, 31))
    # The last September file was started at 23:15 and still written after midnight.
    assert names(files) == [
        "CC-NEWS-20230930231500-00411.warc.gz",
        "CC-NEWS-20231001040000-00412.warc.gz",
        "CC-NEWS-20231015101010-00500.warc.gz",
        "CC-NEWS-20231031235959-00600.warc.gz",
    ]
    lists = [p for p in mirror.requested() if p.endswith("warc.paths.gz")]
    assert lists == ["/crawl-data/CC-NEWS/2023/10/warc.paths.gz", "/crawl-data/CC-NEWS/2023/09/warc.paths.gz"]


def test_a_range_inside_a_month_reads_only_that_month(mirror: Mirror) -> None:
    files = ccnews_files(mirror.base_url, date(2023, 10, 2), date(2023, 10, 15))
    assert names(files) == ["CC-NEWS-20231001040000-00412.warc.gz", "CC-NEWS-20231015101010-00500.warc.gz"]
    assert [p for p in mirror.requested() if p.endswith(".gz")] == [
        "/crawl-data/CC-NEWS/2023/10/warc.paths.gz"
    ]


def test_a_missing_month_is_skipped_and_no_month_at_all_is_an_error(mirror: Mirror) -> None:
    files = ccnews_files(mirror.base_url, date(2023, 11, 15), date(2023, 12, 31))
    assert names(files) == ["CC-NEWS-20231101003000-00601.warc.gz", "CC-NEWS-20231120000000-00700.warc.gz"]
    with pytest.raises(CCNewsError, match="no CC-NEWS path list for 2024-01 to 2024-02"):
        ccnews_files(mirror.base_url, date(2024, 1, 1), date(2024, 2, 1))
    with pytest.raises(ValueError, match="before"):
        ccnews_files(mirror.base_url, date(2023, 10, 2), date(2023, 10, 1))


def test_the_warc_spider_gets_the_files_the_range_and_the_sources(mirror: Mirror) -> None:
    settings = {"NEWSBOT_CCNEWS_BASE_URL": mirror.base_url.rstrip("/")}
    kwargs = warc_spider_arguments(settings, date(2023, 10, 2), date(2023, 10, 15), ["kyiv", "meridian"])
    assert kwargs == {
        "files": f"{mirror.base_url}crawl-data/CC-NEWS/2023/10/CC-NEWS-20231001040000-00412.warc.gz,"
        f"{mirror.base_url}crawl-data/CC-NEWS/2023/10/CC-NEWS-20231015101010-00500.warc.gz",
        "since": "2023-10-02",
        "until": "2023-10-15",
        "sources": "kyiv,meridian",
    }


def test_a_corrupt_path_list_names_its_url(mirror: Mirror) -> None:
    (mirror.root / "crawl-data/CC-NEWS/2023/10/warc.paths.gz").write_bytes(b"not gzip")
    with pytest.raises(CCNewsError, match=r"2023/10/warc\.paths\.gz: not a gzip"):
        ccnews_files(mirror.base_url, date(2023, 10, 2), date(2023, 10, 3))
