"""One run at a time per output directory: an advisory lock on ``DIR/.lock``.

The lock is ``fcntl.flock`` on an open file descriptor, so the kernel releases it when the process
exits for any reason (SIGKILL and power loss included): a lock "left behind" by a dead process is
simply taken by the next run, with no stale-pid heuristics. The file's content (pid, run id, start
time, command) is only there for the message a second run prints.

An object store (``s3://...``) offers no such lock, so the lock is never pretended there: with an
object-store output the lock lives in a local directory given with ``NEWSBOT_LOCK_DIR``
(``--lock-dir``), and only guards the runs of the machines that share that directory; without
one, :func:`lock_dir` refuses to start (or set ``NEWSBOT_LOCK_ENABLED=False``). Runs on several
machines writing one bucket need no lock between them: every file name carries its run id.
``newsbot compact`` must still not run while another machine compacts the same prefix.

``newsbot crawl`` takes the lock before it starts Scrapy; :class:`OutputLockExtension` takes it for
``scrapy crawl`` runs and is a no-op when this process already holds it (flock locks belong to an
open file description, so a second ``open`` + ``flock`` in the same process would deadlock itself).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newsbot.config.declared import default, getbool
from newsbot.config.errors import ConfigError
from newsbot.config.run import run_id
from newsbot.storage.location import is_remote

logger = logging.getLogger(__name__)

LOCK_NAME = ".lock"

_held: dict[Path, OutputLock] = {}
_held_guard = threading.Lock()


class LockHeld(RuntimeError):
    """Another live process holds the output directory."""

    def __init__(self, path: Path, holder: dict[str, Any]) -> None:
        self.path = path
        self.holder = holder
        pid = holder.get("pid", "?")
        since = holder.get("started_at", "?")
        rid = holder.get("run_id", "?")
        super().__init__(
            f"{path.parent} is in use by another newsbot run (pid {pid}, run {rid}, since {since}); "
            f"lock file {path}"
        )


class OutputLock:
    """An exclusive, non-blocking lock on ``DIR/.lock``; re-entrant within one process."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.path = (self.directory / LOCK_NAME).resolve()
        self._fd: int | None = None
        self._depth = 0

    @classmethod
    def acquire(cls, directory: str | Path, *, run: str | None = None, what: str = "") -> OutputLock:
        """Take the lock (or re-enter it if this process holds it); raises :class:`LockHeld`."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        key = (directory / LOCK_NAME).resolve()
        with _held_guard:
            lock = _held.get(key)
            if lock is None:
                lock = cls(directory)
                lock._take(run, what)
                _held[key] = lock
            lock._depth += 1
            return lock

    def _take(self, run: str | None, what: str) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = read_holder(self.path)
            os.close(fd)
            raise LockHeld(self.path, holder) from None
        except BaseException:
            os.close(fd)
            raise
        info = {
            "pid": os.getpid(),
            "run_id": run,
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": what or " ".join(sys.argv[:1] + sys.argv[1:4]),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        self._fd = fd

    def release(self) -> None:
        with _held_guard:
            self._depth -= 1
            if self._depth > 0 or self._fd is None:
                return
            _held.pop(self.path, None)
            # Empty the file first so that nobody reads a dead holder's pid; the file itself stays
            # (deleting it would race with a process that opened it and is about to flock it).
            try:
                os.ftruncate(self._fd, 0)
            except OSError:
                pass
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> OutputLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def read_holder(path: Path) -> dict[str, Any]:
    """What the holder wrote into the lock file (best effort: it may be mid-write)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def lock_dir(settings: Any, output: str | None = None) -> Path:
    """The local directory the run lock lives in; ConfigError for an object store without one."""
    configured = settings.get("NEWSBOT_LOCK_DIR")
    if configured:
        if is_remote(str(configured)):
            raise ConfigError("settings", "NEWSBOT_LOCK_DIR", f"must be a local directory, got {configured}")
        return Path(configured)
    output = output or str(settings.get("NEWSBOT_OUTPUT_DIR") or default("NEWSBOT_OUTPUT_DIR"))
    if is_remote(output):
        raise ConfigError(
            "settings",
            "NEWSBOT_LOCK_DIR",
            f"the output {output} is an object store, which has no file locks: give a local directory for "
            "the run lock (NEWSBOT_LOCK_DIR or --lock-dir), or set NEWSBOT_LOCK_ENABLED=False",
        )
    return Path(output)


class OutputLockExtension:
    """Holds the output-directory lock for the whole crawl (``NEWSBOT_LOCK_ENABLED``, default on).

    Raising in ``from_crawler`` stops the crawl before the spider opens, so a second
    ``scrapy crawl`` on a busy directory fails at once without fetching anything.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.lock = OutputLock.acquire(
            lock_dir(crawler.settings), run=run_id(crawler), what=f"scrapy crawl {crawler.spidercls.name}"
        )
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OutputLockExtension:
        if not getbool(crawler.settings, "NEWSBOT_LOCK_ENABLED"):
            raise NotConfigured
        # A busy directory raises LockHeld, an object store without a lock directory ConfigError:
        # reported once, by the entry point (newsbot crawl, the project's scrapy crawl).
        return cls(crawler)

    def engine_stopped(self) -> None:
        self.lock.release()
