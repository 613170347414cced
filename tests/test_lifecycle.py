"""A crawl's processes and signals, with real processes: ``kill -9``, Ctrl-C, a second signal.

The hostile site (``tests/data/hostile/server.py``) answers each article after a delay and counts
the article requests it received, so a test can see whether fetching went on after a signal.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.data.hostile.harness import (
    FAST,
    article_requests,
    hostile_site,
    read_articles,
    read_rejects,
    set_delay,
    start_newsbot,
    summaries,
)
from tests.processes import available, cmdline, descendants, wait_until_gone

pytestmark = pytest.mark.skipif(not available(), reason="reads the process tree from /proc (Linux)")

N = 60
PER_SITE = 2
#: Workers on (FAST runs inline); politeness as a real crawl has it: many requests queued in
#: the downloader for one site, two at a time, a delay between them.
POLITE = [
    *FAST,
    "-s", "NEWSBOT_WORKERS=2",
    "-s", "CONCURRENT_REQUESTS=32",
    "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={PER_SITE}",
    "-s", "DOWNLOAD_DELAY=0.2",
    "-s", "NEWSBOT_FLUSH_INTERVAL=0.3",
    "-s", "NEWSBOT_SUMMARY_INTERVAL=0.2",
]  # fmt: skip


def wait_for(predicate, timeout: float = 120.0, what: str = "") -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def stored_at_least(out: Path, n: int):  # type: ignore[no-untyped-def]
    return lambda: (out / "runs").exists() and any(s["totals"]["stored"] >= n for s in summaries(out))


def workers_started(pid: int, n: int):  # type: ignore[no-untyped-def]
    # n workers and multiprocessing's resource tracker
    return lambda: len(descendants(pid)) >= n + 1


def test_workers_and_the_resource_tracker_die_with_a_killed_crawl(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with hostile_site() as base:
        set_delay(base, 0.3)
        proc = start_newsbot(
            "crawl", "--output", str(out), *POLITE, "--feeds", f"{base}/feed.xml?n={N}",
            log=tmp_path / "crawl.log",
        )  # fmt: skip
        try:
            wait_for(workers_started(proc.pid, 2), what="the worker processes")
            wait_for(stored_at_least(out, 1), what="a first record")  # the workers are working
            tree = descendants(proc.pid)
        finally:
            proc.send_signal(signal.SIGKILL)  # as the OOM killer does
            proc.wait(timeout=30)
        left = wait_until_gone(tree, timeout=30)
        assert not left, [cmdline(p) for p in left]


def test_ctrl_c_stops_fetching_at_once_and_stores_what_was_in_flight(tmp_path: Path) -> None:
    out, log = tmp_path / "out", tmp_path / "crawl.log"
    with hostile_site() as base:
        set_delay(base, 0.3)
        # In its own process group, as a terminal runs it: Ctrl-C signals the crawl and its workers.
        proc = start_newsbot(
            "crawl", "--output", str(out), *POLITE, "--feeds", f"{base}/feed.xml?n={N}",
            log=log, new_session=True,
        )  # fmt: skip
        try:
            wait_for(workers_started(proc.pid, 2), what="the worker processes")
            wait_for(stored_at_least(out, 3), what="three records")
            tree = descendants(proc.pid)
            before = article_requests(base)
            os.killpg(proc.pid, signal.SIGINT)
            assert proc.wait(timeout=120) == 130, log.read_text()[-3000:]
            after = article_requests(base)
        finally:
            if proc.poll() is None:
                proc.kill()
    text = log.read_text()
    assert "received SIGINT: stopping" in text
    # Only the transfers in progress went on (one per connection to the site, and one more that
    # may have been sent between the count and the signal); 30 requests sat in the downloader.
    assert after - before <= PER_SITE + 1, (before, after)
    # The workers ignored the Ctrl-C: the parent stopped them.
    assert "KeyboardInterrupt" not in text and "Traceback" not in text, text[-3000:]
    assert not wait_until_gone(tree, timeout=30)
    summary = summaries(out)[-1]
    assert summary["finish_reason"] == "shutdown" and summary["shutdown_signal"] == "SIGINT"
    stored = read_articles(out).num_rows
    assert summary["totals"]["stored"] == stored and 3 <= stored < N
    # The requests never sent are not rejects: the next run lists them again.
    assert read_rejects(out) == []


def test_a_second_signal_stops_at_once_and_the_summary_counts_what_is_on_disk(tmp_path: Path) -> None:
    out, log = tmp_path / "out", tmp_path / "crawl.log"
    with hostile_site() as base:
        set_delay(base, 0.3)
        proc = start_newsbot(
            "crawl", "--output", str(out), *POLITE, "--feeds", f"{base}/feed.xml?n={N}", log=log
        )  # fmt: skip
        try:
            wait_for(stored_at_least(out, 3), what="three records")
            set_delay(base, 60)  # the transfers in flight now take a minute: the first signal waits
            time.sleep(1.0)
            proc.send_signal(signal.SIGTERM)
            wait_for(lambda: "received SIGTERM: stopping" in log.read_text(), what="the first signal")
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 143, log.read_text()[-3000:]
        finally:
            if proc.poll() is None:
                proc.kill()
            set_delay(base, 0)
    text = log.read_text()
    assert "received SIGTERM again: stopping now" in text
    summary = summaries(out)[-1]
    # Before: the summary of the spider's opening ("None after 0.0s: 0 stored") was the last one.
    assert summary["finish_reason"] == "shutdown" and summary["shutdown_signal"] == "SIGTERM"
    assert summary["elapsed_seconds"] > 1
    stored = read_articles(out).num_rows
    assert stored >= 3 and summary["totals"]["stored"] == stored
    assert f"{stored} stored" in text  # the line newsbot prints at the end
