"""Redis-backed state: expiring fingerprints, seen URLs, near-duplicate signatures, site slots."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from scrapy import Request, Spider
from scrapy.utils.test import get_crawler

from newsbot.identify.neardup import NearDupParams
from newsbot.scaleout.buckets import HashBuckets
from newsbot.scaleout.dupefilter import ExpiringRedisDupeFilter
from newsbot.scaleout.keys import Keys
from newsbot.scaleout.neardup import RedisSignatureIndex
from newsbot.scaleout.seen import RedisSeenStore
from newsbot.scaleout.server import LocalRedis, redis_server_path

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        redis_server_path() is None, reason="redis-server is not on PATH (apt-get install redis-server)"
    ),
]


class NewsLike(Spider):
    name = "news"


TEXT = " ".join(
    f"Paragraph {i}: shelling near the river crossing displaced families who walked to the "
    f"reception centre, where volunteers counted {i * 7} new arrivals before the curfew."
    for i in range(12)
)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[LocalRedis]:
    with LocalRedis(tmp_path / "redis") as server:
        yield server


def test_hash_buckets_add_once_and_expire(redis_server: LocalRedis) -> None:
    fps = HashBuckets(redis_server.client(), "t:fp", ttl=1.0, window=0.5)
    assert fps.add_if_absent(0xDEADBEEF12345678)
    assert not fps.add_if_absent(0xDEADBEEF12345678)
    assert fps.add_many_if_absent([1, 2, 3, 0xDEADBEEF12345678]) == 3
    time.sleep(2.2)  # ttl + window + margin
    assert fps.add_if_absent(0xDEADBEEF12345678)


def test_dupefilter_uses_the_crawler_fingerprints_and_keeps_them_on_close(redis_server: LocalRedis) -> None:
    settings = {"NEWSBOT_REDIS_URL": redis_server.url, "NEWSBOT_REDIS_FINGERPRINT_TTL": 1.0}
    first = ExpiringRedisDupeFilter.from_crawler(get_crawler(NewsLike, settings))
    other = ExpiringRedisDupeFilter.from_crawler(get_crawler(NewsLike, settings))
    assert not first.request_seen(Request("https://example.org/a?b=1&a=2"))
    assert other.request_seen(Request("https://example.org/a?a=2&b=1"))  # another process, same page
    first.close("finished")
    assert other.request_seen(Request("https://example.org/a?b=1&a=2"))
    assert not other.request_seen(Request("https://example.org/b"))


def test_seen_store_is_shared_and_honours_refetch(redis_server: LocalRedis, tmp_path: Path) -> None:
    keys = Keys("t")
    a = RedisSeenStore(redis_server.client(), keys)
    b = RedisSeenStore(redis_server.client(), keys, refetch_after=timedelta(days=2))
    assert a.ensure_loaded(tmp_path / "empty", owner="a")
    assert not b.ensure_loaded(tmp_path / "empty", owner="b")
    a.add("https://www.example.org/news/1?utm_source=rss")
    assert "https://example.org/news/1" in b or "https://www.example.org/news/1" in b
    assert "https://www.example.org/news/2" not in b
    b.add_hashes([42], day=0)  # stored in 1970: due for a refetch
    assert not b._has_hash(42) and a._has_hash(42)
    assert len(a) == 2


def test_signature_index_links_copies_to_the_first(redis_server: LocalRedis) -> None:
    params = NearDupParams(threshold=0.5)
    one = RedisSignatureIndex(redis_server.client(), Keys("t"), params)
    two = RedisSignatureIndex(redis_server.client(), Keys("t"), params)
    sig = one.signature(TEXT)
    assert sig is not None
    assert one.add("a" * 32, sig, "c1") is None
    copy = two.signature(TEXT.replace("Paragraph 11", "Update"))
    match = two.add("b" * 32, copy, "c2")
    assert match is not None and match.id == "a" * 32 and not match.exact
    third = two.add("c" * 32, np.asarray(copy), "c2")
    assert third is not None and third.id == "a" * 32 and third.exact
    assert "b" * 32 in one


def test_site_slot_is_shared_by_processes(redis_server: LocalRedis) -> None:
    from newsbot.scaleout.politeness import ClusterDomainDelayMiddleware

    settings = {"NEWSBOT_REDIS_URL": redis_server.url, "NEWSBOT_REDIS_DOMAIN_DELAY": 0.3}
    one, two = (ClusterDomainDelayMiddleware.from_crawler(get_crawler(NewsLike, settings)) for _ in range(2))
    key = one.keys.domain_slot("example.org")
    assert one._take(keys=[key], args=["one", 300]) == 0  # slot taken
    left = int(two._take(keys=[key], args=["two", 300]))  # the other process must wait
    assert 0 < left <= 300
    time.sleep(left / 1000 + 0.05)
    assert two._take(keys=[key], args=["two", 300]) == 0


def test_no_site_slot_without_a_delay(redis_server: LocalRedis) -> None:
    from scrapy.exceptions import NotConfigured

    from newsbot.scaleout.politeness import ClusterDomainDelayMiddleware

    with pytest.raises(NotConfigured):
        ClusterDomainDelayMiddleware.from_crawler(
            get_crawler(NewsLike, {"NEWSBOT_REDIS_URL": redis_server.url, "NEWSBOT_REDIS_DOMAIN_DELAY": 0})
        )


def test_a_claim_hides_a_url_from_every_process_until_stored_or_released(redis_server: LocalRedis) -> None:
    keys = Keys("t")
    mine = RedisSeenStore(redis_server.client(), keys)
    other = RedisSeenStore(redis_server.client(), keys)
    url, kept = "https://example.org/news/1", "https://example.org/news/2"
    mine.claim("id-1", url)
    mine.claim("id-2", kept)
    assert url in other and kept in other  # waiting in my write buffer: nobody fetches it
    mine.records_stored([{"id": "id-2", "url": kept, "canonical_url": kept, "discovered_url": None}])
    mine.release_claims()  # the engine stopped with id-1 never written
    assert url not in other and url not in mine
    assert kept in other and len(other) == 1
