"""Test harness: the hostile server in a subprocess, and ``newsbot`` runs in subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.request import urlopen

import pyarrow as pa
import pyarrow.dataset as ds

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]

#: Politeness off (loopback), extraction inline: same behaviour, less start-up time.
FAST = [
    "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
    "-s", "NEWSBOT_WORKERS=0",
    "-s", "LOG_LEVEL=INFO",
]  # fmt: skip


@contextmanager
def hostile_site() -> Iterator[str]:
    """Serve the hostile site; yields its base URL."""
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "server.py")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("hostile server did not start")
        yield json.loads(line)["base"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        for f in (proc.stdin, proc.stdout):
            if f is not None:
                f.close()


def set_delay(base: str, seconds: float) -> None:
    urlopen(f"{base}/control/delay/{seconds}", timeout=5).read()


def article_requests(base: str) -> int:
    """How many article requests the hostile server has received."""
    return int(urlopen(f"{base}/control/articles", timeout=5).read())


def newsbot_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "newsbot.cli.main", *args]


def newsbot(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(newsbot_cmd(*args), cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def start_newsbot(*args: str, log: Path, new_session: bool = False) -> subprocess.Popen[bytes]:
    """``newsbot ARGS`` in the background; ``new_session``: in its own process group, as a
    terminal runs a command (Ctrl-C then signals the group: the crawl and its workers)."""
    with log.open("wb") as fh:
        return subprocess.Popen(
            newsbot_cmd(*args), cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT, start_new_session=new_session
        )


def read_articles(out: Path) -> pa.Table:
    return ds.dataset(str(out / "articles"), format="parquet", partitioning="hive").to_table()


def read_rejects(out: Path) -> list[dict[str, object]]:
    if not (out / "rejects").exists():
        return []
    return ds.dataset(str(out / "rejects"), format="parquet", partitioning="hive").to_table().to_pylist()


def summaries(out: Path) -> list[dict[str, object]]:
    return [json.loads(p.read_text()) for p in sorted((out / "runs").glob("*.json"))]
