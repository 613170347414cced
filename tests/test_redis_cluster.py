"""Scale-out on Redis: two real crawl processes share one frontier and one dataset.

Each test starts its own ``redis-server`` on a free port in ``tmp_path`` and stops it.
"""

from __future__ import annotations

import collections
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow.dataset as ds
import pytest
from scrapy.utils.project import get_project_settings

from newsbot.scaleout.addon import RedisScaleOut
from newsbot.scaleout.server import LocalRedis, redis_server_path
from newsbot.scaleout.sitegen import OUTLET, generate_site
from tests.conftest import ServedSite
from tests.crawl_helpers import FAST, ROOT

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        redis_server_path() is None, reason="redis-server is not on PATH (apt-get install redis-server)"
    ),
]

PAGES = 400


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[LocalRedis]:
    with LocalRedis(tmp_path / "redis") as server:
        yield server


def start_worker(*args: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "news", *FAST, *args]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_settings_unchanged_without_redis_url() -> None:
    settings = get_project_settings()
    before = {k: settings.get(k) for k in ("SCHEDULER", "DUPEFILTER_CLASS", "NEWSBOT_LOCK_ENABLED")}
    before_ext = dict(settings.getdict("EXTENSIONS"))
    RedisScaleOut().update_settings(settings)
    assert settings.get("SCHEDULER") == "scrapy.core.scheduler.Scheduler"
    assert {k: settings.get(k) for k in before} == before
    assert dict(settings.getdict("EXTENSIONS")) == before_ext
    assert "newsbot.scaleout.politeness.ClusterDomainDelayMiddleware" not in settings.getdict(
        "DOWNLOADER_MIDDLEWARES"
    )


def test_redis_url_switches_to_the_cluster_components() -> None:
    settings = get_project_settings()
    settings.set("NEWSBOT_REDIS_URL", "redis://127.0.0.1:1/0", priority="cmdline")
    settings.set("SCHEDULER_PERSIST", False, priority="cmdline")
    RedisScaleOut().update_settings(settings)
    assert settings.get("SCHEDULER") == "newsbot.scaleout.scheduler.ClusterScheduler"
    assert settings.get("DUPEFILTER_CLASS") == "newsbot.scaleout.dupefilter.ExpiringRedisDupeFilter"
    assert settings.get("REDIS_URL") == "redis://127.0.0.1:1/0"
    assert settings.get("SCHEDULER_QUEUE_KEY") == "newsbot:%(spider)s:requests"
    assert settings.getbool("SCHEDULER_PERSIST") is False  # the command line still wins
    assert settings.getbool("NEWSBOT_LOCK_ENABLED") is False  # workers share one dataset
    assert "newsbot.scaleout.cluster.ClusterCoordinator" in settings.getdict("EXTENSIONS")


def test_two_processes_fetch_every_page_once(
    tmp_path: Path, redis_server: LocalRedis, site_server: Callable[[Path], ServedSite]
) -> None:
    paths = generate_site(tmp_path / "site", PAGES)
    site = site_server(tmp_path / "site")
    out = tmp_path / "out"
    args = [
        "-a", f"sitemaps={site.url(OUTLET, '/sitemap.xml')}",
        "-s", f"NEWSBOT_REDIS_URL={redis_server.url}",
        "-s", f"NEWSBOT_OUTPUT_DIR={out}",
        # exercise the cluster-wide per-site slot, at a pace a test can afford
        "-s", "NEWSBOT_REDIS_DOMAIN_DELAY=0.005",
        "-s", "NEWSBOT_ALLOWED_PRIVATE_HOSTS=127.0.0.1",
    ]  # fmt: skip
    workers = [start_worker(*args), start_worker(*args)]
    logs = [w.communicate(timeout=120)[0] for w in workers]
    for w, log in zip(workers, logs, strict=True):
        assert w.returncode == 0, log[-3000:]

    fetched = collections.Counter(r["path"] for r in site.requests() if r["method"] == "GET")
    articles = {p: n for p, n in fetched.items() if p.startswith("/news/")}
    assert set(articles) == set(paths)
    assert max(articles.values()) == 1, [p for p, n in articles.items() if n > 1][:5]
    # one process claimed the sitemap index and each child sitemap: fetched once in all
    assert all(fetched[p] == 1 for p in fetched if p.startswith("/sitemap")), fetched
    assert fetched["/robots.txt"] <= 2  # robots.txt is per process (Scrapy's RobotsTxtMiddleware)

    table = ds.dataset(out / "articles", format="parquet", partitioning="hive").to_table(
        columns=["url", "run_id"]
    )
    urls = table.column("url").to_pylist()
    assert len(urls) == PAGES == len(set(urls))
    per_run = collections.Counter(table.column("run_id").to_pylist())
    assert len(per_run) == 2, per_run  # both processes stored records
    assert min(per_run.values()) >= PAGES // 10, per_run
    names = [p.name for p in (out / "articles").rglob("*.parquet")]
    assert len(names) == len(set(names))
    assert all(any(rid in n for rid in per_run) for n in names)

    # A second round finds everything fetched or stored: no article is requested again.
    site.clear_log()
    again = start_worker(*args)
    log = again.communicate(timeout=120)[0]
    assert again.returncode == 0, log[-3000:]
    assert not [r for r in site.requests() if r["path"].startswith("/news/")]
