"""Backfill processes sharing ``NEWSBOT_REDIS_URL`` split the WARC files: each is read by one.

A real redis-server; real ``newsbot backfill`` processes, each with its own output directory as on
separate machines, given the same files served by a local HTTP server (so its access log counts
who downloaded what). One of them is killed with SIGKILL while it holds a claim: its claim
expires (a short lease) and another process takes the file over.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from newsbot.scaleout.server import LocalRedis, redis_server_path
from tests.ccnews_mirror import Mirror, serve
from tests.crawl_helpers import FAST
from tests.data.hostile.harness import start_newsbot
from tests.warc_files import aeb_pages, write_warc

PAGES = aeb_pages()
pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not PAGES, reason="../shared/aeb-dev is absent"),
    pytest.mark.skipif(
        redis_server_path() is None, reason="redis-server is not on PATH (apt-get install redis-server)"
    ),
]

FILES = 8


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[LocalRedis]:
    with LocalRedis(tmp_path / "redis") as server:
        yield server


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Mirror, list[str]]]:
    root = tmp_path / "files"
    root.mkdir()
    for n in range(FILES):
        write_warc(root / f"part-{n}.warc.gz", PAGES[n::FILES], when=datetime(2023, 10, 5))
    m = serve(root, tmp_path / "access.log")
    try:
        yield m, [f"{m.base_url}part-{n}.warc.gz" for n in range(FILES)]
    finally:
        m.stop()


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[bytes]]]:
    """The backfills a test starts, killed (with their workers) if a failure left them running."""
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def args(urls: list[str], out: Path, redis: LocalRedis, registry: Path, lease: float = 2) -> list[str]:
    return [
        "backfill", "--warc", *urls, "--output", str(out), *FAST,
        "-s", f"NEWSBOT_REDIS_URL={redis.url}",
        "-s", f"NEWSBOT_WARC_CLAIM_LEASE={lease}",
        "-s", "NEWSBOT_BATCH_SIZE=1",
        "-s", f"NEWSBOT_SOURCES_FILE={registry}",
    ]  # fmt: skip


def rows(*outs: Path) -> list[dict[str, object]]:
    found = []
    for out in outs:
        if (out / "articles").exists():
            found += (
                ds.dataset(out / "articles", format="parquet", partitioning="hive")
                .to_table(columns=["url", "run_id"])
                .to_pylist()
            )
    return found


def claim_key(url: str) -> str:
    return "newsbot:warc:claim:" + hashlib.sha1(url.encode()).hexdigest()


def finished(redis: LocalRedis) -> dict[str, dict[str, object]]:
    raw = redis.client().hgetall("newsbot:warc:finished")
    return {k.decode(): json.loads(v) for k, v in raw.items()}


def wait(procs: list, logs: list[Path], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    for proc, log in zip(procs, logs, strict=True):
        proc.wait(timeout=max(deadline - time.monotonic(), 1))
        assert proc.returncode == 0, log.read_text()[-3000:]


def test_two_backfills_share_the_files_each_read_once(
    tmp_path: Path,
    redis_server: LocalRedis,
    served: tuple[Mirror, list[str]],
    started: list[subprocess.Popen[bytes]],
) -> None:
    server, urls = served
    registry = tmp_path / "sources.toml"
    registry.write_text("", encoding="utf-8")
    outs = [tmp_path / "a", tmp_path / "b"]
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = [
        start_newsbot(*args(urls, o, redis_server, registry), log=lg, new_session=True)
        for o, lg in zip(outs, logs, strict=True)
    ]
    started += procs
    wait(procs, logs)

    downloads = Counter(p for p in server.requested() if p.endswith(".warc.gz"))
    assert downloads == Counter({f"/part-{n}.warc.gz": 1 for n in range(FILES)})
    done = finished(redis_server)
    assert set(done) == set(urls)
    # both worked; each file's rows are in the directory of the process that finished it
    by = Counter(str(v["by"]) for v in done.values())
    assert len(by) == 2, by
    found = rows(*outs)
    counts = Counter(r["url"] for r in found)
    assert [u for u, n in counts.items() if n > 1] == []
    assert set(counts) == {u for u, _ in PAGES}
    assert len({r["run_id"] for r in found}) == 2


def test_the_file_of_a_killed_backfill_is_taken_over(
    tmp_path: Path,
    redis_server: LocalRedis,
    served: tuple[Mirror, list[str]],
    started: list[subprocess.Popen[bytes]],
) -> None:
    server, urls = served
    registry = tmp_path / "sources.toml"
    registry.write_text("", encoding="utf-8")
    # a lease long enough that the second process must wait for the dead one's to expire
    doomed = start_newsbot(
        *args(urls, tmp_path / "a", redis_server, registry, lease=8), log=tmp_path / "a.log", new_session=True
    )
    started.append(doomed)
    # kill it once it has stored rows of a file it has not finished (it holds that file's claim)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert doomed.poll() is None, (tmp_path / "a.log").read_text()[-3000:]
        try:
            stored = rows(tmp_path / "a")
        except (pa.ArrowInvalid, FileNotFoundError):  # a file renamed into place as it was listed
            continue
        if stored and len(finished(redis_server)) < FILES:
            claims = redis_server.client().keys("newsbot:warc:claim:*")
            if claims:
                os.killpg(doomed.pid, signal.SIGKILL)
                doomed.wait(timeout=30)
                break
        time.sleep(0.05)
    else:
        raise AssertionError("the first backfill never held a claim with rows stored")
    done_before = finished(redis_server)
    orphaned = set(urls) - set(done_before)
    assert orphaned
    claims = {k.decode() for k in claims}

    rescuer = start_newsbot(
        *args(urls, tmp_path / "b", redis_server, registry, lease=8), log=tmp_path / "b.log", new_session=True
    )
    started.append(rescuer)
    wait([rescuer], [tmp_path / "b.log"])
    assert set(finished(redis_server)) == set(urls)
    # the killed process's unfinished files were all read again, by the second process
    log = (tmp_path / "b.log").read_text()
    for url in orphaned:
        assert f"Reading {url}" in log
    # every file the dead process left, the one it held a claim on included (taken over once the
    # claim's lease ran out), was finished by the second process
    done = finished(redis_server)
    held = [u for u in urls if claim_key(u) in claims]
    assert held and set(held) <= orphaned
    assert all(f":{rescuer.pid}:" in str(done[u]["by"]) for u in orphaned)
    found = rows(tmp_path / "a", tmp_path / "b")
    counts = Counter(r["url"] for r in found)
    assert [u for u, n in counts.items() if n > 1] == []
    assert set(counts) == {u for u, _ in PAGES}
