"""Shared fixtures: the demo site (and any other site root) served by a real subprocess.

Like Scrapy's own test suite (``tests/mockserver``), the HTTP server runs in a separate process on
free ports, so crawls under test go through real sockets and nothing is mocked.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted

from newsbot.demo.server import SITE_ROOT, SOURCES_TEMPLATE, render_sources
from tests.disks import mount_small_disk, unmount


@pytest.fixture(scope="session", autouse=True)
def _sigterm_ends_the_session(twisted_greenlet: object) -> None:
    """The reactor pytest-twisted runs for the session (see pyproject's addopts) takes SIGTERM
    to mean "stop the reactor", which leaves the session running (``timeout 600 pytest`` would
    not end it). Once it has started, SIGTERM ends the process again, as without a reactor."""
    from twisted.internet import reactor, task

    pytest_twisted.blockon(task.deferLater(reactor, 0, lambda: None))
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@dataclass
class ServedSite:
    """A ``python -m newsbot.demo.server`` subprocess and what it serves."""

    root: Path
    log_path: Path
    process: subprocess.Popen[str]
    base_urls: dict[str, str] = field(default_factory=dict)

    def requests(self) -> list[dict[str, Any]]:
        """Parsed request-log lines so far (one dict per request, in arrival order)."""
        if not self.log_path.exists():
            return []
        with self.log_path.open(encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]

    def url(self, outlet: str, path: str = "/") -> str:
        return self.base_urls[outlet] + path

    def sources_toml(self, template: Path = SOURCES_TEMPLATE) -> str:
        """A sources registry template with this server's base URLs filled in."""
        return render_sources(template, self.base_urls)

    def clear_log(self) -> None:
        """Forget the requests logged so far (the server appends to the same file)."""
        self.log_path.write_text("", encoding="utf-8")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdin is not None:
            self.process.stdin.close()
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_site(root: Path, log_path: Path) -> ServedSite:
    """Start the server CLI on free ports and wait for its JSON line of base URLs."""
    process = subprocess.Popen(
        [sys.executable, "-m", "newsbot.demo.server", "--root", str(root), "--log", str(log_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    site = ServedSite(root=root, log_path=log_path, process=process)
    if not line:
        site.stop()
        raise RuntimeError(f"demo server for {root} exited with {process.returncode} before listening")
    site.base_urls = json.loads(line)
    return site


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    """The bundled demo site, served once per test session; see ``newsbot/demo/site``."""
    log_path = tmp_path_factory.mktemp("demo-site") / "requests.jsonl"
    site = start_site(SITE_ROOT, log_path)
    try:
        yield site
    finally:
        site.stop()


@pytest.fixture
def site_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[Path], ServedSite]]:
    """Factory: ``site_server(root)`` serves another site root for the duration of the test."""
    started: list[ServedSite] = []

    def factory(root: Path) -> ServedSite:
        log_path = tmp_path_factory.mktemp("site") / "requests.jsonl"
        site = start_site(Path(root), log_path)
        started.append(site)
        return site

    try:
        yield factory
    finally:
        for site in started:
            site.stop()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs mounted for the test (skipped where mounting is not permitted)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    mount_small_disk(mnt)
    try:
        yield mnt
    finally:
        unmount(mnt)
