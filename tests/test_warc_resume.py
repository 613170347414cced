"""A killed backfill resumes where it stopped: the real command, killed with SIGKILL, run again.

Several WARC files of the aeb-dev pages are backfilled with rows written one by one
(``NEWSBOT_BATCH_SIZE=1``); the process group (the crawl and its workers) is killed once a file
is recorded as finished and some rows of the next one are on disk, then the same command runs
again. The dataset must hold every page exactly once, and the files recorded as finished must not
be read again: for local files the second run's log says so, for CC-NEWS the local mirror's
access log counts the requests.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from tests.ccnews_mirror import Mirror, serve, write_paths_lists
from tests.ccnews_mirror import write_warc as write_ccnews_warc
from tests.crawl_helpers import FAST
from tests.data.hostile.harness import newsbot, read_rejects, start_newsbot
from tests.warc_files import aeb_pages, write_warc

PAGES = aeb_pages()
pytestmark = pytest.mark.skipif(not PAGES, reason="../shared/aeb-dev is absent")

SLOW_WRITES = ["-s", "NEWSBOT_BATCH_SIZE=1", "-s", "NEWSBOT_FLUSH_INTERVAL=0"]


@pytest.fixture
def no_registry(tmp_path: Path) -> list[str]:
    """An empty source registry: every page of the files is kept (the project's registry would
    leave out the URLs its sources' patterns refuse)."""
    path = tmp_path / "sources.toml"
    path.write_text("", encoding="utf-8")
    return ["-s", f"NEWSBOT_SOURCES_FILE={path}"]


def finished(out: Path) -> set[str]:
    state = out / "state" / "warc-files.json"
    if not state.exists():
        return set()
    return set(json.loads(state.read_text())["files"])


def stored(out: Path) -> list[dict[str, object]]:
    if not (out / "articles").exists():
        return []
    table = ds.dataset(str(out / "articles"), format="parquet", partitioning="hive").to_table(
        columns=["url", "id", "discovered_from"]
    )
    return table.to_pylist()


def kill_when_a_file_is_half_stored(proc: subprocess.Popen[bytes], out: Path, log: Path) -> set[str]:
    """SIGKILL the backfill's process group once one file is finished and a later one has rows
    on disk but is not finished; the finished files then."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert proc.poll() is None, (
            "the backfill ended before it could be killed:\n" + log.read_text()[-3000:]
        )
        done = finished(out)
        if done:
            try:
                partial = {r["discovered_from"] for r in stored(out)} - done
            except (pa.ArrowInvalid, FileNotFoundError):  # a file renamed into place as it was listed
                continue
            if partial:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
                assert finished(out) == done  # nothing recorded after the rows were looked at
                return done
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    raise AssertionError("no file was finished in time:\n" + log.read_text()[-3000:])


def brief(name: str) -> tuple[str, bytes]:
    """A page of a few words, which the quality stage rejects as too short."""
    return f"https://briefs.example/{name}", b"<html><body><p>Breaking: more soon.</p></body></html>"


def urls_of(warc: str) -> list[str]:
    from warcio.archiveiterator import ArchiveIterator

    with open(warc, "rb") as fh:
        return [
            r.rec_headers.get_header("WARC-Target-URI")
            for r in ArchiveIterator(fh)
            if r.rec_type == "response"
        ]


def assert_each_page_once(out: Path, urls: list[str]) -> list[dict[str, object]]:
    rows = stored(out)
    counts = Counter(r["url"] for r in rows)
    assert [u for u, n in counts.items() if n > 1] == []
    assert len({r["id"] for r in rows}) == len(rows)
    rejects = Counter(str(r["url"]) for r in read_rejects(out))
    # a record rejected before the kill is recognised like a stored one when its file is read
    # again (a settled reject): it is not rejected, and written, twice
    assert [u for u, n in rejects.items() if n > 1] == []
    rejected = set(rejects)
    assert set(counts) | rejected == set(urls)
    assert len(counts) >= len(urls) // 2
    return rows


def test_a_killed_backfill_of_local_files_resumes_without_rereading_finished_files(
    tmp_path: Path, no_registry: list[str]
) -> None:
    files = []
    for n in range(6):
        # every other record a page that is rejected (too little text): a reject is a row too
        pages = [r for i, page in enumerate(PAGES[n::6]) for r in (page, brief(f"{n}-{i}"))]
        files.append(str(write_warc(tmp_path / f"part-{n}.warc.gz", pages, when=datetime(2023, 10, 5))))
    out = tmp_path / "out"
    args = ["backfill", "--warc", *files, "--output", str(out), *FAST, *SLOW_WRITES, *no_registry]

    first = start_newsbot(*args, log=tmp_path / "first.log", new_session=True)
    done = kill_when_a_file_is_half_stored(first, out, tmp_path / "first.log")
    assert done < set(files)
    half = {r["discovered_from"] for r in stored(out)} - done

    again = newsbot(*args, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    for f in done:
        assert f"Skipping {f}: finished by an earlier backfill" in again.stderr
        assert f"Reading {f}" not in again.stderr
    for f in set(files) - done:
        assert f"Reading {f}" in again.stderr
    assert finished(out) == set(files)
    rows = assert_each_page_once(out, [u for f in files for u in urls_of(f)])
    # the half-stored file was read again; its stored records were recognised, not stored twice
    assert half and {r["discovered_from"] for r in rows} >= half
    (summary,) = re.findall(r"; summary (\S+\.json)$", again.stderr, re.M)  # the stats dump is DEBUG
    counters = json.loads(Path(summary).read_text(encoding="utf-8"))["counters"]
    assert counters["newsbot/discovery/skipped_stored"] > 0

    # a third run has nothing left to read
    third = newsbot(*args, timeout=300)
    assert third.returncode == 0, third.stderr[-3000:]
    assert "Reading " not in third.stderr
    assert len(stored(out)) == len(rows)


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[tuple[Mirror, list[str]]]:
    root = tmp_path / "mirror"
    paths = []
    start = datetime(2023, 10, 2, tzinfo=UTC)
    for n in range(5):
        began = start + timedelta(hours=n)
        path = f"crawl-data/CC-NEWS/2023/10/CC-NEWS-{began:%Y%m%d%H%M%S}-{n:05d}.warc.gz"
        records = [(url, html, began + timedelta(minutes=i)) for i, (url, html) in enumerate(PAGES[n::5])]
        write_ccnews_warc(root / path, records)
        paths.append(path)
    write_paths_lists(root, paths)
    m = serve(root, tmp_path / "access.log")
    try:
        yield m, paths
    finally:
        m.stop()


def test_a_killed_ccnews_backfill_does_not_request_finished_files_again(
    mirror: tuple[Mirror, list[str]], tmp_path: Path, no_registry: list[str]
) -> None:
    server, paths = mirror
    out = tmp_path / "out"
    args = [
        "backfill", "--ccnews", "--from", "2023-10-02", "--to", "2023-10-02", "--output", str(out),
        *FAST, *SLOW_WRITES, *no_registry,
        "-s", f"NEWSBOT_CCNEWS_BASE_URL={server.base_url}",
    ]  # fmt: skip
    first = start_newsbot(*args, log=tmp_path / "first.log", new_session=True)
    done = kill_when_a_file_is_half_stored(first, out, tmp_path / "first.log")
    urls = {server.base_url + p for p in paths}
    assert done < urls
    before = Counter(server.requested())

    again = newsbot(*args, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert finished(out) == urls
    requests = Counter(server.requested())
    for p in paths:
        url = server.base_url + p
        assert before["/" + p] == 1 if url in done else before["/" + p] <= 1
        # a finished file is never asked for again; any other one is, once
        assert requests["/" + p] - before["/" + p] == (0 if url in done else 1), p
    assert_each_page_once(out, [u for u, _ in PAGES])
