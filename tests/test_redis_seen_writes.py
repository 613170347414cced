"""The cluster's seen-URL memory remembers a record only once its row is on disk.

A real crawl with ``NEWSBOT_REDIS_URL`` (a real ``redis-server``) writes into a 2 MB tmpfs that
fills up mid-run: the URLs of the records on disk are remembered in Redis, the others are not,
and no claim of the stopped run is left to hide them from the next one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newsbot.cli import exitcodes
from newsbot.extensions.summary import RESERVE_BYTES
from newsbot.scaleout.keys import Keys
from newsbot.scaleout.seen import RedisSeenStore
from newsbot.scaleout.server import LocalRedis, redis_server_path
from tests.data.hostile.harness import FAST, hostile_site, newsbot, read_articles
from tests.disks import fill

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        redis_server_path() is None, reason="redis-server is not on PATH (apt-get install redis-server)"
    ),
]

N = 200  # about 600 KB of records: more than the disk has left
SMALL_BATCHES = ["-s", "NEWSBOT_BATCH_SIZE=4", "-s", "NEWSBOT_FLUSH_INTERVAL=0"]


def test_records_a_full_disk_did_not_write_stay_unseen_in_redis(small_disk: Path, tmp_path: Path) -> None:
    out = small_disk / "out"
    fill(small_disk, RESERVE_BYTES + 64 * 1024)
    with LocalRedis(tmp_path / "redis") as server, hostile_site() as base:
        feed = f"{base}/feed.xml?n={N}"
        run = newsbot(
            "crawl", "--output", str(out), *FAST, *SMALL_BATCHES,
            "-s", f"NEWSBOT_REDIS_URL={server.url}", "--feeds", feed,
        )  # fmt: skip
        assert run.returncode == exitcodes.WRITE_FAILED, run.stderr[-3000:]
        on_disk = set(read_articles(out).column("url").to_pylist())
        assert 0 < len(on_disk) < N

        listed = {f"{base}/article/{i}" for i in range(N)}
        memory = RedisSeenStore(server.client(), Keys())
        remembered = {url for url in listed if url in memory}
        # Before: every record that passed the identity pipeline was remembered, written or not.
        assert remembered == on_disk
        assert not list(server.client().scan_iter(match=f"{Keys().seen_claims}:*"))
