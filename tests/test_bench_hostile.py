"""``newsbot bench throughput --hostile-listing``, run small: the hostile listings are in the crawl.

Asserts on the figures the command prints (what the loopback server served, what discovery made
of it), not on timings: speed and reactor lag are for the benchmark to measure.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from newsbot.bench.aeb import default_aeb_dir
from newsbot.config.paths import project_root

pytestmark = pytest.mark.skipif(
    not default_aeb_dir().is_dir(), reason="the aeb-dev corpus (../shared/aeb-dev) is not here"
)

ITEMS = 5_000  # ~350 KB: a feed parsed in the worker pool, quick enough for a test


def test_the_benchmark_crawls_the_hostile_listings_and_prints_the_reactor_lag() -> None:
    proc = subprocess.run(
        [
            sys.executable, "-m", "newsbot.cli.main", "bench", "throughput",
            "--pages", "12", "--bare-calls", "4", "--workers", "1",
            "--hostile-listing", "--hostile-items", str(ITEMS),
        ],
        cwd=project_root(), capture_output=True, text=True, timeout=400,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    assert figures["stored"] == 12  # the large feed links to the same pages: none added
    for name in ("entity_expansion_feed", "large_feed", "robots_txt_9mb"):
        assert figures[f"hostile_{name}_fetched"] == 1, figures
    assert figures["hostile_feeds_refused"] == 1  # the entity-expansion feed
    assert figures["hostile_feeds_parsed_in_pool"] == 1  # the large one
    assert figures["hostile_feed_entries"] == ITEMS
    assert figures["reactor_max_lag_ms"] is not None
    assert figures["reactor_p99_lag_ms"] is not None
    assert "reactor_p99_lag_ms" in proc.stdout
