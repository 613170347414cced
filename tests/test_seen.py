from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from newsbot.identify.canonical import article_id
from newsbot.identify.seen import SeenStore, get_seen
from newsbot.items import ArticleItem
from newsbot.pipelines.identify import IdentityPipeline

TS = pa.timestamp("us", tz="UTC")
NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)


def write_partition(root: Path, date: str, rows: list[dict], *, with_discovered: bool = True) -> Path:
    """One file of the dataset, Hive-partitioned like the store writes it."""
    cols: dict[str, pa.Array] = {
        "id": pa.array([article_id(r["canonical_url"]) for r in rows]),
        "url": pa.array([r["url"] for r in rows]),
        "canonical_url": pa.array([r["canonical_url"] for r in rows]),
        "body": pa.array([r.get("body", "") for r in rows]),
        "fetched_at": pa.array([r["fetched_at"] for r in rows], type=TS),
        "duplicate_of": pa.array([r.get("duplicate_of") for r in rows], type=pa.string()),
    }
    if with_discovered:
        cols["discovered_url"] = pa.array([r.get("discovered_url") for r in rows], type=pa.string())
    path = root / "articles" / f"date={date}" / f"part-{len(rows)}-{date}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(cols), path)
    return path


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    write_partition(
        tmp_path,
        "2024-05-01",
        [
            {
                "url": "https://www.example.com/world/old-story-1?utm_source=rss",
                "canonical_url": "https://example.com/world/old-story-1",
                "fetched_at": NOW - timedelta(days=31),
            }
        ],
        with_discovered=False,  # an old file, written before the column existed
    )
    write_partition(
        tmp_path,
        "2024-05-31",
        [
            {
                "url": "https://example.com/world/story-2",
                "canonical_url": "https://example.com/world/story-2",
                "discovered_url": "https://feeds.example.com/~r/world/story-2-redirect",
                "fetched_at": NOW - timedelta(days=1),
            },
            {
                "url": "https://m.example.com/world/story-3/amp",
                "canonical_url": "https://example.com/world/story-3-canonical",
                "discovered_url": None,
                "fetched_at": NOW - timedelta(hours=2),
            },
        ],
    )
    return tmp_path


def test_round_trip_through_parquet(dataset: Path) -> None:
    seen = SeenStore.from_dataset(dataset)
    assert "https://example.com/world/old-story-1" in seen  # old file without discovered_url
    assert "https://amp.example.com/world/old-story-1?fbclid=abc#top" in seen
    assert "https://feeds.example.com/~r/world/story-2-redirect?utm_medium=feed" in seen
    assert "https://www.example.com/world/story-3" in seen  # fetched URL, AMP folded
    assert "https://example.com/world/story-3-canonical" in seen
    assert "https://example.com/world/story-4" not in seen
    assert None not in seen
    seen.add("https://example.com/world/story-4?utm_source=x", None, "")
    assert "https://www.example.com/world/story-4" in seen
    assert len(seen) == 6


def test_refetch_older_than(dataset: Path) -> None:
    seen = SeenStore.from_dataset(dataset, refetch_older_than=timedelta(days=7), now=NOW)
    assert "https://example.com/world/old-story-1" not in seen
    assert "https://example.com/world/story-2" in seen


def test_missing_or_empty_dataset(tmp_path: Path) -> None:
    assert len(SeenStore.from_dataset(tmp_path / "nothing")) == 0
    (tmp_path / "articles").mkdir()
    assert len(SeenStore.from_dataset(tmp_path)) == 0


def _item(url: str, **kw) -> ArticleItem:
    return ArticleItem(url=url, source="example", fetched_at=NOW, **kw)


@deferred_f_from_coro_f
async def test_identity_pipeline(dataset: Path) -> None:
    crawler = get_crawler(settings_dict={"NEWSBOT_OUTPUT_DIR": str(dataset)})
    pipe = build_from_crawler(IdentityPipeline, crawler)
    assert get_seen(crawler) is pipe.seen  # the spider and the pipeline share one store

    async def run() -> None:
        item = _item(
            "https://www.example.com/world/new-story-9?utm_source=rss",
            discovered_url="https://feeds.example.com/new-story-9",
            hints={"rel_canonical": "/world/new-story-9", "og_url": None},
            paragraphs=["First  paragraph.", "Second paragraph, with words."],
        )
        out = await pipe.process_item(item)
        assert out.canonical_url == "https://example.com/world/new-story-9"
        assert out.id == article_id(out.canonical_url)
        assert out.word_count == 6
        assert len(out.content_hash) == 64
        # the same article again through another variant: dropped
        with pytest.raises(DropItem, match="^duplicate:url"):
            await pipe.process_item(_item("https://m.example.com/world/new-story-9/amp"))
        # stored in an earlier run
        with pytest.raises(DropItem):
            await pipe.process_item(_item("https://example.com/world/story-2?fbclid=1"))
        # the spider now skips the listing URL too
        assert "https://feeds.example.com/new-story-9" in get_seen(crawler)

    await run()
    assert crawler.stats.get_value("newsbot/dropped/seen") == 2


@deferred_f_from_coro_f
async def test_seen_disabled(dataset: Path) -> None:
    crawler = get_crawler(settings_dict={"NEWSBOT_OUTPUT_DIR": str(dataset), "NEWSBOT_SEEN_ENABLED": False})
    pipe = build_from_crawler(IdentityPipeline, crawler)
    assert get_seen(crawler) is None
    item = await pipe.process_item(_item("https://example.com/world/story-2"))
    assert item.id == article_id("https://example.com/world/story-2")


def test_additions_are_folded_into_the_sorted_array_and_stay_seen() -> None:
    from newsbot.identify import seen as seen_module
    from newsbot.identify.seen import SeenStore

    store = SeenStore()
    urls = [f"https://example.org/world/{i}" for i in range(seen_module._ADDED_MAX + 100)]
    for u in urls:
        store.add(u)
    assert len(store._added) < seen_module._ADDED_MAX
    assert len(store) == len(urls)
    assert all(u in store for u in urls[:50] + urls[-50:])
    assert "https://example.org/world/not-added" not in store
